//! The manycast client: solicitations to the group, associations mobilised from the
//! answers, and a [`Host`] that polls, filters and selects among them.

use core::time::Duration;
use std::collections::VecDeque;
use std::net::SocketAddr;

use ntpkit_access::SessionLimits;
use ntpkit_auth::{AuthError, KeyStore, append_mac};
use ntpkit_clock::SourceId;
use ntpkit_wire::{NtpHeader, NtpTimestamp, PollInterval, Precision, Stratum};

use super::config::{ManycastConfig, ManycastConfigError};
use super::event::{
    Destination, ManycastDemobilizeReason, ManycastEvent, ManycastRejection, ManycastTransmit,
};
use super::refid::reference_id_for;
use super::ring::{MAX_RINGS, Ring, RingId};
use super::search::SearchPhase;
use super::solicit::SolicitWindow;
use crate::client::{ClientRng, Rejection};
use crate::host::{DemobilizeReason, Host, HostEvent, SourceConfig, Tally};

/// Events kept for the driver at most (the oldest are dropped beyond it).
pub const MAX_QUEUED_MANYCAST_EVENTS: usize = 256;

/// Servers held down at most (the oldest is forgotten first): bounds memory whatever the
/// network sends.
pub const MAX_HELD_DOWN: usize = 64;

/// A manycast client (ntp.conf `manycastclient`), sans-IO.
///
/// Driven like [`Host`], whose sources it creates: wake it at [`Self::poll_timeout`], call
/// [`Self::handle_timeout`], send what [`Self::poll_transmit`] writes to its
/// [`Destination`] (the group with a TTL, or one server by unicast), hand every datagram
/// that arrives (on the solicitation socket or a server's) to [`Self::handle_packet`] with
/// its source address, and drain [`Self::poll_event`].
///
/// Each new association gets a clone of `rng`: back it with an OS generator (each clone
/// independent), never a seeded sequence, in production (RFC 9109).
///
/// It solicits one group, or several ([`Self::add_ring`], one per `manycastclient` line as
/// ntpd runs them): each group has its own key, TTL limit and expanding ring, and the
/// servers any of them finds compete in the one host's selection, under one `maxclock` and
/// one dynamic-session cap over them all (CVE-2016-1549: ephemeral associations capped in
/// total).
#[derive(Debug)]
pub struct ManycastClient<R> {
    /// The first group's settings, whose `minclock`, `maxclock`, `max_sessions` and
    /// `holddown` bound every group together.
    config: ManycastConfig,
    host: Host<R>,
    rng: R,
    rings: Vec<Ring>,
    servers: Vec<(SourceId, SocketAddr)>,
    /// The group whose solicitation each server answered (same order as `servers`).
    found_by: Vec<RingId>,
    sessions: SessionLimits,
    held: VecDeque<(SocketAddr, Duration)>,
    events: VecDeque<ManycastEvent>,
}

impl<R: ClientRng + Clone> ManycastClient<R> {
    /// A client that starts searching at `now` and hands what it finds to `host`.
    ///
    /// # Errors
    /// The configuration cannot work ([`ManycastConfig::validate`]).
    pub fn new(
        config: ManycastConfig,
        host: Host<R>,
        rng: R,
        now: Duration,
    ) -> Result<Self, ManycastConfigError> {
        config.validate()?;
        let per_key = config.max_sessions;
        Ok(Self {
            sessions: SessionLimits::new(config.max_sessions, per_key),
            rings: vec![Ring::new(config.clone(), now)],
            config,
            host,
            rng,
            servers: Vec::new(),
            found_by: Vec::new(),
            held: VecDeque::new(),
            events: VecDeque::new(),
        })
    }

