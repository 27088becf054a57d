//! What a simulated server puts on the wire: a real mode 4 reply (or a RATE kiss) to the
//! request bytes the client's association wrote, encoded by `ntpkit-wire`, so the client's
//! packet tests (origin echo, modes, stratum, distance, kisses) run exactly as against a
//! real server.

use ntpkit_wire::{
    KissCode, LeapIndicator, Mode, NtpHeader, NtpShort, NtpTimestamp, Precision, ReferenceId,
    Stratum,
};

/// Length of an unauthenticated NTP packet.
pub(crate) const PACKET_LEN: usize = 48;

/// Precision every simulated server reports (log2 s, about 1 us).
const SERVER_PRECISION: i8 = -20;

/// A stratum-1 server's answer: received at `rx`, sent at `tx` (both on its own clock),
/// announcing `leap`. `None` if the request does not parse (it always does here).
pub(crate) fn reply(
    request: &[u8],
    rx: NtpTimestamp,
    tx: NtpTimestamp,
    leap: LeapIndicator,
) -> Option<[u8; PACKET_LEN]> {
    let request = NtpHeader::parse(request).ok()?;
    let header = NtpHeader {
        leap,
        mode: Mode::Server,
        stratum: Stratum(1),
        precision: Precision(SERVER_PRECISION),
        root_delay: NtpShort::ZERO,
        // A GPS-disciplined reference: a few microseconds of its own dispersion.
        root_dispersion: NtpShort::from_seconds_f64(2f64.powi(i32::from(SERVER_PRECISION))),
        reference_id: ReferenceId(*b"GPS\0"),
        reference_timestamp: rx,
        origin_timestamp: request.transmit_timestamp,
        receive_timestamp: rx,
        transmit_timestamp: tx,
        ..request
    };
    emit(&header)
}

/// A Kiss-o'-Death with `code` answering the request (RFC 5905 section 7.4: stratum 0, the
/// code as reference id, leap unsynchronised, the origin echoed so the client can check it).
pub(crate) fn kiss(request: &[u8], code: KissCode) -> Option<[u8; PACKET_LEN]> {
    let request = NtpHeader::parse(request).ok()?;
    let header = NtpHeader {
        leap: LeapIndicator::Unsynchronized,
        mode: Mode::Server,
        stratum: Stratum(0),
        reference_id: ReferenceId(code.to_bytes()),
        reference_timestamp: NtpTimestamp::ZERO,
        origin_timestamp: request.transmit_timestamp,
        receive_timestamp: NtpTimestamp::ZERO,
        transmit_timestamp: NtpTimestamp::ZERO,
        ..request
    };
    emit(&header)
}

fn emit(header: &NtpHeader) -> Option<[u8; PACKET_LEN]> {
    let mut out = [0u8; PACKET_LEN];
    let len = header.emit(&mut out).ok()?;
    (len == PACKET_LEN).then_some(out)
}
