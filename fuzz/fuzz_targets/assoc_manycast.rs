//! The manycast client's and server's packet entry points on arbitrary datagrams: never
//! panic; a refused datagram mobilises nothing and changes no association; the session cap
//! always holds; a server reply is never larger than the request.
//!
//! The first input byte chooses: bit 0 patch the origin to our solicitation's (so the
//! fuzzer gets past the origin check), bit 1 re-sign the first 48 bytes with our key (past
//! the MAC check), bit 2 send from an already mobilised server, bit 3 feed the manycast
//! server rule instead, bit 4 solicit a second group under key 2 (`add_ring`), bit 5 aim
//! bits 0 and 1 at that group's solicitation and key; the rest is the datagram. The one
//! session cap holds over both groups.
#![no_main]

use core::time::Duration;

use libfuzzer_sys::fuzz_target;
use ntpkit_access::Decision;
use ntpkit_assoc::host::Host;
use ntpkit_assoc::manycast::{
    ManycastClient, ManycastConfig, ManycastServer, ManycastServerOutcome,
};
use ntpkit_assoc::{Request, ServerState};
use ntpkit_auth::append_mac;
use ntpkit_clock::ClockOptions;
use ntpkit_fuzz::{Lcg, add_md5_key, md5_keys};
use ntpkit_wire::{NtpTimestamp, Precision, ReferenceId, Stratum};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, datagram)) = data.split_first() else {
        return;
    };
    let (mut keys, id) = md5_keys();
    let t0 = NtpTimestamp::from_unix(1_800_000_000, 0);
    if selector & 8 == 8 {
        let mut server = ManycastServer::default();
        let state = ServerState::local_reference(Stratum(2), ReferenceId(*b"LOCL"), Precision(-20));
        let mut out = [0u8; 1024];
        let from = "192.0.2.1:123".parse().unwrap();
        let o = server.respond(
            &Request::new(datagram, from, t0),
            &state,
            &keys,
            |_, _| Decision::Serve,
            &mut out,
            || t0,
        );
        if let ManycastServerOutcome::Reply(r) = o {
            assert!(r.len <= datagram.len());
        }
        return;
    }
    let mut config = ManycastConfig::default();
    config.client.key = Some(id);
    config.max_sessions = 1;
    let host = Host::new(ClockOptions::default(), -20, None, Duration::ZERO).unwrap();
    let rng = Lcg::START;
    let mut client = ManycastClient::new(config, host, rng, Duration::ZERO).unwrap();
    let second = add_md5_key(&mut keys, 2, "fuzz-key-2");
    if selector & 16 == 16 {
        let mut other = ManycastConfig::default();
        other.client.key = Some(second);
        client.add_ring(other, Duration::ZERO).unwrap();
    }
    client.handle_timeout(Duration::ZERO, t0);
    let mut solicitation = [0u8; 68];
    let Ok(Some(_)) = client.poll_transmit(Duration::ZERO, t0, &keys, &mut solicitation) else {
        return;
    };
    let mut other = [0u8; 68];
    let aimed_at_second = selector & 48 == 48
        && matches!(
            client.poll_transmit(Duration::ZERO, t0, &keys, &mut other),
            Ok(Some(_))
        );
    let (aim, aim_key) = if aimed_at_second {
        (other, second)
    } else {
        (solicitation, id)
    };
    let known: std::net::SocketAddr = "192.0.2.9:123".parse().unwrap();
    if selector & 4 == 4 {
        // Mobilise one genuine server first.
        let mut reply = [0u8; 68];
        reply[..48].copy_from_slice(&solicitation[..48]);
        reply[0] = 0x24;
        reply[1] = 1;
        reply[24..32].copy_from_slice(&solicitation[40..48]);
        reply[32..40].copy_from_slice(&solicitation[40..48]);
        reply[40..48].copy_from_slice(&solicitation[40..48]);
        let len = append_mac(&keys, id, &mut reply, 48).unwrap();
        client
            .handle_packet(Duration::from_millis(1), known, &reply[..len], t0, &keys)
            .unwrap();
    }
    let mut bytes = datagram.to_vec();
    if selector & 1 == 1 {
        if let Some(origin) = bytes.get_mut(24..32) {
            origin.copy_from_slice(&aim[40..48]);
        }
    }
    if selector & 2 == 2 && bytes.len() >= 48 {
        bytes.truncate(48);
        bytes.resize(68, 0);
        let len = append_mac(&keys, aim_key, &mut bytes, 48).unwrap();
        bytes.truncate(len);
    }
    let from = if selector & 4 == 4 {
        known
    } else {
        "192.0.2.7:123".parse().unwrap()
    };
    let before: Vec<_> = client.servers().to_vec();
    let t4 = NtpTimestamp::from_unix(1_800_000_000, 1_000_000);
    let result = client.handle_packet(Duration::from_millis(2), from, &bytes, t4, &keys);
    if result.is_err() {
        assert_eq!(client.servers(), &before[..]);
    }
    assert!(client.servers().len() <= 1, "session cap");
    while client.poll_event().is_some() {}
});
