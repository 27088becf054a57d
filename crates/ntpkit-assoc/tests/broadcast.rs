//! Broadcast mode in simulated time: a server whose clock is off by a known amount behind a
//! path of known one-way delay, the real BroadcastServer and Responder on its side, the client
//! clock exact; expected offsets and delays are the scenario's own numbers.

use core::time::Duration;
use std::net::SocketAddr;

use md5::{Digest, Md5};
use ntpkit_access::{Decision, SessionRefusal};
use ntpkit_assoc::broadcast::{
    BroadcastClient, BroadcastClientConfig, BroadcastEvent, BroadcastRejection, BroadcastServer,
    BroadcastServerConfig, DelaySource,
};
use ntpkit_assoc::{Request, Responder, ResponderOutcome, ServerState};
use ntpkit_auth::{AuthError, KeyId, KeyStore, parse_key_file};
use ntpkit_wire::{NtpDuration, NtpTimestamp, Precision, ReferenceId, Stratum};

const EPOCH: i64 = 1_700_000_000;
const SECRET: &str = "Bcast-Key-2026";

fn keys(secret: &str) -> KeyStore {
    let mut k = KeyStore::new();
    parse_key_file("k", &format!("3 MD5 {secret}\n"))
        .unwrap()
        .install(&mut k)
        .unwrap();
    k.trust(KeyId::new(3).unwrap());
    k
}

fn wall(t: Duration) -> NtpTimestamp {
    NtpTimestamp::from_unix(EPOCH, 0) + NtpDuration::from_seconds_f64(t.as_secs_f64())
}

fn lcg() -> impl FnMut() -> u32 + Clone {
    let mut s = 5u32;
    move || {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        s
    }
}

struct SimServer {
    addr: SocketAddr,
    offset: f64,
    one_way: f64,
    keys: KeyStore,
    broadcaster: BroadcastServer,
    responder: Responder,
    answers_unicast: bool,
    broadcasting: bool,
}

fn sim_server(i: u8, offset: f64, one_way: f64, key: Option<u32>, secret: &str) -> SimServer {
    let mut c = BroadcastServerConfig::default();
    c.key = key.and_then(KeyId::new);
    SimServer {
        addr: format!("10.1.0.{i}:123").parse().unwrap(),
        offset,
        one_way,
        keys: keys(secret),
        broadcaster: BroadcastServer::new(c, Duration::ZERO),
        responder: Responder::default(),
        answers_unicast: true,
        broadcasting: true,
    }
}

impl SimServer {
    fn clock(&self, t: Duration) -> NtpTimestamp {
        wall(t) + NtpDuration::from_seconds_f64(self.offset)
    }
}

fn config() -> BroadcastClientConfig {
    let mut c = BroadcastClientConfig::default();
    c.key = KeyId::new(3);
    c
}

/// Runs the world until `until`: server broadcasts and volley replies, each delivered after
/// its server's one-way delay. Returns the events and the rejections.
/// The simulated servers' state: a synchronised stratum 1.
fn stratum_1() -> ServerState {
    ServerState::local_reference(Stratum(1), ReferenceId(*b"GPS\0"), Precision(-20))
}

/// Server `s`'s next broadcast, taken from it rather than sent: (when, bytes, length).
fn capture_next(s: &mut SimServer, keys: &KeyStore) -> (Duration, [u8; 68], usize) {
    let at = s.broadcaster.poll_timeout();
    s.broadcaster.handle_timeout(at);
    let clock = s.clock(at);
    let mut bytes = [0u8; 68];
    let len = s
        .broadcaster
        .poll_transmit(at, &stratum_1(), keys, &mut bytes, || clock)
        .unwrap()
        .unwrap();
    (at, bytes, len)
}

