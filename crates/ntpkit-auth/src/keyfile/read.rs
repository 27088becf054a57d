//! Reading a key file from a caller-supplied reader, with a size cap.

use alloc::string::{String, ToString};
use std::io::Read;

use super::{KeyFile, parse_key_file};
use crate::AuthError;

/// Largest key file [`read_key_file`] accepts (4 MiB).
pub const MAX_KEY_FILE_LEN: usize = 4 << 20;

/// Reads a key file (either dialect, see [`parse_key_file`]) from `reader`, refusing more
/// than [`MAX_KEY_FILE_LEN`] bytes and text that is not UTF-8.
pub fn read_key_file<R: Read>(file_name: &str, reader: R) -> Result<KeyFile, AuthError> {
    let mut bytes = alloc::vec::Vec::new();
    let limit = u64::try_from(MAX_KEY_FILE_LEN).unwrap_or(u64::MAX) + 1;
    reader
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| AuthError::Io {
            file: String::from(file_name),
            reason: e.to_string(),
        })?;
    if bytes.len() > MAX_KEY_FILE_LEN {
        return Err(AuthError::KeyFileTooLarge {
            file: String::from(file_name),
            limit: MAX_KEY_FILE_LEN,
        });
    }
    let text = String::from_utf8(bytes).map_err(|e| AuthError::Io {
        file: String::from(file_name),
        reason: alloc::format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
    })?;
    parse_key_file(file_name, &text)
}
