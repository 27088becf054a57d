//! Producing MACs and MAC trailers.

use crate::{AuthError, DEFAULT_PROVIDER, Key, KeyId, MAX_MAC_LEN, MacAlgorithm, MacProvider};

/// Computes `key`'s MAC over `message` into the start of `out`, returning its wire length
/// (`key.algorithm().mac_len()`), with the default provider.
pub fn compute_mac(key: &Key, message: &[u8], out: &mut [u8]) -> Result<usize, AuthError> {
    compute_mac_with(&DEFAULT_PROVIDER, key, message, out)
}

pub(crate) fn compute_mac_with(
    provider: &dyn MacProvider,
    key: &Key,
    message: &[u8],
    out: &mut [u8],
) -> Result<usize, AuthError> {
    let algorithm = key.algorithm();
    if !provider.supports(algorithm) {
        return Err(AuthError::UnsupportedAlgorithm { algorithm });
    }
    write_mac(algorithm, out, |buf| {
        provider.compute(algorithm, key.expose_secret(), message, buf)
    })
}

/// Runs `compute` on a full-size scratch buffer (providers may assume one) and copies the
/// algorithm's wire length of it to `out`.
pub(crate) fn write_mac(
    algorithm: MacAlgorithm,
    out: &mut [u8],
    compute: impl FnOnce(&mut [u8]) -> Result<(), AuthError>,
) -> Result<usize, AuthError> {
    let n = algorithm.mac_len();
    let available = out.len();
    let dst = out.get_mut(..n).ok_or(AuthError::BufferTooSmall {
        needed: n,
        available,
    })?;
    let mut buf = [0u8; MAX_MAC_LEN];
    compute(&mut buf)?;
    dst.copy_from_slice(buf.get(..n).unwrap_or(&[]));
    Ok(n)
}

/// Writes the MAC trailer (key id, then the MAC of `authenticated`) into `out` and returns
/// its length (4 + `mac_len()`), with the default provider.
///
/// `authenticated` is the packet as it will be sent, up to the trailer: the 48-byte header
/// plus any extension fields. Append the result to it.
///
/// ```
/// use ntpkit_auth::{Key, KeyId, MacAlgorithm, sign};
/// let key = Key::from_ascii(MacAlgorithm::Aes128Cmac, "0123456789abcdef")?;
/// let mut trailer = [0u8; 24];
/// let n = sign(KeyId::new(7).unwrap(), &key, &[0x23; 48], &mut trailer)?;
/// assert_eq!(n, 20);
/// assert_eq!(trailer[..4], [0, 0, 0, 7]);
/// # Ok::<(), ntpkit_auth::AuthError>(())
/// ```
pub fn sign(
    key_id: KeyId,
    key: &Key,
    authenticated: &[u8],
    out: &mut [u8],
) -> Result<usize, AuthError> {
    sign_with(&DEFAULT_PROVIDER, key_id, key, authenticated, out)
}

/// [`sign`] with an explicit provider.
pub fn sign_with(
    provider: &dyn MacProvider,
    key_id: KeyId,
    key: &Key,
    authenticated: &[u8],
    out: &mut [u8],
) -> Result<usize, AuthError> {
    let needed = 4 + key.algorithm().mac_len();
    let available = out.len();
    let (id_field, mac_field) = out
        .get_mut(..needed)
        .map(|t| t.split_at_mut(4))
        .ok_or(AuthError::BufferTooSmall { needed, available })?;
    id_field.copy_from_slice(&key_id.to_be_bytes());
    compute_mac_with(provider, key, authenticated, mac_field)?;
    Ok(needed)
}
