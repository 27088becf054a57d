//! Mobilising symmetric passive associations: only authenticated with a trusted key, only
//! when access control allows, within the caps per key and in total (CVE-2015-1798,
//! CVE-2015-7974, CVE-2016-1549, CVE-2018-7170); and their end when the peer falls silent.

mod symmetric_net;

use core::time::Duration;

use ntpkit_access::{Decision, DropReason, KissCode, SessionLimits, SessionRefusal};
use ntpkit_assoc::symmetric::{
    DemobilizeReason, MobilizeRefusal, PASSIVE_UNREACH_POLLS, PassivePolicy, SymmetricEvent,
};
use ntpkit_auth::{AuthError, KeyIdSet, append_mac};
use ntpkit_wire::{Mode, NtpHeader, NtpTimestamp};
use symmetric_net::*;

/// A symmetric active packet as a peer starting up sends it (zero origin).
fn hello(mode: Mode, key_id: Option<u32>) -> Vec<u8> {
    let h = NtpHeader {
        mode,
        transmit_timestamp: wall(Duration::ZERO, 0),
        ..NtpHeader::default()
    };
    let mut buf = [0u8; 128];
    let mut len = h.emit(&mut buf).unwrap();
    if let Some(id) = key_id {
        len = append_mac(&keys(), key(id), &mut buf, len).unwrap();
    }
    buf[..len].to_vec()
}

#[test]
fn an_unauthenticated_symmetric_active_packet_mobilises_nothing() {
    let mut policy = PassivePolicy::new(SessionLimits::new(10, 10));
    let r = policy.admit(
        &hello(Mode::SymmetricActive, None),
        &keys(),
        Decision::Serve,
    );
    assert_eq!(r, Err(MobilizeRefusal::Unauthenticated));
    assert_eq!(policy.limits().active(), 0);
    // The same packet signed with a trusted key does mobilise (the control).
    let grant = policy.admit(
        &hello(Mode::SymmetricActive, Some(MD5_ID)),
        &keys(),
        Decision::Serve,
    );
    assert_eq!(grant.unwrap().key, key(MD5_ID));
    assert_eq!(policy.limits().active(), 1);
}

#[test]
fn untrusted_unknown_or_failed_keys_and_crypto_naks_mobilise_nothing() {
    let mut policy = PassivePolicy::new(SessionLimits::new(10, 10));
    let mut store = keys();
    store.untrust(key(MD5_ID));
    let r = policy.admit(
        &hello(Mode::SymmetricActive, Some(MD5_ID)),
        &store,
        Decision::Serve,
    );
    assert!(
        matches!(
            r,
            Err(MobilizeRefusal::Authentication(AuthError::Untrusted { .. }))
        ),
        "{r:?}"
    );
    let mut bad = hello(Mode::SymmetricActive, Some(MD5_ID));
    *bad.last_mut().unwrap() ^= 0x80;
    let r = policy.admit(&bad, &keys(), Decision::Serve);
    assert!(
        matches!(
            r,
            Err(MobilizeRefusal::Authentication(AuthError::BadMac { .. }))
        ),
        "{r:?}"
    );
    let mut nak = hello(Mode::SymmetricActive, None);
    nak.extend_from_slice(&[0; 4]);
    let r = policy.admit(&nak, &keys(), Decision::Serve);
    assert_eq!(
        r,
        Err(MobilizeRefusal::Authentication(AuthError::CryptoNak))
    );
    assert_eq!(policy.limits().active(), 0);
}

#[test]
fn only_symmetric_active_packets_allowed_by_access_control_mobilise() {
    let mut policy = PassivePolicy::new(SessionLimits::new(10, 10));
    for mode in [
        Mode::SymmetricPassive,
        Mode::Client,
        Mode::Server,
        Mode::Broadcast,
    ] {
        let r = policy.admit(&hello(mode, Some(MD5_ID)), &keys(), Decision::Serve);
        assert_eq!(r, Err(MobilizeRefusal::NotSymmetricActive));
    }
    // `restrict ... nopeer` / `noepeer` as the access policy decides them.
    for refusal in [
        Decision::Drop(DropReason::NoPeer),
        Decision::Kiss(KissCode::Rstr),
    ] {
        let r = policy.admit(
            &hello(Mode::SymmetricActive, Some(MD5_ID)),
            &keys(),
            refusal,
        );
        assert_eq!(r, Err(MobilizeRefusal::Access(refusal)));
    }
    let r = policy.admit(&[0u8; 20], &keys(), Decision::Serve);
    assert_eq!(r, Err(MobilizeRefusal::Malformed));
    assert_eq!(policy.limits().active(), 0);
}

#[test]
fn caps_per_key_and_in_total_are_enforced_and_released() {
    let mut policy = PassivePolicy::new(SessionLimits::new(3, 2));
    let md5 = hello(Mode::SymmetricActive, Some(MD5_ID));
    let aes = hello(Mode::SymmetricActive, Some(AES_ID));
    let other = hello(Mode::SymmetricActive, Some(OTHER_ID));
    assert!(policy.admit(&md5, &keys(), Decision::Serve).is_ok());
    assert!(policy.admit(&md5, &keys(), Decision::Serve).is_ok());
    assert_eq!(
        policy.admit(&md5, &keys(), Decision::Serve),
        Err(MobilizeRefusal::Limit(SessionRefusal::PerKeyCap))
    );
    assert!(policy.admit(&aes, &keys(), Decision::Serve).is_ok());
    assert_eq!(
        policy.admit(&other, &keys(), Decision::Serve),
        Err(MobilizeRefusal::Limit(SessionRefusal::TotalCap))
    );
    assert_eq!(policy.limits().active(), 3);
    policy.release(key(MD5_ID));
    assert!(policy.admit(&other, &keys(), Decision::Serve).is_ok());
    assert_eq!(policy.limits().active_for_key(MD5_ID), 1);
}

