//! Access control for an NTP server: ntpd-compatible `restrict` lists, `discard`/`mru` rate
//! limiting with bounded memory, Kiss-o'-Death policy, router ACL levels and caps on dynamic
//! associations.
//!
//! The crate is sans-IO: it reads no clock, opens no socket and draws no OS randomness. Time is
//! an argument (a [`Duration`](core::time::Duration) since any monotonic epoch the caller
//! picks) and the caller seeds the policy's random draws.
//!
//! ```
//! use core::time::Duration;
//! use ntpkit_access::*;
//!
//! // restrict default limited kod nomodify notrap nopeer noquery
//! // restrict 127.0.0.1
//! let list = RestrictList::from_entries([
//!     RestrictEntry::new(RestrictNetwork::Default, "limited kod nomodify notrap nopeer noquery".parse()?),
//!     RestrictEntry::new(RestrictNetwork::host("127.0.0.1".parse()?), RestrictFlags::NONE),
//! ]);
//! let mut discard = DiscardConfig::default(); // average 3 (8 s), minimum 2 s
//! discard.leak = 0; // no CVE-2016-7426 leak here, so that the example is deterministic
//! let mut policy = AccessPolicy::new(list, discard, &MruConfig::default(), 0x5eed);
//!
//! let client: std::net::IpAddr = "198.51.100.7".parse()?;
//! let request = Request::new(client, 50123, PacketKind::TimeRequest, Ingress::Network);
//! // A burst of requests one second apart: the first are served, then ntpd's limits bite and
//! // (because the entry has `kod`) the client is kissed with RATE, then dropped while its
//! // KoD budget refills.
//! let decisions: Vec<Decision> =
//!     (0..20).map(|s| policy.decide(Duration::from_secs(1000 + s), &request)).collect();
//! assert_eq!(decisions[0], Decision::Serve);
//! assert!(decisions.contains(&Decision::Kiss(KissCode::Rate)));
//! assert!(decisions.contains(&Decision::Drop(DropReason::RateExceeded)));
//!
//! // A loopback source arriving on an outside interface is spoofed (CVE-2014-9298).
//! let spoof = Request::new("127.0.0.1".parse()?, 123, PacketKind::ControlQuery, Ingress::Network);
//! assert_eq!(policy.decide(Duration::from_secs(2000), &spoof), Decision::Drop(DropReason::LoopbackSpoof));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Restrict lists
//!
//! [`RestrictList`] follows ntpd: entries sorted by address then mask, the last match wins
//! (which is the most specific entry), default entries for 0.0.0.0/0 and ::/0 always present,
//! `ntpport` entries match only source port 123 and sort after the same prefix without it,
//! `restrict source` is a template applied to the addresses of configured associations, and a
//! repeated `restrict` line for the same prefix adds its flags to the existing entry.
//! IPv4-mapped IPv6 sources are matched as IPv4. Deviation: non-contiguous masks (which ntpd
//! accepts) are rejected, so that "last match" is exactly "longest prefix".
//!
//! # Effect of each flag on each kind of packet
//!
//! Rows are the flags of the matching entry, columns the [`PacketKind`]s. "—" means no
//! effect. "drop" is silent unless a kiss is named; a kiss is sent only when the entry has
//! `kod` or KoD is globally enabled ([`AccessPolicy::set_kod_enabled`]), only in reply to
//! a time request or symmetric active packet, and at most once per `2^average` seconds per
//! source (otherwise the packet is dropped). Time = time request, Sym = symmetric active
//! (would mobilize), Bcast = broadcast (would mobilize), Assoc = packet for an existing
//! association, CQ/CW/Trap/MRU = mode 6 query / write / trap / MRU list, M7 = mode 7.
//!
//! | flag        | Time            | Sym              | Bcast         | Assoc        | CQ    | CW     | Trap   | MRU    | M7   |
//! |-------------|-----------------|------------------|---------------|--------------|-------|--------|--------|--------|------|
//! | (none)      | serve           | serve            | serve         | serve        | serve | serve¹ | serve  | serve  | drop |
//! | ignore      | drop            | drop             | drop          | drop         | drop  | drop   | drop   | drop   | drop |
//! | noserve     | drop / DENY     | drop / DENY      | drop          | drop         | —     | —      | —      | —      | drop |
//! | noquery     | —               | —                | —             | —            | drop  | drop   | drop   | drop   | drop |
//! | nomodify    | —               | —                | —             | —            | —     | drop   | —      | —      | drop |
//! | nopeer      | —               | drop² / RSTR     | drop²         | —            | —     | —      | —      | —      | drop |
//! | noepeer     | —               | drop / RSTR      | —             | —            | —     | —      | —      | —      | drop |
//! | notrust     | drop² / DENY    | drop² / DENY     | drop²         | drop²        | —     | —      | —      | —      | drop |
//! | limited     | rate³ / RATE    | rate³ / RATE     | rate³         | rate³        | —     | —      | —      | —      | drop |
//! | kod         | kisses allowed  | kisses allowed   | —             | —            | —     | —      | —      | —      | drop |
//! | notrap      | —               | —                | —             | —            | —     | —      | drop   | —      | drop |
//! | lowpriotrap | —               | —                | —             | —            | —     | —      | —⁴     | —      | drop |
//! | version     | drop if v≠4     | drop if v≠4      | drop if v≠4   | drop if v≠4  | —     | —      | —      | —      | drop |
//! | nomrulist   | —               | —                | —             | —            | —     | —      | —      | drop   | drop |
//! | mssntp      | —⁴              | —                | —             | —            | —     | —      | —      | —      | drop |
//! | flake       | drop 1 in 10    | drop 1 in 10     | drop 1 in 10  | drop 1 in 10 | —     | —      | —      | —      | drop |
//!
//! ¹ A control write is served only when authenticated, whatever the flags.
//! ² Unless authenticated (a valid MAC with a trusted key).
//! ³ Over the `discard` limits: dropped, or kissed with RATE; one over-limit request in
//!   `discard leak` is answered anyway (CVE-2016-7426).
//! ⁴ No effect on the decision; the caller reads the flag with [`AccessPolicy::restrictions`].
//!
//! Independently of flags: a MAC that fails verification drops the packet (CRYP kiss for a
//! time request when kisses are allowed); versions outside 1..=4 are dropped; mode 7 is never
//! served. `ntpport` is a match modifier, not an effect. A refusal of an `Assoc` packet is what
//! an association shows as RSTR ([`DropReason::local_status`]).
//!
//! # ACL levels
//!
//! The router's `ntp access peer|server|synchronization|query|limited` levels compile onto the
//! same engine ([`RestrictList::from_acl_rules`]):
//!
//! | level           | restrict flags            | meaning                                     |
//! |-----------------|---------------------------|---------------------------------------------|
//! | peer            | none                      | everything                                  |
//! | server          | nopeer nomodify           | time requests and queries, no peering       |
//! | synchronization | noquery nopeer            | time requests only                          |
//! | query           | noserve nomodify          | control queries only                        |
//! | limited         | limited noquery nopeer    | rate-limited time requests                  |
//! | no match / deny | noserve noquery nopeer    | nothing; DENY when `ntp kod-enable` is on   |
//!
//! # Rate limiting
//!
//! [`RateLimiter`] implements ntpd's `discard average minimum monitor` headway algorithm over
//! an [`MruList`] whose memory is fixed by [`MruConfig`] (`maxdepth`/`maxmem`, `mindepth`,
//! `maxage`, `initalloc`/`initmem`, `incalloc`/`incmem`): O(1) per packet, no rehashing, at most
//! [`MruConfig::BYTES_PER_ENTRY`] bytes per tracked source, whatever the sources.

#![forbid(unsafe_code)]

mod acl;
mod config;
mod counters;
mod decision;
mod entry;
mod error;
mod flags;
mod hash;
mod kind;
mod limiter;
mod list;
mod mru;
mod policy;
mod rng;
mod session;
mod slab;
mod table;

pub use acl::{AclLevel, AclRule};
pub use config::{DiscardConfig, MruConfig};
pub use counters::AccessCounters;
pub use decision::{Decision, DropReason};
pub use entry::{RestrictEntry, RestrictNetwork};
pub use error::AccessError;
pub use flags::{RestrictFlag, RestrictFlags};
pub use kind::{AuthStatus, Ingress, PacketKind, Request};
pub use limiter::{RateCheck, RateLimiter};
pub use list::RestrictList;
pub use mru::{MruEntry, MruList};
/// Kiss codes come from the wire crate, so the responder can put them straight into a packet.
pub use ntpkit_wire::KissCode;
pub use policy::AccessPolicy;
pub use session::{SessionLimits, SessionRefusal};

/// The NTP port; `ntpport` entries match only this source port.
pub const NTP_PORT: u16 = 123;

/// The current NTP version (RFC 5905).
pub const NTP_VERSION: u8 = 4;
