//! The host (many sources + selection + discipline) in simulated time: servers at known
//! offsets behind known delays, the host's clock exact, so every expected figure is the
//! scenario's own numbers, not the host's output.

use core::time::Duration;

use ntpkit_assoc::client::ClientConfig;
use ntpkit_assoc::host::{DemobilizeReason, Host, HostEvent, SourceConfig, Tally};
use ntpkit_auth::KeyStore;
use ntpkit_clock::{ClockAdjust, ClockOptions, SourceId};
use ntpkit_wire::{
    LeapIndicator, Mode, NtpDuration, NtpHeader, NtpShort, NtpTimestamp, ReferenceId, Stratum,
};

/// Unix second the simulation starts at.
const EPOCH: i64 = 1_700_000_000;

struct SimServer {
    /// Seconds the server's clock is ahead of true time.
    offset: f64,
    /// One-way delay each way, seconds.
    delay: f64,
    stratum: u8,
    answers: bool,
}

type Rng = Box<dyn FnMut() -> u32>;

struct Sim {
    host: Host<Rng>,
    servers: Vec<(SourceId, SimServer)>,
    /// Replies in flight: (arrival, source, bytes).
    in_flight: Vec<(Duration, SourceId, Vec<u8>)>,
    now: Duration,
    events: Vec<HostEvent>,
    keys: KeyStore,
}

fn wall(t: Duration) -> NtpTimestamp {
    NtpTimestamp::from_unix(EPOCH, 0) + NtpDuration::from_seconds_f64(t.as_secs_f64())
}

fn refid(i: usize) -> ReferenceId {
    ReferenceId([192, 0, 2, i as u8 + 1])
}

fn lcg(mut seed: u32) -> Rng {
    Box::new(move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        seed
    })
}

impl Sim {
    /// A host without a drift file.
    fn new(servers: Vec<(SimServer, bool)>) -> Self {
        Self::with_drift(servers, None)
    }

    /// A host whose drift file said `drift` (s/s).
    fn with_drift(servers: Vec<(SimServer, bool)>, drift: Option<f64>) -> Self {
        let mut host = Host::new(ClockOptions::default(), -20, drift, Duration::ZERO).unwrap();
        let mut placed = Vec::new();
        for (i, (server, ephemeral)) in servers.into_iter().enumerate() {
            let mut client = ClientConfig::default();
            client.iburst = true;
            let mut config = SourceConfig::new(client, refid(i));
            config.ephemeral = ephemeral;
            let id = host.add_source(config, Duration::ZERO, lcg(i as u32 + 7));
            placed.push((id, server));
        }
        Self {
            host,
            servers: placed,
            in_flight: Vec::new(),
            now: Duration::ZERO,
            events: Vec::new(),
            keys: KeyStore::new(),
        }
    }

    fn answer(&self, server: &SimServer, request: &[u8], sent: Duration) -> Option<Vec<u8>> {
        let request = NtpHeader::parse(request).ok()?;
        let at_server = sent.as_secs_f64() + server.delay;
        let server_time = NtpTimestamp::from_unix(EPOCH, 0)
            + NtpDuration::from_seconds_f64(at_server + server.offset);
        let reply = NtpHeader {
            mode: Mode::Server,
            stratum: Stratum(server.stratum),
            leap: LeapIndicator::NoWarning,
            reference_id: ReferenceId(*b"GPS\0"),
            reference_timestamp: server_time,
            root_delay: NtpShort::ZERO,
            root_dispersion: NtpShort::from_seconds_f64(0.0001),
            origin_timestamp: request.transmit_timestamp,
            receive_timestamp: server_time,
            transmit_timestamp: server_time,
            ..request
        };
        let mut out = vec![0u8; 48];
        reply.emit(&mut out).ok()?;
        Some(out)
    }

    /// Runs until `until`, draining events into `self.events`.
    fn run(&mut self, until: Duration) {
        let mut buf = [0u8; 128];
        while self.now < until {
            let arrival = self.in_flight.iter().map(|(t, _, _)| *t).min();
            let next = arrival
                .map_or(self.host.poll_timeout(), |a| {
                    a.min(self.host.poll_timeout())
                })
                .max(self.now);
            self.now = next;
            if let Some(i) = self.in_flight.iter().position(|(t, _, _)| *t <= self.now) {
                let (_, id, bytes) = self.in_flight.swap_remove(i);
                let _ = self
                    .host
                    .handle_packet(id, self.now, &bytes, wall(self.now), &self.keys);
            }
            self.host.handle_timeout(self.now, wall(self.now));
            while let Some(t) = self
                .host
                .poll_transmit(self.now, wall(self.now), &self.keys, &mut buf)
                .unwrap()
            {
                let server = self.servers.iter().find(|(id, _)| *id == t.id);
                if let Some((_, server)) = server.filter(|(_, s)| s.answers)
                    && let Some(reply) = self.answer(server, &buf[..t.len], self.now)
                {
                    let back = self.now + Duration::from_secs_f64(2.0 * server.delay);
                    self.in_flight.push((back, t.id, reply));
                }
            }
            while let Some(e) = self.host.poll_event() {
                self.events.push(e);
            }
        }
    }

