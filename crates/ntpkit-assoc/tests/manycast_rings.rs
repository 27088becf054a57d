//! Several groups in one manycast client (ntpd runs every `manycastclient` line): each group
//! solicits with its own key and its own expanding ring, the servers any group finds share
//! the one host, and the dynamic-session cap holds over all groups together
//! (CVE-2016-1549: ephemeral associations capped in total).

use core::time::Duration;
use std::net::SocketAddr;

use md5::{Digest, Md5};
use ntpkit_access::Decision;
use ntpkit_assoc::client::{ClientConfig, Rejection};
use ntpkit_assoc::host::Host;
use ntpkit_assoc::manycast::{
    Destination, MAX_RINGS, ManycastClient, ManycastConfig, ManycastConfigError, ManycastRejection,
    ManycastServer, ManycastServerOutcome, ManycastTransmit, SearchPhase,
};
use ntpkit_assoc::{Request, ServerState};
use ntpkit_auth::{KeyId, KeyStore, parse_key_file};
use ntpkit_clock::ClockOptions;
use ntpkit_wire::{NtpDuration, NtpTimestamp, Precision, ReferenceId, Stratum};

const SECRET_A: &str = "group-a-secret";
const SECRET_B: &str = "group-b-secret";

/// Keys 1 (group A's) and 2 (group B's) as MD5; `b` is key 2's secret.
fn keys(b: &str) -> KeyStore {
    let mut keys = KeyStore::new();
    parse_key_file("k", &format!("1 MD5 {SECRET_A}\n2 MD5 {b}\n"))
        .unwrap()
        .install(&mut keys)
        .unwrap();
    keys.trust(KeyId::new(1).unwrap());
    keys.trust(KeyId::new(2).unwrap());
    keys
}

fn t0() -> NtpTimestamp {
    NtpTimestamp::from_unix(1_700_000_000, 0)
}

fn keyed(key: u32) -> ManycastConfig {
    let mut client = ClientConfig::default();
    client.key = KeyId::new(key);
    let mut c = ManycastConfig::default();
    c.client = client;
    c
}

fn lcg() -> impl FnMut() -> u32 + Clone {
    let mut seed = 7u32;
    move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        seed
    }
}

/// A client soliciting group A under key 1 and group B under key 2.
fn two_groups(first: ManycastConfig) -> ManycastClient<impl FnMut() -> u32 + Clone> {
    let host = Host::new(ClockOptions::default(), -20, None, Duration::ZERO).unwrap();
    let mut client = ManycastClient::new(first, host, lcg(), Duration::ZERO).unwrap();
    let b = client.add_ring(keyed(2), Duration::ZERO).unwrap();
    assert_eq!((b.index(), client.ring_count()), (1, 2));
    client
}

/// Every solicitation due at `now`, with its bytes.
fn solicitations(
    client: &mut ManycastClient<impl FnMut() -> u32 + Clone>,
    now: Duration,
    keys: &KeyStore,
) -> Vec<(ManycastTransmit, Vec<u8>)> {
    let t1 = t0() + NtpDuration::from_seconds_f64(now.as_secs_f64());
    client.handle_timeout(now, t1);
    let mut out = Vec::new();
    let mut buf = [0u8; 68];
    while let Some(t) = client.poll_transmit(now, t1, keys, &mut buf).unwrap() {
        out.push((t, buf[..t.len].to_vec()));
    }
    out
}

/// A synchronised stratum 2 server's answer to `solicitation`, signed as the request is
/// with the server's `keys` (nothing when its MAC does not verify there).
fn answer(solicitation: &[u8], keys: &KeyStore) -> Option<Vec<u8>> {
    let mut server = ManycastServer::default();
    let mut out = [0u8; 68];
    let received = t0() + NtpDuration::from_seconds_f64(0.001);
    let state = ServerState::local_reference(Stratum(2), ReferenceId(*b"GPS\0"), Precision(-20));
    let from: SocketAddr = "192.0.2.9:40000".parse().unwrap();
    match server.respond(
        &Request::new(solicitation, from, received),
        &state,
        keys,
        |_, _| Decision::Serve,
        &mut out,
        || received,
    ) {
        ManycastServerOutcome::Reply(r) => Some(out[..r.len].to_vec()),
        _ => None,
    }
}

fn arrival() -> NtpTimestamp {
    t0() + NtpDuration::from_seconds_f64(0.002)
}

const SERVER_A: &str = "192.0.2.1:123";
const SERVER_B: &str = "198.51.100.1:123";

