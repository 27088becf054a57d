//! Splitting one ntp.conf line into tokens.
//!
//! ntpd's rules (ntp.conf(5), "The file format"): `#` starts a comment that runs to the end of
//! the line, tokens are separated by blanks, a command never continues on the next line. ntpd's
//! scanner also accepts a double-quoted string as one token (FreeBSD ships
//! `leapfile "/var/db/ntpd.leap-seconds.list"`), so we do too; there are no escapes inside.

/// One token of a line, with the 1-based character column where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    /// The token text, without the quotes of a quoted string.
    pub(crate) text: &'a str,
    /// 1-based column of the first character (of the opening quote for a quoted string).
    pub(crate) column: u32,
    /// Whether the token was written in double quotes (it is then never a keyword).
    pub(crate) quoted: bool,
}

/// A line that cannot be split into tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexError {
    pub(crate) column: u32,
    pub(crate) message: &'static str,
    pub(crate) expected: &'static str,
}

/// Whether the character starting at byte `i` is a control character (Unicode category Cc:
/// U+0000..U+001F, U+007F, and U+0080..U+009F, which UTF-8 encodes as 0xC2 0x80..0x9F).
fn control_at(bytes: &[u8], i: usize) -> bool {
    match bytes.get(i) {
        Some(&b) if b < 0x20 || b == 0x7f => true,
        Some(0xc2) => bytes.get(i + 1).is_some_and(|b| (0x80..=0x9f).contains(b)),
        _ => false,
    }
}

/// Whether byte `b` starts a character (is not a UTF-8 continuation byte); columns count
/// characters.
fn starts_char(b: u8) -> bool {
    b & 0xc0 != 0x80
}

/// Splits `line` (without its terminator) into `out`, which is cleared first.
///
/// Works on bytes (the delimiters are ASCII, so a split never falls inside a UTF-8 sequence)
/// and counts a column per character.
pub(crate) fn tokenize<'a>(line: &'a str, out: &mut Vec<Token<'a>>) -> Result<(), LexError> {
    out.clear();
    let bytes = line.as_bytes();
    let control = |column| LexError {
        column,
        message: "control character in the line",
        expected: "printable text, blanks or tabs",
    };
    let mut i = 0;
    let mut column: u32 = 0;
    while let Some(&b) = bytes.get(i) {
        if starts_char(b) {
            column = column.saturating_add(1);
        }
        match b {
            b'#' => return Ok(()),
            b' ' | b'\t' => {
                i += 1;
                continue;
            }
            _ if control_at(bytes, i) => return Err(control(column)),
            _ => {}
        }
        let token_column = column;
        if b == b'"' {
            let body_start = i + 1;
            i += 1;
            loop {
                let Some(&c) = bytes.get(i) else {
                    return Err(LexError {
                        column: token_column,
                        message: "this quoted string is not closed",
                        expected: "a closing '\"' on the same line",
                    });
                };
                if starts_char(c) {
                    column = column.saturating_add(1);
                }
                if c == b'"' {
                    break;
                }
                if c != b'\t' && control_at(bytes, i) {
                    return Err(LexError {
                        column,
                        message: "control character inside a quoted string",
                        expected: "printable text",
                    });
                }
                i += 1;
            }
            let body = line.get(body_start..i).unwrap_or("");
            i += 1;
            if let Some(&next) = bytes.get(i)
                && !matches!(next, b' ' | b'\t' | b'#')
            {
                return Err(LexError {
                    column: column.saturating_add(1),
                    message: "text runs on after a closing quote",
                    expected: "a blank after the closing quote",
                });
            }
            out.push(Token {
                text: body,
                column: token_column,
                quoted: true,
            });
            continue;
        }
        let start = i;
        i += 1;
        while let Some(&c) = bytes.get(i) {
            if matches!(c, b' ' | b'\t' | b'#') {
                break;
            }
            if starts_char(c) {
                column = column.saturating_add(1);
            }
            if control_at(bytes, i) {
                return Err(control(column));
            }
            i += 1;
        }
        out.push(Token {
            text: line.get(start..i).unwrap_or(""),
            column: token_column,
            quoted: false,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> Vec<(String, u32, bool)> {
        let mut out = Vec::new();
        tokenize(line, &mut out)
            .map_err(|e| e.message)
            .unwrap_or_default();
        out.iter()
            .map(|t| (t.text.to_string(), t.column, t.quoted))
            .collect()
    }

    #[test]
    fn splits_on_blanks_and_tabs_and_stops_at_comment() {
        assert_eq!(
            texts("server\tntp.example.org  iburst # comment"),
            vec![
                ("server".into(), 1, false),
                ("ntp.example.org".into(), 8, false),
                ("iburst".into(), 25, false)
            ]
        );
        assert_eq!(
            texts("pool x#comment"),
            vec![("pool".into(), 1, false), ("x".into(), 6, false)]
        );
    }

    #[test]
    fn quoted_string_is_one_token() {
        assert_eq!(
            texts("leapfile \"/var/db/a b\" # x"),
            vec![
                ("leapfile".into(), 1, false),
                ("/var/db/a b".into(), 10, true)
            ]
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(texts("é x")[1], ("x".into(), 3, false));
    }

    #[test]
    fn control_characters_are_found_by_column_including_c1() {
        let mut out = Vec::new();
        assert_eq!(tokenize("a \u{7f}", &mut out).map_err(|e| e.column), Err(3));
        assert_eq!(tokenize("é\u{85}x", &mut out).map_err(|e| e.column), Err(2));
        assert_eq!(
            tokenize("\"é\u{1}\"", &mut out).map_err(|e| e.column),
            Err(3)
        );
        assert!(tokenize("a\tb \"c\td\"", &mut out).is_ok());
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn unclosed_quote_and_run_on_text_are_errors() {
        let mut out = Vec::new();
        assert_eq!(
            tokenize("keys \"/etc/ntp", &mut out).map_err(|e| e.column),
            Err(6)
        );
        assert_eq!(
            tokenize("keys \"/a\"b", &mut out).map_err(|e| e.column),
            Err(10)
        );
        assert_eq!(
            tokenize("keys a\u{0}b", &mut out).map_err(|e| e.column),
            Err(7)
        );
    }
}