    /// Another group to solicit from `now` on (a further `manycastclient` line), with its
    /// own key, version, poll bounds, `max_ttl` and `require_auth`. Its `minclock`,
    /// `maxclock`, `max_sessions` and `holddown` are replaced by the first group's: those
    /// bound all groups together, as ntpd's `tos` settings do.
    ///
    /// # Errors
    /// The settings cannot work ([`ManycastConfig::validate`]), or [`MAX_RINGS`] groups are
    /// already solicited ([`ManycastConfigError::TooManyRings`]).
    pub fn add_ring(
        &mut self,
        mut config: ManycastConfig,
        now: Duration,
    ) -> Result<RingId, ManycastConfigError> {
        config.minclock = self.config.minclock;
        config.maxclock = self.config.maxclock;
        config.max_sessions = self.config.max_sessions;
        config.holddown = self.config.holddown;
        config.validate()?;
        let index = u8::try_from(self.rings.len())
            .ok()
            .filter(|i| usize::from(*i) < MAX_RINGS)
            .ok_or(ManycastConfigError::TooManyRings)?;
        self.rings.push(Ring::new(config, now));
        Ok(RingId(index))
    }

    /// How many groups are solicited (1 plus those added).
    pub fn ring_count(&self) -> usize {
        self.rings.len()
    }

    /// The group whose solicitation server `id` answered, while it is associated.
    pub fn ring_of(&self, id: SourceId) -> Option<RingId> {
        let pos = self.servers.iter().position(|(i, _)| *i == id)?;
        self.found_by.get(pos).copied()
    }

    /// The host (system process, sources' status, server state).
    pub fn host(&self) -> &Host<R> {
        &self.host
    }

    /// The host, to add the configured `server`/`pool` sources that share its selection
    /// with the manycast servers. Their polls come out of [`Self::poll_transmit`] as
    /// [`Destination::Source`], their events as [`ManycastEvent::Host`]; their replies go to
    /// [`Host::handle_packet`] directly (this client routes only its own servers' packets).
    pub fn host_mut(&mut self) -> &mut Host<R> {
        &mut self.host
    }

    /// The servers associated now, with the host's id for each.
    pub fn servers(&self) -> &[(SourceId, SocketAddr)] {
        &self.servers
    }

    /// Where the first group's ring search stands.
    pub fn search_phase(&self) -> SearchPhase {
        self.rings
            .first()
            .map_or(SearchPhase::Paused, |r| r.search.phase)
    }

    /// Where group `ring`'s search stands (`None`: no such group).
    pub fn ring_phase(&self, ring: RingId) -> Option<SearchPhase> {
        self.rings.get(ring.index()).map(|r| r.search.phase)
    }

