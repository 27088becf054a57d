//! Symmetric-key authentication for NTP (RFC 5905 section 7.3, RFC 8573): keys, the key
//! files of ntpd/NTPsec and chrony, trusted and revoked key sets, MAC computation and
//! constant-time verification.
//!
//! The MAC algorithms are the keyed digests ntpd and chrony use (MD5, SHA-1 and SHA-256 of
//! key ‖ packet; not HMAC), AES-128/256-CMAC (RFC 8573) and HMAC-SHA256 (RFC 2104), with
//! the wire lengths listed on [`MacAlgorithm`]. Crypto comes from a [`MacProvider`]; the
//! default one uses the RustCrypto crates.
//!
//! The crate is `no_std` + `alloc` and does no I/O; the `std` feature (on by default) adds
//! [`read_key_file`], which reads from a caller-supplied `std::io::Read`.
//!
//! ```
//! use ntpkit_auth::{KeyId, KeyStore, parse_key_file, verify};
//!
//! // An ntpd key file, and `trustedkey 1` from ntp.conf.
//! let file = parse_key_file("ntp.keys", "1 AES128CMAC 0123456789abcdef\n")?;
//! let mut store = KeyStore::new();
//! let warnings = file.install(&mut store)?;
//! assert!(warnings.is_empty());
//! store.trust(KeyId::new(1).unwrap());
//!
//! // Sign a request, then verify it as the server would.
//! let packet = [0x23u8; 48];
//! let mut trailer = [0u8; 24];
//! let n = store.sign(KeyId::new(1).unwrap(), &packet, &mut trailer)?;
//! let verified = verify(&store, &packet, 1, &trailer[4..n])?;
//! assert_eq!(verified.key_id.get(), 1);
//! # Ok::<(), ntpkit_auth::AuthError>(())
//! ```
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod algorithm;
mod error;
mod key;
mod key_id;
mod key_id_set;
mod keyfile;
mod keygen;
mod mac;
mod policy;
mod store;

pub use algorithm::{MAX_MAC_LEN, MacAlgorithm};
pub use error::{AuthError, KeyFileProblem};
pub use key::{Key, KeyEncoding, MAX_KEY_LEN};
pub use key_id::KeyId;
pub use key_id_set::KeyIdSet;
pub use keyfile::{
    KeyEntry, KeyFile, KeyFileFormat, MAX_LINE_LEN, MAX_LINES, parse_chrony_keys, parse_key_file,
    parse_ntp_keys,
};
#[cfg(feature = "std")]
pub use keyfile::{MAX_KEY_FILE_LEN, read_key_file};
pub use keygen::{chrony_key_line, generate_key, generated_key_len, ntp_key_line};
pub use mac::{
    DEFAULT_PROVIDER, MacProvider, PreparedMac, RustCryptoProvider, Verified, append_mac,
    compute_mac, ct_eq, sign, sign_with, verify, verify_for, verify_packet, verify_packet_for,
};
pub use policy::{AuthPolicy, KeyWarning, WeakAlgorithms, is_complex};
pub use store::KeyStore;
