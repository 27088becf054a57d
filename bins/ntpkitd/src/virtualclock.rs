//! The clock the discipline steers when the system clock must stay untouched
//! (`--no-clock-adjust`, no CAP_SYS_TIME): the system clock plus a correction that the
//! discipline's steps and frequency settings move, as they would move the real clock.
//!
//! The client side then runs closed-loop as it would on a disciplined host: its measured
//! offsets shrink as the loop converges, a step is followed by samples taken on the stepped
//! clock (instead of a loop that keeps re-measuring and re-stepping the same offset), and
//! the correction is the loop's own estimate of the system clock's error. Served time is the
//! system clock's, untouched.

use std::time::Instant;

use ntpkit_clock::ClockAdjust;
use ntpkit_wire::{NtpDuration, NtpTimestamp};

/// A correction to the system clock, steered by [`ClockAdjust`] values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VirtualClock {
    /// Seconds added to the system clock at `anchor`.
    correction: f64,
    /// Rate at which the correction grows, s/s (the discipline's frequency setting).
    frequency: f64,
    anchor: Instant,
}

impl VirtualClock {
    pub(crate) fn new(now: Instant) -> Self {
        Self {
            correction: 0.0,
            frequency: 0.0,
            anchor: now,
        }
    }

    /// Seconds to add to the system clock at `at`.
    pub(crate) fn correction_at(&self, at: Instant) -> f64 {
        self.correction + self.frequency * at.saturating_duration_since(self.anchor).as_secs_f64()
    }

    /// The system clock reading `system` (taken at `at`) as the virtual clock reads it.
    pub(crate) fn read(&self, system: NtpTimestamp, at: Instant) -> NtpTimestamp {
        system + NtpDuration::from_seconds_f64(self.correction_at(at))
    }

    /// Applies one adjustment at `at`: a step moves the correction, a frequency setting
    /// changes its rate from now on; leap arming has no effect on a correction.
    pub(crate) fn apply(&mut self, adjust: ClockAdjust, at: Instant) {
        self.correction = self.correction_at(at);
        self.anchor = at;
        match adjust {
            ClockAdjust::Step { offset } => self.correction += offset,
            ClockAdjust::SetFrequency { frequency } => self.frequency = frequency,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn steps_add_and_frequency_integrates_from_the_moment_it_is_set() {
        let t0 = Instant::now();
        let mut v = VirtualClock::new(t0);
        v.apply(ClockAdjust::Step { offset: 0.25 }, t0);
        assert_eq!(v.correction_at(t0 + Duration::from_secs(10)), 0.25);
        // 100 PPM for 10 s: 1 ms more.
        v.apply(
            ClockAdjust::SetFrequency { frequency: 100e-6 },
            t0 + Duration::from_secs(10),
        );
        let at = t0 + Duration::from_secs(20);
        assert!((v.correction_at(at) - 0.251).abs() < 1e-12);
        // Back to zero frequency: the accumulated phase stays.
        v.apply(ClockAdjust::SetFrequency { frequency: 0.0 }, at);
        assert!((v.correction_at(at + Duration::from_secs(100)) - 0.251).abs() < 1e-12);
        let system = NtpTimestamp::from_unix(1_800_000_000, 0);
        let read = v.read(system, at + Duration::from_secs(100));
        assert!(((read - system).to_seconds_f64() - 0.251).abs() < 1e-9);
    }
}
