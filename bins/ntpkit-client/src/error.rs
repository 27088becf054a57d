//! What can go wrong in a query, each with its own exit code.

use ntpkit_assoc::Rejection;
use ntpkit_wire::KissCode;

/// A failed query.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ClientError {
    /// The name did not resolve.
    #[error("cannot resolve {host}: {reason}")]
    Resolve { host: String, reason: String },
    /// No acceptable reply in time.
    #[error("no reply from {server} within {seconds} s{}{}", last_rejection(.rejected), key_hint(.key_id))]
    Timeout {
        server: String,
        seconds: f64,
        rejected: Option<Rejection>,
        key_id: Option<u32>,
    },
    /// The server sent a Kiss-o'-Death.
    #[error("{server} sent a Kiss-o'-Death: {code} ({meaning})")]
    Kiss {
        server: String,
        code: KissCode,
        meaning: &'static str,
    },
    /// Every reply failed authentication.
    #[error("reply from {server} failed authentication: {rejection}")]
    BadMac {
        server: String,
        rejection: Rejection,
    },
    /// Key file or key id problem.
    #[error("{0}")]
    Keys(String),
    /// `-S`/`-s` without the privilege to set the clock: found before querying, or the
    /// kernel's `EPERM`.
    #[error("{0}")]
    ClockRefused(String),
    /// `-S`/`-s`: the clock was not adjusted for another reason (unsynchronised server,
    /// slew out of range, the kernel refusing the value).
    #[error("{0}")]
    NotAdjusted(String),
    /// Socket trouble.
    #[error("{0}")]
    Io(String),
}

fn last_rejection(r: &Option<Rejection>) -> String {
    r.as_ref()
        .map(|r| format!(" (last reply dropped: {r})"))
        .unwrap_or_default()
}

/// chronyd and ntpd answer a request whose MAC they cannot verify with silence, so a wrong
/// key usually looks like a timeout: say so.
fn key_hint(key_id: &Option<u32>) -> String {
    key_id
        .map(|k| {
            format!(
                "; servers stay silent when the request's MAC does not verify: check that key {k} and its secret match the server's"
            )
        })
        .unwrap_or_default()
}

impl ClientError {
    /// The process exit code (documented in README.md).
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Self::Io(_) => 1,
            Self::Resolve { .. } => 3,
            Self::Timeout { .. } => 4,
            Self::Kiss { .. } => 5,
            Self::BadMac { .. } => 6,
            Self::Keys(_) => 7,
            Self::ClockRefused(_) => 8,
            Self::NotAdjusted(_) => 9,
        }
    }
}
