//! A broadcast server as one of the host's sources, in simulated time: the real
//! BroadcastServer signs mode 5 packets with a clock 50 ms ahead behind a 3 ms path, the
//! real BroadcastClient checks them, and its samples reach the host through
//! `Host::add_external`/`feed_external`. The expected offset is the scenario's own number.

use core::time::Duration;
use std::net::SocketAddr;

use ntpkit_assoc::ServerState;
use ntpkit_assoc::broadcast::{
    BroadcastClient, BroadcastClientConfig, BroadcastEvent, BroadcastRejection, BroadcastServer,
    BroadcastServerConfig,
};
use ntpkit_assoc::client::{ClientConfig, Rejection};
use ntpkit_assoc::host::{DemobilizeReason, Host, HostEvent, SourceConfig, Tally};
use ntpkit_auth::{KeyId, KeyStore, parse_key_file};
use ntpkit_clock::{ClockOptions, SourceId};
use ntpkit_wire::{NtpDuration, NtpTimestamp, Precision, ReferenceId, Stratum};

const EPOCH: i64 = 1_700_000_000;
const SERVER_AHEAD: f64 = 0.050;
const ONE_WAY: f64 = 0.003;

fn keys(secret: &str) -> KeyStore {
    let mut k = KeyStore::new();
    parse_key_file("k", &format!("3 SHA1 {secret}\n"))
        .unwrap()
        .install(&mut k)
        .unwrap();
    k.trust(KeyId::new(3).unwrap());
    k
}

fn wall(t: Duration) -> NtpTimestamp {
    NtpTimestamp::from_unix(EPOCH, 0) + NtpDuration::from_seconds_f64(t.as_secs_f64())
}

/// A linear congruential generator (transmit-timestamp noise, poll jitter).
#[derive(Clone, Debug)]
struct Lcg(u32);

impl ntpkit_assoc::client::ClientRng for Lcg {
    fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        self.0
    }
}

struct World {
    server: BroadcastServer,
    server_keys: KeyStore,
    server_addr: SocketAddr,
    broadcasting: bool,
    client: BroadcastClient<Lcg>,
    client_keys: KeyStore,
    host: Host<Lcg>,
    /// The host source of each followed server.
    ids: Vec<(SocketAddr, SourceId)>,
    /// Every broadcast delivered: (arrival, bytes), for replays.
    delivered: Vec<(Duration, Vec<u8>)>,
    host_events: Vec<HostEvent>,
    now: Duration,
    /// Further servers (address, clock offset), keyed like the first, always broadcasting.
    others: Vec<(BroadcastServer, SocketAddr, f64)>,
    /// Followed servers are ephemeral host sources, as ntpkitd makes them (preemptable).
    ephemeral: bool,
    /// Every refusal of the broadcast client: (server, why).
    refused: Vec<(SocketAddr, BroadcastRejection)>,
}

impl World {
    fn new(server_secret: &str) -> Self {
        let mut sc = BroadcastServerConfig::default();
        sc.key = KeyId::new(3);
        sc.poll = 4;
        let mut cc = BroadcastClientConfig::default();
        cc.key = KeyId::new(3);
        // The path's one-way delay is known: no volley (the broadcast tests cover it).
        cc.calibrate = false;
        cc.broadcast_delay = ONE_WAY;
        Self {
            server: BroadcastServer::new(sc, Duration::ZERO),
            server_keys: keys(server_secret),
            server_addr: "10.1.0.1:123".parse().unwrap(),
            broadcasting: true,
            client: BroadcastClient::new(cc, Lcg(9)).unwrap(),
            client_keys: keys("bcast-secret-1"),
            host: Host::new(ClockOptions::default(), -20, None, Duration::ZERO).unwrap(),
            ids: Vec::new(),
            delivered: Vec::new(),
            host_events: Vec::new(),
            now: Duration::ZERO,
            others: Vec::new(),
            ephemeral: false,
            refused: Vec::new(),
        }
    }

    /// Adds a server 10.1.0.`i` whose clock is `offset` seconds off, broadcasting like the first.
    fn add_server(&mut self, i: u8, offset: f64) {
        let mut sc = BroadcastServerConfig::default();
        sc.key = KeyId::new(3);
        sc.poll = 4;
        let addr = format!("10.1.0.{i}:123").parse().unwrap();
        self.others
            .push((BroadcastServer::new(sc, Duration::ZERO), addr, offset));
    }

