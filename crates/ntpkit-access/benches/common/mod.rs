//! Shared bench fixtures: deterministic random restrict lists and source addresses.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use ntpkit_access::{RestrictEntry, RestrictFlags, RestrictList, RestrictNetwork};

/// splitmix64, so fixtures are the same in every run.
pub(crate) struct Rand(pub(crate) u64);

impl Rand {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// `n` restrict lines: 80 % IPv4 with prefix lengths 8..=32, 20 % IPv6 with 16..=128,
/// random flags that never deny time service (so decisions take the full path).
#[allow(dead_code)] // not every bench uses it
pub(crate) fn random_list(n: usize, seed: u64) -> RestrictList {
    let mut rand = Rand(seed);
    let entries: Vec<RestrictEntry> = (0..n)
        .map(|_| {
            let r = rand.next();
            let net = if r.is_multiple_of(5) {
                let addr =
                    Ipv6Addr::from((u128::from(rand.next()) << 64) | u128::from(rand.next()));
                IpNet::new(IpAddr::V6(addr), 16 + (r >> 8) as u8 % 113).unwrap()
            } else {
                let addr = Ipv4Addr::from(rand.next() as u32);
                IpNet::new(IpAddr::V4(addr), 8 + (r >> 8) as u8 % 25).unwrap()
            };
            let flags = if r & 0x100 == 0 {
                RestrictFlags::NOQUERY
            } else {
                RestrictFlags::NOMODIFY
            };
            RestrictEntry::new(RestrictNetwork::Net(net.trunc()), flags)
        })
        .collect();
    RestrictList::from_entries(entries)
}

/// Uniformly random source addresses, 80 % IPv4 and 20 % IPv6, as an Internet server sees.
#[allow(dead_code)] // not every bench uses it
pub(crate) fn random_sources(n: usize, seed: u64) -> Vec<IpAddr> {
    let mut rand = Rand(seed);
    (0..n)
        .map(|_| {
            let r = rand.next();
            if r.is_multiple_of(5) {
                IpAddr::V6(Ipv6Addr::from(
                    (u128::from(rand.next()) << 64) | u128::from(r),
                ))
            } else {
                IpAddr::V4(Ipv4Addr::from(r as u32))
            }
        })
        .collect()
}
