//! Live interop: NTPsec's ntpd (an independent implementation) writes statistics files while
//! synchronising to chronyd, and ntpkit-stats reads every line back byte for byte and the
//! chart command charts them.
//!
//! Topology: two network namespaces of our own joined by a veth pair (NTPsec only speaks to
//! port 123 and refuses 127.x servers other than 127.0.0.1), chronyd serving `local stratum
//! 1` on 10.231.x.1, NTPsec's ntpd on 10.231.x.2 polling it every 8 s. Both run without the
//! capability to set the clock. Needs root (namespaces) and the peers from
//! `bash .ci/install-peers`; everything is killed and removed on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ntpkit_stats::{StatRecord, StatsKind};

const NTPSEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../target/peers/ntpsec/usr/sbin/ntpd"
);

struct Lab {
    namespaces: [String; 2],
    children: Vec<Child>,
    dir: PathBuf,
}

impl Drop for Lab {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        for ns in &self.namespaces {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
        if std::thread::panicking() {
            eprintln!("kept {} for inspection", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn ip(args: &[&str]) {
    let status = Command::new("ip")
        .args(args)
        .status()
        .expect("run ip (iproute2)");
    assert!(
        status.success(),
        "ip {args:?} failed (this test needs root for network namespaces)"
    );
}

fn spawn_in(ns: &str, program: &str, args: &[&str], log: &Path) -> Child {
    Command::new("ip")
        .args([
            "netns",
            "exec",
            ns,
            "setpriv",
            "--bounding-set=-sys_time",
            "--inh-caps=-sys_time",
            "--",
            program,
        ])
        .args(args)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read(path)
        .map(|b| {
            String::from_utf8_lossy(&b)
                .lines()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn ntpsec_statistics_files_parse_and_chart() {
    assert!(
        Path::new(NTPSEC).exists() && Command::new("chronyd").arg("--version").output().is_ok(),
        "NTPsec's ntpd or chronyd is missing: run `bash .ci/install-peers`"
    );
    let id = std::process::id() % 200 + 20;
    let dir = std::env::temp_dir().join(format!("ntpkit-statchart-ntpsec-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("stats")).unwrap();
    let mut lab = Lab {
        namespaces: [format!("ntpkitSc{id}"), format!("ntpkitSn{id}")],
        children: Vec::new(),
        dir: dir.clone(),
    };
    let (server_ns, client_ns) = (lab.namespaces[0].clone(), lab.namespaces[1].clone());
    let (veth_s, veth_c) = (format!("nkS{id}"), format!("nkC{id}"));
    let (server, client) = (format!("10.231.{id}.1"), format!("10.231.{id}.2"));
    ip(&["netns", "add", &server_ns]);
    ip(&["netns", "add", &client_ns]);
    ip(&[
        "link", "add", &veth_s, "type", "veth", "peer", "name", &veth_c,
    ]);
    ip(&["link", "set", &veth_s, "netns", &server_ns]);
    ip(&["link", "set", &veth_c, "netns", &client_ns]);
    for (ns, dev, addr) in [
        (&server_ns, &veth_s, &server),
        (&client_ns, &veth_c, &client),
    ] {
        ip(&["-n", ns, "addr", "add", &format!("{addr}/24"), "dev", dev]);
        ip(&["-n", ns, "link", "set", dev, "up"]);
        ip(&["-n", ns, "link", "set", "lo", "up"]);
    }

    let d = dir.display();
    std::fs::write(
        dir.join("chrony.conf"),
        format!("local stratum 1\nallow all\nbindaddress {server}\nport 123\ncmdport 0\npidfile {d}/chronyd.pid\ndriftfile {d}/chrony.drift\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("ntp.conf"),
        format!(
            "server {server} iburst minpoll 3 maxpoll 3\ndriftfile {d}/ntp.drift\nstatsdir {d}/stats/\n\
             statistics loopstats peerstats rawstats\n\
             filegen loopstats type day link enable\nfilegen peerstats type day link enable\n\
             filegen rawstats type day link enable\n"
        ),
    )
    .unwrap();
    let chrony_conf = dir.join("chrony.conf");
    let ntp_conf = dir.join("ntp.conf");
    lab.children.push(spawn_in(
        &server_ns,
        "chronyd",
        &["-x", "-d", "-f", chrony_conf.to_str().unwrap()],
        &dir.join("chronyd.log"),
    ));
    std::thread::sleep(Duration::from_millis(500));
    lab.children.push(spawn_in(
        &client_ns,
        NTPSEC,
        &["-n", "-c", ntp_conf.to_str().unwrap()],
        &dir.join("ntpd.log"),
    ));

    // Wait for a few exchanges (iburst, then every 8 s), reading only what NTPsec wrote.
    let stats = dir.join("stats");
    let deadline = Instant::now() + Duration::from_secs(90);
    while lines(&stats.join("peerstats")).len() < 4 || lines(&stats.join("rawstats")).len() < 4 {
        assert!(
            Instant::now() < deadline,
            "NTPsec wrote no statistics; see {}/ntpd.log",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    // Stop NTPsec before reading so no line is half-written under us.
    for child in &mut lab.children {
        let _ = child.kill();
        let _ = child.wait();
    }

    let mut day_suffix = None;
    for (kind, name) in [
        (StatsKind::PeerStats, "peerstats"),
        (StatsKind::RawStats, "rawstats"),
        (StatsKind::LoopStats, "loopstats"),
    ] {
        for line in lines(&stats.join(name)) {
            let record =
                StatRecord::parse(kind, &line).unwrap_or_else(|e| panic!("{name}: {line:?}: {e}"));
            assert_eq!(record.to_string(), line, "{name} line does not print back");
            let date = record.time().date();
            day_suffix.get_or_insert(format!("{:04}{:02}{:02}", date.year, date.month, date.day));
        }
    }
    // NTPsec's link and members follow the naming ntpkit-stats computes.
    let suffix = day_suffix.unwrap();
    assert_eq!(
        lines(&stats.join("peerstats")),
        lines(&stats.join(format!("peerstats.{suffix}")))
    );

    let out = Command::new(env!("CARGO_BIN_EXE_ntpkit-statchart"))
        .args(["chart", "--statsdir"])
        .arg(&stats)
        .arg(&suffix)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = String::from_utf8(out.stdout).unwrap();
    assert!(svg.contains(&format!("data-peer=\"{server}\"")));
}
