//! Whole-packet helpers on top of `ntpkit-wire`'s trailer classification (RFC 7822
//! section 7.5): find the MAC, delimit what it covers, verify or append it.

use ntpkit_wire::{NtpPacket, Trailer};

use crate::{AuthError, KeyId, KeyStore, Verified, verify, verify_for};

/// Verifies whatever MAC an NTP packet carries.
///
/// Returns `Ok(None)` for a packet without a MAC (the caller decides whether that is
/// acceptable), `Ok(Some(..))` for a MAC that verified, and an error for a crypto-NAK
/// (which authenticates nothing), a MAC that fails, or a malformed packet.
pub fn verify_packet(store: &KeyStore, packet: &[u8]) -> Result<Option<Verified>, AuthError> {
    let view = NtpPacket::new_checked(packet)?;
    let trailer = view.trailer()?;
    let covered = view.authenticated_len()?;
    let authenticated = packet.get(..covered).unwrap_or(packet);
    match trailer {
        Trailer::CryptoNak => Err(AuthError::CryptoNak),
        Trailer::MsSntp { .. } | Trailer::MsSntpExtended(_) => {
            Err(AuthError::UnsupportedAuthenticator)
        }
        t => match t.mac() {
            Some(mac) => verify(store, authenticated, mac.key_id, mac.digest).map(Some),
            None => Ok(None),
        },
    }
}

/// Verifies a packet for an association configured with key `expected`: the packet must
/// carry a MAC with exactly that key id, and it must verify (CVE-2015-1798).
pub fn verify_packet_for(
    store: &KeyStore,
    expected: KeyId,
    packet: &[u8],
) -> Result<Verified, AuthError> {
    let view = NtpPacket::new_checked(packet)?;
    let trailer = view.trailer()?;
    let covered = view.authenticated_len()?;
    let authenticated = packet.get(..covered).unwrap_or(packet);
    let mac = match trailer {
        Trailer::CryptoNak => return Err(AuthError::CryptoNak),
        t => t.mac().map(|m| (m.key_id, m.digest)),
    };
    verify_for(store, expected, authenticated, mac)
}

/// Appends the MAC trailer for key `id` to a packet of `len` bytes held at the start of
/// `buffer`, and returns the new packet length.
///
/// ```
/// use ntpkit_auth::{Key, KeyId, KeyStore, MacAlgorithm, append_mac, verify_packet};
/// let id = KeyId::new(5).unwrap();
/// let mut store = KeyStore::new();
/// store.insert(id, Key::from_ascii(MacAlgorithm::Sha1, "Correct-Horse-9")?)?;
/// store.trust(id);
/// let mut buf = [0u8; 72];
/// buf[0] = 0x23; // LI 0, version 4, mode 3
/// let len = append_mac(&store, id, &mut buf, 48)?;
/// assert_eq!(len, 48 + 4 + 20);
/// assert_eq!(verify_packet(&store, &buf[..len])?.map(|v| v.key_id), Some(id));
/// # Ok::<(), ntpkit_auth::AuthError>(())
/// ```
pub fn append_mac(
    store: &KeyStore,
    id: KeyId,
    buffer: &mut [u8],
    len: usize,
) -> Result<usize, AuthError> {
    let available = buffer.len();
    if len > available {
        return Err(AuthError::BufferTooSmall {
            needed: len,
            available,
        });
    }
    let (packet, tail) = buffer.split_at_mut(len);
    let n = store.sign(id, packet, tail)?;
    Ok(len + n)
}
