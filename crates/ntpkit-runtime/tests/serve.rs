//! A running server, seen from outside: several workers, both address families, clean stop.

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use ntpkit_runtime::{BoundServer, Received, Service, Shared, TimestampSource};

/// Answers with the worker index, the bytes received, and the generation of a shared value.
struct Tagger {
    worker: u8,
    config: ntpkit_runtime::Reader<u8>,
}

impl Service for Tagger {
    fn begin_batch(&mut self) {
        self.config.refresh();
    }

    fn handle(&mut self, request: &Received<'_>, reply: &mut [u8]) -> Option<usize> {
        if request.data == b"silence" {
            return None;
        }
        assert_eq!(request.timestamp_source, TimestampSource::Kernel);
        reply[0] = self.worker;
        reply[1] = **self.config.get();
        reply[2..2 + request.data.len()].copy_from_slice(request.data);
        Some(2 + request.data.len())
    }
}

fn client(addr: SocketAddr) -> UdpSocket {
    let bind = if addr.is_ipv6() {
        "[::1]:0"
    } else {
        "127.0.0.1:0"
    };
    let c = UdpSocket::bind(bind).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c
}

fn ask(c: &UdpSocket, addr: SocketAddr, msg: &[u8]) -> Vec<u8> {
    c.send_to(msg, addr).unwrap();
    let mut buf = [0u8; 64];
    let (n, from) = c.recv_from(&mut buf).unwrap();
    assert_eq!(from, addr, "reply comes from the address asked");
    buf[..n].to_vec()
}

#[test]
fn serves_ipv4_and_ipv6_from_several_workers_and_picks_up_reloads() {
    let bound = BoundServer::bind(
        &["127.0.0.1:0".parse().unwrap(), "[::1]:0".parse().unwrap()],
        3,
    )
    .unwrap();
    assert!(bound.kernel_timestamps());
    assert_eq!(bound.workers(), 3);
    let addrs = bound.local_addrs().to_vec();
    assert!(addrs.iter().all(|a| a.port() != 0));
    let config = Shared::new(7u8);
    let server = bound
        .start(|w| Tagger {
            worker: w as u8,
            config: config.reader(),
        })
        .unwrap();

    let mut workers_seen = std::collections::BTreeSet::new();
    for addr in &addrs {
        // Different source ports hash to different workers.
        for _ in 0..24 {
            let c = client(*addr);
            let reply = ask(&c, *addr, b"abc");
            assert_eq!(&reply[1..], &[7, b'a', b'b', b'c']);
            workers_seen.insert(reply[0]);
        }
    }
    assert!(
        workers_seen.len() > 1,
        "SO_REUSEPORT spread clients: {workers_seen:?}"
    );

    config.replace(8);
    let c = client(addrs[0]);
    assert_eq!(
        ask(&c, addrs[0], b"x")[1],
        8,
        "reload seen without restarting"
    );

    c.send_to(b"silence", addrs[0]).unwrap();
    assert_eq!(ask(&c, addrs[0], b"y")[2], b'y');
    let counters = server.stop();
    assert_eq!(counters.received, 2 * 24 + 3);
    assert_eq!(counters.replied, 2 * 24 + 2);
    assert_eq!(counters.unanswered, 1);
}

#[test]
fn binding_an_address_twice_without_reuse_is_refused_and_bad_settings_are_errors() {
    assert!(BoundServer::bind(&[], 1).is_err());
    assert!(BoundServer::bind(&["127.0.0.1:0".parse().unwrap()], 0).is_err());
    // 192.0.2.1 (TEST-NET-1) is not an address of this host: bind fails, nothing is sent.
    let err = BoundServer::bind(&["192.0.2.1:0".parse().unwrap()], 1).unwrap_err();
    assert!(err.to_string().contains("192.0.2.1"), "{err}");
}

/// Answers `frag N` with N + 1 datagrams of 480 bytes (the first as the reply, the rest
/// queued as extras), each filled with its index; anything else with one echo.
struct Fragmenter;

impl Service for Fragmenter {
    fn handle(&mut self, request: &Received<'_>, reply: &mut [u8]) -> Option<usize> {
        reply
            .get_mut(..request.data.len())?
            .copy_from_slice(request.data);
        Some(request.data.len())
    }

    fn handle_with_extra(
        &mut self,
        request: &Received<'_>,
        reply: &mut [u8],
        extra: &mut ntpkit_runtime::ExtraReplies,
    ) -> Option<usize> {
        let Some(n) = request.data.strip_prefix(b"frag ") else {
            return self.handle(request, reply);
        };
        let n: u8 = std::str::from_utf8(n).ok()?.parse().ok()?;
        for k in 1..=n {
            // The 17th datagram (k = 17) does not fit: push refuses it.
            let queued = extra.push(&[k; ntpkit_runtime::EXTRA_REPLY_LEN]);
            assert_eq!(queued, usize::from(k) <= ntpkit_runtime::MAX_EXTRA_REPLIES);
        }
        reply[..480].fill(0);
        Some(480)
    }
}

#[test]
fn one_request_can_produce_several_datagrams_in_order() {
    let bound = BoundServer::bind(&["127.0.0.1:0".parse().unwrap()], 1).unwrap();
    let addr = bound.local_addrs()[0];
    let server = bound.start(|_| Fragmenter).unwrap();
    let c = client(addr);
    // An ordinary request before and after: one datagram each, unaffected.
    assert_eq!(ask(&c, addr, b"hello"), b"hello");
    c.send_to(b"frag 17", addr).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 600];
    for _ in 0..17 {
        let (n, from) = c.recv_from(&mut buf).unwrap();
        assert_eq!((n, from), (480, addr));
        assert!(buf[..n].iter().all(|&b| b == buf[0]));
        got.push(buf[0]);
    }
    assert_eq!(
        got,
        (0..=16).collect::<Vec<u8>>(),
        "reply first, extras in order"
    );
    assert_eq!(ask(&c, addr, b"bye"), b"bye", "no 18th datagram was queued");
    let totals = server.stop();
    assert_eq!((totals.received, totals.replied), (3, 19));
}
