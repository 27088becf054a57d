//! Memory under a flood from 1,000,000 distinct source addresses, driven in process through
//! the responder and the access policy (sending from a million real addresses would need raw
//! sockets and spoofing). Prints the process's resident size before and after, and the MRU
//! list's own accounting against its configured limit.
//!
//! ```sh
//! target/release/mru-flood [SOURCES] [MRU_MAXMEM_KIB]
//! ```

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use ntpkit_access::{
    AccessPolicy, DiscardConfig, Ingress, MruConfig, Request as AccessRequest, RestrictEntry,
    RestrictList, RestrictNetwork,
};
use ntpkit_assoc::{Request, Responder, ServerState};
use ntpkit_auth::KeyStore;
use ntpkit_benches::cpu::rss_kib;
use ntpkit_wire::{NtpTimestamp, Precision, ReferenceId, Stratum};

fn main() {
    let sources: u32 = std::env::args()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let maxmem: Option<u32> = std::env::args().nth(2).and_then(|v| v.parse().ok());
    let mut mru = MruConfig::default();
    if let Some(kib) = maxmem {
        mru.set_maxmem(kib);
    }
    let list = RestrictList::from_entries([RestrictEntry::new(
        RestrictNetwork::Default,
        "limited kod nomodify noquery".parse().unwrap(),
    )]);
    let mut policy = AccessPolicy::new(list, DiscardConfig::default(), &mru, 3);
    let state = ServerState::local_reference(Stratum(2), ReferenceId(*b"LOCL"), Precision(-24));
    let keys = KeyStore::new();
    let mut responder = Responder::default();
    let pid = std::process::id();
    let before = rss_kib(pid).unwrap_or(0);
    let mut request = [0u8; 48];
    request[0] = 0x23;
    let mut out = [0u8; 48];
    for i in 0..sources {
        let src = SocketAddr::new(
            IpAddr::V4(Ipv4Addr::from(0x0A00_0000u32.wrapping_add(i))),
            123,
        );
        let now = Duration::from_micros(u64::from(i));
        let rx = NtpTimestamp::from_bits(0xE8A1_0000_0000_0000);
        let _ = responder.respond(
            &Request::new(&request, src, rx),
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
                    .with_version(4),
                )
            },
            &mut out,
            || rx,
        );
        request[47] = request[47].wrapping_add(1);
    }
    let after = rss_kib(pid).unwrap_or(0);
    let m = policy.limiter().mru();
    println!("sources: {sources}");
    println!(
        "RSS before: {before} KiB, after: {after} KiB (+{} KiB)",
        after.saturating_sub(before)
    );
    println!(
        "MRU entries: {} (capacity {}), MRU heap: {} KiB of a configured maximum of {} KiB",
        m.len(),
        m.capacity(),
        m.heap_bytes() / 1024,
        m.max_heap_bytes() / 1024
    );
    println!("replies: {}", responder.counters().replies());
}
