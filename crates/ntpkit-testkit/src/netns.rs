//! Network namespaces: a private loopback (and whatever veth links a test adds) where peers
//! that insist on port 123 (NTPsec's ntpd, ntpdig, ntpq) can run side by side.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A network namespace with its loopback up, deleted on drop (root, as CI runs the tests).
#[derive(Debug)]
pub struct Netns(String);

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Netns {
    /// Creates `ntpkit-TAG-PID-N` and brings its loopback up.
    pub fn new(tag: &str) -> Self {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        Self::named(&format!("ntpkit-{tag}-{}-{n}", std::process::id()))
    }

    /// Creates namespace `name` (which must be unique) and brings its loopback up.
    pub fn named(name: &str) -> Self {
        require("ip");
        run_ok(Command::new("ip").args(["netns", "add", name]));
        let ns = Self(name.to_owned());
        run_ok(Command::new("ip").args(["-n", name, "link", "set", "lo", "up"]));
        ns
    }

    /// The namespace's name (for `ip -n NAME ...`).
    pub fn name(&self) -> &str {
        &self.0
    }

    /// `program` run inside the namespace (add its arguments to the result).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.0]).arg(program);
        c
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // The processes in it are the test's own, killed by their own drops.
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

/// Fails the test with a hint when `program` is not installed.
pub fn require(program: &str) {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{program} is not installed: run `bash .ci/install-peers`"
    );
}

/// Runs `c` and fails the test, with its stderr, if it does not succeed.
pub fn run_ok(c: &mut Command) -> std::process::Output {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{c:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
