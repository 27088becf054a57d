//! Property tests of the symmetric association: arbitrary bytes, NTP-shaped packets with
//! hostile origins, and genuine packets with any byte changed never panic, are rejected,
//! and leave the association as it was (state, counters aside; the next packet it sends).

mod symmetric_net;

use ntpkit_wire::{Mode, NtpTimestamp};
use proptest::prelude::*;
use symmetric_net::fixture::*;
use symmetric_net::*;

/// After a rejected packet the association sends exactly what it would have sent.
fn assert_untouched(f: &Fixture, bytes: &[u8]) {
    let (mut after, r) = f.deliver(bytes);
    assert_not_accepted(&r);
    assert_eq!(state_of(&after), state_of(&f.a));
    assert_eq!(after.counters().dropped, f.a.counters().dropped + 1);
    let mut before = f.a.clone();
    let next = f.a.poll_timeout().unwrap();
    let (mut x, mut y) = ([0u8; 128], [0u8; 128]);
    for (assoc, buf) in [(&mut before, &mut x), (&mut after, &mut y)] {
        assoc.handle_timeout(next);
        assoc
            .poll_transmit(next, wall(next, 0), &synced(), &f.keys, buf)
            .unwrap()
            .unwrap();
    }
    assert_eq!(x, y);
}

fn assert_not_accepted<T: core::fmt::Debug, E>(r: &Result<T, E>) {
    if let Ok(v) = r {
        panic!("accepted: {v:?}");
    }
}

fn fixtures() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![Just(None), Just(Some(MD5_ID)), Just(Some(AES_ID))]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_are_rejected_and_change_nothing(
        key_id in fixtures(),
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let f = Fixture::established(key_id);
        assert_untouched(&f, &bytes);
    }

    #[test]
    fn symmetric_packets_with_hostile_origins_change_nothing(
        key_id in fixtures(),
        origin_kind in 0u8..4,
        noise in any::<u64>(),
        recv in any::<u64>(),
        xmt in 1u64..,
        mode in prop_oneof![Just(Mode::SymmetricActive), Just(Mode::SymmetricPassive)],
        stratum in any::<u8>(),
        sign_with in prop_oneof![Just(None), Just(Some(OTHER_ID))],
    ) {
        let f = Fixture::established(key_id);
        let ours = f.our_transmit();
        let origin = match origin_kind {
            0 => NtpTimestamp::ZERO,
            1 => NtpTimestamp::from_bits(noise),
            2 => NtpTimestamp::from_bits(ours.to_bits().wrapping_add(noise | 1)),
            _ => NtpTimestamp::from_bits(ours.to_bits() ^ (1 << (noise % 64))),
        };
        let p = packet(origin, NtpTimestamp::from_bits(recv), NtpTimestamp::from_bits(xmt),
            sign_with, |h| { h.mode = mode; h.stratum = ntpkit_wire::Stratum(stratum); });
        assert_untouched(&f, &p);
    }

    #[test]
    fn any_change_to_a_genuine_keyed_packet_is_rejected(
        key_id in prop_oneof![Just(MD5_ID), Just(AES_ID)],
        at in any::<prop::sample::Index>(),
        flip in 1u8..,
    ) {
        let f = Fixture::established(Some(key_id));
        let mut p = f.genuine();
        let i = at.index(p.len());
        p[i] ^= flip;
        assert_untouched(&f, &p);
    }

    #[test]
    fn truncated_or_extended_genuine_packets_are_rejected_when_keyed(
        cut in 0usize..68,
        extra in proptest::collection::vec(any::<u8>(), 1..40),
    ) {
        let f = Fixture::established(Some(MD5_ID));
        let p = f.genuine();
        assert_untouched(&f, &p[..cut.min(p.len() - 1)]);
        let mut longer = p.clone();
        longer.extend_from_slice(&extra);
        assert_untouched(&f, &longer);
        // The genuine packet itself is the control.
        f.assert_sample(&p);
    }
}
