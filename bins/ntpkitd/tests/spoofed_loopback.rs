//! CVE-2014-9298: a datagram from a 127.x source that arrives on a real interface is spoofed
//! and must be dropped before the restrict list (which typically trusts 127.0.0.1).
//!
//! Two network namespaces joined by a veth pair: ntpkitd serves on the wildcard in S, and
//! an attacker in A sends a raw IPv4 datagram with source 127.0.0.1 to S's veth address.
//! Linux drops such martians itself unless `route_localnet` and `accept_local` are set, so
//! S sets them (as a misconfigured or deliberately permissive host might); then only
//! ntpkitd stands between the spoofed packet and a reply. A listener on S's 127.0.0.1 at the spoofed source port
//! would receive that reply. The control: the same request from A's real address is
//! answered, and so is a genuine local one from 127.0.0.1.

mod common;

use std::process::{Command, Output};

use common::{Daemon, Netns, TempDir, local_reference_conf, require, run_ok};

/// Sends one NTP mode 3 request from `src`:`sport` (any address: raw socket, IP_HDRINCL)
/// to `dst`:`dport` and prints "SENT".
const SPOOF: &str = r#"
import socket, struct, sys
src, sport, dst, dport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
ntp = bytes([0x23]) + bytes(39) + struct.pack("!II", 0xE91A2B3C, 0x12345678)
udp = struct.pack("!HHHH", sport, dport, 8 + len(ntp), 0) + ntp
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 socket.inet_aton(src), socket.inet_aton(dst))
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.sendto(ip + udp, (dst, 0))
print("SENT")
"#;

const LISTEN: &str = r#"
import socket, sys
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.bind((sys.argv[1], int(sys.argv[2])))
r.settimeout(3)
print("READY", flush=True)
try:
    data, peer = r.recvfrom(512)
    print("REPLY", len(data), peer)
except socket.timeout:
    print("SILENT")
"#;

fn python(ns: &Netns, script: &str, args: &[&str]) -> Command {
    let mut c = ns.command("python3");
    c.arg("-c").arg(script).args(args);
    c
}

/// Starts a listener in `ns` on `addr`:`port`, runs `send`, returns what the listener saw.
fn listen_while(ns: &Netns, addr: &str, port: &str, send: impl FnOnce()) -> String {
    use std::io::{BufRead, BufReader};
    let mut child = python(ns, LISTEN, &[addr, port])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "READY");
    send();
    line.clear();
    out.read_line(&mut line).unwrap();
    let _ = child.wait();
    line
}

fn sent(out: Output) {
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("SENT"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn spoofed_loopback_source_from_a_real_interface_gets_no_reply() {
    require("python3");
    let (s, a) = (Netns::new("ntpkitd"), Netns::new("ntpkitd"));
    run_ok(Command::new("ip").args([
        "-n",
        s.name(),
        "link",
        "add",
        "vs",
        "type",
        "veth",
        "peer",
        "name",
        "va",
        "netns",
        a.name(),
    ]));
    let ip =
        |ns: &Netns, args: &[&str]| run_ok(Command::new("ip").arg("-n").arg(ns.name()).args(args));
    ip(&s, &["addr", "add", "10.88.0.1/24", "dev", "vs"]);
    ip(&a, &["addr", "add", "10.88.0.2/24", "dev", "va"]);
    ip(&s, &["link", "set", "vs", "up"]);
    ip(&a, &["link", "set", "va", "up"]);
    for key in [
        "net.ipv4.conf.all.route_localnet=1",
        "net.ipv4.conf.vs.route_localnet=1",
        "net.ipv4.conf.all.rp_filter=0",
        "net.ipv4.conf.vs.rp_filter=0",
        // A source that is one of S's own addresses is otherwise refused too.
        "net.ipv4.conf.vs.accept_local=1",
    ] {
        run_ok(s.command("sysctl").args(["-q", "-w", key]));
    }
    let dir = TempDir::new("ntpkitd");
    // The restrict list trusts the loopback, as ntpd's default configurations do.
    let conf = dir.write(
        "ntp.conf",
        &local_reference_conf(
            3,
            "restrict default ignore\nrestrict 127.0.0.1\nrestrict 10.88.0.0 mask 255.255.255.0\n",
        ),
    );
    let daemon = Daemon::start(&conf, &["--listen", "0.0.0.0:123"], Some(&s));

    // Control 1: from A's own address, the request is answered (back in A).
    let seen = listen_while(&a, "10.88.0.2", "40001", || {
        sent(
            python(&a, SPOOF, &["10.88.0.2", "40001", "10.88.0.1", "123"])
                .output()
                .unwrap(),
        )
    });
    assert!(seen.starts_with("REPLY"), "genuine request from A: {seen}");
    // Control 2: a genuine loopback request inside S is answered.
    let seen = listen_while(&s, "127.0.0.1", "40002", || {
        sent(
            python(&s, SPOOF, &["127.0.0.1", "40002", "127.0.0.1", "123"])
                .output()
                .unwrap(),
        )
    });
    assert!(
        seen.starts_with("REPLY"),
        "genuine loopback request: {seen}"
    );
    // Control 3: the kernel does deliver the spoofed datagram to a socket in S (so the
    // silence below is ntpkitd's doing, not the kernel's martian filter).
    let seen = listen_while(&s, "10.88.0.1", "5555", || {
        sent(
            python(&a, SPOOF, &["127.0.0.1", "40003", "10.88.0.1", "5555"])
                .output()
                .unwrap(),
        )
    });
    assert!(
        seen.contains("('127.0.0.1', 40003)"),
        "spoofed datagram not delivered: {seen}"
    );
    // The attack: source 127.0.0.1:40003 arriving on vs. A reply would reach S's loopback.
    let seen = listen_while(&s, "127.0.0.1", "40003", || {
        sent(
            python(&a, SPOOF, &["127.0.0.1", "40003", "10.88.0.1", "123"])
                .output()
                .unwrap(),
        )
    });
    assert!(
        seen.starts_with("SILENT"),
        "spoofed loopback source was answered: {seen}"
    );
    assert!(daemon.stop().success());
}
