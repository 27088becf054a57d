//! The packet tests of RFC 5905 section 8 / appendix A.5.1.1 for a client/server reply.
//!
//! Everything here reads the association and the packet and writes nothing: the caller
//! applies the verdict only when every test passed, so a rejected packet cannot reset the
//! expected origin or reschedule a timer (CVE-2016-9042, CVE-2020-11868).

use ntpkit_auth::{KeyId, KeyStore, verify_packet_for};
use ntpkit_clock::{FilterSample, ServerInfo};
use ntpkit_wire::{KissCode, LeapIndicator, Mode, NtpHeader, NtpPacket, NtpTimestamp};

use super::reply::{ClientSample, Rejection};

/// The request we are waiting a reply for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Outstanding {
    /// The transmit timestamp as sent (random low bits): the reply's origin must equal it.
    pub(crate) wire_origin: NtpTimestamp,
    /// The clock reading when the request left (T1 for the offset computation).
    pub(crate) t1: NtpTimestamp,
}

/// What the association knows when a reply arrives.
pub(crate) struct Expectations<'a> {
    pub(crate) outstanding: Option<Outstanding>,
    pub(crate) last_server_transmit: Option<NtpTimestamp>,
    pub(crate) key: Option<KeyId>,
    pub(crate) keys: &'a KeyStore,
    pub(crate) local_precision: i8,
    pub(crate) max_distance: f64,
}

/// A reply that passed every test.
pub(crate) enum Verdict {
    /// Time to use.
    Sample(ClientSample, NtpTimestamp),
    /// A kiss code, origin (and MAC) verified.
    Kiss(KissCode, i8),
}

/// Runs the tests in an order where nothing a spoofer can forge is looked at before the
/// origin check and, for keyed associations, the MAC check.
pub(crate) fn check(
    e: &Expectations<'_>,
    bytes: &[u8],
    t4: NtpTimestamp,
) -> Result<Verdict, Rejection> {
    let packet = NtpPacket::new_checked(bytes).map_err(|_| Rejection::Malformed)?;
    let header = packet.header().map_err(|_| Rejection::Malformed)?;
    if header.mode != Mode::Server {
        return Err(Rejection::WrongMode);
    }
    // TEST1: a replay of the reply we already used.
    if e.last_server_transmit == Some(header.transmit_timestamp) {
        return Err(Rejection::Duplicate);
    }
    let outstanding = e.outstanding.ok_or(Rejection::NotExpected)?;
    // TEST2 with CVE-2016-7431's lesson: zero never matches, even if we somehow sent zero.
    if header.origin_timestamp.is_zero() {
        return Err(Rejection::ZeroOrigin);
    }
    if header.origin_timestamp != outstanding.wire_origin {
        return Err(Rejection::BogusOrigin);
    }
    // TEST5: a keyed association accepts only its own key (CVE-2015-1798, CVE-2015-7974).
    let authenticated = match e.key {
        Some(key) => Some(
            verify_packet_for(e.keys, key, bytes)
                .map_err(Rejection::Authentication)?
                .key_id,
        ),
        None => None,
    };
    if header.stratum.0 == 0 {
        return match header.reference_id.as_ascii() {
            Some(text) if !text.is_empty() => Ok(Verdict::Kiss(
                KissCode::from_bytes(header.reference_id.0),
                header.poll.0,
            )),
            _ => Err(Rejection::Unsynchronized),
        };
    }
    if header.receive_timestamp.is_zero() || header.transmit_timestamp.is_zero() {
        return Err(Rejection::ZeroTimestamp);
    }
    if header.leap == LeapIndicator::Unsynchronized || header.stratum.0 >= 16 {
        return Err(Rejection::Unsynchronized);
    }
    let sample = FilterSample::from_exchange(
        outstanding.t1,
        header.receive_timestamp,
        header.transmit_timestamp,
        t4,
        header.precision.0,
        e.local_precision,
    );
    let reply = ClientSample {
        sample,
        server: server_info(&header),
        server_precision: header.precision.0,
        server_poll: header.poll.0,
        authenticated,
    };
    let root = reply.server.root_delay / 2.0 + reply.server.root_dispersion;
    // TEST4/TEST8: an absurd round trip or a server too far from its reference.
    let round_trip = (t4 - outstanding.t1).to_seconds_f64();
    if !(0.0..=reply_max_round_trip(e.max_distance)).contains(&round_trip)
        || root > e.max_distance
        || reply.distance() > e.max_distance
    {
        return Err(Rejection::Distance);
    }
    Ok(Verdict::Sample(reply, header.transmit_timestamp))
}

/// A reply that took longer than twice MAXDIST cannot give a distance below MAXDIST.
fn reply_max_round_trip(max_distance: f64) -> f64 {
    2.0 * max_distance
}

pub(crate) fn server_info(h: &NtpHeader) -> ServerInfo {
    ServerInfo {
        leap: h.leap,
        stratum: h.stratum.0,
        root_delay: h.root_delay.to_seconds_f64(),
        root_dispersion: h.root_dispersion.to_seconds_f64(),
        reference_id: h.reference_id,
        reference_time: h.reference_timestamp,
    }
}
