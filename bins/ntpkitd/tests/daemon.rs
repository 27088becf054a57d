//! ntpkitd as an operator meets it: --check, reload on SIGHUP, clean stop, pid file,
//! IPv4 and IPv6 listening, privilege drop, refused -q.

mod common;

use std::net::{SocketAddr, UdpSocket};
use std::process::Command;
use std::time::Duration;

use common::{Daemon, TempDir, client_request, local_reference_conf, ntpkitd};

/// One request from a fresh socket; returns the reply bytes.
fn query(addr: SocketAddr) -> Vec<u8> {
    let bind = if addr.is_ipv6() {
        "[::1]:0"
    } else {
        "127.0.0.1:0"
    };
    let s = UdpSocket::bind(bind).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.send_to(&client_request(0xE8A1_0000_0000_0001), addr)
        .unwrap();
    let mut buf = [0u8; 128];
    let (n, _) = s.recv_from(&mut buf).unwrap();
    buf[..n].to_vec()
}

/// `ntpkitd --check -c CONF`: (whether it passed, what it printed on both streams).
fn check(conf: &std::path::Path) -> (bool, String) {
    let out = ntpkitd()
        .arg("--check")
        .arg("-c")
        .arg(conf)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn check_prints_every_error_and_fails_without_touching_anything() {
    let dir = TempDir::new("ntpkitd");
    let conf = dir.write(
        "ntp.conf",
        "server 127.127.1.0\nfudge 127.127.1.0 stratum 99\nbogus-command 1\nrestrict default nosuchflag\n",
    );
    let out = ntpkitd()
        .args(["--check", "-p"])
        .arg(dir.path().join("x.pid"))
        .arg("-c")
        .arg(&conf)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    for line in [":2:", ":3:", ":4:"] {
        assert!(text.contains(line), "an error for line {line}: {text}");
    }
    assert!(
        !dir.path().join("x.pid").exists(),
        "--check creates no file"
    );
}

#[test]
fn check_warns_but_passes_on_names_missing_drift_dir_and_expired_leap_file() {
    let dir = TempDir::new("ntpkitd");
    let leap = dir.write("leap-seconds.list", "#@ 3000000000\n2272060800 10\n"); // expired in 1995
    let conf = dir.write(
        "ntp.conf",
        &local_reference_conf(
            3,
            &format!(
                "restrict host.invalid nomodify\ndriftfile /nonexistent-ntpkit-dir/ntp.drift\nleapfile {}\n",
                leap.display()
            ),
        ),
    );
    let (passed, text) = check(&conf);
    assert!(passed, "{text}");
    assert!(text.contains("host.invalid"), "{text}");
    assert!(text.contains("/nonexistent-ntpkit-dir"), "{text}");
    assert!(text.contains("expired"), "{text}");
    assert!(text.contains("stratum 3"), "{text}");
}

#[test]
fn check_warns_about_a_short_key_and_a_weak_algorithm_without_showing_them() {
    // CVE-2014-9293: the operator hears about a key weaker than 80 bits.
    let dir = TempDir::new("ntpkitd");
    dir.write(
        "ntp.keys",
        "1 MD5 abc\n2 AES128CMAC 000102030405060708090a0b0c0d0e0f\n",
    );
    let conf = dir.write(
        "ntp.conf",
        &local_reference_conf(
            3,
            &format!("keys {}/ntp.keys\ntrustedkey 1 2", dir.path().display()),
        ),
    );
    let (passed, text) = check(&conf);
    assert!(passed, "warnings only: {text}");
    let short: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("less than 80"))
        .collect();
    assert_eq!(short.len(), 1, "{text}");
    assert!(short[0].contains("key 1 "), "{text}");
    assert!(text.contains("key 1 uses MD5, a weak algorithm"), "{text}");
    assert!(!text.contains("key 2"), "the AES key draws nothing: {text}");
    assert!(!text.contains(" abc"), "never a key in the output: {text}");
}

#[test]
fn check_reports_a_broken_key_file() {
    let dir = TempDir::new("ntpkitd");
    dir.write("ntp.keys", "1 MD5 ok-secret-123\n2 NOSUCHALG abc\n");
    let conf = dir.write(
        "ntp.conf",
        &local_reference_conf(
            3,
            &format!("keys {}/ntp.keys\ntrustedkey 1", dir.path().display()),
        ),
    );
    let (passed, text) = check(&conf);
    assert!(!passed, "{text}");
    assert!(text.contains("ntp.keys"), "{text}");
    assert!(
        !text.contains("ok-secret-123"),
        "never a key in the output: {text}"
    );
}

