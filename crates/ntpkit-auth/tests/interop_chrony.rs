//! Interoperability with chronyd (an independent implementation) on loopback.
//!
//! chronyd serves as a stratum-1 local reference with a key file that *our* parser also
//! reads. Each test sends a request carrying our MAC; a reply carrying chrony's MAC with the
//! same key, which our verifier accepts, proves both directions: chrony accepted our MAC
//! (it only authenticates replies to requests it could verify) and we accept chrony's.
//! chronyd runs with `-x` and without CAP_SYS_TIME, so it can never touch the clock.

mod common;

use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Peer, ScratchDir, hex, origin_of, random_bytes, require, signed_request};
use ntpkit_auth::{
    AuthError, Key, KeyId, KeyStore, MacAlgorithm, parse_chrony_keys, verify_packet,
    verify_packet_for,
};

const CHRONYD: &str = "/usr/sbin/chronyd";

struct Chrony {
    _peer: Peer,
    port: u16,
    _dir: ScratchDir,
}

fn free_udp_port() -> u16 {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.local_addr().unwrap().port()
}

fn start_chrony(keys: &str) -> Chrony {
    let chronyd = require(CHRONYD);
    let dir = ScratchDir::new("chrony");
    let key_file = dir.write("chrony.keys", keys);
    let port = free_udp_port();
    let conf = format!(
        "local stratum 1\nallow 127.0.0.1\nport {port}\nbindaddress 127.0.0.1\ncmdport 0\n\
         keyfile {}\npidfile {}\ndriftfile {}\n",
        key_file.display(),
        dir.path("chronyd.pid").display(),
        dir.path("drift").display(),
    );
    let conf_file = dir.write("chrony.conf", &conf);
    let child = Command::new("setpriv")
        .args(["--bounding-set=-sys_time", "--inh-caps=-sys_time", "--"])
        .arg(chronyd)
        .args(["-x", "-d", "-u", "root", "-f"])
        .arg(&conf_file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start chronyd under setpriv");
    Chrony {
        _peer: Peer(child),
        port,
        _dir: dir,
    }
}

/// Sends `packet` repeatedly until a reply whose origin matches arrives (this doubles as
/// the readiness poll while chronyd starts), or `deadline` passes.
fn exchange(port: u16, packet: &[u8], deadline: Duration) -> Option<Vec<u8>> {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let want = packet.get(40..48)?.to_vec();
    let start = Instant::now();
    let mut buf = [0u8; 1024];
    while start.elapsed() < deadline {
        sock.send_to(packet, ("127.0.0.1", port)).unwrap();
        while let Ok((n, _)) = sock.recv_from(&mut buf) {
            let reply = &buf[..n];
            if reply.get(24..32) == Some(&want[..]) {
                return Some(reply.to_vec());
            }
        }
    }
    None
}

/// One chrony key line per algorithm, random secrets, hex-encoded (plus an ASCII key).
fn key_file() -> String {
    let mut text = String::from("# written by ntpkit-auth's interop test\n");
    for (id, name, len) in [
        (1, "MD5", 20),
        (2, "SHA1", 20),
        (3, "SHA256", 32),
        (4, "AES128", 16),
        (5, "AES256", 32),
    ] {
        text.push_str(&format!("{id} {name} HEX:{}\n", hex(&random_bytes(len))));
    }
    text.push_str(&format!("6 MD5 ASCII:Pw-{:016x}\n", common::random_u64()));
    text.push_str(&format!(
        "7 AES128 {}\n",
        &format!("{:016x}", common::random_u64())
    ));
    text
}

fn trusted_store(text: &str) -> KeyStore {
    let file = parse_chrony_keys("chrony.keys", text).unwrap();
    let mut store = KeyStore::new();
    file.install(&mut store).unwrap();
    for e in &file.entries {
        store.trust(e.id); // chrony trusts every key in its key file
    }
    store
}

fn authenticated_round_trip(key_id: u32, algorithm: MacAlgorithm) {
    let keys = key_file();
    let store = trusted_store(&keys);
    let id = KeyId::new(key_id).unwrap();
    assert_eq!(store.get(id).unwrap().algorithm(), algorithm);
    let chrony = start_chrony(&keys);

    let (request, transmit) = signed_request(&store, id).unwrap();
    assert_eq!(request.len(), 48 + 4 + algorithm.mac_len());
    let reply = exchange(chrony.port, &request, Duration::from_secs(20))
        .expect("chronyd sent no reply to our authenticated request within 20 s");

    assert_eq!(origin_of(&reply), Some(transmit));
    assert_eq!(reply[0] & 0x07, 4, "mode 4 (server) reply");
    assert_eq!(
        reply.len(),
        48 + 4 + algorithm.mac_len(),
        "chronyd's reply carries a {}-byte MAC (key id + {} bytes)",
        4 + algorithm.mac_len(),
        algorithm.mac_len()
    );
    let verified = verify_packet_for(&store, id, &reply)
        .unwrap_or_else(|e| panic!("our verifier rejects chronyd's {algorithm} MAC: {e}"));
    assert_eq!((verified.key_id, verified.algorithm), (id, algorithm));
}

#[test]
fn chrony_md5() {
    authenticated_round_trip(1, MacAlgorithm::Md5);
}

#[test]
fn chrony_sha1() {
    authenticated_round_trip(2, MacAlgorithm::Sha1);
}

#[test]
fn chrony_sha256_truncated_to_20_bytes() {
    authenticated_round_trip(3, MacAlgorithm::Sha256);
}

#[test]
fn chrony_aes128_cmac() {
    authenticated_round_trip(4, MacAlgorithm::Aes128Cmac);
}

#[test]
fn chrony_aes256_cmac() {
    authenticated_round_trip(5, MacAlgorithm::Aes256Cmac);
}

#[test]
fn chrony_ascii_keys_read_alike() {
    authenticated_round_trip(6, MacAlgorithm::Md5);
    // A bare 16-character key: chrony reads it as ASCII (ntpd would too, at <= 20 chars).
    authenticated_round_trip(7, MacAlgorithm::Aes128Cmac);
}

#[test]
fn chrony_gives_no_authenticated_answer_to_a_wrong_key() {
    let keys = key_file();
    let store = trusted_store(&keys);
    let chrony = start_chrony(&keys);
    // Readiness: a good request must get an authenticated answer first.
    let (good, _) = signed_request(&store, KeyId::new(2).unwrap()).unwrap();
    let reply = exchange(chrony.port, &good, Duration::from_secs(20)).expect("chronyd not ready");
    assert!(verify_packet(&store, &reply).unwrap().is_some());

    // Same key id and algorithm, different secret.
    let id = KeyId::new(1).unwrap();
    let mut wrong = KeyStore::new();
    wrong
        .insert(id, Key::new(MacAlgorithm::Md5, &random_bytes(20)).unwrap())
        .unwrap();
    wrong.trust(id);
    // And a key id chronyd does not know.
    let unknown = KeyId::new(99).unwrap();
    wrong
        .insert(
            unknown,
            Key::new(MacAlgorithm::Sha1, &random_bytes(20)).unwrap(),
        )
        .unwrap();
    wrong.trust(unknown);

    for key in [id, unknown] {
        let (request, _) = signed_request(&wrong, key).unwrap();
        // chronyd 4.3 was seen to drop both requests silently.
        if let Some(reply) = exchange(chrony.port, &request, Duration::from_secs(1)) {
            // chronyd may answer, but never with a MAC either key store accepts.
            let ours = verify_packet_for(&store, key, &reply);
            let theirs = verify_packet_for(&wrong, key, &reply);
            assert!(
                ours.is_err() && theirs.is_err(),
                "{ours:?} {theirs:?} for key {key}"
            );
            if reply.len() == 52 {
                assert_eq!(verify_packet(&store, &reply), Err(AuthError::CryptoNak));
            }
        }
    }
}
