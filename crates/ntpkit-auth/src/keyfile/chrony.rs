//! chrony key files (chrony.conf(5), `keyfile`): `ID [TYPE] KEY`.

use super::lines::{Builder, Secret, numbered_lines, parse_key_id, parse_type};
use super::{KeyFile, KeyFileFormat};
use crate::{AuthError, KeyFileProblem, MacAlgorithm};

/// Parses a chrony key file.
///
/// Each line is `ID KEY` or `ID TYPE KEY`; the type defaults to MD5. A key is ASCII
/// (optionally written `ASCII:text`) unless written `HEX:digits`. chrony allows key ids up
/// to 2^32-1; ids above 65534 are refused here because NTP's key id field in ntpkit (and
/// ntpd) stops there. Lines whose first non-blank character is `#`, `!`, `;` or `%` are
/// comments.
///
/// ```
/// let file = ntpkit_auth::parse_chrony_keys("chrony.keys", "10 tulip\n30 AES128 HEX:7EA62AE64D190114D46D5A082F948EC1\n")?;
/// assert_eq!(file.entries[1].key.len(), 16);
/// # Ok::<(), ntpkit_auth::AuthError>(())
/// ```
pub fn parse_chrony_keys(file_name: &str, text: &str) -> Result<KeyFile, AuthError> {
    let mut b = Builder::new(file_name);
    for item in numbered_lines(file_name, text) {
        let (n, line) = item?;
        let content = line.trim_start();
        if content.is_empty() || content.starts_with(['#', '!', ';', '%']) {
            continue;
        }
        let fields: alloc::vec::Vec<&str> = content.split_ascii_whitespace().take(4).collect();
        let (id, algorithm, key) = match fields.as_slice() {
            [id, key] => (*id, MacAlgorithm::Md5, *key),
            [id, kind, key] => (*id, parse_type(&b, n, kind)?, *key),
            [_, _, _, _, ..] => {
                return Err(b.error(n, KeyFileProblem::TrailingField { field: 4 }));
            }
            other => {
                return Err(b.error(n, KeyFileProblem::MissingField { found: other.len() }));
            }
        };
        let id = parse_key_id(&b, n, id)?;
        let secret = if let Some(hex) = key.strip_prefix("HEX:") {
            Secret::Hex(hex)
        } else {
            Secret::Ascii(key.strip_prefix("ASCII:").unwrap_or(key))
        };
        b.push(n, id, algorithm, secret)?;
    }
    Ok(b.finish(KeyFileFormat::Chrony))
}
