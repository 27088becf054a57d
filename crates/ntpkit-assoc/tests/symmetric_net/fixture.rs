//! One established active association and hand-made packets from its peer: the
//! fixture for the hostile-packet tests and the property tests.

use core::time::Duration;

use ntpkit_assoc::client::Rejection;
use ntpkit_assoc::symmetric::SymmetricEvent;
use ntpkit_auth::{KeyStore, append_mac};
use ntpkit_wire::{LeapIndicator, Mode, NtpHeader, NtpTimestamp, ReferenceId, Stratum};

use super::*;

/// The peer's clock is 10 ms ahead of ours; 5 ms each way.
pub const PEER_AHEAD_NS: i64 = 10_000_000;
pub const ONE_WAY_NS: u64 = 5_000_000;

/// Everything but the counters, which end the debug output.
pub fn state_of(a: &Assoc) -> String {
    let s = format!("{a:?}");
    s[..s.find("counters:").unwrap()].to_string()
}

/// A packet from the peer answering `ours` (received at peer time `recv`, sent at
/// `xmt`), signed with `key` if given.
pub fn answer(ours: &[u8], recv: NtpTimestamp, xmt: NtpTimestamp, key_id: Option<u32>) -> Vec<u8> {
    let origin = NtpHeader::parse(ours).unwrap().transmit_timestamp;
    packet(origin, recv, xmt, key_id, |_| {})
}

pub fn packet(
    origin: NtpTimestamp,
    recv: NtpTimestamp,
    xmt: NtpTimestamp,
    key_id: Option<u32>,
    edit: impl FnOnce(&mut NtpHeader),
) -> Vec<u8> {
    let mut h = NtpHeader {
        leap: LeapIndicator::NoWarning,
        mode: Mode::SymmetricActive,
        stratum: Stratum(1),
        reference_id: ReferenceId(*b"GPS\0"),
        origin_timestamp: origin,
        receive_timestamp: recv,
        transmit_timestamp: xmt,
        ..NtpHeader::default()
    };
    edit(&mut h);
    let mut buf = [0u8; 128];
    let mut len = h.emit(&mut buf).unwrap();
    if let Some(id) = key_id {
        len = append_mac(&keys(), key(id), &mut buf, len).unwrap();
    }
    buf[..len].to_vec()
}

/// An active association that has exchanged one round with its peer and just sent its
/// second packet (`ours`), which the peer received at `peer_recv`.
pub struct Fixture {
    pub a: Assoc,
    pub keys: KeyStore,
    pub key_id: Option<u32>,
    pub now: Duration,
    /// Our latest packet.
    pub ours: Vec<u8>,
    /// The peer's packet we accepted last.
    pub theirs: Vec<u8>,
}

impl Fixture {
    pub fn established(key_id: Option<u32>) -> Self {
        let keys = keys();
        let mut a = Assoc::new(config(key_id), Duration::ZERO, Lcg(1));
        a.handle_timeout(Duration::ZERO);
        let system = synced();
        let mut buf = [0u8; 128];
        let t1 = wall(Duration::ZERO, 0);
        let n = a
            .poll_transmit(Duration::ZERO, t1, &system, &keys, &mut buf)
            .unwrap()
            .unwrap();
        let first = buf[..n].to_vec();
        let arrive = Duration::from_nanos(ONE_WAY_NS);
        let theirs = answer(
            &first,
            wall(arrive, PEER_AHEAD_NS),
            wall(arrive + Duration::from_millis(1), PEER_AHEAD_NS),
            key_id,
        );
        let back = arrive + Duration::from_millis(1) + Duration::from_nanos(ONE_WAY_NS);
        let event = a
            .handle_packet(back, &theirs, wall(back, 0), &keys)
            .unwrap();
        assert!(matches!(event, SymmetricEvent::Sample(_)), "{event:?}");
        let now = a.poll_timeout().unwrap();
        a.handle_timeout(now);
        let n = a
            .poll_transmit(now, wall(now, 0), &system, &keys, &mut buf)
            .unwrap()
            .unwrap();
        Self {
            a,
            keys,
            key_id,
            now,
            ours: buf[..n].to_vec(),
            theirs,
        }
    }

    /// The peer's genuine answer to our latest packet.
    pub fn genuine(&self) -> Vec<u8> {
        let arrive = self.now + Duration::from_nanos(ONE_WAY_NS);
        answer(
            &self.ours,
            wall(arrive, PEER_AHEAD_NS),
            wall(arrive + Duration::from_millis(1), PEER_AHEAD_NS),
            self.key_id,
        )
    }

    pub fn arrival(&self) -> (Duration, NtpTimestamp) {
        let at = self.now + Duration::from_millis(11);
        (at, wall(at, 0))
    }

    pub fn deliver(&self, bytes: &[u8]) -> (Assoc, Result<SymmetricEvent, Rejection>) {
        let mut a = self.a.clone();
        let (at, t4) = self.arrival();
        let r = a.handle_packet(at, bytes, t4, &self.keys);
        (a, r)
    }

    /// `bytes` is rejected for `want` and changes nothing but the drop counter.
    pub fn assert_rejected(&self, bytes: &[u8], want: Rejection) {
        let (after, r) = self.deliver(bytes);
        assert_eq!(r, Err(want));
        assert_eq!(state_of(&after), state_of(&self.a));
        assert_eq!(after.counters().dropped, self.a.counters().dropped + 1);
        assert_eq!(after.counters().samples, self.a.counters().samples);
    }

    pub fn assert_sample(&self, bytes: &[u8]) {
        let (_, r) = self.deliver(bytes);
        match r {
            Ok(SymmetricEvent::Sample(s)) => {
                assert!((s.sample.offset - PEER_AHEAD_NS as f64 * 1e-9).abs() < 2e-6)
            }
            other => panic!("control not accepted: {other:?}"),
        }
    }

    pub fn our_transmit(&self) -> NtpTimestamp {
        NtpHeader::parse(&self.ours).unwrap().transmit_timestamp
    }

    pub fn later(&self, ms: u64) -> NtpTimestamp {
        wall(self.now + Duration::from_millis(ms), PEER_AHEAD_NS)
    }
}
