//! chronyd as an independent peer: a local stratum-1 server on a free loopback port.

use std::ffi::OsStr;
use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::TempDir;

/// Wraps `program args` so that it runs without `CAP_SYS_TIME` in any capability set: a
/// peer under test can never set this machine's clock, even as root in CI.
pub fn without_sys_time(program: impl AsRef<OsStr>) -> Command {
    let mut c = Command::new("setpriv");
    c.args(["--bounding-set=-sys_time", "--inh-caps=-sys_time", "--"])
        .arg(program);
    c
}

/// A peer process, killed and reaped on drop (also when the test panics).
#[derive(Debug)]
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A UDP port on 127.0.0.1 that was free a moment ago. Prefer binding port 0 yourself when
/// the socket is yours; this is for ports a peer's configuration must name.
pub fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// chronyd serving its own clock at stratum 1 on 127.0.0.1, with `-x` (never adjusts the
/// clock) and without `CAP_SYS_TIME`; it logs its measurements in its directory. Killed and
/// its directory removed on drop.
#[derive(Debug)]
pub struct LocalChronyd {
    child: Child,
    dir: TempDir,
    port: u16,
}

impl LocalChronyd {
    /// Starts chronyd after writing `files` (name, contents) into its directory. `extra` is
    /// appended to its configuration, with `{dir}` replaced by the directory (for
    /// `keyfile {dir}/keys`).
    pub fn start(tag: &str, files: &[(&str, &str)], extra: &str) -> Self {
        let dir = TempDir::new(tag);
        for (name, text) in files {
            dir.write(name, text);
        }
        let port = free_udp_port();
        let d = dir.path().display().to_string();
        let conf = format!(
            "local stratum 1\nallow 127.0.0.1\nport {port}\nbindaddress 127.0.0.1\ncmdport 0\n\
             pidfile {d}/chronyd.pid\nlogdir {d}\nlog measurements\n{}\n",
            extra.replace("{dir}", &d)
        );
        let conf = dir.write("chrony.conf", &conf);
        let child = without_sys_time("chronyd")
            // -u root: the directory is ours; chronyd would otherwise drop to _chrony.
            .args(["-x", "-d", "-u", "root", "-f"])
            .arg(conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start chronyd ({e}); run `bash .ci/install-peers`"));
        Self { child, dir, port }
    }

    /// The UDP port it serves on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its directory (configuration, files, logs).
    pub fn dir(&self) -> &TempDir {
        &self.dir
    }

    /// Its `measurements.log` so far (a description of the directory if there is none).
    pub fn measurements(&self) -> String {
        self.dir.read("measurements.log")
    }

    /// Sends `request` to it and returns the reply, retrying while chronyd starts up
    /// (readiness is an answer, not a sleep); panics after about 10 s.
    pub fn exchange(&self, request: &[u8]) -> Vec<u8> {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(250)))
            .unwrap();
        let mut buf = [0u8; 1024];
        for _ in 0..40 {
            socket.send_to(request, ("127.0.0.1", self.port)).unwrap();
            if let Ok((n, _)) = socket.recv_from(&mut buf) {
                return buf[..n].to_vec();
            }
        }
        panic!("chronyd on port {} did not answer within 10 s", self.port);
    }
}

impl Drop for LocalChronyd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