#[test]
fn sighup_reloads_and_a_bad_config_keeps_the_old_one() {
    let dir = TempDir::new("ntpkitd");
    let conf = dir.write("ntp.conf", &local_reference_conf(4, ""));
    let mut daemon = Daemon::start(&conf, &["--listen", "127.0.0.1:0"], None);
    let addr = daemon.addrs[0];
    assert_eq!(query(addr)[1], 4);

    dir.write("ntp.conf", &local_reference_conf(6, ""));
    daemon.signal("HUP");
    daemon.wait_for("configuration reloaded");
    assert_eq!(query(addr)[1], 6, "new stratum served without a restart");

    dir.write(
        "ntp.conf",
        "server 127.127.1.0\nfudge 127.127.1.0 stratum 7\nnot-a-command\n",
    );
    daemon.signal("HUP");
    daemon.wait_for("keeping the previous configuration");
    assert_eq!(query(addr)[1], 6, "old configuration kept");
    assert!(daemon.stop().success());
}

#[test]
fn serves_ipv4_and_ipv6_writes_and_removes_the_pid_file() {
    let dir = TempDir::new("ntpkitd");
    let conf = dir.write("ntp.conf", &local_reference_conf(2, ""));
    let pid = dir.path().join("ntpkitd.pid");
    let daemon = Daemon::start(
        &conf,
        &[
            "--listen",
            "127.0.0.1:0",
            "--listen",
            "[::1]:0",
            "-p",
            pid.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        std::fs::read_to_string(&pid).unwrap().trim(),
        daemon.child.id().to_string()
    );
    for addr in daemon.addrs.clone() {
        let reply = query(addr);
        assert_eq!((reply.len(), reply[0] & 7, reply[1]), (48, 4, 2), "{addr}");
    }
    assert!(daemon.stop().success());
    assert!(!pid.exists(), "pid file removed at a clean stop");
}

#[test]
fn drops_privileges_after_binding() {
    let dir = TempDir::new("ntpkitd");
    let conf = dir.write("ntp.conf", &local_reference_conf(3, ""));
    let daemon = Daemon::start(&conf, &["--listen", "127.0.0.1:0", "-u", "nobody"], None);
    let status = std::fs::read_to_string(format!("/proc/{}/status", daemon.child.id())).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(
        uid_line.split_whitespace().skip(1).all(|u| u == "65534"),
        "{uid_line}"
    );
    assert_eq!(query(daemon.addrs[0])[1], 3, "still serving");
}

#[test]
fn quit_mode_is_refused_clearly() {
    let out = ntpkitd().args(["-q", "-c", "/dev/null"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not set the clock"));
}

/// The README's first command: `ntpkitd -n -c bins/ntpkitd/examples/local-server.conf`
/// serves on 127.0.0.1:12300 and [::1]:12300 as a stratum 3 local reference.
#[test]
fn the_example_config_serves_on_a_local_unprivileged_port() {
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/local-server.conf");
    let check = ntpkitd()
        .arg("--check")
        .arg("-c")
        .arg(&example)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let mut daemon = Daemon::start(&example, &[], None);
    assert_eq!(daemon.addrs[0], "127.0.0.1:12300".parse().unwrap());
    daemon.wait_for("listening on [::1]:12300");
    for addr in ["127.0.0.1:12300", "[::1]:12300"] {
        let reply = query(addr.parse().unwrap());
        assert_eq!(
            (reply[0] >> 6, reply[1], &reply[12..16]),
            (0, 3, b"LOCL".as_slice()),
            "{addr}"
        );
    }
}

/// Without `-n` ntpkitd detaches (the command returns at once, the daemon keeps serving) and
/// with `-l` it logs to a file, readiness line included.
#[test]
fn detaches_and_logs_to_a_file() {
    let dir = TempDir::new("ntpkitd");
    let conf = dir.write("ntp.conf", &local_reference_conf(3, ""));
    let (log, pid) = (
        dir.path().join("ntpkitd.log"),
        dir.path().join("ntpkitd.pid"),
    );
    let status = ntpkitd()
        .args(["--listen", "127.0.0.1:12301", "-c"])
        .arg(&conf)
        .arg("-l")
        .arg(&log)
        .arg("-p")
        .arg(&pid)
        .status()
        .unwrap();
    assert!(status.success(), "the foreground process exits at once");
    // Ready when the socket answers (each attempt waits up to 200 ms for a reply).
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut reply = None;
    for _ in 0..50 {
        s.send_to(&client_request(1), "127.0.0.1:12301").unwrap();
        let mut buf = [0u8; 64];
        if let Ok((n, _)) = s.recv_from(&mut buf) {
            reply = Some(buf[..n].to_vec());
            break;
        }
    }
    let reply = reply.expect("the detached daemon answers");
    assert_eq!(reply[1], 3);
    let pid = std::fs::read_to_string(&pid).unwrap().trim().to_owned();
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("listening on 127.0.0.1:12301"), "{logged}");
    assert!(Command::new("kill").arg(&pid).status().unwrap().success());
    // Gone when a request no longer gets an answer (workers notice a stop within 100 ms).
    let mut answered = true;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        s.send_to(&client_request(2), "127.0.0.1:12301").unwrap();
        let mut buf = [0u8; 64];
        answered = s.recv_from(&mut buf).is_ok();
        if !answered {
            break;
        }
    }
    assert!(!answered, "stopped on SIGTERM");
}

/// With no local reference and no upstream, ntpkitd says it is unsynchronised (leap 3,
/// stratum 16), so that no client sets its clock from it.
#[test]
fn without_a_reference_it_serves_leap_3_stratum_16() {
    let dir = TempDir::new("ntpkitd");
    let conf = dir.write("ntp.conf", "restrict default nomodify noquery\n");
    let daemon = Daemon::start(&conf, &["--listen", "127.0.0.1:0"], None);
    let reply = query(daemon.addrs[0]);
    assert_eq!((reply[0] >> 6, reply[1]), (3, 16));
}

/// Without CAP_SYS_TIME, clock adjustment is off as if --no-clock-adjust was given, and the
/// log says so.
#[test]
fn without_cap_sys_time_the_clock_is_left_alone_and_the_log_says_why() {
    let dir = TempDir::new("ntpkitd");
    let conf = dir.write("ntp.conf", &local_reference_conf(3, ""));
    let wrapped = common::without_sys_time(ntpkitd());
    let daemon = Daemon::start_command(wrapped, &conf, &["--listen", "127.0.0.1:0"]);
    assert!(
        daemon.log.iter().any(|l| l.contains("no CAP_SYS_TIME")),
        "{:?}",
        daemon.log
    );
    let explicit = Daemon::start(
        &conf,
        &["--listen", "127.0.0.1:0", "--no-clock-adjust"],
        None,
    );
    assert!(
        explicit.log.iter().any(|l| l.contains("--no-clock-adjust")),
        "{:?}",
        explicit.log
    );
}

/// sysstats counts what the server saw, split by version, and writes the counters since
/// the last line at a clean stop (besides once an hour).
#[test]
fn sysstats_counts_requests_by_version_and_writes_at_stop() {
    let dir = TempDir::new("ntpkitd");
    let conf = dir.write(
        "ntp.conf",
        &local_reference_conf(
            3,
            &format!(
                "statsdir {}/\nstatistics sysstats\nfilegen sysstats type none\n",
                dir.path().display()
            ),
        ),
    );
    let daemon = Daemon::start(&conf, &["--listen", "127.0.0.1:0"], None);
    let addr = daemon.addrs[0];
    let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    client
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 64];
    for version in [4u8, 4, 4, 3] {
        let mut request = client_request(1);
        request[0] = (version << 3) | 3;
        client.send_to(&request, addr).unwrap();
        client.recv(&mut buf).unwrap();
    }
    // A truncated request: counted, not answered.
    client.send_to(&client_request(2)[..47], addr).unwrap();
    // Its reply would have come before this one's.
    client.send_to(&client_request(3), addr).unwrap();
    client.recv(&mut buf).unwrap();
    assert!(daemon.stop().success());
    let text = std::fs::read_to_string(dir.path().join("sysstats")).unwrap();
    let line = text.lines().last().unwrap();
    let s = ntpkit_stats::SysStats::parse(line).unwrap();
    let c = s.counters;
    assert_eq!((c.received, c.processed), (6, 5), "{line}");
    assert_eq!((c.current_version, c.old_version), (5, 1), "{line}");
    assert_eq!(c.bad_length, 1, "{line}");
}