fn run(
    client: &mut BroadcastClient<impl FnMut() -> u32 + Clone>,
    servers: &mut [SimServer],
    ckeys: &KeyStore,
    from: Duration,
    until: Duration,
) -> (Vec<BroadcastEvent>, Vec<(SocketAddr, BroadcastRejection)>) {
    let mut events = Vec::new();
    let mut refused = Vec::new();
    // (arrival, from, bytes, is_broadcast)
    let mut flight: Vec<(Duration, SocketAddr, Vec<u8>, bool)> = Vec::new();
    let mut now = from;
    let state = stratum_1();
    while now < until {
        let mut next = until;
        for s in servers.iter() {
            next = next.min(s.broadcaster.poll_timeout());
        }
        if let Some(t) = client.poll_timeout() {
            next = next.min(t);
        }
        if let Some(t) = flight.iter().map(|f| f.0).min() {
            next = next.min(t);
        }
        now = next.max(now);
        while let Some(i) = flight.iter().position(|f| f.0 <= now) {
            let (_, addr, bytes, bcast) = flight.swap_remove(i);
            let r = if bcast {
                client.handle_broadcast(now, addr, &bytes, wall(now), ckeys)
            } else {
                client.handle_reply(now, addr, &bytes, wall(now), ckeys)
            };
            if let Err(e) = r {
                refused.push((addr, e));
            }
        }
        for s in servers.iter_mut() {
            s.broadcaster.handle_timeout(now);
            let mut buf = [0u8; 68];
            let clock = s.clock(now);
            if let Ok(Some(len)) =
                s.broadcaster
                    .poll_transmit(now, &state, &s.keys, &mut buf, || clock)
                && s.broadcasting
            {
                let at = now + Duration::from_secs_f64(s.one_way);
                flight.push((at, s.addr, buf[..len].to_vec(), true));
            }
        }
        client.handle_timeout(now);
        let mut buf = [0u8; 68];
        while let Some((to, len)) = client
            .poll_transmit(now, wall(now), ckeys, &mut buf)
            .unwrap()
        {
            let Some(s) = servers.iter_mut().find(|s| s.addr == to) else {
                continue;
            };
            if !s.answers_unicast {
                continue;
            }
            let arrive = now + Duration::from_secs_f64(s.one_way);
            let received = s.clock(arrive);
            let mut out = [0u8; 68];
            let o = s.responder.respond(
                &Request::new(&buf[..len], "10.1.0.100:40000".parse().unwrap(), received),
                &state,
                &s.keys,
                |_, _| Decision::Serve,
                &mut out,
                || received,
            );
            if let ResponderOutcome::Reply(r) = o {
                let back = arrive + Duration::from_secs_f64(s.one_way);
                flight.push((back, s.addr, out[..r.len].to_vec(), false));
            }
        }
        while let Some(e) = client.poll_event() {
            events.push(e);
        }
        if now >= until {
            break;
        }
    }
    (events, refused)
}

fn samples(events: &[BroadcastEvent]) -> Vec<(f64, f64)> {
    events
        .iter()
        .filter_map(|e| match e {
            BroadcastEvent::Sample { sample, .. } => {
                Some((sample.sample.offset, sample.sample.delay))
            }
            _ => None,
        })
        .collect()
}

const HOUR: Duration = Duration::from_secs(3600);
const MINUTE: Duration = Duration::from_secs(60);

#[test]
fn the_volley_calibrates_the_delay_then_broadcasts_give_the_offset() {
    let ck = keys(SECRET);
    let mut servers = vec![sim_server(1, 0.010, 0.003, Some(3), SECRET)];
    let mut client = BroadcastClient::new(config(), lcg()).unwrap();
    let (events, refused) = run(&mut client, &mut servers, &ck, Duration::ZERO, HOUR);
    assert!(refused.is_empty(), "{refused:?}");
    assert_eq!(
        events.first(),
        Some(&BroadcastEvent::Mobilized(servers[0].addr))
    );
    let delay = events
        .iter()
        .find_map(|e| match e {
            BroadcastEvent::Calibrated { delay, .. } => Some(*delay),
            _ => None,
        })
        .unwrap();
    let DelaySource::Volley(d) = delay else {
        panic!("{delay:?}")
    };
    assert!((d - 0.003).abs() < 1e-5, "one-way {d}");
    let s = samples(&events);
    // One broadcast every 64 s; the first one mobilised.
    assert!(s.len() >= 50, "{}", s.len());
    for (offset, delay) in s {
        assert!((offset - 0.010).abs() < 2e-5, "offset {offset}");
        assert!((delay - 0.006).abs() < 2e-5, "delay {delay}");
    }
}

