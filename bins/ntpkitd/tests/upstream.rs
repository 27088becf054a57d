//! ntpkitd as a client and secondary server, against independent implementations: a chain
//! chronyd (stratum 1) -> ntpkitd -> ntpdig/chronyd that must report stratum 2 and our
//! system peer's address as reference id; NTPsec's ntpd as an authenticated upstream (MD5
//! and AES-CMAC), refused with a wrong key; a RATE kiss making ntpkitd back off.
//! Everything runs in a network namespace of its own (ntpdig and NTPsec use port 123), with
//! CAP_SYS_TIME dropped from every peer, and ntpkitd with --no-clock-adjust.

mod common;

use std::path::PathBuf;

use common::{
    Daemon, Netns, TempDir, chronyd_server, chronyd_server_with, ntpq, require, wait_log,
    without_sys_time,
};
use ntpkit_testkit::start_ntpsec;

/// `chronyd -Q` in `ns` against 127.0.0.1:`port`: the measurements.log line of its sample
/// (columns: date time address leap stratum ... reference id ...).
fn chrony_measurement(ns: &Netns, dir: &TempDir, port: u16) -> Vec<String> {
    let mut c = ns.command("setpriv");
    c.args(["--bounding-set=-sys_time", "--inh-caps=-sys_time", "--"])
        .args(["chronyd", "-Q", "-f", "/dev/null"])
        .arg(format!("server 127.0.0.1 port {port} iburst maxsamples 1"))
        .arg("cmdport 0")
        .arg(format!("pidfile {}/q.pid", dir.path().display()))
        .arg(format!("logdir {}", dir.path().display()))
        .arg("log measurements");
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "chronyd -Q failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = std::fs::read_to_string(dir.path().join("measurements.log")).unwrap();
    let line = log.lines().last().unwrap().to_owned();
    line.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn chain_chronyd_to_ntpkitd_to_ntpdig_and_chronyd_reports_stratum_2_and_our_peer() {
    require("ntpdig");
    let dir = TempDir::new("ntpkitd");
    let ns = Netns::new("ntpkitd");
    let _chronyd = chronyd_server(&ns, &dir, 11123);
    let conf = dir.write(
        "ntp.conf",
        "server 127.0.0.1 port 11123 iburst minpoll 3 maxpoll 4\n",
    );
    let mut daemon = Daemon::start(
        &conf,
        &["--listen", "127.0.0.1:123", "--no-clock-adjust"],
        Some(&ns),
    );
    let line = wait_log(&mut daemon, "synchronised to", 30)
        .unwrap_or_else(|| panic!("ntpkitd never synchronised to chronyd: {:?}", daemon.log));
    assert!(line.contains("stratum 2"), "{line}");

    let mut c = ns.command("ntpdig");
    c.args(["-t", "2", "127.0.0.1"]);
    let out = without_sys_time(c).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "ntpdig: {text}");
    let result = text
        .lines()
        .find(|l| l.contains("127.0.0.1 s"))
        .unwrap_or_else(|| panic!("no ntpdig result: {text}"));
    assert!(result.contains(" s2 "), "ntpdig saw {result}");

    // chrony's measurements log: field 4 is the stratum, and the reference id (our system
    // peer, 127.0.0.1, in hex) is in the line.
    let fields = chrony_measurement(&ns, &dir, 123);
    assert_eq!(fields[4], "2", "{fields:?}");
    assert!(fields.iter().any(|f| f == "7F000001"), "{fields:?}");
}

fn ntpsec_keys(dir: &TempDir) -> PathBuf {
    dir.write(
        "ntp.keys",
        "1 MD5 md5-secret-pass\n3 AES128CMAC 2b7e151628aed2a6abf7158809cf4f3c\n",
    )
}

