//! Memory under a flood from 1,000,000 spoofed source addresses, measured by a counting
//! global allocator (independent of the crate's own accounting), and the time per flood
//! packet. Prints the peak heap growth and bytes per tracked client.
#![allow(unsafe_code)] // the counting allocator below; the crate itself forbids unsafe code

use core::time::Duration;
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use ntpkit_access::{DiscardConfig, MruConfig, RateLimiter};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn spoofed(n: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(n.wrapping_mul(2_654_435_761)))
}

fn flood_report() {
    for (label, mru) in [
        ("default (maxmem 1024 KiB)", MruConfig::default()),
        ("maxdepth 100000", {
            let mut m = MruConfig::default();
            m.set_maxdepth(100_000);
            m
        }),
    ] {
        let before = CURRENT.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let mut limiter = RateLimiter::new(DiscardConfig::default(), &mru, 1);
        for n in 0..1_000_000u32 {
            limiter.check(Duration::from_micros(u64::from(n) * 100), spoofed(n), 123);
        }
        let peak = PEAK.load(Ordering::Relaxed) - before;
        let tracked = limiter.mru().len();
        eprintln!(
            "flood of 1,000,000 addresses, {label}: tracked {tracked} (cap {}), peak heap growth {peak} B, \
             {:.1} B per tracked client, configured bound {} B",
            limiter.mru().capacity(),
            peak as f64 / tracked as f64,
            limiter.mru().max_heap_bytes(),
        );
        assert!(peak <= limiter.mru().max_heap_bytes() + 4096);
        drop(limiter);
    }
}

fn bench_flood(c: &mut Criterion) {
    flood_report();
    let mut limiter = RateLimiter::new(DiscardConfig::default(), &MruConfig::default(), 2);
    let mut n = 0u32;
    c.bench_function("flood_new_address_per_packet", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            black_box(limiter.check(
                Duration::from_micros(u64::from(n) * 10),
                black_box(spoofed(n)),
                123,
            ))
        })
    });
}

criterion_group!(benches, bench_flood);
criterion_main!(benches);
