//! The on-wire protocol of RFC 5905 section 8 for symmetric modes, and the packet tests of
//! appendix A.5.1.1, as a pure function of the association and the packet.
//!
//! Nothing here writes: the caller applies the verdict only when the packet passed, so a
//! packet that fails cannot move `org`/`rec`, the expected origin or a timer
//! (CVE-2015-1799, CVE-2016-9042, CVE-2020-11868). This is stricter than the RFC, whose
//! skeleton updates `org` and `rec` from duplicate and bogus packets too; the RFC does so to
//! recover when a packet is lost, which here comes from remembering our last few transmit
//! timestamps instead (a reply to any of them is genuine, not bogus), and from starting
//! over with a zero origin once the peer has been silent for a whole reach register.

use ntpkit_auth::{AuthError, KeyId, KeyStore, verify_packet_for};
use ntpkit_clock::FilterSample;
use ntpkit_wire::{KissCode, LeapIndicator, Mode, NtpHeader, NtpPacket, NtpTimestamp};

use super::event::NoSampleReason;
use super::history::{Sent, TransmitLog};
use crate::client::onwire::server_info;
use crate::client::{ClientSample, Rejection};

/// RFC 5905's `org` and `rec`: the peer's latest transmit timestamp and when we received
/// it, which our next packet echoes as its origin and receive timestamps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct PeerTimestamps {
    /// The peer's transmit timestamp in the last packet we accepted (zero: none yet).
    pub(super) org: NtpTimestamp,
    /// Our receive timestamp of that packet.
    pub(super) rec: NtpTimestamp,
    /// Which of our packets that packet echoed (`None`: it echoed none, or none accepted).
    pub(super) echoed: Option<u64>,
    /// The newest of our packets that already gave a sample (or a kiss): each exchange is
    /// used once, so a replay cannot produce a second sample (RFC 5905 section 8 zeroes
    /// `xmt` for the same reason).
    pub(super) used: Option<u64>,
}

/// What the association knows when a packet arrives.
pub(super) struct Expectations<'a> {
    pub(super) peer: &'a PeerTimestamps,
    pub(super) sent: &'a TransmitLog,
    /// Whether a symmetric passive (mode 2) packet may come from the peer: yes for an
    /// active association, no for a passive one (its peer is active).
    pub(super) peer_may_be_passive: bool,
    pub(super) key: Option<KeyId>,
    pub(super) keys: &'a KeyStore,
    pub(super) local_precision: i8,
    pub(super) max_distance: f64,
}

/// The new `org`/`rec` after an accepted packet.
#[derive(Clone, Copy, Debug)]
pub(super) struct Update {
    pub(super) org: NtpTimestamp,
    pub(super) rec: NtpTimestamp,
    pub(super) echoed: Option<u64>,
    pub(super) peer_poll: i8,
}

/// A packet that passed every test.
pub(super) enum Verdict {
    /// A packet from the peer: our next packet answers it. It made the peer reachable
    /// when it echoed one of ours.
    Accepted(Update, Result<(ClientSample, u64), NoSampleReason>),
    /// A kiss answering our packet `seq` (origin, and MAC when keyed, verified).
    Kiss(KissCode, i8, u64),
    /// A crypto-NAK answering one of our packets: the peer could not verify our MAC.
    CryptoNak,
}

/// Runs the tests so that nothing a spoofer can forge is believed before the origin check
/// and, for a keyed association, the MAC check.
pub(super) fn check(
    e: &Expectations<'_>,
    bytes: &[u8],
    t4: NtpTimestamp,
) -> Result<Verdict, Rejection> {
    let packet = NtpPacket::new_checked(bytes).map_err(|_| Rejection::Malformed)?;
    let header = packet.header().map_err(|_| Rejection::Malformed)?;
    match header.mode {
        Mode::SymmetricActive => {}
        Mode::SymmetricPassive if e.peer_may_be_passive => {}
        _ => return Err(Rejection::WrongMode),
    }
    // TEST3: a packet without a transmit time has nothing for us to echo.
    if header.transmit_timestamp.is_zero() {
        return Err(Rejection::ZeroTimestamp);
    }
    // TEST1: the packet we accepted last, again.
    if !e.peer.org.is_zero() && header.transmit_timestamp == e.peer.org {
        return Err(Rejection::Duplicate);
    }
    let echoed = origin_test(e, &header)?;
    let authenticated = match e.key {
        // TEST5: a keyed association accepts only its own key (CVE-2015-1798, CVE-2015-7974).
        Some(key) => match verify_packet_for(e.keys, key, bytes) {
            Ok(verified) => Some(verified.key_id),
            // A crypto-NAK authenticates nothing and tears nothing down (CVE-2015-7871,
            // CVE-2016-4953); it is reported only when it answers a packet of ours.
            Err(AuthError::CryptoNak) if echoed.is_some() => return Ok(Verdict::CryptoNak),
            Err(err) => return Err(Rejection::Authentication(err)),
        },
        None => None,
    };
    if let Some(code) = kiss_code(&header) {
        return match echoed {
            None => Err(Rejection::ZeroOrigin),
            Some(sent) if e.peer.used.is_some_and(|used| sent.seq <= used) => {
                Err(Rejection::NotExpected)
            }
            Some(sent) => Ok(Verdict::Kiss(code, header.poll.0, sent.seq)),
        };
    }
    let update = Update {
        org: header.transmit_timestamp,
        rec: t4,
        echoed: echoed.map(|sent| sent.seq),
        peer_poll: header.poll.0,
    };
    let sample = match echoed {
        None => Err(NoSampleReason::PeerStarting),
        Some(sent) => sample(e, &header, sent, t4, authenticated),
    };
    Ok(Verdict::Accepted(update, sample))
}

