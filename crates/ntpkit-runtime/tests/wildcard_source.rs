//! A server on a wildcard address answers from the address each request was sent to
//! (IP_PKTINFO / IPV6_PKTINFO), and tells its service which address that was.
//!
//! Without packet information a reply from `0.0.0.0` leaves from the address the route
//! back prefers: a client that asked 127.0.0.2 from 127.0.0.1 hears 127.0.0.1 and (like
//! ntpdig or chronyd) drops the answer as coming from a stranger.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::process::Command;
use std::time::Duration;

use ntpkit_runtime::{BoundServer, Received, Service};

/// Answers with the local address the request says it was sent to.
struct WhereTo;

impl Service for WhereTo {
    fn handle(&mut self, request: &Received<'_>, reply: &mut [u8]) -> Option<usize> {
        let text = request.local.ip().to_string();
        reply
            .get_mut(..text.len())?
            .copy_from_slice(text.as_bytes());
        Some(text.len())
    }
}

/// Asks `server_ip` on `port` from `client_ip`; returns (where the reply came from, what the
/// service was told).
fn ask(client_ip: IpAddr, server_ip: IpAddr, port: u16) -> (SocketAddr, String) {
    let c = UdpSocket::bind(SocketAddr::new(client_ip, 0)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c.send_to(b"where", SocketAddr::new(server_ip, port))
        .unwrap();
    let mut buf = [0u8; 64];
    let (n, from) = c.recv_from(&mut buf).unwrap();
    (from, String::from_utf8_lossy(&buf[..n]).into_owned())
}

/// Serves `wildcard` with `workers` workers and asks each of `targets` from `client`.
fn check(wildcard: &str, workers: usize, client: &str, targets: &[&str]) {
    let bound = BoundServer::bind(&[wildcard.parse().unwrap()], workers).unwrap();
    let port = bound.local_addrs()[0].port();
    let server = bound.start(|_| WhereTo).unwrap();
    for target in targets {
        let ip: IpAddr = target.parse().unwrap();
        for _ in 0..3 {
            let (from, told) = ask(client.parse().unwrap(), ip, port);
            assert_eq!(
                from,
                SocketAddr::new(ip, port),
                "reply comes from the address asked"
            );
            assert_eq!(told, *target, "the service sees the destination address");
        }
    }
    server.stop();
}

#[test]
fn ipv4_wildcard_answers_from_the_address_asked() {
    // 127.0.0.0/8 is all local on Linux: 127.0.0.2 and .3 need no setup.
    for workers in [1, 2] {
        check(
            "0.0.0.0:0",
            workers,
            "127.0.0.1",
            &["127.0.0.2", "127.0.0.3", "127.0.0.1"],
        );
    }
}

const CHILD_ENV: &str = "NTPKIT_WILDCARD_IPV6_CHILD";

#[test]
fn ipv6_wildcard_answers_from_the_address_asked() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return ipv6_child();
    }
    // IPv6 loopback has one address, so the check runs in a network namespace of its own
    // with two more (root, as CI runs tests; `unshare` is util-linux).
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("unshare")
        .args(["--net", "--"])
        .arg(exe)
        .args([
            "--exact",
            "ipv6_wildcard_answers_from_the_address_asked",
            "--nocapture",
        ])
        .env(CHILD_ENV, "1")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child in a network namespace failed:\n{text}"
    );
    assert!(
        text.contains("1 passed"),
        "the child ran the check:\n{text}"
    );
}

fn ipv6_child() {
    let ip = |args: &[&str]| {
        let status = Command::new("ip").args(args).status().unwrap();
        assert!(status.success(), "ip {args:?}");
    };
    ip(&["link", "set", "lo", "up"]);
    for a in ["fd00::1/128", "fd00::2/128", "fd00::3/128"] {
        ip(&["-6", "addr", "add", a, "dev", "lo", "nodad"]);
    }
    for workers in [1, 2] {
        check("[::]:0", workers, "fd00::1", &["fd00::2", "fd00::3", "::1"]);
    }
}
