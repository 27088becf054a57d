//! The test network: namespace S (server side) and namespace C (clients) joined by one veth
//! pair, addressed from 10.77.0.0/30 inside the namespaces only. The veth is created from
//! inside S, so the host's own interfaces and routes are never touched. Everything is undone
//! on drop; a guardian shell (immune to Ctrl-C) undoes it too if this process dies first.

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The server side's address on the veth (the relay listens here).
pub(crate) const SERVER_SIDE: &str = "10.77.0.1";
/// The clients' address on the veth.
pub(crate) const CLIENT_SIDE: &str = "10.77.0.2";

/// Two namespaces, a veth between them, and every process started in them.
pub(crate) struct Lab {
    /// The server namespace's name.
    pub(crate) server_ns: String,
    /// The client namespace's name.
    pub(crate) client_ns: String,
    children: Vec<(String, Child)>,
}

fn run(args: &[&str]) -> Result<(), String> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Lab {
    /// Creates the namespaces and the veth (names carry our pid, so runs never collide).
    pub(crate) fn create() -> Result<Self, String> {
        let pid = std::process::id();
        let lab = Self {
            server_ns: format!("ntpkit-netem-s-{pid}"),
            client_ns: format!("ntpkit-netem-c-{pid}"),
            children: Vec::new(),
        };
        lab.spawn_guardian(pid)?;
        let (s, c) = (lab.server_ns.as_str(), lab.client_ns.as_str());
        let (vs, vc) = (format!("nkS{pid}"), format!("nkC{pid}"));
        run(&["ip", "netns", "add", s])?;
        run(&["ip", "netns", "add", c])?;
        run(&[
            "ip", "-n", s, "link", "add", &vs, "type", "veth", "peer", "name", &vc, "netns", c,
        ])?;
        run(&[
            "ip",
            "-n",
            s,
            "addr",
            "add",
            &format!("{SERVER_SIDE}/30"),
            "dev",
            &vs,
        ])?;
        run(&[
            "ip",
            "-n",
            c,
            "addr",
            "add",
            &format!("{CLIENT_SIDE}/30"),
            "dev",
            &vc,
        ])?;
        for (ns, dev) in [(s, vs.as_str()), (c, vc.as_str())] {
            run(&["ip", "-n", ns, "link", "set", "lo", "up"])?;
            run(&["ip", "-n", ns, "link", "set", dev, "up"])?;
        }
        Ok(lab)
    }

    /// A shell that waits for this process to end, however it ends, then kills what is left
    /// in our two namespaces and deletes them; it ignores the signals a Ctrl-C or hang-up
    /// sends the whole process group.
    fn spawn_guardian(&self, pid: u32) -> Result<(), String> {
        let script = r#"trap '' INT TERM HUP
while kill -0 "$0" 2>/dev/null; do sleep 1; done
for ns in "$1" "$2"; do for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p"; done; done
sleep 2
for ns in "$1" "$2"; do for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p"; done
ip netns del "$ns" 2>/dev/null; done"#;
        Command::new("sh")
            .args([
                "-c",
                script,
                &pid.to_string(),
                &self.server_ns,
                &self.client_ns,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(drop)
            .map_err(|e| format!("guardian: {e}"))
    }

    /// Starts `program args` in namespace `ns` without CAP_SYS_TIME, output to `log`.
    pub(crate) fn spawn(
        &mut self,
        name: &str,
        ns: &str,
        program: &Path,
        args: &[String],
        log: &Path,
    ) -> Result<(), String> {
        let out = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new("ip")
            .args(["netns", "exec", ns, "setpriv"])
            .args(["--bounding-set=-sys_time", "--inh-caps=-sys_time", "--"])
            .arg(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("{name}: {e}"))?;
        self.children.push((name.to_owned(), child));
        Ok(())
    }

    /// The name of the first process that has exited, if any.
    pub(crate) fn exited(&mut self) -> Option<String> {
        self.children
            .iter_mut()
            .find_map(|(n, c)| (!matches!(c.try_wait(), Ok(None))).then(|| n.clone()))
    }

    /// Stops every process we started: SIGTERM, then SIGKILL after 3 s.
    pub(crate) fn stop_all(&mut self) {
        for (_, child) in &self.children {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .stderr(Stdio::null())
                .status();
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        for (_, child) in &mut self.children {
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(50));
            }
            if matches!(child.try_wait(), Ok(None)) {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        self.children.clear();
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.stop_all();
        for ns in [&self.server_ns, &self.client_ns] {
            let _ = run(&["ip", "netns", "del", ns]);
        }
    }
}
