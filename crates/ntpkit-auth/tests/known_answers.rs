//! Known-answer vectors from RFC 4493 (AES-CMAC), NIST SP 800-38B (AES-256-CMAC),
//! RFC 4231 (HMAC-SHA256) and NTPsec's published MAC vectors.

use ntpkit_auth::{Key, MacAlgorithm, compute_mac};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn mac(algorithm: MacAlgorithm, key: &[u8], data: &[u8]) -> Vec<u8> {
    let key = Key::new(algorithm, key).unwrap();
    let mut out = [0u8; 20];
    let n = compute_mac(&key, data, &mut out).unwrap();
    out[..n].to_vec()
}

const RFC4493_KEY: &str = "2b7e151628aed2a6abf7158809cf4f3c";
const RFC4493_MSG: &str = "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
                           30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";

#[test]
fn rfc4493_aes128_cmac_examples() {
    let key = hex(RFC4493_KEY);
    let msg = hex(RFC4493_MSG);
    let cases = [
        (0, "bb1d6929e95937287fa37d129b756746"),
        (16, "070a16b46b4d4144f79bdd9dd04a287c"),
        (40, "dfa66747de9ae63030ca32611497c827"),
        (64, "51f0bebf7e3b9d92fc49741779363cfe"),
    ];
    for (len, expected) in cases {
        assert_eq!(
            mac(MacAlgorithm::Aes128Cmac, &key, &msg[..len]),
            hex(expected),
            "RFC 4493 example with {len}-byte message"
        );
    }
}

#[test]
fn sp800_38b_aes256_cmac_examples() {
    let key = hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
    let msg = hex(RFC4493_MSG);
    let cases = [
        (0, "028962f61b7bf89efc6b551f4667d983"),
        (16, "28a7023f452e8f82bd4bf28d8c37c35c"),
        (40, "aaf3d8f1de5640c232f5b169b9c911e6"),
        (64, "e1992190549f6ed5696a2c056c315410"),
    ];
    for (len, expected) in cases {
        assert_eq!(
            mac(MacAlgorithm::Aes256Cmac, &key, &msg[..len]),
            hex(expected),
            "SP 800-38B AES-256 example with {len}-byte message"
        );
    }
}

/// RFC 4231 section 4: HMAC-SHA-256 outputs; NTP carries the first 20 bytes.
#[test]
fn rfc4231_hmac_sha256_truncated_to_20() {
    let aa131 = vec![0xaa; 131];
    let cases: Vec<(Vec<u8>, Vec<u8>, &str)> = vec![
        (vec![0x0b; 20], b"Hi There".to_vec(),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (b"Jefe".to_vec(), b"what do ya want for nothing?".to_vec(),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (vec![0xaa; 20], vec![0xdd; 50],
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ((1..=25).collect(), vec![0xcd; 50],
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (aa131.clone(), b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (aa131, b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".to_vec(),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ];
    for (i, (key, data, full)) in cases.into_iter().enumerate() {
        let got = mac(MacAlgorithm::HmacSha256, &key, &data);
        assert_eq!(got.len(), 20);
        assert_eq!(got, hex(full)[..20], "RFC 4231 case {}", i + 1);
    }
}

/// NTPsec's tests/libntp/macencrypt.c vectors.
#[test]
fn ntpsec_md5_vector() {
    assert_eq!(
        mac(MacAlgorithm::Md5, b"abcdefgh", b"ijklmnopqrstuvwx"),
        hex("0c0e84cf0bb7a8688e5238dbbc1c3953")
    );
}

#[test]
fn ntpsec_aes128_cmac_vector() {
    assert_eq!(
        mac(
            MacAlgorithm::Aes128Cmac,
            b"0123456789abcdef",
            b"ijklmnopqrstuvwx"
        ),
        hex("b0a1cfd27f690c43a75d6c55914b1514")
    );
}

/// Keyed digests are H(key || data), as ntpd and chrony compute them. Expected values were
/// computed independently with Python's hashlib:
/// `hashlib.sha1(b"abcdefgh" + b"ijklmnopqrstuvwx").hexdigest()` etc.
#[test]
fn keyed_sha_digests_match_independent_computation() {
    assert_eq!(
        mac(MacAlgorithm::Sha1, b"abcdefgh", b"ijklmnopqrstuvwx"),
        hex(SHA1_ABCDEFGH)
    );
    assert_eq!(
        mac(MacAlgorithm::Sha256, b"abcdefgh", b"ijklmnopqrstuvwx"),
        hex(SHA256_ABCDEFGH)[..20]
    );
}

const SHA1_ABCDEFGH: &str = "d717e22e1659305fad6ef08864923db64aba9c08";
const SHA256_ABCDEFGH: &str = "93b0cabf8668e0c534c52a568957499e12a284f59d97dc9b2725ef836804875b";

/// The same vectors through a KeyStore, whose keys are prepared once (key schedule, HMAC
/// pads, hasher fed with the key) and cloned per packet.
#[test]
fn prepared_keys_give_the_same_answers() {
    use ntpkit_auth::{KeyId, KeyStore};
    type Case = (MacAlgorithm, Vec<u8>, Vec<u8>, Vec<u8>);
    let cases: [Case; 6] = [
        (
            MacAlgorithm::Md5,
            b"abcdefgh".to_vec(),
            b"ijklmnopqrstuvwx".to_vec(),
            hex("0c0e84cf0bb7a8688e5238dbbc1c3953"),
        ),
        (
            MacAlgorithm::Aes128Cmac,
            b"0123456789abcdef".to_vec(),
            b"ijklmnopqrstuvwx".to_vec(),
            hex("b0a1cfd27f690c43a75d6c55914b1514"),
        ),
        (
            MacAlgorithm::Sha1,
            b"abcdefgh".to_vec(),
            b"ijklmnopqrstuvwx".to_vec(),
            hex(SHA1_ABCDEFGH),
        ),
        (
            MacAlgorithm::Sha256,
            b"abcdefgh".to_vec(),
            b"ijklmnopqrstuvwx".to_vec(),
            hex(SHA256_ABCDEFGH)[..20].to_vec(),
        ),
        (
            MacAlgorithm::HmacSha256,
            b"Jefe".to_vec(),
            b"what do ya want for nothing?".to_vec(),
            hex("5bdcc146bf60754e6a042426089575c75a003f08"),
        ),
        (
            MacAlgorithm::Aes256Cmac,
            hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"),
            hex(RFC4493_MSG)[..16].to_vec(),
            hex("28a7023f452e8f82bd4bf28d8c37c35c"),
        ),
    ];
    for (i, (alg, key, msg, expected)) in cases.into_iter().enumerate() {
        let id = KeyId::new(i as u32 + 1).unwrap();
        let mut store = KeyStore::new();
        store.insert(id, Key::new(alg, &key).unwrap()).unwrap();
        store.trust(id);
        for _ in 0..2 {
            // Twice: the prepared state must not be consumed by the first packet.
            let mut out = [0u8; 20];
            let n = store.compute_mac(id, &msg, &mut out).unwrap();
            assert_eq!(out[..n], expected[..], "{alg}");
        }
        let cloned = store.clone();
        let mut out = [0u8; 20];
        let n = cloned.compute_mac(id, &msg, &mut out).unwrap();
        assert_eq!(out[..n], expected[..], "{alg} after clone");
    }
}