#[test]
fn a_key_outside_the_allowed_set_mobilises_nothing() {
    let allowed: KeyIdSet = [key(AES_ID)].into_iter().collect();
    let mut policy = PassivePolicy::new(SessionLimits::new(10, 10)).with_allowed_keys(allowed);
    let r = policy.admit(
        &hello(Mode::SymmetricActive, Some(MD5_ID)),
        &keys(),
        Decision::Serve,
    );
    assert_eq!(r, Err(MobilizeRefusal::KeyNotAllowed(key(MD5_ID))));
    assert!(
        policy
            .admit(
                &hello(Mode::SymmetricActive, Some(AES_ID)),
                &keys(),
                Decision::Serve
            )
            .is_ok()
    );
}

#[test]
fn a_passive_association_ends_when_its_peer_falls_silent_and_an_active_one_never_does() {
    let a = Node::active(config(Some(MD5_ID)), 0, 21);
    let b = Node::passive(
        PassivePolicy::new(SessionLimits::new(4, 4)),
        config(None),
        2_000_000,
        22,
    );
    let mut net = Net::new(a, b, 4_000_000, 4_000_000);
    net.run_until(Duration::from_secs(1800));
    assert!(net.nodes[1].assoc.is_some());
    assert!(net.nodes[1].samples().len() > 20);
    let silent_from = net.now;
    net.silent[0] = true;
    net.run_until(silent_from + Duration::from_secs(6 * 3600));
    let ended: Vec<_> = net.nodes[1]
        .events
        .iter()
        .filter(|(_, e)| *e == SymmetricEvent::Demobilized(DemobilizeReason::Unreachable))
        .collect();
    assert_eq!(ended.len(), 1);
    assert!(net.nodes[1].assoc.is_none());
    // At the poll after PASSIVE_UNREACH_POLLS unanswered ones, 64 s each (+ up to 1/16).
    let after = ended[0].0 - silent_from;
    let polls = u64::from(PASSIVE_UNREACH_POLLS);
    assert!(after >= Duration::from_secs(64 * polls), "{after:?}");
    assert!(after <= Duration::from_secs(68 * (polls + 1)), "{after:?}");
    // Its place under the caps is free again.
    assert_eq!(
        net.nodes[1].passive.as_ref().unwrap().0.limits().active(),
        0
    );
    // The active side, as silent on its side's receive path, keeps its association.
    assert!(net.nodes[0].assoc.is_some());
    assert!(
        !net.nodes[0]
            .events
            .iter()
            .any(|(_, e)| matches!(e, SymmetricEvent::Demobilized(_)))
    );
    // When the peer speaks again, a new passive association is mobilised and measures.
    net.silent[0] = false;
    let back = net.now;
    net.run_until(back + Duration::from_secs(12 * 3600));
    assert!(net.nodes[1].assoc.is_some());
    assert!(
        net.nodes[1].samples_after(back) > 0,
        "{:?}",
        net.nodes[1].refusals
    );
}

#[test]
fn the_first_passive_packet_answers_the_mobilising_one_with_its_key_and_version() {
    let keys = keys();
    let mut h = NtpHeader {
        mode: Mode::SymmetricActive,
        version: ntpkit_wire::Version::V3,
        transmit_timestamp: NtpTimestamp::from_unix(BASE, 123_456_789),
        origin_timestamp: NtpTimestamp::from_unix(BASE - 64, 5), // from a previous life
        ..NtpHeader::default()
    };
    h.receive_timestamp = h.origin_timestamp;
    let mut buf = [0u8; 128];
    let n = h.emit(&mut buf).unwrap();
    let n = append_mac(&keys, key(AES_ID), &mut buf, n).unwrap();
    let mut policy = PassivePolicy::default();
    let grant = policy.admit(&buf[..n], &keys, Decision::Serve).unwrap();
    let t4 = NtpTimestamp::from_unix(BASE, 200_000_000);
    let mut b = Assoc::passive(grant, config(None), Duration::ZERO, Lcg(5), t4);
    assert_eq!(b.poll_timeout(), Some(Duration::ZERO));
    assert_eq!(b.handle_timeout(Duration::ZERO), None);
    let mut out = [0u8; 128];
    let len = b
        .poll_transmit(Duration::ZERO, t4, &synced(), &keys, &mut out)
        .unwrap()
        .unwrap();
    let reply = NtpHeader::parse(&out[..len]).unwrap();
    assert_eq!(reply.mode, Mode::SymmetricPassive);
    assert_eq!(reply.version, ntpkit_wire::Version::V3);
    assert_eq!(reply.origin_timestamp, h.transmit_timestamp);
    assert_eq!(reply.receive_timestamp, t4);
    assert_eq!(&out[48..52], &AES_ID.to_be_bytes());
    assert_eq!(len, 48 + 4 + 16);
}
