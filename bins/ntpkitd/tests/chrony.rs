//! chrony's one-shot client (`chronyd -Q`) queries ntpkitd: an independent implementation
//! accepts our replies, measures a sub-millisecond offset on loopback and sees our stratum.

mod common;

use std::process::Command;

use common::{Daemon, TempDir, local_reference_conf, require, without_sys_time};

/// Runs `chronyd -Q` against `port` and returns (offset seconds, measurements.log line).
fn chrony_query(dir: &TempDir, port: u16) -> (f64, String) {
    require("chronyd");
    let mut c = Command::new("chronyd");
    c.args(["-Q", "-f", "/dev/null"])
        .arg(format!("server 127.0.0.1 port {port} iburst maxsamples 1"))
        .arg("cmdport 0")
        .arg(format!("pidfile {}/chronyd.pid", dir.path().display()))
        .arg(format!("logdir {}", dir.path().display()))
        .arg("log measurements");
    let out = without_sys_time(c).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    let offset = text
        .lines()
        .find_map(|l| l.split("System clock wrong by ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("chronyd -Q gave no offset: {text}"));
    let log = std::fs::read_to_string(dir.path().join("measurements.log")).unwrap();
    let line = log.lines().last().unwrap().to_owned();
    (offset, line)
}

#[test]
fn chronyd_one_shot_reports_sub_millisecond_offset_and_our_stratum() {
    let dir = TempDir::new("ntpkitd");
    let conf = dir.write("ntp.conf", &local_reference_conf(4, ""));
    let daemon = Daemon::start(&conf, &["--listen", "127.0.0.1:0"], None);
    let (offset, line) = chrony_query(&dir, daemon.addrs[0].port());
    assert!(offset.abs() < 0.001, "offset {offset} s");
    // Columns: date time IP L St ...; refid 4C4F434C is "LOCL".
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields[2], "127.0.0.1", "{line}");
    assert_eq!(fields[4], "4", "stratum column: {line}");
    assert!(line.contains("4C4F434C"), "refid LOCL: {line}");
    assert!(daemon.stop().success());
}

#[test]
fn chronyd_sees_an_orphan_stratum() {
    let dir = TempDir::new("ntpkitd");
    let conf = dir.write("ntp.conf", "tos orphan 7\n");
    let daemon = Daemon::start(&conf, &["--listen", "127.0.0.1:0"], None);
    let (offset, line) = chrony_query(&dir, daemon.addrs[0].port());
    assert!(offset.abs() < 0.001, "offset {offset} s");
    assert_eq!(line.split_whitespace().nth(4), Some("7"), "{line}");
}
