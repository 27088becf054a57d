//! A complete NTP server in one plain loop: a std `UdpSocket`, the sans-IO [`Responder`]
//! and an [`AccessPolicy`] with ntpd's defaults. It serves the host clock as a stratum 2
//! local reference (like chrony's `local stratum 2`); it never touches the clock.
//!
//! Run it with `cargo run -p ntpkit-assoc --example plain_server -- [ADDR:PORT]` (default
//! 127.0.0.1:12300) and query it from chrony without letting chronyd set the clock:
//!
//! ```text
//! setpriv --bounding-set=-sys_time --inh-caps=-sys_time -- chronyd -Q -f /dev/null \
//!     "server 127.0.0.1 port 12300 iburst maxsamples 1" "cmdport 0" "pidfile /tmp/q.pid"
//! ```
//!
//! or with `cargo run -p ntpkit-assoc --example tokio_client -- 127.0.0.1:12300`.

use std::hash::{BuildHasher, RandomState};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use ntpkit_access::{
    AccessPolicy, DiscardConfig, Ingress, MruConfig, Request as AccessRequest, RestrictList,
};
use ntpkit_assoc::{Request, Responder, ResponderOutcome, ServerState};
use ntpkit_auth::KeyStore;
use ntpkit_wire::{NtpTimestamp, Precision, ReferenceId, Stratum};

/// The host's wall clock as an NTP timestamp (the responder never reads a clock itself).
fn wall_clock() -> NtpTimestamp {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    NtpTimestamp::from_unix(i64::try_from(t.as_secs()).unwrap_or(0), t.subsec_nanos())
}

fn main() -> std::io::Result<()> {
    let listen: SocketAddr = std::env::args()
        .nth(1)
        .as_deref()
        .unwrap_or("127.0.0.1:12300")
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let socket = UdpSocket::bind(listen)?;
    println!("serving NTP on {}", socket.local_addr()?);

    // Our clock is the reference: stratum 2, reference id "LOCL", precision 2^-20 s.
    let state = ServerState::local_reference(Stratum(2), ReferenceId(*b"LOCL"), Precision(-20));
    let keys = KeyStore::new();
    let mut responder = Responder::default();
    // The policy's rate limiter runs on monotonic time; its random draws need a secret seed.
    let start = Instant::now();
    let seed = RandomState::new().hash_one(0u8); // std's randomly keyed SipHash, unpredictable
    let (list, discard) = (RestrictList::default(), DiscardConfig::default());
    let mut policy = AccessPolicy::new(list, discard, &MruConfig::default(), seed);

    let (mut buf, mut out) = ([0u8; 1024], [0u8; 1024]);
    loop {
        let (len, source) = socket.recv_from(&mut buf)?;
        // The receive timestamp T2, read as early as possible.
        let received = wall_clock();
        let now = start.elapsed();
        // A loopback source counts only on the loopback interface (CVE-2014-9298); Linux
        // drops loopback sources arriving on other interfaces, as ntpkitd assumes too.
        let local = listen.ip();
        let ingress =
            if local.is_loopback() || (local.is_unspecified() && source.ip().is_loopback()) {
                Ingress::Loopback
            } else {
                Ingress::Network
            };
        let request = Request::new(buf.get(..len).unwrap_or(&[]), source, received);
        let outcome = responder.respond(
            &request,
            &state,
            &keys,
            |req, inspection| {
                let asked = AccessRequest::new(
                    req.source.ip(),
                    req.source.port(),
                    inspection.kind,
                    ingress,
                )
                .with_auth(inspection.auth)
                .with_version(inspection.version.to_bits());
                policy.decide(now, &asked)
            },
            &mut out,
            wall_clock,
        );
        match outcome {
            ResponderOutcome::Reply(reply) => {
                socket.send_to(out.get(..reply.len).unwrap_or(&[]), source)?;
                println!("{source}: {:?}, {} bytes", reply.kind, reply.len);
            }
            ResponderOutcome::NoReply(reason) => println!("{source}: no reply ({reason:?})"),
        }
    }
}
