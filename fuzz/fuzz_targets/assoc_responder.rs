//! The server responder on arbitrary datagrams: never panics, never answers with more bytes
//! than it received (CVE-2013-5211), and every reply is a mode 4 packet. The first input byte
//! picks the access decision; the rest is the datagram.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpkit_access::{Decision, DropReason, KissCode};
use ntpkit_assoc::{
    FailedMacReply, Request, Responder, ResponderConfig, ResponderOutcome, ServerState,
};
use ntpkit_auth::{Key, KeyId, KeyStore, MacAlgorithm};
use ntpkit_wire::{NtpTimestamp, Precision, ReferenceId, Stratum};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, datagram)) = data.split_first() else {
        return;
    };
    let decision = match selector % 5 {
        0 => Decision::Kiss(KissCode::Rate),
        1 => Decision::Kiss(KissCode::Deny),
        2 => Decision::Drop(DropReason::AuthFailed),
        3 => Decision::Drop(DropReason::Ignored),
        _ => Decision::Serve,
    };
    let mut keys = KeyStore::new();
    for (id, alg) in [
        (1, MacAlgorithm::Md5),
        (2, MacAlgorithm::Sha1),
        (3, MacAlgorithm::Aes128Cmac),
    ] {
        let id = KeyId::new(id).unwrap();
        keys.insert(id, Key::new(alg, &[0x42; 16]).unwrap())
            .unwrap();
        keys.trust(id);
    }
    let mut config = ResponderConfig::default();
    if selector & 0x80 != 0 {
        config.failed_mac = FailedMacReply::CryptoNak;
    }
    let state = ServerState::local_reference(Stratum(2), ReferenceId(*b"LOCL"), Precision(-20));
    let now = NtpTimestamp::from_bits(0xE8A1_0000_0000_0000);
    let mut out = [0u8; 2048];
    let outcome = Responder::new(config).respond(
        &Request::new(datagram, "192.0.2.1:123".parse().unwrap(), now),
        &state,
        &keys,
        |_, _| decision,
        &mut out,
        || now,
    );
    if let ResponderOutcome::Reply(r) = outcome {
        assert!(
            r.len <= datagram.len(),
            "reply {} > request {}",
            r.len,
            datagram.len()
        );
        assert_eq!(out[0] & 7, 4, "mode 4");
    }
});
