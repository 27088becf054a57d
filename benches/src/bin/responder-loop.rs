//! The responder path alone, for instruction counting: `responder-loop N` answers N client
//! requests from 65,536 rotating sources through a real access policy (restrict lookup and
//! discard rate limiting), as ntpkitd's worker does, minus the sockets.
//!
//! ```sh
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.1 target/release/responder-loop 100000
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.2 target/release/responder-loop 200000
//! # instructions per request = (Ir(200000) - Ir(100000)) / 100000 (setup cancels out)
//! ```

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use ntpkit_access::{
    AccessPolicy, DiscardConfig, Ingress, MruConfig, Request as AccessRequest, RestrictEntry,
    RestrictList, RestrictNetwork,
};
use ntpkit_assoc::{Request, Responder, ResponderOutcome, ServerState};
use ntpkit_auth::KeyStore;
use ntpkit_wire::{NtpTimestamp, Precision, ReferenceId, Stratum};

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    // A typical public server's list: restrict default limited kod nomodify noquery, plus
    // an exception for the local network.
    let list = RestrictList::from_entries([
        RestrictEntry::new(
            RestrictNetwork::Default,
            "limited kod nomodify notrap nopeer noquery"
                .parse()
                .unwrap(),
        ),
        RestrictEntry::new(
            RestrictNetwork::host("127.0.0.1".parse().unwrap()),
            "nomodify".parse().unwrap(),
        ),
        RestrictEntry::new(
            RestrictNetwork::with_mask(
                "192.168.0.0".parse().unwrap(),
                "255.255.0.0".parse().unwrap(),
            )
            .unwrap(),
            "nomodify notrap".parse().unwrap(),
        ),
    ]);
    let mut policy = AccessPolicy::new(list, DiscardConfig::default(), &MruConfig::default(), 7);
    let state = ServerState::local_reference(Stratum(2), ReferenceId(*b"LOCL"), Precision(-24));
    let keys = KeyStore::new();
    let mut responder = Responder::default();
    let mut request = [0u8; 48];
    request[0] = 0x23;
    let mut out = [0u8; 48];
    let mut replies = 0u64;
    for i in 0..n {
        // 65,536 sources, each seen every 65,536 requests: at 1 us per request (the clock
        // below) a source asks every 65 ms, far over the discard limits after its first
        // requests: the path includes rate-limit checks, kisses and drops.
        let src = SocketAddr::new(
            IpAddr::V4(Ipv4Addr::from(0xC633_0000 | (i as u32 & 0xffff))),
            40000 + (i % 7) as u16,
        );
        let now = Duration::from_micros(i);
        let rx = NtpTimestamp::from_bits(0xE8A1_0000_0000_0000 + (i << 12));
        request[40..48].copy_from_slice(&rx.to_bits().to_be_bytes());
        let outcome = responder.respond(
            &Request::new(black_box(&request), src, rx),
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
        if let ResponderOutcome::Reply(_) = black_box(outcome) {
            replies += 1;
        }
    }
    let c = responder.counters();
    println!(
        "{n} requests: {replies} replies ({} time, {} kisses), {} dropped by access",
        c.time, c.kisses, c.access_dropped
    );
}