#[test]
fn each_group_solicits_with_its_own_key_and_both_groups_servers_share_the_host() {
    let keys = keys(SECRET_B);
    let mut client = two_groups(keyed(1));
    let sent = solicitations(&mut client, Duration::ZERO, &keys);
    assert_eq!(sent.len(), 2, "one solicitation per group");
    let (a, b) = (&sent[0], &sent[1]);
    assert_eq!(a.0.destination, Destination::Group { ttl: 1 });
    assert_eq!(b.0.destination, Destination::Group { ttl: 1 });
    assert_eq!(a.0.ring.map(|r| r.index()), Some(0));
    assert_eq!(b.0.ring.map(|r| r.index()), Some(1));
    // Key ids 1 and 2, each MAC the RFC's MD5(secret || packet) with that group's secret.
    for ((_, bytes), (id, secret)) in sent.iter().zip([(1u8, SECRET_A), (2, SECRET_B)]) {
        assert_eq!(&bytes[48..52], &[0, 0, 0, id]);
        let mut md5 = Md5::new();
        md5.update(secret.as_bytes());
        md5.update(&bytes[..48]);
        assert_eq!(&bytes[52..68], md5.finalize().as_slice());
    }
    let now = Duration::from_millis(2);
    let (sa, sb) = (SERVER_A.parse().unwrap(), SERVER_B.parse().unwrap());
    client
        .handle_packet(now, sa, &answer(&a.1, &keys).unwrap(), arrival(), &keys)
        .unwrap();
    client
        .handle_packet(now, sb, &answer(&b.1, &keys).unwrap(), arrival(), &keys)
        .unwrap();
    let found: Vec<(SocketAddr, usize)> = client
        .servers()
        .iter()
        .map(|(id, addr)| (*addr, client.ring_of(*id).unwrap().index()))
        .collect();
    assert_eq!(found, [(sa, 0), (sb, 1)]);
    // In the one host, each polled under its group's key.
    let host_keys: Vec<Option<u16>> = client
        .host()
        .sources()
        .map(|(_, config, _)| config.client.key.map(|k| k.get()))
        .collect();
    assert_eq!(host_keys, [Some(1), Some(2)]);
}

#[test]
fn a_wrong_key_on_one_group_finds_nothing_there_and_the_other_group_is_unaffected() {
    let ours = keys(SECRET_B);
    // Group B's server holds another secret under key 2.
    let theirs = keys("not-group-b-secret");
    let mut client = two_groups(keyed(1));
    let sent = solicitations(&mut client, Duration::ZERO, &ours);
    let now = Duration::from_millis(2);
    let sb: SocketAddr = SERVER_B.parse().unwrap();
    // It cannot verify our solicitation, so it stays silent (as ntpkit's and ntpd's do).
    assert_eq!(answer(&sent[1].1, &theirs), None);
    // A forger that signs under key 2 anyway is refused by the MAC check.
    let mut forged = answer(&sent[1].1, &ours).unwrap();
    forged[60] ^= 1;
    let r = client.handle_packet(now, sb, &forged, arrival(), &ours);
    assert!(
        matches!(
            r,
            Err(ManycastRejection::Reply(Rejection::Authentication(_)))
        ),
        "{r:?}"
    );
    assert!(client.servers().is_empty());
    let sa: SocketAddr = SERVER_A.parse().unwrap();
    client
        .handle_packet(
            now,
            sa,
            &answer(&sent[0].1, &ours).unwrap(),
            arrival(),
            &ours,
        )
        .unwrap();
    assert_eq!(client.servers().len(), 1);
    assert_eq!(client.servers()[0].1, sa);
}

#[test]
fn the_session_cap_holds_over_all_groups_together() {
    let keys = keys(SECRET_B);
    let mut first = keyed(1);
    first.max_sessions = 1;
    let mut client = two_groups(first);
    let sent = solicitations(&mut client, Duration::ZERO, &keys);
    let now = Duration::from_millis(2);
    let (sa, sb) = (SERVER_A.parse().unwrap(), SERVER_B.parse().unwrap());
    client
        .handle_packet(
            now,
            sa,
            &answer(&sent[0].1, &keys).unwrap(),
            arrival(),
            &keys,
        )
        .unwrap();
    // Group B's server, under another key, is refused: the cap counts every group.
    let r = client.handle_packet(
        now,
        sb,
        &answer(&sent[1].1, &keys).unwrap(),
        arrival(),
        &keys,
    );
    assert!(matches!(r, Err(ManycastRejection::SessionCap(_))), "{r:?}");
    assert_eq!(client.servers().len(), 1);
}

