//! ntpkit-manycast between network namespaces on one multicast LAN (a bridge with veth
//! links; issue 9's proof): a client discovers three servers and synchronises to them, a
//! server with the wrong key is never used, and every authentication mode of the router
//! works (MD5 with its weak-algorithm warning). Servers serve their clock shifted by a known
//! amount (`--clock-offset`), so the expected offset is the test's own number; the real
//! clock is never touched. Over a chain of kernel multicast routers (`ring/`), the
//! expanding ring finds servers 1, 3 and 6 hops away with TTLs 1, 3 and 6.

mod lan;
mod ring;

use std::path::{Path, PathBuf};
use std::time::Duration;

use lan::{Lan, Running};
use ring::chain;

const GROUP: &str = "239.77.1.1";

fn key_file(name: &str, line: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ntpkit-manycast-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, format!("{line}\n")).unwrap();
    path
}

fn server(ns: &str, keys: &Path, offset: &str) -> Running {
    server_on(ns, GROUP, keys, offset)
}

fn server_on(ns: &str, group: &str, keys: &Path, offset: &str) -> Running {
    let keys = keys.to_str().unwrap();
    let mut s = Running::start(
        ns,
        &[
            "server",
            group,
            "--interface",
            "eth0",
            "--keys",
            keys,
            "--clock-offset",
            offset,
            "--duration",
            "90",
        ],
    );
    assert!(
        s.wait_for("serving manycast", Duration::from_secs(10)),
        "{:?}",
        s.seen
    );
    s
}

fn client(ns: &str, keys: &Path, key_id: &str, wait_for: &str) -> Running {
    client_with(ns, &[GROUP], keys, key_id, wait_for)
}

/// `client FIRST... --interface eth0 --keys KEYS --key-id ID`, searching at minpoll 3 until
/// `wait_for` servers are found or 60 s pass; `first` is the group (and any `--also`) or
/// `--ipv6`.
fn client_with(ns: &str, first: &[&str], keys: &Path, key_id: &str, wait_for: &str) -> Running {
    let keys = keys.to_str().unwrap();
    let tail = [
        "--interface",
        "eth0",
        "--keys",
        keys,
        "--key-id",
        key_id,
        "--minpoll",
        "3",
        "--minclock",
        wait_for,
        "--wait-for",
        wait_for,
        "--duration",
        "60",
    ];
    Running::start(ns, &[&["client"][..], first, &tail[..]].concat())
}

fn offset_of(lines: &[String]) -> f64 {
    let line = lines
        .iter()
        .find(|l| l.starts_with("synchronised to"))
        .unwrap_or_else(|| panic!("not synchronised: {lines:#?}"));
    let value = line.rsplit("offset ").next().unwrap();
    value.trim_end_matches(" s").parse().unwrap()
}

#[test]
fn a_client_discovers_three_servers_and_ignores_the_one_with_the_wrong_key() {
    let good = key_file(
        "good.keys",
        "5 HMAC-SHA256 9f3a61c2e8b04d7f5a1c6e2b8d0f4a97",
    );
    let wrong = key_file(
        "wrong.keys",
        "5 HMAC-SHA256 0000000000000000000000000000beef",
    );
    let mut lan = Lan::new();
    let (client_ns, _) = lan.host(1);
    let mut servers = Vec::new();
    let mut good_addrs = Vec::new();
    for last in [11, 12, 13] {
        let (ns, addr) = lan.host(last);
        servers.push(server(&ns, &good, "0.125"));
        good_addrs.push(addr);
    }
    let (liar_ns, liar_addr) = lan.host(14);
    let mut liar = server(&liar_ns, &wrong, "7.5");

    let (code, lines) = client(&client_ns, &good, "5", "3").finish(Duration::from_secs(70));
    eprintln!("client output:\n{}", lines.join("\n"));
    assert_eq!(code, Some(0), "{lines:#?}");
    for addr in &good_addrs {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("found {addr}:")) && l.ends_with("at ttl 1")),
            "{addr} not found: {lines:#?}"
        );
    }
    assert!(
        lines.iter().any(|l| l.starts_with("servers found: 3 (")),
        "{lines:#?}"
    );
    assert!(!lines.iter().any(|l| l.contains(&liar_addr)), "{lines:#?}");
    // The servers' clocks are 125 ms ahead; loopback-class delays on a veth LAN.
    let offset = offset_of(&lines);
    assert!((offset - 0.125).abs() < 0.005, "offset {offset}");
    // The wrong-key server did hear the solicitations, and refused them for their MAC.
    assert!(
        liar.wait_for("AuthFailed", Duration::from_secs(5)),
        "{:?}",
        liar.seen
    );
    drop(servers);
}