/// TEST2 for symmetric modes: which of our packets this one answers (`None` for a peer
/// that has not heard from us yet).
fn origin_test(e: &Expectations<'_>, h: &NtpHeader) -> Result<Option<Sent>, Rejection> {
    if h.origin_timestamp.is_zero() {
        // A peer that is starting (or starting over) has nothing to echo. Believed only
        // while we have nothing from the peer either: otherwise one spoofed packet would
        // replace `org` and break the exchange (zero never passes as an origin:
        // CVE-2016-7431).
        return if e.peer.org.is_zero() {
            Ok(None)
        } else {
            Err(Rejection::ZeroOrigin)
        };
    }
    let sent = e
        .sent
        .find(h.origin_timestamp)
        .ok_or(Rejection::BogusOrigin)?;
    // TEST3: a peer that received our packet has its receive time.
    if h.receive_timestamp.is_zero() {
        return Err(Rejection::ZeroTimestamp);
    }
    match e.peer.echoed {
        // Echoes a packet of ours older than one the peer already answered: a replay or
        // a packet overtaken on the way; believing it would move `org` backwards.
        Some(last) if sent.seq < last => Err(Rejection::Duplicate),
        // Another packet answering the same one of ours (the peer polled again before we
        // did): only a later one, or it is a replay.
        Some(last) if sent.seq == last && !is_later(h.transmit_timestamp, e.peer.org) => {
            Err(Rejection::Duplicate)
        }
        _ => Ok(Some(sent)),
    }
}

/// The sample of an exchange that started with our packet `sent` (RFC 5905 section 8:
/// T1 = our transmit, T2 = the peer's receive, T3 = the peer's transmit, T4 = now), or why
/// there is none; the packet is accepted either way, so that the peer hears from us.
fn sample(
    e: &Expectations<'_>,
    h: &NtpHeader,
    sent: Sent,
    t4: NtpTimestamp,
    authenticated: Option<KeyId>,
) -> Result<(ClientSample, u64), NoSampleReason> {
    if e.peer.used.is_some_and(|used| sent.seq <= used) {
        return Err(NoSampleReason::AlreadySampled);
    }
    // TEST6/TEST7: an unsynchronised peer gives no time, but it may take ours.
    if h.leap == LeapIndicator::Unsynchronized || h.stratum.0 == 0 || h.stratum.0 >= 16 {
        return Err(NoSampleReason::Unsynchronized);
    }
    let sample = ClientSample {
        sample: FilterSample::from_exchange(
            sent.t1,
            h.receive_timestamp,
            h.transmit_timestamp,
            t4,
            h.precision.0,
            e.local_precision,
        ),
        server: server_info(h),
        server_precision: h.precision.0,
        server_poll: h.poll.0,
        authenticated,
    };
    // TEST4/TEST8: our clock ran backwards over the exchange, an absurd delay, or a peer
    // too far from its reference.
    let root = sample.server.root_delay / 2.0 + sample.server.root_dispersion;
    if !is_later(t4, sent.t1)
        || sample.sample.delay > 2.0 * e.max_distance
        || root > e.max_distance
        || sample.distance() > e.max_distance
    {
        return Err(NoSampleReason::Distance);
    }
    Ok((sample, sent.seq))
}

/// A kiss code: stratum 0 with printable ASCII as reference id (RFC 5905 section 7.4).
fn kiss_code(h: &NtpHeader) -> Option<KissCode> {
    if h.stratum.0 != 0 {
        return None;
    }
    h.reference_id
        .as_ascii()
        .filter(|text| !text.is_empty())
        .map(|_| KissCode::from_bytes(h.reference_id.0))
}

/// `a` after `b`, era-aware (RFC 5905 section 6: differences modulo 2^64).
fn is_later(a: NtpTimestamp, b: NtpTimestamp) -> bool {
    let d = a - b;
    !d.is_negative() && d.to_bits() != 0
}
