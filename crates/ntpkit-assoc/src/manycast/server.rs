//! The manycast server rule (ntp.conf `manycastserver`; ntpd's `receive()` for a client
//! packet that arrived on a multicast group): answer by unicast, only when synchronised
//! and not worse in stratum than the client, authenticated when the request is.

use ntpkit_access::Decision;
use ntpkit_auth::KeyStore;
use ntpkit_wire::{LeapIndicator, Mode, NtpHeader, NtpTimestamp, Stratum};

use crate::responder::{
    Inspection, NoReplyReason, Reply, ReplyKind, Request, Responder, ResponderConfig,
    ResponderCounters, ServerState,
};

/// Why a manycast request got no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManycastSilence {
    /// Not a well-formed client (mode 3) request: nothing else is answered on a group.
    NotARequest,
    /// We are not synchronised (leap 3 or stratum outside 1..=15): never advertise
    /// ourselves to a searching client then.
    NotSynchronized,
    /// Our stratum is worse (higher) than the client's: we cannot help it.
    StratumWorse {
        /// Ours.
        ours: Stratum,
        /// The client's (0 read as 16, unsynchronised).
        theirs: Stratum,
    },
    /// The access policy would have kissed: a searching client learns nothing from a
    /// kiss, so a group request gets silence instead.
    KissSuppressed,
    /// The responder refused it (access, failed MAC, ...).
    Responder(NoReplyReason),
}

/// Counts of the manycast rule's own refusals (the responder counts the rest).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ManycastServerCounters {
    /// Requests left unanswered because we were not synchronised.
    pub not_synchronized: u64,
    /// Requests from clients of a better stratum than ours.
    pub stratum_worse: u64,
    /// Kisses not sent.
    pub kisses_suppressed: u64,
    /// Datagrams on the group that were not client requests.
    pub not_a_request: u64,
}

/// What [`ManycastServer::respond`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum ManycastServerOutcome {
    /// Send this reply by unicast (from a unicast address, never the group) to the
    /// request's source.
    Reply(Reply),
    /// Nothing to send, and why.
    Silent(ManycastSilence),
}

/// Answers requests that arrived on a manycast group; requests to our unicast address go to
/// a plain [`Responder`].
///
/// ```
/// use ntpkit_access::Decision;
/// use ntpkit_assoc::manycast::{ManycastServer, ManycastServerOutcome, ManycastSilence};
/// use ntpkit_assoc::{Request, ServerState};
/// use ntpkit_auth::KeyStore;
/// use ntpkit_wire::{NtpHeader, NtpTimestamp, Precision, ReferenceId, Stratum};
///
/// let t = NtpTimestamp::from_unix(1_700_000_000, 0);
/// let mut request = [0u8; 48];
/// NtpHeader::client_request(t).emit(&mut request).unwrap();
/// let from = "192.0.2.9:40000".parse().unwrap();
/// let mut server = ManycastServer::default();
/// let mut out = [0u8; 48];
///
/// // Unsynchronised: silent.
/// let state = ServerState::unsynchronized(Precision(-20));
/// let o = server.respond(&Request::new(&request, from, t), &state, &KeyStore::new(),
///     |_, _| Decision::Serve, &mut out, || t);
/// assert_eq!(o, ManycastServerOutcome::Silent(ManycastSilence::NotSynchronized));
///
/// // Synchronised at stratum 2: an answer.
/// let state = ServerState::local_reference(Stratum(2), ReferenceId(*b"LOCL"), Precision(-20));
/// let o = server.respond(&Request::new(&request, from, t), &state, &KeyStore::new(),
///     |_, _| Decision::Serve, &mut out, || t);
/// assert!(matches!(o, ManycastServerOutcome::Reply(r) if r.len == 48));
/// ```
#[derive(Clone, Debug, Default)]
pub struct ManycastServer {
    responder: Responder,
    counters: ManycastServerCounters,
}

impl ManycastServer {
    /// A manycast server whose replies follow `config` (what a failed MAC gets).
    pub fn new(config: ResponderConfig) -> Self {
        Self {
            responder: Responder::new(config),
            counters: ManycastServerCounters::default(),
        }
    }

    /// The responder's counters (replies, authenticated replies, refusals).
    pub fn responder_counters(&self) -> &ResponderCounters {
        self.responder.counters()
    }

    /// The manycast rule's own counters.
    pub fn counters(&self) -> ManycastServerCounters {
        self.counters
    }

    /// Answers one request received on a manycast group, as [`Responder::respond`] does,
    /// after the manycast rule: synchronised, and our stratum not worse than the client's.
    /// A signed request gets a reply signed with the same key; a failed MAC gets nothing
    /// (or a crypto-NAK if so configured), never time that looks authenticated.
    pub fn respond(
        &mut self,
        request: &Request<'_>,
        state: &ServerState,
        keys: &KeyStore,
        decide: impl FnOnce(&Request<'_>, &Inspection) -> Decision,
        out: &mut [u8],
        transmit_clock: impl FnOnce() -> NtpTimestamp,
    ) -> ManycastServerOutcome {
        let header = match NtpHeader::parse(request.bytes) {
            Ok(h) if h.mode == Mode::Client => h,
            _ => {
                self.counters.not_a_request += 1;
                return ManycastServerOutcome::Silent(ManycastSilence::NotARequest);
            }
        };
        if state.leap == LeapIndicator::Unsynchronized || !state.stratum.is_synchronized() {
            self.counters.not_synchronized += 1;
            return ManycastServerOutcome::Silent(ManycastSilence::NotSynchronized);
        }
        let theirs = if header.stratum.is_synchronized() {
            header.stratum
        } else {
            Stratum::UNSYNCHRONIZED
        };
        if state.stratum.0 > theirs.0 {
            self.counters.stratum_worse += 1;
            return ManycastServerOutcome::Silent(ManycastSilence::StratumWorse {
                ours: state.stratum,
                theirs,
            });
        }
        match self
            .responder
            .respond(request, state, keys, decide, out, transmit_clock)
        {
            crate::ResponderOutcome::Reply(Reply {
                kind: ReplyKind::Kiss(..),
                ..
            }) => {
                self.counters.kisses_suppressed += 1;
                ManycastServerOutcome::Silent(ManycastSilence::KissSuppressed)
            }
            crate::ResponderOutcome::Reply(r) => ManycastServerOutcome::Reply(r),
            crate::ResponderOutcome::NoReply(why) => {
                ManycastServerOutcome::Silent(ManycastSilence::Responder(why))
            }
        }
    }
}
