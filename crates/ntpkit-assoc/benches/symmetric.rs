//! One received packet through a symmetric association (origin test, MAC, sample), against
//! the client association's reply path measured in the same run:
//! `cargo bench -p ntpkit-assoc --bench symmetric -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ntpkit_assoc::ServerState;
use ntpkit_assoc::client::{ClientAssociation, ClientConfig};
use ntpkit_assoc::symmetric::{SymmetricAssociation, SymmetricConfig};
use ntpkit_auth::{Key, KeyId, KeyStore, MacAlgorithm, append_mac};
use ntpkit_wire::{LeapIndicator, Mode, NtpHeader, NtpTimestamp, Precision, ReferenceId, Stratum};

fn rng() -> impl FnMut() -> u32 + Clone {
    let mut x = 0x9e37_79b9u32;
    move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    }
}

fn t(ms: u64) -> NtpTimestamp {
    NtpTimestamp::from_unix(
        1_800_000_000 + (ms / 1000) as i64,
        (ms % 1000) as u32 * 1_000_000,
    )
}

/// The peer's (or server's) answer to `ours`, signed with `key` when given.
fn answer(ours: &[u8], mode: Mode, keys: &KeyStore, key: Option<KeyId>) -> Vec<u8> {
    let h = NtpHeader {
        leap: LeapIndicator::NoWarning,
        mode,
        stratum: Stratum(1),
        reference_id: ReferenceId(*b"GPS\0"),
        origin_timestamp: NtpHeader::parse(ours).unwrap().transmit_timestamp,
        receive_timestamp: t(5),
        transmit_timestamp: t(6),
        ..NtpHeader::default()
    };
    let mut buf = [0u8; 128];
    let mut len = h.emit(&mut buf).unwrap();
    if let Some(id) = key {
        len = append_mac(keys, id, &mut buf, len).unwrap();
    }
    buf[..len].to_vec()
}

fn bench(c: &mut Criterion) {
    let id = KeyId::new(1).unwrap();
    let mut keys = KeyStore::new();
    keys.insert(
        id,
        Key::from_ascii(MacAlgorithm::Md5, "bench-key-123").unwrap(),
    )
    .unwrap();
    keys.trust(id);
    let system = ServerState::local_reference(Stratum(2), ReferenceId(*b"LOCL"), Precision(-20));
    let mut g = c.benchmark_group("packet");
    for key in [None, Some(id)] {
        let name = if key.is_some() { "md5" } else { "unkeyed" };
        let mut config = ClientConfig::default();
        config.key = key;
        let mut client = ClientAssociation::new(config, Duration::ZERO, rng());
        client.handle_timeout(Duration::ZERO);
        let mut buf = [0u8; 128];
        let n = client
            .poll_transmit(Duration::ZERO, t(0), &keys, &mut buf)
            .unwrap()
            .unwrap();
        let reply = answer(&buf[..n], Mode::Server, &keys, key);
        g.bench_function(format!("client_reply_{name}"), |b| {
            b.iter_batched_ref(
                || client.clone(),
                |a| black_box(a.handle_response(Duration::ZERO, black_box(&reply), t(10), &keys)),
                BatchSize::SmallInput,
            )
        });
        let mut config = SymmetricConfig::default();
        config.key = key;
        let mut peer = SymmetricAssociation::new(config, Duration::ZERO, rng());
        peer.handle_timeout(Duration::ZERO);
        let n = peer
            .poll_transmit(Duration::ZERO, t(0), &system, &keys, &mut buf)
            .unwrap()
            .unwrap();
        let genuine = answer(&buf[..n], Mode::SymmetricPassive, &keys, key);
        g.bench_function(format!("symmetric_sample_{name}"), |b| {
            b.iter_batched_ref(
                || peer.clone(),
                |a| black_box(a.handle_packet(Duration::ZERO, black_box(&genuine), t(10), &keys)),
                BatchSize::SmallInput,
            )
        });
        let mut bogus = genuine.clone();
        bogus[31] ^= 1;
        g.bench_function(format!("symmetric_bogus_origin_{name}"), |b| {
            b.iter_batched_ref(
                || peer.clone(),
                |a| black_box(a.handle_packet(Duration::ZERO, black_box(&bogus), t(10), &keys)),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
