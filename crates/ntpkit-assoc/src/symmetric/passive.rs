//! Whether a symmetric active packet from an unknown peer may mobilise a symmetric passive
//! association: only when authenticated with a trusted key, allowed by `restrict`, and
//! within the caps per key and in total.
//!
//! An unauthenticated symmetric active packet mobilises nothing (CVE-2015-1798,
//! CVE-2015-7974 class): anyone could otherwise create associations that take time from
//! us and feed time to us. Ephemeral associations are capped per key and in total
//! (CVE-2016-1549, CVE-2018-7170), with `ntpkit-access`'s [`SessionLimits`].

use ntpkit_access::{Decision, SessionLimits, SessionRefusal};
use ntpkit_auth::{AuthError, KeyId, KeyIdSet, KeyStore, verify_packet};
use ntpkit_wire::{Mode, NtpPacket, NtpTimestamp, Version};

/// Why a symmetric active packet mobilised no passive association.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MobilizeRefusal {
    /// Not a well-formed NTP packet, or no transmit timestamp to answer.
    Malformed,
    /// Not a symmetric active (mode 1) packet.
    NotSymmetricActive,
    /// The access policy refused the packet (a `Kiss` is the caller's to send).
    Access(Decision),
    /// No MAC: unauthenticated packets never mobilise (CVE-2015-1798 class).
    Unauthenticated,
    /// The MAC did not verify with a trusted key, or the trailer was a crypto-NAK.
    Authentication(AuthError),
    /// The key verified but is not one allowed to mobilise passive associations.
    KeyNotAllowed(KeyId),
    /// A cap on passive associations is reached (in total or for this key).
    Limit(SessionRefusal),
}

impl core::fmt::Display for MobilizeRefusal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Malformed => f.write_str("malformed symmetric active packet"),
            Self::NotSymmetricActive => f.write_str("not a symmetric active packet"),
            Self::Access(d) => write!(f, "refused by access control: {d:?}"),
            Self::Unauthenticated => f.write_str("unauthenticated symmetric active packet"),
            Self::Authentication(e) => write!(f, "authentication failed: {e}"),
            Self::KeyNotAllowed(k) => write!(f, "key {} may not mobilise peers", k.get()),
            Self::Limit(SessionRefusal::PerKeyCap) => f.write_str("too many peers for this key"),
            Self::Limit(_) => f.write_str("too many passive peers"),
        }
    }
}

impl std::error::Error for MobilizeRefusal {}

/// Permission to mobilise one symmetric passive association, from
/// [`PassivePolicy::admit`]; [`super::SymmetricAssociation::passive`] consumes it. It holds
/// a place under the caps until [`PassivePolicy::release`].
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PassiveGrant {
    /// The key that authenticated the mobilising packet: the association's key.
    pub key: KeyId,
    /// The version the active peer speaks (answered in kind when 3 or 4).
    pub version: Version,
    /// The active peer's transmit timestamp, which our first packet echoes.
    pub peer_transmit: NtpTimestamp,
    /// The active peer's poll exponent.
    pub peer_poll: i8,
}

/// The policy and the caps for symmetric passive associations.
///
/// ```
/// use ntpkit_access::{Decision, SessionLimits};
/// use ntpkit_assoc::symmetric::{MobilizeRefusal, PassivePolicy};
/// use ntpkit_auth::KeyStore;
/// use ntpkit_wire::{Mode, NtpHeader, NtpTimestamp};
///
/// let mut packet = [0u8; 48];
/// let header = NtpHeader { mode: Mode::SymmetricActive,
///     transmit_timestamp: NtpTimestamp::from_unix(1_700_000_000, 0), ..NtpHeader::default() };
/// header.emit(&mut packet).unwrap();
/// let mut policy = PassivePolicy::new(SessionLimits::new(10, 2));
/// // No MAC: nothing is mobilised, whatever the access decision.
/// assert_eq!(policy.admit(&packet, &KeyStore::new(), Decision::Serve),
///     Err(MobilizeRefusal::Unauthenticated));
/// assert_eq!(policy.limits().active(), 0);
/// ```
#[derive(Clone, Debug, Default)]
pub struct PassivePolicy {
    limits: SessionLimits,
    allowed_keys: Option<KeyIdSet>,
}

impl PassivePolicy {
    /// A policy where any trusted key may mobilise (ntpd's rule), within `limits`.
    pub fn new(limits: SessionLimits) -> Self {
        Self {
            limits,
            allowed_keys: None,
        }
    }

    /// Only these keys (which must also be trusted) may mobilise passive associations.
    pub fn with_allowed_keys(mut self, keys: KeyIdSet) -> Self {
        self.allowed_keys = Some(keys);
        self
    }

    /// Decides whether `bytes`, a packet from a source with no association, mobilises a
    /// symmetric passive association. `access` is the access policy's decision for it
    /// (`ntpkit_access::PacketKind::Symmetric`, with the MAC check's outcome). On success a
    /// place under the caps is taken.
    ///
    /// # Errors
    /// Why nothing is mobilised; the policy is then unchanged.
    pub fn admit(
        &mut self,
        bytes: &[u8],
        keys: &KeyStore,
        access: Decision,
    ) -> Result<PassiveGrant, MobilizeRefusal> {
        let packet = NtpPacket::new_checked(bytes).map_err(|_| MobilizeRefusal::Malformed)?;
        let header = packet.header().map_err(|_| MobilizeRefusal::Malformed)?;
        if header.mode != Mode::SymmetricActive {
            return Err(MobilizeRefusal::NotSymmetricActive);
        }
        if header.transmit_timestamp.is_zero() {
            return Err(MobilizeRefusal::Malformed);
        }
        if access != Decision::Serve {
            return Err(MobilizeRefusal::Access(access));
        }
        let key = verify_packet(keys, bytes)
            .map_err(MobilizeRefusal::Authentication)?
            .ok_or(MobilizeRefusal::Unauthenticated)?
            .key_id;
        if self
            .allowed_keys
            .as_ref()
            .is_some_and(|allowed| !allowed.contains(key))
        {
            return Err(MobilizeRefusal::KeyNotAllowed(key));
        }
        self.limits
            .try_admit(Some(u32::from(key)))
            .map_err(MobilizeRefusal::Limit)?;
        Ok(PassiveGrant {
            key,
            version: header.version,
            peer_transmit: header.transmit_timestamp,
            peer_poll: header.poll.0,
        })
    }

    /// Gives back the place of a passive association keyed with `key` when it is
    /// demobilised (once per successful [`Self::admit`]).
    pub fn release(&mut self, key: KeyId) {
        self.limits.release(Some(u32::from(key)));
    }

    /// The caps and how much of them is in use.
    pub fn limits(&self) -> &SessionLimits {
        &self.limits
    }
}
