//! NTPsec's `ntpq` reads ntpkitd over mode 6 in a network namespace of its own (ntpq only
//! speaks to port 123): system variables, a variable list, the (empty) association list,
//! `-p`, and the MRU list after the nonce exchange, also when it spans several fragments
//! (20 loopback sources; one READ_MRU answered in several datagrams, M bit and offsets
//! checked on the wire). Plus the amplification measurement:
//! bytes out per byte in from a `noquery` source (every opcode) and for READ_MRU without a
//! valid nonce.

mod common;

use std::process::Output;

use common::{Daemon, Netns, TempDir, ntpq, require, without_sys_time};

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

/// The value of `name=` in ntpq's variable listing (pairs separated by ", " and newlines).
fn field(listing: &str, name: &str) -> Option<String> {
    listing
        .split([',', '\n'])
        .map(str::trim)
        .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
        .map(str::to_owned)
}

struct Setup {
    _dir: TempDir,
    ns: Netns,
    _daemon: Daemon,
}

fn serve(conf: &str) -> Setup {
    let dir = TempDir::new("ntpkitd");
    let conf = dir.write("ntp.conf", conf);
    let ns = Netns::new("ntpkitd");
    let daemon = Daemon::start(&conf, &["--listen", "127.0.0.1:123"], Some(&ns));
    Setup {
        _dir: dir,
        ns,
        _daemon: daemon,
    }
}

const GPS_STRATUM_1: &str = "server 127.127.1.0\nfudge 127.127.1.0 stratum 1 refid GPS\n";

#[test]
fn ntpq_rv_shows_the_configured_system_variables() {
    let s = serve(GPS_STRATUM_1);
    let rv = ntpq(&s.ns, &["rv"]);
    assert_eq!(field(&rv, "stratum").as_deref(), Some("1"), "{rv}");
    assert_eq!(field(&rv, "refid").as_deref(), Some("GPS"), "{rv}");
    // ntpq prints the leap indicator as two bits.
    assert_eq!(field(&rv, "leap").as_deref(), Some("00"), "{rv}");
    assert!(rv.contains("leap_none"), "{rv}");
    for name in [
        "version",
        "processor",
        "system",
        "precision",
        "rootdelay",
        "rootdisp",
        "reftime",
        "clock",
        "peer",
        "tc",
        "mintc",
        "offset",
        "frequency",
        "sys_jitter",
        "clk_jitter",
        "clk_wander",
    ] {
        assert!(field(&rv, name).is_some(), "{name} missing: {rv}");
    }
    // ntpq decodes our hex timestamp into a date: the current year must appear.
    let clock = field(&rv, "clock").unwrap();
    let year = 1970
        + std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            / 31_556_952;
    assert!(clock.contains(&format!("{year}-")), "{clock}");
}

#[test]
fn ntpq_reads_a_variable_list_and_an_unsynchronised_server() {
    // No reference configured: leap 3, stratum 16.
    let s = serve("");
    let rv = ntpq(&s.ns, &["rv 0 stratum,offset,leap"]);
    assert_eq!(field(&rv, "stratum").as_deref(), Some("16"), "{rv}");
    assert_eq!(field(&rv, "leap").as_deref(), Some("11"), "{rv}");
    assert!(field(&rv, "offset").is_some(), "{rv}");
    assert!(field(&rv, "refid").is_none(), "only what was asked: {rv}");
}

#[test]
fn ntpq_as_and_peers_run_with_an_empty_association_list() {
    let s = serve(GPS_STRATUM_1);
    for cmd in ["as", "peers"] {
        let out = ntpq(&s.ns, &[cmd]);
        assert!(out.contains("No association IDs returned"), "{cmd}: {out}");
        assert!(!out.contains("***"), "{cmd}: an ntpq error: {out}");
    }
}

