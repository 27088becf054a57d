//! The server side of client/server mode (RFC 5905 section 9.2 "fast transmit"): a mode 3
//! request in, a mode 4 reply (or a Kiss-o'-Death, or nothing) out. Sans-IO and allocation
//! free: the caller brings the bytes, the receive time, the keys, the access decision and a
//! clock to read at the last moment; the reply is written into the caller's buffer.

mod inspect;
mod outcome;
mod reply;
mod state;

pub use inspect::Inspection;
pub use outcome::{NoReplyReason, Reply, ReplyKind, ResponderCounters, ResponderOutcome};
pub use state::{ReferenceTime, ServerState};

use core::net::SocketAddr;

use ntpkit_access::{AuthStatus, Decision, DropReason};
use ntpkit_auth::KeyStore;
use ntpkit_wire::NtpTimestamp;

/// What to send when a request's MAC fails (whether the access policy said serve, or
/// refused it for that reason alone: `Decision::Drop(DropReason::AuthFailed)`).
///
/// The default is silence: a badly signed request, possibly from a spoofed source, costs
/// us nothing to send, and the access policy can still answer a CRYP kiss where KoD is on.
/// NTPsec's ntpdig 1.2.2 also crashes (`AttributeError` in `read_append`) on any reply whose
/// MAC fails to verify, crypto-NAKs included. `CryptoNak` is ntpd's behaviour, for
/// operators who want clients to learn that their key was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FailedMacReply {
    /// A time reply followed by a crypto-NAK (a 4-byte zero key id, RFC 5905 section 7.3),
    /// as ntpd does. It carries no valid MAC, so it authenticates nothing, and it is never
    /// larger than the request, which carried a MAC of at least 16 bytes.
    CryptoNak,
    /// No reply at all (the default).
    #[default]
    Silent,
}

/// How the responder behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ResponderConfig {
    /// What to send when a request's MAC fails (default: nothing).
    pub failed_mac: FailedMacReply,
}

/// One received request, as the runtime hands it over.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Request<'a> {
    /// The datagram.
    pub bytes: &'a [u8],
    /// Who sent it.
    pub source: SocketAddr,
    /// When it arrived (ideally the kernel's receive timestamp).
    pub received: NtpTimestamp,
}

impl<'a> Request<'a> {
    /// A request of `bytes` from `source`, received at `received`.
    pub fn new(bytes: &'a [u8], source: SocketAddr, received: NtpTimestamp) -> Self {
        Self {
            bytes,
            source,
            received,
        }
    }
}

/// The server responder. Holds only its configuration and counters: one per worker thread.
///
/// ```
/// use ntpkit_access::Decision;
/// use ntpkit_assoc::{Request, Responder, ResponderOutcome, ServerState};
/// use ntpkit_auth::KeyStore;
/// use ntpkit_wire::{NtpHeader, NtpPacket, NtpTimestamp, Precision, ReferenceId, Stratum};
///
/// let t1 = NtpTimestamp::from_unix(1_700_000_000, 0);
/// let mut request = [0u8; 48];
/// NtpHeader::client_request(t1).emit(&mut request).unwrap();
///
/// let state = ServerState::local_reference(Stratum(3), ReferenceId(*b"LOCL"), Precision(-20));
/// let received = NtpTimestamp::from_unix(1_700_000_000, 500_000);
/// let mut responder = Responder::default();
/// let mut reply = [0u8; 48];
/// let outcome = responder.respond(
///     &Request::new(&request, "192.0.2.1:123".parse().unwrap(), received),
///     &state,
///     &KeyStore::new(),
///     |_request, _inspection| Decision::Serve,
///     &mut reply,
///     || NtpTimestamp::from_unix(1_700_000_000, 600_000),
/// );
/// let ResponderOutcome::Reply(r) = outcome else { panic!("{outcome:?}") };
/// let packet = NtpPacket::new_checked(&reply[..r.len]).unwrap();
/// assert_eq!(packet.origin_timestamp(), t1);
/// assert_eq!(packet.receive_timestamp(), received);
/// assert_eq!(packet.stratum(), Stratum(3));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Responder {
    config: ResponderConfig,
    counters: ResponderCounters,
}

