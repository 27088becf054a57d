//! A symmetric key: algorithm plus secret, with the secret kept out of every `Debug` and
//! `Display` so that keys never reach a log.

use alloc::vec::Vec;
use core::fmt;

use crate::{AuthError, MacAlgorithm};

/// Longest secret accepted, in bytes. chrony's 2047-character line limit allows about 1000
/// bytes of hex; nothing real needs more than 64, and a cap keeps allocation bounded.
pub const MAX_KEY_LEN: usize = 256;

/// How a key's secret was written, which decides how much entropy it can hold per byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyEncoding {
    /// A password of printable ASCII characters (at most ~6.5 bits of entropy each).
    Ascii,
    /// Raw bytes (written as hex in key files): 8 bits each.
    Binary,
}

/// A symmetric key: an algorithm and its secret.
///
/// `Debug` shows the algorithm and the secret's length, never the secret. The secret is
/// overwritten with zeros when the key is dropped (best effort: without `unsafe` the
/// compiler is only discouraged, not forbidden, from removing the wipe).
#[derive(Clone, PartialEq, Eq)]
pub struct Key {
    algorithm: MacAlgorithm,
    encoding: KeyEncoding,
    secret: Vec<u8>,
}

impl Key {
    /// Creates a key from raw secret bytes (as decoded from hex).
    ///
    /// Fails if the secret is empty, longer than [`MAX_KEY_LEN`], or not the exact size an
    /// AES key needs (16 bytes for AES-128-CMAC, 32 for AES-256-CMAC).
    pub fn new(algorithm: MacAlgorithm, secret: &[u8]) -> Result<Key, AuthError> {
        Key::with_encoding(algorithm, secret, KeyEncoding::Binary)
    }

    /// Creates a key from an ASCII password (as written in an ntpd or chrony key file).
    ///
    /// The password's bytes are the key, as ntpd and chrony use them.
    pub fn from_ascii(algorithm: MacAlgorithm, password: &str) -> Result<Key, AuthError> {
        Key::with_encoding(algorithm, password.as_bytes(), KeyEncoding::Ascii)
    }

    fn with_encoding(
        algorithm: MacAlgorithm,
        secret: &[u8],
        encoding: KeyEncoding,
    ) -> Result<Key, AuthError> {
        if let Some(expected) = key_length_problem(algorithm, secret.len()) {
            return Err(AuthError::BadKeyLength {
                algorithm,
                actual: secret.len(),
                expected,
            });
        }
        Ok(Key {
            algorithm,
            encoding,
            secret: secret.to_vec(),
        })
    }

    /// The key's MAC algorithm.
    pub fn algorithm(&self) -> MacAlgorithm {
        self.algorithm
    }

    /// How the secret was written.
    pub fn encoding(&self) -> KeyEncoding {
        self.encoding
    }

    /// Length of the secret in bytes.
    pub fn len(&self) -> usize {
        self.secret.len()
    }

    /// Always `false`: a key is never empty. Present for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.secret.is_empty()
    }

    /// Estimated strength in bits: 8 per byte for binary keys, 6.5 per character for ASCII
    /// passwords (log2 of the 94 printable non-space characters is about 6.55).
    pub fn strength_bits(&self) -> u32 {
        let len = u32::try_from(self.secret.len()).unwrap_or(u32::MAX);
        match self.encoding {
            KeyEncoding::Binary => len.saturating_mul(8),
            KeyEncoding::Ascii => len.saturating_mul(13) / 2,
        }
    }

    /// The secret bytes. Named loudly so that uses stand out in review; needed by
    /// [`MacProvider`](crate::MacProvider) implementations and by tools that write key files.
    pub fn expose_secret(&self) -> &[u8] {
        &self.secret
    }
}

/// Why `len` bytes cannot be a key for `algorithm`, in words, or `None` if they can.
pub(crate) fn key_length_problem(algorithm: MacAlgorithm, len: usize) -> Option<&'static str> {
    match algorithm.required_key_len() {
        Some(16) if len != 16 => Some("AES-128-CMAC needs exactly 16 bytes"),
        Some(32) if len != 32 => Some("AES-256-CMAC needs exactly 32 bytes"),
        _ if len == 0 => Some("a key needs at least 1 byte"),
        _ if len > MAX_KEY_LEN => Some("keys are limited to 256 bytes"),
        _ => None,
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        for b in self.secret.iter_mut() {
            *b = 0;
        }
        core::hint::black_box(&mut self.secret);
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("algorithm", &self.algorithm)
            .field("encoding", &self.encoding)
            .field("len", &self.secret.len())
            .field("secret", &"<redacted>")
            .finish()
    }
}
