//! The upstream thread: every configured server and pool member through ntpkit-assoc's
//! [`Host`], one connected socket each, on a mio loop of its own. It publishes the state
//! the workers serve with (stratum + 1 and the system peer's address once synchronised;
//! the configured fallback before that) and logs each change of system peer.
//!
//! The system clock is disciplined only when [`ClockControl::adjust`] says so (not with
//! `--no-clock-adjust`, and never without CAP_SYS_TIME); otherwise the adjustments are
//! counted and dropped, and ntpkitd serves the clock as it finds it.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token, Waker};
use ntpkit_access::{
    AuthStatus, Decision, Ingress, PacketKind, Request as AccessRequest, SessionLimits,
};
use ntpkit_assoc::ServerState;
use ntpkit_assoc::broadcast::{BroadcastEvent, BroadcastRejection, DelaySource};
use ntpkit_assoc::control::PeerInfo;
use ntpkit_assoc::host::{DemobilizeReason, Host, HostEvent};
use ntpkit_assoc::manycast::{ManycastClient, ManycastEvent};
use ntpkit_assoc::symmetric::{PassivePolicy, SymmetricConfig};
use ntpkit_auth::KeyId;
use ntpkit_clock::{ClockAdjust, DriftSchedule, SourceId};
use ntpkit_runtime::{
    MulticastSocket, Reader, Shared, SystemClock, UnixTime, UpstreamSocket, os_random_u32,
    read_drift, write_drift,
};
use ntpkit_wire::{NtpShort, NtpTimestamp};

use crate::broadcast::{BroadcastListener, Broadcasters};
use crate::forward::{Forwarded, Forwarder};
use crate::monitor::Monitor;
use crate::plan::{ManycastPlan, PlannedSource, UpstreamPlan, resolve_pool, with_refid};
use crate::setup::Setup;
use crate::sources::{ManycastGroup, SendError, Sources, Transmitted};
use crate::stats::StatsRecorder;
use crate::virtualclock::VirtualClock;

const WAKER: Token = Token(usize::MAX);

/// Tokens of the `manycastclient` sockets: `MANYCAST + i` for the i-th group (at most
/// `MAX_RINGS`, below the waker's).
const MANYCAST: usize = usize::MAX - 1 - ntpkit_assoc::manycast::MAX_RINGS;

/// Manycast refusals logged (the rest are counted).
const LOGGED_MANYCAST_REFUSALS: u64 = 10;

/// Tokens of the `multicastclient` group sockets: `GROUPS + i` for the i-th (source ids,
/// the other tokens, are small).
const GROUPS: usize = usize::MAX - 1024;

/// Broadcast refusals logged (the rest are counted): a replay is not logged at all, as
/// every worker's socket receives each broadcast and all but the first copy are replays.
const LOGGED_BROADCAST_REFUSALS: u64 = 10;

/// Our mode towards a broadcast server as ntpq shows it (ntpd's MODE_BCLIENT).
const BCLIENT_HOST_MODE: u8 = 6;
/// Longest wait between two looks at the clock: the state served grows its root
/// dispersion with time, so it is republished at least this often.
const MAX_WAIT: Duration = Duration::from_secs(1);

/// Shortest interval between two DNS look-ups of a pool name.
const POOL_REFILL_INTERVAL: Duration = Duration::from_secs(60);

/// Largest datagram an upstream server may send us (header, extension fields, MAC).
const MAX_REPLY: usize = 1024;

type Rng = fn() -> u32;

/// What the upstream thread may do to the system clock.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClockControl {
    /// Apply the discipline's adjustments to the kernel clock.
    pub(crate) adjust: bool,
    /// `driftfile`: read at start, written hourly while adjusting.
    pub(crate) drift_file: Option<PathBuf>,
    /// `enable kernel`: hand each clock update to the kernel's PLL (ntpd's kernel
    /// discipline) instead of slewing from user space once a second.
    pub(crate) kernel: bool,
}

/// What the upstream thread shares with the rest of the daemon.
pub(crate) struct Links {
    /// Where the workers find the way to hand over symmetric active packets.
    pub(crate) forward: Arc<Shared<Option<Forwarder>>>,
    /// The addresses the server is bound to.
    pub(crate) listen: Vec<SocketAddr>,
    /// The workers' access policy: multicast broadcasts read here pass it too.
    pub(crate) access: Arc<crate::service::SharedState>,
}

/// A running upstream thread.
pub(crate) struct Upstream {
    stop: Arc<AtomicBool>,
    waker: Arc<Waker>,
    thread: Option<JoinHandle<()>>,
}