#[test]
fn without_an_answer_to_the_volley_broadcastdelay_is_used() {
    let ck = keys(SECRET);
    let mut servers = vec![sim_server(1, 0.010, 0.003, Some(3), SECRET)];
    servers[0].answers_unicast = false;
    let mut c = config();
    c.broadcast_delay = 0.005;
    let mut client = BroadcastClient::new(c, lcg()).unwrap();
    let (events, _) = run(&mut client, &mut servers, &ck, Duration::ZERO, HOUR);
    assert!(events.contains(&BroadcastEvent::Calibrated {
        server: servers[0].addr,
        delay: DelaySource::Configured(0.005)
    }));
    // The assumed 5 ms one way is 2 ms more than the real 3 ms: every offset is 2 ms high.
    let s = samples(&events);
    assert!(!s.is_empty());
    assert!(s.iter().all(|(o, _)| (o - 0.012).abs() < 2e-5), "{s:?}");
}

#[test]
fn unsigned_or_wrongly_signed_broadcasts_mobilise_nothing() {
    let ck = keys(SECRET);
    let mut servers = vec![
        sim_server(1, 0.5, 0.001, None, SECRET),
        sim_server(2, 0.5, 0.001, Some(3), "Another-Secret"),
    ];
    let mut client = BroadcastClient::new(config(), lcg()).unwrap();
    let (events, refused) = run(&mut client, &mut servers, &ck, Duration::ZERO, HOUR);
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(client.servers().count(), 0);
    assert!(refused.len() >= 2 * 50);
    assert!(
        refused
            .iter()
            .all(|(_, r)| matches!(r, BroadcastRejection::Authentication(_)))
    );
}

#[test]
fn unsigned_broadcasts_are_followed_only_when_auth_is_disabled() {
    let ck = KeyStore::new();
    let mut servers = vec![sim_server(1, 0.010, 0.003, None, SECRET)];
    let mut c = BroadcastClientConfig::default();
    c.require_auth = false;
    let mut client = BroadcastClient::new(c, lcg()).unwrap();
    let (events, refused) = run(&mut client, &mut servers, &ck, Duration::ZERO, HOUR);
    assert!(refused.is_empty(), "{refused:?}");
    assert!(
        samples(&events)
            .iter()
            .all(|(o, _)| (o - 0.010).abs() < 2e-5)
    );
    assert_eq!(client.servers().count(), 1);
}

#[test]
fn replays_old_and_far_future_broadcasts_are_refused_and_change_nothing() {
    let ck = keys(SECRET);
    let mut servers = vec![sim_server(1, 0.010, 0.003, Some(3), SECRET)];
    let addr = servers[0].addr;
    let mut client = BroadcastClient::new(config(), lcg()).unwrap();
    run(&mut client, &mut servers, &ck, Duration::ZERO, HOUR);
    // Capture the next genuine broadcast, then replay it and forge others around it.
    let (at, genuine, len) = capture_next(&mut servers[0], &ck);
    let state = stratum_1();
    let clock = servers[0].clock(at);
    let arrive = at + Duration::from_millis(3);
    client
        .handle_broadcast(arrive, addr, &genuine[..len], wall(arrive), &ck)
        .unwrap();
    let later = arrive + Duration::from_secs(1);
    assert_eq!(
        client.handle_broadcast(later, addr, &genuine[..len], wall(later), &ck),
        Err(BroadcastRejection::Replay)
    );
    // Same key, a transmit time a day ahead (an insider or a misbehaving server): refused,
    // and it does not lock the real server out.
    let mut fc = BroadcastServerConfig::default();
    fc.key = KeyId::new(3);
    let mut future = BroadcastServer::new(fc, at);
    future.handle_timeout(at);
    let mut forged = [0u8; 68];
    let day = clock + NtpDuration::from_seconds_f64(86_400.0);
    let flen = future
        .poll_transmit(at, &state, &ck, &mut forged, || day)
        .unwrap()
        .unwrap();
    assert_eq!(
        client.handle_broadcast(later, addr, &forged[..flen], wall(later), &ck),
        Err(BroadcastRejection::OutsideWindow)
    );
    // Garbage, a wrong mode and a tampered MAC from the followed server: refused.
    let mut tampered = genuine;
    tampered[60] ^= 1;
    let mut mode3 = genuine;
    mode3[0] = (mode3[0] & !7) | 3;
    for (bytes, want) in [
        (&genuine[..7], BroadcastRejection::Malformed),
        (&mode3[..len], BroadcastRejection::WrongMode),
    ] {
        assert_eq!(
            client.handle_broadcast(later, addr, bytes, wall(later), &ck),
            Err(want)
        );
    }
    assert!(matches!(
        client.handle_broadcast(later, addr, &tampered[..len], wall(later), &ck),
        Err(BroadcastRejection::Authentication(_))
    ));
    // None of that tore the association down: the next genuine broadcast is a good sample.
    assert_eq!(client.servers().collect::<Vec<_>>(), vec![addr]);
    while client.poll_event().is_some() {}
    let (events, refused) = run(
        &mut client,
        &mut servers,
        &ck,
        at,
        at + Duration::from_secs(200),
    );
    assert!(refused.is_empty(), "{refused:?}");
    let s = samples(&events);
    assert!(!s.is_empty());
    assert!(s.iter().all(|(o, _)| (o - 0.010).abs() < 2e-5), "{s:?}");
}

