//! Two hosts as authenticated symmetric peers in simulated time: A follows a stratum 1
//! server and peers with B; B has only the `peer` A mobilises on it (passive, through the
//! PassivePolicy). B must end up synchronised to A at stratum 3 with A's address as its
//! reference id, and an unauthenticated symmetric active packet must mobilise nothing.

use core::time::Duration;

use ntpkit_access::{Decision, SessionLimits};
use ntpkit_assoc::client::ClientConfig;
use ntpkit_assoc::host::{Host, HostEvent, SourceConfig};
use ntpkit_assoc::symmetric::{MobilizeRefusal, PassivePolicy, SymmetricConfig};
use ntpkit_auth::{KeyId, KeyStore, parse_ntp_keys};
use ntpkit_clock::{ClockOptions, SourceId};
use ntpkit_wire::{
    LeapIndicator, Mode, NtpDuration, NtpHeader, NtpShort, NtpTimestamp, ReferenceId, Stratum,
};

type Rng = Box<dyn FnMut() -> u32>;

const EPOCH: i64 = 1_700_000_000;
const A_ADDR: ReferenceId = ReferenceId([192, 0, 2, 10]);
const B_ADDR: ReferenceId = ReferenceId([192, 0, 2, 20]);
/// One-way delay on every path, seconds.
const DELAY: f64 = 0.005;

fn wall(t: Duration) -> NtpTimestamp {
    NtpTimestamp::from_unix(EPOCH, 0) + NtpDuration::from_seconds_f64(t.as_secs_f64())
}

fn lcg(mut seed: u32) -> Rng {
    Box::new(move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        seed
    })
}

fn keys() -> (KeyStore, KeyId) {
    let file = parse_ntp_keys("ntp.keys", "1 MD5 symmetric-secret\n").unwrap();
    let mut keys = KeyStore::new();
    file.install(&mut keys).unwrap();
    let id = KeyId::new(1).unwrap();
    keys.trust(id);
    (keys, id)
}

/// The stratum 1 server A follows: answers a request sent at `sent` (true time).
fn server_reply(request: &[u8], sent: Duration) -> Vec<u8> {
    let request = NtpHeader::parse(request).unwrap();
    let at = wall(sent) + NtpDuration::from_seconds_f64(DELAY);
    let reply = NtpHeader {
        mode: Mode::Server,
        stratum: Stratum(1),
        leap: LeapIndicator::NoWarning,
        reference_id: ReferenceId(*b"GPS\0"),
        reference_timestamp: at,
        root_delay: NtpShort::ZERO,
        root_dispersion: NtpShort::from_seconds_f64(0.0001),
        origin_timestamp: request.transmit_timestamp,
        receive_timestamp: at,
        transmit_timestamp: at,
        ..request
    };
    let mut out = vec![0u8; 48];
    reply.emit(&mut out).unwrap();
    out
}

fn new_host() -> Host<Rng> {
    Host::new(ClockOptions::default(), -20, Some(0.0), Duration::ZERO).unwrap()
}

