//! `discard`/`mru` rate limiting: ntpd's headway algorithm, the MRU list's bounds, the leak.
//!
//! Expected counts are worked out by hand from ntpd's algorithm as documented in the module
//! docs of `limiter.rs` (average 3 → 8 s headway, burst limit 8 intervals = 64 s, 2 s grace).

use core::time::Duration;
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr};

use ntpkit_access::{
    AccessPolicy, Decision, DiscardConfig, DropReason, Ingress, KissCode, MruConfig, PacketKind,
    RateCheck, RateLimiter, Request, RestrictEntry, RestrictList, RestrictNetwork,
};
use proptest::prelude::*;

fn v4(n: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(n))
}

fn no_leak() -> DiscardConfig {
    let mut discard = DiscardConfig::default();
    discard.leak = 0;
    discard
}

fn limited_policy(discard: DiscardConfig, flags: &str) -> AccessPolicy {
    let list = RestrictList::from_entries([RestrictEntry::new(
        RestrictNetwork::Default,
        flags.parse().unwrap(),
    )]);
    AccessPolicy::new(list, discard, &MruConfig::default(), 1234)
}

fn time_request(src: IpAddr) -> Request {
    Request::new(src, 40_000, PacketKind::TimeRequest, Ingress::Network)
}

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

#[test]
fn ntpd_defaults() {
    let discard = DiscardConfig::default();
    assert_eq!(
        (discard.average, discard.minimum, discard.monitor),
        (3, 2, 3000)
    );
    let mru = MruConfig::default();
    assert_eq!(
        (mru.maxmem, mru.mindepth, mru.maxage),
        (Some(1024), 600, 64)
    );
    assert_eq!((mru.initmem, mru.incmem), (Some(4), Some(4)));
    // 1024 KiB at 81 bytes per tracked source (64-byte slot, at most 16 bytes of hash index,
    // under one byte of chunk pointers).
    assert_eq!(MruConfig::BYTES_PER_ENTRY, 81);
    assert_eq!(mru.max_entries(), 1024 * 1024 / 81);
}

#[test]
fn the_later_of_maxdepth_and_maxmem_controls() {
    let mut mru = MruConfig::default();
    mru.set_maxdepth(5000);
    assert_eq!(mru.max_entries(), 5000);
    mru.set_maxmem(80);
    assert_eq!(mru.max_entries(), 80 * 1024 / 81);
    mru.set_initalloc(7);
    assert_eq!(mru.initial_entries(), 7);
    mru.set_incmem(8);
    assert_eq!(mru.increment_entries(), 8 * 1024 / 81);
}

#[test]
fn one_second_polling_gets_a_burst_of_thirteen() {
    // leak: 0 (new) 6 11 16 ... 61 at the 13th packet; the 14th would reach 68 >= 64.
    let mut policy = limited_policy(no_leak(), "limited");
    let src = v4(0xc000_0201);
    for second in 0..13 {
        assert_eq!(
            policy.decide(Duration::from_secs(100 + second), &time_request(src)),
            Decision::Serve,
            "packet {second}"
        );
    }
    assert_eq!(
        policy.decide(Duration::from_secs(113), &time_request(src)),
        Decision::Drop(DropReason::RateExceeded)
    );
}

#[test]
fn four_second_polling_gets_a_burst_of_twenty_nine() {
    // Each packet adds 8 - 2 - 4 = 2: 6 at the second packet, 60 at the 29th; the 30th sees
    // 56 + 8 >= 64.
    let mut policy = limited_policy(no_leak(), "limited");
    let src = v4(0xc000_0202);
    for i in 0..29 {
        assert_eq!(
            policy.decide(Duration::from_secs(100 + 4 * i), &time_request(src)),
            Decision::Serve,
            "packet {i}"
        );
    }
    assert_eq!(
        policy.decide(Duration::from_secs(100 + 4 * 29), &time_request(src)),
        Decision::Drop(DropReason::RateExceeded)
    );
}

