//! The two clocks the sans-IO crates take as inputs: monotonic time since start (timers)
//! and the wall clock as an NTP timestamp, optionally shifted (`--clock-offset`, for tests
//! that need a server whose clock is off by a known amount without touching the real one).

use std::time::{Duration, Instant};

use ntpkit_runtime::UnixTime;
use ntpkit_wire::{NtpDuration, NtpTimestamp};

/// Both clocks.
pub(crate) struct Clocks {
    start: Instant,
    shift: NtpDuration,
}

impl Clocks {
    /// Clocks whose wall time reads `shift_seconds` ahead of the system clock.
    pub(crate) fn new(shift_seconds: f64) -> Self {
        Self {
            start: Instant::now(),
            shift: NtpDuration::from_seconds_f64(shift_seconds),
        }
    }

    /// Monotonic time since start.
    pub(crate) fn now(&self) -> Duration {
        self.start.elapsed()
    }

    /// The wall clock now.
    pub(crate) fn wall(&self) -> NtpTimestamp {
        self.stamp(UnixTime::now())
    }

    /// A kernel receive timestamp on our (shifted) wall clock.
    pub(crate) fn stamp(&self, t: UnixTime) -> NtpTimestamp {
        NtpTimestamp::from_unix(t.secs, t.nanos) + self.shift
    }
}
