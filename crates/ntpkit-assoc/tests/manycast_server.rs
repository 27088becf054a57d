//! The manycast server rule, and the client's refusals of hostile answers to its
//! solicitations (SECURITY-LESSONS: authenticate before any association state changes;
//! ephemeral associations capped; zero or bogus origins never match).

use core::time::Duration;
use std::net::SocketAddr;

use md5::{Digest, Md5};
use ntpkit_access::{Decision, KissCode};
use ntpkit_assoc::client::{ClientConfig, Rejection};
use ntpkit_assoc::host::Host;
use ntpkit_assoc::manycast::{
    Destination, ManycastClient, ManycastConfig, ManycastConfigError, ManycastRejection,
    ManycastServer, ManycastServerOutcome, ManycastSilence,
};
use ntpkit_assoc::{NoReplyReason, Request, ServerState};
use ntpkit_auth::{KeyId, KeyStore, append_mac, parse_key_file};
use ntpkit_clock::ClockOptions;
use ntpkit_wire::{LeapIndicator, Mode, NtpHeader, NtpTimestamp, Precision, ReferenceId, Stratum};

const MD5_SECRET: &str = "manycastsecret";

fn md5_keys() -> KeyStore {
    let mut keys = KeyStore::new();
    parse_key_file("k", &format!("1 MD5 {MD5_SECRET}\n"))
        .unwrap()
        .install(&mut keys)
        .unwrap();
    keys.trust(KeyId::new(1).unwrap());
    keys
}

fn t0() -> NtpTimestamp {
    NtpTimestamp::from_unix(1_700_000_000, 0)
}

fn from() -> SocketAddr {
    "192.0.2.50:40000".parse().unwrap()
}

fn request(stratum: u8) -> Vec<u8> {
    let mut h = NtpHeader::client_request(t0());
    h.stratum = Stratum(stratum);
    let mut out = vec![0u8; 48];
    h.emit(&mut out).unwrap();
    out
}

fn synced(stratum: u8) -> ServerState {
    ServerState::local_reference(Stratum(stratum), ReferenceId(*b"GPS\0"), Precision(-20))
}

fn respond(
    server: &mut ManycastServer,
    bytes: &[u8],
    state: &ServerState,
    keys: &KeyStore,
    decision: Decision,
    out: &mut [u8],
) -> ManycastServerOutcome {
    server.respond(
        &Request::new(bytes, from(), t0()),
        state,
        keys,
        |_, _| decision,
        out,
        t0,
    )
}

#[test]
fn an_unsynchronised_server_stays_silent() {
    let mut server = ManycastServer::default();
    let mut out = [0u8; 48];
    let o = respond(
        &mut server,
        &request(0),
        &ServerState::unsynchronized(Precision(-20)),
        &KeyStore::new(),
        Decision::Serve,
        &mut out,
    );
    assert_eq!(
        o,
        ManycastServerOutcome::Silent(ManycastSilence::NotSynchronized)
    );
    assert_eq!(server.counters().not_synchronized, 1);
}

#[test]
fn a_server_answers_only_clients_of_its_stratum_or_worse() {
    let mut server = ManycastServer::default();
    let mut out = [0u8; 48];
    let keys = KeyStore::new();
    // Stratum 3 server: a stratum-2 client is better served elsewhere.
    let o = respond(
        &mut server,
        &request(2),
        &synced(3),
        &keys,
        Decision::Serve,
        &mut out,
    );
    assert_eq!(
        o,
        ManycastServerOutcome::Silent(ManycastSilence::StratumWorse {
            ours: Stratum(3),
            theirs: Stratum(2)
        })
    );
    for client in [3, 4, 0, 16] {
        let o = respond(
            &mut server,
            &request(client),
            &synced(3),
            &keys,
            Decision::Serve,
            &mut out,
        );
        let ManycastServerOutcome::Reply(r) = o else {
            panic!("client stratum {client}: {o:?}")
        };
        let reply = NtpHeader::parse(&out[..r.len]).unwrap();
        assert_eq!(reply.mode, Mode::Server);
        assert_eq!(reply.stratum, Stratum(3));
        assert_eq!(reply.origin_timestamp, t0());
    }
}