#[test]
fn minimum_guard_time_has_one_second_grace() {
    let mut discard = no_leak();
    discard.minimum = 4;
    let mut policy = limited_policy(discard, "limited");
    let src = v4(0xc000_0203);
    assert_eq!(
        policy.decide(Duration::from_secs(10), &time_request(src)),
        Decision::Serve
    );
    // 3 s later: 3 + 1 >= 4, allowed.
    assert_eq!(
        policy.decide(Duration::from_secs(13), &time_request(src)),
        Decision::Serve
    );
    // 2 s later: 2 + 1 < 4, refused.
    assert_eq!(
        policy.decide(Duration::from_secs(15), &time_request(src)),
        Decision::Drop(DropReason::RateExceeded)
    );
}

#[test]
fn rate_kisses_are_limited_to_one_per_average_interval() {
    let mut policy = limited_policy(no_leak(), "limited kod");
    let src = v4(0xc000_0204);
    let mut kisses = 0;
    let mut drops = 0;
    // Ten packets a second for 100 s.
    for tenth in 0..1_000 {
        match policy.decide(ms(50_000 + tenth * 100), &time_request(src)) {
            Decision::Kiss(KissCode::Rate) => kisses += 1,
            Decision::Drop(DropReason::RateExceeded) => drops += 1,
            Decision::Serve => {}
            other => panic!("{other:?}"),
        }
    }
    assert!(
        (1..=100 / 8 + 1).contains(&kisses),
        "{kisses} kisses in 100 s"
    );
    assert!(drops > 900, "{drops}");
    assert_eq!(policy.counters().kod_sent, kisses);
    assert_eq!(policy.counters().rate_exceeded, kisses + drops);
}

#[test]
fn over_limit_requests_leak_at_the_configured_rate() {
    let mut discard = DiscardConfig::default();
    discard.leak = 4;
    let mut policy = limited_policy(discard, "limited");
    let src = v4(0xc000_0205);
    let mut served = 0;
    for tenth in 0..8_000u64 {
        if policy.decide(ms(tenth * 100), &time_request(src)) == Decision::Serve {
            served += 1;
        }
    }
    let over = policy.counters().rate_exceeded;
    let leaked = policy.counters().leaked;
    assert!(over > 7_900, "{over}");
    // One in four of the over-limit requests, within a generous binomial margin.
    assert!(
        (over / 4 - 200..over / 4 + 200).contains(&leaked),
        "{leaked} of {over}"
    );
    assert_eq!(served, leaked + (8_000 - over));
}

/// CVE-2016-7426: an attacker spoofing a client's address at a high rate must not lock the
/// real client out. Without the leak it is locked out completely; with it, it gets answers.
#[test]
fn spoofed_flood_does_not_lock_out_the_real_client() {
    for (leak, expect_some) in [(0u32, false), (4, true)] {
        let mut discard = DiscardConfig::default();
        discard.leak = leak;
        let mut policy = limited_policy(discard, "limited kod");
        let victim = v4(0xc633_6407);
        let mut real_served = 0;
        for second in 0..6_400u64 {
            for k in 0..20 {
                // 20 spoofed packets per second.
                policy.decide(ms(second * 1000 + k * 50), &time_request(victim));
            }
            if second % 64 == 0
                && policy.decide(ms(second * 1000 + 999), &time_request(victim)) == Decision::Serve
            {
                real_served += 1;
            }
        }
        assert_eq!(
            real_served > 10,
            expect_some,
            "leak {leak}: served {real_served} of 100 polls"
        );
    }
}

#[test]
fn untracked_sources_are_judged_without_history() {
    let mut mru = MruConfig::default();
    mru.set_maxdepth(4);
    mru.mindepth = 4;
    let mut discard = no_leak();
    discard.monitor = u32::MAX; // practically never preempt
    let mut limiter = RateLimiter::new(discard, &mru, 5);
    for n in 0..4 {
        assert_eq!(
            limiter.check(Duration::from_secs(10), v4(n), 1),
            RateCheck::Within
        );
    }
    assert_eq!(
        limiter.check(Duration::from_secs(11), v4(99), 1),
        RateCheck::Untracked
    );
    assert_eq!(limiter.mru().len(), 4);
    assert!(limiter.mru().get(v4(99)).is_none());
}

