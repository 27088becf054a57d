//! A multicast LAN of network namespaces for the tests: one namespace holding a bridge
//! (multicast snooping off, so every group datagram floods), and one namespace per host,
//! joined to the bridge by a veth pair whose host end is `eth0` with an address in
//! 10.77.N.0/24 (and fd77:N::/64) and routes for 224.0.0.0/4 and ff05::/16 (PEERS.md's
//! multicast recipe). Everything is
//! deleted on drop; processes started here are killed on drop.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

static NEXT: AtomicU32 = AtomicU32::new(0);

fn run_ok(c: &mut Command) -> Output {
    let out = c
        .output()
        .expect("`ip` (iproute2) is needed for the multicast tests");
    assert!(
        out.status.success(),
        "{c:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub(crate) fn ip(args: &[&str]) {
    run_ok(Command::new("ip").args(args));
}

/// The LAN: its bridge namespace and the host namespaces added so far.
pub(crate) struct Lan {
    tag: String,
    subnet: u32,
    bridge: String,
    hosts: Vec<String>,
}

impl Lan {
    pub(crate) fn new() -> Self {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tag = format!("mc{}x{n}", std::process::id() % 100_000);
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
            subnet: 10 + (std::process::id() % 40) * 5 + n,
            bridge,
            hosts: Vec::new(),
        }
    }

    /// Adds a host; returns its namespace name and IPv4 address (10.77.S.`last`); it also
    /// has fd77:S::`last` and a route for the site-local IPv6 groups (ff05::/16).
    pub(crate) fn host(&mut self, last: u8) -> (String, String) {
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
        let addr = format!("10.77.{}.{last}", self.subnet);
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
        let v6 = format!("fd77:{}::{last}/64", self.subnet);
        ip(&["-n", &ns, "-6", "addr", "add", &v6, "dev", "eth0", "nodad"]);
        ip(&["-n", &ns, "-6", "route", "add", "ff05::/16", "dev", "eth0"]);
        (ns, addr)
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        for ns in self.hosts.iter().chain([&self.bridge]) {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// A running `ntpkit-manycast`, killed on drop, its output lines collected.
pub(crate) struct Running {
    child: Child,
    lines: Receiver<String>,
    pub(crate) seen: Vec<String>,
}

impl Running {
    /// Starts the binary with `args` inside namespace `ns`.
    pub(crate) fn start(ns: &str, args: &[&str]) -> Self {
        let mut child = Command::new("ip")
            .args(["netns", "exec", ns, env!("CARGO_BIN_EXE_ntpkit-manycast")])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = channel();
        for pipe in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits up to `limit` for a line containing `text`; all lines read are kept in `seen`.
    pub(crate) fn wait_for(&mut self, text: &str, limit: Duration) -> bool {
        let end = Instant::now() + limit;
        if self.seen.iter().any(|l| l.contains(text)) {
            return true;
        }
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let hit = line.contains(text);
                    self.seen.push(line);
                    if hit {
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
        false
    }

    /// Waits for the process to exit (up to `limit`) and returns its exit code and every
    /// line it printed.
    pub(crate) fn finish(mut self, limit: Duration) -> (Option<i32>, Vec<String>) {
        let end = Instant::now() + limit;
        let code = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status.code();
            }
            if Instant::now() > end {
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        // Collect what is left (the readers end when the pipes close).
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(300)) {
            self.seen.push(line);
        }
        (code, std::mem::take(&mut self.seen))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
