//! Generating keys (CVE-2014-9294: ntp-keygen before 4.2.7p230 seeded a weak generator, so
//! its "random" keys could be guessed).
//!
//! This module only shapes and writes keys; the random bytes come from the caller, which
//! must draw them from the operating system's cryptographic generator (`getrandom(2)`,
//! `/dev/urandom`), never from a seeded PRNG. `ntpkit-keygen` does that.

use alloc::string::String;
use core::fmt::Write;

use crate::{AuthError, Key, KeyId, MacAlgorithm};

/// The secret length (bytes) generated for `algorithm`: the AES key size for the CMACs,
/// the digest length otherwise (20 bytes for MD5 and SHA-1, as NTPsec's ntpkeygen gives
/// SHA-1; 32 for the SHA-256 forms). Every length is at least 128 bits, well above the
/// 80-bit floor of CVE-2014-9293.
pub const fn generated_key_len(algorithm: MacAlgorithm) -> usize {
    match algorithm {
        MacAlgorithm::Md5 | MacAlgorithm::Sha1 => 20,
        MacAlgorithm::Aes128Cmac => 16,
        MacAlgorithm::Sha256 | MacAlgorithm::HmacSha256 | MacAlgorithm::Aes256Cmac => 32,
    }
}

/// Makes a key of `algorithm` from random bytes that `fill` writes into a buffer of
/// [`generated_key_len`] bytes.
///
/// # Errors
/// [`AuthError::RandomSourceFailed`] when `fill` reports failure (return it from `fill`):
/// the caller must stop, as a key from a partly filled buffer is guessable.
pub fn generate_key(
    algorithm: MacAlgorithm,
    fill: impl FnOnce(&mut [u8]) -> Result<(), AuthError>,
) -> Result<Key, AuthError> {
    let mut secret = [0u8; 32];
    let secret = &mut secret[..generated_key_len(algorithm)];
    fill(secret)?;
    // Every generated length suits its algorithm (the AES sizes exactly), so this cannot
    // fail; the bytes on the stack are cleared either way.
    let key = Key::new(algorithm, secret);
    secret.fill(0);
    key
}

/// One line of an ntpd/NTPsec key file for `key`: `ID TYPE HEX`. The secret is written in
/// hex, which every generated length makes longer than 20 characters, the length from which
/// ntpd, NTPsec and our parser read a key as hex rather than as ASCII.
pub fn ntp_key_line(id: KeyId, key: &Key) -> String {
    let mut line = String::with_capacity(16 + 2 * key.len());
    // Writing to a String cannot fail.
    let _ = write!(line, "{} {} ", id.get(), key.algorithm().ntp_name());
    for byte in key.expose_secret() {
        let _ = write!(line, "{byte:02x}");
    }
    line
}

/// One line of a chrony key file for `key`: `ID TYPE HEX:SECRET`, with chrony's type names
/// (`MD5`, `SHA1`, `SHA256`, `AES128`, `AES256`). `None` for HMAC-SHA256, which chrony does
/// not implement (its digests are keyed hashes, not HMACs).
pub fn chrony_key_line(id: KeyId, key: &Key) -> Option<String> {
    let name = match key.algorithm() {
        MacAlgorithm::Md5 => "MD5",
        MacAlgorithm::Sha1 => "SHA1",
        MacAlgorithm::Sha256 => "SHA256",
        MacAlgorithm::Aes128Cmac => "AES128",
        MacAlgorithm::Aes256Cmac => "AES256",
        MacAlgorithm::HmacSha256 => return None,
    };
    let mut line = String::with_capacity(24 + 2 * key.len());
    let _ = write!(line, "{} {name} HEX:", id.get());
    for byte in key.expose_secret() {
        let _ = write!(line, "{byte:02X}");
    }
    Some(line)
}
