//! A simulated local oscillator and clock: initial offset, constant frequency error and a
//! random-walk frequency wander, integrated piecewise between events, implementing
//! [`ntpkit_clock::Clock`] so the algorithms drive it exactly as they drive a kernel.

use ntpkit_clock::{Clock, ClockStatus};
use ntpkit_wire::{LeapIndicator, NtpDuration, NtpTimestamp};

use crate::rng::SimRng;

/// Parameters of a simulated oscillator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClockModel {
    /// Clock minus true time at the start, seconds.
    pub initial_offset: f64,
    /// Intrinsic frequency error, s/s (positive runs fast).
    pub frequency_error: f64,
    /// Random-walk frequency noise, s/s per sqrt(second).
    pub wander: f64,
}

impl Default for ClockModel {
    fn default() -> Self {
        Self {
            initial_offset: 0.0,
            frequency_error: 0.0,
            wander: 0.0,
        }
    }
}

/// A simulated clock. The simulator moves it along true time with [`SimClock::advance`].
#[derive(Debug, Clone)]
pub struct SimClock {
    epoch: NtpTimestamp,
    /// True time of the last advance, seconds since the epoch.
    true_time: f64,
    /// Clock reading at `true_time`, seconds since the epoch.
    reading: f64,
    /// The same clock without its steps, from zero at true time zero: what a host reads
    /// from CLOCK_MONOTONIC, which follows the discipline's frequency but never jumps.
    monotonic: f64,
    /// Intrinsic frequency error now (drifts by the wander).
    oscillator: f64,
    wander: f64,
    correction: f64,
    leap: LeapIndicator,
    steps: Vec<(f64, f64)>,
}

impl SimClock {
    /// A clock reading `epoch + initial_offset` at true time zero.
    pub fn new(epoch: NtpTimestamp, model: ClockModel) -> Self {
        Self {
            epoch,
            true_time: 0.0,
            reading: model.initial_offset,
            monotonic: 0.0,
            oscillator: model.frequency_error,
            wander: model.wander,
            correction: 0.0,
            leap: LeapIndicator::NoWarning,
            steps: Vec::new(),
        }
    }

    /// Moves the clock to true time `t` (seconds since the epoch).
    pub fn advance(&mut self, t: f64, rng: &mut SimRng) {
        let dt = t - self.true_time;
        if dt <= 0.0 {
            return;
        }
        let elapsed = dt * (1.0 + self.oscillator + self.correction);
        self.reading += elapsed;
        self.monotonic += elapsed;
        if self.wander > 0.0 {
            self.oscillator += self.wander * dt.sqrt() * rng.normal();
        }
        self.true_time = t;
    }

    /// Clock reading in seconds since the epoch.
    pub fn reading(&self) -> f64 {
        self.reading
    }

    /// Monotonic reading (seconds since true time zero on this clock, steps excluded).
    pub fn monotonic(&self) -> f64 {
        self.monotonic
    }

    /// True seconds from now until the monotonic reading reaches `monotonic`, at the
    /// current rate (zero if it already has).
    pub fn true_seconds_until(&self, monotonic: f64) -> f64 {
        ((monotonic - self.monotonic) / (1.0 + self.rate_error())).max(0.0)
    }

    /// Seconds since the epoch as a timestamp.
    pub fn to_timestamp(&self, seconds: f64) -> NtpTimestamp {
        self.epoch + NtpDuration::from_seconds_f64(seconds)
    }

    /// Intrinsic frequency error of the oscillator now (s/s), wander included.
    pub fn oscillator_error(&self) -> f64 {
        self.oscillator
    }

    /// Rate of the clock relative to true time, minus one (s/s).
    pub fn rate_error(&self) -> f64 {
        self.oscillator + self.correction
    }

    /// Every step applied: (true time, seconds).
    pub fn steps(&self) -> &[(f64, f64)] {
        &self.steps
    }
}

impl Clock for SimClock {
    type Error = core::convert::Infallible;

    fn now(&self) -> Result<NtpTimestamp, Self::Error> {
        Ok(self.to_timestamp(self.reading))
    }

    fn step(&mut self, offset: NtpDuration) -> Result<(), Self::Error> {
        let offset = offset.to_seconds_f64();
        self.reading += offset;
        self.steps.push((self.true_time, offset));
        Ok(())
    }

    fn set_frequency(&mut self, frequency: f64) -> Result<(), Self::Error> {
        self.correction = frequency;
        Ok(())
    }

    fn set_leap(&mut self, leap: LeapIndicator) -> Result<(), Self::Error> {
        self.leap = leap;
        Ok(())
    }

    fn status(&self) -> Result<ClockStatus, Self::Error> {
        let mut status = ClockStatus::default();
        status.frequency = self.correction;
        status.leap = self.leap;
        Ok(status)
    }
}
