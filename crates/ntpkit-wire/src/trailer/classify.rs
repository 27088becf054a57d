//! Trailer classification. The rules, in the order applied (RFC 7822 section 7.5; chrony's
//! `NAU_ParsePacket` and NTPsec's receive path agree on them):
//!
//! 1. No bytes: [`Trailer::None`].
//! 2. Four bytes: a crypto-NAK if the key id is 0, otherwise an error.
//! 3. NTPv1-3 (no extension fields exist): 72 bytes in NTPv3 is an MS-SNTP extended
//!    authenticator; 20 bytes in NTPv3 with a non-zero key id and an all-zero digest is an
//!    MS-SNTP authenticator request; 20 or 24 bytes is a MAC; 12 to 68 bytes in steps of 4 is
//!    a legacy MAC; anything else is an error.
//! 4. NTPv4: 20 or 24 bytes is a MAC; fewer than 16 bytes is an error; otherwise extension
//!    fields (each at least 16 bytes, a multiple of 4, within the packet) until either the
//!    bytes run out (then the last field must be at least 28 bytes) or exactly 20 or 24 bytes
//!    remain, which are the MAC.

use super::extension::{MIN_EXTENSION_LEN, MIN_LAST_EXTENSION_LEN, read_field_header};
use super::{ExtensionFields, Mac, MsSntpExtended, Trailer};
use crate::{HEADER_LEN, Version, WireError};

/// MAC lengths (key id + digest) allowed in NTPv4 (RFC 7822 section 7.5).
const fn is_v4_mac_len(len: usize) -> bool {
    len == 20 || len == 24
}

impl<'a> Trailer<'a> {
    /// Classifies `bytes`, everything after the 48-byte header of a packet of `version`.
    /// Error offsets count from the start of the packet.
    pub fn parse(version: Version, bytes: &'a [u8]) -> Result<Self, WireError> {
        let len = bytes.len();
        let Some((&key_bytes, digest)) = bytes.split_first_chunk::<4>() else {
            return if len == 0 {
                Ok(Trailer::None)
            } else if version == Version::V4 {
                Err(WireError::TrailerLength { length: len })
            } else {
                Err(WireError::LegacyTrailerLength {
                    version: version.to_bits(),
                    length: len,
                })
            };
        };
        let key_id = u32::from_be_bytes(key_bytes);
        if len == 4 {
            return if key_id == 0 {
                Ok(Trailer::CryptoNak)
            } else {
                Err(WireError::ShortTrailerNotCryptoNak { key_id })
            };
        }
        if version != Version::V4 {
            return classify_legacy(version, key_id, bytes, digest);
        }
        if is_v4_mac_len(len) {
            return Ok(Trailer::Mac { key_id, digest });
        }
        if len < MIN_EXTENSION_LEN {
            return Err(WireError::TrailerLength { length: len });
        }
        classify_extensions(bytes)
    }
}

fn classify_legacy<'a>(
    version: Version,
    key_id: u32,
    bytes: &'a [u8],
    digest: &'a [u8],
) -> Result<Trailer<'a>, WireError> {
    let len = bytes.len();
    if version == Version::V3
        && len == MsSntpExtended::LEN
        && let Some((&[k0, k1, k2, k3, reserved, flags, hints, hash_id], checksum)) =
            bytes.split_first_chunk::<8>()
    {
        return Ok(Trailer::MsSntpExtended(MsSntpExtended {
            key_identifier: [k0, k1, k2, k3],
            reserved,
            flags,
            client_hash_id_hints: hints,
            signature_hash_id: hash_id,
            checksum,
        }));
    }
    if version == Version::V3 && len == 20 && key_id != 0 && digest.iter().all(|&b| b == 0) {
        return Ok(Trailer::MsSntp { key_id });
    }
    if is_v4_mac_len(len) {
        return Ok(Trailer::Mac { key_id, digest });
    }
    if (12..=68).contains(&len) && len.is_multiple_of(4) {
        return Ok(Trailer::LegacyMac { key_id, digest });
    }
    Err(WireError::LegacyTrailerLength {
        version: version.to_bits(),
        length: len,
    })
}

fn classify_extensions(bytes: &[u8]) -> Result<Trailer<'_>, WireError> {
    let mut pos = 0usize;
    let mut last_field = (0usize, 0usize);
    loop {
        let rest = bytes.get(pos..).unwrap_or(&[]);
        if rest.is_empty() {
            let (offset, length) = last_field;
            if length < MIN_LAST_EXTENSION_LEN {
                return Err(WireError::LastExtensionTooShort {
                    offset: HEADER_LEN + offset,
                    length,
                });
            }
            let fields = ExtensionFields::from_checked_wire(bytes, length);
            return Ok(Trailer::Extensions { fields, mac: None });
        }
        if pos > 0 && is_v4_mac_len(rest.len()) {
            let (fields, mac) = bytes.split_at(pos);
            let Some((&key_bytes, digest)) = mac.split_first_chunk::<4>() else {
                return Err(WireError::TrailerLength {
                    length: bytes.len(),
                });
            };
            return Ok(Trailer::Extensions {
                fields: ExtensionFields::from_checked_wire(fields, last_field.1),
                mac: Some(Mac {
                    key_id: u32::from_be_bytes(key_bytes),
                    digest,
                }),
            });
        }
        let (_, length) = read_field_header(rest).map_err(|e| e.shifted_by(HEADER_LEN + pos))?;
        last_field = (pos, length);
        pos += length;
    }
}

impl WireError {
    /// The same error with its extension-field offset moved by `base` bytes.
    fn shifted_by(self, base: usize) -> Self {
        match self {
            WireError::ExtensionHeaderTruncated { offset, available } => {
                WireError::ExtensionHeaderTruncated {
                    offset: offset + base,
                    available,
                }
            }
            WireError::ExtensionTooShort { offset, length } => WireError::ExtensionTooShort {
                offset: offset + base,
                length,
            },
            WireError::ExtensionMisaligned { offset, length } => WireError::ExtensionMisaligned {
                offset: offset + base,
                length,
            },
            WireError::ExtensionOverrun {
                offset,
                length,
                available,
            } => WireError::ExtensionOverrun {
                offset: offset + base,
                length,
                available,
            },
            other => other,
        }
    }
}
