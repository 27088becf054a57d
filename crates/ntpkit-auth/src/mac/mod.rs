//! MAC computation and verification.
//!
//! RFC 5905 section 7.3: the MAC trailer is a 32-bit key id followed by the digest, and the
//! digest covers everything before the trailer (header and any RFC 7822 extension fields),
//! never the key id itself (RFC 8573 section 4 for CMAC; ntpd and chrony do the same for
//! the keyed digests).

mod ct;
mod packet;
mod provider;
mod rustcrypto;
pub(crate) mod sign;
mod verify;

pub use ct::ct_eq;
pub use packet::{append_mac, verify_packet, verify_packet_for};
pub use provider::{MacProvider, PreparedMac};
pub use rustcrypto::{DEFAULT_PROVIDER, RustCryptoProvider};
pub use sign::{compute_mac, sign, sign_with};
pub use verify::{Verified, verify, verify_for};
