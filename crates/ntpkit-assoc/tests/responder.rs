//! The responder seen from a client: every rule of issue 6, checked on the wire bytes.
//! MACs are checked by recomputing them here from the RFC definitions (MD5/SHA-1 of
//! key ‖ packet, AES-CMAC of the packet), not with the code under test.

use std::cell::Cell;
use std::net::SocketAddr;

use aes::Aes128;
use cmac::{Cmac, Mac as _};
use md5::{Digest, Md5};
use ntpkit_access::{Decision, DropReason, KissCode};
use ntpkit_assoc::{
    FailedMacReply, NoReplyReason, ReplyKind, Request, Responder, ResponderConfig,
    ResponderOutcome, ServerState,
};
use ntpkit_auth::{Key, KeyId, KeyStore, MacAlgorithm};
use ntpkit_wire::{NtpTimestamp, Precision, ReferenceId, Stratum};
use proptest::prelude::*;
use sha1::Sha1;

const T1: u64 = 0xE8A1_B2C3_1234_5678; // the client's transmit timestamp, as raw bits
const RX: u64 = 0xE8A1_B2C3_4000_0000;
const TX: u64 = 0xE8A1_B2C3_4100_0000;

fn source() -> SocketAddr {
    "198.51.100.7:40000".parse().unwrap()
}

/// A client request built byte by byte from RFC 5905 figure 8.
fn request(version: u8, mode: u8, poll: i8) -> Vec<u8> {
    let mut b = vec![0u8; 48];
    b[0] = (3 << 6) | (version << 3) | mode;
    b[2] = poll as u8;
    b[40..48].copy_from_slice(&T1.to_be_bytes());
    b
}

fn local_state() -> ServerState {
    ServerState::local_reference(Stratum(4), ReferenceId(*b"LOCL"), Precision(-21))
}

const MD5_SECRET: &[u8] = b"md5-secret-pass";
const SHA1_SECRET: &[u8] = &[0x5a; 20];
const CMAC_SECRET: &[u8] = &[
    0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
];

fn keys() -> KeyStore {
    let mut store = KeyStore::new();
    for (id, alg, secret) in [
        (1, MacAlgorithm::Md5, MD5_SECRET),
        (2, MacAlgorithm::Sha1, SHA1_SECRET),
        (3, MacAlgorithm::Aes128Cmac, CMAC_SECRET),
        (4, MacAlgorithm::Md5, b"installed-but-untrusted".as_slice()),
    ] {
        let id = KeyId::new(id).unwrap();
        store.insert(id, Key::new(alg, secret).unwrap()).unwrap();
        if id.get() != 4 {
            store.trust(id);
        }
    }
    store
}

/// The MAC of `data` by RFC definition: keyed digest for MD5/SHA-1, CMAC for AES.
fn reference_mac(key_id: u32, data: &[u8]) -> Vec<u8> {
    match key_id {
        1 | 4 => {
            let secret: &[u8] = if key_id == 1 {
                MD5_SECRET
            } else {
                b"installed-but-untrusted"
            };
            Md5::new()
                .chain_update(secret)
                .chain_update(data)
                .finalize()
                .to_vec()
        }
        2 => Sha1::new()
            .chain_update(SHA1_SECRET)
            .chain_update(data)
            .finalize()
            .to_vec(),
        3 => {
            let mut m = <Cmac<Aes128> as cmac::KeyInit>::new_from_slice(CMAC_SECRET).unwrap();
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        _ => unreachable!(),
    }
}

fn signed_request(key_id: u32) -> Vec<u8> {
    let mut b = request(4, 3, 6);
    let mac = reference_mac(key_id, &b);
    b.extend_from_slice(&key_id.to_be_bytes());
    b.extend_from_slice(&mac);
    b
}

struct Run {
    outcome: ResponderOutcome,
    reply: Vec<u8>,
    decided: bool,
}

fn run_with(responder: &mut Responder, req: &[u8], state: &ServerState, decision: Decision) -> Run {
    let mut out = [0u8; 1024];
    let decided = Cell::new(false);
    let outcome = responder.respond(
        &Request::new(req, source(), NtpTimestamp::from_bits(RX)),
        state,
        &keys(),
        |r, _| {
            assert_eq!(r.source, source());
            decided.set(true);
            decision
        },
        &mut out,
        || NtpTimestamp::from_bits(TX),
    );
    let len = match outcome {
        ResponderOutcome::Reply(r) => r.len,
        ResponderOutcome::NoReply(_) => 0,
    };
    Run {
        outcome,
        reply: out[..len].to_vec(),
        decided: decided.get(),
    }
}

fn run(req: &[u8], decision: Decision) -> Run {
    run_with(&mut Responder::default(), req, &local_state(), decision)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().unwrap())
}

