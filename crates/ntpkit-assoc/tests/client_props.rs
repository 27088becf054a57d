//! Property tests of the client association against arbitrary and mutated replies: no
//! panic, and a rejected packet leaves everything but the drop counter as it was.

use core::time::Duration;

use ntpkit_assoc::client::{ClientAssociation, ClientConfig};
use ntpkit_auth::{Key, KeyId, KeyStore, MacAlgorithm};
use ntpkit_wire::{LeapIndicator, Mode, NtpHeader, NtpTimestamp, ReferenceId, Stratum};
use proptest::prelude::*;

type Assoc = ClientAssociation<Box<dyn FnMut() -> u32>>;

fn fixed_rng() -> Box<dyn FnMut() -> u32> {
    let mut x = 0x9e37_79b9u32;
    Box::new(move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    })
}

fn setup(keyed: bool) -> (Assoc, KeyStore, NtpHeader) {
    let mut keys = KeyStore::new();
    let id = KeyId::new(3).unwrap();
    keys.insert(
        id,
        Key::from_ascii(MacAlgorithm::Sha1, "prop-test-key").unwrap(),
    )
    .unwrap();
    keys.trust(id);
    let mut config = ClientConfig::default();
    config.key = keyed.then_some(id);
    let mut a: Assoc = ClientAssociation::new(config, Duration::ZERO, fixed_rng());
    a.handle_timeout(Duration::ZERO);
    let mut buf = [0u8; 72];
    let len = a
        .poll_transmit(
            Duration::ZERO,
            NtpTimestamp::from_unix(1_800_000_000, 0),
            &keys,
            &mut buf,
        )
        .unwrap()
        .unwrap();
    let req = NtpHeader::parse(&buf[..len]).unwrap();
    (a, keys, req)
}

fn snapshot(a: &Assoc) -> (Option<Duration>, u8, i8, bool, bool, u64, u64, u64) {
    let c = a.counters();
    (
        a.poll_timeout(),
        a.reach(),
        a.poll_exponent(),
        a.awaiting_reply(),
        a.is_stopped(),
        c.sent,
        c.accepted,
        c.kisses,
    )
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_and_rejections_change_nothing(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        keyed in any::<bool>(),
    ) {
        let (mut a, keys, _) = setup(keyed);
        let before = snapshot(&a);
        let t4 = NtpTimestamp::from_unix(1_800_000_000, 1_000_000);
        if a.handle_response(Duration::ZERO, &bytes, t4, &keys).is_err() {
            prop_assert_eq!(snapshot(&a), before);
            prop_assert_eq!(a.counters().dropped, 1);
        }
    }

    /// A well-formed synchronised reply whose origin differs from ours in any bit is refused
    /// without side effects, whatever else it says (an off-path spoofer's best guess).
    #[test]
    fn any_wrong_origin_is_refused_without_side_effects(
        flip in 0u32..64,
        stratum in 0u8..20,
        rx in any::<u64>(),
        tx in any::<u64>(),
        refid in any::<[u8; 4]>(),
    ) {
        let (mut a, keys, req) = setup(false);
        let reply = NtpHeader {
            mode: Mode::Server,
            leap: LeapIndicator::NoWarning,
            stratum: Stratum(stratum),
            reference_id: ReferenceId(refid),
            origin_timestamp: NtpTimestamp::from_bits(req.transmit_timestamp.to_bits() ^ (1u64 << flip)),
            receive_timestamp: NtpTimestamp::from_bits(rx),
            transmit_timestamp: NtpTimestamp::from_bits(tx),
            ..req
        };
        let mut out = [0u8; 48];
        reply.emit(&mut out).unwrap();
        let before = snapshot(&a);
        let r = a.handle_response(Duration::ZERO, &out, NtpTimestamp::from_unix(1_800_000_000, 0), &keys);
        prop_assert!(r.is_err());
        prop_assert_eq!(snapshot(&a), before);
    }
}
