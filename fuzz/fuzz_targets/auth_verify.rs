//! MAC verification of arbitrary packets against a store holding one trusted key per
//! algorithm. Never panics; whatever verifies must be exactly what signing produces.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpkit_auth::{Key, KeyId, KeyStore, MacAlgorithm, verify, verify_packet, verify_packet_for};

/// Key ids 1..=6; the seed generator (fuzz/seeds/auth_verify) uses the same secrets.
const KEYS: [(MacAlgorithm, &[u8]); 6] = [
    (MacAlgorithm::Md5, b"fuzz-md5-key"),
    (MacAlgorithm::Sha1, b"fuzz-sha1-key"),
    (MacAlgorithm::Sha256, b"fuzz-sha256-key"),
    (MacAlgorithm::HmacSha256, b"fuzz-hmac-key"),
    (MacAlgorithm::Aes128Cmac, b"0123456789abcdef"),
    (
        MacAlgorithm::Aes256Cmac,
        b"0123456789abcdef0123456789abcdef",
    ),
];

fn store() -> KeyStore {
    let mut store = KeyStore::new();
    for (i, (alg, secret)) in KEYS.iter().enumerate() {
        let id = KeyId::new(i as u32 + 1).unwrap();
        store.insert(id, Key::new(*alg, secret).unwrap()).unwrap();
        store.trust(id);
    }
    store
}

fuzz_target!(|data: &[u8]| {
    let store = store();
    // Whole packets, as a daemon would see them.
    if let Ok(Some(v)) = verify_packet(&store, data) {
        // A MAC that verifies is the MAC we would have produced.
        let n = data.len() - 4 - v.algorithm.mac_len();
        let mut trailer = [0u8; 24];
        let len = store.sign(v.key_id, &data[..n], &mut trailer).unwrap();
        assert_eq!(&trailer[..len], &data[n..]);
    }
    if let Some((&first, _)) = data.split_first() {
        if let Some(id) = KeyId::new(u32::from(first % 8)) {
            let _ = verify_packet_for(&store, id, data);
        }
    }
    // Raw trailer fields: key id from the first 4 bytes, digest from the next 0..=24.
    if data.len() >= 5 {
        let key_id = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
        let dlen = usize::from(data[4] % 25).min(data.len() - 5);
        let (digest, message) = data[5..].split_at(dlen);
        let _ = verify(&store, message, key_id, digest);
    }
});
