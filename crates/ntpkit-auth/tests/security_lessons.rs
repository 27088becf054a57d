//! One test per SECURITY-LESSONS.md "Authentication" rule that this crate enforces. Rules
//! about association state (CVE-2015-1799, ephemeral-association caps, broadcast replay
//! windows) belong to ntpkit-assoc and are tested there.

use std::time::Instant;

use ntpkit_auth::{
    AuthError, Key, KeyId, KeyStore, KeyWarning, MacAlgorithm, ct_eq, sign, verify, verify_for,
    verify_packet, verify_packet_for,
};

fn id(v: u32) -> KeyId {
    KeyId::new(v).unwrap()
}

/// A mode-3 NTPv4 request header (independent of our own code: the bytes are spelled out).
fn request() -> Vec<u8> {
    let mut p = vec![0u8; 48];
    p[0] = 0x23; // LI 0, VN 4, mode 3
    p[40..48].copy_from_slice(&[0xe9, 0x1a, 0x2b, 0x3c, 0x12, 0x34, 0x56, 0x78]);
    p
}

/// Keys 1 (AES-128) and 2 (SHA-1), both trusted.
fn store() -> KeyStore {
    let mut s = KeyStore::new();
    s.insert(
        id(1),
        Key::new(MacAlgorithm::Aes128Cmac, b"0123456789abcdef").unwrap(),
    )
    .unwrap();
    s.insert(
        id(2),
        Key::from_ascii(MacAlgorithm::Sha1, "second-Key-2").unwrap(),
    )
    .unwrap();
    s.trust(id(1));
    s.trust(id(2));
    s
}

fn signed(store: &KeyStore, key: u32) -> Vec<u8> {
    let mut p = request();
    let mut t = [0u8; 24];
    let n = store.sign(id(key), &p, &mut t).unwrap();
    p.extend_from_slice(&t[..n]);
    p
}

#[test]
fn cve_2015_1798_packet_without_mac_is_rejected_when_a_key_is_configured() {
    let s = store();
    assert_eq!(
        verify_packet_for(&s, id(1), &request()),
        Err(AuthError::MissingMac { expected: id(1) })
    );
    assert_eq!(
        verify_for(&s, id(1), &request(), None),
        Err(AuthError::MissingMac { expected: id(1) })
    );
    // Without an association key the same packet is simply unauthenticated.
    assert_eq!(verify_packet(&s, &request()), Ok(None));
}

#[test]
fn cve_2015_1798_mac_of_the_wrong_length_is_rejected() {
    let s = store();
    let good = signed(&s, 1);
    let digest = &good[52..68];
    // A 16-byte AES MAC padded to 20 bytes, or cut to 12, is refused before any comparison.
    let mut long = digest.to_vec();
    long.extend_from_slice(&[0; 4]);
    assert!(matches!(
        verify(&s, &good[..48], 1, &long),
        Err(AuthError::WrongMacLength {
            expected: 16,
            actual: 20,
            ..
        })
    ));
    assert!(matches!(
        verify(&s, &good[..48], 1, &digest[..12]),
        Err(AuthError::WrongMacLength {
            expected: 16,
            actual: 12,
            ..
        })
    ));
    // A prefix of a correct MAC is not a correct MAC (ntpd once compared only the shorter).
    assert!(matches!(
        verify(&s, &good[..48], 1, &[]),
        Err(AuthError::WrongMacLength { actual: 0, .. })
    ));
}

#[test]
fn cve_2015_1798_packet_with_another_key_id_is_rejected() {
    let s = store();
    let by_key_2 = signed(&s, 2);
    // Key 2 is trusted and its MAC is valid, but the association is configured for key 1.
    assert!(verify_packet(&s, &by_key_2).is_ok());
    assert_eq!(
        verify_packet_for(&s, id(1), &by_key_2),
        Err(AuthError::UnexpectedKeyId {
            expected: id(1),
            actual: 2
        })
    );
}

#[test]
fn cve_2015_7974_a_key_authenticates_only_its_own_associations() {
    let s = store();
    let by_key_1 = signed(&s, 1);
    // Association A uses key 1, association B uses key 2: key 1's packet is good for A only.
    assert_eq!(
        verify_packet_for(&s, id(1), &by_key_1).unwrap().key_id,
        id(1)
    );
    assert!(matches!(
        verify_packet_for(&s, id(2), &by_key_1),
        Err(AuthError::UnexpectedKeyId { .. })
    ));
}

#[test]
fn cve_2016_1550_mac_comparison_time_does_not_depend_on_mismatch_position() {
    // With an early-exit comparison, a mismatch in the first byte returns thousands of times
    // faster than one in the last byte of a 1 MiB buffer. The constant-time comparison
    // verify() uses takes the same time for both; generous bounds absorb a noisy machine.
    let a = vec![0x5au8; 1 << 20];
    let mut first = a.clone();
    first[0] ^= 1;
    let mut last = a.clone();
    let n = last.len();
    last[n - 1] ^= 1;
    let median = |b: &[u8]| {
        let mut t: Vec<u128> = (0..15)
            .map(|_| {
                let start = Instant::now();
                assert!(!ct_eq(&a, b));
                start.elapsed().as_nanos()
            })
            .collect();
        t.sort_unstable();
        t[t.len() / 2]
    };
    let (t_first, t_last) = (median(&first), median(&last));
    let ratio = t_first as f64 / t_last as f64;
    assert!(
        (0.33..3.0).contains(&ratio),
        "first-byte {t_first} ns vs last-byte {t_last} ns"
    );
}