#[test]
fn a_crypto_nak_broadcast_is_refused_and_changes_nothing() {
    // A crypto-NAK answers a request; no broadcast answers anything of ours, so it is never
    // honoured (SECURITY-LESSONS rule 10, CVE-2016-4953/4954 style spoofed NAKs): not from
    // the followed server's address (it must not be torn down or lose its replay window),
    // not from a new one (nothing mobilised).
    let ck = keys(SECRET);
    let mut servers = vec![sim_server(1, 0.010, 0.003, Some(3), SECRET)];
    let addr = servers[0].addr;
    let mut client = BroadcastClient::new(config(), lcg()).unwrap();
    run(&mut client, &mut servers, &ck, Duration::ZERO, HOUR);
    assert_eq!(client.servers().collect::<Vec<_>>(), vec![addr]);
    while client.poll_event().is_some() {}
    // The server's next broadcast, its MAC replaced by the 4-byte NAK (key id 0).
    let (at, genuine, len) = capture_next(&mut servers[0], &ck);
    let mut nak = [0u8; 52];
    nak[..48].copy_from_slice(&genuine[..48]);
    let stranger: SocketAddr = "10.1.0.66:123".parse().unwrap();
    let arrive = at + Duration::from_millis(3);
    for from in [addr, stranger] {
        assert_eq!(
            client.handle_broadcast(arrive, from, &nak, wall(arrive), &ck),
            Err(BroadcastRejection::Authentication(AuthError::CryptoNak))
        );
    }
    assert_eq!(client.poll_event(), None);
    assert_eq!(client.servers().collect::<Vec<_>>(), vec![addr]);
    // The genuine broadcast with the NAK's transmit time still counts (the NAK did not move
    // the replay window), and so do the ones after it.
    let later = arrive + Duration::from_millis(1);
    client
        .handle_broadcast(later, addr, &genuine[..len], wall(later), &ck)
        .unwrap();
    let first = samples(&std::iter::from_fn(|| client.poll_event()).collect::<Vec<_>>());
    assert_eq!(first.len(), 1, "{first:?}");
    let (events, refused) = run(
        &mut client,
        &mut servers,
        &ck,
        at,
        at + Duration::from_secs(200),
    );
    assert!(refused.is_empty(), "{refused:?}");
    let s = samples(&events);
    assert!(!s.is_empty());
    assert!(s.iter().all(|(o, _)| (o - 0.010).abs() < 2e-5), "{s:?}");
}

#[test]
fn the_session_cap_holds_and_a_silent_server_frees_its_slot() {
    let ck = keys(SECRET);
    let mut servers: Vec<_> = (1..=4)
        .map(|i| sim_server(i, 0.001, 0.001, Some(3), SECRET))
        .collect();
    let mut c = config();
    c.max_sessions = 2;
    let mut client = BroadcastClient::new(c, lcg()).unwrap();
    let (_, refused) = run(&mut client, &mut servers, &ck, Duration::ZERO, HOUR);
    assert_eq!(client.servers().count(), 2);
    assert!(
        refused
            .iter()
            .all(|(_, r)| *r == BroadcastRejection::SessionCap(SessionRefusal::TotalCap))
    );
    assert!(refused.len() >= 2 * 50);
    // The followed servers stop; after 10 of their 64 s intervals they are dropped and the
    // other two take their places.
    let followed: Vec<_> = client.servers().collect();
    for s in servers.iter_mut().filter(|s| followed.contains(&s.addr)) {
        s.broadcasting = false;
    }
    let (events, _) = run(&mut client, &mut servers, &ck, HOUR, 2 * HOUR);
    for addr in &followed {
        assert!(events.contains(&BroadcastEvent::Demobilized(*addr)));
    }
    let mut now: Vec<_> = client.servers().collect();
    now.sort();
    let mut others: Vec<_> = servers
        .iter()
        .map(|s| s.addr)
        .filter(|a| !followed.contains(a))
        .collect();
    others.sort();
    assert_eq!(now, others);
}

