//! The router manual's key policy: weak algorithms, complexity check, 80-bit warning.

use ntpkit_auth::{
    AuthError, AuthPolicy, Key, KeyId, KeyStore, KeyWarning, MacAlgorithm, WeakAlgorithms,
    is_complex, parse_ntp_keys,
};

fn id(v: u32) -> KeyId {
    KeyId::new(v).unwrap()
}

#[test]
fn weak_algorithms_are_allowed_with_a_warning_by_default() {
    let mut store = KeyStore::new();
    let w = store
        .insert(
            id(1),
            Key::from_ascii(MacAlgorithm::Md5, "Long-Enough-Passw0rd").unwrap(),
        )
        .unwrap();
    assert_eq!(
        w,
        vec![KeyWarning::WeakAlgorithm {
            key_id: id(1),
            algorithm: MacAlgorithm::Md5
        }]
    );
    assert!(w[0].to_string().contains("weak"));
    let w = store
        .insert(id(2), Key::new(MacAlgorithm::Aes128Cmac, &[7; 16]).unwrap())
        .unwrap();
    assert!(
        w.is_empty(),
        "AES-128 with a 128-bit key draws no warning: {w:?}"
    );
}

#[test]
fn weak_algorithms_can_be_refused() {
    let policy = AuthPolicy::default().with_weak_algorithms(WeakAlgorithms::Refuse);
    let mut store = KeyStore::with_policy(policy);
    for alg in [MacAlgorithm::Md5, MacAlgorithm::Sha1] {
        let err = store
            .insert(id(1), Key::new(alg, &[1; 20]).unwrap())
            .unwrap_err();
        assert_eq!(
            err,
            AuthError::WeakAlgorithmRefused {
                key_id: id(1),
                algorithm: alg
            }
        );
    }
    assert!(store.is_empty());
    for alg in [
        MacAlgorithm::Sha256,
        MacAlgorithm::HmacSha256,
        MacAlgorithm::Aes256Cmac,
    ] {
        let len = alg.required_key_len().unwrap_or(20);
        store
            .insert(id(2), Key::new(alg, &vec![1; len]).unwrap())
            .unwrap();
    }
    // A key file with an MD5 key is refused with file and line.
    let file = parse_ntp_keys(
        "ntp.keys",
        "1 SHA256 Str0ng-Passw0rd!\n2 MD5 Str0ng-Passw0rd!\n",
    )
    .unwrap();
    let err = file
        .install(&mut KeyStore::with_policy(policy))
        .unwrap_err();
    assert!(matches!(err, AuthError::KeyFile { line: 2, .. }), "{err:?}");
}

#[test]
fn complexity_check_needs_8_chars_and_two_classes() {
    let k = |s: &str| Key::from_ascii(MacAlgorithm::HmacSha256, s).unwrap();
    assert!(!is_complex(&k("Ab1!")), "too short");
    assert!(!is_complex(&k("abcdefghij")), "one class");
    assert!(!is_complex(&k("1234567890")), "one class");
    assert!(is_complex(&k("abcdefg1")), "lower + digit");
    assert!(is_complex(&k("ABCDEFG!")), "upper + symbol");

    let policy = AuthPolicy::default().with_complexity_check(true);
    let mut store = KeyStore::with_policy(policy);
    assert_eq!(
        store.insert(id(3), k("abcdefghijklmnop")).unwrap_err(),
        AuthError::KeyTooSimple { key_id: id(3) }
    );
    store.insert(id(3), k("abcdefgh12345678")).unwrap();
    // Off by default.
    KeyStore::new().insert(id(3), k("abc")).unwrap();
}

