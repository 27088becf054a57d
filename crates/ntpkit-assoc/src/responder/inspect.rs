//! First look at a request: its mode and version, and whether its MAC verifies. This is
//! what the access policy needs to decide (restrict flags depend on the packet kind and on
//! authentication), so it happens before the decision.

use ntpkit_access::{AuthStatus, PacketKind};
use ntpkit_auth::{KeyId, KeyStore, verify};
use ntpkit_wire::{Mode, NtpPacket, Version, WireError, peek_mode};

use super::outcome::NoReplyReason;

/// A request that is a well-formed client request, with its MAC checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Inspection {
    /// The request's NTP version (1 to 4), copied into the reply.
    pub version: Version,
    /// What the access policy is asked about: always a time request here.
    pub kind: PacketKind,
    /// The MAC check, as the access policy takes it.
    pub auth: AuthStatus,
    /// The key that verified, when [`Self::auth`] is valid.
    pub key_id: Option<KeyId>,
}

/// Classifies `bytes` and verifies its MAC against `keys`.
///
/// Mode 6 and 7 packets and anything that is not a client request are turned away here,
/// before any access-policy work (and so before the rate limiter counts them).
pub(crate) fn inspect(bytes: &[u8], keys: &KeyStore) -> Result<Inspection, NoReplyReason> {
    match peek_mode(bytes).map_err(|_| NoReplyReason::Malformed)? {
        Mode::Client => {}
        Mode::Control => return Err(NoReplyReason::Control),
        Mode::Private => return Err(NoReplyReason::Private),
        _ => return Err(NoReplyReason::NotARequest),
    }
    let packet = NtpPacket::new_checked(bytes).map_err(|e| match e {
        WireError::UnsupportedVersion(_) => NoReplyReason::UnsupportedVersion,
        _ => NoReplyReason::Malformed,
    })?;
    let version = packet
        .version()
        .map_err(|_| NoReplyReason::UnsupportedVersion)?;
    let trailer = packet.trailer().map_err(|_| NoReplyReason::Malformed)?;
    // A crypto-NAK from a client authenticates nothing; it is served as unauthenticated.
    let (auth, key_id) = match trailer.mac() {
        None => (AuthStatus::None, None),
        Some(mac) => {
            let covered = packet
                .authenticated_len()
                .map_err(|_| NoReplyReason::Malformed)?;
            let authenticated = bytes.get(..covered).ok_or(NoReplyReason::Malformed)?;
            match verify(keys, authenticated, mac.key_id, mac.digest) {
                Ok(v) => (AuthStatus::Valid, Some(v.key_id)),
                Err(_) => (AuthStatus::Failed, None),
            }
        }
    };
    Ok(Inspection {
        version,
        kind: PacketKind::TimeRequest,
        auth,
        key_id,
    })
}
