//! The mode 6 control responder on arbitrary datagrams: never panics; every datagram it sends
//! is a well-formed control response of at most 480 bytes, at most MAX_RESPONSE_FRAGMENTS of
//! them; a refused source gets nothing. The first input byte picks the access decision, the
//! source and the clock; the rest is the datagram.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpkit_access::{Decision, DropReason};
use ntpkit_assoc::ServerState;
use ntpkit_assoc::control::{
    ControlConfig, ControlRequest, ControlResponder, MAX_FRAGMENT_LEN, MAX_RESPONSE_FRAGMENTS,
    MruRow, SystemInfo,
};
use ntpkit_auth::{Key, KeyId, KeyStore, MacAlgorithm};
use ntpkit_wire::{ControlMessage, NtpTimestamp, Precision, ReferenceId, Stratum};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, datagram)) = data.split_first() else {
        return;
    };
    let refuse = selector & 1 != 0;
    let loopback = selector & 2 != 0;
    let mut keys = KeyStore::new();
    let id = KeyId::new(1).unwrap();
    keys.insert(id, Key::new(MacAlgorithm::Md5, &[0x42; 16]).unwrap())
        .unwrap();
    keys.trust(id);
    let mut config = ControlConfig::default();
    config.loopback_only = selector & 4 != 0;
    config.control_key = Some(id);
    let mut responder = ControlResponder::new(config, [7; 32]);
    let state = ServerState::local_reference(Stratum(2), ReferenceId(*b"LOCL"), Precision(-20));
    let now = NtpTimestamp::from_unix(1_800_000_000 + i64::from(selector >> 3), 0);
    let info = SystemInfo::new(&state, now);
    let source = if loopback {
        "127.0.0.1:4000"
    } else {
        "192.0.2.1:4000"
    };
    let rows: Vec<MruRow> = (0..40u8)
        .map(|i| {
            MruRow::new(
                format!("192.0.2.{i}:123").parse().unwrap(),
                now,
                now,
                u32::from(i),
            )
        })
        .collect();
    let mut sent = 0usize;
    // A nonce first (so READ_MRU can succeed when the input echoes it), then the input.
    for bytes in [&[0x16, 12, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0][..], datagram] {
        let _ = responder.respond(
            &ControlRequest::new(bytes, source.parse().unwrap(), now, loopback),
            &info,
            &keys,
            |_, _| {
                if refuse {
                    Decision::Drop(DropReason::NoQuery)
                } else {
                    Decision::Serve
                }
            },
            || rows.clone(),
            |out| {
                assert!(out.len() <= MAX_FRAGMENT_LEN);
                let m = ControlMessage::parse(out).expect("a well-formed response");
                assert!(m.response);
                sent += 1;
            },
        );
        assert!(sent <= 2 * MAX_RESPONSE_FRAGMENTS);
    }
    if refuse || (config.loopback_only && !loopback) {
        assert_eq!(sent, 0);
    }
});