#[test]
fn ntpq_mrulist_lists_a_client_after_the_nonce_exchange() {
    let s = serve(&format!("{GPS_STRATUM_1}enable monitor\n"));
    // A time request from 127.0.0.1 puts the address in the MRU list (control packets are
    // not recorded there by ntpkit-access).
    require("ntpdig");
    let mut dig = s.ns.command("ntpdig");
    dig.args(["-t", "2", "127.0.0.1"]);
    let out = without_sys_time(dig).output().unwrap();
    assert!(out.status.success(), "ntpdig: {}", text(&out));
    let list = ntpq(&s.ns, &["mrulist"]);
    let row = list
        .lines()
        .find(|l| l.trim_end().ends_with(" 127.0.0.1"))
        .unwrap_or_else(|| panic!("no row for 127.0.0.1: {list}"));
    let fields: Vec<&str> = row.split_whitespace().collect();
    // lstint avgint rstr r m v count ...: ntpdig sent one packet.
    assert_eq!(fields.get(6), Some(&"1"), "{row}");
    assert!(list.contains("Collected 1 slots"), "{list}");
}

/// Sends each datagram (hex) from one socket inside the namespace, waits up to 300 ms for
/// answers to each, and prints "in out" byte totals per datagram.
const BLASTER: &str = r#"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.3)
s.connect((sys.argv[1], 123))
for h in sys.argv[2:]:
    p = bytes.fromhex(h)
    s.send(p)
    out = 0
    try:
        while True:
            out += len(s.recv(2048))
    except socket.timeout:
        pass
    print(len(p), out)
"#;

fn control(opcode: u8, data: &[u8]) -> String {
    let mut p = vec![(2 << 3) | 6, opcode, 0, 1, 0, 0, 0, 0, 0, 0];
    p.extend_from_slice(&(data.len() as u16).to_be_bytes());
    p.extend_from_slice(data);
    while !p.len().is_multiple_of(4) {
        p.push(0);
    }
    p.iter().map(|b| format!("{b:02x}")).collect()
}

fn blast(ns: &Netns, to: &str, packets: &[String]) -> Vec<(usize, usize)> {
    let out = ns
        .command("/usr/bin/python3")
        .arg("-c")
        .arg(BLASTER)
        .arg(to)
        .args(packets)
        .output()
        .unwrap();
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    t.lines()
        .map(|l| {
            let (a, b) = l.split_once(' ').unwrap();
            (a.parse().unwrap(), b.parse().unwrap())
        })
        .collect()
}

#[test]
fn amplification_noquery_gets_nothing_and_mru_without_nonce_at_most_one_to_one() {
    let noquery = serve(&format!("{GPS_STRATUM_1}restrict default noquery\n"));
    let every_opcode: Vec<String> = (0..=31).map(|op| control(op, b"")).collect();
    let totals = blast(&noquery.ns, "127.0.0.1", &every_opcode);
    assert_eq!(totals.len(), 32);
    for (op, (sent, got)) in totals.iter().enumerate() {
        assert_eq!(*got, 0, "opcode {op}: {got} bytes out for {sent} in");
    }
    drop(noquery);

    let open = serve(GPS_STRATUM_1);
    let forged = "nonce=00000000000000000000000000000000, frags=32";
    let packets = [
        control(10, b"frags=32"),
        control(10, forged.as_bytes()),
        // Control: the same socket does get answers when allowed (rv).
        control(2, b"stratum"),
    ];
    let totals = blast(&open.ns, "127.0.0.1", &packets);
    for (sent, got) in &totals[..2] {
        assert!(
            got <= sent,
            "READ_MRU without a valid nonce: {got} out for {sent} in"
        );
        assert!(*got > 0, "an error answer is expected");
    }
    assert!(totals[2].1 > 0, "rv must be answered");
}

#[test]
fn without_restrict_lines_only_loopback_may_query() {
    let dir = TempDir::new("ntpkitd");
    let conf = dir.write("ntp.conf", GPS_STRATUM_1);
    let ns = Netns::new("ntpkitd");
    // A documentation address on the namespace's own loopback device: traffic to it stays in
    // the namespace, but it is not a loopback address, so ntpkitd sees a network source.
    common::run_ok(std::process::Command::new("ip").args([
        "-n",
        ns.name(),
        "addr",
        "add",
        "192.0.2.77/32",
        "dev",
        "lo",
    ]));
    let _daemon = Daemon::start(&conf, &["--listen", "0.0.0.0:123"], Some(&ns));
    let rv = control(2, b"stratum");
    let outside = blast(&ns, "192.0.2.77", std::slice::from_ref(&rv));
    assert_eq!(outside[0].1, 0, "a non-loopback source was answered");
    let inside = blast(&ns, "127.0.0.1", &[rv]);
    assert!(inside[0].1 > 0, "loopback must be answered");
}