fn authenticated_upstream(key: u16, our_keys: &str) -> (Daemon, Option<String>) {
    let dir = TempDir::new("ntpkitd");
    let ns = Netns::new("ntpkitd");
    let keys = ntpsec_keys(&dir);
    let _ntpd = start_ntpsec(
        &ns,
        dir.path(),
        &format!("keys {}\ntrustedkey 1 3", keys.display()),
    );
    let ours = dir.write("ours.keys", our_keys);
    let conf = dir.write(
        "ntp.conf",
        &format!(
            "keys {}\ntrustedkey {key}\nserver 127.0.0.1 key {key} iburst minpoll 3 maxpoll 4\n",
            ours.display()
        ),
    );
    let mut daemon = Daemon::start(
        &conf,
        &["--listen", "127.0.0.1:12300", "--no-clock-adjust"],
        Some(&ns),
    );
    let synced = wait_log(&mut daemon, "synchronised to", 30);
    (daemon, synced)
}

#[test]
fn ntpsec_upstream_with_md5_and_aes_cmac_keys_synchronises() {
    for key in [1u16, 3] {
        let (daemon, synced) = authenticated_upstream(
            key,
            "1 MD5 md5-secret-pass\n3 AES128CMAC 2b7e151628aed2a6abf7158809cf4f3c\n",
        );
        let line =
            synced.unwrap_or_else(|| panic!("key {key}: never synchronised: {:?}", daemon.log));
        assert!(line.contains("stratum 2"), "{line}");
    }
}

#[test]
fn ntpsec_upstream_without_a_key_synchronises() {
    let dir = TempDir::new("ntpkitd");
    let ns = Netns::new("ntpkitd");
    let _ntpd = start_ntpsec(&ns, dir.path(), "");
    let conf = dir.write("ntp.conf", "server 127.0.0.1 iburst minpoll 3 maxpoll 4\n");
    let mut daemon = Daemon::start(&conf, &["--listen", "127.0.0.1:12300"], Some(&ns));
    let line = wait_log(&mut daemon, "synchronised to", 30)
        .unwrap_or_else(|| panic!("never synchronised to NTPsec: {:?}", daemon.log));
    assert!(line.contains("stratum 2"), "{line}");
}

/// The same 16 secret bytes in chrony's key file (HEX:) and ours (hex digits).
const SHARED_SECRET_HEX: &str = "8f4a1c2e9b7d3f60a5c4e2d1b0a99887";

#[test]
fn chronyd_upstream_with_an_md5_key_synchronises_and_a_wrong_key_does_not() {
    for (ours, expect_sync) in [
        (SHARED_SECRET_HEX, true),
        ("00112233445566778899aabbccddeeff", false),
    ] {
        let dir = TempDir::new("ntpkitd");
        let ns = Netns::new("ntpkitd");
        let chrony_keys = dir.write("chrony.keys", &format!("1 MD5 HEX:{SHARED_SECRET_HEX}\n"));
        let _chronyd = chronyd_server_with(
            &ns,
            &dir,
            11123,
            &format!("keyfile {}", chrony_keys.display()),
        );
        let keys = dir.write("ntp.keys", &format!("1 MD5 {ours}\n"));
        let conf = dir.write(
            "ntp.conf",
            &format!(
                "keys {}\ntrustedkey 1\nserver 127.0.0.1 port 11123 key 1 iburst minpoll 3 maxpoll 4\n",
                keys.display()
            ),
        );
        let mut daemon = Daemon::start(&conf, &["--listen", "127.0.0.1:12300"], Some(&ns));
        let synced = wait_log(
            &mut daemon,
            "synchronised to",
            if expect_sync { 30 } else { 20 },
        );
        assert_eq!(
            synced.is_some(),
            expect_sync,
            "key {ours}: {:?}",
            daemon.log
        );
    }
}

#[test]
fn ntpsec_upstream_with_a_wrong_key_is_never_used() {
    let (daemon, synced) = authenticated_upstream(1, "1 MD5 not-the-secret\n");
    assert!(
        synced.is_none(),
        "synchronised although every reply fails its MAC: {:?}",
        daemon.log
    );
}

