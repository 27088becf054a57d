//! The symmetric association and the passive mobilisation policy on arbitrary datagrams:
//! never panic; a rejected packet leaves the association exactly as it was but for the drop
//! counter (CVE-2015-1799, CVE-2016-9042); a refused mobilisation takes no place under the
//! caps. The first byte picks keyed/unkeyed, whether the association has already heard
//! from its peer, and whether the datagram's origin is patched to our transmit timestamp and
//! the datagram signed with the association's key (so the fuzzer gets past the origin and
//! MAC checks to the kiss and sample code); the rest is the datagram.
#![no_main]

use core::time::Duration;

use libfuzzer_sys::fuzz_target;
use ntpkit_access::{Decision, SessionLimits};
use ntpkit_assoc::ServerState;
use ntpkit_assoc::symmetric::{PassivePolicy, SymmetricAssociation, SymmetricConfig};
use ntpkit_auth::append_mac;
use ntpkit_fuzz::{Lcg, md5_keys};
use ntpkit_wire::{LeapIndicator, Mode, NtpHeader, NtpTimestamp, Precision, ReferenceId, Stratum};

fn state<R: core::fmt::Debug>(a: &SymmetricAssociation<R>) -> String {
    let s = format!("{a:?}");
    let cut = s.find("counters:").unwrap_or(s.len());
    s[..cut].to_string()
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, datagram)) = data.split_first() else {
        return;
    };
    let (keys, id) = md5_keys();

    // Mobilisation: a refusal takes nothing.
    let mut policy = PassivePolicy::new(SessionLimits::new(4, 2));
    if policy.admit(datagram, &keys, Decision::Serve).is_err() {
        assert_eq!(policy.limits().active(), 0);
    }

    let mut config = SymmetricConfig::default();
    config.key = (selector & 1 == 1).then_some(id);
    let system = ServerState::local_reference(Stratum(2), ReferenceId(*b"LOCL"), Precision(-20));
    let mut assoc = SymmetricAssociation::new(config, Duration::ZERO, Lcg::START);
    let mut ours = [0u8; 68];
    let mut now = Duration::ZERO;
    let mut t1 = NtpTimestamp::from_unix(1_800_000_000, 0);
    assoc.handle_timeout(now);
    let Ok(Some(_)) = assoc.poll_transmit(now, t1, &system, &keys, &mut ours) else {
        return;
    };
    if selector & 2 == 2 {
        // One exchange first: the peer answers, then we poll again.
        let answer = NtpHeader {
            leap: LeapIndicator::NoWarning,
            mode: Mode::SymmetricPassive,
            stratum: Stratum(1),
            origin_timestamp: NtpHeader::parse(&ours).unwrap().transmit_timestamp,
            receive_timestamp: NtpTimestamp::from_unix(1_800_000_000, 5_000_000),
            transmit_timestamp: NtpTimestamp::from_unix(1_800_000_000, 6_000_000),
            ..NtpHeader::default()
        };
        let mut buf = [0u8; 68];
        let mut len = answer.emit(&mut buf).unwrap();
        if selector & 1 == 1 {
            len = append_mac(&keys, id, &mut buf, len).unwrap();
        }
        let t4 = NtpTimestamp::from_unix(1_800_000_000, 10_000_000);
        assoc.handle_packet(now, &buf[..len], t4, &keys).unwrap();
        now = assoc.poll_timeout().unwrap();
        t1 = NtpTimestamp::from_unix(1_800_000_064, 0);
        assoc.handle_timeout(now);
        assoc
            .poll_transmit(now, t1, &system, &keys, &mut ours)
            .unwrap()
            .unwrap();
    }
    let mut packet = datagram.to_vec();
    if selector & 4 == 4 {
        if let Some(origin) = packet.get_mut(24..32) {
            origin.copy_from_slice(&ours[40..48]);
        }
    }
    if selector & 8 == 8 && packet.len() >= 48 {
        packet.truncate(48);
        packet.resize(48 + 4 + 16, 0);
        if append_mac(&keys, id, &mut packet, 48).is_err() {
            return;
        }
    }
    let before = state(&assoc);
    let dropped = assoc.counters().dropped;
    let t4 = t1 + ntpkit_wire::NtpDuration::from_seconds_f64(0.01);
    match assoc.handle_packet(now + Duration::from_millis(10), &packet, t4, &keys) {
        Err(_) => {
            assert_eq!(state(&assoc), before);
            assert_eq!(assoc.counters().dropped, dropped + 1);
        }
        Ok(ntpkit_assoc::SymmetricEvent::Sample(s)) => {
            assert!(s.sample.offset.is_finite() && s.sample.delay.is_finite());
        }
        Ok(_) => {}
    }
    // Whatever happened, the association still sends well-formed packets.
    let later = now + Duration::from_secs(1 << 17);
    assoc.handle_timeout(later);
    let mut out = [0u8; 68];
    if let Ok(Some(len)) = assoc.poll_transmit(later, t1, &system, &keys, &mut out) {
        assert!(NtpHeader::parse(&out[..len]).is_ok());
    }
});