    fn clock_update_offsets(&self) -> Vec<f64> {
        self.events
            .iter()
            .filter_map(|e| match e {
                HostEvent::ClockUpdate { offset, .. } => Some(*offset),
                _ => None,
            })
            .collect()
    }
}

fn server(offset: f64, delay: f64) -> SimServer {
    SimServer {
        offset,
        delay,
        stratum: 1,
        answers: true,
    }
}

#[test]
fn unsynchronised_until_a_source_is_selected() {
    let sim = Sim::new(vec![(server(0.005, 0.01), false)]);
    let state = sim.host.server_state(wall(Duration::ZERO));
    assert_eq!(state.stratum, Stratum::UNSYNCHRONIZED);
    assert_eq!(state.leap, LeapIndicator::Unsynchronized);
}

#[test]
fn three_agreeing_servers_synchronise_at_their_stratum_plus_one() {
    // With a drift file the first good sample is used at once (ntpd's FSET state).
    let servers = vec![
        (server(0.005, 0.010), false),
        (server(0.005, 0.020), false),
        (server(0.005, 0.030), false),
    ];
    let mut sim = Sim::with_drift(servers, Some(0.0));
    sim.run(Duration::from_secs(600));
    let offsets = sim.clock_update_offsets();
    assert!(!offsets.is_empty(), "no clock update in 10 minutes");
    // The host's clock is never adjusted here, so every combined offset is the servers' 5 ms.
    for o in &offsets {
        assert!((o - 0.005).abs() < 1e-4, "combined offset {o}");
    }
    let peer = sim.host.system_peer().expect("a system peer");
    let state = sim.host.server_state(wall(sim.now));
    assert_eq!(state.stratum, Stratum(2));
    assert_eq!(state.leap, LeapIndicator::NoWarning);
    let index = sim.servers.iter().position(|(id, _)| *id == peer).unwrap();
    assert_eq!(state.reference_id, refid(index));
    // Root delay is the system peer's round trip (the servers report zero of their own).
    let expected_delay = 4.0 * sim.servers[index].1.delay / 2.0;
    assert!((state.root_delay.to_seconds_f64() - expected_delay).abs() < 1e-3);
    assert!(sim.events.contains(&HostEvent::SystemPeer(Some(peer))));
    let tallies: Vec<Tally> = sim.host.sources().map(|(_, _, s)| s.tally).collect();
    assert!(tallies.contains(&Tally::SystemPeer), "{tallies:?}");
    // The once-a-second clock adjustment reached the driver.
    let ticks = sim
        .events
        .iter()
        .filter(|e| matches!(e, HostEvent::Adjust(ClockAdjust::SetFrequency { .. })))
        .count();
    assert!(
        (590..=600).contains(&ticks),
        "{ticks} frequency ticks in 600 s"
    );
}

#[test]
fn without_a_drift_file_it_serves_at_once_and_measures_the_frequency_over_stepout() {
    // ntpd's NSET: the first update counts (clients are served at stratum + 1 right after
    // the iburst), while the frequency is measured over `tinker stepout` (900 s).
    let mut sim = Sim::new((0..3).map(|_| (server(0.005, 0.01), false)).collect());
    sim.run(Duration::from_secs(30));
    assert_eq!(sim.host.server_state(wall(sim.now)).stratum, Stratum(2));
    let measuring = |sim: &Sim| {
        sim.host.system().discipline().state() == ntpkit_clock::DisciplineState::MeasuringFrequency
    };
    assert!(measuring(&sim));
    sim.run(Duration::from_secs(850));
    assert!(measuring(&sim));
    sim.run(Duration::from_secs(1200));
    assert!(!measuring(&sim));
    assert_eq!(sim.host.server_state(wall(sim.now)).stratum, Stratum(2));
}

#[test]
fn a_falseticker_is_marked_and_a_pool_falseticker_demobilised() {
    let mut sim = Sim::new(vec![
        (server(0.0, 0.010), false),
        (server(0.0, 0.012), false),
        (server(0.0, 0.014), false),
        (server(0.4, 0.010), true),
    ]);
    let liar = sim.servers[3].0;
    sim.run(Duration::from_secs(200));
    let tally = sim
        .host
        .sources()
        .find(|(id, _, _)| *id == liar)
        .unwrap()
        .2
        .tally;
    assert_eq!(tally, Tally::Falseticker);
    assert_eq!(tally.code(), 'x');
    sim.run(Duration::from_secs(4 * 3600));
    assert!(
        sim.events.iter().any(|e| matches!(
            e,
            HostEvent::Demobilized { id, reason: DemobilizeReason::Falseticker(_) } if *id == liar
        )),
        "the lying pool member stayed"
    );
    assert_eq!(sim.host.sources().count(), 3);
    for o in sim.clock_update_offsets() {
        assert!(o.abs() < 1e-3, "the falseticker moved the offset: {o}");
    }
}

