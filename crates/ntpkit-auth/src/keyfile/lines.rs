//! Shared line handling for both key-file dialects: limits, field splitting, key decoding.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::{KeyEntry, KeyFile, KeyFileFormat, MAX_LINE_LEN, MAX_LINES};
use crate::key::key_length_problem;
use crate::key_id::bounded_copy;
use crate::{AuthError, Key, KeyFileProblem, KeyId, MacAlgorithm};

/// Collects entries, enforcing the line limits and unique key ids.
pub(super) struct Builder<'a> {
    file_name: &'a str,
    first_line: BTreeMap<KeyId, usize>,
    entries: Vec<KeyEntry>,
}

impl<'a> Builder<'a> {
    pub(super) fn new(file_name: &'a str) -> Self {
        Builder {
            file_name,
            first_line: BTreeMap::new(),
            entries: Vec::new(),
        }
    }

    pub(super) fn error(&self, line: usize, problem: KeyFileProblem) -> AuthError {
        AuthError::KeyFile {
            file: String::from(self.file_name),
            line,
            problem,
        }
    }

    pub(super) fn push(
        &mut self,
        line: usize,
        id: KeyId,
        algorithm: MacAlgorithm,
        secret: Secret<'_>,
    ) -> Result<(), AuthError> {
        if let Some(&first_line) = self.first_line.get(&id) {
            return Err(self.error(
                line,
                KeyFileProblem::DuplicateKeyId {
                    key_id: id,
                    first_line,
                },
            ));
        }
        let key = self.make_key(line, algorithm, secret)?;
        self.first_line.insert(id, line);
        self.entries.push(KeyEntry { id, key, line });
        Ok(())
    }

    fn make_key(
        &self,
        line: usize,
        algorithm: MacAlgorithm,
        secret: Secret<'_>,
    ) -> Result<Key, AuthError> {
        let text = match secret {
            Secret::Ascii(s) | Secret::Hex(s) => s,
        };
        if text.is_empty() {
            return Err(self.error(line, KeyFileProblem::EmptyKey));
        }
        let len = match secret {
            Secret::Ascii(s) => s.len(),
            Secret::Hex(s) => s.len() / 2,
        };
        // Check the length before decoding so that a huge field never allocates.
        if let Some(expected) = key_length_problem(algorithm, len) {
            return Err(self.error(
                line,
                KeyFileProblem::BadKeyLength {
                    algorithm,
                    actual: len,
                    expected,
                },
            ));
        }
        let key = match secret {
            Secret::Ascii(s) => {
                if !s.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(self.error(line, KeyFileProblem::NotPrintable));
                }
                Key::from_ascii(algorithm, s)
            }
            Secret::Hex(s) => {
                let bytes =
                    decode_hex(s).ok_or_else(|| self.error(line, KeyFileProblem::BadHex))?;
                Key::new(algorithm, &bytes)
            }
        };
        // Unreachable in practice: the length was checked above.
        key.map_err(|_| self.error(line, KeyFileProblem::EmptyKey))
    }

    pub(super) fn finish(self, format: KeyFileFormat) -> KeyFile {
        KeyFile {
            file_name: String::from(self.file_name),
            format,
            entries: self.entries,
        }
    }
}

/// A key field, before decoding.
pub(super) enum Secret<'t> {
    Ascii(&'t str),
    Hex(&'t str),
}

pub(super) fn parse_key_id(b: &Builder<'_>, line: usize, field: &str) -> Result<KeyId, AuthError> {
    field
        .parse::<u32>()
        .ok()
        .and_then(KeyId::new)
        .ok_or_else(|| {
            b.error(
                line,
                KeyFileProblem::BadKeyId {
                    text: bounded_copy(field),
                },
            )
        })
}

pub(super) fn parse_type(
    b: &Builder<'_>,
    line: usize,
    field: &str,
) -> Result<MacAlgorithm, AuthError> {
    field.parse::<MacAlgorithm>().map_err(|_| {
        b.error(
            line,
            KeyFileProblem::BadType {
                text: bounded_copy(field),
            },
        )
    })
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks_exact(2)
        .map(|pair| {
            let hi = char::from(*pair.first()?).to_digit(16)?;
            let lo = char::from(*pair.get(1)?).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}

/// Numbered lines of `text` (1-based), each checked against the limits.
pub(super) fn numbered_lines<'t>(
    file_name: &'t str,
    text: &'t str,
) -> impl Iterator<Item = Result<(usize, &'t str), AuthError>> + 't {
    let error = move |line, problem| AuthError::KeyFile {
        file: String::from(file_name),
        line,
        problem,
    };
    text.split('\n').enumerate().map(move |(i, raw)| {
        let n = i + 1;
        if n > MAX_LINES {
            return Err(error(n, KeyFileProblem::TooManyLines { limit: MAX_LINES }));
        }
        if raw.len() > MAX_LINE_LEN {
            return Err(error(
                n,
                KeyFileProblem::LineTooLong {
                    limit: MAX_LINE_LEN,
                },
            ));
        }
        Ok((n, raw.strip_suffix('\r').unwrap_or(raw)))
    })
}