    /// One second of simulated time at a time until `until`.
    fn run_until(&mut self, until: Duration) {
        let state =
            ServerState::local_reference(Stratum(1), ReferenceId(*b"GPS\0"), Precision(-20));
        while self.now < until {
            self.now += Duration::from_secs(1);
            let now = self.now;
            self.server.handle_timeout(now);
            let mut buf = [0u8; 128];
            let server_clock = wall(now) + NtpDuration::from_seconds_f64(SERVER_AHEAD);
            if let Ok(Some(len)) =
                self.server
                    .poll_transmit(now, &state, &self.server_keys, &mut buf, || server_clock)
                && self.broadcasting
            {
                let arrival = now + Duration::from_secs_f64(ONE_WAY);
                let bytes = buf[..len].to_vec();
                if let Err(r) = self.client.handle_broadcast(
                    arrival,
                    self.server_addr,
                    &bytes,
                    wall(arrival),
                    &self.client_keys,
                ) {
                    self.refused.push((self.server_addr, r));
                }
                self.delivered.push((arrival, bytes));
            }
            for (server, addr, offset) in &mut self.others {
                server.handle_timeout(now);
                let clock = wall(now) + NtpDuration::from_seconds_f64(*offset);
                if let Ok(Some(len)) =
                    server.poll_transmit(now, &state, &self.server_keys, &mut buf, || clock)
                {
                    let arrival = now + Duration::from_secs_f64(ONE_WAY);
                    if let Err(r) = self.client.handle_broadcast(
                        arrival,
                        *addr,
                        &buf[..len],
                        wall(arrival),
                        &self.client_keys,
                    ) {
                        self.refused.push((*addr, r));
                    }
                }
            }
            self.client.handle_timeout(now);
            self.route_client_events();
            self.host.handle_timeout(now, wall(now));
            while let Some(e) = self.host.poll_event() {
                // What ntpkitd does: a followed server demobilised as a falseticker gives
                // up its broadcast session and is held down.
                if let HostEvent::Demobilized {
                    id,
                    reason: DemobilizeReason::Falseticker(_),
                } = e
                    && let Some(&(server, _)) = self.ids.iter().find(|(_, i)| *i == id)
                {
                    assert!(self.client.drop_server(server, now));
                    self.ids.retain(|(_, i)| *i != id);
                }
                self.host_events.push(e);
            }
        }
    }

    /// What the driver does with the broadcast client's events.
    fn route_client_events(&mut self) {
        while let Some(event) = self.client.poll_event() {
            match event {
                BroadcastEvent::Mobilized(server) => {
                    let mut client = ClientConfig::default();
                    client.key = KeyId::new(3);
                    let mut config = SourceConfig::new(client, ReferenceId([10, 1, 0, 1]));
                    config.ephemeral = self.ephemeral;
                    let id = self.host.add_external(config, 6, self.now);
                    self.ids.push((server, id));
                }
                BroadcastEvent::Sample { server, sample } => {
                    let id = self.id_of(server).unwrap();
                    let t4 = wall(self.now);
                    self.host.feed_external(id, self.now, sample, t4).unwrap();
                }
                BroadcastEvent::Demobilized(server) => {
                    let id = self.id_of(server).unwrap();
                    assert!(self.host.remove_source(id));
                    self.ids.retain(|(s, _)| *s != server);
                }
                _ => {}
            }
        }
    }

    fn id_of(&self, server: SocketAddr) -> Option<SourceId> {
        self.ids
            .iter()
            .find(|(s, _)| *s == server)
            .map(|(_, id)| *id)
    }

    fn status(&self) -> Vec<String> {
        self.host
            .sources()
            .map(|(id, _, status)| format!("{id:?} {status:?}"))
            .collect()
    }
}

const MINUTE: Duration = Duration::from_secs(60);

#[test]
fn a_broadcast_server_is_selected_and_steers_the_clock() {
    let mut w = World::new("bcast-secret-1");
    w.run_until(20 * MINUTE);
    let (_, id) = *w.ids.first().expect("the client followed no server");
    assert!(
        w.host_events.contains(&HostEvent::SystemPeer(Some(id))),
        "never the system peer: {:?}",
        w.status()
    );
    let offsets: Vec<f64> = w
        .host_events
        .iter()
        .filter_map(|e| match e {
            HostEvent::ClockUpdate { offset, .. } => Some(*offset),
            _ => None,
        })
        .collect();
    assert!(!offsets.is_empty(), "no clock update");
    // The host's clock is never actually moved here: every update measures the same 50 ms.
    for o in &offsets {
        assert!((o - SERVER_AHEAD).abs() < 1e-3, "offset {o}");
    }
    // The discipline acted on it: a frequency correction towards the server, once a second.
    assert!(w.host_events.iter().any(|e| matches!(
        e,
        HostEvent::Adjust(ntpkit_clock::ClockAdjust::SetFrequency { .. })
    )));
    let (_, _, status) = w.host.sources().next().unwrap();
    assert_eq!(status.tally, Tally::SystemPeer);
    assert_eq!(status.host_mode, 6);
    // One broadcast per 16 s fills the register (bit 0 may be the interval in progress).
    assert!(status.reach >= 0xfe, "reach {:#x}", status.reach);
    assert!(status.authentic);
    // Served one stratum below the broadcast server, with its address as reference id.
    let served = w.host.server_state(wall(w.now));
    assert_eq!(served.stratum, Stratum(2));
    assert_eq!(served.reference_id, ReferenceId([10, 1, 0, 1]));
}

