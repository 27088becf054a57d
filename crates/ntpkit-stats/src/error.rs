//! The one error type of this crate.

use thiserror::Error;

/// Everything that can go wrong when parsing a statistics line, building a record or
/// configuring a file generation set.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum StatsError {
    /// The line ended before the named field.
    #[error("missing field `{field}`")]
    MissingField {
        /// Name of the field that was expected.
        field: &'static str,
    },
    /// The named field is present but not in the format ntpd writes.
    #[error("field `{field}` is malformed")]
    InvalidField {
        /// Name of the malformed field.
        field: &'static str,
    },
    /// More fields follow the last one this record type has.
    #[error("unexpected trailing data after field `{after}`")]
    TrailingData {
        /// Name of the last field that was parsed.
        after: &'static str,
    },
    /// The line is longer than any line ntpd writes ([`crate::MAX_LINE_LEN`]).
    #[error("line of {len} bytes exceeds the {max}-byte limit")]
    LineTooLong {
        /// Length of the offending line.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A free-text field holds a control character (a newline would forge a record).
    #[error("text field contains a control character")]
    ControlCharacter,
    /// The instant lies before MJD 0 or beyond what the record format can name.
    #[error("time is outside the representable range")]
    TimeOutOfRange,
    /// A configuration directive this crate does not know.
    #[error("unknown directive `{0}`")]
    UnknownDirective(String),
    /// A statistics name other than loopstats, peerstats, rawstats, sysstats, clockstats
    /// or cryptostats (plus the names ntpd also accepts, see [`crate::StatsKind`]).
    #[error("unknown statistics name `{0}`")]
    UnknownStatistics(String),
    /// A `filegen ... type T` other than none, pid, day, week, month, year, age.
    #[error("unknown file generation type `{0}`")]
    UnknownFileGenType(String),
    /// A `filegen` option that is not file, type, link, nolink, enable or disable.
    #[error("unknown filegen option `{0}`")]
    UnknownFileGenOption(String),
    /// A file name that would escape the statistics directory (a `..` component) or is
    /// empty; ntpd refuses the same names.
    #[error("file name `{0}` is not allowed")]
    InvalidFileName(String),
    /// The base name of a linked set is taken by something other than a regular file
    /// (a directory, a symbolic link); it is left alone and the set is not linked.
    #[error("`{0}` is not a regular file; not replacing it with the link")]
    BaseNameInUse(String),
    /// No free name was found to save a file that is in the way of the link.
    #[error("no free name to save `{0}`")]
    NoFreeSaveName(String),
}