/// Sends one NTPv4 client request from each given local address (a socket bound to it)
/// to 127.0.0.1:123 and prints how many were answered.
const CLIENTS: &str = r#"
import socket, sys
answered = 0
for a in sys.argv[1:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a, 0))
    s.settimeout(2)
    s.sendto(bytes([0x23]) + bytes(39) + bytes(range(1, 9)), ("127.0.0.1", 123))
    try:
        if len(s.recv(2048)) >= 48:
            answered += 1
    except socket.timeout:
        pass
    s.close()
print(answered)
"#;

/// Client sources 127.0.0.10..=127.0.0.29: more MRU rows than one 468-byte fragment holds.
fn loopback_clients() -> Vec<String> {
    (10..30).map(|k| format!("127.0.0.{k}")).collect()
}

fn send_from_each(ns: &Netns, sources: &[String]) {
    let out = ns
        .command("/usr/bin/python3")
        .arg("-c")
        .arg(CLIENTS)
        .args(sources)
        .output()
        .unwrap();
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert_eq!(
        t.trim(),
        sources.len().to_string(),
        "time requests answered"
    );
}

#[test]
fn ntpq_mrulist_lists_more_sources_than_one_datagram_holds() {
    let s = serve(&format!("{GPS_STRATUM_1}enable monitor\n"));
    let sources = loopback_clients();
    send_from_each(&s.ns, &sources);
    let list = ntpq(&s.ns, &["mrulist"]);
    for a in &sources {
        assert!(
            list.lines()
                .any(|l| l.trim_end().ends_with(&format!(" {a}"))),
            "no row for {a}: {list}"
        );
    }
    assert!(
        list.contains(&format!("Collected {} slots", sources.len())),
        "{list}"
    );
}

/// Asks for a nonce (opcode 12), then READ_MRU (opcode 10) with it, and prints one line
/// per datagram of the MRU answer: its length, M bit and fragment offset (RFC 1305 app. B).
const MRU_FRAGMENTS: &str = r#"
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
s.connect(("127.0.0.1", 123))
def ask(op, seq, data):
    p = struct.pack("!BBHHHHH", (2 << 3) | 6, op, seq, 0, 0, 0, len(data)) + data
    s.send(p + bytes(-len(p) % 4))
ask(12, 1, b"")
r = s.recv(2048)
nonce = r[12:12 + struct.unpack("!H", r[10:12])[0]].decode().strip().strip(",")
ask(10, 2, (nonce + ", frags=16").encode())
try:
    while True:
        d = s.recv(2048)
        print(len(d), (d[1] >> 5) & 1, struct.unpack("!H", d[8:10])[0], struct.unpack("!H", d[10:12])[0])
except socket.timeout:
    pass
"#;

#[test]
fn one_mru_request_is_answered_in_several_fragments() {
    let s = serve(&format!("{GPS_STRATUM_1}enable monitor\n"));
    send_from_each(&s.ns, &loopback_clients());
    let out =
        s.ns.command("/usr/bin/python3")
            .arg("-c")
            .arg(MRU_FRAGMENTS)
            .output()
            .unwrap();
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    // (length, more, offset, count) per datagram.
    let frags: Vec<[usize; 4]> = t
        .lines()
        .map(|l| {
            let v: Vec<usize> = l.split(' ').map(|f| f.parse().unwrap()).collect();
            [v[0], v[1], v[2], v[3]]
        })
        .collect();
    assert!(frags.len() > 1, "one READ_MRU, several datagrams: {t}");
    assert!(frags.len() <= 16, "{t}");
    let mut offset = 0;
    for (i, [len, more, at, count]) in frags.iter().copied().enumerate() {
        assert!(len <= 480, "{t}");
        assert_eq!(at, offset, "fragments arrive in order, contiguous: {t}");
        assert_eq!(
            more == 1,
            i + 1 < frags.len(),
            "M bit on all but the last: {t}"
        );
        assert!(count <= 468, "{t}");
        offset += count;
    }
}
