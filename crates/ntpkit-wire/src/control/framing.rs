//! Where the data, padding and MAC of a mode 6 message lie. The rules (RFC 9327 section 2,
//! and ntpd/NTPsec `process_control`):
//!
//! - the 12-byte header, then `count` data bytes (at most 468, all within the packet);
//! - zero padding; a MAC, if any, starts at the first 64-bit boundary after the data and is
//!   a 4-byte key id plus a 16- or 20-byte digest;
//! - without a MAC, at most the padding up to that boundary may follow, and it must be zero.

use super::CONTROL_HEADER_LEN;
use crate::{Mac, WireError};

/// The most data one control message carries (RFC 9327 section 2).
pub const CONTROL_MAX_DATA_LEN: usize = 468;

/// The validated layout of a control message.
pub(crate) struct Framing<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) mac: Option<Mac<'a>>,
}

/// Offset of a MAC after `data_len` data bytes: the next 64-bit boundary.
pub(crate) const fn mac_offset(data_len: usize) -> usize {
    (CONTROL_HEADER_LEN + data_len).div_ceil(8) * 8
}

/// Locates data, padding and MAC in `bytes` (a whole packet whose header fits), for a header
/// stating `count` data bytes.
pub(crate) fn frame(bytes: &[u8], count: usize) -> Result<Framing<'_>, WireError> {
    if count > CONTROL_MAX_DATA_LEN {
        return Err(WireError::ControlDataTooLong { count });
    }
    let body = bytes.get(CONTROL_HEADER_LEN..).unwrap_or(&[]);
    let Some((data, after)) = body.split_at_checked(count) else {
        return Err(WireError::ControlCountOverrun {
            count,
            available: body.len(),
        });
    };
    let data_end = CONTROL_HEADER_LEN + count;
    let padding_len = mac_offset(count) - data_end;
    let (padding, mac_bytes) = after.split_at(padding_len.min(after.len()));
    if let Some(bad) = padding.iter().position(|&b| b != 0) {
        return Err(WireError::ControlPadding {
            offset: data_end + bad,
        });
    }
    let mac = match mac_bytes.split_first_chunk::<4>() {
        None if mac_bytes.is_empty() => None,
        Some((&key_bytes, digest)) if digest.len() == 16 || digest.len() == 20 => Some(Mac {
            key_id: u32::from_be_bytes(key_bytes),
            digest,
        }),
        _ => {
            return Err(WireError::ControlTrailer {
                offset: data_end + padding_len,
                length: mac_bytes.len(),
            });
        }
    };
    Ok(Framing { data, mac })
}
