//! The tests a mode 5 packet passes before it may mobilise or feed an association, in an
//! order where nothing a forger controls is used before the MAC is verified
//! (CVE-2015-1799: authenticate before any state changes).

use ntpkit_auth::{KeyId, KeyStore, verify_packet_for};
use ntpkit_wire::{LeapIndicator, Mode, NtpHeader, NtpPacket, NtpTimestamp};

use super::event::BroadcastRejection;

/// A mode 5 packet that passed the stateless tests.
#[derive(Clone, Copy, Debug)]
pub(super) struct Broadcast {
    pub(super) header: NtpHeader,
    pub(super) authenticated: Option<KeyId>,
}

/// Parse, mode, MAC (with `key` when set), a synchronised server, a transmit time.
pub(super) fn check(
    bytes: &[u8],
    key: Option<KeyId>,
    keys: &KeyStore,
    max_distance: f64,
) -> Result<Broadcast, BroadcastRejection> {
    let packet = NtpPacket::new_checked(bytes).map_err(|_| BroadcastRejection::Malformed)?;
    let header = packet.header().map_err(|_| BroadcastRejection::Malformed)?;
    if header.mode != Mode::Broadcast {
        return Err(BroadcastRejection::WrongMode);
    }
    let authenticated = match key {
        Some(key) => Some(
            verify_packet_for(keys, key, bytes)
                .map_err(BroadcastRejection::Authentication)?
                .key_id,
        ),
        None => None,
    };
    if header.leap == LeapIndicator::Unsynchronized || !header.stratum.is_synchronized() {
        return Err(BroadcastRejection::Unsynchronized);
    }
    if header.transmit_timestamp.is_zero() {
        return Err(BroadcastRejection::ZeroTimestamp);
    }
    let root = header.root_delay.to_seconds_f64() / 2.0 + header.root_dispersion.to_seconds_f64();
    if root > max_distance {
        return Err(BroadcastRejection::Distance);
    }
    Ok(Broadcast {
        header,
        authenticated,
    })
}

/// The replay window (CVE-2015-7973): a broadcast must be newer than the last one
/// accepted, and the server's clock must have advanced about as much as ours since then
/// (within 1 s plus 0.1 %), so that neither an old packet nor one from the far future (which
/// would lock the real server out) is taken. A packet refused here changes nothing.
pub(super) fn in_window(
    last: Option<(NtpTimestamp, NtpTimestamp)>,
    transmit: NtpTimestamp,
    t4: NtpTimestamp,
) -> Result<(), BroadcastRejection> {
    let Some((last_transmit, last_t4)) = last else {
        return Ok(());
    };
    let server_elapsed = (transmit - last_transmit).to_seconds_f64();
    if server_elapsed <= 0.0 {
        return Err(BroadcastRejection::Replay);
    }
    let local_elapsed = (t4 - last_t4).to_seconds_f64();
    if (server_elapsed - local_elapsed).abs() > 1.0 + 0.001 * local_elapsed.abs() {
        return Err(BroadcastRejection::OutsideWindow);
    }
    Ok(())
}
