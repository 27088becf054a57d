//! The MRU nonce (ntpd's `REQ_NONCE`): proof that a requester receives packets at its source
//! address before it may ask for the MRU list, the list being big enough to amplify a spoofed
//! request. The nonce is the issue time plus a keyed hash of (address, time) under a secret
//! from the caller's RNG, so nothing per requester is stored; it expires after
//! [`NONCE_LIFETIME_SECS`].

use std::net::IpAddr;

use ntpkit_wire::NtpTimestamp;
use sha2::{Digest, Sha256};

/// Seconds a nonce stays valid (ntpq asks for a new one after 16 s, NTPsec's `NONCE_TIMEOUT`).
pub const NONCE_LIFETIME_SECS: u32 = 16;

/// Length of the nonce's hex text: 8 digits of seconds, 8 of fraction, 16 of hash.
const NONCE_HEX_LEN: usize = 32;

/// Issues and checks nonces.
#[derive(Clone)]
pub(crate) struct NonceKey {
    secret: [u8; 32],
}

impl NonceKey {
    pub(crate) fn new(secret: [u8; 32]) -> Self {
        Self { secret }
    }

    fn tag(&self, address: IpAddr, issued: NtpTimestamp) -> u64 {
        let mut h = Sha256::new();
        h.update(self.secret);
        match address {
            IpAddr::V4(v4) => h.update(v4.octets()),
            IpAddr::V6(v6) => h.update(v6.octets()),
        }
        h.update(issued.to_bits().to_be_bytes());
        let digest = h.finalize();
        let mut tag = [0u8; 8];
        tag.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
        u64::from_be_bytes(tag)
    }

    /// The nonce text (without `nonce=`) for a requester at `address` at time `now`.
    pub(crate) fn issue(&self, address: IpAddr, now: NtpTimestamp) -> String {
        let bits = now.to_bits();
        format!("{:016x}{:016x}", bits, self.tag(address, now))
    }

    /// Whether `text` is a nonce this key issued to `address` less than the lifetime ago.
    pub(crate) fn check(&self, text: &[u8], address: IpAddr, now: NtpTimestamp) -> bool {
        if text.len() != NONCE_HEX_LEN {
            return false;
        }
        let (Some(ts), Some(tag)) = (hex_u64(text.get(..16)), hex_u64(text.get(16..))) else {
            return false;
        };
        let issued = NtpTimestamp::from_bits(ts);
        // Wrapping difference (RFC 5905 era arithmetic): a nonce "from the future" is as
        // invalid as an old one.
        let age = (now.to_bits().wrapping_sub(issued.to_bits()) as i64) >> 32;
        if !(0..i64::from(NONCE_LIFETIME_SECS)).contains(&age) {
            return false;
        }
        // Constant-time comparison of the tag: no timing oracle for forging it.
        (self.tag(address, issued) ^ tag) == 0
    }
}

impl core::fmt::Debug for NonceKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("NonceKey(..)")
    }
}

fn hex_u64(text: Option<&[u8]>) -> Option<u64> {
    let text = core::str::from_utf8(text?).ok()?;
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> NtpTimestamp {
        NtpTimestamp::from_unix(secs, 0)
    }

    #[test]
    fn a_nonce_proves_only_its_address_and_expires() {
        let key = NonceKey::new([7; 32]);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let nonce = key.issue(a, at(1_700_000_000));
        assert!(key.check(nonce.as_bytes(), a, at(1_700_000_010)));
        assert!(!key.check(nonce.as_bytes(), b, at(1_700_000_010)));
        assert!(!key.check(nonce.as_bytes(), a, at(1_700_000_016)));
        assert!(!key.check(nonce.as_bytes(), a, at(1_699_999_990)));
        let other = NonceKey::new([8; 32]);
        assert!(!other.check(nonce.as_bytes(), a, at(1_700_000_001)));
        let mut forged = nonce.into_bytes();
        forged[31] = if forged[31] == b'0' { b'1' } else { b'0' };
        assert!(!key.check(&forged, a, at(1_700_000_001)));
        assert!(!key.check(b"", a, at(1_700_000_001)));
    }
}
