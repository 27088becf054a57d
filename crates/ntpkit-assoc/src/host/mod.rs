//! The client side of a whole host, sans-IO: every configured source's association and
//! clock filter, the system process (selection, discipline, leap) over them, and the
//! system variables the host then serves with (RFC 5905 sections 9 to 12).
//!
//! A [`Host`] is driven like one [`crate::client::ClientAssociation`], only for many: ask
//! [`Host::poll_timeout`] when to wake it, call [`Host::handle_timeout`] then, send what
//! [`Host::poll_transmit`] writes to the source it names, hand every datagram from a
//! source to [`Host::handle_packet`], and drain [`Host::poll_event`] after each call:
//! clock adjustments, samples and clock updates for the statistics files, pool members
//! to replace. [`Host::server_state`] is what a [`crate::Responder`] then answers with: our
//! system peer's stratum + 1, its address as reference id (RFC 5905 section 7.3).
//!
//! ```
//! use core::time::Duration;
//! use ntpkit_assoc::host::{Host, SourceConfig};
//! use ntpkit_assoc::client::ClientConfig;
//! use ntpkit_clock::ClockOptions;
//! use ntpkit_wire::{NtpTimestamp, ReferenceId, Stratum};
//!
//! let mut seed = 1u32;
//! let rng = move || { seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223); seed };
//! let mut host = Host::new(ClockOptions::default(), -20, None, Duration::ZERO).unwrap();
//! let id = host.add_source(
//!     SourceConfig::new(ClientConfig::default(), ReferenceId([192, 0, 2, 1])),
//!     Duration::ZERO,
//!     rng,
//! );
//! host.handle_timeout(Duration::ZERO, NtpTimestamp::from_unix(1_700_000_000, 0));
//! let mut buf = [0u8; 68];
//! let t1 = NtpTimestamp::from_unix(1_700_000_000, 0);
//! let sent = host.poll_transmit(Duration::ZERO, t1, &Default::default(), &mut buf).unwrap();
//! assert_eq!(sent.map(|t| (t.id, t.len)), Some((id, 48)));
//! assert_eq!(host.server_state(t1).stratum, Stratum::UNSYNCHRONIZED); // nothing heard yet
//! ```

mod association;
mod event;
mod external;
mod queue;
mod source;

use core::time::Duration;

use ntpkit_auth::{AuthError, KeyStore};
use ntpkit_clock::{
    Candidate, ClockAdjust, ClockError, ClockOptions, FilterVerdict, Rejection as SelectRejection,
    SourceId, SystemProcess,
};
use ntpkit_wire::NtpTimestamp;

use crate::client::{ClientAssociation, ClientRng, ClientSample, KissAction, Rejection};
use crate::responder::ServerState;
use crate::symmetric::{
    PASSIVE_UNREACH_POLLS, PassiveGrant, SymmetricAssociation, SymmetricConfig,
};

pub use event::{DemobilizeReason, HostEvent};
pub use source::{SourceConfig, SourceStatus, Tally};

use association::{Association, Outcome};
use external::ExternalFeed;
use queue::EventQueue;
use source::Source;

/// Polls an ephemeral (pool) source may go unanswered before it is demobilised (ntpd's
/// NTP_UNREACH).
pub const UNREACH_DEMOBILIZE_POLLS: u32 = 10;

/// Polls running (its own samples) an ephemeral source may be found a falseticker before it
/// is demobilised and the pool asked for another.
pub const FALSETICKER_DEMOBILIZE_ROUNDS: u32 = 8;

/// Events kept for the driver at most; older ones are dropped (a driver that never drains
/// must not make the host grow without bound).
pub const MAX_QUEUED_EVENTS: usize = 256;

/// The clock-adjust process runs once a second (RFC 5905 A.5.6.1).
const TICK: Duration = Duration::from_secs(1);

/// A request written by [`Host::poll_transmit`]: send `len` bytes to source `id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transmit {
    /// The source to send to.
    pub id: SourceId,
    /// Bytes written into the caller's buffer.
    pub len: usize,
}