#[test]
fn refused_broadcasts_change_nothing_in_the_host() {
    let mut w = World::new("bcast-secret-1");
    w.run_until(10 * MINUTE);
    let before = w.status();
    let events_before = w.host_events.len();
    // A replay of the last broadcast, and one signed with another secret under key 3.
    let (_, last) = w.delivered.last().cloned().unwrap();
    let now = w.now;
    let replay = w
        .client
        .handle_broadcast(now, w.server_addr, &last, wall(now), &w.client_keys);
    assert_eq!(replay, Err(BroadcastRejection::Replay));
    let mut forged_server = World::new("bcast-secret-2");
    forged_server.run_until(Duration::from_secs(1));
    let (_, forged) = forged_server.delivered.last().cloned().unwrap();
    let forged = w
        .client
        .handle_broadcast(now, w.server_addr, &forged, wall(now), &w.client_keys);
    assert!(
        matches!(forged, Err(BroadcastRejection::Authentication(_))),
        "{forged:?}"
    );
    w.route_client_events();
    assert!(w.host.poll_event().is_none());
    assert_eq!(w.status(), before);
    assert_eq!(w.host_events.len(), events_before);
}

#[test]
fn a_sample_for_a_polled_source_is_refused_and_changes_nothing() {
    let mut w = World::new("bcast-secret-1");
    w.run_until(2 * MINUTE);
    let polled = w.host.add_source(
        SourceConfig::new(ClientConfig::default(), ReferenceId([192, 0, 2, 9])),
        w.now,
        Lcg(3),
    );
    let before = w.status();
    let (_, id) = w.ids[0];
    let sample = match w.host_events.iter().rev().find_map(|e| match e {
        HostEvent::Sample { id: i, sample, .. } if *i == id => Some(*sample),
        _ => None,
    }) {
        Some(s) => s,
        None => panic!("no broadcast sample yet"),
    };
    let t4 = wall(w.now);
    assert_eq!(
        w.host.feed_external(polled, w.now, sample, t4),
        Err(Rejection::NotExpected)
    );
    assert_eq!(
        w.host.feed_external(SourceId(999), w.now, sample, t4),
        Err(Rejection::NotExpected)
    );
    assert_eq!(w.status(), before);
    assert!(w.host.poll_event().is_none());
}

#[test]
fn a_silent_broadcast_server_loses_reach_then_is_demobilised() {
    let mut w = World::new("bcast-secret-1");
    w.run_until(10 * MINUTE);
    let (_, id) = w.ids[0];
    w.broadcasting = false;
    // Eight of its 16 s intervals: the reach register is empty, the source unreachable.
    w.run_until(10 * MINUTE + 8 * 16 * Duration::from_secs(1) + Duration::from_secs(8));
    let (_, _, status) = w
        .host
        .sources()
        .find(|(i, _, _)| *i == id)
        .expect("demobilised too early");
    assert_eq!(status.reach, 0);
    // Ten intervals of silence: the broadcast client lets it go, and so does the host.
    w.run_until(10 * MINUTE + 11 * 16 * Duration::from_secs(1));
    assert!(w.ids.is_empty());
    assert_eq!(w.host.sources().count(), 0);
}

/// Three servers agree on the time and a fourth is 50 ms ahead: the host's selection finds
/// the fourth a falseticker round after round, demobilises it (it is ephemeral, as ntpkitd
/// makes followed broadcast servers), the client drops it and refuses it for the hold-down,
/// and the three stay followed.
#[test]
fn a_lying_broadcast_server_is_demobilised_and_held_down() {
    let mut w = World::new("bcast-secret-1");
    w.ephemeral = true;
    for i in 2..=4 {
        w.add_server(i, 0.0);
    }
    w.run_until(30 * MINUTE);
    let liar = w.server_addr;
    let dropped: Vec<_> = w
        .host_events
        .iter()
        .filter_map(|e| match e {
            HostEvent::Demobilized { id, reason } => Some((*id, *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(dropped.len(), 1, "{dropped:?}: {:?}", w.status());
    assert!(matches!(dropped[0].1, DemobilizeReason::Falseticker(n) if n >= 8));
    let mut followed: Vec<_> = w.client.servers().collect();
    followed.sort();
    let truthful: Vec<SocketAddr> = w.others.iter().map(|(_, a, _)| *a).collect();
    assert_eq!(followed, truthful);
    assert_eq!(w.host.sources().count(), 3);
    // Its broadcasts after the drop: refused as held down, never followed again.
    let of_liar: Vec<_> = w.refused.iter().filter(|(a, _)| *a == liar).collect();
    assert!(!of_liar.is_empty());
    assert!(
        of_liar
            .iter()
            .all(|(_, r)| *r == BroadcastRejection::HeldDown)
    );
    // The system peer at the end is one of the three.
    let peer = w.host_events.iter().rev().find_map(|e| match e {
        HostEvent::SystemPeer(p) => Some(*p),
        _ => None,
    });
    let Some(Some(peer)) = peer else {
        panic!("no system peer: {:?}", w.status())
    };
    assert!(w.ids.iter().any(|(a, id)| *id == peer && *a != liar));
}
