//! A LAN of network namespaces for the broadcast, multicast and manycast tests (PEERS.md's
//! multicast recipe): one namespace holding a bridge with multicast snooping off, so every
//! group datagram floods, and one namespace per host, joined to the bridge by a veth pair
//! whose host end is `eth0`, with 10.NET.S.N/24 and fdNET:S::N/64, routes for 224.0.0.0/4
//! and ff05::/16, and its loopback up. Everything is deleted on drop.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::netns::{Netns, require, run_ok};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// `ip ARGS`, failing the test if it fails.
pub fn ip(args: &[&str]) {
    run_ok(Command::new("ip").args(args));
}

/// The LAN: its bridge namespace; each [`LanHost`] owns its own namespace.
#[derive(Debug)]
pub struct Lan {
    tag: String,
    net: u8,
    /// The third octet of the LAN's 10.NET.S.0/24 (and S of fdNET:S::/64).
    pub subnet: u32,
    bridge: String,
}

/// One host on a [`Lan`].
#[derive(Debug)]
pub struct LanHost {
    /// Its namespace (deleted on drop, with its end of the link).
    pub ns: Netns,
    /// Its IPv4 address, 10.NET.S.N.
    pub addr: String,
    /// Its IPv6 address, fdNET:S::N.
    pub addr6: String,
}

impl Lan {
    /// A new LAN in 10.`net`.S.0/24, S chosen from the process id and a counter (only
    /// for telling LANs apart in logs: each LAN is its own bridge in its own namespace, so
    /// two LANs with the same addresses never meet).
    pub fn new(net: u8) -> Self {
        require("ip");
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tag = format!("n{net}p{}x{n}", std::process::id() % 100_000);
        let bridge = format!("{tag}br");
        ip(&["netns", "add", &bridge]);
        let snooping_off = ["type", "bridge", "mcast_snooping", "0"];
        ip(&[
            &["-n", &bridge, "link", "add", "br0"][..],
            &snooping_off[..],
        ]
        .concat());
        ip(&["-n", &bridge, "link", "set", "br0", "up"]);
        Self {
            tag,
            net,
            subnet: ((std::process::id() % 50) * 5 + n) % 250,
            bridge,
        }
    }

    /// The LAN's IPv4 broadcast address.
    pub fn broadcast_address(&self) -> String {
        format!("10.{}.{}.255", self.net, self.subnet)
    }

    /// Adds host number `last` (10.NET.S.`last`, fdNET:S::`last`).
    pub fn host(&mut self, last: u8) -> LanHost {
        let name = format!("{}h{last}", self.tag);
        let ns = Netns::named(&name);
        let addr = self.link(&name, last, "eth0");
        ip(&["-n", &name, "route", "add", "224.0.0.0/4", "dev", "eth0"]);
        let addr6 = format!("fd{}:{}::{last}", self.net, self.subnet);
        let v6 = format!("{addr6}/64");
        ip(&[
            "-n", &name, "-6", "addr", "add", &v6, "dev", "eth0", "nodad",
        ]);
        ip(&[
            "-n",
            &name,
            "-6",
            "route",
            "add",
            "ff05::/16",
            "dev",
            "eth0",
        ]);
        LanHost { ns, addr, addr6 }
    }

    /// Connects `host`, a host of another LAN, to this one too, by interface `ifname` with
    /// address 10.NET.S.`last` (returned): a multi-homed host. Its multicast route stays
    /// with its first LAN, so only a sender that picks interfaces itself reaches this one.
    pub fn attach(&mut self, host: &LanHost, last: u8, ifname: &str) -> String {
        self.link(host.ns.name(), last, ifname)
    }

    /// A veth from the bridge into namespace `ns` as `ifname`, with 10.NET.S.`last`/24, up.
    fn link(&mut self, ns: &str, last: u8, ifname: &str) -> String {
        let outer = format!("{}p{last}", self.tag);
        let veth = [
            "type",
            "veth",
            "peer",
            "name",
            &outer,
            "netns",
            &self.bridge,
        ];
        ip(&[&["-n", ns, "link", "add", ifname][..], &veth[..]].concat());
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
        let addr = format!("10.{}.{}.{last}", self.net, self.subnet);
        let cidr = format!("{addr}/24");
        ip(&["-n", ns, "addr", "add", &cidr, "dev", ifname]);
        ip(&["-n", ns, "link", "set", ifname, "up"]);
        addr
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        // The hosts' namespaces go with their `Netns`.
        let _ = Command::new("ip")
            .args(["netns", "del", &self.bridge])
            .status();
    }
}
