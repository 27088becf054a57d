//! Key identifiers.
//!
//! RFC 5905 section 7.3 carries a 32-bit key id in the MAC trailer, but ntpd (and this crate)
//! accept only 1..=65534: 0 is reserved (a 4-byte trailer with key id 0 is a crypto-NAK,
//! RFC 5905 section 7.4) and 65535 was reserved by ntpd for internal use.

use core::fmt;
use core::num::NonZeroU16;
use core::str::FromStr;

use crate::AuthError;

/// A symmetric key identifier, always in `1..=65534`.
///
/// Key id 0 is the crypto-NAK marker and therefore not a `KeyId`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(NonZeroU16);

impl KeyId {
    /// The smallest valid key id.
    pub const MIN: KeyId = KeyId(NonZeroU16::MIN);
    /// The largest valid key id (65534).
    pub const MAX: KeyId = match NonZeroU16::new(65534) {
        Some(v) => KeyId(v),
        None => KeyId(NonZeroU16::MIN),
    };

    /// Validates a key id as carried on the wire (32 bits) or in a file.
    ///
    /// Returns `None` for 0 (crypto-NAK) and for anything above 65534.
    pub const fn new(value: u32) -> Option<KeyId> {
        if value > 65534 {
            return None;
        }
        match NonZeroU16::new(value as u16) {
            Some(v) => Some(KeyId(v)),
            None => None,
        }
    }

    /// The key id as a number.
    pub const fn get(self) -> u16 {
        self.0.get()
    }

    /// The key id as the 32-bit big-endian field of the MAC trailer.
    pub const fn to_be_bytes(self) -> [u8; 4] {
        (self.0.get() as u32).to_be_bytes()
    }
}

impl TryFrom<u32> for KeyId {
    type Error = AuthError;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        KeyId::new(value).ok_or(AuthError::InvalidKeyId { value })
    }
}

impl From<KeyId> for u32 {
    fn from(id: KeyId) -> u32 {
        u32::from(id.get())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.get())
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.get(), f)
    }
}

impl FromStr for KeyId {
    type Err = AuthError;
    /// Parses a decimal key id (`1`..=`65534`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.parse::<u32>() {
            Ok(value) => KeyId::try_from(value),
            Err(_) => Err(AuthError::InvalidKeyIdText {
                text: bounded_copy(s),
            }),
        }
    }
}

/// Copies at most 64 bytes of untrusted text into an error (never unbounded).
pub(crate) fn bounded_copy(s: &str) -> alloc::string::String {
    let mut end = s.len().min(64);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    alloc::string::String::from(s.get(..end).unwrap_or(""))
}

#[cfg(feature = "serde")]
impl serde::Serialize for KeyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.get())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for KeyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = <u32 as serde::Deserialize>::deserialize(d)?;
        KeyId::new(value).ok_or_else(|| {
            serde::de::Error::invalid_value(
                serde::de::Unexpected::Unsigned(u64::from(value)),
                &"a key id in 1..=65534",
            )
        })
    }
}