/// NTPsec's limiter (`discard minimum 4 average 5`, `restrict ... kod limited`) answered 2 s
/// and even 0.5 s spacing here without a kiss (it kissed 50 ms spacing, see ntpkit-client's tests), and
/// chrony 4.3 has no `ratelimit kod`: no independent server here sends RATE at the pace a
/// client association polls. So the upstream end is ntpkitd's own rate limiter, whose
/// kisses ntpdig and ntpq accept (tests/ntpdig.rs), and this test proves the wiring.
#[test]
fn a_rate_kiss_raises_our_poll_interval() {
    let dir = TempDir::new("ntpkitd");
    let server_conf = dir.write(
        "server.conf",
        &common::local_reference_conf(
            1,
            "restrict default kod limited\nrestrict 127.0.0.1 kod limited\ndiscard minimum 4 average 5 leak 0",
        ),
    );
    let _server = Daemon::start(&server_conf, &["--listen", "127.0.0.1:12301"], None);
    // iburst sends six requests 2 s apart: closer than `minimum 4` (less ntpd's 1 s grace).
    let conf = dir.write(
        "ntp.conf",
        "server 127.0.0.1 port 12301 iburst minpoll 3 maxpoll 10\n",
    );
    let mut daemon = Daemon::start(
        &conf,
        &["--listen", "127.0.0.1:0", "--no-clock-adjust"],
        None,
    );
    let line = wait_log(&mut daemon, "kiss code RATE", 40)
        .unwrap_or_else(|| panic!("no RATE kiss honoured: {:?}", daemon.log));
    // The poll exponent went above minpoll 3: at least 16 s between requests now.
    let raised: i8 = line
        .split("PollRaised(")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(raised > 3, "{line}");
}

#[test]
fn statistics_files_record_the_peer_the_loop_and_raw_packets() {
    let dir = TempDir::new("ntpkitd");
    let ns = Netns::new("ntpkitd");
    let _chronyd = chronyd_server(&ns, &dir, 11123);
    let stats = dir.path().join("stats");
    std::fs::create_dir_all(&stats).unwrap();
    let conf = dir.write(
        "ntp.conf",
        &format!(
            "server 127.0.0.1 port 11123 iburst minpoll 3 maxpoll 4\n\
             statsdir {}/\nstatistics loopstats peerstats rawstats\n\
             filegen peerstats type none\nfilegen loopstats type none\nfilegen rawstats type none\n",
            stats.display()
        ),
    );
    let mut daemon = Daemon::start(
        &conf,
        &["--listen", "127.0.0.1:12300", "--no-clock-adjust"],
        Some(&ns),
    );
    wait_log(&mut daemon, "synchronised to", 30)
        .unwrap_or_else(|| panic!("never synchronised: {:?}", daemon.log));
    let read = |name: &str| std::fs::read_to_string(stats.join(name)).unwrap_or_default();
    // The iburst exchanges accepted before selection each left a rawstats line.
    let raw = read("rawstats");
    let raw_lines: Vec<ntpkit_stats::RawStats> = raw
        .lines()
        .map(|l| ntpkit_stats::RawStats::parse(l).unwrap())
        .collect();
    assert!(raw_lines.len() >= 4, "{raw}");
    for r in &raw_lines {
        assert_eq!(r.source.to_string(), "127.0.0.1");
        // T1 <= T2 <= T3 <= T4 on one machine's clock over loopback (the recorded T1 is our
        // clock reading, not the randomised wire value).
        assert!(r.originate.to_bits() <= r.receive.to_bits(), "{r}");
        assert!(r.transmit.to_bits() <= r.destination_time.to_bits(), "{r}");
        assert!(r.receive.to_bits() <= r.transmit.to_bits(), "{r}");
        let header = r.header.as_ref().unwrap();
        assert_eq!((header.mode, header.stratum), (4, 1), "{r}");
    }
    let peer = read("peerstats");
    let last = peer
        .lines()
        .last()
        .unwrap_or_else(|| panic!("no peerstats"));
    let p = ntpkit_stats::PeerStats::parse(last).unwrap();
    assert_eq!(p.address.to_string(), "127.0.0.1");
    assert!(p.status.reachable() && p.status.configured(), "{last}");
    // Same clock on both ends: the offset is the loopback noise, far under a millisecond.
    assert!(p.offset.to_f64().abs() < 1e-3, "{last}");
    let loops = read("loopstats");
    let l = ntpkit_stats::LoopStats::parse(
        loops
            .lines()
            .last()
            .unwrap_or_else(|| panic!("no loopstats")),
    )
    .unwrap();
    assert!(l.offset.to_f64().abs() < 1e-3, "{loops}");
}

