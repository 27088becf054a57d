//! A flood from 1,000,000 spoofed source addresses never grows memory past the configured
//! `mru maxmem`, measured by a counting global allocator (independent of the crate's own
//! accounting), and transient peaks included.
#![allow(unsafe_code)] // the counting allocator; the crate itself forbids unsafe code

use core::time::Duration;
use std::alloc::{GlobalAlloc, Layout, System};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicUsize, Ordering};

use ntpkit_access::{DiscardConfig, MruConfig, RateLimiter};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract, which we pass on.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The only test in this binary, so no other thread allocates while it measures.
#[test]
fn a_million_spoofed_addresses_stay_within_maxmem() {
    for kib in [64u32, 1024] {
        let mut mru = MruConfig::default();
        mru.set_maxmem(kib);
        let before = CURRENT.load(Ordering::SeqCst);
        PEAK.store(before, Ordering::SeqCst);
        let mut limiter = RateLimiter::new(DiscardConfig::default(), &mru, 3);
        for n in 0..1_000_000u32 {
            let addr = if n % 4 == 0 {
                IpAddr::V6(Ipv6Addr::from(u128::from(n) << 64 | 0x2001_0db8))
            } else {
                IpAddr::V4(Ipv4Addr::from(n.wrapping_mul(2_654_435_761)))
            };
            // 100 µs apart: entries age past maxage during the flood, so recycling happens.
            limiter.check(Duration::from_micros(u64::from(n) * 100), addr, 123);
        }
        let peak = PEAK.load(Ordering::SeqCst) - before;
        assert_eq!(limiter.mru().len(), limiter.mru().capacity());
        assert!(
            peak <= kib as usize * 1024,
            "maxmem {kib} KiB, peak {peak} B"
        );
        assert!(limiter.mru().heap_bytes() <= kib as usize * 1024);
    }
}
