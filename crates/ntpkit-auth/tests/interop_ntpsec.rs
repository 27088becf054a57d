//! Interoperability with NTPsec's ntpd (an independent implementation).
//!
//! NTPsec serves only on port 123, so each test creates its own network namespace with a
//! loopback interface, runs ntpd inside it (orphan mode: stratum 1 with no upstream,
//! without CAP_SYS_TIME) and sends our authenticated request from inside the namespace
//! through a few lines of Python that only move bytes: the request (with our MAC) is built
//! and the reply (with NTPsec's MAC) is verified here, in Rust. The namespace and ntpd are
//! removed on drop.

mod common;

use common::{hex, origin_of, random_bytes, random_u64, signed_request};
use ntpkit_auth::{Key, KeyId, KeyStore, MacAlgorithm, parse_ntp_keys, verify_packet_for};
use ntpkit_testkit::{KillOnDrop, Netns, TempDir};

/// Field order matters for drop: ntpd must die before its namespace is deleted.
struct Ntpsec {
    _peer: KillOnDrop,
    ns: Netns,
    dir: TempDir,
}

fn start_ntpsec(keys: &str, trusted: &str) -> Ntpsec {
    let dir = TempDir::new("auth-ntpsec");
    let key_file = dir.write("ntp.keys", keys);
    let ns = Netns::new("auth-ntpsec");
    let peer = ntpkit_testkit::start_ntpsec(
        &ns,
        dir.path(),
        &format!("keys {}\ntrustedkey {trusted}", key_file.display()),
    );
    Ntpsec {
        _peer: peer,
        ns,
        dir,
    }
}

/// Sends the packet to 127.0.0.1:123 inside the namespace until a reply whose origin
/// matches arrives (the readiness poll), or `seconds` pass. Returns the reply bytes.
const CLIENT: &str = r#"
import socket, sys, time
pkt = bytes.fromhex(sys.argv[1]); end = time.time() + float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
while time.time() < end:
    s.sendto(pkt, ("127.0.0.1", 123))
    try:
        while True:
            r, _ = s.recvfrom(2048)
            if r[24:32] == pkt[40:48]:
                print(r.hex()); sys.exit(0)
    except socket.timeout:
        pass
sys.exit(3)
"#;

fn exchange(ns: &Netns, packet: &[u8], seconds: u32) -> Option<Vec<u8>> {
    let out = ns
        .command("python3")
        .args(["-c", CLIENT])
        .arg(hex(packet))
        .arg(seconds.to_string())
        .output()
        .expect("cannot run python3 in the namespace");
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// ntpd key file: random binary keys as hex (longer than 20 characters, so hex), plus an
/// ASCII one and an NTPsec-style 16-character ASCII AES key.
fn key_file() -> String {
    let mut text = String::from("# written by ntpkit-auth's interop test\n");
    text.push_str(&format!("1 MD5 {}\n", hex(&random_bytes(16))));
    text.push_str(&format!("2 SHA1 {}\n", hex(&random_bytes(20))));
    text.push_str(&format!("3 AES128CMAC {}\n", hex(&random_bytes(16))));
    text.push_str(&format!("4 MD5 Pw{:016x}\n", random_u64()));
    text.push_str(&format!("5 AES128CMAC {:016x}\n", random_u64()));
    text.push_str(&format!("6 SHA256 {}\n", hex(&random_bytes(32))));
    text
}

fn trusted_store(text: &str) -> KeyStore {
    let file = parse_ntp_keys("ntp.keys", text).unwrap();
    let mut store = KeyStore::new();
    file.install(&mut store).unwrap();
    store.trust_set(&"1-6".parse().unwrap());
    store
}

fn authenticated_round_trip(key_ids: &[(u32, MacAlgorithm)]) {
    let keys = key_file();
    let store = trusted_store(&keys);
    let ntpsec = start_ntpsec(&keys, "1 2 3 4 5 6");
    for &(key_id, algorithm) in key_ids {
        let id = KeyId::new(key_id).unwrap();
        assert_eq!(store.get(id).unwrap().algorithm(), algorithm);
        let (request, transmit) = signed_request(&store, id).unwrap();
        let reply = exchange(&ntpsec.ns, &request, 20).unwrap_or_else(|| {
            let log = ntpsec.dir.read("ntpd.log");
            panic!("NTPsec sent no reply to our {algorithm} request within 20 s; log:\n{log}")
        });
        assert_eq!(origin_of(&reply), Some(transmit));
        assert_eq!(reply[0] & 0x07, 4, "mode 4 (server) reply");
        assert_eq!(
            reply.len(),
            48 + 4 + algorithm.mac_len(),
            "reply carries a MAC"
        );
        let verified = verify_packet_for(&store, id, &reply)
            .unwrap_or_else(|e| panic!("our verifier rejects NTPsec's {algorithm} MAC: {e}"));
        assert_eq!((verified.key_id, verified.algorithm), (id, algorithm));
    }
}

#[test]
fn ntpsec_md5() {
    authenticated_round_trip(&[(1, MacAlgorithm::Md5), (4, MacAlgorithm::Md5)]);
}

#[test]
fn ntpsec_sha1() {
    authenticated_round_trip(&[(2, MacAlgorithm::Sha1)]);
}

#[test]
fn ntpsec_aes128_cmac() {
    authenticated_round_trip(&[(3, MacAlgorithm::Aes128Cmac), (5, MacAlgorithm::Aes128Cmac)]);
}

/// NTPsec accepts any OpenSSL digest as a keyed digest, truncated to 20 bytes: the same
/// construction as chrony's SHA256 type.
#[test]
fn ntpsec_sha256_keyed_digest() {
    authenticated_round_trip(&[(6, MacAlgorithm::Sha256)]);
}

#[test]
fn ntpsec_gives_no_authenticated_answer_to_a_wrong_or_untrusted_key() {
    let keys = key_file();
    let store = trusted_store(&keys);
    // Key 5 is in NTPsec's key file but not in its trustedkey list.
    let ntpsec = start_ntpsec(&keys, "1 2 3 4");
    let (good, _) = signed_request(&store, KeyId::new(2).unwrap()).unwrap();
    let reply = exchange(&ntpsec.ns, &good, 20).expect("NTPsec not ready");
    assert!(verify_packet_for(&store, KeyId::new(2).unwrap(), &reply).is_ok());

    let id = KeyId::new(1).unwrap();
    let mut wrong = KeyStore::new();
    wrong
        .insert(id, Key::new(MacAlgorithm::Md5, &random_bytes(16)).unwrap())
        .unwrap();
    wrong.trust(id);
    let untrusted = KeyId::new(5).unwrap();
    for (s, key) in [(&wrong, id), (&store, untrusted)] {
        let (request, _) = signed_request(s, key).unwrap();
        // NTPsec 1.2.2 was seen to drop both requests silently.
        if let Some(reply) = exchange(&ntpsec.ns, &request, 1) {
            assert!(
                verify_packet_for(&store, key, &reply).is_err()
                    && verify_packet_for(&wrong, key, &reply).is_err(),
                "NTPsec authenticated a reply to key {key} it must not accept: {}",
                hex(&reply)
            );
        }
    }
}
