//! The 64-bit NTP timestamp (RFC 5905 section 6): 32 bits of seconds since the start of the
//! current era (era 0 began 1900-01-01 00:00:00 UTC) and 32 bits of binary fraction.
//!
//! The seconds field wraps every 2^32 s (next on 2036-02-07 06:28:16 UTC), so a timestamp
//! alone does not say which era it is in; [`NtpTimestamp::to_unix`] resolves the era with a
//! pivot the caller knows to be close (for example the local clock).

use core::ops::{Add, Sub};

use super::NtpDuration;

/// Seconds from the NTP prime epoch (1900-01-01) to the Unix epoch (1970-01-01).
pub const UNIX_EPOCH_OFFSET: i64 = 2_208_988_800;

/// Length of one NTP era in seconds (2^32).
const ERA_SECONDS: i64 = 1 << 32;

/// A 64-bit NTP timestamp: 32.32 fixed-point seconds since the start of its era.
///
/// The all-zero value means "unknown" (RFC 5905 section 7.3) and is never a valid origin
/// timestamp (CVE-2016-7431). Arithmetic wraps modulo 2^64 as RFC 5905 specifies, so
/// differences across the 2036 rollover come out right.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NtpTimestamp(u64);

impl NtpTimestamp {
    /// The zero timestamp, which NTP uses to mean "unknown" or "not set".
    pub const ZERO: Self = Self(0);

    /// A timestamp from its 64-bit wire value (seconds in the high 32 bits).
    pub const fn from_bits(bits: u64) -> Self {
        Self(bits)
    }

    /// The 64-bit wire value.
    pub const fn to_bits(self) -> u64 {
        self.0
    }

    /// A timestamp from its seconds and fraction fields.
    pub const fn from_parts(seconds: u32, fraction: u32) -> Self {
        Self(((seconds as u64) << 32) | fraction as u64)
    }

    /// The 32-bit seconds field (seconds since the start of the era).
    pub const fn seconds(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// The 32-bit fraction field (units of 2^-32 s).
    pub const fn fraction(self) -> u32 {
        self.0 as u32
    }

    /// Whether this is the zero ("unknown") timestamp.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The timestamp for a Unix time (`secs` may be negative; `nanos` is clamped below 10^9).
    ///
    /// The era is dropped: 2036-02-07 06:28:16 UTC maps to seconds field 0 again.
    pub const fn from_unix(secs: i64, nanos: u32) -> Self {
        let nanos = if nanos > 999_999_999 {
            999_999_999
        } else {
            nanos
        };
        let ntp_secs = secs.wrapping_add(UNIX_EPOCH_OFFSET) as u64 as u32;
        // Round to nearest: nanos * 2^32 / 10^9, computed exactly in u64.
        let fraction = (((nanos as u64) << 32) + 500_000_000) / 1_000_000_000;
        Self(((ntp_secs as u64) << 32) | fraction)
    }

    /// The Unix time `(seconds, nanoseconds)` this timestamp denotes in the era that puts it
    /// nearest to `pivot_unix_secs`: the result lies in `[pivot - 2^31, pivot + 2^31)`.
    ///
    /// Use the local clock (or any time known to within 68 years) as the pivot.
    pub const fn to_unix(self, pivot_unix_secs: i64) -> (i64, u32) {
        let pivot_ntp = pivot_unix_secs.wrapping_add(UNIX_EPOCH_OFFSET);
        // Offset of our seconds from the pivot's seconds field, as a signed 32-bit distance.
        let delta = self.seconds().wrapping_sub(pivot_ntp as u64 as u32) as i32 as i64;
        let ntp_secs = pivot_ntp.wrapping_add(delta);
        // Round to nearest so that from_unix followed by to_unix is exact; the clamp keeps a
        // fraction within half a nanosecond of the next second inside this second.
        let nanos = ((self.fraction() as u64 * 1_000_000_000 + (1 << 31)) >> 32) as u32;
        let nanos = if nanos > 999_999_999 {
            999_999_999
        } else {
            nanos
        };
        (ntp_secs.wrapping_sub(UNIX_EPOCH_OFFSET), nanos)
    }

    /// The era number (0 for 1900..2036, 1 for 2036..2172, negative before 1900) of this
    /// timestamp resolved against `pivot_unix_secs` as [`NtpTimestamp::to_unix`] does.
    pub const fn era(self, pivot_unix_secs: i64) -> i64 {
        let (secs, _) = self.to_unix(pivot_unix_secs);
        (secs + UNIX_EPOCH_OFFSET).div_euclid(ERA_SECONDS)
    }
}

impl Add<NtpDuration> for NtpTimestamp {
    type Output = NtpTimestamp;

    /// Adds a signed duration, wrapping into the next/previous era.
    fn add(self, rhs: NtpDuration) -> NtpTimestamp {
        NtpTimestamp(self.0.wrapping_add(rhs.to_bits() as u64))
    }
}

impl Sub<NtpDuration> for NtpTimestamp {
    type Output = NtpTimestamp;

    /// Subtracts a signed duration, wrapping into the previous/next era.
    fn sub(self, rhs: NtpDuration) -> NtpTimestamp {
        NtpTimestamp(self.0.wrapping_sub(rhs.to_bits() as u64))
    }
}

impl Sub for NtpTimestamp {
    type Output = NtpDuration;

    /// The signed difference `self - rhs` modulo 2^64 (RFC 5905 section 6): correct whenever
    /// the two timestamps are less than 68 years apart, even across an era boundary.
    fn sub(self, rhs: NtpTimestamp) -> NtpDuration {
        NtpDuration::from_bits(self.0.wrapping_sub(rhs.0) as i64)
    }
}

impl core::fmt::Debug for NtpTimestamp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "NtpTimestamp({:08x}.{:08x})",
            self.seconds(),
            self.fraction()
        )
    }
}

impl core::fmt::Display for NtpTimestamp {
    /// The ntpq style: hexadecimal seconds and fraction.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:08x}.{:08x}", self.seconds(), self.fraction())
    }
}
