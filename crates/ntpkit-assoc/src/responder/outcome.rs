//! What the responder did with a request, and its running counts.

use ntpkit_access::DropReason;
use ntpkit_auth::KeyId;

/// The result of handling one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum ResponderOutcome {
    /// A reply of this many bytes is at the start of the caller's buffer.
    Reply(Reply),
    /// Nothing to send, and why.
    NoReply(NoReplyReason),
}

/// A reply written into the caller's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reply {
    /// Its length in bytes (never more than the request's).
    pub len: usize,
    /// What kind of reply it is.
    pub kind: ReplyKind,
}

/// The kinds of reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplyKind {
    /// Time, without a MAC.
    Time,
    /// Time, signed with the key the request was signed with.
    AuthenticatedTime(KeyId),
    /// Time followed by a crypto-NAK (key id 0, no digest): the request's MAC failed.
    CryptoNak,
    /// A Kiss-o'-Death with this code in the reference id; `Some(key)` when signed.
    Kiss([u8; 4], Option<KeyId>),
}

/// Why a request got no reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoReplyReason {
    /// Too short, or a malformed trailer (bad extension field or MAC length).
    Malformed,
    /// Version 0 or 5..7.
    UnsupportedVersion,
    /// Not a client request (modes 0, 1, 2, 4, 5): not the responder's business.
    NotARequest,
    /// Mode 6 (control, ntpq): dropped until the control protocol is implemented.
    Control,
    /// Mode 7 (ntpdc private): never implemented (CVE-2013-5211 monlist amplification).
    Private,
    /// The access policy said to drop it.
    Access(DropReason),
    /// The request's MAC failed and the responder is configured to stay silent.
    AuthFailed,
    /// The caller's buffer cannot hold the reply.
    BufferTooSmall,
}

/// Running counts of what the responder did (one per responder; sum them across workers).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponderCounters {
    /// Time replies without a MAC.
    pub time: u64,
    /// Time replies with a MAC.
    pub authenticated: u64,
    /// Crypto-NAKs sent.
    pub crypto_naks: u64,
    /// Kisses-o'-Death sent.
    pub kisses: u64,
    /// Requests that were too short or had a malformed trailer.
    pub malformed: u64,
    /// Requests with an unsupported version.
    pub bad_version: u64,
    /// Packets that are not client requests.
    pub not_a_request: u64,
    /// Mode 6 packets dropped.
    pub control: u64,
    /// Mode 7 packets dropped.
    pub private: u64,
    /// Requests the access policy dropped.
    pub access_dropped: u64,
    /// Requests with a failed MAC dropped silently.
    pub auth_failed_silent: u64,
    /// Replies that did not fit the caller's buffer.
    pub buffer_too_small: u64,
    /// Packets of the current version, 4 (sysstats' "current version"), whatever came of them.
    pub current_version: u64,
    /// Packets of versions 1 to 3 (sysstats' "older version").
    pub old_version: u64,
}

impl ResponderCounters {
    pub(crate) fn count(&mut self, outcome: &ResponderOutcome) {
        let c = match outcome {
            ResponderOutcome::Reply(r) => match r.kind {
                ReplyKind::Time => &mut self.time,
                ReplyKind::AuthenticatedTime(_) => &mut self.authenticated,
                ReplyKind::CryptoNak => &mut self.crypto_naks,
                ReplyKind::Kiss(..) => &mut self.kisses,
            },
            ResponderOutcome::NoReply(reason) => match reason {
                NoReplyReason::Malformed => &mut self.malformed,
                NoReplyReason::UnsupportedVersion => &mut self.bad_version,
                NoReplyReason::NotARequest => &mut self.not_a_request,
                NoReplyReason::Control => &mut self.control,
                NoReplyReason::Private => &mut self.private,
                NoReplyReason::Access(_) => &mut self.access_dropped,
                NoReplyReason::AuthFailed => &mut self.auth_failed_silent,
                NoReplyReason::BufferTooSmall => &mut self.buffer_too_small,
            },
        };
        *c = c.saturating_add(1);
    }

    /// Replies of every kind.
    pub fn replies(&self) -> u64 {
        self.time + self.authenticated + self.crypto_naks + self.kisses
    }

    /// Requests not answered, for every reason.
    pub fn dropped(&self) -> u64 {
        self.malformed
            + self.bad_version
            + self.not_a_request
            + self.control
            + self.private
            + self.access_dropped
            + self.auth_failed_silent
            + self.buffer_too_small
    }
}

impl core::ops::AddAssign for ResponderCounters {
    fn add_assign(&mut self, o: Self) {
        self.time += o.time;
        self.authenticated += o.authenticated;
        self.crypto_naks += o.crypto_naks;
        self.kisses += o.kisses;
        self.malformed += o.malformed;
        self.bad_version += o.bad_version;
        self.not_a_request += o.not_a_request;
        self.control += o.control;
        self.private += o.private;
        self.access_dropped += o.access_dropped;
        self.auth_failed_silent += o.auth_failed_silent;
        self.buffer_too_small += o.buffer_too_small;
        self.current_version += o.current_version;
        self.old_version += o.old_version;
    }
}
