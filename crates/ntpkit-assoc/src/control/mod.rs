//! The server side of the NTP control protocol (mode 6, RFC 9327; what `ntpq` speaks),
//! sans-IO: a request in, zero or more response fragments out through the caller's `send`.
//!
//! Rules (each has a test in `tests/control.rs`):
//! - a source the access policy refuses queries (`noquery`, `ignore`, or any non-loopback
//!   source when [`ControlConfig::loopback_only`]) gets nothing at all, not even an error
//!   or a nonce;
//! - writes (opcodes 3, 5, 6, 8, 9, 31) need a MAC by the `controlkey`; otherwise, or under
//!   `nomodify`, an error response of the request's size or less;
//! - the MRU list is sent only to a requester echoing a valid nonce (proof it receives at
//!   its address); without one the answer is a 12-byte error (no amplification);
//! - responses longer than 468 bytes are split into fragments with the M bit and offsets;
//!   the whole response is bounded ([`MAX_RESPONSE_FRAGMENTS`]);
//! - requests that are responses, fragments or malformed are dropped and counted.
//!
//! ```
//! use ntpkit_access::Decision;
//! use ntpkit_assoc::ServerState;
//! use ntpkit_assoc::control::{ControlConfig, ControlRequest, ControlResponder, SystemInfo};
//! use ntpkit_auth::KeyStore;
//! use ntpkit_wire::{NtpTimestamp, Precision, ReferenceId, Stratum};
//!
//! let state = ServerState::local_reference(Stratum(1), ReferenceId(*b"GPS\0"), Precision(-20));
//! let now = NtpTimestamp::from_unix(1_800_000_000, 0);
//! let mut control = ControlResponder::new(ControlConfig::default(), [7; 32]);
//! // `ntpq -c "rv 0 stratum"`: READVAR (opcode 2), sequence 1, 7 bytes of data.
//! let mut request = vec![0x16, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7];
//! request.extend_from_slice(b"stratum\0");
//! let mut answers = Vec::new();
//! let _ = control.respond(
//!     &ControlRequest::new(&request, "127.0.0.1:5000".parse().unwrap(), now, true),
//!     &SystemInfo::new(&state, now),
//!     &KeyStore::new(),
//!     |_, _| Decision::Serve,
//!     Vec::new,
//!     |datagram| answers.push(datagram.to_vec()),
//! );
//! assert_eq!(answers.len(), 1);
//! assert_eq!(&answers[0][12..21], b"stratum=1");
//! ```

mod counters;
mod mru;
mod nonce;
mod peer;
mod system;
mod text;

use std::net::SocketAddr;

use ntpkit_access::{AuthStatus, Decision, DropReason, PacketKind};
use ntpkit_auth::{KeyId, KeyStore, verify};
use ntpkit_wire::{CONTROL_MAX_DATA_LEN, ControlMessage, ControlOpcode, NtpTimestamp};

pub use counters::{ControlCounters, ControlSilence};
pub use mru::MruRow;
pub use nonce::NONCE_LIFETIME_SECS;
pub use peer::{FILTER_STAGES, PeerInfo};
pub use system::SystemInfo;

use nonce::NonceKey;
use text::{Text, items};

/// The most fragments one response is split into (ntpq accepts up to 32).
pub const MAX_RESPONSE_FRAGMENTS: usize = 16;

/// Associations listed by one READSTAT: 117 fit one 468-byte fragment; more than any
/// host polls.
const MAX_LISTED_PEERS: usize = 468 / 4;

/// The largest datagram the responder sends: header, data, padding.
pub const MAX_FRAGMENT_LEN: usize = 12 + CONTROL_MAX_DATA_LEN;

/// Error codes of RFC 9327 section 2.4 (the high byte of the status of an error response).
mod code {
    pub(super) const PERMISSION: u8 = 1;
    pub(super) const BAD_FORMAT: u8 = 2;
    pub(super) const BAD_OP: u8 = 3;
    pub(super) const BAD_ASSOC: u8 = 4;
    pub(super) const UNKNOWN_VAR: u8 = 5;
    pub(super) const BAD_VALUE: u8 = 6;
}