    /// When [`Self::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Duration {
        self.rings
            .iter()
            .map(|r| r.search.next)
            .fold(self.host.poll_timeout(), Duration::min)
    }

    /// Advances the timers to `now`; `wall` is the disciplined clock read now.
    pub fn handle_timeout(&mut self, now: Duration, wall: NtpTimestamp) {
        self.host.handle_timeout(now, wall);
        for ring in &mut self.rings {
            ring.search.handle_timeout(now);
        }
        self.drain_host(now);
    }

    /// Writes the next datagram due into `buf`, or `None`. Call again until `None`.
    /// `t1` is the clock read just before sending.
    ///
    /// # Errors
    /// The key is missing from `keys` or `buf` is too small: that group's solicitation is
    /// tried again one search step later.
    /// An association that cannot sign is demobilised
    /// ([`ManycastDemobilizeReason::KeyMissing`]).
    pub fn poll_transmit(
        &mut self,
        now: Duration,
        t1: NtpTimestamp,
        keys: &KeyStore,
        buf: &mut [u8],
    ) -> Result<Option<ManycastTransmit>, AuthError> {
        if let Some(due) = self.rings.iter().position(|r| r.search.due) {
            return self.solicit(due, now, t1, keys, buf);
        }
        let sent = match self.host.poll_transmit(now, t1, keys, buf) {
            Ok(sent) => sent,
            Err(e) => {
                self.host.remove_source(e.id);
                self.forget(now, e.id, ManycastDemobilizeReason::KeyMissing);
                return Err(e.error);
            }
        };
        // Looked up before the host's events are drained: a source demobilised for silence
        // still sends this last poll.
        let transmit = sent.map(|t| ManycastTransmit {
            destination: match self.address_of(t.id) {
                Some(server) => Destination::Server(server),
                None => Destination::Source(t.id),
            },
            len: t.len,
            ring: self.ring_of(t.id),
        });
        self.drain_host(now);
        Ok(transmit)
    }

    /// Processes one datagram from `from`, received at `t4`.
    ///
    /// From a mobilised server it feeds that association; otherwise it must answer one of
    /// our solicitations and pass every client/server test (the key's MAC unless
    /// authentication is disabled, a synchronised server) to mobilise one, within the
    /// session cap.
    ///
    /// # Errors
    /// Why the datagram was not used; nothing changed but counters.
    pub fn handle_packet(
        &mut self,
        now: Duration,
        from: SocketAddr,
        bytes: &[u8],
        t4: NtpTimestamp,
        keys: &KeyStore,
    ) -> Result<(), ManycastRejection> {
        // Origins carry 32 random bits: an answer matches one group's solicitation at most.
        let solicitation = self
            .rings
            .iter()
            .enumerate()
            .find_map(|(i, r)| Some((i, r.window.find(bytes)?)));
        if let Some(id) = self.id_of(from) {
            return match self.host.handle_packet(id, now, bytes, t4, keys) {
                Ok(()) => {
                    self.drain_host(now);
                    self.prune(now);
                    Ok(())
                }
                // A second answer to a solicitation from a server we already poll.
                Err(Rejection::BogusOrigin | Rejection::NotExpected) if solicitation.is_some() => {
                    Err(ManycastRejection::AlreadyAssociated)
                }
                Err(r) => Err(ManycastRejection::Association(r)),
            };
        }
        let (index, s) = solicitation.ok_or(ManycastRejection::NotSolicited)?;
        let Some(ring) = self.rings.get(index) else {
            return Err(ManycastRejection::NotSolicited);
        };
        let client = ring.config.client.clone();
        SolicitWindow::check(s, bytes, t4, &client, keys).map_err(ManycastRejection::Reply)?;
        self.held.retain(|(_, until)| *until > now);
        if self.held.iter().any(|(a, _)| *a == from) {
            return Err(ManycastRejection::HeldDown);
        }
        // One session table for every group: the cap holds in total and per key.
        let key = client.key.map(|k| u32::from(k.get()));
        self.sessions
            .try_admit(key)
            .map_err(ManycastRejection::SessionCap)?;
        let mut source = SourceConfig::new(client, reference_id_for(from.ip()));
        source.ephemeral = true;
        let id = self.host.add_source(source, now, self.rng.clone());
        self.servers.push((id, from));
        // `index` < MAX_RINGS (add_ring's bound), so it fits.
        self.found_by
            .push(RingId(u8::try_from(index).unwrap_or(u8::MAX)));
        self.push(ManycastEvent::Mobilized {
            id,
            server: from,
            ttl: s.ttl,
        });
        Ok(())
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<ManycastEvent> {
        self.events.pop_front()
    }

    /// Group `index`'s solicitation, due now (`None`: no such group).
    fn solicit(
        &mut self,
        index: usize,
        now: Duration,
        t1: NtpTimestamp,
        keys: &KeyStore,
        buf: &mut [u8],
    ) -> Result<Option<ManycastTransmit>, AuthError> {
        let associated = self.servers.len();
        // Our own stratum, so that a manycast server no better than us stays silent
        // (ntpd's "no help" rule; the server compares its stratum with this one).
        let ours = self.host.server_state(t1);
        let random = self.rng.next_u32();
        let Some(ring) = self.rings.get_mut(index) else {
            return Ok(None);
        };
        let wire_origin =
            NtpTimestamp::from_bits((t1.to_bits() & !0xffff_ffff) | u64::from(random));
        let client = &ring.config.client;
        let mut header = NtpHeader::client_request(wire_origin);
        header.version = client.version;
        header.poll = PollInterval(client.poll_bounds().0);
        header.precision = Precision(client.local_precision);
        if ours.stratum.is_synchronized() {
            header.stratum = ours.stratum;
            header.leap = ours.leap;
        } else {
            header.stratum = Stratum::UNSPECIFIED;
        }
        let signed = header
            .emit(buf)
            .map_err(AuthError::from)
            .and_then(|len| match client.key {
                Some(key) => append_mac(keys, key, buf, len),
                None => Ok(len),
            });
        let len = match signed {
            Ok(len) => len,
            Err(e) => {
                ring.search.postpone(now, &ring.config);
                return Err(e);
            }
        };
        // Like ntpd's per-association TTL: each group's ring grows on its own, and stops
        // once enough servers are associated counting every group's (ntpd's sys_survivors).
        let ttl = ring.search.on_transmit(now, associated, &ring.config);
        ring.window.push(wire_origin, t1, ttl);
        Ok(Some(ManycastTransmit {
            destination: Destination::Group { ttl },
            len,
            ring: u8::try_from(index).ok().map(RingId),
        }))
    }

    /// Moves the host's events to ours, turning its demobilisations into ours.
    fn drain_host(&mut self, now: Duration) {
        while let Some(event) = self.host.poll_event() {
            match event {
                HostEvent::Demobilized { id, reason } if self.address_of(id).is_some() => {
                    self.forget(now, id, ManycastDemobilizeReason::Host(reason));
                }
                other => self.push(ManycastEvent::Host(other)),
            }
        }
    }

    /// Above `maxclock`: demobilise the server selection ranks worst (falsetickers first,
    /// then rejected, then outliers, then the largest distance), never the system peer and
    /// never one not judged yet (ntpd prunes preemptable associations in clock_select).
    fn prune(&mut self, now: Duration) {
        while self.servers.len() > self.config.maxclock {
            let system_peer = self.host.system_peer();
            let victim = self
                .host
                .sources()
                .filter(|(id, _, _)| Some(*id) != system_peer && self.address_of(*id).is_some())
                .filter_map(|(id, _, status)| {
                    let rank = match status.tally {
                        Tally::Falseticker => 0u8,
                        Tally::Rejected(_) => 1,
                        Tally::Outlier => 2,
                        Tally::Candidate => 3,
                        Tally::None | Tally::SystemPeer => return None,
                    };
                    let distance = status
                        .stats
                        .map_or(f64::INFINITY, |s| s.delay / 2.0 + s.dispersion + s.jitter)
                        + status
                            .server
                            .map_or(0.0, |s| s.root_delay / 2.0 + s.root_dispersion);
                    Some((rank, distance, id))
                })
                .min_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)))
                .map(|(_, _, id)| id);
            let Some(id) = victim else { return };
            self.host.remove_source(id);
            self.forget(now, id, ManycastDemobilizeReason::Pruned);
        }
    }

    /// `id` is gone from the host: release its session, tell the driver, search again if
    /// too few remain.
    fn forget(&mut self, now: Duration, id: SourceId, reason: ManycastDemobilizeReason) {
        let Some(pos) = self.servers.iter().position(|(i, _)| *i == id) else {
            return;
        };
        let (_, server) = self.servers.remove(pos);
        let found_by = (pos < self.found_by.len()).then(|| self.found_by.remove(pos));
        if matches!(
            reason,
            ManycastDemobilizeReason::Pruned
                | ManycastDemobilizeReason::Host(DemobilizeReason::Falseticker(_))
        ) {
            if self.held.len() >= MAX_HELD_DOWN {
                self.held.pop_front();
            }
            self.held.push_back((server, now + self.config.holddown));
        }
        // The key its session was admitted under: its group's.
        let key = found_by
            .and_then(|r| self.rings.get(r.index()))
            .and_then(|r| r.config.client.key);
        self.sessions.release(key.map(|k| u32::from(k.get())));
        self.push(ManycastEvent::Demobilized { id, server, reason });
        if self.servers.len() < self.config.minclock {
            for ring in &mut self.rings {
                ring.search.restart(now);
            }
        }
    }

    fn id_of(&self, from: SocketAddr) -> Option<SourceId> {
        self.servers
            .iter()
            .find(|(_, a)| *a == from)
            .map(|(id, _)| *id)
    }

    fn address_of(&self, id: SourceId) -> Option<SocketAddr> {
        self.servers.iter().find(|(i, _)| *i == id).map(|(_, a)| *a)
    }

    fn push(&mut self, event: ManycastEvent) {
        if self.events.len() >= MAX_QUEUED_MANYCAST_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }
}
