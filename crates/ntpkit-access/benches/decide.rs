//! Decision cost with 10, 1,000 and 10,000 restrict entries: the compiled table against the
//! linear last-match walk (the way ntpd's documentation describes the search), and a whole
//! `AccessPolicy::decide` for a served time request.

use core::time::Duration;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ntpkit_access::{AccessPolicy, DiscardConfig, Ingress, MruConfig, PacketKind, Request};

mod common;

fn bench_decide(c: &mut Criterion) {
    let sources = common::random_sources(4096, 7);
    let mut group = c.benchmark_group("restrict");
    for rules in [10usize, 1_000, 10_000] {
        let list = common::random_list(rules, 42);
        group.bench_with_input(BenchmarkId::new("lookup", rules), &list, |b, list| {
            let mut i = 0usize;
            b.iter(|| {
                i = (i + 1) & 4095;
                black_box(list.lookup(black_box(sources[i]), 40_000))
            })
        });
        if rules <= 1_000 {
            group.bench_with_input(BenchmarkId::new("linear_model", rules), &list, |b, list| {
                let mut i = 0usize;
                b.iter(|| {
                    i = (i + 1) & 4095;
                    black_box(list.lookup_linear(black_box(sources[i]), 40_000))
                })
            });
        }
        let mut policy =
            AccessPolicy::new(list, DiscardConfig::default(), &MruConfig::default(), 1);
        group.bench_function(BenchmarkId::new("decide", rules), |b| {
            let mut i = 0usize;
            b.iter(|| {
                i = (i + 1) & 4095;
                let request = Request::new(
                    sources[i],
                    40_000,
                    PacketKind::TimeRequest,
                    Ingress::Network,
                );
                black_box(policy.decide(Duration::from_secs(1), black_box(&request)))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_decide);
criterion_main!(benches);
