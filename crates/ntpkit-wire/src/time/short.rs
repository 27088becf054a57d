//! The 32-bit NTP short format (RFC 5905 section 6): 16 bits of seconds and 16 bits of
//! fraction, used for root delay and root dispersion.

use core::time::Duration;

/// An unsigned 16.16 fixed-point number of seconds (root delay, root dispersion).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NtpShort(u32);

impl NtpShort {
    /// Zero seconds.
    pub const ZERO: Self = Self(0);
    /// The largest value, just under 65536 s.
    pub const MAX: Self = Self(u32::MAX);

    /// A value from its 32-bit wire form.
    pub const fn from_bits(bits: u32) -> Self {
        Self(bits)
    }

    /// The 32-bit wire form.
    pub const fn to_bits(self) -> u32 {
        self.0
    }

    /// The value nearest to `seconds`, saturating at 0 and [`NtpShort::MAX`] (NaN gives 0).
    pub fn from_seconds_f64(seconds: f64) -> Self {
        // `as` from f64 to u32 saturates and maps NaN to 0, which is what we want here.
        Self((seconds * 65536.0 + 0.5) as u32)
    }

    /// The value in seconds.
    pub fn to_seconds_f64(self) -> f64 {
        f64::from(self.0) / 65536.0
    }

    /// The value as a [`Duration`] (exact to the nanosecond, rounded down).
    pub const fn to_duration(self) -> Duration {
        let secs = (self.0 >> 16) as u64;
        let nanos = (((self.0 & 0xffff) as u64 * 1_000_000_000) >> 16) as u32;
        Duration::new(secs, nanos)
    }

    /// The value nearest to `duration`, saturating at [`NtpShort::MAX`].
    pub const fn from_duration(duration: Duration) -> Self {
        let secs = duration.as_secs();
        if secs > 0xffff {
            return Self::MAX;
        }
        let frac = ((duration.subsec_nanos() as u64) << 16).div_ceil(1_000_000_000);
        let bits = (secs << 16) + frac;
        if bits > u32::MAX as u64 {
            Self::MAX
        } else {
            Self(bits as u32)
        }
    }
}

impl core::fmt::Debug for NtpShort {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "NtpShort({}s)", self.to_seconds_f64())
    }
}