#[test]
fn a_signed_request_gets_a_reply_signed_with_the_same_key() {
    let keys = md5_keys();
    let mut req = request(0);
    req.resize(68, 0);
    let len = append_mac(&keys, KeyId::new(1).unwrap(), &mut req, 48).unwrap();
    assert_eq!(len, 68);
    let mut server = ManycastServer::default();
    let mut out = [0u8; 68];
    let o = respond(
        &mut server,
        &req,
        &synced(2),
        &keys,
        Decision::Serve,
        &mut out,
    );
    let ManycastServerOutcome::Reply(r) = o else {
        panic!("{o:?}")
    };
    assert_eq!(r.len, 68);
    assert_eq!(&out[48..52], &[0, 0, 0, 1]);
    // RFC 5905 7.3's keyed MD5 computed here, independently: MD5(key || packet).
    let mut md5 = Md5::new();
    md5.update(MD5_SECRET.as_bytes());
    md5.update(&out[..48]);
    assert_eq!(&out[52..68], md5.finalize().as_slice());
}

#[test]
fn a_request_whose_mac_fails_gets_nothing() {
    let keys = md5_keys();
    let mut req = request(0);
    req.resize(68, 0);
    append_mac(&keys, KeyId::new(1).unwrap(), &mut req, 48).unwrap();
    req[60] ^= 1;
    let mut server = ManycastServer::default();
    let mut out = [0u8; 68];
    let o = respond(
        &mut server,
        &req,
        &synced(2),
        &keys,
        Decision::Serve,
        &mut out,
    );
    assert_eq!(
        o,
        ManycastServerOutcome::Silent(ManycastSilence::Responder(NoReplyReason::AuthFailed))
    );
}

#[test]
fn kisses_and_non_requests_on_the_group_get_silence() {
    let mut server = ManycastServer::default();
    let mut out = [0u8; 48];
    let keys = KeyStore::new();
    let o = respond(
        &mut server,
        &request(0),
        &synced(2),
        &keys,
        Decision::Kiss(KissCode::Rate),
        &mut out,
    );
    assert_eq!(
        o,
        ManycastServerOutcome::Silent(ManycastSilence::KissSuppressed)
    );
    let mut control = request(0);
    control[0] = 0x16; // mode 6
    let o = respond(
        &mut server,
        &control,
        &synced(2),
        &keys,
        Decision::Serve,
        &mut out,
    );
    assert_eq!(
        o,
        ManycastServerOutcome::Silent(ManycastSilence::NotARequest)
    );
    let o = respond(
        &mut server,
        &[0u8; 7],
        &synced(2),
        &keys,
        Decision::Serve,
        &mut out,
    );
    assert_eq!(
        o,
        ManycastServerOutcome::Silent(ManycastSilence::NotARequest)
    );
}

// ---- The client's side ----

fn lcg() -> impl FnMut() -> u32 + Clone {
    let mut seed = 99u32;
    move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        seed
    }
}

fn keyed_config() -> ManycastConfig {
    let mut client = ClientConfig::default();
    client.key = KeyId::new(1);
    let mut c = ManycastConfig::default();
    c.client = client;
    c
}

/// A client that has sent one solicitation; returns it with the solicitation's bytes.
fn solicited(
    config: ManycastConfig,
    keys: &KeyStore,
) -> (ManycastClient<impl FnMut() -> u32 + Clone>, Vec<u8>) {
    let host = Host::new(ClockOptions::default(), -20, None, Duration::ZERO).unwrap();
    let mut client = ManycastClient::new(config, host, lcg(), Duration::ZERO).unwrap();
    client.handle_timeout(Duration::ZERO, t0());
    let mut buf = [0u8; 68];
    let t = client
        .poll_transmit(Duration::ZERO, t0(), keys, &mut buf)
        .unwrap()
        .unwrap();
    assert_eq!(t.destination, Destination::Group { ttl: 1 });
    (client, buf[..t.len].to_vec())
}

/// A stratum-`stratum` server's signed answer to `solicitation`.
fn answer(solicitation: &[u8], stratum: u8, keys: &KeyStore) -> Vec<u8> {
    let mut server = ManycastServer::default();
    let mut out = [0u8; 68];
    let received = t0() + ntpkit_wire::NtpDuration::from_seconds_f64(0.001);
    let o = server.respond(
        &Request::new(solicitation, from(), received),
        &synced(stratum),
        keys,
        |_, _| Decision::Serve,
        &mut out,
        || received,
    );
    let ManycastServerOutcome::Reply(r) = o else {
        panic!("{o:?}")
    };
    out[..r.len].to_vec()
}

fn arrival() -> NtpTimestamp {
    t0() + ntpkit_wire::NtpDuration::from_seconds_f64(0.002)
}