/// A server the driver's selection drops as a falseticker frees its session at once (the
/// server waiting for one takes it) and is refused for the hold-down, then heard again.
#[test]
fn a_dropped_falseticker_frees_its_slot_and_is_held_down() {
    let ck = keys(SECRET);
    let mut servers = vec![
        sim_server(1, 0.250, 0.001, Some(3), SECRET),
        sim_server(2, 0.001, 0.001, Some(3), SECRET),
    ];
    let mut c = config();
    c.max_sessions = 1;
    c.holddown = HOUR;
    let mut client = BroadcastClient::new(c, lcg()).unwrap();
    let (_, refused) = run(&mut client, &mut servers, &ck, Duration::ZERO, HOUR);
    // Whichever broadcast came first took the one slot; the driver then finds it lying.
    let dropped = client.servers().next().unwrap();
    let waiting = servers
        .iter()
        .map(|s| s.addr)
        .find(|a| *a != dropped)
        .unwrap();
    assert!(refused.iter().any(|(a, _)| *a == waiting), "{refused:?}");
    assert!(client.drop_server(dropped, HOUR));
    assert!(!client.drop_server(dropped, HOUR), "dropped twice");
    let (events, refused) = run(&mut client, &mut servers, &ck, HOUR, 2 * HOUR - MINUTE);
    assert_eq!(client.servers().collect::<Vec<_>>(), vec![waiting]);
    assert_eq!(events.first(), Some(&BroadcastEvent::Mobilized(waiting)));
    // The dropped server's broadcasts are refused as held down, not as over the cap.
    let of_dropped: Vec<_> = refused.iter().filter(|(a, _)| *a == dropped).collect();
    assert!(!of_dropped.is_empty());
    assert!(
        of_dropped
            .iter()
            .all(|(_, r)| *r == BroadcastRejection::HeldDown),
        "{of_dropped:?}"
    );
    // After the hold-down it is an ordinary candidate again: with the slot taken, the cap.
    let (_, refused) = run(&mut client, &mut servers, &ck, 2 * HOUR, 3 * HOUR);
    let late: Vec<_> = refused.iter().filter(|(a, _)| *a == dropped).collect();
    assert!(
        late.iter()
            .any(|(_, r)| *r == BroadcastRejection::SessionCap(SessionRefusal::TotalCap)),
        "{late:?}"
    );
}

#[test]
fn an_unsynchronised_server_does_not_broadcast_and_a_keyed_one_signs() {
    let k = keys(SECRET);
    let mut c = BroadcastServerConfig::default();
    c.key = KeyId::new(3);
    let mut server = BroadcastServer::new(c, Duration::ZERO);
    server.handle_timeout(Duration::ZERO);
    let t = wall(Duration::ZERO);
    let mut buf = [0u8; 68];
    let unsynced = ServerState::unsynchronized(Precision(-20));
    assert_eq!(
        server.poll_transmit(Duration::ZERO, &unsynced, &k, &mut buf, || t),
        Ok(None)
    );
    let at = Duration::from_secs(64);
    server.handle_timeout(at);
    let state = ServerState::local_reference(Stratum(2), ReferenceId(*b"LOCL"), Precision(-20));
    let len = server
        .poll_transmit(at, &state, &k, &mut buf, || t)
        .unwrap()
        .unwrap();
    assert_eq!(len, 68);
    assert_eq!(&buf[48..52], &[0, 0, 0, 3]);
    let mut md5 = Md5::new();
    md5.update(SECRET.as_bytes());
    md5.update(&buf[..48]);
    assert_eq!(&buf[52..68], md5.finalize().as_slice());
    assert_eq!(server.sent(), 1);
}