#[test]
fn entries_idle_longer_than_maxage_are_recycled_before_growing() {
    let mut mru = MruConfig::default();
    mru.set_maxdepth(1000);
    mru.mindepth = 10;
    mru.maxage = 64;
    let mut limiter = RateLimiter::new(no_leak(), &mru, 5);
    for n in 0..10 {
        limiter.check(Duration::from_secs(0), v4(n), 1);
    }
    // Young entries: the list grows past mindepth.
    limiter.check(Duration::from_secs(30), v4(100), 1);
    assert_eq!(limiter.mru().len(), 11);
    // The oldest is now 65 s idle: recycled instead of growing.
    limiter.check(Duration::from_secs(65), v4(101), 1);
    assert_eq!(limiter.mru().len(), 11);
    assert!(limiter.mru().get(v4(0)).is_none());
    assert!(limiter.mru().get(v4(101)).is_some());
}

#[test]
fn a_full_list_mostly_keeps_its_clients_under_a_flood() {
    let mut mru = MruConfig::default();
    mru.set_maxdepth(100);
    mru.mindepth = 100;
    let mut limiter = RateLimiter::new(no_leak(), &mru, 77);
    for n in 0..100 {
        limiter.check(Duration::from_secs(0), v4(n), 1);
    }
    // 1000 new addresses while the oldest entry is 10 s old: each may preempt with
    // probability 10/3000.
    for n in 0..1000 {
        limiter.check(Duration::from_secs(10), v4(1_000_000 + n), 1);
    }
    let kept = (0..100)
        .filter(|n| limiter.mru().get(v4(*n)).is_some())
        .count();
    assert!(kept >= 90, "kept {kept}");
    assert_eq!(limiter.mru().len(), 100);
}

#[test]
fn mru_list_lists_most_recent_first_with_counts() {
    let mut limiter = RateLimiter::new(no_leak(), &MruConfig::default(), 1);
    limiter.check(Duration::from_secs(1), v4(1), 1000);
    limiter.check(Duration::from_secs(2), v4(2), 2000);
    limiter.check(Duration::from_secs(3), v4(1), 1001);
    let entries: Vec<_> = limiter.mru().iter().collect();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (entries[0].address, entries[0].port, entries[0].count),
        (v4(1), 1001, 2)
    );
    assert_eq!(
        (entries[0].first, entries[0].last),
        (Duration::from_secs(1), Duration::from_secs(3))
    );
    assert_eq!((entries[1].address, entries[1].count), (v4(2), 1));
}

proptest! {
    /// With maxage 0 and mindepth = maxdepth the list is an exact LRU cache; checked against a
    /// plain VecDeque model under heavy churn (exercises the index's deletions).
    #[test]
    fn mru_list_is_an_exact_lru_when_entries_expire_at_once(
        sequence in prop::collection::vec(0u32..24, 1..400),
        cap in 1u32..10,
    ) {
        let mut mru = MruConfig::default();
        mru.set_maxdepth(cap);
        mru.mindepth = cap;
        mru.maxage = 0;
        let mut limiter = RateLimiter::new(DiscardConfig::default(), &mru, 11);
        let mut model: VecDeque<(u32, u32)> = VecDeque::new();
        for (step, n) in sequence.into_iter().enumerate() {
            limiter.check(Duration::from_nanos(1 + step as u64 * 1_000_000_000), v4(n), 1);
            match model.iter().position(|(addr, _)| *addr == n) {
                Some(i) => {
                    let (addr, count) = model.remove(i).unwrap();
                    model.push_front((addr, count + 1));
                }
                None => {
                    if model.len() == cap as usize {
                        model.pop_back();
                    }
                    model.push_front((n, 1));
                }
            }
            let listed: Vec<(u32, u32)> = limiter
                .mru()
                .iter()
                .map(|e| (match e.address { IpAddr::V4(a) => u32::from(a), IpAddr::V6(_) => u32::MAX }, e.count))
                .collect();
            prop_assert_eq!(&listed, &Vec::from(model.clone()));
            for (addr, count) in &model {
                prop_assert_eq!(limiter.mru().get(v4(*addr)).map(|e| e.count), Some(*count));
            }
        }
    }
}

#[test]
fn kod_flag_without_limited_sends_no_rate_kiss() {
    let mut policy = limited_policy(no_leak(), "kod");
    let src = v4(0xc000_0209);
    for _ in 0..50 {
        assert_eq!(
            policy.decide(Duration::from_secs(1), &time_request(src)),
            Decision::Serve
        );
    }
}
