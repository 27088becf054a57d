//! Fixed parameters of the algorithms (RFC 5905 appendix A.1.1 and section 7.2), as used
//! by ntpd where the RFC's reference code carries a known misprint (noted per constant).

/// Frequency tolerance (s/s): the dispersion growth rate of an undisciplined clock.
pub const PHI: f64 = 15e-6;
/// Number of stages in the clock filter shift register.
pub const NSTAGE: usize = 8;
/// Maximum dispersion (s): the value of an empty filter stage.
pub const MAXDISP: f64 = 16.0;
/// Minimum dispersion increment (s) added to the root dispersion per update.
pub const MINDISP: f64 = 0.005;
/// Maximum stratum; 16 means unsynchronised.
pub const MAXSTRAT: u8 = 16;
/// Popcorn spike gate: a sample further than this many jitters from the last is a spike.
pub const SGATE: f64 = 3.0;
/// PLL loop gain. RFC 5905 A.5.5.6 prints 65536, which gives a time constant of weeks;
/// ntpd and the RFC's own section 11.3 description use 16 (time constant 16 x poll).
pub const PLL: f64 = 16.0;
/// FLL loop gain (MAXPOLL + 1).
pub const FLL: f64 = 18.0;
/// Averaging constant for jitter and wander.
pub const AVG: f64 = 4.0;
/// Poll-adjust hysteresis limit.
pub const LIMIT: i32 = 30;
/// Poll-adjust gate: the poll interval grows while |offset| < PGATE x jitter.
pub const PGATE: f64 = 4.0;
/// Largest frequency correction (s/s), also the largest slew rate.
pub const MAXFREQ: f64 = 500e-6;
/// Largest poll exponent the protocol allows.
pub const MAXPOLL: i8 = 17;
/// Smallest poll exponent the protocol allows.
pub const MINPOLL: i8 = 3;

/// 2^`exp` seconds as f64 (exponent clamped to a sane range so it cannot overflow).
pub(crate) fn log2d(exp: i8) -> f64 {
    f64::powi(2.0, i32::from(exp.clamp(-64, 63)))
}
