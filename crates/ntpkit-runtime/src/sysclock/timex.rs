//! The kernel's `struct timex` as a plain value, and the pure conversions between the
//! adjustments ntpkit's discipline asks for and the kernel's units (man 2 adjtimex; Linux
//! `kernel/time/ntp.c`).
//!
//! Nothing here issues a system call: every conversion is tested on its own, as root in CI,
//! without any chance of touching the real clock. The one call lives in the parent module.

use ntpkit_clock::ClockStatus;
use ntpkit_wire::{LeapIndicator, NtpDuration};

/// `timex.freq` units per PPM: the kernel takes frequency as PPM with a 16-bit binary fraction.
const FREQ_UNITS_PER_PPM: f64 = 65_536.0;
/// The kernel's frequency limit (`MAXFREQ`, 500 PPM), also ntpd's and RFC 5905's `MAXFREQ`.
const MAX_FREQ_PPM: f64 = 500.0;
const NANOS_PER_SEC: i128 = 1_000_000_000;
/// The kernel caps `maxerror`/`esterror` at `NTP_PHASE_LIMIT` (16 s), in microseconds.
const MAX_ERROR_US: i64 = 16_000_000;

/// The fields of `struct timex` that ntpkit writes or reads, in the kernel's units, as `i64`
/// whatever the platform's `long` (the parent module narrows them at the call).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Timex {
    /// Which fields the kernel should apply (`ADJ_*`); 0 only reads.
    pub(crate) modes: u32,
    /// Frequency correction, PPM << 16.
    pub(crate) freq: i64,
    /// Maximum error, microseconds.
    pub(crate) maxerror: i64,
    /// Estimated error, microseconds.
    pub(crate) esterror: i64,
    /// Status bits (`STA_*`).
    pub(crate) status: i32,
    /// Offset (`ADJ_OFFSET` family): units depend on `ADJ_NANO`/`STA_NANO`.
    pub(crate) offset: i64,
    /// PLL time constant (log2 s in nanosecond mode).
    pub(crate) constant: i64,
    /// `time.tv_sec`: for `ADJ_SETOFFSET`, whole seconds of the step (floor).
    pub(crate) time_sec: i64,
    /// `time.tv_usec`: for `ADJ_SETOFFSET | ADJ_NANO`, nanoseconds in `0..10^9` added to
    /// `time_sec` (never negative: the kernel refuses that with `EINVAL`).
    pub(crate) time_usec: i64,
    /// TAI - UTC, seconds (read only here).
    pub(crate) tai: i32,
}

/// `offset` as the `(tv_sec, tv_nsec)` pair `ADJ_SETOFFSET | ADJ_NANO` wants: rounded to the
/// nearest nanosecond, seconds floored so the nanoseconds are never negative. -0.5 s is
/// (-1, 500_000_000), not (0, -500_000_000): the classic bug this function exists to avoid.
pub(crate) fn split_offset(offset: NtpDuration) -> (i64, i64) {
    // 32.32 fixed point to nanoseconds, rounded half up; exact in i128.
    let nanos = (i128::from(offset.to_bits()) * NANOS_PER_SEC + (1 << 31)) >> 32;
    let secs = nanos.div_euclid(NANOS_PER_SEC);
    let subsec = nanos.rem_euclid(NANOS_PER_SEC);
    // |offset| < 2^31 s, so both fit an i64 with room to spare.
    (
        i64::try_from(secs).unwrap_or(i64::MAX),
        i64::try_from(subsec).unwrap_or(0),
    )
}

/// The request that steps the clock by `offset` (positive forward).
pub(crate) fn step_request(offset: NtpDuration) -> Timex {
    let (time_sec, time_usec) = split_offset(offset);
    Timex {
        modes: libc::ADJ_SETOFFSET | libc::ADJ_NANO,
        time_sec,
        time_usec,
        ..Timex::default()
    }
}

