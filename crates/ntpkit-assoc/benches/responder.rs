//! The responder path alone, with the access policy (restrict lookup + rate limiter) in the
//! loop, against a baseline that only copies the request: `cargo bench -p ntpkit-assoc`.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ntpkit_access::{
    AccessPolicy, DiscardConfig, Ingress, MruConfig, Request as AccessRequest, RestrictList,
};
use ntpkit_assoc::{Request, Responder, ServerState};
use ntpkit_auth::KeyStore;
use ntpkit_wire::{NtpHeader, NtpTimestamp, Precision, ReferenceId, Stratum};

fn bench(c: &mut Criterion) {
    let mut req = [0u8; 48];
    NtpHeader::client_request(NtpTimestamp::from_unix(1_700_000_000, 0))
        .emit(&mut req)
        .unwrap();
    let state = ServerState::local_reference(Stratum(3), ReferenceId(*b"LOCL"), Precision(-20));
    let keys = KeyStore::new();
    let mut policy = AccessPolicy::new(
        RestrictList::new(),
        DiscardConfig::default(),
        &MruConfig::default(),
        1,
    );
    let mut responder = Responder::default();
    let mut out = [0u8; 48];
    let mut i = 0u32;
    let rx = NtpTimestamp::from_unix(1_700_000_000, 1000);
    let mut g = c.benchmark_group("responder");
    g.bench_function("copy_baseline", |b| {
        b.iter(|| {
            out.copy_from_slice(black_box(&req));
            black_box(&out);
        })
    });
    g.bench_function("respond_with_access", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            let src = SocketAddr::new(
                IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | (i & 0xffff))),
                40000,
            );
            let now = Duration::from_millis(u64::from(i));
            let o = responder.respond(
                &Request::new(black_box(&req), src, rx),
                &state,
                &keys,
                |r, insp| {
                    policy.decide(
                        now,
                        &AccessRequest::new(
                            r.source.ip(),
                            r.source.port(),
                            insp.kind,
                            Ingress::Network,
                        )
                        .with_auth(insp.auth)
                        .with_version(insp.version.to_bits()),
                    )
                },
                &mut out,
                || rx,
            );
            let _ = black_box(o);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
