//! What the control responder did, counted.

use ntpkit_access::DropReason;

/// Why a control request got no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ControlSilence {
    /// Not a well-formed mode 6 message.
    Malformed,
    /// A response, an error, a fragment (M bit) or a non-zero offset: not a request.
    NotARequest,
    /// The access policy refused the source (`noquery`, `ignore`, loopback-only default).
    Access(DropReason),
}

/// Running counts of the control responder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ControlCounters {
    /// Requests seen.
    pub received: u64,
    /// Requests answered (data or error).
    pub replied: u64,
    /// Datagrams sent.
    pub fragments_sent: u64,
    /// Malformed requests dropped.
    pub malformed: u64,
    /// Responses or fragments received as requests, dropped.
    pub not_a_request: u64,
    /// Requests the access policy silenced.
    pub refused: u64,
    /// MRU requests without a valid nonce (answered with a 12-byte error).
    pub bad_nonce: u64,
}

impl ControlCounters {
    pub(crate) fn count(&mut self, why: ControlSilence) {
        match why {
            ControlSilence::Malformed => self.malformed += 1,
            ControlSilence::NotARequest => self.not_a_request += 1,
            ControlSilence::Access(_) => self.refused += 1,
        }
    }
}
