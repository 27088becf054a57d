//! The broadcast and manycast tests' LAN (ntpkit-testkit's, in 10.88.S.0/24 and
//! fd88:S::/64) and the log, ntpdig and rawstats helpers those tests share.

#![allow(dead_code, unreachable_pub)]

use std::process::Output;

use crate::common::{Daemon, Netns, require, wait_log, without_sys_time};
pub use ntpkit_testkit::Lan;

/// The tests' LAN: 10.88.S.0/24 (ntpkit-manycast's tests use 10.77).
pub fn lan() -> Lan {
    Lan::new(88)
}

// What the broadcast and manycast tests read from the daemons and from NTPsec's ntpdig.

/// A line containing `needle`, already logged or within `secs`.
pub fn seen(d: &mut Daemon, needle: &str, secs: u64) -> Option<String> {
    d.log
        .iter()
        .find(|l| l.contains(needle))
        .cloned()
        .or_else(|| wait_log(d, needle, secs))
}

pub fn ntpdig(ns: &Netns) -> Output {
    require("ntpdig");
    let mut c = ns.command("ntpdig");
    c.args(["-t", "2", "127.0.0.1"]);
    without_sys_time(c).output().unwrap()
}

/// ntpdig's result line ends `127.0.0.1 sN no-leap`: the stratum field; an unsynchronised
/// server (stratum 16) ntpdig refuses, reported here as "unsynchronised".
pub fn stratum(ns: &Netns) -> String {
    let out = ntpdig(ns);
    let t =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    if t.contains("Response dropped: stratum too high") {
        return "unsynchronised".to_owned();
    }
    let line = t
        .lines()
        .find(|l| l.contains("127.0.0.1 s"))
        .unwrap_or_else(|| panic!("ntpdig: no result: {t}"));
    let fields: Vec<&str> = line.split_whitespace().collect();
    fields[fields.len() - 2].to_owned()
}

/// The rawstats records in `path` (none when it does not exist).
pub fn raw_records(path: &std::path::Path) -> Vec<ntpkit_stats::RawStats> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| ntpkit_stats::RawStats::parse(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

/// There is at least one server reply (mode 4) among `records`, and each has its four
/// timestamps in causal order on the one kernel clock the namespaces share: our T1 (the true
/// one, not the packet's randomised origin) before the server's T2 and T3, and those before
/// our T4 (within 1 ms of slack for the stamps' sources).
pub fn assert_replies_in_order(records: &[&ntpkit_stats::RawStats]) {
    let replies: Vec<_> = records
        .iter()
        .filter(|r| r.header.as_ref().is_some_and(|h| h.mode == 4))
        .collect();
    assert!(!replies.is_empty(), "no reply in rawstats: {records:?}");
    for r in replies {
        let steps = [
            (r.receive - r.originate).to_seconds_f64(),
            (r.transmit - r.receive).to_seconds_f64(),
            (r.destination_time - r.transmit).to_seconds_f64(),
        ];
        assert!(
            steps.iter().all(|d| (-1e-3..1.0).contains(d)),
            "{steps:?}: {r:?}"
        );
    }
}

// What the flood tests (SECURITY-LESSONS rule 13 at the daemon) share.

/// Gives `host` 40 more addresses on its LAN, 10.88.S.100 to 10.88.S.139, and returns them:
/// forty sources from one namespace.
pub fn forty_sources(lan: &Lan, host: &ntpkit_testkit::LanHost) -> Vec<String> {
    let sources: Vec<String> = (100..140)
        .map(|n| format!("10.88.{}.{n}", lan.subnet))
        .collect();
    for a in &sources {
        let cidr = format!("{a}/24");
        ntpkit_testkit::ip(&["-n", host.ns.name(), "addr", "add", &cidr, "dev", "eth0"]);
    }
    sources
}

/// Open file descriptors of `d` (`ip netns exec` execs ntpkitd in place: the child is the
/// daemon).
pub fn open_fds(d: &Daemon) -> usize {
    std::fs::read_dir(format!("/proc/{}/fd", d.child.id()))
        .unwrap()
        .count()
}

/// Python defining `ntp_now()` (the 8-byte NTP timestamp of now) and `signed(hdr, k)` (the
/// header followed by key id `k` and MD5(`flood-key-K` || header), ntpd's MD5 MAC), for
/// flood scripts run with `run_python`.
pub const PY_SIGNING: &str = "import socket,struct,time,hashlib\n\
def ntp_now():\n\
\x20   now=time.time()+2208988800\n\
\x20   return struct.pack('>II',int(now),int((now%1)*2**32))\n\
def signed(hdr,k):\n\
\x20   return hdr+struct.pack('>I',k)+hashlib.md5(('flood-key-%d'%k).encode()+hdr).digest()\n";

/// The keys `PY_SIGNING` signs with: ids 1 to `n`, MD5 `flood-key-ID`.
pub fn flood_keys(n: u32) -> String {
    (1..=n)
        .map(|k| format!("{k} MD5 flood-key-{k}\n"))
        .collect()
}

/// Starts python3 in `ns` on `PY_SIGNING` then `script`; [`python_done`] waits for it.
pub fn spawn_python(ns: &Netns, script: &str) -> std::process::Child {
    require("python3");
    ns.command("python3")
        .args(["-c", &format!("{PY_SIGNING}{script}")])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for a [`spawn_python`] script; fails the test if it failed.
pub fn python_done(child: std::process::Child) {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