/// The largest one-shot slew, microseconds: glibc's `adjtime(3)` refuses whole seconds beyond
/// `INT_MAX / 10^6 - 2` = 2145 so that the microseconds fit a 32-bit `long`. The kernel itself
/// stores any `long` in `time_adjust` unchecked (`kernel/time/ntp.c`, `__do_adjtimex`), but
/// at its 500 us a second a 2145 s slew already takes 50 days.
pub(crate) const MAX_SLEW_US: i64 = 2_145_999_999;
/// How fast the kernel works off a one-shot slew (`MAX_TICKADJ`): 500 us each second.
pub(crate) const SLEW_US_PER_SEC: i64 = 500;

/// `offset` in whole microseconds (rounded half up, as [`split_offset`] rounds nanoseconds),
/// or `None` beyond +-[`MAX_SLEW_US`].
pub(crate) fn slew_micros(offset: NtpDuration) -> Option<i64> {
    i64::try_from(micros(offset))
        .ok()
        .filter(|us| us.abs() <= MAX_SLEW_US)
}

/// `offset` in whole microseconds, rounded half up; exact in i128 for any offset.
pub(crate) fn micros(offset: NtpDuration) -> i128 {
    (i128::from(offset.to_bits()) * 1_000_000 + (1 << 31)) >> 32
}

/// The request that slews the clock by `offset` once, as `adjtime(3)` does
/// (`ADJ_OFFSET_SINGLESHOT`, offset in microseconds whatever `STA_NANO` says; positive runs
/// the clock fast until it has gained `offset`). `None` beyond the range [`MAX_SLEW_US`].
pub(crate) fn slew_request(offset: NtpDuration) -> Option<Timex> {
    Some(Timex {
        modes: libc::ADJ_OFFSET_SINGLESHOT,
        offset: slew_micros(offset)?,
        ..Timex::default()
    })
}

/// `frequency` (s/s) as `timex.freq` (PPM << 16), rounded and clamped to +-500 PPM, or
/// `None` for NaN (which no clamp can make meaningful).
pub(crate) fn freq_from_frequency(frequency: f64) -> Option<i64> {
    if frequency.is_nan() {
        return None;
    }
    let ppm = (frequency * 1e6).clamp(-MAX_FREQ_PPM, MAX_FREQ_PPM);
    // Within +-500 * 65536: the cast cannot truncate.
    Some((ppm * FREQ_UNITS_PER_PPM).round() as i64)
}

/// `timex.freq` (PPM << 16) as a frequency correction in s/s.
pub(crate) fn frequency_from_freq(freq: i64) -> f64 {
    // One division, so whole PPM values come out as the nearest f64 (20 PPM is 20e-6).
    freq as f64 / (FREQ_UNITS_PER_PPM * 1e6)
}

/// The request that sets the frequency correction, or `None` for NaN.
pub(crate) fn frequency_request(frequency: f64) -> Option<Timex> {
    Some(Timex {
        modes: libc::ADJ_FREQUENCY,
        freq: freq_from_frequency(frequency)?,
        ..Timex::default()
    })
}

/// `status` with the leap bits replaced for `leap` and every other bit kept: the kernel
/// replaces all writable status bits on `ADJ_STATUS`, and clearing a `STA_PLL` someone else
/// set would reset the kernel discipline (and any armed leap) behind their back.
/// `Unsynchronized` is not a leap: it disarms, like `NoWarning`.
pub(crate) fn status_with_leap(status: i32, leap: LeapIndicator) -> i32 {
    let bits = match leap {
        LeapIndicator::InsertSecond => libc::STA_INS,
        LeapIndicator::DeleteSecond => libc::STA_DEL,
        LeapIndicator::NoWarning | LeapIndicator::Unsynchronized => 0,
    };
    (status & !(libc::STA_INS | libc::STA_DEL)) | bits
}

/// The leap second the kernel has armed, from its status bits (both bits set is not a
/// state the kernel acts on; it inserts, so report an insert).
pub(crate) fn leap_from_status(status: i32) -> LeapIndicator {
    if status & libc::STA_INS != 0 {
        LeapIndicator::InsertSecond
    } else if status & libc::STA_DEL != 0 {
        LeapIndicator::DeleteSecond
    } else {
        LeapIndicator::NoWarning
    }
}

