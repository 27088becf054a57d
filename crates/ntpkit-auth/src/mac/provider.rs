//! The crypto back-end trait, shaped after rustls' `CryptoProvider`: an embedder with its
//! own crypto (a hardware engine, a FIPS module) implements it and hands it to the
//! [`KeyStore`](crate::KeyStore).

use alloc::boxed::Box;

use crate::{AuthError, MacAlgorithm};

/// Per-key state a provider builds once (a cipher's key schedule, HMAC's inner and outer
/// pads) so that each packet costs only the MAC itself.
///
/// It holds key material: implementations must not print it in `Debug`.
pub trait PreparedMac: Send + Sync {
    /// Computes the MAC of `message` and writes its wire-length prefix to the start of
    /// `out` (at least [`MAX_MAC_LEN`](crate::MAX_MAC_LEN) bytes), like
    /// [`MacProvider::compute`].
    fn compute(&self, message: &[u8], out: &mut [u8]) -> Result<(), AuthError>;
}

/// A back end that computes NTP MACs.
pub trait MacProvider: Send + Sync {
    /// Whether the provider implements `algorithm`.
    fn supports(&self, algorithm: MacAlgorithm) -> bool;

    /// Computes the MAC of `message` under `key` and writes the first
    /// `algorithm.mac_len()` bytes (the wire form, truncated as NTPv4 requires) to the
    /// start of `out`.
    ///
    /// `key` has already been checked to suit the algorithm (AES keys have their exact
    /// size). `out` is at least [`MAX_MAC_LEN`](crate::MAX_MAC_LEN) bytes long. Returns
    /// [`AuthError::UnsupportedAlgorithm`] for an algorithm the provider lacks.
    fn compute(
        &self,
        algorithm: MacAlgorithm,
        key: &[u8],
        message: &[u8],
        out: &mut [u8],
    ) -> Result<(), AuthError>;

    /// Builds reusable per-key state, or `None` when the provider has none to offer (then
    /// [`compute`](Self::compute) is called for every packet). The
    /// [`KeyStore`](crate::KeyStore) prepares each key when it is installed.
    fn prepare(&self, algorithm: MacAlgorithm, key: &[u8]) -> Option<Box<dyn PreparedMac>> {
        let _ = (algorithm, key);
        None
    }
}
