//! Restrict-list semantics against NTPsec's ntpd, an independent implementation.
//!
//! ntpd runs in its own network namespace (it only serves on port 123), without the capability
//! to set the clock, with a restrict list whose entries nest and overlap. A few lines of Python
//! inside the namespace send a time request (mode 3) and a control read (mode 6) from each of
//! several 127.x.y.z source addresses and report which were answered. ntpd's answers must be
//! exactly what our `RestrictList` says: time served unless `ignore`/`noserve`, control
//! answered unless `ignore`/`noquery`.

use std::net::IpAddr;

use ntpkit_access::{RestrictEntry, RestrictFlags, RestrictList, RestrictNetwork};
use ntpkit_testkit::{Netns, TempDir, start_ntpsec};

/// The restrict lines, as ntp.conf text and as our entries.
const LINES: &[(&str, &str, &str)] = &[
    ("default", "", "ignore"),
    ("127.0.0.0", "255.0.0.0", "noserve"),
    ("127.0.0.1", "", ""),
    ("127.0.1.0", "255.255.255.0", ""),
    ("127.0.1.128", "255.255.255.128", "noquery"),
    ("127.0.1.200", "", "nomodify"),
    ("127.0.2.0", "255.255.254.0", "noquery noserve"),
    ("127.0.3.64", "255.255.255.192", ""),
];

const SOURCES: &[&str] = &[
    "127.0.0.1",
    "127.0.0.5",
    "127.0.1.7",
    "127.0.1.130",
    "127.0.1.200",
    "127.0.2.9",
    "127.0.3.9",
    "127.0.3.70",
    "127.9.9.9",
];

/// Sends, from each source address, a time request and a control read to 127.0.0.1:123 and
/// prints `<source> <time answered 0/1> <control answered 0/1>`. The first source is polled
/// until ntpd answers (readiness).
const CLIENT: &str = r#"
import os, socket, sys, time
def ask(src, pkt, match, secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((src, 0)); s.settimeout(0.2)
    end = time.time() + secs
    while time.time() < end:
        s.sendto(pkt, ("127.0.0.1", 123))
        try:
            while True:
                r, _ = s.recvfrom(2048)
                if match(r): return 1
        except socket.timeout:
            pass
    return 0
def time_req():
    t = os.urandom(8)
    return bytes([0x23]) + bytes(39) + t, (lambda r: len(r) >= 48 and r[24:32] == t)
def ctl_req():
    return bytes([0x26, 0x02, 0x12, 0x34]) + bytes(8), (lambda r: len(r) >= 12 and r[1] & 0x80 and r[2:4] == b"\x12\x34")
p, m = time_req()
if not ask("127.0.0.1", p, m, 15): sys.exit(3)
for src in sys.argv[1:]:
    p, m = time_req(); t = ask(src, p, m, 1.2)
    p, m = ctl_req(); c = ask(src, p, m, 1.2)
    print(src, t, c)
"#;

fn our_list() -> RestrictList {
    RestrictList::from_entries(LINES.iter().map(|(addr, mask, flags)| {
        let flags: RestrictFlags = flags.parse().unwrap();
        let network = match (*addr, *mask) {
            ("default", _) => RestrictNetwork::Default,
            (a, "") => RestrictNetwork::host(a.parse().unwrap()),
            (a, m) => RestrictNetwork::with_mask(a.parse().unwrap(), m.parse().unwrap()).unwrap(),
        };
        RestrictEntry::new(network, flags)
    }))
}

#[test]
fn ntpsec_answers_exactly_as_our_restrict_list_decides() {
    let dir = TempDir::new("access-ntpsec");
    let mut conf = String::new();
    for (addr, mask, flags) in LINES {
        let mask = if mask.is_empty() {
            String::new()
        } else {
            format!(" mask {mask}")
        };
        conf.push_str(&format!("restrict {addr}{mask} {flags}\n"));
    }
    let ns = Netns::new("access-ntpsec");
    let daemon = start_ntpsec(&ns, dir.path(), &conf);
    let out = ns
        .command("python3")
        .args(["-c", CLIENT])
        .args(SOURCES)
        .output()
        .expect("cannot run python3 in the namespace");
    drop(daemon);
    let log = dir.read("ntpd.log");
    assert!(
        out.status.success(),
        "ntpd never answered 127.0.0.1; its log:\n{log}"
    );

    let list = our_list();
    let report = String::from_utf8(out.stdout).unwrap();
    eprintln!("NTPsec's answers (source, time, control):\n{report}");
    let mut checked = 0;
    let mut outcomes = std::collections::HashSet::new();
    for line in report.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let [src, time, control] = words[..] else {
            panic!("bad line {line:?}")
        };
        let flags = list.lookup(src.parse::<IpAddr>().unwrap(), 40_000);
        let served = !flags.intersects(RestrictFlags::IGNORE | RestrictFlags::NOSERVE);
        let queried = !flags.intersects(RestrictFlags::IGNORE | RestrictFlags::NOQUERY);
        assert_eq!(
            (time == "1", control == "1"),
            (served, queried),
            "{src}: flags {flags}, ntpd {time} {control}"
        );
        outcomes.insert((served, queried));
        checked += 1;
    }
    assert_eq!(checked, SOURCES.len());
    // Every combination occurs, so the comparison cannot pass by ntpd answering all or none.
    assert_eq!(outcomes.len(), 4, "{outcomes:?}");
}
