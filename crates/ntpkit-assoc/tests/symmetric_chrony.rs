//! Interoperability of the symmetric association with chronyd 4.x (an independent
//! implementation) over real UDP on loopback, in real time. chronyd runs with `-x` and
//! without CAP_SYS_TIME and is killed when the test ends (`bash .ci/install-peers`).
//! Both read the same system clock, so the true offset is zero.
//!
//! (NTPsec 1.2 cannot be the peer: it logs "peer deprecated, treated as server" and
//! answered none of our symmetric active packets in this test's first version.)

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ntpkit_access::{Decision, SessionLimits};
use ntpkit_assoc::ServerState;
use ntpkit_assoc::client::ClientSample;
use ntpkit_assoc::symmetric::{
    MobilizeRefusal, PassivePolicy, Role, SymmetricAssociation, SymmetricConfig, SymmetricEvent,
};
use ntpkit_auth::{KeyId, KeyStore, parse_ntp_keys};
use ntpkit_testkit::LocalChronyd;
use ntpkit_wire::{NtpTimestamp, Precision, ReferenceId, Stratum};

/// The same 16 secret bytes in ntpd's format (ours) and chrony's (HEX:).
const SECRET_HEX: &str = "8f4a1c2e9b7d3f60a5c4e2d1b0a99887";

type Assoc = SymmetricAssociation<Box<dyn FnMut() -> u32>>;

/// chronyd (local stratum 1) sharing our MD5 secret as key 1, with `extra` configuration.
fn chronyd(tag: &str, extra: &str) -> LocalChronyd {
    let keys = format!("1 MD5 HEX:{SECRET_HEX}\n");
    LocalChronyd::start(
        tag,
        &[("keys", &keys)],
        &format!("keyfile {{dir}}/keys\n{extra}"),
    )
}

fn wall() -> NtpTimestamp {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    NtpTimestamp::from_unix(d.as_secs() as i64, d.subsec_nanos())
}

fn keys() -> (KeyStore, KeyId) {
    let file = parse_ntp_keys("ntp.keys", &format!("1 MD5 {SECRET_HEX}\n")).unwrap();
    let mut keys = KeyStore::new();
    file.install(&mut keys).unwrap();
    let id = KeyId::new(1).unwrap();
    keys.trust(id);
    (keys, id)
}

fn rng() -> Box<dyn FnMut() -> u32> {
    let mut seed = std::process::id() | 1;
    Box::new(move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    })
}

fn ours() -> ServerState {
    ServerState::local_reference(Stratum(3), ReferenceId(*b"LOCL"), Precision(-20))
}

/// What one side saw: samples and every other outcome, as text.
#[derive(Default)]
struct Seen {
    samples: Vec<ClientSample>,
    other: Vec<String>,
}

/// Runs `assoc` against the peer at `to` until `want` samples or `limit` pass.
fn drive(
    socket: &UdpSocket,
    assoc: &mut Assoc,
    start: Instant,
    want: usize,
    limit: Duration,
) -> Seen {
    let (keys, _) = keys();
    let mut seen = Seen::default();
    let mut buf = [0u8; 1024];
    while start.elapsed() < limit && seen.samples.len() < want {
        let now = start.elapsed();
        if let Some(event) = assoc.handle_timeout(now) {
            seen.other.push(format!("{event:?}"));
        }
        if let Some(len) = assoc
            .poll_transmit(now, wall(), &ours(), &keys, &mut buf)
            .unwrap()
        {
            socket.send(&buf[..len]).unwrap();
        }
        let Some(next) = assoc.poll_timeout() else {
            break;
        };
        let wait = next
            .saturating_sub(start.elapsed())
            .max(Duration::from_millis(5));
        socket.set_read_timeout(Some(wait)).unwrap();
        if let Ok(n) = socket.recv(&mut buf) {
            let t4 = wall();
            match assoc.handle_packet(start.elapsed(), &buf[..n], t4, &keys) {
                Ok(SymmetricEvent::Sample(s)) => seen.samples.push(s),
                r => seen.other.push(format!("{r:?}")),
            }
        }
    }
    seen
}

/// Shown with `--nocapture`: what each sample measured.
fn report(side: &str, seen: &Seen) {
    for s in &seen.samples {
        eprintln!(
            "{side}: offset {:+.6} s delay {:.6} s stratum {}",
            s.sample.offset, s.sample.delay, s.server.stratum
        );
    }
}

fn assert_true_time(seen: &Seen, id: KeyId, want: usize, strata: &[u8]) {
    assert!(
        seen.samples.len() >= want,
        "{} samples; other: {:?}",
        seen.samples.len(),
        seen.other
    );
    for s in &seen.samples {
        assert!(s.sample.offset.abs() < 0.002, "offset {}", s.sample.offset);
        assert!(s.sample.delay < 0.01, "delay {}", s.sample.delay);
        assert_eq!(s.authenticated, Some(id));
        assert!(
            strata.contains(&s.server.stratum),
            "stratum {}",
            s.server.stratum
        );
    }
}

/// Lines of chrony's measurements log for a source on 127.0.0.1 whose nine packet tests
/// all passed ("111 111 1111").
fn chrony_accepted(log: &str) -> usize {
    log.lines()
        .filter(|l| l.contains("127.0.0.1") && l.contains(" 111 111 1111 "))
        .count()
}

