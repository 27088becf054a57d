//! ntpkit-client against chronyd (an independent implementation) on loopback, plain and
//! authenticated. chronyd runs with `-x` and without CAP_SYS_TIME; it is killed on drop.
//! Readiness is polled (a raw mode 3 request until chronyd answers), never a fixed sleep.

mod common;

use std::net::UdpSocket;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{CHRONY_KEYS, Chronyd};
use ntpkit_testkit::free_udp_port;

fn client(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ntpkit-client"))
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "ntpkit-client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn plain_query_reports_stratum_1_and_a_small_offset() {
    let chrony = Chronyd::start();
    let out = client(&["--json", "-c", "3", "--spacing", "0.1", &chrony.server()]);
    let v = json(&out);
    assert_eq!(v["stratum"], 1);
    assert_eq!(v["leap"], "none");
    // chronyd's `local` reference id is 127.127.1.1.
    assert_eq!(v["reference_id"], "127.127.1.1");
    assert_eq!(v["samples"].as_array().unwrap().len(), 3);
    // Same machine, same clock: the true offset is zero.
    let offset = v["offset"].as_f64().unwrap();
    let delay = v["delay"].as_f64().unwrap();
    assert!(offset.abs() < 0.005, "offset {offset}");
    assert!(delay > 0.0 && delay < 0.05, "delay {delay}");
    assert!(v["authenticated_key"].is_null());
}

#[test]
fn text_output_names_stratum_refid_and_leap() {
    let chrony = Chronyd::start();
    let out = client(&[&chrony.server()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("stratum 1, refid 127.127.1.1, leap none"),
        "{text}"
    );
    assert!(text.contains("offset "), "{text}");
}

fn keyed(key_id: &str) {
    let chrony = Chronyd::start();
    let keyfile = chrony.keyfile();
    let out = client(&[
        "--json",
        "-k",
        keyfile.to_str().unwrap(),
        "-a",
        key_id,
        &chrony.server(),
    ]);
    let v = json(&out);
    assert_eq!(v["authenticated_key"].to_string(), key_id);
    assert_eq!(v["stratum"], 1);
}

#[test]
fn md5_authenticated_query_is_accepted() {
    keyed("1");
}

#[test]
fn aes128cmac_authenticated_query_is_accepted() {
    keyed("2");
}

#[test]
fn wrong_secret_gets_no_reply_and_a_key_hint() {
    let chrony = Chronyd::start();
    let wrong = chrony.dir.join("wrong.keys");
    std::fs::write(&wrong, "1 MD5 HEX:0102030405060708090A0B0C0D0E0F11\n").unwrap();
    let out = client(&[
        "-t",
        "0.5",
        "-k",
        wrong.to_str().unwrap(),
        "-a",
        "1",
        &chrony.server(),
    ]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no reply") && err.contains("key 1"), "{err}");
}

/// chronyd's genuine signed reply with one MAC byte flipped on the way back (a relay in
/// this test): the client must say the MAC failed, not print time.
#[test]
fn tampered_reply_from_chronyd_is_a_bad_mac_error() {
    let chrony = Chronyd::start();
    let front = UdpSocket::bind("127.0.0.1:0").unwrap();
    let front_addr = front.local_addr().unwrap();
    let relay = std::thread::spawn(move || {
        let back = UdpSocket::bind("127.0.0.1:0").unwrap();
        back.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        front
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = [0u8; 512];
        let Ok((n, client_addr)) = front.recv_from(&mut buf) else {
            return 0;
        };
        back.send_to(&buf[..n], ("127.0.0.1", chrony.port)).unwrap();
        let Ok(m) = back.recv(&mut buf) else { return 0 };
        buf[m - 1] ^= 0x01;
        front.send_to(&buf[..m], client_addr).unwrap();
        drop(chrony);
        m
    });
    let keyfile =
        std::env::temp_dir().join(format!("ntpkit-client-tamper-{}.keys", std::process::id()));
    std::fs::write(&keyfile, CHRONY_KEYS).unwrap();
    let out = client(&[
        "-t",
        "1",
        "-k",
        keyfile.to_str().unwrap(),
        "-a",
        "1",
        &front_addr.to_string(),
    ]);
    let _ = std::fs::remove_file(&keyfile);
    let relayed = relay.join().unwrap();
    assert_eq!(relayed, 48 + 4 + 16, "chronyd's signed MD5 reply");
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("failed authentication") && err.contains("MAC"),
        "{err}"
    );
}

#[test]
fn unresolvable_name_is_a_dns_error() {
    let out = client(&["-t", "0.5", "no-such-host.invalid"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot resolve no-such-host.invalid"));
}

#[test]
fn silent_server_is_a_timeout() {
    let port = free_udp_port();
    let start = Instant::now();
    let out = client(&["-t", "0.3", &format!("127.0.0.1:{port}")]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no reply from"));
    assert!(start.elapsed() < Duration::from_secs(5));
}
