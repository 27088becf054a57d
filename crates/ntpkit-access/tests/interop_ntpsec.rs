//! Restrict-list semantics against NTPsec's ntpd, an independent implementation.
//!
//! ntpd runs in its own network namespace (it only serves on port 123), without the capability
//! to set the clock, with a restrict list whose entries nest and overlap. A few lines of Python
//! inside the namespace send a time request (mode 3) and a control read (mode 6) from each of
//! several 127.x.y.z source addresses and report which were answered. ntpd's answers must be
//! exactly what our `RestrictList` says: time served unless `ignore`/`noserve`, control
//! answered unless `ignore`/`noquery`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use ntpkit_access::{RestrictEntry, RestrictFlags, RestrictList, RestrictNetwork};

const NTPD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../target/peers/ntpsec/usr/sbin/ntpd"
);

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

struct Namespace(String);

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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
    let ntpd = PathBuf::from(NTPD);
    assert!(
        ntpd.exists(),
        "NTPsec's ntpd is missing at {}: run `bash .ci/install-peers`",
        ntpd.display()
    );
    let dir = std::env::temp_dir().join(format!("ntpkit-access-ntpsec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut conf = format!(
        "tos orphan 1 orphanwait 0\ndriftfile {}\nlogfile {}\n",
        dir.join("drift").display(),
        dir.join("ntpd.log").display()
    );
    for (addr, mask, flags) in LINES {
        let mask = if mask.is_empty() {
            String::new()
        } else {
            format!(" mask {mask}")
        };
        conf.push_str(&format!("restrict {addr}{mask} {flags}\n"));
    }
    let conf_file = dir.join("ntp.conf");
    std::fs::write(&conf_file, &conf).unwrap();

    let ns = Namespace(format!("ntpkit-access-{}", std::process::id()));
    let status = Command::new("ip")
        .args(["netns", "add", &ns.0])
        .status()
        .unwrap();
    assert!(
        status.success(),
        "ip netns add failed (needs root and iproute2)"
    );
    let status = Command::new("ip")
        .args(["-n", &ns.0, "link", "set", "lo", "up"])
        .status()
        .unwrap();
    assert!(status.success());
    let daemon = Daemon(
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &ns.0,
                "setpriv",
                "--bounding-set=-sys_time",
                "--inh-caps=-sys_time",
                "--",
            ])
            .arg(&ntpd)
            .args(["-n", "-c"])
            .arg(&conf_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start ntpd"),
    );
    let out = Command::new("ip")
        .args(["netns", "exec", &ns.0, "python3", "-c", CLIENT])
        .args(SOURCES)
        .output()
        .expect("cannot run python3 in the namespace");
    drop(daemon);
    let log = std::fs::read_to_string(dir.join("ntpd.log")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
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
