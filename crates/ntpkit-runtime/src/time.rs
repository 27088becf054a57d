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
    fn now_is_after_2020_and_nanos_in_range() {
        let t = UnixTime::now();
        assert!(t.secs > 1_577_836_800, "clock reads {t:?}");
        assert!(t.nanos < 1_000_000_000);
    }
}
