//! Test harness shared by the integration tests: chronyd on loopback, killed on drop.
//! Readiness is polled (a raw mode 3 request until chronyd answers), never a fixed sleep.
// Each test crate uses a different part of this module.
#![allow(dead_code)]

use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// MD5 key 1 and AES128CMAC key 2 in chrony's keyfile syntax.
pub(crate) const CHRONY_KEYS: &str = "1 MD5 HEX:0102030405060708090A0B0C0D0E0F10\n\
                           2 AES128 HEX:000102030405060708090A0B0C0D0E0F\n";

pub(crate) struct Chronyd {
    child: Child,
    /// Its working directory (config, keys), removed on drop.
    pub(crate) dir: PathBuf,
    /// The loopback UDP port it serves on.
    pub(crate) port: u16,
}

/// Fails the test, with the way to fix it, when `program` is not installed.
pub(crate) fn require(program: &str) {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .unwrap();
    assert!(
        found.status.success(),
        "{program} is not installed: run `bash .ci/install-peers`"
    );
}

/// A loopback UDP port nobody is bound to right now.
pub(crate) fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Chronyd {
    /// chronyd 4.3 as a `local stratum 1` server on a free loopback port, without
    /// CAP_SYS_TIME and with `-x`, once it answers.
    pub(crate) fn start() -> Self {
        require("chronyd");
        require("setpriv");
        let dir = std::env::temp_dir().join(format!(
            "ntpkit-client-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        // chronyd drops root to its own user: it must be able to read and write here.
        Command::new("chmod").arg("777").arg(&dir).status().unwrap();
        let port = free_udp_port();
        let keys = dir.join("chrony.keys");
        std::fs::write(&keys, CHRONY_KEYS).unwrap();
        Command::new("chmod")
            .arg("644")
            .arg(&keys)
            .status()
            .unwrap();
        let conf = dir.join("chrony.conf");
        std::fs::write(
            &conf,
            format!(
                "local stratum 1\nallow 127.0.0.1\nport {port}\nbindaddress 127.0.0.1\ncmdport 0\n\
                 pidfile {d}/chronyd.pid\ndriftfile {d}/drift\nkeyfile {k}\n",
                d = dir.display(),
                k = keys.display()
            ),
        )
        .unwrap();
        let child = Command::new("setpriv")
            .args(["--bounding-set=-sys_time", "--inh-caps=-sys_time", "--"])
            .args(["chronyd", "-x", "-d", "-f"])
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let c = Self { child, dir, port };
        c.wait_ready();
        c
    }

    /// Polls with a hand-made mode 3 request (not our client) until chronyd answers.
    fn wait_ready(&self) {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let mut request = [0u8; 48];
        request[0] = 0x23;
        request[40..48].copy_from_slice(&0x1234_5678_9abc_def0u64.to_be_bytes());
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut buf = [0u8; 128];
        while Instant::now() < deadline {
            let _ = s.send_to(&request, ("127.0.0.1", self.port));
            if let Ok((n, _)) = s.recv_from(&mut buf)
                && n >= 48
                && buf[1] == 1
            {
                return;
            }
        }
        panic!("chronyd did not answer on port {} within 20 s", self.port);
    }

    /// chrony.keys holding [`CHRONY_KEYS`].
    pub(crate) fn keyfile(&self) -> PathBuf {
        self.dir.join("chrony.keys")
    }

    /// `127.0.0.1:PORT`.
    pub(crate) fn server(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Chronyd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
