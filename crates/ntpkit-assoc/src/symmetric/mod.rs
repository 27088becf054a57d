//! Symmetric associations (RFC 5905 sections 8, 9 and 13; ntp.conf `peer`), sans-IO: two
//! peers that each poll at their own interval, each taking time from the other.
//!
//! A [`SymmetricAssociation`] is driven like a [`crate::client::ClientAssociation`]: ask
//! [`SymmetricAssociation::poll_timeout`], call [`SymmetricAssociation::handle_timeout`]
//! then, send what [`SymmetricAssociation::poll_transmit`] writes (it carries our system
//! variables, an input), and hand every datagram from the peer's address to
//! [`SymmetricAssociation::handle_packet`]. Samples come out as the client's
//! [`ClientSample`], for the same clock filter.
//!
//! A symmetric active association comes from a `peer` line
//! ([`SymmetricAssociation::new`]). A symmetric passive one is mobilised by a symmetric
//! active packet from a source we have no association with, only when
//! [`PassivePolicy::admit`] allows it (authenticated with a trusted key, allowed by
//! `restrict`, within the caps); it ends itself when the peer falls silent
//! ([`SymmetricEvent::Demobilized`]).
//!
//! The on-wire protocol is the basic (not interleaved) one, with every failing packet
//! free of side effects: see the `onwire` module's notes on how this differs from the
//! RFC's skeleton. Our transmit timestamps carry random bits below our clock's precision
//! (the peer uses them as its T3, so they cannot be randomised more without costing it
//! accuracy): an unkeyed symmetric association therefore relies on few unpredictable bits,
//! and `peer` lines should have a `key`.

mod config;
mod event;
mod history;
mod onwire;
mod passive;

use core::time::Duration;

use ntpkit_auth::{AuthError, KeyId, KeyStore, append_mac};
use ntpkit_wire::{Mode, NtpHeader, NtpTimestamp, PollInterval, Version};

use crate::client::kiss::KissState;
use crate::client::poll::PollState;
use crate::client::{
    ClientConfig, ClientRng, ClientSample, MAX_POLL_LIMIT, MIN_POLL_LIMIT, Rejection,
};
use crate::responder::ServerState;

pub use config::{PASSIVE_UNREACH_POLLS, RESTART_AFTER_POLLS, SymmetricConfig, TRANSMIT_HISTORY};
pub use event::{DemobilizeReason, NoSampleReason, SymmetricEvent};
pub use passive::{MobilizeRefusal, PassiveGrant, PassivePolicy};

use history::TransmitLog;
use onwire::{Expectations, PeerTimestamps, Verdict, check};

/// Which side of the symmetric exchange we are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Symmetric active (mode 1): configured by a `peer` line, persistent.
    Active,
    /// Symmetric passive (mode 2): mobilised by the peer's packet, ephemeral.
    Passive,
}

/// Counters of one association (statistics; a rejected packet moves only `dropped`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SymmetricCounters {
    /// Packets written by [`SymmetricAssociation::poll_transmit`].
    pub sent: u64,
    /// Packets that produced a sample.
    pub samples: u64,
    /// Packets accepted without a sample ([`SymmetricEvent::NoSample`]).
    pub no_sample: u64,
    /// Kisses that passed the checks.
    pub kisses: u64,
    /// Crypto-NAKs answering our packets.
    pub crypto_naks: u64,
    /// Packets rejected by a test.
    pub dropped: u64,
}