#[test]
fn mode_3_gets_mode_4_with_the_clients_version_and_poll_and_our_state() {
    for version in 1..=4u8 {
        for poll in [4i8, 10, 17] {
            let r = run(&request(version, 3, poll), Decision::Serve);
            assert!(
                matches!(r.outcome, ResponderOutcome::Reply(_)),
                "{:?}",
                r.outcome
            );
            let b = &r.reply;
            assert_eq!(b.len(), 48);
            assert_eq!(b[0] >> 6, 0, "leap: no warning");
            assert_eq!((b[0] >> 3) & 7, version, "version copied");
            assert_eq!(b[0] & 7, 4, "mode 4");
            assert_eq!(b[1], 4, "stratum");
            assert_eq!(b[2] as i8, poll, "poll copied");
            assert_eq!(b[3] as i8, -21, "precision");
            assert_eq!(&b[12..16], b"LOCL");
            assert_eq!(
                u64_at(b, 16),
                RX & 0xFFFF_FFFF_0000_0000,
                "reference time: start of the receive second"
            );
            assert_eq!(u64_at(b, 24), T1, "origin = client's transmit");
            assert_eq!(u64_at(b, 32), RX, "receive = receive timestamp");
            assert_eq!(u64_at(b, 40), TX, "transmit = clock read at emit time");
        }
    }
}

#[test]
fn transmit_clock_is_read_after_the_access_decision() {
    let order = Cell::new(0);
    let mut out = [0u8; 48];
    let req = request(4, 3, 6);
    let _ = Responder::default().respond(
        &Request::new(&req, source(), NtpTimestamp::from_bits(RX)),
        &local_state(),
        &keys(),
        |_, _| {
            assert_eq!(order.replace(1), 0);
            Decision::Serve
        },
        &mut out,
        || {
            assert_eq!(order.replace(2), 1, "clock read last");
            NtpTimestamp::from_bits(TX)
        },
    );
    assert_eq!(order.get(), 2);
}

#[test]
fn unsynchronised_server_says_leap_3_stratum_16() {
    let r = run_with(
        &mut Responder::default(),
        &request(4, 3, 6),
        &ServerState::unsynchronized(Precision(-20)),
        Decision::Serve,
    );
    assert_eq!(r.reply[0] >> 6, 3);
    assert_eq!(r.reply[1], 16);
}

#[test]
fn authenticated_requests_get_replies_signed_with_the_same_key() {
    for (key_id, mac_len) in [(1u32, 16usize), (2, 20), (3, 16)] {
        let req = signed_request(key_id);
        let r = run(&req, Decision::Serve);
        let ResponderOutcome::Reply(reply) = r.outcome else {
            panic!("{:?}", r.outcome)
        };
        assert_eq!(
            reply.kind,
            ReplyKind::AuthenticatedTime(KeyId::new(key_id).unwrap())
        );
        let b = &r.reply;
        assert_eq!(b.len(), 48 + 4 + mac_len);
        assert!(b.len() <= req.len());
        assert_eq!(u32::from_be_bytes(b[48..52].try_into().unwrap()), key_id);
        assert_eq!(
            &b[52..],
            reference_mac(key_id, &b[..48]).as_slice(),
            "key {key_id}"
        );
        assert_eq!(
            u64_at(b, 40),
            TX,
            "the MAC covers the late transmit timestamp"
        );
    }
}

