//! The crypto back-end trait, shaped after rustls' `CryptoProvider`: an embedder with its
//! own crypto (a hardware engine, a FIPS module) implements it and hands it to the
//! [`KeyStore`](crate::KeyStore).

use crate::{AuthError, MacAlgorithm};

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
}
