//! A cursor over the tokens of one command line, with the typed readers every command uses
//! (integers and floats with limits, paths, key ids) and the problem values they return.

use crate::KeyId;
use crate::diagnostic::DiagnosticKind;
use crate::lexer::Token;
use crate::model::text::ConfigText;

/// A problem on the current line, before it is given a file, line and source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) kind: DiagnosticKind,
    pub(crate) column: u32,
    pub(crate) message: String,
    pub(crate) expected: Option<String>,
}

impl Problem {
    pub(crate) fn new(kind: DiagnosticKind, column: u32, message: impl Into<String>) -> Self {
        Problem {
            kind,
            column,
            message: message.into(),
            expected: None,
        }
    }

    pub(crate) fn syntax(column: u32, message: impl Into<String>) -> Self {
        Problem::new(DiagnosticKind::Syntax, column, message)
    }

    pub(crate) fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }
}

/// Result of reading one command line.
pub(crate) type LineResult<T = ()> = Result<T, Problem>;

/// A token's text for a message: at most 40 characters, so diagnostics stay bounded.
pub(crate) fn shown(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if text.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

/// The tokens of one line after the command word.
pub(crate) struct Cursor<'t, 'a> {
    tokens: &'t [Token<'a>],
    next: usize,
    /// The command word, for messages.
    pub(crate) command: &'a str,
    /// Column just after the command word (where a missing first argument belongs).
    command_end: u32,
}

impl<'t, 'a> Cursor<'t, 'a> {
    pub(crate) fn new(command: Token<'a>, tokens: &'t [Token<'a>]) -> Self {
        Cursor {
            tokens,
            next: 0,
            command: command.text,
            command_end: end_of(command),
        }
    }

    /// The next token, consumed.
    pub(crate) fn next_token(&mut self) -> Option<Token<'a>> {
        let token = self.tokens.get(self.next).copied();
        if token.is_some() {
            self.next += 1;
        }
        token
    }

    /// The next token, not consumed.
    pub(crate) fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.next).copied()
    }

    /// Whether every token has been read.
    pub(crate) fn at_end(&self) -> bool {
        self.next >= self.tokens.len()
    }

    /// The column just after the last token of the line (where a missing argument belongs).
    pub(crate) fn end_column(&self) -> u32 {
        self.tokens.last().map_or(self.command_end, |t| end_of(*t))
    }

    /// The next token, or a "missing" problem naming `what` (e.g. "a file name").
    pub(crate) fn value(&mut self, after: &str, what: &str) -> LineResult<Token<'a>> {
        let column = self.end_column();
        self.next_token().ok_or_else(|| {
            Problem::syntax(column, format!("`{after}` needs {what}")).expected(what.to_string())
        })
    }

    /// Fails if tokens remain.
    pub(crate) fn finish(&self) -> LineResult {
        match self.peek() {
            None => Ok(()),
            Some(t) => Err(Problem::syntax(
                t.column,
                format!(
                    "unexpected `{}` at the end of `{}`",
                    shown(t.text),
                    self.command
                ),
            )
            .expected("the end of the line")),
        }
    }

    /// A path or other free-text argument.
    pub(crate) fn text(&mut self, after: &str, what: &str) -> LineResult<ConfigText> {
        let token = self.value(after, what)?;
        ConfigText::new(token.text)
            .map_err(|why| Problem::syntax(token.column, why).expected(what.to_string()))
    }
}

/// The column just after `t`.
fn end_of(t: Token<'_>) -> u32 {
    let len = t.text.chars().count() as u32 + if t.quoted { 2 } else { 0 };
    t.column.saturating_add(len)
}

/// An unsigned decimal integer within `min..=max`.
pub(crate) fn integer(token: Token<'_>, min: u64, max: u64, what: &str) -> LineResult<u64> {
    let expected = || format!("{what}: an integer from {min} to {max}");
    let digits_ok = !token.text.is_empty()
        && token.text.len() <= 20
        && token.text.bytes().all(|b| b.is_ascii_digit());
    if !digits_ok {
        return Err(Problem::syntax(
            token.column,
            format!("`{}` is not a whole number", shown(token.text)),
        )
        .expected(expected()));
    }
    match token.text.parse::<u64>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(Problem::new(
            DiagnosticKind::Range,
            token.column,
            format!("{what} {} is out of range", shown(token.text)),
        )
        .expected(expected())),
    }
}

/// A finite decimal number within `min..=max` (no `inf`, no `nan`, no hex).
pub(crate) fn float(token: Token<'_>, min: f64, max: f64, what: &str) -> LineResult<f64> {
    let expected = || format!("{what}: a number from {min} to {max}");
    let chars_ok = token.text.len() <= 64
        && token.text.bytes().any(|b| b.is_ascii_digit())
        && token
            .text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    let value = if chars_ok {
        token.text.parse::<f64>().ok()
    } else {
        None
    };
    match value {
        None => Err(Problem::syntax(
            token.column,
            format!("`{}` is not a number", shown(token.text)),
        )
        .expected(expected())),
        Some(v) if v.is_finite() && v >= min && v <= max => Ok(v),
        Some(_) => Err(Problem::new(
            DiagnosticKind::Range,
            token.column,
            format!("{what} {} is out of range", shown(token.text)),
        )
        .expected(expected())),
    }
}

/// A symmetric key id, 1..=65534 (ntp.conf(5), `trustedkey`).
pub(crate) fn key_id(token: Token<'_>, what: &str) -> LineResult<KeyId> {
    let value = integer(token, 1, 65534, what)?;
    u32::try_from(value)
        .ok()
        .and_then(KeyId::new)
        .ok_or_else(|| Problem::new(DiagnosticKind::Range, token.column, "key id out of range"))
}

/// Fails when an option was already given on this line.
pub(crate) fn once<T>(slot: &Option<T>, token: Token<'_>) -> LineResult {
    if slot.is_some() {
        return Err(Problem::syntax(
            token.column,
            format!("`{}` is given twice on this line", shown(token.text)),
        )
        .expected("each option at most once"));
    }
    Ok(())
}
