//! Cost of the manycast server rule and of a broadcast client's packet path, each against
//! the plain path it builds on, measured in the same run:
//! `cargo bench -p ntpkit-assoc --bench multicast -- --warm-up-time 1 --measurement-time 3`.
//!
//! - `manycast_server/respond` (rule + responder) vs `responder/respond` (responder alone),
//!   unkeyed and MD5;
//! - `broadcast/handle_broadcast` (checks + replay window + sample) vs
//!   `client/handle_response` (one client reply to a sample), MD5.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ntpkit_access::Decision;
use ntpkit_assoc::broadcast::{
    BroadcastClient, BroadcastClientConfig, BroadcastServer, BroadcastServerConfig,
};
use ntpkit_assoc::client::{ClientAssociation, ClientConfig};
use ntpkit_assoc::manycast::ManycastServer;
use ntpkit_assoc::{Request, Responder, ServerState};
use ntpkit_auth::{Key, KeyId, KeyStore, MacAlgorithm, append_mac};
use ntpkit_wire::{NtpDuration, NtpHeader, NtpTimestamp, Precision, ReferenceId, Stratum};

fn keys() -> (KeyStore, KeyId) {
    let mut k = KeyStore::new();
    let id = KeyId::new(1).unwrap();
    k.insert(id, Key::from_ascii(MacAlgorithm::Md5, "bench-key").unwrap())
        .unwrap();
    k.trust(id);
    (k, id)
}

fn servers(c: &mut Criterion) {
    let (keys, id) = keys();
    let t = NtpTimestamp::from_unix(1_700_000_000, 0);
    let mut plain = [0u8; 48];
    NtpHeader::client_request(t).emit(&mut plain).unwrap();
    let mut signed = [0u8; 68];
    signed[..48].copy_from_slice(&plain);
    append_mac(&keys, id, &mut signed, 48).unwrap();
    let state = ServerState::local_reference(Stratum(2), ReferenceId(*b"LOCL"), Precision(-20));
    let from = "192.0.2.1:123".parse().unwrap();
    let mut responder = Responder::default();
    let mut manycast = ManycastServer::default();
    let mut out = [0u8; 68];
    let mut g = c.benchmark_group("server");
    for (name, req) in [("unkeyed", &plain[..]), ("md5", &signed[..])] {
        g.bench_function(format!("responder/respond/{name}"), |b| {
            b.iter(|| {
                let o = responder.respond(
                    &Request::new(black_box(req), from, t),
                    &state,
                    &keys,
                    |_, _| Decision::Serve,
                    &mut out,
                    || t,
                );
                black_box(o)
            })
        });
        g.bench_function(format!("manycast_server/respond/{name}"), |b| {
            b.iter(|| {
                let o = manycast.respond(
                    &Request::new(black_box(req), from, t),
                    &state,
                    &keys,
                    |_, _| Decision::Serve,
                    &mut out,
                    || t,
                );
                black_box(o)
            })
        });
    }
    g.finish();
}

fn clients(c: &mut Criterion) {
    let (keys, id) = keys();
    let rng = || 0x1234_5678u32;
    let t0 = NtpTimestamp::from_unix(1_700_000_000, 0);
    let state = ServerState::local_reference(Stratum(1), ReferenceId(*b"GPS\0"), Precision(-20));
    let mut g = c.benchmark_group("client");

    // Client: one keyed request, then its reply (rebuilt per iteration: a reply is used once).
    let mut config = ClientConfig::default();
    config.key = Some(id);
    let mut responder = Responder::default();
    g.bench_function("client/handle_response/md5", |b| {
        b.iter_batched(
            || {
                let mut a = ClientAssociation::new(config.clone(), Duration::ZERO, rng);
                a.handle_timeout(Duration::ZERO);
                let mut req = [0u8; 68];
                let n = a
                    .poll_transmit(Duration::ZERO, t0, &keys, &mut req)
                    .unwrap()
                    .unwrap();
                let mut out = [0u8; 68];
                let ntpkit_assoc::ResponderOutcome::Reply(r) = responder.respond(
                    &Request::new(&req[..n], "192.0.2.1:123".parse().unwrap(), t0),
                    &state,
                    &keys,
                    |_, _| Decision::Serve,
                    &mut out,
                    || t0,
                ) else {
                    panic!()
                };
                (a, out, r.len)
            },
            |(mut a, out, len)| {
                black_box(
                    a.handle_response(Duration::ZERO, &out[..len], t0, &keys)
                        .is_ok(),
                )
            },
            criterion::BatchSize::SmallInput,
        )
    });

    // Broadcast: a followed, calibrated server; each iteration a fresh broadcast 1 s later.
    let mut bc = BroadcastClientConfig::default();
    bc.key = Some(id);
    bc.calibrate = false;
    let mut client = BroadcastClient::new(bc, rng).unwrap();
    let mut sc = BroadcastServerConfig::default();
    sc.key = Some(id);
    sc.poll = 3;
    let mut server = BroadcastServer::new(sc, Duration::ZERO);
    let from = "192.0.2.9:123".parse().unwrap();
    let mut k = 0u64;
    let mut packet = |k: u64| {
        let now = Duration::from_secs(8 * k);
        server.handle_timeout(now);
        let t = t0 + NtpDuration::from_seconds_f64(now.as_secs_f64());
        let mut buf = [0u8; 68];
        let n = server
            .poll_transmit(now, &state, &keys, &mut buf, || t)
            .unwrap()
            .unwrap();
        (now, t, buf, n)
    };
    let (now, t, buf, n) = packet(0);
    client
        .handle_broadcast(now, from, &buf[..n], t, &keys)
        .unwrap();
    g.bench_function("broadcast/handle_broadcast/md5", |b| {
        b.iter_batched(
            || {
                k += 1;
                packet(k)
            },
            |(now, t, buf, n)| {
                let r = client.handle_broadcast(now, from, &buf[..n], t, &keys);
                while client.poll_event().is_some() {}
                black_box(r.is_ok())
            },
            criterion::BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, servers, clients);
criterion_main!(benches);
