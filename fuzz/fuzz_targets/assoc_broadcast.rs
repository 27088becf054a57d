//! The broadcast client on arbitrary datagrams after following one genuine server: never
//! panics; a refused datagram changes neither the servers followed nor any timer (one bad
//! packet never tears an association down, CVE-2015-7979); the session cap holds.
//!
//! The first input byte chooses: bit 0 force mode 5, bit 1 re-sign the first 48 bytes with
//! the key (past the MAC check), bit 2 hand it over as a calibration reply instead, bit 3
//! send it from a new address; the rest is the datagram.
#![no_main]

use core::time::Duration;

use libfuzzer_sys::fuzz_target;
use ntpkit_assoc::ServerState;
use ntpkit_assoc::broadcast::{
    BroadcastClient, BroadcastClientConfig, BroadcastServer, BroadcastServerConfig,
};
use ntpkit_auth::append_mac;
use ntpkit_fuzz::{Lcg, md5_keys};
use ntpkit_wire::{NtpDuration, NtpTimestamp, Precision, ReferenceId, Stratum};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, datagram)) = data.split_first() else {
        return;
    };
    let (keys, id) = md5_keys();
    let mut config = BroadcastClientConfig::default();
    config.key = Some(id);
    config.max_sessions = 1;
    let rng = Lcg::START;
    let mut client = BroadcastClient::new(config, rng).unwrap();
    let mut sc = BroadcastServerConfig::default();
    sc.key = Some(id);
    let mut server = BroadcastServer::new(sc, Duration::ZERO);
    server.handle_timeout(Duration::ZERO);
    let t0 = NtpTimestamp::from_unix(1_800_000_000, 0);
    let state = ServerState::local_reference(Stratum(1), ReferenceId(*b"GPS\0"), Precision(-20));
    let mut genuine = [0u8; 68];
    let len = server
        .poll_transmit(Duration::ZERO, &state, &keys, &mut genuine, || t0)
        .unwrap()
        .unwrap();
    let known = "192.0.2.9:123".parse().unwrap();
    client
        .handle_broadcast(Duration::ZERO, known, &genuine[..len], t0, &keys)
        .unwrap();
    let mut bytes = datagram.to_vec();
    if selector & 1 == 1 {
        if let Some(b) = bytes.first_mut() {
            *b = (*b & !7) | 5;
        }
    }
    if selector & 2 == 2 && bytes.len() >= 48 {
        bytes.truncate(48);
        bytes.resize(68, 0);
        let n = append_mac(&keys, id, &mut bytes, 48).unwrap();
        bytes.truncate(n);
    }
    let from = if selector & 8 == 8 {
        "192.0.2.7:123".parse().unwrap()
    } else {
        known
    };
    let before: Vec<_> = client.servers().collect();
    let timeout = client.poll_timeout();
    let now = Duration::from_secs(64);
    let t4 = t0 + NtpDuration::from_seconds_f64(64.0);
    let result = if selector & 4 == 4 {
        client.handle_reply(now, from, &bytes, t4, &keys)
    } else {
        client.handle_broadcast(now, from, &bytes, t4, &keys)
    };
    if result.is_err() {
        assert_eq!(client.servers().collect::<Vec<_>>(), before);
        assert_eq!(client.poll_timeout(), timeout);
    }
    assert!(client.servers().count() <= 1, "session cap");
    while let Some(e) = client.poll_event() {
        if let ntpkit_assoc::broadcast::BroadcastEvent::Sample { sample, .. } = e {
            assert!(sample.sample.offset.is_finite() && sample.sample.delay.is_finite());
        }
    }
});
