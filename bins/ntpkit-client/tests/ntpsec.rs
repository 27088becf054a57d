//! ntpkit-client against NTPsec's ntpd (an independent implementation). ntpd serves only on
//! port 123, so each test gets its own network namespace; ntpd runs without CAP_SYS_TIME,
//! as an orphan-mode stratum 1 server, and is killed on drop. Readiness is polled with
//! queries (ntpd answers INIT until it has chosen its orphan source).

use std::process::Output;
use std::time::{Duration, Instant};

use ntpkit_testkit::{KillOnDrop, Netns, TempDir, start_ntpsec};

/// Field order is drop order: ntpd dies before its namespace and directory go.
struct Ntpd {
    _ntpd: KillOnDrop,
    ns: Netns,
    dir: TempDir,
}

impl Ntpd {
    fn start(extra: &str) -> Self {
        let dir = TempDir::new("client-ntpsec");
        let ns = Netns::new("client-ntpsec");
        let ntpd = start_ntpsec(&ns, dir.path(), extra);
        Self {
            _ntpd: ntpd,
            ns,
            dir,
        }
    }

    fn client(&self, args: &[&str]) -> Output {
        self.ns
            .command(env!("CARGO_BIN_EXE_ntpkit-client"))
            .args(args)
            .output()
            .unwrap()
    }

    /// Queries until ntpd serves synchronised time (or a RATE kiss, which it sends only
    /// once it serves) and returns that first outcome.
    fn wait_ready(&self) -> Output {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            // Two requests 0.25 s apart pace the polling: ntpd takes longer to pick its
            // orphan source when flooded with back-to-back queries.
            let out = self.client(&[
                "-t",
                "0.5",
                "-c",
                "2",
                "--spacing",
                "0.25",
                "--json",
                "127.0.0.1",
            ]);
            if out.status.success() || String::from_utf8_lossy(&out.stderr).contains("RATE") {
                return out;
            }
        }
        panic!(
            "ntpd never served time; its log:\n{}",
            self.dir.read("ntpd.log")
        );
    }
}

#[test]
fn ntpsec_orphan_server_reports_stratum_1_and_a_small_offset() {
    let ntpd = Ntpd::start("");
    let first = ntpd.wait_ready();
    assert!(first.status.success());
    let v: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(v["stratum"], 1);
    assert_eq!(v["leap"], "none");
    let offset = v["offset"].as_f64().unwrap();
    assert!(offset.abs() < 0.005, "offset {offset}");
}

#[test]
fn ntpsec_rate_limit_kiss_is_reported() {
    // ntpd exempts its own interface addresses from `restrict default`: name 127.0.0.1.
    let ntpd = Ntpd::start(
        "restrict default kod limited\nrestrict 127.0.0.1 kod limited\ndiscard minimum 1 average 3",
    );
    ntpd.wait_ready();
    // Bursts well inside ntpd's one-second minimum spacing. ntpd's limiter needs some history
    // for an address before it kisses, so allow a few bursts; each must either succeed or
    // end in the RATE report.
    for _ in 0..10 {
        let out = ntpd.client(&["-t", "1", "-c", "6", "--spacing", "0.05", "127.0.0.1"]);
        let err = String::from_utf8_lossy(&out.stderr);
        if out.status.code() == Some(5) {
            assert!(err.contains("Kiss-o'-Death: RATE"), "{err}");
            return;
        }
        assert!(out.status.success(), "{err}");
    }
    panic!("ntpd never sent RATE to 60 requests 50 ms apart");
}

/// ntpd key file (`keyid type key`): MD5 and SHA1 as ASCII, AES128CMAC as 32 hex digits.
const NTP_KEYS: &str =
    "1 MD5 ntpkit-md5-key\n2 SHA1 ntpkit-sha1-key\n3 AES128CMAC 000102030405060708090a0b0c0d0e0f\n";

#[test]
fn ntpsec_accepts_and_signs_md5_sha1_and_aes128cmac() {
    let keys_dir =
        std::env::temp_dir().join(format!("ntpkit-client-ntpsec-keys-{}", std::process::id()));
    std::fs::create_dir_all(&keys_dir).unwrap();
    let keys = keys_dir.join("ntp.keys");
    std::fs::write(&keys, NTP_KEYS).unwrap();
    let ntpd = Ntpd::start(&format!("keys {}\ntrustedkey 1 2 3", keys.display()));
    ntpd.wait_ready();
    for id in ["1", "2", "3"] {
        let out = ntpd.client(&[
            "-t",
            "1",
            "--json",
            "-k",
            keys.to_str().unwrap(),
            "-a",
            id,
            "127.0.0.1",
        ]);
        assert!(
            out.status.success(),
            "key {id}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["authenticated_key"].to_string(), id);
        assert_eq!(v["stratum"], 1);
    }
    // The wrong secret: NTPsec 1.2.2 stays silent (no crypto-NAK), so it is a timeout whose
    // message names the key.
    let wrong = keys_dir.join("wrong.keys");
    std::fs::write(&wrong, "1 MD5 not-the-md5-key\n").unwrap();
    let out = ntpd.client(&[
        "-t",
        "0.5",
        "-k",
        wrong.to_str().unwrap(),
        "-a",
        "1",
        "127.0.0.1",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("check that key 1"), "{err}");
    let _ = std::fs::remove_dir_all(&keys_dir);
}