/// How the control responder is set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ControlConfig {
    /// Answer only sources on the loopback interface (NTPsec's default when no restrict
    /// line is configured).
    pub loopback_only: bool,
    /// The key that authorises writes (`controlkey`); none = no writes at all.
    pub control_key: Option<KeyId>,
    /// The most datagrams one response may take (1 to [`MAX_RESPONSE_FRAGMENTS`]); a caller
    /// that can send only one datagram per request sets 1, and longer answers are then cut
    /// at whole variables (MRU rows) instead of being fragmented.
    pub max_fragments: usize,
}

impl Default for ControlConfig {
    fn default() -> Self {
        Self {
            loopback_only: false,
            control_key: None,
            max_fragments: MAX_RESPONSE_FRAGMENTS,
        }
    }
}

impl ControlConfig {
    fn fragments(&self) -> usize {
        self.max_fragments.clamp(1, MAX_RESPONSE_FRAGMENTS)
    }
}

/// One received control request.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ControlRequest<'a> {
    /// The datagram.
    pub bytes: &'a [u8],
    /// Where it came from.
    pub source: SocketAddr,
    /// When it arrived.
    pub received: NtpTimestamp,
    /// Whether it arrived on the loopback interface.
    pub loopback: bool,
}

impl<'a> ControlRequest<'a> {
    /// A request received at `received` from `source`; `loopback` tells whether it came in
    /// on the loopback interface (a loopback address elsewhere is spoofed).
    pub fn new(
        bytes: &'a [u8],
        source: SocketAddr,
        received: NtpTimestamp,
        loopback: bool,
    ) -> Self {
        Self {
            bytes,
            source,
            received,
            loopback,
        }
    }
}

/// What the responder did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum ControlOutcome {
    /// Sent this many fragments, this many bytes in all.
    Replied {
        /// Datagrams passed to `send`.
        fragments: usize,
        /// Their total length.
        bytes: usize,
    },
    /// Nothing sent, and why.
    Silent(ControlSilence),
}

/// The mode 6 server: issues nonces, answers reads, refuses what it must.
#[derive(Debug)]
pub struct ControlResponder {
    config: ControlConfig,
    nonces: NonceKey,
    counters: ControlCounters,
}

/// One response under construction: the request it answers and what was sent so far.
struct Reply<'r> {
    request: ControlMessage<'r>,
    leap: u8,
    fragments: usize,
    bytes: usize,
}

impl ControlResponder {
    /// A responder whose nonces are keyed with `secret` (take it from a CSPRNG; a new secret
    /// invalidates every outstanding nonce).
    pub fn new(config: ControlConfig, secret: [u8; 32]) -> Self {
        Self {
            config,
            nonces: NonceKey::new(secret),
            counters: ControlCounters::default(),
        }
    }

    /// The running counts.
    pub fn counters(&self) -> &ControlCounters {
        &self.counters
    }