#[test]
fn each_group_grows_its_own_ring() {
    let keys = keys(SECRET_B);
    let mut first = keyed(1);
    first.client.minpoll = 4;
    let host = Host::new(ClockOptions::default(), -20, None, Duration::ZERO).unwrap();
    let mut client = ManycastClient::new(first, host, lcg(), Duration::ZERO).unwrap();
    let ttls = |sent: &[(ManycastTransmit, Vec<u8>)]| -> Vec<(usize, Destination)> {
        sent.iter()
            .map(|(t, _)| (t.ring.unwrap().index(), t.destination))
            .collect()
    };
    let sent = solicitations(&mut client, Duration::ZERO, &keys);
    assert_eq!(ttls(&sent), [(0, Destination::Group { ttl: 1 })]);
    // Group B joins 16 s later (one step of A's ring): A goes on at TTL 2, B starts at 1.
    let later = Duration::from_secs(16);
    let mut second = keyed(2);
    second.client.minpoll = 5;
    let b = client.add_ring(second, later).unwrap();
    let sent = solicitations(&mut client, later, &keys);
    assert_eq!(
        ttls(&sent),
        [
            (0, Destination::Group { ttl: 2 }),
            (1, Destination::Group { ttl: 1 })
        ]
    );
    assert_eq!(client.ring_phase(b), Some(SearchPhase::Expanding(1)));
    // At 32 s only A's step (16 s) is due; B's (its own minpoll 5: 32 s) at 48 s.
    let sent = solicitations(&mut client, Duration::from_secs(32), &keys);
    assert_eq!(ttls(&sent), [(0, Destination::Group { ttl: 3 })]);
    let sent = solicitations(&mut client, Duration::from_secs(48), &keys);
    assert_eq!(
        ttls(&sent),
        [
            (0, Destination::Group { ttl: 4 }),
            (1, Destination::Group { ttl: 2 })
        ]
    );
}

#[test]
fn groups_are_bounded_and_each_needs_a_key_unless_auth_is_disabled() {
    let host = Host::new(ClockOptions::default(), -20, None, Duration::ZERO).unwrap();
    let mut client = ManycastClient::new(keyed(1), host, lcg(), Duration::ZERO).unwrap();
    assert_eq!(
        client.add_ring(ManycastConfig::default(), Duration::ZERO),
        Err(ManycastConfigError::KeyRequired)
    );
    for _ in 1..MAX_RINGS {
        client.add_ring(keyed(2), Duration::ZERO).unwrap();
    }
    assert_eq!(
        client.add_ring(keyed(2), Duration::ZERO),
        Err(ManycastConfigError::TooManyRings)
    );
    assert_eq!(client.ring_count(), MAX_RINGS);
}

#[test]
fn a_group_whose_key_is_missing_waits_a_step_and_blocks_nobody() {
    // Key 2 (group B's) is not in the store: its solicitation cannot be signed.
    let mut keys = KeyStore::new();
    parse_key_file("k", &format!("1 MD5 {SECRET_A}\n"))
        .unwrap()
        .install(&mut keys)
        .unwrap();
    keys.trust(KeyId::new(1).unwrap());
    let mut client = two_groups(keyed(1));
    client.handle_timeout(Duration::ZERO, t0());
    let mut buf = [0u8; 68];
    let first = client.poll_transmit(Duration::ZERO, t0(), &keys, &mut buf);
    assert_eq!(
        first.unwrap().and_then(|t| t.ring).map(|r| r.index()),
        Some(0)
    );
    assert!(
        client
            .poll_transmit(Duration::ZERO, t0(), &keys, &mut buf)
            .is_err()
    );
    // Not due again at once: nothing else is due, so nothing goes (before, the same error
    // came back on every call and nothing behind it was ever sent).
    assert!(matches!(
        client.poll_transmit(Duration::ZERO, t0(), &keys, &mut buf),
        Ok(None)
    ));
    // One step (2^minpoll = 64 s) later group A solicits at TTL 2 first, then B fails again.
    let step = Duration::from_secs(64);
    client.handle_timeout(step, t0());
    let next = client
        .poll_transmit(step, t0(), &keys, &mut buf)
        .unwrap()
        .unwrap();
    assert_eq!(
        (next.ring.map(|r| r.index()), next.destination),
        (Some(0), Destination::Group { ttl: 2 })
    );
    assert!(client.poll_transmit(step, t0(), &keys, &mut buf).is_err());
}