/// A source could not send: its key is missing from the key store (or the buffer is too
/// small). The caller should report it and remove or reconfigure the source.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransmitError {
    /// The source.
    pub id: SourceId,
    /// What went wrong.
    pub error: AuthError,
}

/// Every source of one host and the system process over them.
#[derive(Debug)]
pub struct Host<R> {
    system: SystemProcess,
    sources: Vec<(SourceId, Source<R>)>,
    next_id: u64,
    next_tick: Duration,
    events: EventQueue,
    system_peer: Option<SourceId>,
    precision: i8,
}

impl<R: ClientRng> Host<R> {
    /// A host with no sources yet. `precision` is the local clock's (log2 s);
    /// `restored_frequency` the drift file's value (s/s), if any.
    ///
    /// # Errors
    /// The options are out of range ([`ClockOptions::validate`]).
    pub fn new(
        options: ClockOptions,
        precision: i8,
        restored_frequency: Option<f64>,
        now: Duration,
    ) -> Result<Self, ClockError> {
        Ok(Self {
            system: SystemProcess::new(options, precision, restored_frequency)?,
            sources: Vec::new(),
            next_id: 0,
            next_tick: now + TICK,
            events: EventQueue::default(),
            system_peer: None,
            precision,
        })
    }

    /// The system process (leap table, discipline state, local reference id).
    pub fn system(&self) -> &SystemProcess {
        &self.system
    }

    /// The system process, to install a leap file or set the local reference id.
    pub fn system_mut(&mut self) -> &mut SystemProcess {
        &mut self.system
    }

    /// Adds a source whose first poll is due at `now`; `rng` supplies its transmit
    /// timestamp noise and poll jitter.
    pub fn add_source(&mut self, config: SourceConfig, now: Duration, rng: R) -> SourceId {
        let assoc = Association::Client(ClientAssociation::new(config.client.clone(), now, rng));
        self.insert(config, assoc)
    }

    /// Adds a symmetric active association (a `peer` line) whose first poll is due at
    /// `now`. `source` gives its reference id, `prefer` and `noselect`; its on-wire settings
    /// are `peer`'s.
    pub fn add_peer(
        &mut self,
        source: SourceConfig,
        peer: SymmetricConfig,
        now: Duration,
        rng: R,
    ) -> SourceId {
        let assoc = Association::Symmetric(Box::new(SymmetricAssociation::new(peer, now, rng)));
        self.insert(source, assoc)
    }

    /// Adds the symmetric passive association a [`crate::symmetric::PassivePolicy`]
    /// granted for a packet received at `t4` (hand that packet to [`Self::handle_packet`]
    /// next). It is ephemeral: it ends itself when the peer falls silent
    /// ([`HostEvent::Demobilized`]; give the grant's place back to the policy then).
    pub fn add_passive(
        &mut self,
        mut source: SourceConfig,
        grant: PassiveGrant,
        peer: SymmetricConfig,
        now: Duration,
        rng: R,
        t4: NtpTimestamp,
    ) -> SourceId {
        source.ephemeral = true;
        let assoc = Association::Symmetric(Box::new(SymmetricAssociation::passive(
            grant, peer, now, rng, t4,
        )));
        self.insert(source, assoc)
    }

    /// Adds a source the host does not poll: its samples come from the driver through
    /// [`Self::feed_external`] (a [`crate::broadcast::BroadcastClient`]'s, one source per
    /// broadcast server it follows) and go through the same clock filter, selection and
    /// discipline as every other source's. `host_mode` is what status displays show as our
    /// mode towards it (6 for a broadcast client, ntpd's MODE_BCLIENT); `config.client`
    /// gives its key (for display), precision and first expected interval (`minpoll`).
    /// Remove it with [`Self::remove_source`] when its feeder demobilises it.
    pub fn add_external(&mut self, config: SourceConfig, host_mode: u8, now: Duration) -> SourceId {
        let feed = ExternalFeed::new(now, config.client.minpoll, config.client.key, host_mode);
        self.insert(config, Association::External(feed))
    }