#[test]
fn keys_under_80_bits_draw_a_warning() {
    let mut store = KeyStore::new();
    // 12 ASCII characters: about 78 bits.
    let w = store
        .insert(
            id(1),
            Key::from_ascii(MacAlgorithm::HmacSha256, "Abcdefgh1234").unwrap(),
        )
        .unwrap();
    assert!(
        matches!(
            w.as_slice(),
            [KeyWarning::ShortKey {
                bits: 78,
                min_bits: 80,
                ..
            }]
        ),
        "{w:?}"
    );
    // 13 characters: about 84 bits, no warning.
    let w = store
        .insert(
            id(1),
            Key::from_ascii(MacAlgorithm::HmacSha256, "Abcdefgh12345").unwrap(),
        )
        .unwrap();
    assert!(w.is_empty(), "{w:?}");
    // 9 raw bytes = 72 bits warns; 10 bytes = 80 bits does not.
    let w = store
        .insert(id(2), Key::new(MacAlgorithm::Sha256, &[9; 9]).unwrap())
        .unwrap();
    assert!(
        matches!(w.as_slice(), [KeyWarning::ShortKey { bits: 72, .. }]),
        "{w:?}"
    );
    let w = store
        .insert(id(2), Key::new(MacAlgorithm::Sha256, &[9; 10]).unwrap())
        .unwrap();
    assert!(w.is_empty());
}

#[test]
fn aes_keys_must_have_the_cipher_size() {
    assert!(Key::new(MacAlgorithm::Aes128Cmac, &[0; 15]).is_err());
    assert!(Key::new(MacAlgorithm::Aes128Cmac, &[0; 32]).is_err());
    assert!(Key::new(MacAlgorithm::Aes256Cmac, &[0; 16]).is_err());
    assert!(Key::new(MacAlgorithm::Md5, &[]).is_err());
    assert!(Key::new(MacAlgorithm::Md5, &[0; 257]).is_err());
}

#[test]
fn algorithm_names_of_every_dialect_parse() {
    use MacAlgorithm::*;
    let cases = [
        ("MD5", Md5),
        ("md5", Md5),
        ("M", Md5),
        ("SHA1", Sha1),
        ("sha", Sha1),
        ("SHA-1", Sha1),
        ("SHA256", Sha256),
        ("hmac-sha256", HmacSha256),
        ("HMAC-SHA256", HmacSha256),
        ("AES128CMAC", Aes128Cmac),
        ("aes-128-cmac", Aes128Cmac),
        ("AES128", Aes128Cmac),
        ("AES", Aes128Cmac),
        ("AES256CMAC", Aes256Cmac),
        ("aes-256-cmac", Aes256Cmac),
        ("AES256", Aes256Cmac),
    ];
    for (name, alg) in cases {
        assert_eq!(name.parse::<MacAlgorithm>().unwrap(), alg, "{name}");
    }
    assert!("DES".parse::<MacAlgorithm>().is_err());
    assert!("SHA512".parse::<MacAlgorithm>().is_err());
    for alg in MacAlgorithm::ALL {
        assert_eq!(alg.to_string().parse::<MacAlgorithm>().unwrap(), alg);
        if let Some(c) = alg.chrony_name() {
            assert_eq!(c.parse::<MacAlgorithm>().unwrap(), alg);
        }
    }
    let lens: Vec<usize> = MacAlgorithm::ALL.iter().map(|a| a.mac_len()).collect();
    assert_eq!(lens, [16, 20, 20, 20, 16, 16]);
}

#[cfg(feature = "serde")]
#[test]
fn config_facing_types_round_trip_through_serde() {
    use ntpkit_auth::KeyIdSet;
    let set: KeyIdSet = "1 2 10-20".parse().unwrap();
    let json =
        serde_json::to_string(&(id(7), MacAlgorithm::Aes128Cmac, &set, AuthPolicy::default()))
            .unwrap();
    assert_eq!(
        json,
        r#"[7,"AES128CMAC","1-2 10-20",{"weak_algorithms":"allow-with-warning","complexity_check":false,"min_key_bits":80}]"#
    );
    let back: (KeyId, MacAlgorithm, KeyIdSet, AuthPolicy) = serde_json::from_str(&json).unwrap();
    assert_eq!(
        back,
        (id(7), MacAlgorithm::Aes128Cmac, set, AuthPolicy::default())
    );
    assert!(serde_json::from_str::<KeyId>("0").is_err());
    assert!(serde_json::from_str::<KeyId>("65535").is_err());
    assert_eq!(
        serde_json::from_str::<MacAlgorithm>("\"hmac-sha256\"").unwrap(),
        MacAlgorithm::HmacSha256
    );
}
