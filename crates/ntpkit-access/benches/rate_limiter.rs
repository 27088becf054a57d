//! Rate limiter cost per packet with 100,000 active clients (MRU list sized to hold them all),
//! against a baseline of the same access pattern on a std `HashMap<IpAddr, u64>` (insert or
//! update one timestamp), and a decision on a `limited` entry through the whole policy.

use core::time::Duration;
use std::collections::HashMap;
use std::hint::black_box;
use std::net::IpAddr;

use criterion::{Criterion, criterion_group, criterion_main};
use ntpkit_access::{
    AccessPolicy, DiscardConfig, Ingress, MruConfig, PacketKind, RateLimiter, Request,
    RestrictEntry, RestrictList, RestrictNetwork,
};

mod common;

const CLIENTS: usize = 100_000;

fn config() -> MruConfig {
    let mut mru = MruConfig::default();
    mru.set_maxdepth(CLIENTS as u32);
    mru
}

fn bench_limiter(c: &mut Criterion) {
    let clients = common::random_sources(CLIENTS, 99);
    let mut group = c.benchmark_group("rate_limiter_100k_clients");

    let mut limiter = RateLimiter::new(DiscardConfig::default(), &config(), 3);
    for (n, client) in clients.iter().enumerate() {
        limiter.check(Duration::from_micros(n as u64), *client, 123);
    }
    assert_eq!(limiter.mru().len(), CLIENTS);
    let mut now = Duration::from_secs(1_000);
    let mut i = 0usize;
    group.bench_function("check", |b| {
        b.iter(|| {
            i = (i + 7919) % CLIENTS;
            now += Duration::from_micros(10);
            black_box(limiter.check(now, black_box(clients[i]), 123))
        })
    });

    let mut baseline: HashMap<IpAddr, u64> = HashMap::with_capacity(CLIENTS);
    for (n, client) in clients.iter().enumerate() {
        baseline.insert(*client, n as u64);
    }
    let mut tick = 0u64;
    group.bench_function("baseline_std_hashmap_update", |b| {
        b.iter(|| {
            i = (i + 7919) % CLIENTS;
            tick += 1;
            *baseline.entry(black_box(clients[i])).or_insert(0) = tick;
        })
    });

    let list = RestrictList::from_entries([RestrictEntry::new(
        RestrictNetwork::Default,
        "limited kod nomodify noquery".parse().unwrap(),
    )]);
    let mut policy = AccessPolicy::new(list, DiscardConfig::default(), &config(), 5);
    for (n, client) in clients.iter().enumerate() {
        let r = Request::new(*client, 123, PacketKind::TimeRequest, Ingress::Network);
        policy.decide(Duration::from_micros(n as u64), &r);
    }
    group.bench_function("decide_limited", |b| {
        b.iter(|| {
            i = (i + 7919) % CLIENTS;
            now += Duration::from_micros(10);
            let r = Request::new(clients[i], 123, PacketKind::TimeRequest, Ingress::Network);
            black_box(policy.decide(now, black_box(&r)))
        })
    });
    group.finish();
}

criterion_group!(benches, bench_limiter);
criterion_main!(benches);