impl Responder {
    /// A responder with `config`.
    pub fn new(config: ResponderConfig) -> Self {
        Self {
            config,
            counters: ResponderCounters::default(),
        }
    }

    /// What it has done so far.
    pub fn counters(&self) -> &ResponderCounters {
        &self.counters
    }

    /// Takes the counters, leaving zeros (for periodic aggregation across workers).
    pub fn take_counters(&mut self) -> ResponderCounters {
        core::mem::take(&mut self.counters)
    }

    /// Answers one request.
    ///
    /// `decide` is the access policy, asked once per well-formed client request with what
    /// it needs (source, kind, authentication); it is not asked about mode 6/7 or malformed
    /// packets. `transmit_clock` is read after everything else is written and before the
    /// MAC is computed, so the transmit timestamp is as late as the MAC allows.
    pub fn respond(
        &mut self,
        request: &Request<'_>,
        state: &ServerState,
        keys: &KeyStore,
        decide: impl FnOnce(&Request<'_>, &Inspection) -> Decision,
        out: &mut [u8],
        transmit_clock: impl FnOnce() -> NtpTimestamp,
    ) -> ResponderOutcome {
        let outcome = self.respond_uncounted(request, state, keys, decide, out, transmit_clock);
        self.counters.count(&outcome);
        // ntpd's sysstats split packets by the version field (bits 3-5 of the first byte).
        match request.bytes.first().map(|b| (b >> 3) & 0x7) {
            Some(4) => self.counters.current_version += 1,
            Some(1..=3) => self.counters.old_version += 1,
            _ => {}
        }
        outcome
    }

    fn respond_uncounted(
        &self,
        request: &Request<'_>,
        state: &ServerState,
        keys: &KeyStore,
        decide: impl FnOnce(&Request<'_>, &Inspection) -> Decision,
        out: &mut [u8],
        transmit_clock: impl FnOnce() -> NtpTimestamp,
    ) -> ResponderOutcome {
        let inspection = match inspect::inspect(request.bytes, keys) {
            Ok(i) => i,
            Err(reason) => return ResponderOutcome::NoReply(reason),
        };
        let written = match decide(request, &inspection) {
            // An access policy refuses a failed MAC itself (ntpkit-access drops it, or kisses
            // CRYP where KoD is on); the reply to it is this responder's documented choice.
            Decision::Drop(DropReason::AuthFailed)
                if inspection.auth == AuthStatus::Failed
                    && self.config.failed_mac == FailedMacReply::CryptoNak =>
            {
                reply::time(request, &inspection, state, keys, out, transmit_clock)
            }
            Decision::Drop(reason) => {
                return ResponderOutcome::NoReply(NoReplyReason::Access(reason));
            }
            Decision::Kiss(code) => {
                reply::kiss(request, &inspection, state, code.to_bytes(), keys, out)
            }
            Decision::Serve => match (inspection.auth, self.config.failed_mac) {
                (AuthStatus::Failed, FailedMacReply::Silent) => {
                    return ResponderOutcome::NoReply(NoReplyReason::AuthFailed);
                }
                _ => reply::time(request, &inspection, state, keys, out, transmit_clock),
            },
        };
        match written {
            // Never more than the request: no amplification (CVE-2013-5211). Holds by
            // construction (our MAC is the request's key's length, or a 4-byte NAK in place of
            // a longer MAC); checked anyway because it is the one rule a server must not break.
            Some(r) if r.len <= request.bytes.len() => ResponderOutcome::Reply(r),
            _ => ResponderOutcome::NoReply(NoReplyReason::BufferTooSmall),
        }
    }
}