/// The request that arms or disarms `leap`, given the status just read; `None` when the
/// kernel already has exactly that (no call needed).
pub(crate) fn leap_request(current_status: i32, leap: LeapIndicator) -> Option<Timex> {
    let status = status_with_leap(current_status, leap);
    (status != current_status).then_some(Timex {
        modes: libc::ADJ_STATUS,
        status,
        ..Timex::default()
    })
}

/// Seconds as whole microseconds for `maxerror`/`esterror`, rounded up (an error bound is
/// never understated) and capped at the kernel's 16 s.
pub(crate) fn error_us(seconds: f64) -> i64 {
    if seconds.is_nan() {
        return MAX_ERROR_US;
    }
    // Clamped first, so the cast cannot truncate.
    (seconds * 1e6).ceil().clamp(0.0, MAX_ERROR_US as f64) as i64
}

/// The request that tells the kernel whether the clock is synchronised (`STA_UNSYNC`, what
/// `timedatectl` and `adjtimex --print` show) and with what error bounds, given the status
/// just read. `errors` is `(maximum, estimated)` in seconds; `None` marks it unsynchronised.
/// The kernel grows `maxerror` by 500 us each second and sets `STA_UNSYNC` itself at 16 s,
/// so a daemon that stops updating is reported unsynchronised within about nine hours.
pub(crate) fn sync_request(current_status: i32, errors: Option<(f64, f64)>) -> Timex {
    let (status, maxerror, esterror) = match errors {
        Some((max, est)) => (
            current_status & !libc::STA_UNSYNC,
            error_us(max),
            error_us(est),
        ),
        None => (
            current_status | libc::STA_UNSYNC,
            MAX_ERROR_US,
            MAX_ERROR_US,
        ),
    };
    Timex {
        modes: libc::ADJ_STATUS | libc::ADJ_MAXERROR | libc::ADJ_ESTERROR,
        status,
        maxerror,
        esterror,
        ..Timex::default()
    }
}

/// The requests that take the clock over from whatever disciplined it before, in order:
/// cancel an `adjtime(3)` slew still in progress (`ADJ_OFFSET_SINGLESHOT` 0); zero the
/// kernel PLL's remaining phase correction (`ADJ_OFFSET` 0, which the kernel applies only
/// while `STA_PLL` is still on, and which otherwise keeps slewing after the PLL is off);
/// then switch the kernel discipline off (clear `STA_PLL`, `STA_FLL`, the PPS bits and any
/// armed leap, and mark the clock unsynchronised until [`sync_request`] says otherwise).
/// The frequency is left as it is: the drift file or the discipline sets it next.
pub(crate) fn take_over_requests(current_status: i32) -> [Timex; 3] {
    let discipline_bits = libc::STA_PLL
        | libc::STA_FLL
        | libc::STA_PPSFREQ
        | libc::STA_PPSTIME
        | libc::STA_FREQHOLD
        | libc::STA_INS
        | libc::STA_DEL;
    [
        Timex {
            modes: libc::ADJ_OFFSET_SINGLESHOT,
            ..Timex::default()
        },
        Timex {
            modes: libc::ADJ_OFFSET,
            ..Timex::default()
        },
        Timex {
            modes: libc::ADJ_STATUS,
            status: (current_status & !discipline_bits) | libc::STA_UNSYNC,
            ..Timex::default()
        },
    ]
}

/// The kernel PLL's phase limit (`MAXPHASE`, 0.5 s): it clamps larger offsets itself.
const MAX_PHASE_NS: f64 = 500_000_000.0;
/// The kernel's largest time constant (`MAXTC`).
const MAX_TIME_CONSTANT: i64 = 10;

