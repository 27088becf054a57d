//! The manycast tests' multicast LAN (ntpkit-testkit's, in 10.77.S.0/24 and fd77:S::/64),
//! and `ntpkit-manycast` processes started on it. Everything is deleted on drop; processes
//! started here are killed on drop.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use ntpkit_testkit::LanHost;
pub(crate) use ntpkit_testkit::ip;

/// ntpkit-testkit's LAN in 10.77.S.0/24, keeping its hosts' namespaces while it lives.
pub(crate) struct Lan {
    lan: ntpkit_testkit::Lan,
    hosts: Vec<LanHost>,
}

impl Lan {
    pub(crate) fn new() -> Self {
        Self {
            lan: ntpkit_testkit::Lan::new(77),
            hosts: Vec::new(),
        }
    }

    /// Adds a host; returns its namespace name and IPv4 address (10.77.S.`last`); it also
    /// has fd77:S::`last` and a route for the site-local IPv6 groups (ff05::/16).
    pub(crate) fn host(&mut self, last: u8) -> (String, String) {
        let host = self.lan.host(last);
        let named = (host.ns.name().to_owned(), host.addr.clone());
        self.hosts.push(host);
        named
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
