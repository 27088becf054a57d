//! Test harness shared by the integration tests: ntpkit-testkit's chronyd on loopback with
//! the keys the tests use, killed on drop. Readiness is an answer to a hand-made mode 3
//! request (not our client), never a fixed sleep.
// Each test crate uses a different part of this module.
#![allow(dead_code)]

use std::path::PathBuf;

use ntpkit_testkit::LocalChronyd;

/// MD5 key 1 and AES128CMAC key 2 in chrony's keyfile syntax.
pub(crate) const CHRONY_KEYS: &str = "1 MD5 HEX:0102030405060708090A0B0C0D0E0F10\n\
                           2 AES128 HEX:000102030405060708090A0B0C0D0E0F\n";

/// chronyd 4.3 as a `local stratum 1` server holding [`CHRONY_KEYS`].
pub(crate) struct Chronyd {
    chronyd: LocalChronyd,
    /// Its working directory (config, keys), removed on drop.
    pub(crate) dir: PathBuf,
    /// The loopback UDP port it serves on.
    pub(crate) port: u16,
}

impl Chronyd {
    /// chronyd on a free loopback port, without CAP_SYS_TIME and with `-x`, once it answers.
    pub(crate) fn start() -> Self {
        let chronyd = LocalChronyd::start(
            "client",
            &[("chrony.keys", CHRONY_KEYS)],
            "keyfile {dir}/chrony.keys",
        );
        let mut request = [0u8; 48];
        request[0] = 0x23;
        request[40..48].copy_from_slice(&0x1234_5678_9abc_def0u64.to_be_bytes());
        let reply = chronyd.exchange(&request);
        assert!(reply.len() >= 48 && reply[1] == 1, "chronyd: {reply:?}");
        let dir = chronyd.dir().path().to_path_buf();
        let port = chronyd.port();
        Self { chronyd, dir, port }
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
