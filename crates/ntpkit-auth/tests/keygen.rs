//! Generated keys: the random bytes become the secret unchanged, the key-file line reads
//! back as the same key in ntpd's dialect, and a failing random source yields no key
//! (CVE-2014-9294 is about where the bytes come from; `ntpkit-keygen`'s tests check that
//! they come from the operating system).

use ntpkit_auth::{
    AuthError, KeyId, KeyStore, KeyWarning, MacAlgorithm, generate_key, generated_key_len,
    ntp_key_line, parse_key_file,
};

/// A stand-in "random" source whose output the test can predict: 0x10, 0x11, ...
fn counting(buf: &mut [u8]) -> Result<(), AuthError> {
    for (i, b) in buf.iter_mut().enumerate() {
        *b = 0x10 + i as u8;
    }
    Ok(())
}

#[test]
fn every_algorithm_gets_at_least_128_bits_and_reads_back_from_its_line() {
    let want_len = [
        (MacAlgorithm::Md5, 20),
        (MacAlgorithm::Sha1, 20),
        (MacAlgorithm::Sha256, 32),
        (MacAlgorithm::HmacSha256, 32),
        (MacAlgorithm::Aes128Cmac, 16),
        (MacAlgorithm::Aes256Cmac, 32),
    ];
    let mut file = String::new();
    for (i, (algorithm, len)) in want_len.into_iter().enumerate() {
        assert_eq!(generated_key_len(algorithm), len);
        let key = generate_key(algorithm, counting).unwrap();
        assert_eq!(key.expose_secret().len(), len);
        assert!(key.strength_bits() >= 128, "{algorithm:?}");
        let line = ntp_key_line(KeyId::new(i as u32 + 1).unwrap(), &key);
        // Spelled out independently: id, ntpd type name, lower-case hex of 0x10, 0x11, ...
        let hex: String = (0..len).map(|k| format!("{:02x}", 0x10 + k)).collect();
        assert_eq!(line, format!("{} {} {hex}", i + 1, algorithm.ntp_name()));
        file.push_str(&line);
        file.push('\n');
    }
    let parsed = parse_key_file("generated.keys", &file).unwrap();
    let mut store = KeyStore::new();
    let warnings = parsed.install(&mut store).unwrap();
    // MD5 and SHA-1 draw their weak-algorithm warning; no key is short.
    assert!(
        warnings
            .iter()
            .all(|w| matches!(w, KeyWarning::WeakAlgorithm { .. })),
        "{warnings:?}"
    );
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    for (i, (algorithm, len)) in want_len.into_iter().enumerate() {
        let key = store.get(KeyId::new(i as u32 + 1).unwrap()).unwrap();
        assert_eq!(key.algorithm(), algorithm);
        let want: Vec<u8> = (0..len as u8).map(|k| 0x10 + k).collect();
        assert_eq!(
            key.expose_secret(),
            &want[..],
            "{algorithm:?} read back as hex"
        );
    }
}

#[test]
fn a_failing_random_source_gives_no_key() {
    let failed = generate_key(MacAlgorithm::Aes128Cmac, |_: &mut [u8]| {
        Err(AuthError::RandomSourceFailed)
    });
    assert_eq!(failed.err(), Some(AuthError::RandomSourceFailed));
}

#[test]
fn chrony_lines_use_chronys_names_and_read_back_through_its_parser() {
    let id = KeyId::new(7).unwrap();
    let aes = generate_key(MacAlgorithm::Aes256Cmac, counting).unwrap();
    let hex: String = (0..32).map(|k| format!("{:02X}", 0x10 + k)).collect();
    let line = ntpkit_auth::chrony_key_line(id, &aes).unwrap();
    assert_eq!(line, format!("7 AES256 HEX:{hex}"));
    let parsed = ntpkit_auth::parse_chrony_keys("chrony.keys", &line).unwrap();
    assert_eq!(parsed.entries[0].key.expose_secret(), aes.expose_secret());
    assert_eq!(parsed.entries[0].key.algorithm(), MacAlgorithm::Aes256Cmac);
    // chrony has no HMAC-SHA256 (its digests are keyed hashes).
    let hmac = generate_key(MacAlgorithm::HmacSha256, counting).unwrap();
    assert_eq!(ntpkit_auth::chrony_key_line(id, &hmac), None);
}
