//! The clock the algorithms discipline, and the adjustments they ask of it.
//!
//! The algorithms never touch a clock themselves (sans-IO): they return [`ClockAdjust`]
//! values, and the caller applies them, to the kernel in `ntpkit-runtime` (`clock_adjtime`)
//! or to a simulated clock in `ntpkit-sim`, through the [`Clock`] trait.

use ntpkit_wire::{LeapIndicator, NtpDuration, NtpTimestamp};

/// What a disciplined clock reports about itself.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub struct ClockStatus {
    /// The frequency correction in force, s/s (positive makes the clock run faster).
    pub frequency: f64,
    /// The leap second armed for the end of the current UTC day, if any.
    pub leap: LeapIndicator,
    /// Whether the clock inserts or deletes an armed leap second itself (as the kernel does
    /// with `STA_INS`/`STA_DEL`); if not, the algorithms step it at the right second.
    pub handles_leap: bool,
}

/// A clock that can be read and adjusted: the system clock, or a simulated one.
pub trait Clock {
    /// Error from the underlying clock (for example `EPERM` from the kernel).
    type Error;

    /// The current time of this clock.
    fn now(&self) -> Result<NtpTimestamp, Self::Error>;
    /// Jumps the clock by `offset` (positive moves it forward).
    fn step(&mut self, offset: NtpDuration) -> Result<(), Self::Error>;
    /// Sets the frequency correction in s/s (the discipline calls this once a second with
    /// the frequency plus that second's share of the phase correction, RFC 5905 A.5.6.1).
    fn set_frequency(&mut self, frequency: f64) -> Result<(), Self::Error>;
    /// Arms (`InsertSecond`/`DeleteSecond`) or disarms (`NoWarning`) a leap second at the
    /// end of the current UTC day, for clocks that handle leaps themselves.
    fn set_leap(&mut self, leap: LeapIndicator) -> Result<(), Self::Error>;
    /// The clock's current state.
    fn status(&self) -> Result<ClockStatus, Self::Error>;
}

/// One adjustment the algorithms want applied to the clock.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ClockAdjust {
    /// Step the clock by this many seconds (positive forward). After a step every
    /// association's clock filter must be reset: their samples predate the jump.
    Step {
        /// Seconds to add to the clock.
        offset: f64,
    },
    /// Run the clock at this frequency correction (s/s) until the next adjustment.
    SetFrequency {
        /// Frequency correction, s/s.
        frequency: f64,
    },
    /// Arm or disarm a leap second at the end of the UTC day (kernel-handled leaps).
    SetLeap(LeapIndicator),
}

impl ClockAdjust {
    /// Applies this adjustment to `clock`.
    pub fn apply<C: Clock + ?Sized>(self, clock: &mut C) -> Result<(), C::Error> {
        match self {
            Self::Step { offset } => clock.step(NtpDuration::from_seconds_f64(offset)),
            Self::SetFrequency { frequency } => clock.set_frequency(frequency),
            Self::SetLeap(leap) => clock.set_leap(leap),
        }
    }
}

/// Seconds from `earlier` to `later` (negative if `later` is before), RFC 5905 wrapping
/// arithmetic so the 2036 era boundary does not matter.
pub(crate) fn seconds_between(later: NtpTimestamp, earlier: NtpTimestamp) -> f64 {
    (later - earlier).to_seconds_f64()
}
