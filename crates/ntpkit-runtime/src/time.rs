//! Wall-clock instants as the kernel reports them (seconds and nanoseconds since 1970).
//!
//! The runtime does not depend on the packet codec; protocol code converts a [`UnixTime`]
//! into its own timestamp type (for NTP: `NtpTimestamp::from_unix`).

use std::time::{SystemTime, UNIX_EPOCH};

/// A realtime-clock reading: seconds and nanoseconds since 1970-01-01 00:00:00 UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime {
    /// Whole seconds since the Unix epoch (negative before 1970).
    pub secs: i64,
    /// Nanoseconds within the second, `0..1_000_000_000`.
    pub nanos: u32,
}

impl UnixTime {
    /// Reads the system's realtime clock now (`CLOCK_REALTIME`, the clock NTP serves).
    pub fn now() -> Self {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => Self {
                secs: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                nanos: d.subsec_nanos(),
            },
            // A clock before 1970: represent it exactly with a negative second count.
            Err(e) => {
                let d = e.duration();
                let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                if d.subsec_nanos() == 0 {
                    Self {
                        secs: -secs,
                        nanos: 0,
                    }
                } else {
                    Self {
                        secs: -secs - 1,
                        nanos: 1_000_000_000 - d.subsec_nanos(),
                    }
                }
            }
        }
    }
}

/// Measures the precision of the realtime clock as ntpd does: the smallest nonzero step
/// between two successive reads, as a power of two (RFC 5905's `precision`, log2 seconds).
pub fn clock_precision() -> i8 {
    let mut smallest = u64::MAX;
    let mut last = UnixTime::now();
    for _ in 0..256 {
        let t = UnixTime::now();
        let step = (t.secs - last.secs) as i128 * 1_000_000_000 + i128::from(t.nanos)
            - i128::from(last.nanos);
        if step > 0 {
            smallest = smallest.min(u64::try_from(step).unwrap_or(u64::MAX));
        }
        last = t;
    }
    if smallest == u64::MAX {
        return 0;
    }
    // log2(ns * 1e-9) rounded up: the clock is no finer than this.
    let log2_ns = 64 - i32::try_from(smallest.saturating_sub(1).leading_zeros()).unwrap_or(64);
    i8::try_from(log2_ns - 30).unwrap_or(0).clamp(-30, 0)
}

/// Where a datagram's receive timestamp came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampSource {
    /// The kernel stamped the datagram when it arrived (`SO_TIMESTAMPNS`).
    Kernel,
    /// The kernel gave no stamp; the clock was read right after the receive call returned.
    User,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_of_a_nanosecond_clock_is_fine_but_not_absurd() {
        // Linux's vDSO clock reads step by tens of nanoseconds: 2^-26 s = 15 ns .. 2^-15 = 30 us.
        let p = clock_precision();
        assert!((-30..=-10).contains(&p), "precision {p}");
    }

    #[test]
    fn now_is_after_2020_and_nanos_in_range() {
        let t = UnixTime::now();
        assert!(t.secs > 1_577_836_800, "clock reads {t:?}");
        assert!(t.nanos < 1_000_000_000);
    }
}