/// The request that hands one clock update to the kernel's own PLL (`enable kernel`, as
/// ntpd's `local_clock` does), given the status just read: `offset` is the correction in
/// seconds (positive moves the clock forward, as for a step), rounded to the nanosecond and
/// clamped to the kernel's +-0.5 s; `poll` (log2 s) becomes the time constant, which in
/// nanosecond mode the kernel takes as is, within `0..=10`. Switches `STA_PLL` on in the same
/// call (the kernel applies status before offset), clears `STA_FLL` (the kernel goes to FLL
/// by itself for updates 2048 s or more apart), `STA_UNSYNC` and the PPS bits, keeps an
/// armed leap, and sets the error bounds as [`sync_request`] does. `None` for a NaN offset.
pub(crate) fn kernel_pll_request(
    current_status: i32,
    offset: f64,
    poll: i8,
    max_error: f64,
    estimated_error: f64,
) -> Option<Timex> {
    if offset.is_nan() {
        return None;
    }
    let cleared = libc::STA_FLL | libc::STA_UNSYNC | libc::STA_PPSFREQ | libc::STA_PPSTIME;
    Some(Timex {
        modes: libc::ADJ_STATUS
            | libc::ADJ_NANO
            | libc::ADJ_OFFSET
            | libc::ADJ_TIMECONST
            | libc::ADJ_MAXERROR
            | libc::ADJ_ESTERROR,
        status: (current_status & !cleared) | libc::STA_PLL,
        // Clamped first, so the cast cannot truncate.
        offset: (offset * 1e9).round().clamp(-MAX_PHASE_NS, MAX_PHASE_NS) as i64,
        constant: i64::from(poll).clamp(0, MAX_TIME_CONSTANT),
        maxerror: error_us(max_error),
        esterror: error_us(estimated_error),
        ..Timex::default()
    })
}

/// The kernel's largest TAI - UTC offset (`MAX_TAI_OFFSET`); it silently ignores others.
const MAX_TAI_OFFSET: i32 = 100_000;

/// The request that sets TAI - UTC (seconds; 37 since 2017), which `CLOCK_TAI` adds to
/// `CLOCK_REALTIME` and the kernel increments itself when it inserts a leap second. The
/// kernel takes it in the `constant` field. `None` for a value the kernel would ignore.
pub(crate) fn tai_request(tai_offset: i32) -> Option<Timex> {
    (0..=MAX_TAI_OFFSET).contains(&tai_offset).then_some(Timex {
        modes: libc::ADJ_TAI,
        constant: i64::from(tai_offset),
        ..Timex::default()
    })
}