#[test]
fn a_passive_peer_synchronises_to_its_active_peer_at_stratum_plus_one() {
    let (keys, key) = keys();
    let mut a = new_host();
    let mut client = ClientConfig::default();
    client.iburst = true;
    let server = a.add_source(
        SourceConfig::new(client, ReferenceId([192, 0, 2, 1])),
        Duration::ZERO,
        lcg(1),
    );
    let mut peer_config = SymmetricConfig::with_key(key);
    peer_config.minpoll = 4;
    let a_to_b = a.add_peer(
        SourceConfig::new(ClientConfig::default(), B_ADDR),
        peer_config.clone(),
        Duration::ZERO,
        lcg(2),
    );
    let mut b = new_host();
    let mut policy = PassivePolicy::new(SessionLimits::new(4, 2));
    let mut b_to_a: Option<SourceId> = None;

    // In flight: (arrival, to B?, source id at the receiver (None: not yet mobilised), bytes).
    let mut flight: Vec<(Duration, bool, Option<SourceId>, Vec<u8>)> = Vec::new();
    let mut now = Duration::ZERO;
    let mut buf = [0u8; 128];
    while now < Duration::from_secs(1800) {
        let next = flight
            .iter()
            .map(|f| f.0)
            .chain([a.poll_timeout(), b.poll_timeout()])
            .min()
            .unwrap()
            .max(now);
        now = next;
        if let Some(i) = flight.iter().position(|f| f.0 <= now) {
            let (_, to_b, id, bytes) = flight.swap_remove(i);
            if to_b {
                let id = match (id.or(b_to_a), b_to_a) {
                    (Some(id), _) => id,
                    (None, _) => {
                        let grant = policy
                            .admit(&bytes, &keys, Decision::Serve)
                            .expect("a keyed mode 1 packet mobilises");
                        let id = b.add_passive(
                            SourceConfig::new(ClientConfig::default(), A_ADDR),
                            grant,
                            SymmetricConfig::default(),
                            now,
                            lcg(3),
                            wall(now),
                        );
                        b_to_a = Some(id);
                        id
                    }
                };
                let _ = b.handle_packet(id, now, &bytes, wall(now), &keys);
            } else {
                let _ = a.handle_packet(id.unwrap(), now, &bytes, wall(now), &keys);
            }
        }
        a.handle_timeout(now, wall(now));
        b.handle_timeout(now, wall(now));
        while let Some(t) = a.poll_transmit(now, wall(now), &keys, &mut buf).unwrap() {
            let back = now + Duration::from_secs_f64(2.0 * DELAY);
            if t.id == server {
                flight.push((back, false, Some(server), server_reply(&buf[..t.len], now)));
            } else {
                let there = now + Duration::from_secs_f64(DELAY);
                flight.push((there, true, b_to_a, buf[..t.len].to_vec()));
            }
        }
        while let Some(t) = b.poll_transmit(now, wall(now), &keys, &mut buf).unwrap() {
            let there = now + Duration::from_secs_f64(DELAY);
            flight.push((there, false, Some(a_to_b), buf[..t.len].to_vec()));
        }
        while a.poll_event().is_some() {}
        while let Some(e) = b.poll_event() {
            assert!(!matches!(e, HostEvent::Demobilized { .. }), "{e:?}");
        }
    }
    let a_state = a.server_state(wall(now));
    assert_eq!(
        a_state.stratum,
        Stratum(2),
        "A follows its stratum 1 server"
    );
    assert_eq!(
        a.system_peer(),
        Some(server),
        "A prefers the server to the peer"
    );
    let b_state = b.server_state(wall(now));
    assert_eq!(b_state.stratum, Stratum(3), "B follows A");
    assert_eq!(b_state.reference_id, A_ADDR);
    let (_, _, status) = b.sources().next().unwrap();
    assert_eq!(status.host_mode, 2, "passive");
    assert!(status.keyed && status.authentic);
    // Same true clock everywhere: B measures A's offset as zero, within the path's noise.
    assert!(status.stats.unwrap().offset.abs() < 1e-4);
}

#[test]
fn an_unauthenticated_symmetric_active_packet_mobilises_nothing() {
    let (keys, _) = keys();
    let mut policy = PassivePolicy::new(SessionLimits::new(4, 2));
    let mut unkeyed = new_host();
    unkeyed.add_peer(
        SourceConfig::new(ClientConfig::default(), B_ADDR),
        SymmetricConfig::default(),
        Duration::ZERO,
        lcg(9),
    );
    unkeyed.handle_timeout(Duration::ZERO, wall(Duration::ZERO));
    let mut buf = [0u8; 128];
    let t = unkeyed
        .poll_transmit(Duration::ZERO, wall(Duration::ZERO), &keys, &mut buf)
        .unwrap()
        .unwrap();
    assert_eq!(
        policy.admit(&buf[..t.len], &keys, Decision::Serve),
        Err(MobilizeRefusal::Unauthenticated)
    );
    assert_eq!(policy.limits().active(), 0);
}
