//! Hostile packets against an established symmetric association, one per rule of
//! SECURITY-LESSONS.md that concerns it: each is rejected with the expected reason and
//! leaves the association exactly as it was (its debug state, counters aside, is
//! unchanged; only `dropped` moves), and a genuine packet sent in its place is accepted
//! (the control that shows the test can fail).

mod symmetric_net;

use core::time::Duration;

use ntpkit_assoc::client::{KissAction, Rejection};
use ntpkit_assoc::symmetric::{NoSampleReason, SymmetricEvent};
use ntpkit_auth::AuthError;
use ntpkit_wire::{KissCode, LeapIndicator, Mode, NtpHeader, NtpTimestamp, ReferenceId, Stratum};
use symmetric_net::fixture::*;
use symmetric_net::*;

#[test]
fn the_genuine_answer_gives_the_true_offset_keyed_and_unkeyed() {
    for key_id in [None, Some(MD5_ID), Some(AES_ID)] {
        let f = Fixture::established(key_id);
        f.assert_sample(&f.genuine());
    }
}

#[test]
fn a_packet_signed_with_another_trusted_key_is_dropped() {
    // CVE-2015-7974: a key authenticates only the associations it is configured for.
    let f = Fixture::established(Some(MD5_ID));
    let (recv, xmt) = (f.later(5), f.later(6));
    let forged = answer(&f.ours, recv, xmt, Some(OTHER_ID));
    let (_, r) = f.deliver(&forged);
    assert!(
        matches!(
            r,
            Err(Rejection::Authentication(AuthError::UnexpectedKeyId { .. }))
        ),
        "{r:?}"
    );
    f.assert_rejected(&forged, r.unwrap_err());
    f.assert_sample(&answer(&f.ours, recv, xmt, Some(MD5_ID)));
}

#[test]
fn a_keyed_association_drops_packets_without_mac_or_with_a_bad_one() {
    // CVE-2015-1798, CVE-2015-1799: authenticate before any state changes.
    let f = Fixture::established(Some(MD5_ID));
    let plain = f.genuine();
    let unsigned = &plain[..48];
    let (_, r) = f.deliver(unsigned);
    assert!(
        matches!(
            r,
            Err(Rejection::Authentication(AuthError::MissingMac { .. }))
        ),
        "{r:?}"
    );
    f.assert_rejected(unsigned, r.unwrap_err());
    let mut tampered = plain.clone();
    *tampered.last_mut().unwrap() ^= 1;
    let (_, r) = f.deliver(&tampered);
    assert!(
        matches!(r, Err(Rejection::Authentication(AuthError::BadMac { .. }))),
        "{r:?}"
    );
    f.assert_rejected(&tampered, r.unwrap_err());
    // The header changed under a valid MAC (offset moved by a second).
    let mut moved = plain.clone();
    moved[40] ^= 1;
    f.assert_rejected(&moved, f.deliver(&moved).1.unwrap_err());
    f.assert_sample(&plain);
}

#[test]
fn a_replayed_packet_is_a_duplicate() {
    for key_id in [None, Some(MD5_ID)] {
        let f = Fixture::established(key_id);
        // The packet we accepted last (RFC 5905 TEST1).
        f.assert_rejected(&f.theirs, Rejection::Duplicate);
        // After the genuine answer, the answer replayed, and an older packet of the peer's.
        let genuine = f.genuine();
        let (after, r) = f.deliver(&genuine);
        assert!(matches!(r, Ok(SymmetricEvent::Sample(_))));
        let g = Fixture { a: after, ..f };
        g.assert_rejected(&genuine, Rejection::Duplicate);
        g.assert_rejected(&g.theirs, Rejection::Duplicate);
    }
}

#[test]
fn a_second_answer_to_the_same_packet_is_accepted_without_a_sample_and_not_replayable() {
    // The peer polled twice before we did: the second packet must be echoed next, but the
    // exchange it belongs to was used already.
    let f = Fixture::established(Some(MD5_ID));
    let first = answer(&f.ours, f.later(5), f.later(6), Some(MD5_ID));
    let second = answer(&f.ours, f.later(5), f.later(30), Some(MD5_ID));
    let (after_first, r) = f.deliver(&first);
    assert!(matches!(r, Ok(SymmetricEvent::Sample(_))));
    let g = Fixture {
        a: after_first,
        ..f
    };
    let (after_second, r) = g.deliver(&second);
    assert_eq!(
        r,
        Ok(SymmetricEvent::NoSample(NoSampleReason::AlreadySampled))
    );
    let h = Fixture {
        a: after_second,
        ..g
    };
    h.assert_rejected(&first, Rejection::Duplicate);
    h.assert_rejected(&second, Rejection::Duplicate);
}

