//! What the association fuzz targets share: a key store with a trusted MD5 key, and a
//! deterministic random source, so that an input always takes the same path (a finding
//! must replay).
#![forbid(unsafe_code)]

use ntpkit_assoc::ClientRng;
use ntpkit_auth::{Key, KeyId, KeyStore, MacAlgorithm};

/// A store holding key 1 (MD5, "fuzz-key"), trusted, and that key's id.
pub fn md5_keys() -> (KeyStore, KeyId) {
    let mut keys = KeyStore::new();
    let id = add_md5_key(&mut keys, 1, "fuzz-key");
    (keys, id)
}

/// Adds MD5 key `id` with the ASCII `secret` to `keys` and trusts it.
pub fn add_md5_key(keys: &mut KeyStore, id: u32, secret: &str) -> KeyId {
    let id = KeyId::new(id).unwrap();
    keys.insert(id, Key::from_ascii(MacAlgorithm::Md5, secret).unwrap())
        .unwrap();
    keys.trust(id);
    id
}

/// A linear congruential generator (Numerical Recipes' constants): not random at all,
/// which is the point here.
#[derive(Clone, Debug)]
pub struct Lcg(pub u32);

impl Lcg {
    /// The generator the targets start from.
    pub const START: Lcg = Lcg(0x1234_5678);
}

impl ClientRng for Lcg {
    fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        self.0
    }
}