/// One symmetric association with one peer.
///
/// ```
/// use core::time::Duration;
/// use ntpkit_assoc::ServerState;
/// use ntpkit_assoc::symmetric::{SymmetricAssociation, SymmetricConfig, SymmetricEvent};
/// use ntpkit_auth::KeyStore;
/// use ntpkit_wire::{NtpHeader, NtpTimestamp, Mode, Precision, ReferenceId, Stratum};
///
/// let keys = KeyStore::new();
/// let mut seed = 7u32;
/// let rng = move || { seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223); seed };
/// let ours = ServerState::local_reference(Stratum(2), ReferenceId(*b"LOCL"), Precision(-20));
/// let mut assoc = SymmetricAssociation::new(SymmetricConfig::default(), Duration::ZERO, rng);
/// assoc.handle_timeout(Duration::ZERO);
/// let t1 = NtpTimestamp::from_unix(1_700_000_000, 0);
/// let mut buf = [0u8; 68];
/// let len = assoc.poll_transmit(Duration::ZERO, t1, &ours, &keys, &mut buf).unwrap().unwrap();
/// let ours_on_wire = NtpHeader::parse(&buf[..len]).unwrap();
/// assert_eq!(ours_on_wire.mode, Mode::SymmetricActive);
/// assert!(ours_on_wire.origin_timestamp.is_zero()); // nothing heard from the peer yet
///
/// // The peer (its clock 5 ms ahead) answers after 10 ms of round trip.
/// let reply = NtpHeader { mode: Mode::SymmetricPassive, stratum: Stratum(1),
///     leap: ntpkit_wire::LeapIndicator::NoWarning, reference_id: ReferenceId(*b"GPS\0"),
///     origin_timestamp: ours_on_wire.transmit_timestamp,
///     receive_timestamp: NtpTimestamp::from_unix(1_700_000_000, 10_000_000),
///     transmit_timestamp: NtpTimestamp::from_unix(1_700_000_000, 10_000_000),
///     ..ours_on_wire };
/// let mut out = [0u8; 48];
/// reply.emit(&mut out).unwrap();
/// let t4 = NtpTimestamp::from_unix(1_700_000_000, 10_000_000);
/// match assoc.handle_packet(Duration::ZERO, &out, t4, &keys) {
///     Ok(SymmetricEvent::Sample(s)) => assert!((s.sample.offset - 0.005).abs() < 1e-5),
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(assoc.reach(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct SymmetricAssociation<R> {
    config: SymmetricConfig,
    poll_config: ClientConfig,
    role: Role,
    rng: R,
    poll: PollState,
    kiss: KissState,
    peer: PeerTimestamps,
    peer_poll: Option<i8>,
    sent: TransmitLog,
    silent_polls: u32,
    last_heard: Duration,
    demobilized: bool,
    counters: SymmetricCounters,
}

impl<R: ClientRng> SymmetricAssociation<R> {
    /// A symmetric active association (a `peer` line) whose first poll is due at `now`.
    pub fn new(config: SymmetricConfig, now: Duration, rng: R) -> Self {
        Self::with_role(config, Role::Active, now, rng)
    }

    /// The symmetric passive association that `grant` allows, mobilised by a packet
    /// received at wall-clock `t4`: keyed with the key that packet verified with, it
    /// answers at once (first poll due at `now`) and then polls on its own.
    pub fn passive(
        grant: PassiveGrant,
        mut config: SymmetricConfig,
        now: Duration,
        rng: R,
        t4: NtpTimestamp,
    ) -> Self {
        config.key = Some(grant.key);
        if matches!(grant.version, Version::V3 | Version::V4) {
            config.version = grant.version;
        }
        // Like ntpd, poll no faster than the active peer: it answers at its own rate, and
        // polling faster would only count its silence between our polls as unreachability.
        config.minpoll = config
            .minpoll
            .max(grant.peer_poll.clamp(MIN_POLL_LIMIT, MAX_POLL_LIMIT));
        config.maxpoll = config.maxpoll.max(config.minpoll);
        let mut assoc = Self::with_role(config, Role::Passive, now, rng);
        assoc.peer.org = grant.peer_transmit;
        assoc.peer.rec = t4;
        assoc.peer_poll = Some(grant.peer_poll);
        assoc
    }

    fn with_role(config: SymmetricConfig, role: Role, now: Duration, rng: R) -> Self {
        let poll_config = config.poll_process();
        Self {
            poll: PollState::new(&poll_config, now),
            poll_config,
            config,
            role,
            rng,
            kiss: KissState::default(),
            peer: PeerTimestamps::default(),
            peer_poll: None,
            sent: TransmitLog::default(),
            silent_polls: 0,
            last_heard: now,
            demobilized: false,
            counters: SymmetricCounters::default(),
        }
    }

    /// When [`Self::handle_timeout`] should next be called, or `None` once stopped or
    /// demobilised.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.poll.next
    }

    /// Advances the timers to `now`: a poll that is due makes the next
    /// [`Self::poll_transmit`] write a packet. A passive association whose peer has been
    /// silent for [`PASSIVE_UNREACH_POLLS`] polls ends instead, and says so.
    pub fn handle_timeout(&mut self, now: Duration) -> Option<SymmetricEvent> {
        if self.demobilized || self.kiss.stopped || self.poll.next.is_none_or(|n| now < n) {
            return None;
        }
        if self.role == Role::Passive && self.peer_is_gone(now) {
            self.demobilized = true;
            self.poll.next = None;
            self.poll.due = false;
            return Some(SymmetricEvent::Demobilized(DemobilizeReason::Unreachable));
        }
        self.poll.due = true;
        None
    }

    /// Silent for [`PASSIVE_UNREACH_POLLS`] of our polls and as many of the peer's poll
    /// intervals (a peer polling slower than us must not look unreachable between its
    /// packets).
    fn peer_is_gone(&self, now: Duration) -> bool {
        let peer_interval = 1u64 << self.peer_poll.unwrap_or(0).clamp(0, MAX_POLL_LIMIT);
        let patience = Duration::from_secs(peer_interval * u64::from(PASSIVE_UNREACH_POLLS));
        self.silent_polls >= PASSIVE_UNREACH_POLLS
            && now.saturating_sub(self.last_heard) >= patience
    }

    /// Writes the due packet into `buf` and returns its length, or `None` if no poll is
    /// due. `t1` is the wall clock read just before sending; `system` is what we say about
    /// ourselves (leap, stratum, precision, root delay and dispersion, reference id and
    /// time), as a server would.
    ///
    /// # Errors
    /// The association's key is missing from `keys`, or `buf` is too small (48 bytes, plus
    /// 4 + the MAC length when keyed).
    pub fn poll_transmit(
        &mut self,
        now: Duration,
        t1: NtpTimestamp,
        system: &ServerState,
        keys: &KeyStore,
        buf: &mut [u8],
    ) -> Result<Option<usize>, AuthError> {
        if !self.poll.due {
            return Ok(None);
        }
        if self.silent_polls == RESTART_AFTER_POLLS {
            // Silent for a whole reach register: the peer may have restarted and forgotten
            // our timestamps, so start over with a zero origin it will accept.
            self.peer = PeerTimestamps {
                used: self.peer.used,
                ..PeerTimestamps::default()
            };
        }
        let wire = self.noisy(t1);
        let header = NtpHeader {
            leap: system.leap,
            version: self.config.version,
            mode: match self.role {
                Role::Active => Mode::SymmetricActive,
                Role::Passive => Mode::SymmetricPassive,
            },
            stratum: system.stratum,
            poll: PollInterval(self.poll.poll),
            precision: system.precision,
            root_delay: system.root_delay,
            root_dispersion: system.root_dispersion,
            reference_id: system.reference_id,
            reference_timestamp: system.reference_timestamp(t1),
            origin_timestamp: self.peer.org,
            receive_timestamp: self.peer.rec,
            transmit_timestamp: wire,
        };
        let mut len = header.emit(buf)?;
        if let Some(key) = self.config.key {
            len = append_mac(keys, key, buf, len)?;
        }
        let jitter = self.rng.next_u32();
        self.poll.on_transmit(&self.poll_config, now, jitter);
        self.sent.record(wire, t1);
        self.silent_polls = self.silent_polls.saturating_add(1);
        self.counters.sent += 1;
        Ok(Some(len))
    }

    /// `t1` with random bits below our precision: unpredictable to an off-path spoofer,
    /// yet no worse as the peer's T3 than our clock's own resolution.
    fn noisy(&mut self, t1: NtpTimestamp) -> NtpTimestamp {
        let bits = (32 + i32::from(self.config.local_precision)).clamp(0, 32) as u32;
        let mask = u64::MAX.checked_shr(64 - bits).unwrap_or(0);
        let noise = u64::from(self.rng.next_u32()) & mask;
        let wire = NtpTimestamp::from_bits((t1.to_bits() & !mask) | noise);
        if wire.is_zero() {
            NtpTimestamp::from_bits(1)
        } else {
            wire
        }
    }

    /// Processes one datagram from the peer, received at wall-clock `t4`.
    ///
    /// # Errors
    /// A [`Rejection`] when a test fails; the association is then exactly as before except
    /// for [`SymmetricCounters::dropped`]. A stopped or demobilised association rejects
    /// everything with [`Rejection::Stopped`].
    pub fn handle_packet(
        &mut self,
        now: Duration,
        bytes: &[u8],
        t4: NtpTimestamp,
        keys: &KeyStore,
    ) -> Result<SymmetricEvent, Rejection> {
        let verdict = if self.demobilized || self.kiss.stopped {
            Err(Rejection::Stopped)
        } else {
            check(&self.expectations(keys), bytes, t4)
        };
        match verdict {
            Err(rejection) => {
                self.counters.dropped += 1;
                Err(rejection)
            }
            Ok(Verdict::Accepted(update, outcome)) => Ok(self.accept(now, update, outcome)),
            Ok(Verdict::Kiss(code, peer_poll, seq)) => {
                self.peer.used = Some(seq);
                self.counters.kisses += 1;
                let keyed = self.config.key.is_some();
                let action = self
                    .kiss
                    .honour(&mut self.poll, now, code, peer_poll, keyed);
                if self.kiss.stopped && self.role == Role::Passive {
                    // An ephemeral association that will never poll again is over: the
                    // caller frees its place as for a timeout.
                    self.demobilized = true;
                }
                Ok(SymmetricEvent::Kiss { code, action })
            }
            Ok(Verdict::CryptoNak) => {
                self.counters.crypto_naks += 1;
                Ok(SymmetricEvent::CryptoNak)
            }
        }
    }

    fn accept(
        &mut self,
        now: Duration,
        update: onwire::Update,
        outcome: Result<(ClientSample, u64), NoSampleReason>,
    ) -> SymmetricEvent {
        self.peer.org = update.org;
        self.peer.rec = update.rec;
        self.peer.echoed = update.echoed;
        self.peer_poll = Some(update.peer_poll);
        if update.echoed.is_some() {
            // It answered one of ours: the peer is reachable.
            self.poll.on_valid_reply();
            self.silent_polls = 0;
            self.last_heard = now;
            self.kiss.denies = 0;
        }
        match outcome {
            Ok((sample, seq)) => {
                self.peer.used = Some(seq);
                self.counters.samples += 1;
                SymmetricEvent::Sample(sample)
            }
            Err(reason) => {
                self.counters.no_sample += 1;
                SymmetricEvent::NoSample(reason)
            }
        }
    }

    fn expectations<'a>(&'a self, keys: &'a KeyStore) -> Expectations<'a> {
        Expectations {
            peer: &self.peer,
            sent: &self.sent,
            peer_may_be_passive: self.role == Role::Active,
            key: self.config.key,
            keys,
            local_precision: self.config.local_precision,
            max_distance: self.config.max_distance,
        }
    }

    /// Sets the poll exponent (from the discipline's poll adaptation), within
    /// minpoll..=maxpoll.
    pub fn set_poll(&mut self, exponent: i8) {
        self.poll.set_poll(exponent);
    }

    /// Our current poll exponent (log2 seconds), as written in our packets.
    pub fn poll_exponent(&self) -> i8 {
        self.poll.poll
    }

    /// The peer's poll exponent from its latest accepted packet (RFC 5905 `ppoll`).
    pub fn peer_poll(&self) -> Option<i8> {
        self.peer_poll
    }

    /// The reach register: bit 0 is the latest poll, set when a packet answering one of
    /// ours arrived.
    pub fn reach(&self) -> u8 {
        self.poll.reach
    }

    /// Active (`peer` line) or passive (mobilised).
    pub fn role(&self) -> Role {
        self.role
    }

    /// The key our packets are signed with and the peer's must verify with.
    pub fn key(&self) -> Option<KeyId> {
        self.config.key
    }

    /// Whether a passive association ended: after [`SymmetricEvent::Demobilized`], or
    /// after an authenticated DENY/RSTR ([`SymmetricEvent::Kiss`] with
    /// [`crate::client::KissAction::Stopped`]). The caller removes it and releases its
    /// place in the [`PassivePolicy`].
    pub fn is_demobilized(&self) -> bool {
        self.demobilized
    }

    /// Whether an authenticated DENY/RSTR stopped the association for good.
    pub fn is_stopped(&self) -> bool {
        self.kiss.stopped
    }

    /// The settings this association runs with.
    pub fn config(&self) -> &SymmetricConfig {
        &self.config
    }

    /// The counters.
    pub fn counters(&self) -> SymmetricCounters {
        self.counters
    }
}