#[test]
fn a_silent_pool_member_is_demobilised_and_a_silent_server_kept() {
    let mut dead = server(0.0, 0.01);
    dead.answers = false;
    let mut dead_server = server(0.0, 0.01);
    dead_server.answers = false;
    let mut sim = Sim::new(vec![(dead, true), (dead_server, false)]);
    let pool_member = sim.servers[0].0;
    sim.run(Duration::from_secs(24 * 3600));
    let gone: Vec<_> = sim
        .events
        .iter()
        .filter_map(|e| match e {
            HostEvent::Demobilized { id, reason } => Some((*id, *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(gone.len(), 1, "{gone:?}");
    assert_eq!(gone[0].0, pool_member);
    assert!(matches!(gone[0].1, DemobilizeReason::Unreachable(n) if n >= 10));
    assert_eq!(sim.host.sources().count(), 1);
}

#[test]
fn a_large_offset_is_stepped_after_stepout() {
    let mut sim = Sim::new(vec![
        (server(0.5, 0.01), false),
        (server(0.5, 0.01), false),
        (server(0.5, 0.01), false),
    ]);
    sim.run(Duration::from_secs(3600));
    let steps: Vec<f64> = sim
        .events
        .iter()
        .filter_map(|e| match e {
            HostEvent::Adjust(ClockAdjust::Step { offset }) => Some(*offset),
            _ => None,
        })
        .collect();
    assert!(!steps.is_empty(), "a 500 ms offset was never stepped");
    assert!((steps[0] - 0.5).abs() < 1e-3, "step of {}", steps[0]);
}

#[test]
fn a_bogus_reply_changes_nothing() {
    let mut sim = Sim::new(vec![(server(0.0, 0.01), false)]);
    sim.run(Duration::from_secs(1));
    let id = sim.servers[0].0;
    let before: Vec<_> = sim.host.sources().map(|(_, _, s)| s).collect();
    let mut forged = [0u8; 48];
    let mut header = NtpHeader::client_request(wall(sim.now));
    header.mode = Mode::Server;
    header.stratum = Stratum(1);
    header.origin_timestamp = NtpTimestamp::from_unix(EPOCH, 12345);
    header.emit(&mut forged).unwrap();
    let n = sim.events.len();
    assert!(
        sim.host
            .handle_packet(id, sim.now, &forged, wall(sim.now), &sim.keys)
            .is_err()
    );
    assert!(sim.host.poll_event().is_none());
    assert_eq!(sim.events.len(), n);
    let after: Vec<_> = sim.host.sources().map(|(_, _, s)| s).collect();
    assert_eq!(before, after);
    assert!(
        sim.host
            .handle_packet(SourceId(99), sim.now, &forged, wall(sim.now), &sim.keys)
            .is_err()
    );
}

#[test]
fn undrained_events_stay_bounded() {
    let mut host: Host<Rng> =
        Host::new(ClockOptions::default(), -20, None, Duration::ZERO).unwrap();
    for s in 1..=5000u64 {
        host.handle_timeout(Duration::from_secs(s), wall(Duration::from_secs(s)));
    }
    let mut n = 0;
    while host.poll_event().is_some() {
        n += 1;
    }
    assert_eq!(n, ntpkit_assoc::host::MAX_QUEUED_EVENTS);
}

#[test]
fn status_words_follow_ntpd_bits() {
    let mut sim = Sim::with_drift(
        vec![
            (server(0.0, 0.010), false),
            (server(0.0, 0.012), false),
            (server(0.0, 0.014), false),
            (server(0.4, 0.010), true),
        ],
        Some(0.0),
    );
    sim.run(Duration::from_secs(200));
    let liar = sim.servers[3].0;
    for (id, config, status) in sim.host.sources() {
        let word = status.status_word(config);
        // ntpd's peer status word (ntp_control.h): 0x8000 configured (the three `server`s,
        // not the pool member), 0x1000 reachable (all answer), selection code in bits 8-10:
        // 1 falseticker, 3 outlier, 4 candidate, 6 system peer.
        let configured = if id == liar { 0 } else { 0x8000 };
        let code = match status.tally {
            Tally::SystemPeer => 6,
            Tally::Candidate => 4,
            Tally::Outlier => 3,
            Tally::Falseticker => 1,
            other => panic!("unexpected tally {other:?}"),
        };
        assert_eq!(word, configured | 0x1000 | code << 8, "{:?}", status.tally);
        if id == liar {
            assert!(code < 4, "the liar was used: {:?}", status.tally);
        }
    }
}