#[test]
fn failed_mac_gets_nothing_by_default_or_a_crypto_nak_with_no_valid_mac() {
    let mut tampered = signed_request(1);
    tampered[2] = 7; // poll changed after signing
    let untrusted = signed_request(4);
    let mut unknown = signed_request(1);
    unknown[48..52].copy_from_slice(&9u32.to_be_bytes());
    for (req, decision) in [
        (tampered, Decision::Serve),
        (untrusted, Decision::Drop(DropReason::AuthFailed)),
        (unknown, Decision::Drop(DropReason::AuthFailed)),
    ] {
        assert_eq!(
            run(&req, decision).outcome,
            ResponderOutcome::NoReply(match decision {
                Decision::Drop(reason) => NoReplyReason::Access(reason),
                _ => NoReplyReason::AuthFailed,
            }),
            "silence by default"
        );
        let mut config = ResponderConfig::default();
        config.failed_mac = FailedMacReply::CryptoNak;
        let r = run_with(&mut Responder::new(config), &req, &local_state(), decision);
        let ResponderOutcome::Reply(reply) = r.outcome else {
            panic!("{:?}", r.outcome)
        };
        assert_eq!(reply.kind, ReplyKind::CryptoNak);
        assert_eq!(r.reply.len(), 52);
        assert_eq!(&r.reply[48..], &[0, 0, 0, 0], "key id 0, no digest");
    }
}

#[test]
fn failed_mac_can_be_answered_with_silence() {
    let mut req = signed_request(2);
    req[60] ^= 1;
    let mut responder = Responder::new({
        let mut c = ResponderConfig::default();
        c.failed_mac = FailedMacReply::Silent;
        c
    });
    let r = run_with(&mut responder, &req, &local_state(), Decision::Serve);
    assert_eq!(
        r.outcome,
        ResponderOutcome::NoReply(NoReplyReason::AuthFailed)
    );
    assert_eq!(responder.counters().auth_failed_silent, 1);
    let r = run_with(
        &mut responder,
        &req,
        &local_state(),
        Decision::Drop(DropReason::AuthFailed),
    );
    assert_eq!(
        r.outcome,
        ResponderOutcome::NoReply(NoReplyReason::Access(DropReason::AuthFailed))
    );
    // Other refusals are honoured even for a failed MAC.
    let r = run(&req, Decision::Drop(DropReason::Ignored));
    assert_eq!(
        r.outcome,
        ResponderOutcome::NoReply(NoReplyReason::Access(DropReason::Ignored))
    );
    // A CRYP kiss, when the policy asks for one, is unsigned.
    let r = run(&req, Decision::Kiss(KissCode::Cryp));
    assert_eq!((r.reply.len(), &r.reply[12..16]), (48, b"CRYP".as_slice()));
}

#[test]
fn kisses_follow_the_access_decision() {
    for (code, bytes) in [
        (KissCode::Deny, b"DENY"),
        (KissCode::Rate, b"RATE"),
        (KissCode::Rstr, b"RSTR"),
    ] {
        let r = run(&request(4, 3, 6), Decision::Kiss(code));
        let b = &r.reply;
        assert_eq!(b.len(), 48);
        assert_eq!(b[0] >> 6, 3, "leap 3");
        assert_eq!(b[0] & 7, 4, "mode 4");
        assert_eq!(b[1], 0, "stratum 0");
        assert_eq!(&b[12..16], bytes);
        assert_eq!(
            u64_at(b, 24),
            T1,
            "origin lets the client match the kiss to its request"
        );
        assert_ne!(u64_at(b, 40), TX, "no time for a refused client");
    }
    // A client that authenticated gets a kiss it can authenticate.
    let r = run(&signed_request(3), Decision::Kiss(KissCode::Rate));
    assert_eq!(r.reply.len(), 68);
    assert_eq!(&r.reply[12..16], b"RATE");
    assert_eq!(&r.reply[52..], reference_mac(3, &r.reply[..48]).as_slice());
}

#[test]
fn dropped_by_access_means_no_reply() {
    let r = run(&request(4, 3, 6), Decision::Drop(DropReason::Ignored));
    assert_eq!(
        r.outcome,
        ResponderOutcome::NoReply(NoReplyReason::Access(DropReason::Ignored))
    );
}