#[test]
fn a_bogus_origin_is_dropped() {
    // RFC 5905 TEST2, CVE-2015-8138: off by one unit in the last place.
    for key_id in [None, Some(MD5_ID)] {
        let f = Fixture::established(key_id);
        let wrong = NtpTimestamp::from_bits(f.our_transmit().to_bits() ^ 1);
        let forged = packet(wrong, f.later(5), f.later(6), key_id, |_| {});
        f.assert_rejected(&forged, Rejection::BogusOrigin);
    }
}

#[test]
fn a_zero_origin_is_dropped_once_the_peer_is_known() {
    // CVE-2016-7431: zero never passes as an origin; while we know the peer's timestamps
    // a "starting" packet would only let a spoofer break the exchange.
    for key_id in [None, Some(MD5_ID)] {
        let f = Fixture::established(key_id);
        let forged = packet(NtpTimestamp::ZERO, f.later(5), f.later(6), key_id, |_| {});
        f.assert_rejected(&forged, Rejection::ZeroOrigin);
    }
    // A zero origin kiss is never honoured either.
    let f = Fixture::established(None);
    let kiss = packet(NtpTimestamp::ZERO, f.later(5), f.later(6), None, |h| {
        h.stratum = Stratum(0);
        h.reference_id = ReferenceId(*b"DENY");
    });
    f.assert_rejected(&kiss, Rejection::ZeroOrigin);
}

#[test]
fn zero_timestamps_and_wrong_modes_are_dropped() {
    let f = Fixture::established(None);
    let no_transmit = answer(&f.ours, f.later(5), NtpTimestamp::ZERO, None);
    f.assert_rejected(&no_transmit, Rejection::ZeroTimestamp);
    let no_receive = answer(&f.ours, NtpTimestamp::ZERO, f.later(6), None);
    f.assert_rejected(&no_receive, Rejection::ZeroTimestamp);
    for mode in [Mode::Client, Mode::Server, Mode::Broadcast, Mode::Control] {
        let other = packet(f.our_transmit(), f.later(5), f.later(6), None, |h| {
            h.mode = mode
        });
        f.assert_rejected(&other, Rejection::WrongMode);
    }
    f.assert_rejected(&[0u8; 47], Rejection::Malformed);
}

#[test]
fn kisses_are_honoured_only_when_they_answer_our_packet_and_verify() {
    let kiss = |f: &Fixture, origin, code: &[u8; 4], key_id| {
        packet(origin, f.later(5), f.later(6), key_id, |h| {
            h.stratum = Stratum(0);
            h.leap = LeapIndicator::Unsynchronized;
            h.reference_id = ReferenceId(*code);
            h.poll = ntpkit_wire::PollInterval(9);
        })
    };
    let f = Fixture::established(Some(MD5_ID));
    // Spoofed: wrong origin, or unsigned on a keyed association.
    let wrong = NtpTimestamp::from_bits(f.our_transmit().to_bits() ^ 1);
    f.assert_rejected(
        &kiss(&f, wrong, b"RATE", Some(MD5_ID)),
        Rejection::BogusOrigin,
    );
    let unsigned = kiss(&f, f.our_transmit(), b"DENY", None);
    assert!(matches!(
        f.deliver(&unsigned).1,
        Err(Rejection::Authentication(_))
    ));
    f.assert_rejected(&unsigned, f.deliver(&unsigned).1.unwrap_err());
    // Genuine RATE: the poll goes up (to the kiss's 9), never down.
    let (after, r) = f.deliver(&kiss(&f, f.our_transmit(), b"RATE", Some(MD5_ID)));
    assert_eq!(
        r,
        Ok(SymmetricEvent::Kiss {
            code: KissCode::Rate,
            action: KissAction::PollRaised(9)
        })
    );
    assert_eq!(after.poll_exponent(), 9);
    // Genuine signed DENY stops a keyed association; the same kiss again is not honoured
    // (that exchange is over).
    let deny = kiss(&f, f.our_transmit(), b"DENY", Some(MD5_ID));
    let (after, r) = f.deliver(&deny);
    assert_eq!(
        r,
        Ok(SymmetricEvent::Kiss {
            code: KissCode::Deny,
            action: KissAction::Stopped
        })
    );
    assert!(after.is_stopped());
    assert_eq!(after.poll_timeout(), None);
    // On an unkeyed association one DENY is only counted (CVE-2015-7704/7705).
    let u = Fixture::established(None);
    let (after, r) = u.deliver(&kiss(&u, u.our_transmit(), b"DENY", None));
    assert!(matches!(
        r,
        Ok(SymmetricEvent::Kiss {
            action: KissAction::DenyCounted {
                count: 1,
                unreachable: false
            },
            ..
        })
    ));
    assert!(!after.is_stopped());
}

