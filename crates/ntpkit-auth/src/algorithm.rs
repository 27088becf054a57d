//! MAC algorithms and their lengths on the wire.
//!
//! | algorithm     | computed as                      | bytes on the wire |
//! |---------------|----------------------------------|-------------------|
//! | `Md5`         | MD5(key ‖ packet) (ntpd, chrony) | 16                |
//! | `Sha1`        | SHA-1(key ‖ packet)              | 20                |
//! | `Sha256`      | SHA-256(key ‖ packet) (chrony)   | 20 (of 32)        |
//! | `HmacSha256`  | HMAC-SHA256(key, packet) RFC 2104| 20 (of 32)        |
//! | `Aes128Cmac`  | AES-128-CMAC(key, packet) RFC 8573 | 16              |
//! | `Aes256Cmac`  | AES-256-CMAC(key, packet)        | 16                |
//!
//! NTPv4 truncates digests longer than 20 bytes to 20 so that a MAC trailer (4 + 20 at most)
//! can be told apart from RFC 7822 extension fields; chrony and NTPsec both do this.

use core::fmt;
use core::str::FromStr;

use crate::AuthError;

/// Longest MAC any supported algorithm puts on the wire (bytes).
pub const MAX_MAC_LEN: usize = 20;

/// A MAC algorithm supported for NTP symmetric-key authentication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum MacAlgorithm {
    /// Keyed MD5 digest, MD5(key ‖ packet): the historic ntpd type (`MD5`, `M`). Weak.
    Md5,
    /// Keyed SHA-1 digest, SHA-1(key ‖ packet) (`SHA1`, `SHA`, `SHA-1`). Weak.
    Sha1,
    /// Keyed SHA-256 digest, SHA-256(key ‖ packet), truncated to 20 bytes (chrony `SHA256`).
    Sha256,
    /// HMAC-SHA256 (RFC 2104), truncated to 20 bytes (router `hmac-sha256`).
    HmacSha256,
    /// AES-128-CMAC (RFC 4493, RFC 8573); the key is exactly 16 bytes.
    Aes128Cmac,
    /// AES-256-CMAC; the key is exactly 32 bytes (chrony `AES256`).
    Aes256Cmac,
}

impl MacAlgorithm {
    /// Every supported algorithm, in a stable order.
    pub const ALL: [MacAlgorithm; 6] = [
        MacAlgorithm::Md5,
        MacAlgorithm::Sha1,
        MacAlgorithm::Sha256,
        MacAlgorithm::HmacSha256,
        MacAlgorithm::Aes128Cmac,
        MacAlgorithm::Aes256Cmac,
    ];

    /// Number of MAC bytes this algorithm puts on the wire after the 4-byte key id.
    pub const fn mac_len(self) -> usize {
        match self {
            MacAlgorithm::Md5 | MacAlgorithm::Aes128Cmac | MacAlgorithm::Aes256Cmac => 16,
            MacAlgorithm::Sha1 | MacAlgorithm::Sha256 | MacAlgorithm::HmacSha256 => 20,
        }
    }

    /// The exact key length the algorithm requires, if it has one (the AES ciphers).
    pub const fn required_key_len(self) -> Option<usize> {
        match self {
            MacAlgorithm::Aes128Cmac => Some(16),
            MacAlgorithm::Aes256Cmac => Some(32),
            _ => None,
        }
    }

    /// Whether the router manuals class the algorithm as weak (MD5, SHA-1).
    pub const fn is_weak(self) -> bool {
        matches!(self, MacAlgorithm::Md5 | MacAlgorithm::Sha1)
    }

    /// The ntpd/NTPsec key-file spelling (`MD5`, `SHA1`, `SHA256`, `HMAC-SHA256`,
    /// `AES128CMAC`, `AES256CMAC`).
    pub const fn ntp_name(self) -> &'static str {
        match self {
            MacAlgorithm::Md5 => "MD5",
            MacAlgorithm::Sha1 => "SHA1",
            MacAlgorithm::Sha256 => "SHA256",
            MacAlgorithm::HmacSha256 => "HMAC-SHA256",
            MacAlgorithm::Aes128Cmac => "AES128CMAC",
            MacAlgorithm::Aes256Cmac => "AES256CMAC",
        }
    }

    /// The chrony key-file spelling (`MD5`, `SHA1`, `SHA256`, `AES128`, `AES256`), or `None`
    /// for HMAC-SHA256, which chrony does not offer.
    pub const fn chrony_name(self) -> Option<&'static str> {
        match self {
            MacAlgorithm::Md5 => Some("MD5"),
            MacAlgorithm::Sha1 => Some("SHA1"),
            MacAlgorithm::Sha256 => Some("SHA256"),
            MacAlgorithm::HmacSha256 => None,
            MacAlgorithm::Aes128Cmac => Some("AES128"),
            MacAlgorithm::Aes256Cmac => Some("AES256"),
        }
    }
}

impl fmt::Display for MacAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.ntp_name())
    }
}

impl FromStr for MacAlgorithm {
    type Err = AuthError;

    /// Accepts, case-insensitively, the spellings of ntpd (`MD5`, `M`, `SHA1`, `SHA`),
    /// NTPsec (`AES`, `AES-128`, `AES128CMAC`, `SHA-1`), chrony (`AES128`, `AES256`,
    /// `SHA256`) and the router manuals (`hmac-sha256`, `aes-128-cmac`, `aes-256-cmac`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const NAMES: &[(&str, MacAlgorithm)] = &[
            ("MD5", MacAlgorithm::Md5),
            ("M", MacAlgorithm::Md5),
            ("SHA1", MacAlgorithm::Sha1),
            ("SHA-1", MacAlgorithm::Sha1),
            ("SHA", MacAlgorithm::Sha1),
            ("SHA256", MacAlgorithm::Sha256),
            ("SHA-256", MacAlgorithm::Sha256),
            ("HMAC-SHA256", MacAlgorithm::HmacSha256),
            ("HMACSHA256", MacAlgorithm::HmacSha256),
            ("HMAC-SHA-256", MacAlgorithm::HmacSha256),
            ("AES128CMAC", MacAlgorithm::Aes128Cmac),
            ("AES-128-CMAC", MacAlgorithm::Aes128Cmac),
            ("AES128", MacAlgorithm::Aes128Cmac),
            ("AES-128", MacAlgorithm::Aes128Cmac),
            ("AES", MacAlgorithm::Aes128Cmac),
            ("AES256CMAC", MacAlgorithm::Aes256Cmac),
            ("AES-256-CMAC", MacAlgorithm::Aes256Cmac),
            ("AES256", MacAlgorithm::Aes256Cmac),
            ("AES-256", MacAlgorithm::Aes256Cmac),
        ];
        NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(s))
            .map(|&(_, alg)| alg)
            .ok_or_else(|| AuthError::UnknownAlgorithm {
                name: crate::key_id::bounded_copy(s),
            })
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for MacAlgorithm {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.ntp_name())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for MacAlgorithm {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = MacAlgorithm;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a MAC algorithm name such as \"MD5\" or \"AES128CMAC\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<MacAlgorithm, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(Visitor)
    }
}