impl Upstream {
    /// Starts the thread. `state` is what workers serve with; `setup` gives the keys and
    /// the fallback state (local reference or unsynchronised) until a source is selected.
    pub(crate) fn start(
        plan: UpstreamPlan,
        precision: i8,
        setup: Reader<Setup>,
        state: Arc<Shared<ServerState>>,
        monitor: Arc<Shared<Monitor>>,
        control: ClockControl,
        links: Links,
    ) -> io::Result<Self> {
        let poll = Poll::new()?;
        let restored = control
            .drift_file
            .as_deref()
            .and_then(|path| match read_drift(path) {
                Ok(frequency) => frequency,
                Err(e) => {
                    tracing::warn!("driftfile {}: {e}; starting without", path.display());
                    None
                }
            });
        if let Some(f) = restored {
            tracing::info!("frequency {:.3} PPM restored from the drift file", f * 1e6);
        }
        let clock = if control.adjust {
            let mut clock = SystemClock::new();
            match clock.take_over() {
                Ok(()) => Some(clock),
                Err(e) => {
                    tracing::error!("cannot take over the system clock ({e}); not adjusting it");
                    None
                }
            }
        } else {
            None
        };
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let (forwarder, forwarded) = Forwarder::new(waker.clone());
        links.forward.replace(Some(forwarder));
        let (total, per_key) = plan.passive_limits;
        let passive = PassivePolicy::new(SessionLimits::new(total, per_key));
        let stop = Arc::new(AtomicBool::new(false));
        let stats = StatsRecorder::new(plan.stats.clone());
        let broadcasters = Broadcasters::open(&plan.broadcasts, &links.listen, Duration::ZERO);
        let port = links
            .listen
            .first()
            .map_or(crate::setup::NTP_PORT, SocketAddr::port);
        let make_host = || {
            Host::new(plan.options, precision, restored, Duration::ZERO)
                .map_err(|e| io::Error::other(e.to_string()))
        };
        let sources = manycast_sources(make_host, &plan.manycast_clients, port, &links.listen)?;
        for (i, g) in sources.manycast_groups().iter().enumerate() {
            let fd = g.socket.as_raw_fd();
            poll.registry().register(
                &mut SourceFd(&fd),
                Token(MANYCAST + i),
                Interest::READABLE,
            )?;
        }
        let listener = plan
            .broadcast_client
            .clone()
            .map(|p| BroadcastListener::open(p, port, &links.listen));
        if listener
            .as_ref()
            .is_some_and(|l| l.takes_broadcasts() && !l.has_broadcast_sockets())
            && !links.listen.iter().any(|a| a.ip().is_unspecified())
        {
            // A socket bound to a unicast address never receives broadcasts, and none of
            // the addresses listened on has an interface broadcast address (the loopback).
            tracing::warn!(
                "broadcastclient: no wildcard listen address (0.0.0.0 or [::]) and no interface broadcast address; broadcasts will not be received"
            );
        }
        if let Some(l) = &listener {
            for (i, socket) in l.groups.iter().enumerate() {
                let fd = socket.as_raw_fd();
                poll.registry().register(
                    &mut SourceFd(&fd),
                    Token(GROUPS + i),
                    Interest::READABLE,
                )?;
            }
        }
        let memberships = join_manycast_groups(&plan.manycast_groups, port);
        let mut driver = Driver {
            access: links.access,
            _memberships: memberships,
            broadcasters,
            listener,
            followers: HashMap::new(),
            broadcast_refusals: 0,
            manycast_refusals: 0,
            poll,
            forwarded,
            passive,
            passive_keys: HashMap::new(),
            refusals: 0,
            listen: links.listen,
            precision,
            virtual_clock: clock.is_none().then(|| VirtualClock::new(Instant::now())),
            clock,
            kernel: control.kernel,
            drift_file: control.drift_file,
            drift: DriftSchedule::new(),
            sent_at: HashMap::new(),
            stats,
            sources,
            sockets: HashMap::new(),
            names: HashMap::new(),
            plan,
            setup,
            state,
            monitor,
            last_offset: 0.0,
            start: Instant::now(),
            stop: stop.clone(),
            last_pool_lookup: None,
            adjustments_dropped: 0,
        };
        driver.add_configured();
        let thread = std::thread::Builder::new()
            .name("upstream".into())
            .spawn(move || driver.run())?;
        Ok(Self {
            stop,
            waker,
            thread: Some(thread),
        })
    }

    /// Stops the thread and waits for it.
    pub(crate) fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        let _ = self.waker.wake();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Driver {
    poll: Poll,
    /// The access policy (restrict lists) the workers apply.
    access: Arc<crate::service::SharedState>,
    /// `manycastserver` group memberships (the workers' wildcard sockets answer).
    _memberships: Vec<MulticastSocket>,
    /// `broadcast` lines.
    broadcasters: Broadcasters,
    /// `broadcastclient` / `multicastclient`.
    listener: Option<BroadcastListener>,
    /// The broadcast servers followed, as host sources: the key their client checks and
    /// their address.
    followers: HashMap<SourceId, (Option<KeyId>, SocketAddr)>,
    /// Broadcasts refused (the first few are logged).
    broadcast_refusals: u64,
    /// Manycast answers refused (the first few are logged).
    manycast_refusals: u64,
    /// Symmetric active packets from peers without an association, from the workers.
    forwarded: Receiver<Forwarded>,
    passive: PassivePolicy,
    /// The key each passive association holds a place under (given back when it ends).
    passive_keys: HashMap<SourceId, KeyId>,
    /// Symmetric active packets that mobilised nothing (logged for the first few).
    refusals: u64,
    /// The server's bound addresses: symmetric associations send from them.
    listen: Vec<SocketAddr>,
    precision: i8,
    /// The kernel clock, when ntpkitd disciplines it.
    clock: Option<SystemClock>,
    /// Otherwise the stand-in the discipline steers (the system clock stays untouched).
    virtual_clock: Option<VirtualClock>,
    /// `enable kernel`: the kernel's PLL disciplines; our once-a-second frequency is unused.
    kernel: bool,
    drift_file: Option<PathBuf>,
    drift: DriftSchedule,
    /// The clock reading each source's latest request left at (T1): the packet carries it
    /// with random low bits (CVE-2020-13817), rawstats gets the true value.
    sent_at: HashMap<SourceId, NtpTimestamp>,
    stats: Option<StatsRecorder>,
    /// The host (inside the manycast client when there is one).
    sources: Sources,
    sockets: HashMap<SourceId, UpstreamSocket>,
    names: HashMap<SourceId, String>,
    plan: UpstreamPlan,
    setup: Reader<Setup>,
    state: Arc<Shared<ServerState>>,
    monitor: Arc<Shared<Monitor>>,
    /// The combined offset of the last clock update (`ntpq -c rv` `offset`), seconds.
    last_offset: f64,
    start: Instant,
    stop: Arc<AtomicBool>,
    last_pool_lookup: Option<Instant>,
    adjustments_dropped: u64,
}

fn wall() -> NtpTimestamp {
    let t = UnixTime::now();
    NtpTimestamp::from_unix(t.secs, t.nanos)
}

/// The host on its own, or inside a manycast client soliciting each of `plans`' groups (on
/// `port`, the server's, unless the line names one). A line whose socket cannot be opened
/// is left out; the others run.
fn manycast_sources(
    make_host: impl Fn() -> io::Result<Host<Rng>>,
    plans: &[ManycastPlan],
    port: u16,
    listen: &[SocketAddr],
) -> io::Result<Sources> {
    let mut client: Option<ManycastClient<Rng>> = None;
    let mut groups = Vec::new();
    for plan in plans {
        let group = SocketAddr::new(plan.group, plan.port.unwrap_or(port));
        let socket = match MulticastSocket::sender(group, None) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("manycastclient {group}: {e}; not run");
                continue;
            }
        };
        let added = match &mut client {
            None => ManycastClient::new(
                plan.config.clone(),
                make_host()?,
                os_random_u32 as Rng,
                Duration::ZERO,
            )
            .map(|c| client = Some(c)),
            Some(c) => c.add_ring(plan.config.clone(), Duration::ZERO).map(|_| ()),
        };
        if let Err(e) = added {
            tracing::error!("manycastclient {group}: {e}; not run");
            continue;
        }
        tracing::info!(
            "manycast: soliciting {group} (ttl 1..{}, {})",
            plan.config.max_ttl,
            plan.config
                .client
                .key
                .map_or("unauthenticated".to_string(), |k| format!(
                    "key {}",
                    k.get()
                ))
        );
        groups.push(ManycastGroup {
            group,
            socket,
            key_id: plan.config.client.key.map_or(0, |k| k.get()),
            minpoll: plan.config.client.poll_bounds().0,
        });
    }
    Ok(match client {
        Some(client) => Sources::Manycast {
            client: Box::new(client),
            groups,
            listen: listen.to_vec(),
        },
        None => Sources::Host(Box::new(make_host()?)),
    })
}