    /// Hands the host a sample of external source `id`, measured by its feeder (which has
    /// already authenticated and checked the packet it came from), received at `t4`.
    ///
    /// # Errors
    /// `id` is not an external source ([`Rejection::NotExpected`]); nothing changed.
    pub fn feed_external(
        &mut self,
        id: SourceId,
        now: Duration,
        sample: ClientSample,
        t4: NtpTimestamp,
    ) -> Result<(), Rejection> {
        let Some((_, s)) = self.sources.iter_mut().find(|(i, _)| *i == id) else {
            return Err(Rejection::NotExpected);
        };
        let Association::External(feed) = &mut s.assoc else {
            return Err(Rejection::NotExpected);
        };
        feed.on_sample(now, sample.server_poll);
        self.take_sample(id, sample, t4);
        Ok(())
    }

    fn insert(&mut self, config: SourceConfig, assoc: Association<R>) -> SourceId {
        let id = SourceId(self.next_id);
        self.next_id += 1;
        let filter = ntpkit_clock::ClockFilter::new(config.client.local_precision);
        self.sources.push((
            id,
            Source {
                config,
                assoc,
                filter,
                server: None,
                tally: Tally::None,
                false_rounds: 0,
                silent_polls: 0,
                authentic: false,
                last: None,
            },
        ));
        id
    }

    /// Removes a source; whether it existed. If it was the system peer, the next
    /// selection picks another.
    pub fn remove_source(&mut self, id: SourceId) -> bool {
        let before = self.sources.len();
        self.sources.retain(|(i, _)| *i != id);
        before != self.sources.len()
    }

    /// The sources, in the order they were added, with their configuration and state.
    pub fn sources(&self) -> impl Iterator<Item = (SourceId, &SourceConfig, SourceStatus)> {
        self.sources
            .iter()
            .map(|(id, s)| (*id, &s.config, s.status()))
    }

    /// How many sources are ephemeral (pool members).
    pub fn ephemeral_count(&self) -> usize {
        self.sources
            .iter()
            .filter(|(_, s)| s.config.ephemeral)
            .count()
    }

    /// The current system peer.
    pub fn system_peer(&self) -> Option<SourceId> {
        self.system_peer
    }

