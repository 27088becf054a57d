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

/// Splits `line` (without its terminator) into `out`, which is cleared first.
pub(crate) fn tokenize<'a>(line: &'a str, out: &mut Vec<Token<'a>>) -> Result<(), LexError> {
    out.clear();
    let mut chars = line.char_indices().peekable();
    let mut column: u32 = 0;
    while let Some((start, ch)) = chars.next() {
        column = column.saturating_add(1);
        if ch == '#' {
            return Ok(());
        }
        if ch == ' ' || ch == '\t' {
            continue;
        }
        if ch.is_control() {
            return Err(LexError {
                column,
                message: "control character in the line",
                expected: "printable text, blanks or tabs",
            });
        }
        let token_column = column;
        if ch == '"' {
            let body_start = start + 1;
            let mut body_end = None;
            for (i, c) in chars.by_ref() {
                column = column.saturating_add(1);
                if c == '"' {
                    body_end = Some(i);
                    break;
                }
                if c.is_control() && c != '\t' {
                    return Err(LexError {
                        column,
                        message: "control character inside a quoted string",
                        expected: "printable text",
                    });
                }
            }
            let Some(end) = body_end else {
                return Err(LexError {
                    column: token_column,
                    message: "this quoted string is not closed",
                    expected: "a closing '\"' on the same line",
                });
            };
            if let Some(&(_, next)) = chars.peek()
                && next != ' '
                && next != '\t'
                && next != '#'
            {
                return Err(LexError {
                    column: column.saturating_add(1),
                    message: "text runs on after a closing quote",
                    expected: "a blank after the closing quote",
                });
            }
            out.push(Token {
                text: line.get(body_start..end).unwrap_or(""),
                column: token_column,
                quoted: true,
            });
            continue;
        }
        let mut end = line.len();
        while let Some(&(i, c)) = chars.peek() {
            if c == ' ' || c == '\t' || c == '#' {
                end = i;
                break;
            }
            if c.is_control() {
                return Err(LexError {
                    column: column.saturating_add(1),
                    message: "control character in the line",
                    expected: "printable text, blanks or tabs",
                });
            }
            chars.next();
            column = column.saturating_add(1);
        }
        out.push(Token {
            text: line.get(start..end).unwrap_or(""),
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
