//! Interop: NTPsec's ntpd (an independent implementation of the same language) reads the
//! canonical ntp.conf we print for every good corpus file. Its parser must report a syntax
//! error on exactly the lines that use our router extension `port P`, which ntpd does not
//! have, and nowhere else.
//!
//! ntpd runs in its own network namespace (`unshare --net`, so port 123 is free and nothing
//! leaves the machine) without the capability to set the clock, is killed as soon as it has
//! read its configuration, and is killed on drop if the test fails early.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::parse_good;
use ntpkit_testkit::{KillOnDrop, ntpsec_tool};

/// Runs ntpd on `conf` and returns the line numbers of its "syntax error" reports.
fn ntpsec_syntax_errors(dir: &Path, name: &str, conf: &str) -> Vec<u32> {
    let conf_path = dir.join(format!("{name}.conf"));
    let log_path = dir.join(format!("{name}.log"));
    fs::write(&conf_path, conf).unwrap();
    let _ = fs::remove_file(&log_path);
    let child = Command::new("unshare")
        .args([
            "--net",
            "--",
            "setpriv",
            "--bounding-set=-sys_time",
            "--inh-caps=-sys_time",
            "--",
        ])
        .arg(ntpsec_tool("sbin/ntpd"))
        .arg("-n")
        .arg("-c")
        .arg(&conf_path)
        .arg("-l")
        .arg(&log_path)
        .arg("-p")
        .arg(dir.join(format!("{name}.pid")))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("unshare/setpriv/ntpd could not start (root is needed for unshare --net)");
    let peer = KillOnDrop(child);
    // ntpd logs "INIT: MRU ..." once the configuration has been read and applied.
    let deadline = Instant::now() + Duration::from_secs(20);
    let log = loop {
        let log = fs::read_to_string(&log_path).unwrap_or_default();
        if log.contains("INIT: MRU") || Instant::now() > deadline {
            break log;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(peer);
    assert!(
        log.contains("readconfig: parsing file"),
        "ntpd did not read {name}:\n{log}"
    );
    let mut lines: Vec<u32> = log
        .lines()
        .filter_map(|l| {
            let rest = l.split("CONFIG: line ").nth(1)?;
            rest.contains("syntax error")
                .then(|| rest.split(' ').next()?.parse().ok())?
        })
        .collect();
    lines.dedup();
    lines
}

fn canonical(name: &str) -> String {
    parse_good(name).config.to_string()
}

/// NTPsec 1.2.2 dropped much of ntpd 4.2's language (broadcast and manycast modes, `discard`,
/// `keysdir`, `enable bclient`/`mode7`, `lowpriotrap`, cryptostats, `tos beacon`, ...), so the
/// comparison uses the files that stay inside the language both share: what Debian, Red Hat
/// and FreeBSD ship, and the orphan-mode LAN with the local clock. The router file checks that
/// NTPsec does flag our `port` extension, so the test can tell an error from silence.
#[test]
fn ntpsec_reads_our_canonical_output_of_the_distribution_configs() {
    let dir = std::env::temp_dir().join(format!("ntpkit-config-ntpsec-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for name in [
        "debian.conf",
        "redhat.conf",
        "freebsd.conf",
        "orphan-lan.conf",
    ] {
        let text = canonical(name);
        let got = ntpsec_syntax_errors(&dir, name, &text);
        if !got.is_empty() {
            let shown: Vec<&str> = got
                .iter()
                .filter_map(|&n| text.lines().nth(n as usize - 1))
                .collect();
            failures.push(format!(
                "{name}: NTPsec syntax errors on lines {got:?}: {shown:?}"
            ));
        }
    }
    let router = canonical("router-manycast-server.conf");
    let port_lines: Vec<u32> = router
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(" port "))
        .map(|(i, _)| i as u32 + 1)
        .collect();
    assert_eq!(port_lines.len(), 2);
    let got = ntpsec_syntax_errors(&dir, "router", &router);
    for line in port_lines {
        assert!(
            got.contains(&line),
            "NTPsec did not flag `port` on line {line}: {got:?}\n{router}"
        );
    }
    let _ = fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
