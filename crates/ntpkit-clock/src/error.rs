//! The one error type of this crate.

/// What went wrong in the clock layer; each variant is something a caller can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClockError {
    /// A leap-seconds file line could not be understood (1-based line number).
    #[error("leap-seconds file line {line}: {reason}")]
    LeapFileSyntax {
        /// 1-based line number.
        line: usize,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// The leap-seconds file has no `#h` line or its SHA-1 hash does not match the data:
    /// the file is corrupt or was edited; fetch a fresh copy.
    #[error("leap-seconds file hash missing or wrong")]
    LeapFileHash,
    /// The leap-seconds file has no `#@` expiry line.
    #[error("leap-seconds file has no expiry (#@) line")]
    LeapFileNoExpiry,
    /// A drift file did not hold one frequency in PPM within +-500 PPM.
    #[error("drift file does not hold a frequency within +-500 PPM")]
    DriftFile,
    /// An option was outside its allowed range (name of the option).
    #[error("clock option {0} out of range")]
    Option(&'static str),
}
