//! What follows the 48-byte header: nothing, a crypto-NAK, a MAC, RFC 7822 extension fields
//! (optionally followed by a MAC), an NTPv3 legacy MAC, or an MS-SNTP authenticator.
//!
//! Classification ([`Trailer::parse`]) follows RFC 7822 section 7.5 and what chrony and
//! NTPsec do with real traffic; see `classify.rs` for the rules in order.

mod classify;
mod emit;
mod extension;

pub use extension::{
    ExtensionField, ExtensionFieldIter, ExtensionFields, MIN_EXTENSION_LEN, MIN_LAST_EXTENSION_LEN,
};

/// A message authentication code: a 32-bit key id and the digest it keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Mac<'a> {
    /// The key id (1..=65534 in practice; 0 only ever appears as a crypto-NAK).
    pub key_id: u32,
    /// The digest: 16 bytes (MD5, AES-CMAC) or 20 bytes (SHA-1, truncated longer hashes)
    /// in NTPv4; 8 to 64 bytes in NTPv3 legacy MACs.
    pub digest: &'a [u8],
}

/// MS-SNTP "ExtendedAuthenticator" ([MS-SNTP] section 2.2.3/2.2.4): a 72-byte NTPv3 trailer
/// used by Windows domain members. Fields are kept raw so that emit reproduces the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MsSntpExtended<'a> {
    /// Key identifier bytes (a relative id, little-endian per [MS-SNTP]).
    pub key_identifier: [u8; 4],
    /// Reserved byte (zero when sent by Windows).
    pub reserved: u8,
    /// Flags (0x01 = USE_OLDKEY_VERSION).
    pub flags: u8,
    /// ClientHashIDHints (0x01 = NTLM_PWD_HASH).
    pub client_hash_id_hints: u8,
    /// SignatureHashID.
    pub signature_hash_id: u8,
    /// The 64-byte crypto-checksum (zero in requests).
    pub checksum: &'a [u8],
}

impl MsSntpExtended<'_> {
    /// Length of the whole authenticator on the wire.
    pub const LEN: usize = 72;

    /// The relative id (RID) the key identifier carries, decoded little-endian.
    pub const fn rid(&self) -> u32 {
        u32::from_le_bytes(self.key_identifier)
    }
}

/// The part of a time packet after the 48-byte header, classified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Trailer<'a> {
    /// Nothing follows the header (an unauthenticated packet).
    None,
    /// Four zero bytes: a crypto-NAK, which authenticates nothing (CVE-2015-7871: it must
    /// never be taken as proof of anything).
    CryptoNak,
    /// A MAC directly after the header: 4-byte key id and a 16- or 20-byte digest.
    Mac {
        /// The key id.
        key_id: u32,
        /// The 16- or 20-byte digest.
        digest: &'a [u8],
    },
    /// NTPv4 extension fields, optionally followed by a MAC.
    Extensions {
        /// The fields (at least one).
        fields: ExtensionFields<'a>,
        /// The MAC after the fields, if any.
        mac: Option<Mac<'a>>,
    },
    /// An NTPv1-3 MAC whose digest is not 16 or 20 bytes: 8-byte DES-CBC (RFC 1305 appendix C)
    /// or a longer hash (chrony sends up to 64-byte digests to NTPv3 peers).
    LegacyMac {
        /// The key id.
        key_id: u32,
        /// The digest (8 to 64 bytes, a multiple of 4, not 16 or 20).
        digest: &'a [u8],
    },
    /// MS-SNTP authenticator request ([MS-SNTP] section 2.2.1): an NTPv3 packet with a
    /// non-zero key id (the client's RID and key selector) and a 16-byte all-zero checksum.
    /// Signed replies look exactly like [`Trailer::Mac`] and are classified as such.
    MsSntp {
        /// The key identifier (RID in the low 31 bits, key selector in the top bit).
        key_id: u32,
    },
    /// MS-SNTP extended authenticator (a 72-byte NTPv3 trailer).
    MsSntpExtended(MsSntpExtended<'a>),
}

impl<'a> Trailer<'a> {
    /// The MAC this trailer carries (plain, after extension fields, or legacy), if any.
    /// Crypto-NAKs and MS-SNTP authenticators are not MACs and give `None`.
    pub fn mac(&self) -> Option<Mac<'a>> {
        match *self {
            Trailer::Mac { key_id, digest } | Trailer::LegacyMac { key_id, digest } => {
                Some(Mac { key_id, digest })
            }
            Trailer::Extensions { mac, .. } => mac,
            _ => None,
        }
    }

    /// The extension fields, if any.
    pub fn extension_fields(&self) -> Option<ExtensionFields<'a>> {
        match *self {
            Trailer::Extensions { fields, .. } => Some(fields),
            _ => None,
        }
    }

    /// Whether this is a crypto-NAK.
    pub const fn is_crypto_nak(&self) -> bool {
        matches!(self, Trailer::CryptoNak)
    }
}
