//! The small header fields (RFC 5905 section 7.3): leap indicator, version, mode, stratum,
//! poll interval and precision.

use crate::WireError;

/// The 2-bit leap indicator: a leap second pending at the end of the current UTC day, or
/// "clock unsynchronised".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum LeapIndicator {
    /// No leap second pending.
    #[default]
    NoWarning = 0,
    /// The last minute of the day has 61 seconds.
    InsertSecond = 1,
    /// The last minute of the day has 59 seconds.
    DeleteSecond = 2,
    /// The clock is not synchronised (also sent in Kiss-o'-Death packets).
    Unsynchronized = 3,
}

impl LeapIndicator {
    /// The indicator for the low two bits of `bits` (every value is valid).
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 0b11 {
            0 => Self::NoWarning,
            1 => Self::InsertSecond,
            2 => Self::DeleteSecond,
            _ => Self::Unsynchronized,
        }
    }

    /// The 2-bit wire value.
    pub const fn to_bits(self) -> u8 {
        self as u8
    }
}

/// The 3-bit protocol version. Versions 1 to 4 are parsed; only 3 and 4 are emitted in time
/// packets (RFC 5905 section 7.3 and the backward-compatibility notes of RFC 5905 appendix).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Version {
    /// NTPv1 (RFC 1059).
    V1 = 1,
    /// NTPv2 (RFC 1119).
    V2 = 2,
    /// NTPv3 (RFC 1305).
    V3 = 3,
    /// NTPv4 (RFC 5905).
    #[default]
    V4 = 4,
}

impl Version {
    /// The version for a 3-bit wire value, or [`WireError::UnsupportedVersion`] for 0, 5, 6, 7.
    pub const fn from_bits(bits: u8) -> Result<Self, WireError> {
        match bits {
            1 => Ok(Self::V1),
            2 => Ok(Self::V2),
            3 => Ok(Self::V3),
            4 => Ok(Self::V4),
            other => Err(WireError::UnsupportedVersion(other)),
        }
    }

    /// The 3-bit wire value.
    pub const fn to_bits(self) -> u8 {
        self as u8
    }
}

/// The 3-bit association mode (RFC 5905 figure 10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Mode {
    /// Mode 0, reserved.
    Reserved = 0,
    /// Mode 1, symmetric active.
    SymmetricActive = 1,
    /// Mode 2, symmetric passive.
    SymmetricPassive = 2,
    /// Mode 3, client.
    #[default]
    Client = 3,
    /// Mode 4, server.
    Server = 4,
    /// Mode 5, broadcast (and multicast/manycast server announcements).
    Broadcast = 5,
    /// Mode 6, NTP control message (RFC 9327); see [`crate::ControlMessage`].
    Control = 6,
    /// Mode 7, reserved for private use (ntpd's ntpdc; never implemented here).
    Private = 7,
}

impl Mode {
    /// The mode for the low three bits of `bits` (every value is valid).
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 0b111 {
            0 => Self::Reserved,
            1 => Self::SymmetricActive,
            2 => Self::SymmetricPassive,
            3 => Self::Client,
            4 => Self::Server,
            5 => Self::Broadcast,
            6 => Self::Control,
            _ => Self::Private,
        }
    }

    /// The 3-bit wire value.
    pub const fn to_bits(self) -> u8 {
        self as u8
    }
}

/// The stratum: 0 = unspecified or Kiss-o'-Death, 1 = primary server, 2..=15 = secondary,
/// 16 = unsynchronised, 17..=255 reserved (RFC 5905 figure 11).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Stratum(pub u8);

impl Stratum {
    /// Stratum 0: unspecified, or a Kiss-o'-Death packet when sent by a server.
    pub const UNSPECIFIED: Self = Self(0);
    /// Stratum 1: a primary server (reference clock attached).
    pub const PRIMARY: Self = Self(1);
    /// Stratum 16: unsynchronised (the maximum valid stratum).
    pub const UNSYNCHRONIZED: Self = Self(16);

    /// Whether a packet with this stratum is a Kiss-o'-Death packet (stratum 0).
    pub const fn is_kiss(self) -> bool {
        self.0 == 0
    }

    /// Whether this is a primary server's stratum (1).
    pub const fn is_primary(self) -> bool {
        self.0 == 1
    }

    /// Whether the sender claims to be synchronised (1..=15).
    pub const fn is_synchronized(self) -> bool {
        self.0 >= 1 && self.0 <= 15
    }
}

/// The poll exponent: the maximum interval between successive messages is 2^poll seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PollInterval(pub i8);

impl PollInterval {
    /// RFC 5905's default lower limit (16 s).
    pub const MIN_DEFAULT: Self = Self(4);
    /// RFC 5905's default upper limit (36 h).
    pub const MAX_DEFAULT: Self = Self(17);

    /// The interval in seconds (2^poll).
    pub fn as_seconds_f64(self) -> f64 {
        pow2(self.0)
    }
}

/// The precision exponent: the clock's resolution is 2^precision seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Precision(pub i8);

impl Precision {
    /// The resolution in seconds (2^precision).
    pub fn as_seconds_f64(self) -> f64 {
        pow2(self.0)
    }
}

/// 2^exp, exactly, without libm (no_std): every i8 exponent is a normal f64, so the value is
/// the f64 whose biased exponent field is `exp + 1023` and whose mantissa is zero.
fn pow2(exp: i8) -> f64 {
    f64::from_bits(((i64::from(exp) + 1023) as u64) << 52)
}