#[test]
fn authentication_is_required_unless_disabled() {
    let host = Host::new(ClockOptions::default(), -20, None, Duration::ZERO).unwrap();
    let r = ManycastClient::new(ManycastConfig::default(), host, lcg(), Duration::ZERO);
    assert_eq!(r.err(), Some(ManycastConfigError::KeyRequired));
    let mut c = ManycastConfig::default();
    c.require_auth = false;
    let host = Host::new(ClockOptions::default(), -20, None, Duration::ZERO).unwrap();
    assert!(ManycastClient::new(c, host, lcg(), Duration::ZERO).is_ok());
}

#[test]
fn a_replayed_answer_mobilises_nothing_more() {
    let keys = md5_keys();
    let (mut client, sol) = solicited(keyed_config(), &keys);
    let reply = answer(&sol, 2, &keys);
    let now = Duration::from_millis(2);
    client
        .handle_packet(now, from(), &reply, arrival(), &keys)
        .unwrap();
    assert_eq!(client.servers().len(), 1);
    let again = client.handle_packet(now, from(), &reply, arrival(), &keys);
    assert_eq!(again, Err(ManycastRejection::AlreadyAssociated));
    assert_eq!(client.servers().len(), 1);
}

#[test]
fn answers_to_nothing_we_sent_are_refused() {
    let keys = md5_keys();
    let (mut client, sol) = solicited(keyed_config(), &keys);
    let now = Duration::from_millis(2);
    // Another origin (an off-path guess), and a zero origin (CVE-2016-7431).
    let mut other = sol.clone();
    other[47] ^= 0x55;
    let mut zero = sol.clone();
    zero[40..48].fill(0);
    for mut forged in [other, zero] {
        // Signed again: the forger is taken to know the key, so only the origin is wrong.
        append_mac(&keys, KeyId::new(1).unwrap(), &mut forged, 48).unwrap();
        let reply = answer(&forged, 2, &keys);
        let r = client.handle_packet(now, from(), &reply, arrival(), &keys);
        assert_eq!(r, Err(ManycastRejection::NotSolicited));
    }
    assert!(client.servers().is_empty());
}

#[test]
fn an_unsynchronised_or_tampered_answer_is_refused() {
    let keys = md5_keys();
    let (mut client, sol) = solicited(keyed_config(), &keys);
    let now = Duration::from_millis(2);
    // An unsynchronised server's answer (signed; built by hand: our server rule would stay
    // silent).
    let mut h = NtpHeader::parse(&answer(&sol, 2, &keys)).unwrap();
    h.leap = LeapIndicator::Unsynchronized;
    h.stratum = Stratum(16);
    let mut bytes = [0u8; 68];
    h.emit(&mut bytes).unwrap();
    let len = append_mac(&keys, KeyId::new(1).unwrap(), &mut bytes, 48).unwrap();
    let r = client.handle_packet(now, from(), &bytes[..len], arrival(), &keys);
    assert_eq!(r, Err(ManycastRejection::Reply(Rejection::Unsynchronized)));
    // A genuine answer with one bit of its MAC changed.
    let mut tampered = answer(&sol, 2, &keys);
    tampered[60] ^= 1;
    let r = client.handle_packet(now, from(), &tampered, arrival(), &keys);
    assert!(
        matches!(
            r,
            Err(ManycastRejection::Reply(Rejection::Authentication(_)))
        ),
        "{r:?}"
    );
    assert!(client.servers().is_empty());
    // The genuine answer still works afterwards: the refusals changed nothing.
    let genuine = answer(&sol, 2, &keys);
    client
        .handle_packet(now, from(), &genuine, arrival(), &keys)
        .unwrap();
    assert_eq!(client.servers().len(), 1);
}

#[test]
fn the_solicitation_carries_our_key_and_no_better_stratum_than_ours() {
    let keys = md5_keys();
    let (_, sol) = solicited(keyed_config(), &keys);
    assert_eq!(sol.len(), 68);
    assert_eq!(&sol[48..52], &[0, 0, 0, 1]);
    let h = NtpHeader::parse(&sol).unwrap();
    assert_eq!(h.mode, Mode::Client);
    // Not synchronised yet: stratum 0 (unspecified), so any synchronised server answers.
    assert_eq!(h.stratum, Stratum(0));
    let mut md5 = Md5::new();
    md5.update(MD5_SECRET.as_bytes());
    md5.update(&sol[..48]);
    assert_eq!(&sol[52..68], md5.finalize().as_slice());
}