#[test]
fn cve_2015_7871_crypto_nak_authenticates_nothing() {
    let s = store();
    let mut nak = request();
    nak.extend_from_slice(&[0, 0, 0, 0]);
    assert_eq!(verify_packet(&s, &nak), Err(AuthError::CryptoNak));
    assert_eq!(
        verify_packet_for(&s, id(1), &nak),
        Err(AuthError::CryptoNak)
    );
    assert_eq!(verify(&s, &request(), 0, &[]), Err(AuthError::CryptoNak));
    // Key id 0 with a digest is not a NAK and not a key either.
    assert_eq!(
        verify(&s, &request(), 0, &[0; 16]),
        Err(AuthError::UnknownKey { key_id: 0 })
    );
}

#[test]
fn cve_2016_1547_failed_macs_and_naks_tear_nothing_down() {
    let s = store();
    let before = format!("{s:?}");
    let mut bad = signed(&s, 1);
    let last = bad.len() - 1;
    bad[last] ^= 0x80;
    assert!(matches!(
        verify_packet(&s, &bad),
        Err(AuthError::BadMac { .. })
    ));
    let mut nak = request();
    nak.extend_from_slice(&[0; 4]);
    assert!(verify_packet(&s, &nak).is_err());
    // The store (keys, trust) is unchanged and the genuine packet still verifies.
    assert_eq!(format!("{s:?}"), before);
    assert_eq!(
        verify_packet(&s, &signed(&s, 1)).unwrap().unwrap().key_id,
        id(1)
    );
}

#[test]
fn cve_2014_9293_keys_weaker_than_80_bits_draw_a_warning() {
    let mut s = KeyStore::new();
    let w = s
        .insert(
            id(9),
            Key::from_ascii(MacAlgorithm::Aes128Cmac, "0000000000000000").unwrap(),
        )
        .unwrap();
    assert!(w.is_empty(), "16 characters are about 104 bits: {w:?}");
    let w = s
        .insert(
            id(9),
            Key::from_ascii(MacAlgorithm::HmacSha256, "short").unwrap(),
        )
        .unwrap();
    assert!(matches!(w.as_slice(), [KeyWarning::ShortKey { key_id, .. }] if *key_id == id(9)));
}

#[test]
fn untrusted_or_revoked_keys_authenticate_nothing() {
    let mut s = store();
    let packet = signed(&s, 2);
    s.untrust(id(2));
    assert_eq!(
        verify_packet(&s, &packet),
        Err(AuthError::Untrusted { key_id: id(2) })
    );
    assert!(!s.is_trusted(id(2)));
    // Nor can we sign with it.
    assert_eq!(
        s.sign(id(2), &request(), &mut [0; 24]),
        Err(AuthError::Untrusted { key_id: id(2) })
    );
    s.trust(id(2));
    s.revoke(id(2));
    assert_eq!(
        verify_packet(&s, &packet),
        Err(AuthError::Revoked { key_id: id(2) })
    );
    s.unrevoke(id(2));
    assert!(verify_packet(&s, &packet).is_ok());
    // A trusted id without a key is still unknown.
    s.trust(id(77));
    assert_eq!(
        verify(&s, &request(), 77, &[0; 16]),
        Err(AuthError::UnknownKey { key_id: 77 })
    );
}

#[test]
fn any_single_bit_flip_in_the_authenticated_bytes_or_mac_is_detected() {
    let s = store();
    for key in [1, 2] {
        let good = signed(&s, key);
        for byte in 0..good.len() {
            if (48..52).contains(&byte) {
                continue; // key id field: changes which key is looked up, tested above
            }
            let mut bad = good.clone();
            bad[byte] ^= 1;
            assert!(verify_packet(&s, &bad).is_err(), "key {key}, byte {byte}");
        }
    }
}

#[test]
fn free_sign_and_store_sign_agree() {
    let s = store();
    let key = s.get(id(1)).unwrap();
    let mut a = [0u8; 24];
    let mut b = [0u8; 24];
    let n = sign(id(1), key, &request(), &mut a).unwrap();
    assert_eq!(s.sign(id(1), &request(), &mut b).unwrap(), n);
    assert_eq!(a, b);
    assert_eq!(
        sign(id(1), key, &request(), &mut [0u8; 19]),
        Err(AuthError::BufferTooSmall {
            needed: 20,
            available: 19
        })
    );
}

#[test]
fn mac_after_extension_fields_covers_header_and_fields() {
    use md5::{Digest, Md5};
    // RFC 7822: a 16-byte extension field (type 0x0104, unknown to everyone) then a MAC.
    let mut s = KeyStore::new();
    s.insert(
        id(3),
        Key::from_ascii(MacAlgorithm::Md5, "abcdefgh").unwrap(),
    )
    .unwrap();
    s.trust(id(3));
    let mut p = request();
    p.extend_from_slice(&[0x01, 0x04, 0x00, 0x10]);
    p.extend_from_slice(&[0xab; 12]);
    // The MAC, computed independently of ntpkit-auth: MD5(key || header || field).
    let digest = Md5::new()
        .chain_update(b"abcdefgh")
        .chain_update(&p)
        .finalize();
    p.extend_from_slice(&[0, 0, 0, 3]);
    p.extend_from_slice(&digest);
    let v = verify_packet(&s, &p).unwrap().unwrap();
    assert_eq!(v.key_id, id(3));
    // Changing the extension field breaks the MAC.
    p[60] ^= 1;
    assert!(matches!(
        verify_packet(&s, &p),
        Err(AuthError::BadMac { .. })
    ));
}
