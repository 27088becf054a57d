//! Checking received MACs.

use crate::mac::ct::ct_eq;
use crate::{AuthError, KeyId, KeyStore, MAX_MAC_LEN, MacAlgorithm};

/// A MAC that verified: which key and algorithm authenticated the packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// The key that matched.
    pub key_id: KeyId,
    /// Its algorithm.
    pub algorithm: MacAlgorithm,
}

/// Verifies a received MAC trailer against the store.
///
/// `authenticated` is everything the MAC covers (header and extension fields, as
/// `ntpkit-wire`'s `NtpPacket::authenticated_len()` delimits it); `key_id` and `digest`
/// are the trailer's fields. The key must be installed, trusted and not revoked; the digest
/// must have exactly the algorithm's wire length; the comparison is constant-time.
/// A 4-byte trailer with key id 0 (empty digest) is a crypto-NAK and authenticates nothing.
///
/// ```
/// use ntpkit_auth::{AuthError, Key, KeyId, KeyStore, MacAlgorithm, sign, verify};
/// let id = KeyId::new(1).unwrap();
/// let key = Key::from_ascii(MacAlgorithm::Md5, "abcdefgh")?;
/// let mut store = KeyStore::new();
/// store.insert(id, key.clone())?;
/// store.trust(id);
/// let mut trailer = [0u8; 24];
/// let n = sign(id, &key, b"ijklmnopqrstuvwx", &mut trailer)?;
/// let ok = verify(&store, b"ijklmnopqrstuvwx", 1, &trailer[4..n])?;
/// assert_eq!(ok.key_id, id);
/// assert!(matches!(verify(&store, b"tampered", 1, &trailer[4..n]), Err(AuthError::BadMac { .. })));
/// # Ok::<(), AuthError>(())
/// ```
pub fn verify(
    store: &KeyStore,
    authenticated: &[u8],
    key_id: u32,
    digest: &[u8],
) -> Result<Verified, AuthError> {
    if key_id == 0 && digest.is_empty() {
        return Err(AuthError::CryptoNak);
    }
    let id = KeyId::new(key_id).ok_or(AuthError::UnknownKey { key_id })?;
    let key = store.get(id).ok_or(AuthError::UnknownKey { key_id })?;
    if store.is_revoked(id) {
        return Err(AuthError::Revoked { key_id: id });
    }
    if !store.trusted().contains(id) {
        return Err(AuthError::Untrusted { key_id: id });
    }
    let algorithm = key.algorithm();
    if !store.policy().allows(algorithm) {
        return Err(AuthError::WeakAlgorithmRefused {
            key_id: id,
            algorithm,
        });
    }
    let expected = algorithm.mac_len();
    if digest.len() != expected {
        return Err(AuthError::WrongMacLength {
            key_id: id,
            algorithm,
            expected,
            actual: digest.len(),
        });
    }
    let mut computed = [0u8; MAX_MAC_LEN];
    let n = store.mac_with_key(id, key, authenticated, &mut computed)?;
    if ct_eq(computed.get(..n).unwrap_or(&[]), digest) {
        Ok(Verified {
            key_id: id,
            algorithm,
        })
    } else {
        Err(AuthError::BadMac {
            key_id: id,
            algorithm,
        })
    }
}

/// Verifies a packet for an association configured with key `expected`
/// (CVE-2015-1798, CVE-2015-7974): a packet without a MAC, with a crypto-NAK, or with any
/// other key id fails, even if that other key is trusted.
///
/// `mac` is the trailer's `(key_id, digest)`, or `None` when the packet has no MAC.
pub fn verify_for(
    store: &KeyStore,
    expected: KeyId,
    authenticated: &[u8],
    mac: Option<(u32, &[u8])>,
) -> Result<Verified, AuthError> {
    let Some((key_id, digest)) = mac else {
        return Err(AuthError::MissingMac { expected });
    };
    if key_id == 0 && digest.is_empty() {
        return Err(AuthError::CryptoNak);
    }
    if key_id != u32::from(expected) {
        return Err(AuthError::UnexpectedKeyId {
            expected,
            actual: key_id,
        });
    }
    verify(store, authenticated, key_id, digest)
}