#[test]
fn an_authenticated_deny_ends_a_passive_association() {
    use ntpkit_access::{Decision, SessionLimits};
    use ntpkit_assoc::symmetric::PassivePolicy;
    let keys = keys();
    let t0 = wall(Duration::ZERO, 0);
    let hello = packet(
        NtpTimestamp::ZERO,
        NtpTimestamp::ZERO,
        t0,
        Some(MD5_ID),
        |_| {},
    );
    let mut policy = PassivePolicy::new(SessionLimits::new(2, 2));
    let grant = policy.admit(&hello, &keys, Decision::Serve).unwrap();
    let mut b = Assoc::passive(grant, config(None), Duration::ZERO, Lcg(3), t0);
    b.handle_timeout(Duration::ZERO);
    let mut buf = [0u8; 128];
    let n = b
        .poll_transmit(Duration::ZERO, t0, &synced(), &keys, &mut buf)
        .unwrap()
        .unwrap();
    let ours = NtpHeader::parse(&buf[..n]).unwrap().transmit_timestamp;
    let deny = packet(ours, ours, ours, Some(MD5_ID), |h| {
        h.stratum = Stratum(0);
        h.reference_id = ReferenceId(*b"DENY");
    });
    let at = Duration::from_millis(10);
    let r = b.handle_packet(at, &deny, wall(at, 0), &keys);
    assert_eq!(
        r,
        Ok(SymmetricEvent::Kiss {
            code: KissCode::Deny,
            action: KissAction::Stopped
        })
    );
    assert!(b.is_demobilized());
    assert_eq!(b.poll_timeout(), None);
}

#[test]
fn a_crypto_nak_is_reported_only_for_our_packet_and_changes_nothing() {
    // CVE-2015-7871, CVE-2016-4953: a crypto-NAK authenticates nothing, tears nothing down.
    let f = Fixture::established(Some(MD5_ID));
    let mut nak = answer(&f.ours, f.later(5), f.later(6), None);
    nak.extend_from_slice(&[0, 0, 0, 0]);
    let (after, r) = f.deliver(&nak);
    assert_eq!(r, Ok(SymmetricEvent::CryptoNak));
    assert_eq!(state_of(&after), state_of(&f.a));
    assert_eq!(after.counters().crypto_naks, 1);
    let wrong = NtpTimestamp::from_bits(f.our_transmit().to_bits() ^ 1);
    let mut spoofed = packet(wrong, f.later(5), f.later(6), None, |_| {});
    spoofed.extend_from_slice(&[0, 0, 0, 0]);
    f.assert_rejected(&spoofed, Rejection::BogusOrigin);
    f.assert_sample(&f.genuine());
}

#[test]
fn a_passive_association_accepts_only_symmetric_active_packets() {
    use ntpkit_access::{Decision, SessionLimits};
    use ntpkit_assoc::symmetric::PassivePolicy;
    let keys = keys();
    let hello = packet(
        NtpTimestamp::ZERO,
        NtpTimestamp::ZERO,
        wall(Duration::ZERO, 0),
        Some(MD5_ID),
        |_| {},
    );
    let mut policy = PassivePolicy::new(SessionLimits::new(2, 2));
    let grant = policy.admit(&hello, &keys, Decision::Serve).unwrap();
    let mut b = Assoc::passive(
        grant,
        config(None),
        Duration::ZERO,
        Lcg(3),
        wall(Duration::ZERO, 0),
    );
    b.handle_timeout(Duration::ZERO);
    let mut buf = [0u8; 128];
    let n = b
        .poll_transmit(
            Duration::ZERO,
            wall(Duration::ZERO, 0),
            &synced(),
            &keys,
            &mut buf,
        )
        .unwrap()
        .unwrap();
    let reply = &buf[..n];
    let h = NtpHeader::parse(reply).unwrap();
    assert_eq!(h.mode, Mode::SymmetricPassive);
    assert_eq!(h.origin_timestamp, wall(Duration::ZERO, 0));
    let at = Duration::from_millis(10);
    let as_passive = packet(
        h.transmit_timestamp,
        wall(at, 0),
        wall(at, 0),
        Some(MD5_ID),
        |p| {
            p.mode = Mode::SymmetricPassive;
        },
    );
    assert_eq!(
        b.handle_packet(at, &as_passive, wall(at, 0), &keys),
        Err(Rejection::WrongMode)
    );
    let as_active = packet(
        h.transmit_timestamp,
        wall(at, 0),
        wall(at, 0),
        Some(MD5_ID),
        |_| {},
    );
    assert!(matches!(
        b.handle_packet(at, &as_active, wall(at, 0), &keys),
        Ok(SymmetricEvent::Sample(_))
    ));
}
