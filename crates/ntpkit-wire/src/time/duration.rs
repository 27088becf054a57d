//! A signed NTP time difference: 32.32 fixed-point seconds in an `i64`, the type of
//! offsets and delays computed from timestamp differences (RFC 5905 section 8).

use core::ops::{Add, Neg, Sub};
use core::time::Duration;

/// A signed time difference in units of 2^-32 s (range about ±68 years).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NtpDuration(i64);

impl NtpDuration {
    /// No time at all.
    pub const ZERO: Self = Self(0);
    /// The largest positive difference.
    pub const MAX: Self = Self(i64::MAX);
    /// The most negative difference.
    pub const MIN: Self = Self(i64::MIN);

    /// A duration from its 32.32 fixed-point representation.
    pub const fn from_bits(bits: i64) -> Self {
        Self(bits)
    }

    /// The 32.32 fixed-point representation.
    pub const fn to_bits(self) -> i64 {
        self.0
    }

    /// A whole number of seconds.
    pub const fn from_seconds(seconds: i32) -> Self {
        Self((seconds as i64) << 32)
    }

    /// The duration nearest to `seconds`, saturating at [`NtpDuration::MIN`]/[`NtpDuration::MAX`]
    /// (NaN gives zero).
    pub fn from_seconds_f64(seconds: f64) -> Self {
        // `as` from f64 to i64 saturates and maps NaN to 0.
        Self((seconds * 4_294_967_296.0) as i64)
    }

    /// The duration in seconds.
    pub fn to_seconds_f64(self) -> f64 {
        self.0 as f64 / 4_294_967_296.0
    }

    /// The absolute value (saturating for [`NtpDuration::MIN`]).
    pub const fn abs(self) -> Self {
        Self(self.0.saturating_abs())
    }

    /// Whether the duration is negative.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The magnitude as a [`Duration`] (rounded down to the nanosecond), with the sign
    /// returned separately: `(is_negative, magnitude)`.
    pub const fn to_signed_duration(self) -> (bool, Duration) {
        let magnitude = self.0.unsigned_abs();
        let secs = magnitude >> 32;
        let nanos = (((magnitude & 0xffff_ffff) * 1_000_000_000) >> 32) as u32;
        (self.0 < 0, Duration::new(secs, nanos))
    }

    /// The nearest duration to `duration`, or `None` if it does not fit (2^31 s or more).
    pub const fn from_duration(duration: Duration) -> Option<Self> {
        let secs = duration.as_secs();
        if secs >= 1 << 31 {
            return None;
        }
        let frac = (((duration.subsec_nanos() as u64) << 32) + 500_000_000) / 1_000_000_000;
        let bits = (secs << 32) + frac;
        if bits > i64::MAX as u64 {
            None
        } else {
            Some(Self(bits as i64))
        }
    }
}

impl TryFrom<Duration> for NtpDuration {
    type Error = crate::WireError;

    /// Fails with [`crate::WireError::DurationOutOfRange`] for 2^31 s or more.
    fn try_from(duration: Duration) -> Result<Self, Self::Error> {
        Self::from_duration(duration).ok_or(crate::WireError::DurationOutOfRange)
    }
}

impl TryFrom<NtpDuration> for Duration {
    type Error = crate::WireError;

    /// Fails with [`crate::WireError::DurationOutOfRange`] for a negative duration.
    fn try_from(duration: NtpDuration) -> Result<Self, Self::Error> {
        match duration.to_signed_duration() {
            (false, magnitude) => Ok(magnitude),
            (true, _) => Err(crate::WireError::DurationOutOfRange),
        }
    }
}

impl Add for NtpDuration {
    type Output = NtpDuration;

    /// Wrapping addition, as for timestamps.
    fn add(self, rhs: NtpDuration) -> NtpDuration {
        Self(self.0.wrapping_add(rhs.0))
    }
}

impl Sub for NtpDuration {
    type Output = NtpDuration;

    /// Wrapping subtraction, as for timestamps.
    fn sub(self, rhs: NtpDuration) -> NtpDuration {
        Self(self.0.wrapping_sub(rhs.0))
    }
}

impl Neg for NtpDuration {
    type Output = NtpDuration;

    fn neg(self) -> NtpDuration {
        Self(self.0.wrapping_neg())
    }
}

impl core::fmt::Debug for NtpDuration {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "NtpDuration({}s)", self.to_seconds_f64())
    }
}