/// The first datagram chronyd sends to `socket`, within its read timeout. A signal (seen:
/// "Interrupted system call" in a workspace run) does not count as silence.
fn first_datagram(socket: &UdpSocket, buf: &mut [u8]) -> (usize, SocketAddr) {
    loop {
        match socket.recv_from(buf) {
            Ok(got) => return got,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => panic!("chronyd sent nothing: {e}"),
        }
    }
}

#[test]
fn our_keyed_active_association_against_chronyd() {
    // chronyd answers a symmetric active packet from an unknown source in symmetric
    // passive mode, signed with our key.
    let chronyd = chronyd("active", "");
    let (_, id) = keys();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.connect(("127.0.0.1", chronyd.port())).unwrap();
    let mut config = SymmetricConfig::with_key(id);
    config.minpoll = 3;
    config.maxpoll = 3;
    let start = Instant::now();
    let mut assoc = Assoc::new(config, start.elapsed(), rng());
    let seen = drive(&socket, &mut assoc, start, 4, Duration::from_secs(60));
    report("active", &seen);
    assert_true_time(&seen, id, 4, &[1]);
    assert!(assoc.reach() & 0b110 == 0b110, "reach {:o}", assoc.reach());
}

#[test]
fn chronyd_keyed_peer_mobilises_our_passive_association() {
    // Our socket first, on a port the kernel picks: asking for a free port and binding later
    // raced with other tests (AddrInUse seen in a workspace run).
    let socket = UdpSocket::bind(("127.0.0.1", 0)).unwrap();
    let our_port = socket.local_addr().unwrap().port();
    let chronyd = chronyd(
        "passive",
        &format!("peer 127.0.0.1 port {our_port} key 1 minpoll 3 maxpoll 3\n"),
    );
    let (keys, id) = keys();
    let mut policy = PassivePolicy::new(SessionLimits::new(4, 2));
    let start = Instant::now();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = [0u8; 1024];
    let (n, from): (usize, SocketAddr) = first_datagram(&socket, &mut buf);
    assert_eq!(from.port(), chronyd.port());
    let grant = policy.admit(&buf[..n], &keys, Decision::Serve).unwrap();
    assert_eq!(grant.key, id);
    // Our own poll (the passive side polls no faster than the peer, and no faster than
    // its own minpoll): 8 s, so that the test takes half a minute.
    let mut config = SymmetricConfig::default();
    config.minpoll = 3;
    config.maxpoll = 3;
    let mut assoc = Assoc::passive(grant, config, start.elapsed(), rng(), wall());
    assert_eq!(assoc.role(), Role::Passive);
    socket.connect(from).unwrap();
    let seen = drive(&socket, &mut assoc, start, 4, Duration::from_secs(90));
    report("passive", &seen);
    // Stratum 1 (its local reference) until chronyd selects us (stratum 3) as its source,
    // then 4.
    assert_true_time(&seen, id, 4, &[1, 4]);
    // chronyd, for its part, took our packets as valid measurements.
    let log = chronyd.measurements();
    assert!(chrony_accepted(&log) >= 2, "chronyd's measurements:\n{log}");
    eprintln!("chronyd's measurements:\n{log}");
    assert_eq!(policy.limits().active(), 1);
}

#[test]
fn an_unauthenticated_chronyd_peer_mobilises_nothing() {
    // Our socket first, on a port the kernel picks: asking for a free port and binding later
    // raced with other tests (AddrInUse seen in a workspace run).
    let socket = UdpSocket::bind(("127.0.0.1", 0)).unwrap();
    let our_port = socket.local_addr().unwrap().port();
    let chronyd = chronyd(
        "unauth",
        &format!("peer 127.0.0.1 port {our_port} minpoll 3\n"),
    );
    let (keys, _) = keys();
    let mut policy = PassivePolicy::new(SessionLimits::new(4, 2));
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = [0u8; 1024];
    let (n, from) = first_datagram(&socket, &mut buf);
    assert_eq!(from.port(), chronyd.port());
    assert_eq!(buf[0] & 7, 1, "a symmetric active packet");
    assert_eq!(
        policy.admit(&buf[..n], &keys, Decision::Serve),
        Err(MobilizeRefusal::Unauthenticated)
    );
    assert_eq!(policy.limits().active(), 0);
}

#[test]
fn our_active_association_and_chronyd_as_configured_peers_of_each_other() {
    // Both sides configured (`peer` on each): both send symmetric active packets.
    // Our socket first, on a port the kernel picks: asking for a free port and binding later
    // raced with other tests (AddrInUse seen in a workspace run).
    let socket = UdpSocket::bind(("127.0.0.1", 0)).unwrap();
    let our_port = socket.local_addr().unwrap().port();
    let chronyd = chronyd(
        "both",
        &format!("peer 127.0.0.1 port {our_port} key 1 minpoll 3 maxpoll 3\n"),
    );
    socket.connect(("127.0.0.1", chronyd.port())).unwrap();
    let (_, id) = keys();
    let mut config = SymmetricConfig::with_key(id);
    config.minpoll = 3;
    config.maxpoll = 3;
    let start = Instant::now();
    let mut assoc = Assoc::new(config, start.elapsed(), rng());
    let seen = drive(&socket, &mut assoc, start, 4, Duration::from_secs(90));
    report("active-active", &seen);
    assert_true_time(&seen, id, 4, &[1, 4]);
    let log = chronyd.measurements();
    assert!(chrony_accepted(&log) >= 2, "chronyd's measurements:\n{log}");
}
