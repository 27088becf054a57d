//! What the caller controls: strictness, size bounds, and how `includefile` is followed.

use crate::diagnostic::Diagnostic;
use crate::model::NtpConfig;

/// Parser settings. `ParseOptions::default()` is strict with generous bounds; use
/// `ParseOptions { lenient: true, ..ParseOptions::default() }` when migrating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    /// Unknown commands become warnings instead of errors (for migrating a config that uses
    /// ntpd features outside this language). Everything else stays an error.
    pub lenient: bool,
    /// Deepest `includefile` nesting followed (the main file is depth 0).
    pub max_include_depth: u32,
    /// Most lines read, counting every included file.
    pub max_lines: u32,
    /// Longest line accepted, in bytes.
    pub max_line_len: usize,
    /// Most bytes read, counting every included file.
    pub max_total_bytes: usize,
    /// Most error diagnostics collected before parsing stops.
    pub max_errors: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            lenient: false,
            max_include_depth: 8,
            max_lines: 200_000,
            max_line_len: 4096,
            max_total_bytes: 16 * 1024 * 1024,
            max_errors: 64,
        }
    }
}

/// A file returned by an [`IncludeLoader`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Included {
    /// The name diagnostics should use and cycle detection compares (a loader that touches
    /// the file system should return a canonical path here).
    pub name: String,
    /// The file's text.
    pub text: String,
}

/// Supplies the text of `includefile` targets. The crate does no I/O: the caller decides
/// where files come from (the file system, an embedded table, a test fixture).
pub trait IncludeLoader {
    /// Loads `path` as written on an `includefile` line of the file named `from`. The error
    /// is one sentence for the diagnostic ("No such file or directory").
    fn load(&mut self, from: &str, path: &str) -> Result<Included, String>;
}

impl<F> IncludeLoader for F
where
    F: FnMut(&str, &str) -> Result<Included, String>,
{
    fn load(&mut self, from: &str, path: &str) -> Result<Included, String> {
        self(from, path)
    }
}

/// A configuration that was accepted, with the warnings found on the way.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Parsed {
    /// The typed configuration.
    pub config: NtpConfig,
    /// Warnings: lines accepted without effect, unknown commands in lenient mode.
    pub warnings: Vec<Diagnostic>,
}