#[test]
fn modes_6_and_7_are_dropped_and_counted_without_asking_access() {
    let mut responder = Responder::default();
    // Mode 6 and 7 packets need not be 48 bytes long.
    for (req, reason) in [
        (
            vec![0x16, 0x02, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
            NoReplyReason::Control,
        ),
        (vec![0x17, 0x00, 0x03, 0x2a], NoReplyReason::Private),
        (request(2, 7, 0), NoReplyReason::Private),
    ] {
        let r = run_with(&mut responder, &req, &local_state(), Decision::Serve);
        assert_eq!(r.outcome, ResponderOutcome::NoReply(reason));
        assert!(!r.decided);
    }
    assert_eq!(
        (responder.counters().control, responder.counters().private),
        (1, 2)
    );
}

#[test]
fn other_modes_bad_versions_and_short_packets_get_nothing() {
    for mode in [0u8, 1, 2, 4, 5] {
        assert_eq!(
            run(&request(4, mode, 6), Decision::Serve).outcome,
            ResponderOutcome::NoReply(NoReplyReason::NotARequest)
        );
    }
    for version in [0u8, 5, 7] {
        assert_eq!(
            run(&request(version, 3, 6), Decision::Serve).outcome,
            ResponderOutcome::NoReply(NoReplyReason::UnsupportedVersion)
        );
    }
    assert_eq!(
        run(&request(4, 3, 6)[..47], Decision::Serve).outcome,
        ResponderOutcome::NoReply(NoReplyReason::Malformed)
    );
    assert_eq!(
        run(&[], Decision::Serve).outcome,
        ResponderOutcome::NoReply(NoReplyReason::Malformed)
    );
    // A trailer that is neither a MAC nor valid extension fields.
    let mut odd = request(4, 3, 6);
    odd.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(
        run(&odd, Decision::Serve).outcome,
        ResponderOutcome::NoReply(NoReplyReason::Malformed)
    );
}

#[test]
fn a_buffer_too_small_for_the_reply_is_reported() {
    let req = request(4, 3, 6);
    let mut out = [0u8; 47];
    let o = Responder::default().respond(
        &Request::new(&req, source(), NtpTimestamp::from_bits(RX)),
        &local_state(),
        &keys(),
        |_, _| Decision::Serve,
        &mut out,
        || NtpTimestamp::from_bits(TX),
    );
    assert_eq!(o, ResponderOutcome::NoReply(NoReplyReason::BufferTooSmall));
}

proptest! {
    /// Whatever arrives (client mode forced, so most inputs reach the reply path), the
    /// responder never panics and never answers with more bytes than it received.
    #[test]
    fn never_panics_never_amplifies(mut bytes in proptest::collection::vec(any::<u8>(), 0..200), kiss in any::<bool>()) {
        if let Some(b) = bytes.first_mut() {
            *b = (*b & 0xF8) | 3;
        }
        let decision = if kiss { Decision::Kiss(KissCode::Rate) } else { Decision::Serve };
        let r = run(&bytes, decision);
        prop_assert!(r.reply.len() <= bytes.len());
    }
}

#[test]
fn counters_add_up() {
    let mut responder = Responder::default();
    let state = local_state();
    let _ = run_with(&mut responder, &request(4, 3, 6), &state, Decision::Serve);
    let _ = run_with(&mut responder, &signed_request(1), &state, Decision::Serve);
    let _ = run_with(
        &mut responder,
        &request(4, 3, 6),
        &state,
        Decision::Kiss(KissCode::Rate),
    );
    let _ = run_with(&mut responder, &request(4, 4, 6), &state, Decision::Serve);
    let c = responder.take_counters();
    assert_eq!(
        (c.time, c.authenticated, c.kisses, c.not_a_request),
        (1, 1, 1, 1)
    );
    assert_eq!((c.replies(), c.dropped()), (3, 1));
    assert_eq!(responder.counters().replies(), 0);
}

#[test]
fn packets_are_counted_by_version_for_sysstats() {
    let mut responder = Responder::default();
    let state = local_state();
    for version in [4u8, 4, 3, 1, 2, 0, 7] {
        run_with(
            &mut responder,
            &request(version, 3, 6),
            &state,
            Decision::Serve,
        );
    }
    // A denied v4 request still counts as a current-version packet (ntpd counts on receipt).
    run_with(
        &mut responder,
        &request(4, 3, 6),
        &state,
        Decision::Drop(DropReason::NoServe),
    );
    let c = responder.counters();
    assert_eq!((c.current_version, c.old_version), (3, 3));
}
