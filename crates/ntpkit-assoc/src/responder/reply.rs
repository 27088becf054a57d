//! Writing replies into the caller's buffer.

use ntpkit_access::AuthStatus;
use ntpkit_auth::KeyStore;
use ntpkit_wire::{
    HEADER_LEN, LeapIndicator, Mode, NtpHeader, NtpPacket, NtpShort, NtpTimestamp, ReferenceId,
    Stratum,
};

use super::Request;
use super::inspect::Inspection;
use super::outcome::{Reply, ReplyKind};
use super::state::ServerState;

/// Length of a crypto-NAK trailer: a key id of zero and no digest (RFC 5905 section 7.3).
const CRYPTO_NAK_LEN: usize = 4;

/// A time reply (RFC 5905 section 9.2, fast_xmit): our system variables, the request's
/// version and poll, origin = the request's transmit time, receive = when it arrived.
pub(super) fn time(
    request: &Request<'_>,
    inspection: &Inspection,
    state: &ServerState,
    keys: &KeyStore,
    out: &mut [u8],
    transmit_clock: impl FnOnce() -> NtpTimestamp,
) -> Option<Reply> {
    let asked = NtpPacket::new_unchecked(request.bytes);
    let header = NtpHeader {
        leap: state.leap,
        version: inspection.version,
        mode: Mode::Server,
        stratum: state.stratum,
        poll: asked.poll(),
        precision: state.precision,
        root_delay: state.root_delay,
        root_dispersion: state.root_dispersion,
        reference_id: state.reference_id,
        reference_timestamp: state.reference_timestamp(request.received),
        origin_timestamp: asked.transmit_timestamp(),
        receive_timestamp: request.received,
        transmit_timestamp: NtpTimestamp::ZERO,
    };
    let (head, tail) = out.split_at_mut_checked(HEADER_LEN)?;
    let mut reply = NtpPacket::new_unchecked(&mut *head);
    // `set_header` writes the version bits as given, so version 1 and 2 clients get their
    // own version back (the header's `emit` only produces versions 3 and 4).
    reply.set_header(&header);
    reply.set_transmit_timestamp(transmit_clock());
    let kind = match (inspection.auth, inspection.key_id) {
        (AuthStatus::Valid, Some(id)) => {
            let n = keys.sign(id, head, tail).ok()?;
            return Some(Reply {
                len: HEADER_LEN + n,
                kind: ReplyKind::AuthenticatedTime(id),
            });
        }
        (AuthStatus::Failed, _) => {
            tail.get_mut(..CRYPTO_NAK_LEN)?.fill(0);
            return Some(Reply {
                len: HEADER_LEN + CRYPTO_NAK_LEN,
                kind: ReplyKind::CryptoNak,
            });
        }
        _ => ReplyKind::Time,
    };
    Some(Reply {
        len: HEADER_LEN,
        kind,
    })
}

/// A Kiss-o'-Death (RFC 5905 section 7.4): leap 3, stratum 0, the code as reference id.
/// Like ntpd, every timestamp is the request's transmit time: the client's origin check
/// passes (so it can act on the kiss) and no time is given to a client we refuse. Signed
/// with the request's key when the request verified, so a keyed client can trust it.
pub(super) fn kiss(
    request: &Request<'_>,
    inspection: &Inspection,
    state: &ServerState,
    code: [u8; 4],
    keys: &KeyStore,
    out: &mut [u8],
) -> Option<Reply> {
    let asked = NtpPacket::new_unchecked(request.bytes);
    let t = asked.transmit_timestamp();
    let header = NtpHeader {
        leap: LeapIndicator::Unsynchronized,
        version: inspection.version,
        mode: Mode::Server,
        stratum: Stratum::UNSPECIFIED,
        poll: asked.poll(),
        precision: state.precision,
        root_delay: NtpShort::from_bits(0),
        root_dispersion: NtpShort::from_bits(0),
        reference_id: ReferenceId(code),
        reference_timestamp: NtpTimestamp::ZERO,
        origin_timestamp: t,
        receive_timestamp: t,
        transmit_timestamp: t,
    };
    let (head, tail) = out.split_at_mut_checked(HEADER_LEN)?;
    NtpPacket::new_unchecked(&mut *head).set_header(&header);
    match (inspection.auth, inspection.key_id) {
        (AuthStatus::Valid, Some(id)) => {
            let n = keys.sign(id, head, tail).ok()?;
            Some(Reply {
                len: HEADER_LEN + n,
                kind: ReplyKind::Kiss(code, Some(id)),
            })
        }
        _ => Some(Reply {
            len: HEADER_LEN,
            kind: ReplyKind::Kiss(code, None),
        }),
    }
}