    /// Handles one control request. `decide` is the access policy; `mru_rows` is called
    /// only for a READ_MRU request with a valid nonce (return at most a few hundred rows);
    /// `send` receives each response datagram in order.
    pub fn respond(
        &mut self,
        request: &ControlRequest<'_>,
        system: &SystemInfo<'_>,
        keys: &KeyStore,
        mut decide: impl FnMut(PacketKind, AuthStatus) -> Decision,
        mru_rows: impl FnOnce() -> Vec<MruRow>,
        mut send: impl FnMut(&[u8]),
    ) -> ControlOutcome {
        self.counters.received += 1;
        let silent = |this: &mut Self, why| {
            this.counters.count(why);
            ControlOutcome::Silent(why)
        };
        let Ok(message) = ControlMessage::parse(request.bytes) else {
            return silent(self, ControlSilence::Malformed);
        };
        if message.response || message.error || message.more || message.offset != 0 {
            return silent(self, ControlSilence::NotARequest);
        }
        let auth = self.authenticate(&message, request.bytes, keys);
        let opcode = message.opcode;
        let kind = kind_of(opcode);
        if self.config.loopback_only && !request.loopback {
            return silent(self, ControlSilence::Access(DropReason::NoQuery));
        }
        // `noquery` silences everything, writes included; other refusals of a write get an
        // error (ntpd answers `nomodify` with a permission error).
        let refused = match decide(kind, auth) {
            Decision::Serve => None,
            Decision::Drop(DropReason::NoModify | DropReason::UnauthenticatedWrite)
                if kind == PacketKind::ControlWrite =>
            {
                Some(code::PERMISSION)
            }
            Decision::Drop(reason) => return silent(self, ControlSilence::Access(reason)),
            Decision::Kiss(_) => return silent(self, ControlSilence::Access(DropReason::NoQuery)),
        };
        let mut reply = Reply {
            request: message,
            leap: system.state.leap.to_bits(),
            fragments: 0,
            bytes: 0,
        };
        let status = system.status_word();
        if let Some(code) = refused {
            reply.error(code, &mut send);
            return self.done(reply);
        }
        match opcode {
            ControlOpcode::READ_STATUS => self.read_status(&mut reply, system, status, &mut send),
            ControlOpcode::READ_VARIABLES => {
                self.read_variables(&mut reply, system, status, &mut send)
            }
            ControlOpcode::REQUEST_NONCE => {
                let nonce = self.nonces.issue(request.source.ip(), request.received);
                let mut text = Text::new(CONTROL_MAX_DATA_LEN);
                text.pair("nonce", format_args!("{nonce}"));
                reply.data(0, text.as_bytes(), &mut send);
            }
            ControlOpcode::READ_MRU => self.read_mru(&mut reply, request, mru_rows, &mut send),
            _ if kind == PacketKind::ControlWrite => {
                // Authorised, but runtime writes are not implemented.
                let code = if auth == AuthStatus::Valid {
                    code::BAD_OP
                } else {
                    code::PERMISSION
                };
                reply.error(code, &mut send);
            }
            _ => reply.error(code::BAD_OP, &mut send),
        }
        self.done(reply)
    }

    fn done(&mut self, reply: Reply<'_>) -> ControlOutcome {
        self.counters.replied += 1;
        self.counters.fragments_sent += reply.fragments as u64;
        ControlOutcome::Replied {
            fragments: reply.fragments,
            bytes: reply.bytes,
        }
    }

    /// A write is authorised only by a valid MAC with the `controlkey`.
    fn authenticate(
        &self,
        message: &ControlMessage<'_>,
        bytes: &[u8],
        keys: &KeyStore,
    ) -> AuthStatus {
        let (Some(mac), Some(len)) = (message.mac, message.authenticated_len()) else {
            return AuthStatus::None;
        };
        let Some(covered) = bytes.get(..len) else {
            return AuthStatus::Failed;
        };
        match verify(keys, covered, mac.key_id, mac.digest) {
            Ok(v) if Some(v.key_id) == self.config.control_key => AuthStatus::Valid,
            _ => AuthStatus::Failed,
        }
    }

    fn read_status(
        &mut self,
        reply: &mut Reply<'_>,
        system: &SystemInfo<'_>,
        status: u16,
        send: &mut impl FnMut(&[u8]),
    ) {
        let id = reply.request.association_id;
        if id != 0 {
            // One association: its status word, no data (ntpd's `ctl_read_status`).
            match system.peers.iter().find(|p| p.id == id) {
                Some(peer) => reply.data(peer.status, &[], send),
                None => reply.error(code::BAD_ASSOC, send),
            }
            return;
        }
        // The association list: (id, status word) pairs, big-endian, as many as fit.
        let mut list = Vec::with_capacity(system.peers.len().min(MAX_LISTED_PEERS) * 4);
        for peer in system.peers.iter().take(MAX_LISTED_PEERS) {
            list.extend_from_slice(&peer.id.to_be_bytes());
            list.extend_from_slice(&peer.status.to_be_bytes());
        }
        reply.data(status, &list, send);
    }

    fn read_variables(
        &mut self,
        reply: &mut Reply<'_>,
        system: &SystemInfo<'_>,
        status: u16,
        send: &mut impl FnMut(&[u8]),
    ) {
        let id = reply.request.association_id;
        let peer = system.peers.iter().find(|p| p.id == id);
        if id != 0 && peer.is_none() {
            reply.error(code::BAD_ASSOC, send);
            return;
        }
        let (names, status): (&[&str], u16) = match peer {
            Some(p) => (peer::PEER_VARIABLES, p.status),
            None => (system::SYSTEM_VARIABLES, status),
        };
        let put = |text: &mut Text, name: &str| match peer {
            Some(p) => peer::put(text, p, name),
            None => system::put(text, system, name),
        };
        let mut text = Text::new(self.config.fragments() * CONTROL_MAX_DATA_LEN);
        let wanted: Vec<_> = items(reply.request.data)
            .map(|(name, _)| name)
            .take(64)
            .collect();
        if wanted.is_empty() {
            for name in names {
                put(&mut text, name);
            }
        } else {
            for name in wanted {
                let known = core::str::from_utf8(name)
                    .ok()
                    .and_then(|name| put(&mut text, name));
                if known.is_none() {
                    reply.error(code::UNKNOWN_VAR, send);
                    return;
                }
            }
        }
        reply.data(status, text.as_bytes(), send);
    }

