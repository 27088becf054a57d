//! Diagnostics: what went wrong (or looks suspicious) in a configuration, and where.
//!
//! Every diagnostic names the file, the 1-based line and column (in characters), carries a copy
//! of the offending line so it can be shown with a caret under the column, and says what was
//! expected there. [`ConfigError`] is the crate's one error type: the list of error diagnostics
//! found in one parse.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Severity {
    /// The configuration is not accepted.
    Error,
    /// The configuration is accepted, but this line deserves attention.
    Warning,
}

/// What kind of problem a diagnostic reports, so that a caller can react to a class of
/// problems (for example, list every refused feature at once) without matching on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// A token is not what the grammar allows here (missing argument, unknown option, bad number).
    Syntax,
    /// A value is well formed but outside the limits the manual gives.
    Range,
    /// The command word is not part of the language (a warning in lenient mode).
    UnknownCommand,
    /// A valid ntpd feature that ntpkit refuses by design (Autokey, mode 7, hardware refclocks).
    Refused,
    /// A line contradicts another line (a `fudge` for a clock that is not configured, ...).
    Conflict,
    /// An `includefile` could not be followed (no loader, loader failure, cycle, depth).
    Include,
    /// The input exceeds a size bound (line length, line count, total size).
    Limit,
    /// A line that is accepted but has no effect in ntpkit.
    NoEffect,
}

/// One problem found in a configuration file, with its position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The class of problem.
    pub kind: DiagnosticKind,
    /// The file name as given to the parser (or returned by the include loader).
    pub file: String,
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in characters (0 when the problem concerns the whole file).
    pub column: u32,
    /// The offending line, without its line terminator (bounded by the line-length limit).
    pub source_line: String,
    /// What is wrong, as one sentence.
    pub message: String,
    /// What the parser expected at this position, when that is a useful hint.
    pub expected: Option<String>,
}

impl Diagnostic {
    /// The line under the source line that puts a caret below [`Diagnostic::column`]. Tabs in
    /// the source before the column are repeated so the caret lines up in a terminal.
    pub fn caret_line(&self) -> String {
        let mut caret = String::new();
        let before = self.column.saturating_sub(1) as usize;
        for ch in self.source_line.chars().take(before) {
            caret.push(if ch == '\t' { '\t' } else { ' ' });
        }
        let shown = self.source_line.chars().count();
        for _ in shown..before {
            caret.push(' ');
        }
        caret.push('^');
        caret
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(
            f,
            "{level}: {}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )?;
        if self.column > 0 {
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            writeln!(f, "{pad} |")?;
            writeln!(f, "{number} | {}", self.source_line)?;
            write!(f, "{pad} | {}", self.caret_line())?;
            if let Some(expected) = &self.expected {
                write!(f, "\n{pad} = expected: {expected}")?;
            }
        } else if let Some(expected) = &self.expected {
            write!(f, "  expected: {expected}")?;
        }
        Ok(())
    }
}

/// The configuration was not accepted. Holds every error found (first one first), up to
/// [`crate::ParseOptions::max_errors`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// One or more lines are invalid or refused; each diagnostic says where and why.
    #[error("{}", render(diagnostics))]
    Invalid {
        /// The errors, in file order (included files at the point of inclusion). Never empty.
        diagnostics: Vec<Diagnostic>,
    },
}

impl ConfigError {
    /// Every error diagnostic, first one first.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ConfigError::Invalid { diagnostics } => diagnostics,
        }
    }

    /// The first error (the one to fix first).
    pub fn first(&self) -> Option<&Diagnostic> {
        self.diagnostics().first()
    }
}

fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, d) in diagnostics.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&d.to_string());
    }
    out
}
