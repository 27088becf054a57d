//! KeyStore behaviour: trusted ranges, control/request keys, revocation, and pluggable
//! MAC providers.

use std::sync::atomic::{AtomicUsize, Ordering};

use ntpkit_auth::{
    AuthError, DEFAULT_PROVIDER, Key, KeyId, KeyIdSet, KeyStore, MacAlgorithm, MacProvider,
    parse_ntp_keys, verify, verify_for,
};

fn id(v: u32) -> KeyId {
    KeyId::new(v).unwrap()
}

fn store_with_keys(ids: &[u32]) -> KeyStore {
    let mut s = KeyStore::new();
    for &v in ids {
        s.insert(
            id(v),
            Key::new(MacAlgorithm::HmacSha256, &[v as u8; 16]).unwrap(),
        )
        .unwrap();
    }
    s
}

#[test]
fn trustedkey_ranges_activate_only_the_listed_keys() {
    let mut s = store_with_keys(&[1, 2, 3, 10, 15, 20, 21]);
    let trusted: KeyIdSet = "1 3 (10 ... 20)".parse().unwrap();
    s.trust_set(&trusted);
    let active: Vec<u16> = s
        .key_ids()
        .filter(|&k| s.is_trusted(k))
        .map(KeyId::get)
        .collect();
    assert_eq!(active, [1, 3, 10, 15, 20]);
    // Installed but not trusted: no signing, no verifying.
    let mut t = [0u8; 24];
    assert_eq!(
        s.sign(id(2), b"x", &mut t),
        Err(AuthError::Untrusted { key_id: id(2) })
    );
    // Trusted but not installed.
    assert!(!s.is_trusted(id(11)));
    assert_eq!(
        s.sign(id(11), b"x", &mut t),
        Err(AuthError::UnknownKey { key_id: 11 })
    );
}

#[test]
fn control_key_authenticates_mode_6_only_with_that_key() {
    let mut s = store_with_keys(&[5, 6]);
    s.trust(id(5));
    s.trust(id(6));
    s.set_control_key(Some(id(5)));
    s.set_request_key(Some(id(6)));
    assert_eq!(
        (s.control_key(), s.request_key()),
        (Some(id(5)), Some(id(6)))
    );
    let msg = b"\x16\x02\x00\x01mode 6 write";
    let mut t = [0u8; 24];
    let n = s.sign(id(6), msg, &mut t).unwrap();
    let control = s.control_key().unwrap();
    // Signed with the (trusted) request key: not good enough for a control write.
    assert_eq!(
        verify_for(&s, control, msg, Some((6, &t[4..n]))),
        Err(AuthError::UnexpectedKeyId {
            expected: id(5),
            actual: 6
        })
    );
    let n = s.sign(id(5), msg, &mut t).unwrap();
    assert_eq!(
        verify_for(&s, control, msg, Some((5, &t[4..n])))
            .unwrap()
            .key_id,
        id(5)
    );
}

#[test]
fn revocation_overrides_trust_and_removal_forgets_the_key() {
    let mut s = store_with_keys(&[7]);
    s.trust(id(7));
    let mut t = [0u8; 24];
    let n = s.sign(id(7), b"m", &mut t).unwrap();
    s.revoke(id(7));
    assert!(s.is_revoked(id(7)) && !s.is_trusted(id(7)));
    assert_eq!(
        verify(&s, b"m", 7, &t[4..n]),
        Err(AuthError::Revoked { key_id: id(7) })
    );
    s.unrevoke(id(7));
    assert!(verify(&s, b"m", 7, &t[4..n]).is_ok());
    assert!(s.remove(id(7)).is_some());
    assert_eq!(
        verify(&s, b"m", 7, &t[4..n]),
        Err(AuthError::UnknownKey { key_id: 7 })
    );
}

#[test]
fn key_file_install_then_trust() {
    let file = parse_ntp_keys(
        "ntp.keys",
        "1 MD5 abcdefgh\n2 AES128CMAC 0123456789abcdef\n",
    )
    .unwrap();
    let mut s = KeyStore::new();
    let warnings = file.install(&mut s).unwrap();
    // MD5 is weak and "abcdefgh" is ~52 bits: two warnings for key 1, none for key 2.
    assert_eq!(warnings.len(), 2);
    assert_eq!(s.len(), 2);
    assert!(!s.is_trusted(id(1)) && !s.is_trusted(id(2)));
}

/// A provider that only does AES-128-CMAC, by delegation, and counts its calls.
struct CountingAesOnly(AtomicUsize);

impl MacProvider for CountingAesOnly {
    fn supports(&self, algorithm: MacAlgorithm) -> bool {
        algorithm == MacAlgorithm::Aes128Cmac
    }
    fn compute(
        &self,
        algorithm: MacAlgorithm,
        key: &[u8],
        message: &[u8],
        out: &mut [u8],
    ) -> Result<(), AuthError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        DEFAULT_PROVIDER.compute(algorithm, key, message, out)
    }
}

static COUNTING: CountingAesOnly = CountingAesOnly(AtomicUsize::new(0));

#[test]
fn an_embedder_can_bring_its_own_provider() {
    let mut s = KeyStore::new();
    s.insert(
        id(1),
        Key::new(MacAlgorithm::Aes128Cmac, b"0123456789abcdef").unwrap(),
    )
    .unwrap();
    s.insert(
        id(2),
        Key::new(MacAlgorithm::Sha256, b"sha256 key here!").unwrap(),
    )
    .unwrap();
    s.trust(id(1));
    s.trust(id(2));
    s.set_provider(&COUNTING);
    let before = COUNTING.0.load(Ordering::Relaxed);
    let mut t = [0u8; 24];
    let n = s.sign(id(1), b"ijklmnopqrstuvwx", &mut t).unwrap();
    // NTPsec's AES-128-CMAC vector, through the custom provider.
    assert_eq!(
        t[4..n],
        [
            0xb0, 0xa1, 0xcf, 0xd2, 0x7f, 0x69, 0x0c, 0x43, 0xa7, 0x5d, 0x6c, 0x55, 0x91, 0x4b,
            0x15, 0x14
        ]
    );
    assert!(verify(&s, b"ijklmnopqrstuvwx", 1, &t[4..n]).is_ok());
    assert_eq!(COUNTING.0.load(Ordering::Relaxed) - before, 2);
    assert_eq!(
        s.sign(id(2), b"m", &mut t),
        Err(AuthError::UnsupportedAlgorithm {
            algorithm: MacAlgorithm::Sha256
        })
    );
}