    fn read_mru(
        &mut self,
        reply: &mut Reply<'_>,
        request: &ControlRequest<'_>,
        mru_rows: impl FnOnce() -> Vec<MruRow>,
        send: &mut impl FnMut(&[u8]),
    ) {
        let mut nonce_ok = false;
        let mut frags = MAX_RESPONSE_FRAGMENTS;
        let mut limit = usize::MAX;
        for (name, value) in items(reply.request.data).take(64) {
            let value = value.unwrap_or_default();
            match name {
                b"nonce" => {
                    nonce_ok = self
                        .nonces
                        .check(value, request.source.ip(), request.received)
                }
                b"frags" => frags = parse_small(value).unwrap_or(frags),
                b"limit" => limit = parse_small(value).unwrap_or(limit),
                _ => {}
            }
        }
        if !nonce_ok {
            self.counters.bad_nonce += 1;
            reply.error(code::BAD_VALUE, send);
            return;
        }
        let frags = frags.clamp(1, self.config.fragments());
        let mut text = Text::new(frags * CONTROL_MAX_DATA_LEN);
        // A fresh nonce for ntpq's next request, as ntpd sends.
        let next = self.nonces.issue(request.source.ip(), request.received);
        text.pair("nonce", format_args!("{next}"));
        let rows = mru_rows();
        if !mru::put_rows(&mut text, &rows, limit, request.received) {
            reply.error(code::BAD_FORMAT, send);
            return;
        }
        reply.data(0, text.as_bytes(), send);
    }
}

impl Reply<'_> {
    /// Sends `data` as one or more fragments.
    fn data(&mut self, status: u16, data: &[u8], send: &mut impl FnMut(&[u8])) {
        let mut chunks = data.chunks(CONTROL_MAX_DATA_LEN).peekable();
        let mut offset = 0usize;
        loop {
            let chunk = chunks.next().unwrap_or_default();
            let more = chunks.peek().is_some();
            self.emit(false, more, status, offset, chunk, send);
            offset += chunk.len();
            if !more || self.fragments >= MAX_RESPONSE_FRAGMENTS {
                break;
            }
        }
    }

    fn error(&mut self, code: u8, send: &mut impl FnMut(&[u8])) {
        self.emit(true, false, u16::from(code) << 8, 0, &[], send);
    }

    fn emit(
        &mut self,
        error: bool,
        more: bool,
        status: u16,
        offset: usize,
        data: &[u8],
        send: &mut impl FnMut(&[u8]),
    ) {
        let message = ControlMessage {
            leap: ntpkit_wire::LeapIndicator::from_bits(self.leap),
            response: true,
            error,
            more,
            status,
            offset: u16::try_from(offset).unwrap_or(u16::MAX),
            data,
            mac: None,
            ..self.request
        };
        let mut buf = [0u8; MAX_FRAGMENT_LEN];
        if let Some(bytes) = message.emit(&mut buf).ok().and_then(|len| buf.get(..len)) {
            send(bytes);
            self.fragments += 1;
            self.bytes += bytes.len();
        }
    }
}

/// The access kind of an opcode.
fn kind_of(opcode: ControlOpcode) -> PacketKind {
    match opcode.value() {
        3 | 5 | 8 | 9 => PacketKind::ControlWrite,
        6 | 7 | 31 => PacketKind::ControlTrap,
        10 => PacketKind::ControlMruList,
        _ => PacketKind::ControlQuery,
    }
}

fn parse_small(value: &[u8]) -> Option<usize> {
    core::str::from_utf8(value)
        .ok()?
        .parse::<u16>()
        .ok()
        .map(usize::from)
}
