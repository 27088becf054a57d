//! The crate's single error type.

use alloc::string::String;

use crate::{KeyId, MacAlgorithm};

/// Everything that can go wrong in key handling, MAC computation and verification.
///
/// Verification failures say which key id was involved so that a caller can count them per
/// association; none of them carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// A key id outside 1..=65534 (0 is the crypto-NAK marker).
    #[error("key id {value} is out of range (valid key ids are 1..=65534)")]
    InvalidKeyId {
        /// The rejected value.
        value: u32,
    },
    /// Text that is not a decimal key id.
    #[error("`{text}` is not a key id (expected a number in 1..=65534)")]
    InvalidKeyIdText {
        /// The rejected text (at most 64 bytes of it).
        text: String,
    },
    /// A key-id list such as `1 2 10-20` that could not be parsed.
    #[error("invalid key id list: {reason}")]
    InvalidKeyIdSet {
        /// What is wrong.
        reason: String,
    },
    /// An algorithm name this crate does not know.
    #[error(
        "unknown MAC algorithm `{name}` (supported: MD5, SHA1, SHA256, HMAC-SHA256, AES128CMAC, AES256CMAC)"
    )]
    UnknownAlgorithm {
        /// The rejected name (at most 64 bytes of it).
        name: String,
    },
    /// A key whose length does not suit its algorithm (empty, too long, or not the AES size).
    #[error("{algorithm} key is {actual} bytes long; {expected}")]
    BadKeyLength {
        /// The key's algorithm.
        algorithm: MacAlgorithm,
        /// Its length in bytes.
        actual: usize,
        /// What is required, in words.
        expected: &'static str,
    },
    /// The policy refuses weak algorithms (MD5, SHA-1) and a key uses one.
    #[error("key {key_id} uses the weak algorithm {algorithm}, which the policy refuses")]
    WeakAlgorithmRefused {
        /// The key.
        key_id: KeyId,
        /// Its algorithm.
        algorithm: MacAlgorithm,
    },
    /// The policy's complexity check rejected a key.
    #[error(
        "key {key_id} fails the complexity check (needs at least 8 characters from at least two of: upper case, lower case, digits, symbols)"
    )]
    KeyTooSimple {
        /// The key.
        key_id: KeyId,
    },
    /// A line of a key file is wrong.
    #[error("{file}:{line}: {problem}")]
    KeyFile {
        /// The file name the caller gave.
        file: String,
        /// 1-based line number (0 when the problem concerns the whole file).
        line: usize,
        /// What is wrong.
        problem: KeyFileProblem,
    },
    /// The output buffer cannot hold the MAC trailer.
    #[error("output buffer holds {available} bytes, the MAC trailer needs {needed}")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// The MAC provider does not implement this algorithm.
    #[error("the MAC provider does not support {algorithm}")]
    UnsupportedAlgorithm {
        /// The algorithm.
        algorithm: MacAlgorithm,
    },
    /// The packet could not be framed (header or trailer malformed).
    #[error("malformed packet: {0}")]
    Malformed(#[from] ntpkit_wire::WireError),
    /// The packet carries an authenticator this crate does not verify (MS-SNTP).
    #[error("unsupported authenticator (MS-SNTP)")]
    UnsupportedAuthenticator,
    /// The random source given to [`crate::generate_key`] failed: no key was made, as one
    /// from a partly filled buffer could be guessed.
    #[error("the random source failed; no key generated")]
    RandomSourceFailed,
    /// A 4-byte trailer with key id 0 (RFC 5905 section 7.4): authenticates nothing.
    #[error("crypto-NAK (key id 0) authenticates nothing")]
    CryptoNak,
    /// The packet carries no MAC but a key is required.
    #[error("packet has no MAC but key {expected} is required")]
    MissingMac {
        /// The key that was required.
        expected: KeyId,
    },
    /// The packet is authenticated with another key than the one required (CVE-2015-1798,
    /// CVE-2015-7974).
    #[error("packet uses key id {actual} but key {expected} is required")]
    UnexpectedKeyId {
        /// The key that was required.
        expected: KeyId,
        /// The key id on the wire.
        actual: u32,
    },
    /// No key with this id is installed.
    #[error("unknown key id {key_id}")]
    UnknownKey {
        /// The key id on the wire.
        key_id: u32,
    },
    /// The key exists but is not in the trusted set.
    #[error("key {key_id} is not trusted")]
    Untrusted {
        /// The key.
        key_id: KeyId,
    },
    /// The key has been revoked.
    #[error("key {key_id} is revoked")]
    Revoked {
        /// The key.
        key_id: KeyId,
    },
    /// The MAC has the wrong length for the key's algorithm.
    #[error("key {key_id} ({algorithm}) needs a {expected}-byte MAC, packet has {actual} bytes")]
    WrongMacLength {
        /// The key.
        key_id: KeyId,
        /// Its algorithm.
        algorithm: MacAlgorithm,
        /// The length the algorithm puts on the wire.
        expected: usize,
        /// The length received.
        actual: usize,
    },
    /// The MAC does not match.
    #[error("MAC mismatch for key {key_id} ({algorithm})")]
    BadMac {
        /// The key.
        key_id: KeyId,
        /// Its algorithm.
        algorithm: MacAlgorithm,
    },
    /// A key file is larger than the reader accepts.
    #[error("key file {file} is larger than {limit} bytes")]
    KeyFileTooLarge {
        /// The file name the caller gave.
        file: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// Reading a key file failed.
    #[error("cannot read key file {file}: {reason}")]
    Io {
        /// The file name the caller gave.
        file: String,
        /// The I/O error, as text.
        reason: String,
    },
}

/// What is wrong with one line of a key file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileProblem {
    /// The line has too few fields.
    #[error("expected `keyid type key`, found {found} field(s)")]
    MissingField {
        /// Number of fields found.
        found: usize,
    },
    /// The line has fields after the key. The text is not quoted: it may be the rest of a
    /// password that contains white space.
    #[error(
        "unexpected field {field} after the key (keys cannot contain white space, and per-key address lists are not supported)"
    )]
    TrailingField {
        /// 1-based position of the first unexpected field.
        field: usize,
    },
    /// The key id is not a number in 1..=65534.
    #[error("key id `{text}` is not a number in 1..=65534")]
    BadKeyId {
        /// The field (at most 64 bytes).
        text: String,
    },
    /// The same key id appears twice.
    #[error("key id {key_id} is already defined on line {first_line}")]
    DuplicateKeyId {
        /// The key id.
        key_id: KeyId,
        /// Where it was first defined.
        first_line: usize,
    },
    /// The key type is unknown or unsupported.
    #[error(
        "unsupported key type `{text}` (supported: MD5, SHA1, SHA256, HMAC-SHA256, AES128CMAC, AES256CMAC)"
    )]
    BadType {
        /// The field (at most 64 bytes).
        text: String,
    },
    /// The key is not valid hexadecimal where hex is required.
    #[error("key is not an even number of hexadecimal digits")]
    BadHex,
    /// The key holds characters that are not printable ASCII.
    #[error("key holds a character that is not printable ASCII")]
    NotPrintable,
    /// The key is empty.
    #[error("key is empty")]
    EmptyKey,
    /// The key has the wrong length for its type, or is longer than the cap.
    #[error("{algorithm} key of {actual} bytes: {expected}")]
    BadKeyLength {
        /// The algorithm.
        algorithm: MacAlgorithm,
        /// The decoded length.
        actual: usize,
        /// What is required, in words.
        expected: &'static str,
    },
    /// The key is well formed but the policy refuses it.
    #[error("{reason}")]
    Refused {
        /// The policy's reason.
        reason: String,
    },
    /// The line is longer than the parser accepts.
    #[error("line longer than {limit} bytes")]
    LineTooLong {
        /// The limit.
        limit: usize,
    },
    /// The file has more lines than the parser accepts.
    #[error("more than {limit} lines")]
    TooManyLines {
        /// The limit.
        limit: usize,
    },
}