/// The value of `name=` in ntpq's variable listing (pairs separated by ", " and newlines).
fn field(listing: &str, name: &str) -> Option<String> {
    listing
        .split([',', '\n'])
        .map(str::trim)
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .map(|v| v.trim().to_owned())
}

#[test]
fn ntpq_lists_the_association_and_its_variables() {
    let dir = TempDir::new("ntpkitd");
    let ns = Netns::new("ntpkitd");
    let _chronyd = chronyd_server(&ns, &dir, 11123);
    let conf = dir.write(
        "ntp.conf",
        "server 127.0.0.1 port 11123 iburst minpoll 3 maxpoll 4\n",
    );
    let mut daemon = Daemon::start(
        &conf,
        &["--listen", "127.0.0.1:123", "--no-clock-adjust"],
        Some(&ns),
    );
    wait_log(&mut daemon, "synchronised to", 30)
        .unwrap_or_else(|| panic!("never synchronised: {:?}", daemon.log));
    // `ntpq -p`: one row, the system peer (`*`), chronyd's stratum 1. The view ntpq reads
    // is republished once a second, so ask until it shows (at most ten times).
    let mut peers = String::new();
    let row = (0..10)
        .find_map(|_| {
            peers = ntpq(&ns, &["peers"]);
            peers
                .lines()
                .find(|l| l.starts_with('*'))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("no system peer row: {peers}"));
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cols[0], "*127.0.0.1", "{peers}");
    assert_eq!(cols[2], "1", "stratum column: {peers}");
    assert_eq!(cols[3], "u", "type column (unicast): {peers}");
    let offset_ms: f64 = cols[cols.len() - 2].parse().unwrap();
    assert!(offset_ms.abs() < 1.0, "{peers}");

    // `ntpq -c as`: association 1, configured, reachable, sys.peer.
    let assoc = ntpq(&ns, &["as"]);
    assert!(assoc.contains("sys.peer"), "{assoc}");

    // `rv &1`: the association's variables with ntpd's names.
    let vars = ntpq(&ns, &["rv &1"]);
    assert_eq!(
        field(&vars, "srcadr").as_deref(),
        Some("127.0.0.1"),
        "{vars}"
    );
    assert_eq!(field(&vars, "srcport").as_deref(), Some("11123"), "{vars}");
    assert_eq!(field(&vars, "stratum").as_deref(), Some("1"), "{vars}");
    assert_eq!(field(&vars, "hmode").as_deref(), Some("3"), "{vars}");
    assert_eq!(field(&vars, "pmode").as_deref(), Some("4"), "{vars}");
    let delay: f64 = field(&vars, "delay").unwrap().parse().unwrap();
    assert!(delay > 0.0 && delay < 5.0, "{vars}");

    // `rv`: our system variables follow the system peer.
    let sys = ntpq(&ns, &["rv 0 stratum,refid,peer"]);
    assert_eq!(field(&sys, "stratum").as_deref(), Some("2"), "{sys}");
    assert_eq!(field(&sys, "refid").as_deref(), Some("127.0.0.1"), "{sys}");
    assert_eq!(field(&sys, "peer").as_deref(), Some("1"), "{sys}");
}
