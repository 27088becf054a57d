//! Property tests: what we sign, we verify; any change to the covered bytes or the MAC is
//! caught; whatever the input, verification returns a value and never panics.

use ntpkit_auth::{AuthError, Key, KeyId, KeyStore, MacAlgorithm, verify, verify_packet};
use proptest::prelude::*;

fn algorithm() -> impl Strategy<Value = MacAlgorithm> {
    prop::sample::select(MacAlgorithm::ALL.to_vec())
}

fn keyed(algorithm: MacAlgorithm, secret: &[u8]) -> (KeyStore, KeyId) {
    let len = algorithm.required_key_len().unwrap_or(secret.len().max(1));
    let mut bytes = secret.to_vec();
    bytes.resize(len, 0x42);
    let id = KeyId::new(42).unwrap();
    let mut store = KeyStore::new();
    store
        .insert(id, Key::new(algorithm, &bytes).unwrap())
        .unwrap();
    store.trust(id);
    (store, id)
}

proptest! {
    #[test]
    fn signed_messages_verify_and_tampering_is_caught(
        alg in algorithm(),
        secret in prop::collection::vec(any::<u8>(), 1..64),
        message in prop::collection::vec(any::<u8>(), 0..200),
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let (store, id) = keyed(alg, &secret);
        let mut trailer = [0u8; 24];
        let n = store.sign(id, &message, &mut trailer).unwrap();
        prop_assert_eq!(n, 4 + alg.mac_len());
        prop_assert_eq!(&trailer[..4], &[0, 0, 0, 42]);
        let ok = verify(&store, &message, 42, &trailer[4..n]).unwrap();
        prop_assert_eq!(ok.algorithm, alg);

        let mut bad_mac = trailer;
        let i = 4 + flip.index(n - 4);
        bad_mac[i] ^= 1 << bit;
        let is_bad_mac = matches!(verify(&store, &message, 42, &bad_mac[4..n]), Err(AuthError::BadMac { .. }));
        prop_assert!(is_bad_mac);

        if !message.is_empty() {
            let mut bad_msg = message.clone();
            let j = flip.index(bad_msg.len());
            bad_msg[j] ^= 1 << bit;
            prop_assert!(verify(&store, &bad_msg, 42, &trailer[4..n]).is_err());
        }
    }

    #[test]
    fn arbitrary_packets_never_panic(packet in prop::collection::vec(any::<u8>(), 0..160)) {
        let (store, _) = keyed(MacAlgorithm::Aes128Cmac, b"0123456789abcdef");
        let _ = verify_packet(&store, &packet);
    }
}