/// What [`ntpkit_clock::Clock::status`] reports from a read-only reply.
pub(crate) fn clock_status(reply: &Timex) -> ClockStatus {
    let mut status = ClockStatus::default();
    status.frequency = frequency_from_freq(reply.freq);
    status.leap = leap_from_status(reply.status);
    // The kernel inserts or deletes the armed second itself at UTC midnight.
    status.handles_leap = true;
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    // Values below are the kernel ABI from man 2 adjtimex / <linux/timex.h>, written out
    // by hand rather than taken from libc, so a wrong constant there would show here too.
    const ADJ_OFFSET: u32 = 0x0001;
    const ADJ_FREQUENCY: u32 = 0x0002;
    const ADJ_MAXERROR: u32 = 0x0004;
    const ADJ_ESTERROR: u32 = 0x0008;
    const ADJ_STATUS: u32 = 0x0010;
    const ADJ_SETOFFSET: u32 = 0x0100;
    const ADJ_NANO: u32 = 0x2000;
    const ADJ_OFFSET_SINGLESHOT: u32 = 0x8001;
    const STA_PLL: i32 = 0x0001;
    const STA_FLL: i32 = 0x0008;
    const STA_INS: i32 = 0x0010;
    const STA_DEL: i32 = 0x0020;
    const STA_UNSYNC: i32 = 0x0040;
    const STA_FREQHOLD: i32 = 0x0080;
    const STA_NANO: i32 = 0x2000;

    fn secs(bits: i64) -> NtpDuration {
        NtpDuration::from_bits(bits)
    }

    #[test]
    fn step_requests_set_offset_in_nanoseconds() {
        let r = step_request(NtpDuration::from_seconds(3));
        assert_eq!(r.modes, 0x2100);
        assert_eq!(r.modes, ADJ_SETOFFSET | ADJ_NANO);
        assert_eq!((r.time_sec, r.time_usec), (3, 0));
        // Nothing else is asked of the kernel.
        assert_eq!(r.freq, 0);
        assert_eq!(r.status, 0);
    }

    #[test]
    fn positive_offsets_split_into_seconds_and_nanoseconds() {
        // 0.25 s = 2^30 in 32.32 fixed point.
        assert_eq!(split_offset(secs(1 << 30)), (0, 250_000_000));
        // 1.5 s = 3 * 2^31.
        assert_eq!(split_offset(secs(3 << 31)), (1, 500_000_000));
        // 3600 s + 2^-10 s (976562.5 ns, rounds half up to 976563).
        assert_eq!(
            split_offset(secs((3600 << 32) + (1 << 22))),
            (3600, 976_563)
        );
    }

    #[test]
    fn negative_offsets_floor_the_seconds_and_keep_nanoseconds_positive() {
        // -0.5 s is one second back plus half a second forward.
        assert_eq!(split_offset(secs(-(1 << 31))), (-1, 500_000_000));
        // -1.25 s = -(5 * 2^30): two seconds back, 0.75 s forward.
        assert_eq!(split_offset(secs(-(5 << 30))), (-2, 750_000_000));
        // Whole negative seconds have no nanoseconds.
        assert_eq!(split_offset(NtpDuration::from_seconds(-2)), (-2, 0));
        // -1000.001 s (to the nearest 2^-32 s, which rounds back to the nanosecond).
        let d = NtpDuration::from_seconds_f64(-1000.001);
        assert_eq!(split_offset(d), (-1001, 999_000_000));
        // -4 units of 2^-32 s = -0.93 ns, nearest nanosecond -1 ns.
        assert_eq!(split_offset(secs(-4)), (-1, 999_999_999));
        // -2 units = -0.47 ns: rounds to zero, not to a second back.
        assert_eq!(split_offset(secs(-2)), (0, 0));
    }

    #[test]
    fn every_split_is_valid_for_the_kernel_and_adds_back_up() {
        for bits in [
            i64::MIN,
            i64::MIN + 1,
            -(1 << 32) - 1,
            -(1 << 32),
            -1,
            0,
            1,
            (1 << 32) - 1,
            i64::MAX,
        ] {
            let (s, ns) = split_offset(secs(bits));
            assert!((0..1_000_000_000).contains(&ns), "{bits}: {ns}");
            let total = i128::from(s) * 1_000_000_000 + i128::from(ns);
            let exact = i128::from(bits) * 1_000_000_000;
            // Within half a nanosecond (in 2^-32 ns units) of the exact value.
            assert!((total * (1 << 32) - exact).abs() <= 1 << 31, "{bits}");
        }
    }

    #[test]
    fn slew_requests_are_adjtime_microseconds() {
        // 0.25 s = 2^30: 250000 us, in the old-fashioned adjtime(3) mode 0x8001.
        let r = slew_request(secs(1 << 30)).unwrap();
        assert_eq!(r.modes, 0x8001);
        assert_eq!(r.modes, ADJ_OFFSET_SINGLESHOT);
        assert_eq!(r.offset, 250_000);
        // Nothing else is asked of the kernel.
        assert_eq!((r.freq, r.status, r.time_sec, r.time_usec), (0, 0, 0, 0));
        // -0.5 s is -500000 us: no seconds/fraction split, the sign stays on the value.
        assert_eq!(slew_request(secs(-(1 << 31))).unwrap().offset, -500_000);
        // 2^-12 s = 244.140625 us rounds to 244; 2^-11 s = 488.28125 us to 488;
        // 3 * 2^-13 s = 366.2109375 us to 366.
        assert_eq!(slew_micros(secs(1 << 20)), Some(244));
        assert_eq!(slew_micros(secs(1 << 21)), Some(488));
        assert_eq!(slew_micros(secs(3 << 19)), Some(366));
        assert_eq!(slew_micros(secs(-(1 << 20))), Some(-244));
        // 2^-7 s = 7812.5 us exactly: half rounds up, towards +infinity on both signs.
        assert_eq!(slew_micros(secs(1 << 25)), Some(7_813));
        assert_eq!(slew_micros(secs(-(1 << 25))), Some(-7_812));
        assert_eq!(
            slew_micros(NtpDuration::from_seconds_f64(-0.000_000_4)),
            Some(0)
        );
    }

    #[test]
    fn slews_beyond_glibc_adjtime_range_are_refused() {
        // glibc: whole seconds within +-(INT_MAX / 1000000 - 2) = +-2145.
        assert_eq!(
            slew_micros(NtpDuration::from_seconds(2145)),
            Some(2_145_000_000)
        );
        assert_eq!(
            slew_micros(NtpDuration::from_seconds_f64(-2_145.999_999)),
            Some(-2_145_999_999)
        );
        assert_eq!(slew_micros(NtpDuration::from_seconds(2146)), None);
        assert_eq!(slew_micros(NtpDuration::from_seconds(-2146)), None);
        assert_eq!(slew_request(NtpDuration::from_seconds(86_400)), None);
        assert_eq!(slew_micros(secs(i64::MIN)), None);
        assert_eq!(slew_micros(secs(i64::MAX)), None);
    }

    #[test]
    fn frequency_is_ppm_with_a_sixteen_bit_fraction() {
        let r = frequency_request(1e-6).unwrap();
        assert_eq!(r.modes, ADJ_FREQUENCY);
        assert_eq!(r.freq, 65_536);
        assert_eq!(freq_from_frequency(-12.5e-6), Some(-819_200));
        // 2^-16 PPM is the resolution.
        assert_eq!(freq_from_frequency(1e-6 / 65_536.0), Some(1));
        assert_eq!(freq_from_frequency(0.0), Some(0));
    }

    #[test]
    fn frequency_is_clamped_to_500_ppm_and_nan_refused() {
        assert_eq!(freq_from_frequency(501e-6), Some(32_768_000));
        assert_eq!(freq_from_frequency(-1.0), Some(-32_768_000));
        assert_eq!(freq_from_frequency(f64::INFINITY), Some(32_768_000));
        assert_eq!(freq_from_frequency(f64::NAN), None);
        assert!(frequency_request(f64::NAN).is_none());
    }

    #[test]
    fn frequency_reads_back_in_seconds_per_second() {
        assert_eq!(frequency_from_freq(65_536), 1e-6);
        assert_eq!(frequency_from_freq(-32_768_000), -500e-6);
        for f in [-499.99e-6, -3.21e-6, 0.0, 17.5e-6, 123.456_789e-6] {
            let back = frequency_from_freq(freq_from_frequency(f).unwrap());
            // Within half a unit: 2^-17 PPM.
            assert!((back - f).abs() <= 0.5e-6 / 65_536.0, "{f} -> {back}");
        }
    }

    #[test]
    fn arming_a_leap_keeps_every_other_status_bit() {
        let pll_nano = STA_PLL | STA_NANO;
        assert_eq!(
            status_with_leap(pll_nano, LeapIndicator::InsertSecond),
            pll_nano | STA_INS
        );
        assert_eq!(
            status_with_leap(pll_nano | STA_INS, LeapIndicator::DeleteSecond),
            pll_nano | STA_DEL
        );
        assert_eq!(
            status_with_leap(pll_nano | STA_DEL, LeapIndicator::NoWarning),
            pll_nano
        );
        assert_eq!(
            status_with_leap(STA_UNSYNC | STA_INS, LeapIndicator::Unsynchronized),
            STA_UNSYNC
        );
        // Every bit outside the two leap bits survives, whatever it is.
        let all = !0;
        assert_eq!(
            status_with_leap(all, LeapIndicator::NoWarning),
            !(STA_INS | STA_DEL)
        );
    }

    #[test]
    fn leap_requests_write_status_only_when_it_changes() {
        let r = leap_request(STA_PLL, LeapIndicator::InsertSecond).unwrap();
        assert_eq!(r.modes, ADJ_STATUS);
        assert_eq!(r.status, STA_PLL | STA_INS);
        assert_eq!(
            leap_request(STA_PLL | STA_INS, LeapIndicator::InsertSecond),
            None
        );
        assert_eq!(leap_request(0, LeapIndicator::NoWarning), None);
    }

    #[test]
    fn leap_reads_back_from_status_bits() {
        assert_eq!(
            leap_from_status(STA_INS | STA_PLL),
            LeapIndicator::InsertSecond
        );
        assert_eq!(leap_from_status(STA_DEL), LeapIndicator::DeleteSecond);
        assert_eq!(leap_from_status(STA_UNSYNC), LeapIndicator::NoWarning);
    }

    #[test]
    fn status_reports_frequency_leap_and_kernel_leap_handling() {
        let reply = Timex {
            freq: -65_536 * 20,
            status: STA_DEL | STA_NANO,
            ..Timex::default()
        };
        let s = clock_status(&reply);
        assert_eq!(s.frequency, -20e-6);
        assert_eq!(s.leap, LeapIndicator::DeleteSecond);
        assert!(s.handles_leap);
    }

    #[test]
    fn synchronised_clears_unsync_and_sets_error_bounds_in_microseconds() {
        let r = sync_request(STA_UNSYNC | STA_NANO | STA_INS, Some((0.0125, 0.000_250_1)));
        assert_eq!(r.modes, ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR);
        assert_eq!(r.status, STA_NANO | STA_INS);
        assert_eq!(r.maxerror, 12_500);
        // Rounded up: an error bound is never understated.
        assert_eq!(r.esterror, 251);
        let r = sync_request(STA_NANO, None);
        assert_eq!(r.status, STA_NANO | STA_UNSYNC);
        assert_eq!((r.maxerror, r.esterror), (16_000_000, 16_000_000));
        // Bounds the kernel would not keep are capped at its 16 s.
        assert_eq!(error_us(100.0), 16_000_000);
        assert_eq!(error_us(-1.0), 0);
        assert_eq!(error_us(f64::NAN), 16_000_000);
    }

    #[test]
    fn taking_over_cancels_slews_and_switches_the_kernel_discipline_off() {
        let [cancel, zero, status] =
            take_over_requests(STA_PLL | STA_FLL | STA_NANO | STA_INS | STA_FREQHOLD);
        assert_eq!((cancel.modes, cancel.offset), (ADJ_OFFSET_SINGLESHOT, 0));
        assert_eq!((zero.modes, zero.offset), (ADJ_OFFSET, 0));
        assert_eq!(status.modes, ADJ_STATUS);
        assert_eq!(status.status, STA_NANO | STA_UNSYNC);
    }

    #[test]
    fn a_kernel_pll_update_switches_the_pll_on_and_passes_nanoseconds() {
        const ADJ_TIMECONST: u32 = 0x0020;
        const STA_PPSFREQ: i32 = 0x0002;
        let r = kernel_pll_request(
            STA_UNSYNC | STA_FLL | STA_PPSFREQ | STA_INS,
            -0.0123,
            6,
            0.05,
            0.001,
        )
        .unwrap();
        // man 2 adjtimex: 0x0001 | 0x0004 | 0x0008 | 0x0010 | 0x0020 | 0x2000 = 0x203d.
        assert_eq!(r.modes, 0x203d);
        assert_eq!(
            r.modes,
            ADJ_OFFSET | ADJ_MAXERROR | ADJ_ESTERROR | ADJ_STATUS | ADJ_TIMECONST | ADJ_NANO
        );
        assert_eq!(r.status, STA_PLL | STA_INS);
        assert_eq!(r.offset, -12_300_000);
        assert_eq!(r.constant, 6);
        assert_eq!((r.maxerror, r.esterror), (50_000, 1_000));
    }

    #[test]
    fn a_kernel_pll_update_stays_within_the_kernel_limits() {
        let r = kernel_pll_request(0, 3.0, 17, 0.0, 0.0).unwrap();
        assert_eq!(r.offset, 500_000_000);
        assert_eq!(r.constant, 10);
        let r = kernel_pll_request(0, -f64::INFINITY, -3, 0.0, 0.0).unwrap();
        assert_eq!(r.offset, -500_000_000);
        assert_eq!(r.constant, 0);
        assert_eq!(kernel_pll_request(0, f64::NAN, 6, 0.0, 0.0), None);
    }

    #[test]
    fn tai_offset_goes_in_the_constant_field() {
        const ADJ_TAI: u32 = 0x0080;
        let r = tai_request(37).unwrap();
        assert_eq!((r.modes, r.constant), (ADJ_TAI, 37));
        assert_eq!(tai_request(0).unwrap().constant, 0);
        assert_eq!(tai_request(-1), None);
        assert_eq!(tai_request(100_001), None);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn any_leap() -> impl Strategy<Value = LeapIndicator> {
            (0u8..4).prop_map(LeapIndicator::from_bits)
        }

        proptest! {
            #[test]
            fn any_offset_splits_into_a_valid_and_exact_pair(bits in any::<i64>()) {
                let (s, ns) = split_offset(NtpDuration::from_bits(bits));
                prop_assert!((0..1_000_000_000).contains(&ns));
                // s + ns/10^9 within half a nanosecond of bits/2^32 (compared in 2^-32 ns).
                let total = (i128::from(s) * 1_000_000_000 + i128::from(ns)) << 32;
                prop_assert!((total - i128::from(bits) * 1_000_000_000).abs() <= 1 << 31);
            }

            #[test]
            fn any_offset_slews_to_the_nearest_microsecond_or_is_refused(bits in any::<i64>()) {
                // bits / 2^32 s in units of 2^-32 us.
                let exact = i128::from(bits) * 1_000_000;
                match slew_micros(NtpDuration::from_bits(bits)) {
                    Some(us) => {
                        prop_assert!(us.abs() <= 2_145_999_999);
                        prop_assert!(((i128::from(us) << 32) - exact).abs() <= 1 << 31);
                    }
                    None => prop_assert!(exact.abs() > 2_145_999_999_i128 << 32),
                }
            }

            #[test]
            fn frequencies_within_the_limit_survive_the_kernel_units(ppm in -500.0f64..=500.0) {
                let freq = freq_from_frequency(ppm * 1e-6).unwrap();
                prop_assert!(freq.abs() <= 32_768_000);
                let back = frequency_from_freq(freq) * 1e6;
                prop_assert!((back - ppm).abs() <= 0.5 / 65_536.0 + 1e-12);
            }

            #[test]
            fn any_frequency_stays_within_500_ppm(f in any::<f64>()) {
                if let Some(freq) = freq_from_frequency(f) {
                    prop_assert!(freq.abs() <= 32_768_000);
                } else {
                    prop_assert!(f.is_nan());
                }
            }

            #[test]
            fn leap_changes_only_the_leap_bits(status in any::<i32>(), leap in any_leap()) {
                let leap_bits = 0x0010 | 0x0020;
                let merged = status_with_leap(status, leap);
                prop_assert_eq!(merged & !leap_bits, status & !leap_bits);
                let expected = match leap {
                    LeapIndicator::Unsynchronized => LeapIndicator::NoWarning,
                    other => other,
                };
                prop_assert_eq!(leap_from_status(merged), expected);
            }

            #[test]
            fn kernel_pll_updates_stay_within_the_kernel_limits(
                offset in any::<f64>(),
                poll in any::<i8>(),
                status in any::<i32>(),
            ) {
                match kernel_pll_request(status, offset, poll, 0.1, 0.01) {
                    Some(r) => {
                        prop_assert!(r.offset.abs() <= 500_000_000);
                        prop_assert!((0..=10).contains(&r.constant));
                        prop_assert_eq!(r.status & 0x0001, 0x0001);
                        prop_assert_eq!(r.status & 0x0030, status & 0x0030);
                    }
                    None => prop_assert!(offset.is_nan()),
                }
            }
        }
    }
}
