//! A chain of network namespaces joined by veth links, each node after the client a kernel
//! multicast router (`mroute.py`: static (client, group) routes through linux/mroute.h) that
//! forwards a group datagram downstream only while its TTL allows, so node k is k hops from
//! the client at node 0. Removed on drop; the router processes are killed.

use std::process::{Child, Command, Stdio};

use crate::lan::ip;

/// Nodes after the client.
pub(crate) const HOPS: usize = 6;

/// The chain's namespaces and router processes, removed on drop.
pub(crate) struct Chain {
    pub(crate) names: Vec<String>,
    routers: Vec<Child>,
}

impl Drop for Chain {
    fn drop(&mut self) {
        for r in &mut self.routers {
            let _ = r.kill();
            let _ = r.wait();
        }
        for n in &self.names {
            let _ = Command::new("ip").args(["netns", "del", n]).status();
        }
    }
}

/// Link k joins node k (0: the client) to node k + 1; node k's downstream end is
/// 10.99.k.1 (`dn0`), node k+1's upstream end 10.99.k.2 (`up0`).
pub(crate) fn chain(group: &str) -> Chain {
    let tag = format!("ring{}", std::process::id() % 100_000);
    let names: Vec<String> = (0..=HOPS).map(|k| format!("{tag}n{k}")).collect();
    let mut c = Chain {
        names: names.clone(),
        routers: Vec::new(),
    };
    for n in &names {
        ip(&["netns", "add", n]);
        ip(&["-n", n, "link", "set", "lo", "up"]);
    }
    for k in 0..HOPS {
        let (a, b) = (&names[k], &names[k + 1]);
        ip(&[
            "-n", a, "link", "add", "dn0", "type", "veth", "peer", "name", "up0", "netns", b,
        ]);
        ip(&[
            "-n",
            a,
            "addr",
            "add",
            &format!("10.99.{k}.1/24"),
            "dev",
            "dn0",
        ]);
        ip(&[
            "-n",
            b,
            "addr",
            "add",
            &format!("10.99.{k}.2/24"),
            "dev",
            "up0",
        ]);
        ip(&["-n", a, "link", "set", "dn0", "up"]);
        ip(&["-n", b, "link", "set", "up0", "up"]);
    }
    for (k, n) in names.iter().enumerate() {
        // Unicast: links behind us via upstream, links ahead via downstream.
        for j in 0..HOPS {
            if k >= 1 && j + 1 < k {
                ip(&[
                    "-n",
                    n,
                    "route",
                    "add",
                    &format!("10.99.{j}.0/24"),
                    "via",
                    &format!("10.99.{}.1", k - 1),
                ]);
            }
            if j > k {
                ip(&[
                    "-n",
                    n,
                    "route",
                    "add",
                    &format!("10.99.{j}.0/24"),
                    "via",
                    &format!("10.99.{k}.2"),
                ]);
            }
        }
        let sysctl = |key: &str| {
            let out = Command::new("ip")
                .args(["netns", "exec", n, "sysctl", "-qw", key])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{key}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        sysctl("net.ipv4.ip_forward=1");
        sysctl("net.ipv4.conf.all.rp_filter=0");
        let out_if = if k < HOPS { "dn0" } else { "up0" };
        ip(&["-n", n, "route", "add", "224.0.0.0/4", "dev", out_if]);
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ring/mroute.py");
    for n in &names[1..HOPS] {
        let mut r = Command::new("ip")
            .args([
                "netns",
                "exec",
                n,
                "python3",
                script,
                "up0",
                "dn0",
                "10.99.0.1",
                group,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(r.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        assert_eq!(line.trim(), "routing", "router in {n} did not start");
        c.routers.push(r);
    }
    c
}
