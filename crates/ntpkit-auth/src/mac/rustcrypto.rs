//! The default provider, built on the RustCrypto crates.

use alloc::boxed::Box;

use aes::{Aes128, Aes256};
use cmac::Cmac;
use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::{AuthError, MacAlgorithm, MacProvider, PreparedMac};

/// The default [`MacProvider`]: md-5, sha1, sha2, hmac, cmac and aes from RustCrypto.
#[derive(Clone, Copy, Debug, Default)]
pub struct RustCryptoProvider;

/// The provider [`KeyStore`](crate::KeyStore) uses unless told otherwise.
pub static DEFAULT_PROVIDER: RustCryptoProvider = RustCryptoProvider;

/// Copies the wire-length prefix of a full digest into `out`.
fn put(full: &[u8], wire_len: usize, out: &mut [u8]) -> Result<(), AuthError> {
    let src = full.get(..wire_len);
    let dst = out.get_mut(..wire_len);
    match (src, dst) {
        (Some(src), Some(dst)) => {
            dst.copy_from_slice(src);
            Ok(())
        }
        _ => Err(AuthError::BufferTooSmall {
            needed: wire_len,
            available: out.len(),
        }),
    }
}

/// The ntpd/chrony keyed digest: H(key ‖ message). Not HMAC, and length-extendable, which
/// is one reason MD5 and SHA-1 are called weak here.
fn keyed_digest<D: Digest>(key: &[u8], message: &[u8]) -> impl AsRef<[u8]> {
    let mut h = D::new();
    h.update(key);
    h.update(message);
    h.finalize()
}

fn mac<M: Mac + KeyInit>(
    algorithm: MacAlgorithm,
    key: &[u8],
    message: &[u8],
) -> Result<impl AsRef<[u8]>, AuthError> {
    let mut m = <M as KeyInit>::new_from_slice(key).map_err(|_| AuthError::BadKeyLength {
        algorithm,
        actual: key.len(),
        expected: "the cipher's key size",
    })?;
    m.update(message);
    Ok(m.finalize().into_bytes())
}

/// HMAC-SHA256 with its inner and outer pads already hashed: cloning it per packet saves two
/// of the four SHA-256 compressions a 48-byte packet costs. The keyed digests gain nothing
/// (the key is only buffered), and cloning an AES-CMAC instance (whose `aes` key schedule
/// carries both the AES-NI and the software layouts) was measured slower than expanding the
/// key again, so those are computed from the key bytes each time.
#[derive(Clone)]
struct PreparedHmacSha256(Hmac<Sha256>);

impl PreparedMac for PreparedHmacSha256 {
    fn compute(&self, message: &[u8], out: &mut [u8]) -> Result<(), AuthError> {
        let tag = self.0.clone().chain_update(message).finalize().into_bytes();
        put(&tag, MacAlgorithm::HmacSha256.mac_len(), out)
    }
}

impl MacProvider for RustCryptoProvider {
    fn prepare(&self, algorithm: MacAlgorithm, key: &[u8]) -> Option<Box<dyn PreparedMac>> {
        match algorithm {
            MacAlgorithm::HmacSha256 => {
                let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).ok()?;
                Some(Box::new(PreparedHmacSha256(mac)))
            }
            _ => None,
        }
    }

    fn supports(&self, _algorithm: MacAlgorithm) -> bool {
        true
    }

    fn compute(
        &self,
        algorithm: MacAlgorithm,
        key: &[u8],
        message: &[u8],
        out: &mut [u8],
    ) -> Result<(), AuthError> {
        let n = algorithm.mac_len();
        match algorithm {
            MacAlgorithm::Md5 => put(keyed_digest::<Md5>(key, message).as_ref(), n, out),
            MacAlgorithm::Sha1 => put(keyed_digest::<Sha1>(key, message).as_ref(), n, out),
            MacAlgorithm::Sha256 => put(keyed_digest::<Sha256>(key, message).as_ref(), n, out),
            MacAlgorithm::HmacSha256 => put(
                mac::<Hmac<Sha256>>(algorithm, key, message)?.as_ref(),
                n,
                out,
            ),
            MacAlgorithm::Aes128Cmac => put(
                mac::<Cmac<Aes128>>(algorithm, key, message)?.as_ref(),
                n,
                out,
            ),
            MacAlgorithm::Aes256Cmac => put(
                mac::<Cmac<Aes256>>(algorithm, key, message)?.as_ref(),
                n,
                out,
            ),
        }
    }
}