/// Joins each `manycastserver` group on `port`: the server's wildcard sockets then receive
/// the solicitations and answer them under the manycast rule.
fn join_manycast_groups(groups: &[std::net::IpAddr], port: u16) -> Vec<MulticastSocket> {
    let mut joined = Vec::new();
    for group in groups {
        let addr = SocketAddr::new(*group, port);
        match MulticastSocket::membership(addr, None) {
            Ok(m) => {
                tracing::info!("answering manycast clients on {addr}");
                joined.push(m);
            }
            Err(e) => tracing::warn!("manycastserver {addr}: {e}; left out"),
        }
    }
    joined
}

/// The disciplined clock now: the system clock, or `virtual_clock` on top of it.
fn read_clock(virtual_clock: Option<&VirtualClock>) -> NtpTimestamp {
    let system = wall();
    match virtual_clock {
        Some(v) => v.read(system, Instant::now()),
        None => system,
    }
}

impl Driver {
    fn add_configured(&mut self) {
        for source in self.plan.sources.clone() {
            self.add(&source);
        }
        self.refill_pools();
    }

    fn add(&mut self, source: &PlannedSource) {
        let opened = match &source.peer {
            // A peer talks to our server port, as we to its: send from there (ntpd's way),
            // so packets of a peer that configured us too reach this association.
            Some(_) => match self
                .listen
                .iter()
                .find(|l| l.is_ipv4() == source.addr.is_ipv4())
            {
                Some(local) => UpstreamSocket::connect_from(*local, source.addr),
                None => Err(io::Error::other("no listen address of its family")),
            },
            None => UpstreamSocket::connect(source.addr),
        };
        let socket = match opened {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("source {} ({}): {e}; left out", source.name, source.addr);
                return;
            }
        };
        let now = self.start.elapsed();
        let id = match &source.peer {
            Some(peer) => self.sources.host_mut().add_peer(
                source.config.clone(),
                peer.clone(),
                now,
                os_random_u32 as Rng,
            ),
            None => {
                self.sources
                    .host_mut()
                    .add_source(source.config.clone(), now, os_random_u32 as Rng)
            }
        };
        self.register(id, socket, &source.name, source.config.ephemeral);
    }

    fn register(&mut self, id: SourceId, socket: UpstreamSocket, name: &str, ephemeral: bool) {
        let addr = socket.server();
        let fd = socket.as_raw_fd();
        let token = Token(id.0 as usize);
        if let Err(e) = self
            .poll
            .registry()
            .register(&mut SourceFd(&fd), token, Interest::READABLE)
        {
            tracing::warn!("source {name}: cannot watch its socket: {e}");
            self.sources.host_mut().remove_source(id);
            return;
        }
        tracing::info!(
            "polling {name} ({addr}){}",
            if ephemeral { " (ephemeral)" } else { "" }
        );
        self.names.insert(id, format!("{name} ({addr})"));
        self.sockets.insert(id, socket);
    }

    /// A symmetric active packet from a source without an association: mobilise a passive
    /// one only if the PassivePolicy allows (trusted key, restrict, caps), else drop it.
    fn mobilise(&mut self, packet: Forwarded) {
        let now = self.start.elapsed();
        if ntpkit_wire::peek_mode(&packet.bytes) == Ok(ntpkit_wire::Mode::Broadcast) {
            if !self
                .listener
                .as_ref()
                .is_some_and(BroadcastListener::takes_broadcasts)
            {
                return;
            }
            if packet.decision.is_serve() {
                self.on_broadcast(packet.source, packet.local, &packet.bytes, packet.t4);
            } else {
                self.refuse_broadcast(packet.source, packet.decision);
            }
            return;
        }
        // Queued at the server socket before this peer's own socket existed.
        if let Some(id) = self
            .sockets
            .iter()
            .find(|(_, s)| s.server() == packet.source)
            .map(|(id, _)| *id)
        {
            let keys = &self.setup.get().keys;
            let _ = self
                .sources
                .host_mut()
                .handle_packet(id, now, &packet.bytes, packet.t4, keys);
            return;
        }
        let keys = &self.setup.get().keys;
        let grant = match self.passive.admit(&packet.bytes, keys, packet.decision) {
            Ok(grant) => grant,
            Err(why) => {
                self.refusals += 1;
                if self.refusals <= 10 {
                    tracing::info!(
                        "symmetric active packet from {} mobilises nothing: {why:?}",
                        packet.source
                    );
                }
                return;
            }
        };
        let socket = match UpstreamSocket::connect_from(packet.local, packet.source) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("passive peer {}: {e}", packet.source);
                self.passive.release(grant.key);
                return;
            }
        };
        let mut client = ntpkit_assoc::client::ClientConfig::default();
        client.local_precision = self.precision;
        let source = ntpkit_assoc::host::SourceConfig::new(
            client,
            crate::plan::reference_id_for(packet.source.ip()),
        );
        let mut peer = SymmetricConfig::default();
        peer.local_precision = self.precision;
        let key = grant.key;
        let id = self.sources.host_mut().add_passive(
            source,
            grant,
            peer,
            now,
            os_random_u32 as Rng,
            packet.t4,
        );
        self.passive_keys.insert(id, key);
        self.register(id, socket, "passive peer", true);
        let keys = &self.setup.get().keys;
        let _ = self
            .sources
            .host_mut()
            .handle_packet(id, now, &packet.bytes, packet.t4, keys);
    }

    fn remove(&mut self, id: SourceId) {
        self.sources.host_mut().remove_source(id);
        self.followers.remove(&id);
        if let Some(key) = self.passive_keys.remove(&id) {
            self.passive.release(key);
        }
        self.names.remove(&id);
        self.sent_at.remove(&id);
        if let Some(socket) = self.sockets.remove(&id) {
            let fd = socket.as_raw_fd();
            let _ = self.poll.registry().deregister(&mut SourceFd(&fd));
        }
    }

    /// Tops the pool members up to `tos maxclock` sources, at most once a minute.
    fn refill_pools(&mut self) {
        if self.plan.pools.is_empty()
            || self.sockets.len() >= self.plan.maxclock
            || self
                .last_pool_lookup
                .is_some_and(|t| t.elapsed() < POOL_REFILL_INTERVAL)
        {
            return;
        }
        self.last_pool_lookup = Some(Instant::now());
        let in_use: Vec<SocketAddr> = self.sockets.values().map(|s| s.server()).collect();
        for pool in self.plan.pools.clone() {
            for addr in resolve_pool(&pool) {
                if self.sockets.len() >= self.plan.maxclock {
                    return;
                }
                if in_use.contains(&addr) {
                    continue;
                }
                self.add(&PlannedSource {
                    name: pool.name.clone(),
                    addr,
                    config: with_refid(&pool.template, addr.ip()),
                    peer: None,
                });
            }
        }
    }

    fn run(mut self) {
        let mut events = Events::with_capacity(64);
        let mut buf = [0u8; MAX_REPLY];
        while !self.stop.load(Ordering::Acquire) {
            self.setup.refresh();
            let now = self.start.elapsed();
            let clock = self.clock_now();
            self.sources.handle_timeout(now, clock);
            if let Some(l) = &mut self.listener {
                l.handle_timeout(now);
            }
            self.route_broadcast_events(clock);
            self.transmit(now, &mut buf);
            self.transmit_volleys(now, &mut buf);
            self.drain_events();
            self.publish();
            self.broadcast(now);
            let due = [
                Some(self.sources.poll_timeout()),
                self.broadcasters.poll_timeout(),
                self.listener
                    .as_ref()
                    .and_then(BroadcastListener::poll_timeout),
            ];
            let wait = due
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(MAX_WAIT)
                .saturating_sub(self.start.elapsed())
                .min(MAX_WAIT);
            if let Err(e) = self.poll.poll(&mut events, Some(wait))
                && e.kind() != io::ErrorKind::Interrupted
            {
                tracing::error!("upstream: poll failed: {e}");
                return;
            }
            for event in &events {
                if event.token() == WAKER {
                    while let Ok(packet) = self.forwarded.try_recv() {
                        self.mobilise(packet);
                    }
                } else if (MANYCAST..WAKER.0).contains(&event.token().0) {
                    self.receive_manycast(event.token().0 - MANYCAST, &mut buf);
                } else if event.token().0 >= GROUPS {
                    self.receive_group(event.token().0 - GROUPS, &mut buf);
                } else {
                    self.receive(SourceId(event.token().0 as u64), &mut buf);
                }
            }
            self.drain_events();
        }
        if self.adjustments_dropped > 0 {
            tracing::info!(
                "{} clock adjustments applied to the virtual clock only (the system clock was left alone)",
                self.adjustments_dropped
            );
        }
    }

    /// The disciplined clock now: the system clock, or the virtual one when ntpkitd may
    /// not adjust it.
    fn clock_now(&self) -> NtpTimestamp {
        read_clock(self.virtual_clock.as_ref())
    }

    /// Sends the broadcasts due, with the state the workers serve.
    fn broadcast(&mut self, now: Duration) {
        let state = self.state.load();
        let keys = &self.setup.get().keys;
        let virtual_clock = self.virtual_clock.as_ref();
        self.broadcasters
            .run(now, &state, keys, || read_clock(virtual_clock));
    }

    /// A kernel receive stamp on the disciplined clock.
    fn disciplined(&self, stamp: NtpTimestamp) -> NtpTimestamp {
        match &self.virtual_clock {
            // The correction moves by at most 500 PPM: reading it now costs nanoseconds.
            Some(v) => v.read(stamp, Instant::now()),
            None => stamp,
        }
    }

    /// A mode 5 packet (from a group socket, or from the workers for `broadcastclient`)
    /// sent to `local` and received at `t4` on the system clock.
    fn on_broadcast(
        &mut self,
        from: SocketAddr,
        local: SocketAddr,
        bytes: &[u8],
        t4: NtpTimestamp,
    ) {
        let t4 = self.disciplined(t4);
        let now = self.start.elapsed();
        let keys = &self.setup.get().keys;
        let Some(listener) = &mut self.listener else {
            return;
        };
        let outcome = listener.handle_broadcast(now, from, bytes, t4, keys);
        if outcome.is_ok()
            && let Some(stats) = &mut self.stats
        {
            // A broadcast carries no origin of ours: the line shows the packet's own fields.
            stats.raw(from, local, bytes, None, t4);
        }
        if let Err(why) = outcome {
            let replay = matches!(
                why,
                crate::broadcast::Refusal::Client(BroadcastRejection::Replay)
            );
            if !replay {
                self.broadcast_refusals += 1;
                if self.broadcast_refusals <= LOGGED_BROADCAST_REFUSALS {
                    tracing::info!("broadcast from {from} refused: {why}");
                }
            }
        }
        self.route_broadcast_events(t4);
    }

    /// The restrict lists' word on a broadcast from `from` read on a group socket (the
    /// workers decide on those they hand over).
    fn broadcast_decision(&self, from: SocketAddr, bytes: &[u8]) -> Decision {
        let keys = &self.setup.get().keys;
        let auth = match ntpkit_auth::verify_packet(keys, bytes) {
            Ok(Some(_)) => AuthStatus::Valid,
            Ok(None) => AuthStatus::None,
            Err(_) => AuthStatus::Failed,
        };
        let request = AccessRequest::new(
            from.ip(),
            from.port(),
            PacketKind::Broadcast,
            Ingress::Network,
        )
        .with_auth(auth);
        let now = self.access.start.elapsed();
        self.access
            .policy
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .decide(now, &request)
    }

    /// Counts (and logs the first few of) the broadcasts the access policy refused.
    fn refuse_broadcast(&mut self, from: SocketAddr, decision: Decision) {
        self.broadcast_refusals += 1;
        if self.broadcast_refusals <= LOGGED_BROADCAST_REFUSALS {
            tracing::info!("broadcast from {from} refused by the access policy: {decision:?}");
        }
    }

    /// Datagrams waiting on the `i`-th multicast group socket.
    fn receive_group(&mut self, i: usize, buf: &mut [u8]) {
        loop {
            let Some(socket) = self.listener.as_ref().and_then(|l| l.groups.get(i)) else {
                return;
            };
            let socket_group = socket.group();
            let got = match socket.recv(buf) {
                Ok(Some(got)) => got,
                Ok(None) | Err(_) => return,
            };
            let t4 = NtpTimestamp::from_unix(got.received.secs, got.received.nanos);
            let bytes = buf.get(..got.len).unwrap_or(&[]).to_vec();
            let decision = self.broadcast_decision(got.from, &bytes);
            if !decision.is_serve() {
                self.refuse_broadcast(got.from, decision);
                continue;
            }
            self.on_broadcast(got.from, socket_group, &bytes, t4);
        }
    }

    /// What the broadcast clients did: a host source per server followed, fed its samples
    /// (received at `t4`), removed when the server falls silent.
    fn route_broadcast_events(&mut self, t4: NtpTimestamp) {
        let now = self.start.elapsed();
        while let Some((key, event)) = self
            .listener
            .as_mut()
            .and_then(BroadcastListener::poll_event)
        {
            match event {
                BroadcastEvent::Mobilized(server) => self.follow(key, server, now),
                BroadcastEvent::Calibrated { server, delay } => {
                    let how = match delay {
                        DelaySource::Volley(_) => "measured by the volley",
                        DelaySource::Configured(_) => "broadcastdelay",
                        _ => "other",
                    };
                    tracing::info!(
                        "broadcast server {server}: one-way delay {:.3} ms ({how})",
                        delay.seconds() * 1e3
                    );
                }
                BroadcastEvent::Sample { server, sample } => {
                    if let Some(id) = self.follower(key, server) {
                        let _ = self.sources.host_mut().feed_external(id, now, sample, t4);
                    }
                }
                BroadcastEvent::Demobilized(server) => {
                    if let Some(id) = self.follower(key, server) {
                        tracing::info!("broadcast server {server} fell silent; dropped");
                        self.remove(id);
                    }
                }
                _ => {}
            }
        }
    }

    fn follower(&self, key: Option<KeyId>, server: SocketAddr) -> Option<SourceId> {
        self.followers
            .iter()
            .find(|(_, f)| **f == (key, server))
            .map(|(id, _)| *id)
    }

    /// A new broadcast server: a host source fed by the broadcast client, and a socket of
    /// its own for the calibration volley (RFC 9109: a fresh port per association).
    fn follow(&mut self, key: Option<KeyId>, server: SocketAddr, now: Duration) {
        let mut client = ntpkit_assoc::client::ClientConfig::default();
        client.key = key;
        client.local_precision = self.precision;
        let mut config = ntpkit_assoc::host::SourceConfig::new(
            client,
            crate::plan::reference_id_for(server.ip()),
        );
        // Mobilised by its broadcasts, not configured (ntpq and peerstats status bits).
        config.ephemeral = true;
        let id = self
            .sources
            .host_mut()
            .add_external(config, BCLIENT_HOST_MODE, now);
        self.followers.insert(id, (key, server));
        let signed = key.map_or("unsigned".to_string(), |k| format!("key {}", k.get()));
        tracing::info!("following broadcast server {server} ({signed})");
        match UpstreamSocket::connect(server) {
            Ok(socket) => self.register(id, socket, "broadcast server", true),
            Err(e) => tracing::warn!(
                "broadcast server {server}: no socket for its calibration volley ({e}); broadcastdelay will be used"
            ),
        }
    }

    /// Sends the calibration requests due.
    fn transmit_volleys(&mut self, now: Duration, buf: &mut [u8]) {
        loop {
            let t1 = self.clock_now();
            let keys = &self.setup.get().keys;
            let Some(listener) = &mut self.listener else {
                return;
            };
            let Some((key, server, len)) = listener.poll_transmit(now, t1, keys, buf) else {
                return;
            };
            let Some(id) = self.follower(key, server) else {
                continue;
            };
            // rawstats shows the true T1 of the reply (the packet carries random low bits).
            self.sent_at.insert(id, t1);
            if let Some(socket) = self.sockets.get(&id) {
                let _ = socket.send(buf.get(..len).unwrap_or(&[]));
            }
        }
    }

    /// Replies to a broadcast server's calibration requests.
    fn receive_volley(
        &mut self,
        id: SourceId,
        key: Option<KeyId>,
        server: SocketAddr,
        buf: &mut [u8],
    ) {
        while let Some((len, t4)) = self.recv_from(id, buf) {
            let now = self.start.elapsed();
            let keys = &self.setup.get().keys;
            let bytes = buf.get(..len).unwrap_or(&[]);
            // A refused reply changes nothing; the volley's association counts it.
            let accepted = self
                .listener
                .as_mut()
                .is_some_and(|l| l.handle_reply(key, now, server, bytes, t4, keys).is_ok());
            if accepted {
                self.record_raw(id, server, bytes, t4);
            }
            self.route_broadcast_events(t4);
        }
    }

    fn transmit(&mut self, now: Duration, buf: &mut [u8]) {
        loop {
            let t1 = self.clock_now();
            let keys = &self.setup.get().keys;
            match self.sources.poll_transmit(now, t1, keys, buf) {
                Ok(None) => return,
                Ok(Some(Transmitted::Source(id, len))) => {
                    self.sent_at.insert(id, t1);
                    let Some(socket) = self.sockets.get(&id) else {
                        continue;
                    };
                    // A refused send (ICMP unreachable from the last one) just goes unanswered:
                    // the reach register tells the story.
                    let _ = socket.send(buf.get(..len).unwrap_or(&[]));
                }
                Ok(Some(Transmitted::ManycastServer(id, server, len))) => {
                    self.sent_at.insert(id, t1);
                    // Its own socket from the first poll on (RFC 9109, CVE-2019-11331).
                    if !self.sockets.contains_key(&id) {
                        match UpstreamSocket::connect(server) {
                            Ok(socket) => self.register(id, socket, "manycast server", true),
                            Err(e) => tracing::warn!("manycast server {server}: {e}"),
                        }
                    }
                    if let Some(socket) = self.sockets.get(&id) {
                        let _ = socket.send(buf.get(..len).unwrap_or(&[]));
                    }
                }
                Ok(Some(Transmitted::Solicitation)) => {}
                Err(SendError::Source(e)) => {
                    let name = self.names.get(&e.id).cloned().unwrap_or_default();
                    tracing::error!("server {name}: cannot send: {}; removed", e.error);
                    self.remove(e.id);
                }
                Err(SendError::Manycast(e)) => {
                    // That group tries again one search step later; the rest goes on.
                    tracing::error!("manycastclient: cannot sign a solicitation: {e}");
                }
            }
        }
    }

    /// Answers to the `ring`-th group's solicitations (and any reply of a server found
    /// that still arrives there).
    fn receive_manycast(&mut self, ring: usize, buf: &mut [u8]) {
        loop {
            let (from, len, stamp) = match self.sources.recv_manycast(ring, buf) {
                Ok(Some(got)) => got,
                Ok(None) | Err(_) => return,
            };
            let t4 = self.disciplined(stamp);
            let now = self.start.elapsed();
            let keys = &self.setup.get().keys;
            let bytes = buf.get(..len).unwrap_or(&[]);
            if let Err(why) = self.sources.handle_manycast(now, from, bytes, t4, keys) {
                self.manycast_refusals += 1;
                if self.manycast_refusals <= LOGGED_MANYCAST_REFUSALS {
                    tracing::info!("manycast: answer from {from} refused: {why:?}");
                }
            }
        }
    }

    /// The next datagram on source `id`'s socket: its length in `buf` and its arrival on
    /// the disciplined clock; `None` when nothing is queued (or the socket is gone).
    fn recv_from(&self, id: SourceId, buf: &mut [u8]) -> Option<(usize, NtpTimestamp)> {
        let socket = self.sockets.get(&id)?;
        loop {
            match socket.recv(buf) {
                Ok(Some((len, stamp))) => {
                    let t4 = NtpTimestamp::from_unix(stamp.secs, stamp.nanos);
                    return Some((len, self.disciplined(t4)));
                }
                // ICMP port unreachable for an earlier request: nothing to read.
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {}
                Ok(None) | Err(_) => return None,
            }
        }
    }

    /// A rawstats line for a packet source `id` accepted from `server` (ntpd writes one for
    /// every valid packet of an association, whatever its mode).
    fn record_raw(&mut self, id: SourceId, server: SocketAddr, bytes: &[u8], t4: NtpTimestamp) {
        let Some(stats) = &mut self.stats else { return };
        let local = self
            .sockets
            .get(&id)
            .and_then(|s| s.local_addr().ok())
            .unwrap_or(server);
        stats.raw(server, local, bytes, self.sent_at.get(&id).copied(), t4);
    }

    /// Replies on the own socket of a server the manycast client found: its client routes
    /// them by the server's address.
    fn receive_manycast_server(&mut self, id: SourceId, server: SocketAddr, buf: &mut [u8]) {
        while let Some((len, t4)) = self.recv_from(id, buf) {
            let now = self.start.elapsed();
            let keys = &self.setup.get().keys;
            let bytes = buf.get(..len).unwrap_or(&[]);
            // A refused reply changes nothing; the association counts it.
            if self
                .sources
                .handle_manycast(now, server, bytes, t4, keys)
                .is_ok()
            {
                self.record_raw(id, server, bytes, t4);
            }
        }
    }

    fn receive(&mut self, id: SourceId, buf: &mut [u8]) {
        if let Some(&(key, server)) = self.followers.get(&id) {
            self.receive_volley(id, key, server, buf);
            return;
        }
        if let Some(server) = self.sources.manycast_server(id) {
            self.receive_manycast_server(id, server, buf);
            return;
        }
        while let Some((len, t4)) = self.recv_from(id, buf) {
            let Some(server) = self.sockets.get(&id).map(UpstreamSocket::server) else {
                return;
            };
            let keys = &self.setup.get().keys;
            let bytes = buf.get(..len).unwrap_or(&[]);
            // A rejected packet changes nothing; the association counts it.
            let accepted = self
                .sources
                .host_mut()
                .handle_packet(id, self.start.elapsed(), bytes, t4, keys)
                .is_ok();
            if accepted {
                self.record_raw(id, server, bytes, t4);
            }
        }
    }

    fn drain_events(&mut self) {
        while let Some(event) = self.sources.poll_event() {
            let event = match event {
                ManycastEvent::Host(e) => e,
                other => {
                    self.manycast_event(other);
                    continue;
                }
            };
            match event {
                HostEvent::Adjust(adjust) => self.adjust(adjust),
                HostEvent::SystemPeer(Some(id)) => {
                    let name = self.names.get(&id).cloned().unwrap_or_default();
                    let state = self.sources.host().server_state(self.clock_now());
                    tracing::info!(
                        "synchronised to {name}, serving at stratum {}",
                        state.stratum.0
                    );
                }
                HostEvent::SystemPeer(None) => {
                    tracing::warn!("no system peer: serving the fallback state");
                    // The kernel would only notice after its 16 s maximum error (hours).
                    if let Some(clock) = &mut self.clock {
                        let _ = clock.set_unsynchronized();
                    }
                }
                HostEvent::Kiss { id, code, action } => {
                    let name = self.names.get(&id).cloned().unwrap_or_default();
                    tracing::warn!("server {name} sent kiss code {code}: {action:?}");
                }
                HostEvent::Sample {
                    id,
                    stats: Some(filtered),
                    ..
                } => {
                    let status = self
                        .sources
                        .host()
                        .sources()
                        .find(|(i, _, _)| *i == id)
                        .map(|(_, config, status)| status.status_word(config));
                    let addr = self.sockets.get(&id).map(UpstreamSocket::server);
                    if let (Some(stats), Some(status), Some(addr)) = (&mut self.stats, status, addr)
                    {
                        stats.peer(addr, status, &filtered);
                    }
                }
                HostEvent::ClockUpdate {
                    offset,
                    frequency,
                    jitter,
                    wander,
                    poll,
                    ..
                } => {
                    self.last_offset = offset;
                    self.report_sync(offset, jitter, poll);
                    if let Some(v) = &self.virtual_clock {
                        // What the system clock's error is believed to be (it is left alone):
                        // one line per clock update, for comparisons like netem-compare.
                        tracing::info!(
                            "virtual clock: correction {:+.6} s, frequency {:+.3} PPM",
                            v.correction_at(Instant::now()),
                            frequency * 1e6
                        );
                    }
                    if let Some(stats) = &mut self.stats {
                        stats.clock(offset, frequency, jitter, wander, poll);
                    }
                }
                HostEvent::Demobilized { id, reason } => {
                    let name = self.names.get(&id).cloned().unwrap_or_default();
                    tracing::info!("ephemeral association {name} dropped: {reason:?}");
                    // A followed broadcast server that keeps lying gives up its session
                    // (tos maxdynamic) to another server, as ntpd preempts it.
                    if let (DemobilizeReason::Falseticker(_), Some(&(key, server))) =
                        (reason, self.followers.get(&id))
                        && let Some(listener) = &mut self.listener
                    {
                        listener.drop_server(key, server, self.start.elapsed());
                        tracing::info!("broadcast server {server}: held down as a falseticker");
                    }
                    self.remove(id);
                    self.refill_pools();
                }
                _ => {}
            }
        }
        if self.sockets.len() < self.plan.maxclock {
            self.refill_pools();
        }
    }

    /// What the manycast client did besides the host's own events.
    fn manycast_event(&mut self, event: ManycastEvent) {
        match event {
            ManycastEvent::Mobilized { id, server, ttl } => {
                let group = self
                    .sources
                    .manycast_client()
                    .and_then(|c| c.ring_of(id))
                    .and_then(|r| self.sources.manycast_groups().get(r.index()))
                    .map_or_else(String::new, |g| format!(" (group {})", g.group));
                tracing::info!("manycast: {server} answered at ttl {ttl}{group}; polling it");
                self.names.insert(id, format!("manycast server ({server})"));
            }
            ManycastEvent::Demobilized { id, server, reason } => {
                tracing::info!("manycast: {server} dropped: {reason:?}");
                self.remove(id);
            }
            _ => {}
        }
    }

    /// Applies one adjustment to the kernel clock, or counts it when not adjusting.
    fn adjust(&mut self, adjust: ClockAdjust) {
        let Some(clock) = &mut self.clock else {
            self.adjustments_dropped += 1;
            if let ClockAdjust::Step { offset } = adjust {
                tracing::warn!(
                    "the clock is off by {offset:+.6} s and would be stepped; it is left alone and the discipline follows a virtual clock"
                );
            }
            if let Some(v) = &mut self.virtual_clock {
                v.apply(adjust, Instant::now());
            }
            return;
        };
        if self.kernel && matches!(adjust, ClockAdjust::SetFrequency { .. }) {
            // The kernel's PLL slews and sets the frequency itself (report_sync feeds it).
            return;
        }
        if let ClockAdjust::Step { offset } = adjust {
            tracing::warn!("stepping the clock by {offset:+.6} s");
        }
        if let Err(e) = adjust.apply(clock) {
            tracing::error!("clock adjustment {adjust:?} failed: {e}; no longer adjusting");
            self.clock = None;
        }
    }

    /// After a clock update: tell the kernel the clock is synchronised (error bounds from
    /// the root distance and jitter), and write the drift file once an hour.
    fn report_sync(&mut self, offset: f64, jitter: f64, poll: i8) {
        let Some(clock) = &mut self.clock else { return };
        let now = wall();
        let vars = self.sources.host().system().system_variables(now);
        let frequency = if self.kernel {
            // ntpd's `enable kernel`: the update goes to the kernel PLL, which also keeps
            // the frequency (read back for the drift file).
            if let Err(e) = clock.kernel_pll_update(offset, poll, vars.root_distance(), jitter) {
                tracing::error!("kernel PLL update failed: {e}");
            }
            clock.kernel_state().map_or(0.0, |state| state.frequency)
        } else {
            if vars.is_synchronized() {
                let _ = clock.set_synchronized(vars.root_distance(), jitter);
            }
            self.sources.host().system().discipline().frequency()
        };
        if let (Some(path), Some(text)) = (
            &self.drift_file,
            self.drift.poll(now, frequency, vars.is_synchronized()),
        ) && let Err(e) = write_drift(path, &text)
        {
            tracing::warn!("driftfile {}: {e}", path.display());
        }
    }

    /// What workers answer with: the host's state once synchronised, else the fallback.
    fn publish(&self) {
        let mut synced = self.sources.host().server_state(self.clock_now());
        if let Some(v) = &self.virtual_clock {
            // We serve the system clock, which the loop says is off by the correction:
            // widen the error bound clients see by exactly that (RFC 5905 root dispersion).
            let error = v.correction_at(Instant::now()).abs();
            synced.root_dispersion =
                NtpShort::from_seconds_f64(synced.root_dispersion.to_seconds_f64() + error);
        }
        let state = if synced.stratum.0 < 16 {
            synced
        } else {
            self.setup.get().state
        };
        if *self.state.load() != state {
            self.state.replace(state);
        }
        self.monitor.replace(self.describe());
    }

    /// Association ids for ntpq: the source's id plus one (0 means "the system").
    fn association_id(id: SourceId) -> u16 {
        u16::try_from(id.0 + 1).unwrap_or(u16::MAX)
    }

    fn describe(&self) -> Monitor {
        let mut peers = Vec::with_capacity(self.sockets.len());
        // The manycastclient and broadcast lines first, as ntpd lists its configured
        // associations; their ids count down from the top of the range (the sources' count
        // up from 1), at most 8 groups and one per broadcast line.
        let mut ids = (1..u16::MAX).rev();
        for g in self.sources.manycast_groups() {
            peers.extend(ids.next().map(|id| g.peer_info(id)));
        }
        peers.extend(self.broadcasters.associations(ids));
        for (id, config, status) in self.sources.host().sources() {
            let Some(socket) = self.sockets.get(&id) else {
                continue;
            };
            let local = socket.local_addr().unwrap_or(socket.server());
            let mut p = PeerInfo::new(Self::association_id(id), socket.server(), local);
            p.status = status.status_word(config);
            p.reach = status.reach;
            p.host_poll = status.poll;
            p.key_id = config.client.key.map_or(0, |k| k.get());
            p.filter = status.filter;
            if let Some(server) = status.server {
                p.leap = server.leap;
                p.stratum = ntpkit_wire::Stratum(server.stratum);
                p.root_delay = server.root_delay;
                p.root_dispersion = server.root_dispersion;
                p.reference_id = server.reference_id;
                p.reference_time = server.reference_time;
            }
            p.host_mode = status.host_mode;
            if let Some(last) = status.last {
                p.precision = last.server_precision;
                p.peer_poll = last.server_poll;
                // What the other end sends: a server answers 4; symmetric peers the other
                // symmetric mode.
                p.peer_mode = match status.host_mode {
                    1 => 2,
                    2 => 1,
                    BCLIENT_HOST_MODE => 5,
                    _ => 4,
                };
            }
            if let Some(t4) = status.received {
                p.received = t4;
            }
            if let Some(stats) = status.stats {
                p.offset = stats.offset;
                p.delay = stats.delay;
                p.dispersion = stats.dispersion;
                p.jitter = stats.jitter;
            }
            peers.push(p);
        }
        let d = self.sources.host().system().discipline();
        let vars = self
            .sources
            .host()
            .system()
            .system_variables(self.clock_now());
        Monitor {
            peers,
            system_peer: self
                .sources
                .host()
                .system_peer()
                .map_or(0, Self::association_id),
            offset_ms: self.last_offset * 1e3,
            frequency_ppm: d.frequency() * 1e6,
            sys_jitter_ms: vars.jitter * 1e3,
            clk_jitter_ms: d.jitter() * 1e3,
            clk_wander_ppm: d.wander() * 1e6,
            tc: d.poll(),
        }
    }
}
