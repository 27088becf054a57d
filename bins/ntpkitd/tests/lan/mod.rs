//! A LAN of network namespaces for the broadcast and manycast tests: one namespace holding a
//! bridge (multicast snooping off, so every group datagram floods), and one per host, joined
//! to the bridge by a veth pair whose host end is `eth0` with an address in 10.88.S.0/24
//! and fd88:S::/64, routes for 224.0.0.0/4 and ff05::/16 (PEERS.md's multicast recipe) and
//! its loopback up (the same shape as ntpkit-manycast's test LAN; everything is deleted on
//! drop); and the log and ntpdig helpers those tests share.

#![allow(dead_code, unreachable_pub)]

use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::common::{Daemon, Netns, require, run_ok, wait_log, without_sys_time};

static NEXT: AtomicU32 = AtomicU32::new(0);

fn ip(args: &[&str]) {
    run_ok(Command::new("ip").args(args));
}

/// The LAN: its bridge namespace and the hosts added so far.
pub struct Lan {
    tag: String,
    /// The third octet of the LAN's 10.88.S.0/24.
    pub subnet: u32,
    bridge: String,
    hosts: Vec<String>,
}

/// One host on the LAN.
pub struct Host {
    pub ns: Netns,
    /// Its IPv4 address.
    pub addr: String,
    /// Its IPv6 address.
    pub addr6: String,
}

impl Lan {
    pub fn new() -> Self {
        crate::common::require("ip");
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tag = format!("bc{}x{n}", std::process::id() % 100_000);
        let bridge = format!("{tag}br");
        ip(&["netns", "add", &bridge]);
        ip(&[
            "-n",
            &bridge,
            "link",
            "add",
            "br0",
            "type",
            "bridge",
            "mcast_snooping",
            "0",
        ]);
        ip(&["-n", &bridge, "link", "set", "br0", "up"]);
        Self {
            tag,
            subnet: (std::process::id() % 50) * 5 + n,
            bridge,
            hosts: Vec::new(),
        }
    }

    /// The LAN's IPv4 broadcast address.
    pub fn broadcast_address(&self) -> String {
        format!("10.88.{}.255", self.subnet)
    }

    /// Adds host 10.88.S.`last`.
    pub fn host(&mut self, last: u8) -> Host {
        let ns = format!("{}h{last}", self.tag);
        let outer = format!("{}p{last}", self.tag);
        ip(&["netns", "add", &ns]);
        self.hosts.push(ns.clone());
        ip(&["-n", &ns, "link", "set", "lo", "up"]);
        ip(&[
            "-n",
            &ns,
            "link",
            "add",
            "eth0",
            "type",
            "veth",
            "peer",
            "name",
            &outer,
            "netns",
            &self.bridge,
        ]);
        ip(&[
            "-n",
            &self.bridge,
            "link",
            "set",
            &outer,
            "master",
            "br0",
            "up",
        ]);
        let addr = format!("10.88.{}.{last}", self.subnet);
        ip(&[
            "-n",
            &ns,
            "addr",
            "add",
            &format!("{addr}/24"),
            "dev",
            "eth0",
        ]);
        ip(&["-n", &ns, "link", "set", "eth0", "up"]);
        ip(&["-n", &ns, "route", "add", "224.0.0.0/4", "dev", "eth0"]);
        let addr6 = format!("fd88:{}::{last}", self.subnet);
        ip(&[
            "-n",
            &ns,
            "-6",
            "addr",
            "add",
            &format!("{addr6}/64"),
            "dev",
            "eth0",
            "nodad",
        ]);
        ip(&["-n", &ns, "-6", "route", "add", "ff05::/16", "dev", "eth0"]);
        Host {
            ns: Netns(ns),
            addr,
            addr6,
        }
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        // The hosts' namespaces go with their Netns; the bridge last.
        let _ = Command::new("ip")
            .args(["netns", "del", &self.bridge])
            .status();
    }
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