    /// When [`Self::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Duration {
        self.sources
            .iter()
            .filter_map(|(_, s)| s.assoc.poll_timeout())
            .fold(self.next_tick, Duration::min)
    }

    /// Advances timers to `now` (monotonic); `wall` is the clock being disciplined, read now.
    /// Runs the once-a-second clock adjustment, which queues [`HostEvent::Adjust`].
    pub fn handle_timeout(&mut self, now: Duration, wall: NtpTimestamp) {
        let mut ended = Vec::new();
        for (id, s) in &mut self.sources {
            let shifted = match &mut s.assoc {
                Association::External(feed) => feed.handle_timeout(now),
                other => {
                    if other.handle_timeout(now) {
                        ended.push(*id);
                    }
                    false
                }
            };
            // An external source is never polled: each interval without its sample counts
            // as an unanswered poll does in poll_transmit (RFC 5905 A.5.7.1).
            if shifted && s.assoc.reach() & 0x7 == 0 && s.filter.statistics().is_some() {
                s.filter.add_empty(wall);
                s.silent_polls = s.silent_polls.saturating_add(1);
            }
        }
        for id in ended {
            self.demobilize(id, DemobilizeReason::Unreachable(PASSIVE_UNREACH_POLLS));
        }
        if now >= self.next_tick {
            let tick = self.system.tick(wall);
            self.events.push(HostEvent::Adjust(tick.frequency));
            if let Some(leap) = tick.leap {
                self.events.push(HostEvent::Adjust(leap));
            }
            self.next_tick += TICK;
            // After a suspend or a stalled driver, do not replay the missed seconds.
            if self.next_tick <= now {
                self.next_tick = now + TICK;
            }
        }
    }

    /// Writes the next due request into `buf`, or `None` when no source is due. `t1` is
    /// the clock read just before sending. Call again until `None`: several may be due.
    ///
    /// # Errors
    /// A source's key is missing; the source stays due, so remove it (its id is in the
    /// error) or the same error comes back.
    pub fn poll_transmit(
        &mut self,
        now: Duration,
        t1: NtpTimestamp,
        keys: &KeyStore,
        buf: &mut [u8],
    ) -> Result<Option<Transmit>, TransmitError> {
        let mut demobilize = None;
        let mut sent = None;
        // What symmetric packets say about us, as a server's reply would.
        let system = self.server_state(t1);
        for (id, s) in &mut self.sources {
            let unanswered = s.assoc.awaiting_reply();
            let written = s
                .assoc
                .poll_transmit(now, t1, &system, keys, buf)
                .map_err(|error| TransmitError { id: *id, error })?;
            let Some(len) = written else { continue };
            if unanswered {
                s.silent_polls = s.silent_polls.saturating_add(1);
            }
            // Three polls without an answer: a dummy sample makes the filter's dispersion
            // grow so selection lets go of a dead source (RFC 5905 A.5.7.1; ntpd transmit()).
            if s.assoc.reach() & 0x7 == 0 && s.filter.statistics().is_some() {
                s.filter.add_empty(t1);
            }
            if s.config.ephemeral && s.silent_polls >= UNREACH_DEMOBILIZE_POLLS {
                demobilize = Some((*id, DemobilizeReason::Unreachable(s.silent_polls)));
            }
            sent = Some(Transmit { id: *id, len });
            break;
        }
        if let Some((id, reason)) = demobilize {
            self.demobilize(id, reason);
        }
        Ok(sent)
    }

    /// Processes one datagram from source `id`, received at `t4` on the disciplined clock.
    ///
    /// # Errors
    /// A packet test failed (nothing changed but the source's drop counter), or `id` is
    /// not a source ([`Rejection::NotExpected`]).
    pub fn handle_packet(
        &mut self,
        id: SourceId,
        now: Duration,
        bytes: &[u8],
        t4: NtpTimestamp,
        keys: &KeyStore,
    ) -> Result<(), Rejection> {
        let Some((_, s)) = self.sources.iter_mut().find(|(i, _)| *i == id) else {
            return Err(Rejection::NotExpected);
        };
        match s.assoc.handle(now, bytes, t4, keys)? {
            Outcome::Nothing => {}
            Outcome::Sample(sample) => self.take_sample(id, sample, t4),
            Outcome::Kiss { code, action } => {
                if matches!(action, KissAction::Stopped) {
                    s.tally = Tally::None;
                }
                self.events.push(HostEvent::Kiss { id, code, action });
            }
        }
        Ok(())
    }

    /// An accepted sample of source `id`: into its clock filter, then selection when the
    /// filter produced a new output.
    fn take_sample(&mut self, id: SourceId, sample: ClientSample, t4: NtpTimestamp) {
        let settling = self.system.is_settling();
        let synced = self.system.is_synchronized();
        let poll = self.system.poll();
        let phase = self.system.slewed_phase();
        let Some((_, s)) = self.sources.iter_mut().find(|(i, _)| *i == id) else {
            return;
        };
        s.server = Some(sample.server);
        s.silent_polls = 0;
        s.authentic = sample.authenticated.is_some();
        s.last = Some((sample, t4));
        let mut filtered = sample.sample;
        filtered.phase = phase;
        s.filter.set_newest_first(settling);
        let verdict = s.filter.add(filtered, t4, poll, synced);
        let updated = matches!(verdict, FilterVerdict::Updated(_));
        let stats = if updated { s.filter.statistics() } else { None };
        // RFC 5905 A.5.2: selection waits until a burst is over, so every burst has
        // filled its filter before the first choice.
        let in_burst = s.assoc.in_burst();
        self.events.push(HostEvent::Sample { id, sample, stats });
        if updated && !in_burst {
            self.select(t4);
            self.count_false_round(id);
        }
    }

    /// The next event for the driver, oldest first.
    pub fn poll_event(&mut self) -> Option<HostEvent> {
        self.events.pop()
    }

    /// What to answer clients with at `wall`: synchronised to the system peer (its
    /// stratum + 1, its address as reference id), in orphan mode, or unsynchronised.
    pub fn server_state(&self, wall: NtpTimestamp) -> ServerState {
        let vars = self.system.system_variables(wall);
        if vars.is_synchronized() {
            ServerState::from_system_variables(&vars)
        } else {
            ServerState::unsynchronized(ntpkit_wire::Precision(self.precision))
        }
    }

    /// RFC 5905 `clock_select` then `clock_update`: choose the system peer and feed the
    /// discipline its combined offset.
    fn select(&mut self, wall: NtpTimestamp) {
        let candidates: Vec<Candidate> = self
            .sources
            .iter()
            .filter_map(|(id, s)| {
                Some(Candidate {
                    id: *id,
                    stats: s.filter.statistics()?,
                    server: s.server?,
                    source_refid: s.config.refid,
                    reachable: s.assoc.reach() != 0,
                    noselect: s.config.noselect,
                    prefer: s.config.prefer,
                    // The configured bounds (a RATE kiss's raised minpoll stays the
                    // association's own business).
                    poll_bounds: s.config.client.poll_bounds(),
                })
            })
            .collect();
        let update = self.system.update(wall, &candidates);
        let selection = &update.selection;
        for (id, s) in &mut self.sources {
            s.tally = if selection.system_peer == Some(*id) {
                Tally::SystemPeer
            } else if selection.survivors.contains(id) {
                Tally::Candidate
            } else {
                match selection.rejected.iter().find(|(r, _)| r == id) {
                    Some((_, SelectRejection::Falseticker)) => Tally::Falseticker,
                    Some((_, SelectRejection::Outlier)) => Tally::Outlier,
                    Some((_, why)) => Tally::Rejected(*why),
                    None => Tally::None,
                }
            };
        }
        if let Some(outcome) = update.outcome {
            let d = self.system.discipline();
            self.events.push(HostEvent::ClockUpdate {
                offset: selection.offset,
                outcome,
                frequency: d.frequency(),
                jitter: d.jitter(),
                wander: d.wander(),
                poll: d.poll(),
            });
        }
        let peer = self.system.system_peer();
        if peer != self.system_peer {
            self.system_peer = peer;
            self.events.push(HostEvent::SystemPeer(peer));
        }
        if let Some(step @ ClockAdjust::Step { .. }) = update.adjust {
            // Every stored offset was measured against the clock before the step.
            for (_, s) in &mut self.sources {
                s.filter.reset();
            }
            self.events.push(HostEvent::Adjust(step));
        }
        // Associations poll at the system poll, within their own bounds (RFC 5905 13).
        let poll = self.system.poll();
        for (_, s) in &mut self.sources {
            s.assoc.set_poll(poll);
        }
    }

    /// After a selection prompted by source `id`'s own sample: one more (or no) round as a
    /// falseticker; a pool member lying for [`FALSETICKER_DEMOBILIZE_ROUNDS`] of its polls
    /// goes, so the pool can offer a better one (ntpd's preemptable associations).
    fn count_false_round(&mut self, id: SourceId) {
        let Some((_, s)) = self.sources.iter_mut().find(|(i, _)| *i == id) else {
            return;
        };
        if s.tally != Tally::Falseticker {
            s.false_rounds = 0;
            return;
        }
        s.false_rounds = s.false_rounds.saturating_add(1);
        if s.config.ephemeral && s.false_rounds >= FALSETICKER_DEMOBILIZE_ROUNDS {
            let rounds = s.false_rounds;
            self.demobilize(id, DemobilizeReason::Falseticker(rounds));
        }
    }

    fn demobilize(&mut self, id: SourceId, reason: DemobilizeReason) {
        if self.remove_source(id) {
            self.events.push(HostEvent::Demobilized { id, reason });
        }
    }
}