/// One server and one client with `line` as the shared key file.
fn synchronises_with(line: &str, key_id: &str) -> Vec<String> {
    let keys = key_file(&format!("{key_id}.keys"), line);
    let mut lan = Lan::new();
    let (client_ns, _) = lan.host(1);
    let (server_ns, _) = lan.host(11);
    let _server = server(&server_ns, &keys, "-0.0625");
    let (code, lines) = client(&client_ns, &keys, key_id, "1").finish(Duration::from_secs(70));
    assert_eq!(code, Some(0), "{lines:#?}");
    let offset = offset_of(&lines);
    assert!((offset + 0.0625).abs() < 0.005, "offset {offset}");
    lines
}

#[test]
fn every_router_authentication_mode_works_and_md5_is_called_weak() {
    let lines = synchronises_with("21 MD5 Md5-Secret-2026!", "21");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("warning: key 21 uses MD5, a weak algorithm")),
        "{lines:#?}"
    );
    for (line, id) in [
        ("22 AES128CMAC 00112233445566778899aabbccddeeff", "22"),
        (
            "23 AES256CMAC 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
            "23",
        ),
    ] {
        let lines = synchronises_with(line, id);
        assert!(!lines.iter().any(|l| l.contains("weak")), "{lines:#?}");
    }
}

/// A router's manycast client on two interfaces, each with its own group and key, as one
/// command: `--also GROUP,key-id=K`. The server of the second group holds only key 7, so
/// it answers only if that group's solicitations are signed with key 7, not the first
/// group's key 5; both servers are found and compete in one selection.
#[test]
fn also_solicits_a_second_group_with_its_own_key() {
    const SECOND: &str = "239.77.3.3";
    let both = key_file(
        "both.keys",
        "5 HMAC-SHA256 9f3a61c2e8b04d7f5a1c6e2b8d0f4a97\n7 AES128CMAC 00112233445566778899aabbccddeeff",
    );
    let only5 = key_file(
        "only5.keys",
        "5 HMAC-SHA256 9f3a61c2e8b04d7f5a1c6e2b8d0f4a97",
    );
    let only7 = key_file(
        "only7.keys",
        "7 AES128CMAC 00112233445566778899aabbccddeeff",
    );
    let mut lan = Lan::new();
    let (client_ns, _) = lan.host(1);
    let (first_ns, first_addr) = lan.host(11);
    let (second_ns, second_addr) = lan.host(12);
    let _first = server_on(&first_ns, GROUP, &only5, "0.125");
    let _second = server_on(&second_ns, SECOND, &only7, "0.125");
    let also = format!("{SECOND},key-id=7,interface=eth0");
    let (code, lines) = client_with(&client_ns, &[GROUP, "--also", &also], &both, "5", "2")
        .finish(Duration::from_secs(70));
    eprintln!("client output:\n{}", lines.join("\n"));
    assert_eq!(code, Some(0), "{lines:#?}");
    for (addr, group) in [(&first_addr, GROUP), (&second_addr, SECOND)] {
        // The server answers from its own socket's port.
        let (head, tail) = (
            format!("found {addr}:"),
            format!(" via {group}:123 at ttl 1"),
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&head) && l.ends_with(&tail)),
            "{head}...{tail}: {lines:#?}"
        );
    }
    assert!(
        lines.iter().any(|l| l.starts_with("servers found: 2 (")),
        "{lines:#?}"
    );
    let offset = offset_of(&lines);
    assert!((offset - 0.125).abs() < 0.005, "offset {offset}");
}

#[test]
fn a_client_without_a_key_refuses_to_start_unless_told() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ntpkit-manycast"))
        .args(["client", GROUP, "--duration", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("authentication is required"));
}

