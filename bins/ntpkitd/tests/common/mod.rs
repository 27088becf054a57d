//! Test harness: a real ntpkitd process, temporary directories, network namespaces for the
//! port-123-only NTPsec tools, and the peers' command lines. Every process and namespace is
//! removed on drop. Nothing sleeps: readiness is the daemon's "listening on" log line.

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

pub use ntpkit_testkit::{Netns, TempDir, require, run_ok};

/// `c` (program, arguments, directory) run without CAP_SYS_TIME in any capability set.
pub fn without_sys_time(c: Command) -> Command {
    let mut wrapped = ntpkit_testkit::without_sys_time(c.get_program());
    wrapped.args(c.get_args());
    if let Some(dir) = c.get_current_dir() {
        wrapped.current_dir(dir);
    }
    wrapped
}

/// A running ntpkitd, killed (SIGKILL as a last resort) on drop.
pub struct Daemon {
    pub child: Child,
    pub addrs: Vec<SocketAddr>,
    lines: Receiver<String>,
    pub log: Vec<String>,
}

pub fn ntpkitd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ntpkitd"))
}

impl Daemon {
    /// Starts `ntpkitd -n -c CONFIG ARGS` (optionally inside `netns`) and waits for one
    /// "listening on" line per `--listen` in `args`.
    ///
    /// `--no-clock-adjust` is added unless given: the tests run as root in CI, and a test
    /// daemon with a server to follow must never discipline the real clock.
    pub fn start(config: &Path, args: &[&str], netns: Option<&Netns>) -> Self {
        let mut args = args.to_vec();
        if !args.contains(&"--no-clock-adjust") {
            args.push("--no-clock-adjust");
        }
        let args = &args[..];
        let c = match netns {
            Some(ns) => ns.command(env!("CARGO_BIN_EXE_ntpkitd")),
            None => ntpkitd(),
        };
        Self::start_command(c, config, args)
    }

    /// Starts `COMMAND -n -c CONFIG ARGS`, where `COMMAND` runs ntpkitd (possibly wrapped).
    pub fn start_command(mut c: Command, config: &Path, args: &[&str]) -> Self {
        c.arg("-n").arg("-c").arg(config).args(args);
        c.env("NTPKITD_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let want = args.iter().filter(|a| **a == "--listen").count().max(1);
        let mut d = Self {
            child,
            addrs: Vec::new(),
            lines,
            log: Vec::new(),
        };
        while d.addrs.len() < want {
            let line = d
                .next_line(Duration::from_secs(20))
                .unwrap_or_else(|| panic!("ntpkitd not ready: {:?}", d.log));
            if let Some(addr) = line.split("listening on ").nth(1) {
                d.addrs.push(addr.trim().parse().unwrap());
            }
        }
        d
    }

    /// The next log line, waiting at most `timeout` for it.
    pub fn next_line(&mut self, timeout: Duration) -> Option<String> {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => {
                self.log.push(line.clone());
                Some(line)
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Waits (up to 20 s) for a log line containing `needle`.
    pub fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.next_line(left) {
                Some(line) if line.contains(needle) => return line,
                Some(_) => {}
                None => break,
            }
        }
        panic!("no log line with {needle:?}: {:?}", self.log)
    }

    pub fn signal(&self, signal: &str) {
        run_ok(Command::new("kill").args([&format!("-{signal}"), &self.child.id().to_string()]));
    }

    /// SIGTERM, then the exit status (waiting at most 20 s).
    pub fn stop(mut self) -> std::process::ExitStatus {
        self.signal("TERM");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Drain the rest of the log for the caller's assertions.
                while self.next_line(Duration::from_millis(0)).is_some() {}
                return status;
            }
            assert!(Instant::now() < deadline, "ntpkitd did not stop on SIGTERM");
            // Waiting on a process exit has no readiness line; poll the status.
            let _ = self.next_line(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A minimal NTP client request (version 4, mode 3) with transmit timestamp `t1`.
pub fn client_request(t1: u64) -> [u8; 48] {
    let mut b = [0u8; 48];
    b[0] = 0x23;
    b[40..48].copy_from_slice(&t1.to_be_bytes());
    b
}

/// The local reference config used by most tests.
pub fn local_reference_conf(stratum: u8, extra: &str) -> String {
    format!("server 127.127.1.0\nfudge 127.127.1.0 stratum {stratum}\n{extra}\n")
}

pub fn ntpq_path() -> String {
    let bin = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/peers/ntpsec/usr/bin/ntpq"
    );
    assert!(
        std::path::Path::new(bin).exists(),
        "NTPsec's ntpq is not unpacked: run `bash .ci/install-peers`"
    );
    bin.to_string()
}

/// ntpq under the interpreter its `#!` line names (python3-ntp lives in its path).
pub fn ntpq(ns: &Netns, commands: &[&str]) -> String {
    let mut c = ns.command("/usr/bin/python3");
    // -n: numeric addresses (no reverse lookup of 127.0.0.1 to "localhost").
    c.arg(ntpq_path()).arg("-n");
    for cmd in commands {
        c.args(["-c", cmd]);
    }
    c.arg("127.0.0.1");
    let out = c.output().unwrap();
    let t =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ntpq {commands:?} failed: {t}");
    t
}

/// A peer daemon in a namespace, killed on drop.
pub struct Peer(pub Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// chronyd as a stratum 1 local reference on 127.0.0.1:`port` inside `ns`.
pub fn chronyd_server(ns: &Netns, dir: &TempDir, port: u16) -> Peer {
    chronyd_server_with(ns, dir, port, "")
}

/// As [`chronyd_server`], with `extra` configuration lines.
pub fn chronyd_server_with(ns: &Netns, dir: &TempDir, port: u16, extra: &str) -> Peer {
    require("chronyd");
    let conf = dir.write(
        "chrony.conf",
        &format!(
            "local stratum 1\nallow 127.0.0.1\nport {port}\nbindaddress 127.0.0.1\ncmdport 0\n\
             pidfile {d}/chronyd.pid\ndriftfile {d}/chrony.drift\n{extra}\n",
            d = dir.path().display()
        ),
    );
    let mut c = ns.command("setpriv");
    c.args(["--bounding-set=-sys_time", "--inh-caps=-sys_time", "--"])
        .args(["chronyd", "-x", "-d", "-f"])
        .arg(conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Peer(c.spawn().unwrap())
}

/// Waits (up to `secs`) for a log line containing `needle`; `None` if none came.
pub fn wait_log(daemon: &mut Daemon, needle: &str, secs: u64) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match daemon.next_line(left) {
            Some(line) if line.contains(needle) => return Some(line),
            Some(_) => {}
            None => return None,
        }
    }
    None
}
