//! Writing a [`Trailer`]. Emission refuses values that would classify differently when read
//! back (a 16-byte digest as a legacy MAC, an empty extension list), so that parse(emit(x))
//! gives x back.

use super::{Mac, MsSntpExtended, Trailer};
use crate::{Version, WireError};

impl Trailer<'_> {
    /// The number of bytes [`Trailer::emit`] writes.
    pub fn buffer_len(&self) -> Result<usize, WireError> {
        Ok(match self {
            Trailer::None => 0,
            Trailer::CryptoNak => 4,
            Trailer::Mac { digest, .. } => 4 + check_v4_digest(digest)?,
            Trailer::LegacyMac { digest, .. } => 4 + check_legacy_digest(digest)?,
            Trailer::MsSntp { .. } => 20,
            Trailer::MsSntpExtended(auth) => {
                if auth.checksum.len() != MsSntpExtended::LEN - 8 {
                    return Err(WireError::DigestLength {
                        length: auth.checksum.len(),
                    });
                }
                MsSntpExtended::LEN
            }
            Trailer::Extensions { fields, mac } => {
                if fields.is_empty() {
                    return Err(WireError::TrailerLength { length: 0 });
                }
                let mac_len = match mac {
                    Some(mac) => 4 + check_v4_digest(mac.digest)?,
                    None => 0,
                };
                fields.buffer_len(mac.is_some())? + mac_len
            }
        })
    }

    /// Whether this trailer kind can appear after a header of `version` (extension fields
    /// only in NTPv4; legacy MACs and MS-SNTP authenticators only before it).
    pub fn fits_version(&self, version: Version) -> bool {
        match self {
            Trailer::None | Trailer::CryptoNak | Trailer::Mac { .. } => true,
            Trailer::Extensions { .. } => version == Version::V4,
            Trailer::LegacyMac { .. } => version != Version::V4,
            Trailer::MsSntp { .. } | Trailer::MsSntpExtended(_) => version == Version::V3,
        }
    }

    /// Writes the trailer at the start of `buffer`, returning the bytes written.
    pub fn emit(&self, buffer: &mut [u8]) -> Result<usize, WireError> {
        let needed = self.buffer_len()?;
        let available = buffer.len();
        let out = buffer
            .get_mut(..needed)
            .ok_or(WireError::BufferTooSmall { needed, available })?;
        self.emit_sized(out)?;
        Ok(needed)
    }

    /// Writes the trailer into `out`, which is exactly [`Trailer::buffer_len`] bytes long.
    pub(crate) fn emit_sized(&self, out: &mut [u8]) -> Result<(), WireError> {
        match self {
            Trailer::None => {}
            Trailer::CryptoNak => out.fill(0),
            Trailer::Mac { key_id, digest } | Trailer::LegacyMac { key_id, digest } => write_mac(
                out,
                Mac {
                    key_id: *key_id,
                    digest,
                },
            ),
            Trailer::MsSntp { key_id } => {
                out.fill(0);
                write_key_id(out, *key_id);
            }
            Trailer::MsSntpExtended(auth) => {
                let (head, checksum) = out.split_at_mut(8);
                head.copy_from_slice(&[
                    auth.key_identifier[0],
                    auth.key_identifier[1],
                    auth.key_identifier[2],
                    auth.key_identifier[3],
                    auth.reserved,
                    auth.flags,
                    auth.client_hash_id_hints,
                    auth.signature_hash_id,
                ]);
                if auth.checksum.len() != checksum.len() {
                    return Err(WireError::DigestLength {
                        length: auth.checksum.len(),
                    });
                }
                checksum.copy_from_slice(auth.checksum);
            }
            Trailer::Extensions { fields, mac } => {
                let written = fields.emit(out, mac.is_some())?;
                if let (Some(mac), Some(rest)) = (mac, out.get_mut(written..)) {
                    write_mac(rest, *mac);
                }
            }
        }
        Ok(())
    }
}

fn check_v4_digest(digest: &[u8]) -> Result<usize, WireError> {
    match digest.len() {
        16 | 20 => Ok(digest.len()),
        length => Err(WireError::DigestLength { length }),
    }
}

fn check_legacy_digest(digest: &[u8]) -> Result<usize, WireError> {
    match digest.len() {
        16 | 20 => Err(WireError::DigestLength {
            length: digest.len(),
        }),
        length if (8..=64).contains(&length) && length.is_multiple_of(4) => Ok(length),
        length => Err(WireError::DigestLength { length }),
    }
}

/// Writes key id and digest into `out`, which the caller sized to `4 + digest.len()`.
fn write_mac(out: &mut [u8], mac: Mac<'_>) {
    write_key_id(out, mac.key_id);
    if let Some(slot) = out.get_mut(4..4 + mac.digest.len()) {
        slot.copy_from_slice(mac.digest);
    }
}

fn write_key_id(out: &mut [u8], key_id: u32) {
    if let Some(slot) = out.first_chunk_mut::<4>() {
        *slot = key_id.to_be_bytes();
    }
}