#[test]
fn ipv6_discovery_on_the_site_local_group() {
    let keys = key_file("v6.keys", "31 AES128CMAC 0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    let mut lan = Lan::new();
    let (client_ns, _) = lan.host(1);
    let mut servers = Vec::new();
    for last in [11, 12] {
        let (ns, _) = lan.host(last);
        let mut s = Running::start(
            &ns,
            &[
                "server",
                "--ipv6",
                "--interface",
                "eth0",
                "--keys",
                keys.to_str().unwrap(),
                "--clock-offset",
                "0.25",
                "--duration",
                "90",
            ],
        );
        assert!(
            s.wait_for(
                "serving manycast on [ff05::101]:123",
                Duration::from_secs(10)
            ),
            "{:?}",
            s.seen
        );
        servers.push(s);
    }
    let (code, lines) =
        client_with(&client_ns, &["--ipv6"], &keys, "31", "2").finish(Duration::from_secs(70));
    eprintln!("client output:\n{}", lines.join("\n"));
    assert_eq!(code, Some(0), "{lines:#?}");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("found [fd77:"))
            .count(),
        2,
        "{lines:#?}"
    );
    let offset = offset_of(&lines);
    assert!((offset - 0.25).abs() < 0.005, "offset {offset}");
}

/// The expanding ring over real multicast routers: servers in nodes 1, 3 and 6 of the chain
/// must each be found by the solicitation whose TTL first reaches them, and the ring stops
/// at 6.
const RING_GROUP: &str = "239.77.2.2";

#[test]
fn the_ring_finds_servers_one_three_and_six_hops_away() {
    let keys = std::env::temp_dir().join(format!("ntpkit-ring-{}.keys", std::process::id()));
    std::fs::write(
        &keys,
        "9 AES256CMAC 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
    )
    .unwrap();
    let keys = keys.to_str().unwrap().to_string();
    let c = chain(RING_GROUP);
    let mut servers = Vec::new();
    for k in [1, 3, 6] {
        let mut s = Running::start(
            &c.names[k],
            &[
                "server",
                RING_GROUP,
                "--interface",
                "up0",
                "--keys",
                &keys,
                "--clock-offset",
                "0.03125",
                "--duration",
                "150",
            ],
        );
        assert!(
            s.wait_for("serving manycast", Duration::from_secs(10)),
            "{:?}",
            s.seen
        );
        servers.push(s);
    }
    let (code, lines) = Running::start(
        &c.names[0],
        &[
            "client",
            RING_GROUP,
            "--interface",
            "dn0",
            "--keys",
            &keys,
            "--key-id",
            "9",
            "--minpoll",
            "3",
            "--minclock",
            "3",
            "--wait-for",
            "3",
            "--duration",
            "120",
        ],
    )
    .finish(Duration::from_secs(130));
    eprintln!("client output:\n{}", lines.join("\n"));
    assert_eq!(code, Some(0), "{lines:#?}");
    for (k, ttl) in [(1, 1), (3, 3), (6, 6)] {
        let want = format!("found 10.99.{}.2:", k - 1);
        let found = lines
            .iter()
            .find(|l| l.starts_with(&want))
            .unwrap_or_else(|| panic!("{want}: {lines:#?}"));
        assert!(found.ends_with(&format!("at ttl {ttl}")), "{found}");
    }
    let ttls: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("solicit ")?.split_once(" ttl "))
        .map(|(_, ttl)| ttl)
        .collect();
    assert_eq!(&ttls[..6], &["1", "2", "3", "4", "5", "6"]);
    assert!(
        ttls.iter().all(|t| t.parse::<u8>().unwrap() <= 6),
        "{ttls:?}"
    );
    let line = lines
        .iter()
        .find(|l| l.starts_with("synchronised to"))
        .unwrap();
    let offset: f64 = line
        .rsplit("offset ")
        .next()
        .unwrap()
        .trim_end_matches(" s")
        .parse()
        .unwrap();
    assert!((offset - 0.03125).abs() < 0.005, "{offset}");
    drop(servers);
    let _ = std::fs::remove_file(&keys);
}
