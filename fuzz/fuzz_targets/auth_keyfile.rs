//! Key-file parsers (ntpd/NTPsec, chrony, auto-detect) on arbitrary text: never panic,
//! bounded keys, and a parsed file installs into a store without panicking either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpkit_auth::{
    AuthPolicy, KeyStore, MAX_KEY_LEN, WeakAlgorithms, parse_chrony_keys, parse_key_file,
    parse_ntp_keys, read_key_file,
};

fuzz_target!(|data: &[u8]| {
    let _ = read_key_file("fuzz.keys", data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for parsed in [
        parse_key_file("fuzz.keys", text),
        parse_ntp_keys("fuzz.keys", text),
        parse_chrony_keys("fuzz.keys", text),
    ] {
        match parsed {
            Ok(file) => {
                for e in &file.entries {
                    assert!(!e.key.is_empty() && e.key.len() <= MAX_KEY_LEN);
                    if let Some(n) = e.key.algorithm().required_key_len() {
                        assert_eq!(e.key.len(), n);
                    }
                }
                let _ = format!("{file:?}");
                let policy = AuthPolicy::default()
                    .with_weak_algorithms(WeakAlgorithms::Refuse)
                    .with_complexity_check(true);
                let _ = file.install(&mut KeyStore::with_policy(policy));
                let mut store = KeyStore::new();
                assert!(file.install(&mut store).is_ok());
                assert_eq!(store.len(), file.entries.len());
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
