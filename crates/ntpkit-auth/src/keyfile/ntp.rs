//! ntpd / NTPsec key files (ntp.keys(5)): `keyid type key`, `#` comments.

use super::lines::{Builder, Secret, numbered_lines, parse_key_id, parse_type};
use super::{KeyFile, KeyFileFormat};
use crate::{AuthError, KeyFileProblem};

/// ntpd and NTPsec read a key of up to 20 characters as ASCII and a longer one as hex.
const MAX_ASCII_KEY_LEN: usize = 20;

/// Parses an ntpd/NTPsec key file.
///
/// Key ids are 1..=65534. A key of up to 20 printable characters is used as ASCII; a
/// longer one must be hex (so a 16-byte AES-128 key is 16 characters or 32 hex digits).
/// Per-key address lists (ntpd 4.2.8's optional fourth field) are refused rather than
/// ignored, since ignoring them would widen what the key authenticates.
///
/// ```
/// let file = ntpkit_auth::parse_ntp_keys("ntp.keys", "# comment\n1 MD5 abcdefgh\n2 AES128CMAC 0123456789abcdef\n")?;
/// assert_eq!(file.entries.len(), 2);
/// # Ok::<(), ntpkit_auth::AuthError>(())
/// ```
pub fn parse_ntp_keys(file_name: &str, text: &str) -> Result<KeyFile, AuthError> {
    let mut b = Builder::new(file_name);
    for item in numbered_lines(file_name, text) {
        let (n, line) = item?;
        let content = line.split('#').next().unwrap_or("");
        let mut fields = content.split_ascii_whitespace();
        let (Some(id), Some(kind), Some(key)) = (fields.next(), fields.next(), fields.next())
        else {
            let found = content.split_ascii_whitespace().count();
            if found == 0 {
                continue;
            }
            return Err(b.error(n, KeyFileProblem::MissingField { found }));
        };
        if fields.next().is_some() {
            return Err(b.error(n, KeyFileProblem::TrailingField { field: 4 }));
        }
        let id = parse_key_id(&b, n, id)?;
        let algorithm = parse_type(&b, n, kind)?;
        let secret = if key.len() <= MAX_ASCII_KEY_LEN {
            Secret::Ascii(key)
        } else {
            Secret::Hex(key)
        };
        b.push(n, id, algorithm, secret)?;
    }
    Ok(b.finish(KeyFileFormat::Ntp))
}
