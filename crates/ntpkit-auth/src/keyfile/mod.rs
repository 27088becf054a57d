//! Key files: ntpd/NTPsec `ntp.keys` and chrony `chrony.keys`.
//!
//! Parsing takes the text and the file's name (for error messages), never a path: reading
//! is the caller's business ([`read_key_file`] accepts any `std::io::Read`, with a size cap).
//! Whatever the text holds, parsing returns `Ok` or an error naming file, line and problem;
//! it never panics, and memory is bounded by [`MAX_LINES`], [`MAX_LINE_LEN`] and the
//! 65534 possible key ids.

mod chrony;
mod lines;
mod ntp;
#[cfg(feature = "std")]
mod read;

use alloc::string::String;
use alloc::vec::Vec;

pub use chrony::parse_chrony_keys;
pub use ntp::parse_ntp_keys;
#[cfg(feature = "std")]
pub use read::{MAX_KEY_FILE_LEN, read_key_file};

use crate::{AuthError, Key, KeyId, KeyStore, KeyWarning};

/// Most lines a key file may have.
pub const MAX_LINES: usize = 200_000;
/// Longest line accepted, in bytes (chrony's limit is 2047 characters).
pub const MAX_LINE_LEN: usize = 2048;

/// Which dialect a key file is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyFileFormat {
    /// ntpd / NTPsec: `keyid type key`; keys of up to 20 characters are ASCII, longer ones
    /// hex; `#` starts a comment anywhere.
    Ntp,
    /// chrony: `ID [TYPE] KEY` with `HEX:`/`ASCII:` prefixes (bare keys are ASCII), type
    /// MD5 when omitted; lines starting with `#`, `!`, `;` or `%` are comments.
    Chrony,
}

/// One key read from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyEntry {
    /// The key id.
    pub id: KeyId,
    /// The key (its `Debug` hides the secret).
    pub key: Key,
    /// 1-based line number where it was defined.
    pub line: usize,
}

/// A parsed key file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyFile {
    /// The file name given to the parser.
    pub file_name: String,
    /// The dialect it was read as.
    pub format: KeyFileFormat,
    /// The keys, in file order.
    pub entries: Vec<KeyEntry>,
}

impl KeyFile {
    /// Installs every key into `store` (checking each against the store's policy) and
    /// returns the warnings to log. Keys are not trusted by this: ntpd needs `trustedkey`;
    /// chrony trusts every key of its file, which is [`KeyStore::trust`] on each id.
    pub fn install(&self, store: &mut KeyStore) -> Result<Vec<KeyWarning>, AuthError> {
        let mut warnings = Vec::new();
        for entry in &self.entries {
            let w = store
                .insert(entry.id, entry.key.clone())
                .map_err(|e| match e {
                    AuthError::WeakAlgorithmRefused { .. } | AuthError::KeyTooSimple { .. } => {
                        AuthError::KeyFile {
                            file: self.file_name.clone(),
                            line: entry.line,
                            problem: crate::KeyFileProblem::Refused {
                                reason: alloc::string::ToString::to_string(&e),
                            },
                        }
                    }
                    other => other,
                })?;
            warnings.extend(w);
        }
        Ok(warnings)
    }
}

/// Parses a key file in either dialect, choosing chrony's when a key has a `HEX:`/`ASCII:`
/// prefix or a line is `ID KEY` (two fields, the second not an algorithm name), and ntpd's
/// otherwise.
///
/// The two dialects read `1 MD5 password` the same way; they differ only on keys longer
/// than 20 characters without a prefix (hex for ntpd, ASCII for chrony), where the
/// detection above picks ntpd unless something chrony-only appears in the file. A broken
/// ntpd line such as `1 MD5` (key missing) stays an ntpd error rather than becoming a
/// chrony key spelled "MD5".
pub fn parse_key_file(file_name: &str, text: &str) -> Result<KeyFile, AuthError> {
    if looks_like_chrony(text) {
        parse_chrony_keys(file_name, text)
    } else {
        parse_ntp_keys(file_name, text)
    }
}

fn looks_like_chrony(text: &str) -> bool {
    text.lines().take(MAX_LINES).any(|line| {
        let line = line.split('#').next().unwrap_or("");
        let mut fields = line.split_ascii_whitespace();
        let (first, second, third) = (fields.next(), fields.next(), fields.next());
        let key = third.or(second).unwrap_or("");
        let id_key_line = first.is_some()
            && third.is_none()
            && second.is_some_and(|f| f.parse::<crate::MacAlgorithm>().is_err());
        id_key_line || key.starts_with("HEX:") || key.starts_with("ASCII:")
    })
}
