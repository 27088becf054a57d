//! Two symmetric associations exchanging packets in simulated time over a path with known
//! delays: each must measure the other's clock offset as the simulation's parameters give
//! it (RFC 5905 section 8), active <-> passive and active <-> active, unkeyed and keyed
//! (MD5, AES-128-CMAC).

mod symmetric_net;

use core::time::Duration;

use md5::{Digest, Md5};
use ntpkit_access::SessionLimits;
use ntpkit_assoc::ServerState;
use ntpkit_assoc::symmetric::{NoSampleReason, PassivePolicy, Role, SymmetricEvent};
use ntpkit_wire::{Mode, NtpHeader, Precision};
use symmetric_net::*;

const HOUR: Duration = Duration::from_secs(3600);

/// Every sample node `i` took is within 2 µs of the true offset (our timestamps carry
/// noise below 2^-20 s) and its delay within 2 µs of the path's round trip.
fn assert_measures_truth(net: &Net, i: usize, at_least: usize) {
    let samples = net.nodes[i].samples();
    assert!(
        samples.len() >= at_least,
        "node {i}: {} samples, rejections {:?}",
        samples.len(),
        net.nodes[i].rejections
    );
    let want = net.expected_offset(i);
    for s in &samples {
        assert!(
            (s.sample.offset - want).abs() < 2e-6,
            "node {i}: offset {} want {want}",
            s.sample.offset
        );
        assert!(
            (s.sample.delay - net.expected_delay()).abs() < 2e-6,
            "delay {}",
            s.sample.delay
        );
    }
}

fn passive_policy() -> PassivePolicy {
    PassivePolicy::new(SessionLimits::new(4, 2))
}

/// A 12.5 ms apart, 7 ms out and 3 ms back: A must see +14.5 ms, B -14.5 ms.
fn pair(a: symmetric_net::Node, b: symmetric_net::Node) -> Net {
    Net::new(a, b, 7_000_000, 3_000_000)
}

#[test]
fn an_unkeyed_active_peer_mobilises_no_passive_association() {
    // Without a key the passive side must not exist at all (CVE-2015-1798 class): the
    // active side keeps polling into nothing.
    let a = Node::active(config(None), 0, 1);
    let b = Node::passive(passive_policy(), config(None), 12_500_000, 2);
    let mut net = pair(a, b);
    net.run_until(HOUR);
    assert!(net.nodes[1].assoc.is_none());
    assert!(!net.nodes[1].refusals.is_empty());
    assert!(net.nodes[0].samples().is_empty());
}

#[test]
fn active_and_active_measure_each_other_unkeyed() {
    let a = Node::active(config(None), 0, 1);
    let b = Node::active(config(None), 12_500_000, 2);
    let mut net = pair(a, b);
    net.run_until(HOUR);
    assert!((net.expected_offset(0) - 0.0145).abs() < 1e-12);
    // 64 s polls with up to 1/16 jitter for an hour: about 55 packets each way.
    assert_measures_truth(&net, 0, 45);
    assert_measures_truth(&net, 1, 45);
    // Every poll answered (the latest may still be on its way).
    assert_eq!(net.nodes[0].assoc.as_ref().unwrap().reach() & 0xfe, 0xfe);
}

#[test]
fn active_and_passive_measure_each_other_with_md5_and_aes_cmac() {
    for key_id in [MD5_ID, AES_ID] {
        let a = Node::active(config(Some(key_id)), -3_000_000, 3);
        let b = Node::passive(passive_policy(), config(None), 9_500_000, 4);
        let mut net = pair(a, b);
        net.run_until(HOUR);
        let passive = net.nodes[1].assoc.as_ref().expect("mobilised");
        assert_eq!(passive.role(), Role::Passive);
        assert_eq!(passive.key(), Some(key(key_id)));
        assert_measures_truth(&net, 0, 45);
        assert_measures_truth(&net, 1, 45);
        for i in 0..2 {
            let samples = net.nodes[i].samples();
            assert!(samples.iter().all(|s| s.authenticated == Some(key(key_id))));
            assert!(
                net.nodes[i].rejections.is_empty(),
                "{:?}",
                net.nodes[i].rejections
            );
        }
    }
}

#[test]
fn active_and_active_measure_each_other_with_aes_cmac() {
    let a = Node::active(config(Some(AES_ID)), 40_000_000, 5);
    let b = Node::active(config(Some(AES_ID)), -2_000_000, 6);
    let mut net = Net::new(a, b, 1_000_000, 20_000_000);
    net.run_until(HOUR);
    assert_measures_truth(&net, 0, 45);
    assert_measures_truth(&net, 1, 45);
    assert!(
        net.nodes[1]
            .samples()
            .iter()
            .all(|s| s.authenticated == Some(key(AES_ID)))
    );
}

#[test]
fn peers_polling_at_different_intervals_both_get_samples() {
    // Each side polls at its own interval; the poll field says whose.
    let mut fast = config(Some(MD5_ID));
    fast.minpoll = 4;
    fast.maxpoll = 4;
    let mut slow = config(Some(MD5_ID));
    slow.minpoll = 7;
    slow.maxpoll = 7;
    let a = Node::active(fast, 0, 7);
    let b = Node::active(slow, 5_000_000, 8);
    let mut net = pair(a, b);
    net.run_until(HOUR);
    // 16 s against 128 s: B's packets come once per B's poll and each answers A's latest,
    // so both sides sample at B's rate; A's packets in between answer a packet of B's that
    // already gave B a sample: accepted (B echoes them next), not used.
    assert_measures_truth(&net, 0, 20);
    assert_measures_truth(&net, 1, 20);
    let b_assoc = net.nodes[1].assoc.as_ref().unwrap();
    assert_eq!(b_assoc.peer_poll(), Some(4));
    assert_eq!(net.nodes[0].assoc.as_ref().unwrap().peer_poll(), Some(7));
    assert!(
        net.nodes[1]
            .events
            .iter()
            .any(|(_, e)| *e == SymmetricEvent::NoSample(NoSampleReason::AlreadySampled))
    );
}

#[test]
fn an_unsynchronised_peer_takes_our_time_and_gives_none() {
    let a = Node::active(config(Some(MD5_ID)), 0, 9);
    let mut b = Node::passive(passive_policy(), config(None), 30_000_000, 10);
    b.system = ServerState::unsynchronized(Precision(-20));
    let mut net = pair(a, b);
    net.run_until(HOUR);
    assert!(net.nodes[0].samples().is_empty());
    assert!(
        net.nodes[0]
            .events
            .iter()
            .all(|(_, e)| *e == SymmetricEvent::NoSample(NoSampleReason::Unsynchronized))
    );
    assert_measures_truth(&net, 1, 45);
    // The unsynchronised peer is still reachable: it answers us.
    assert_eq!(net.nodes[0].assoc.as_ref().unwrap().reach() & 0xfe, 0xfe);
}

#[test]
fn lost_packets_and_a_long_outage_are_recovered_from() {
    let a = Node::active(config(Some(MD5_ID)), 0, 11);
    let b = Node::active(config(Some(MD5_ID)), -7_000_000, 12);
    let mut net = pair(a, b);
    net.run_until(Duration::from_secs(600));
    // A few of A's packets are lost: B keeps echoing an older packet of A's, which A
    // still remembers.
    net.silent[0] = true;
    net.run_until(Duration::from_secs(800));
    net.silent[0] = false;
    net.run_until(Duration::from_secs(1400));
    assert!(net.nodes[0].samples_after(Duration::from_secs(900)) >= 5);
    assert!(net.nodes[1].samples_after(Duration::from_secs(900)) >= 5);
    // Both directions down for longer than the transmit history: both start over with a
    // zero origin, then measure again.
    net.silent = [true, true];
    net.run_until(Duration::from_secs(4 * 3600));
    net.silent = [false, false];
    let back = net.now;
    net.run_until(back + Duration::from_secs(4 * 3600));
    assert!(
        net.nodes[0].samples_after(back) >= 3,
        "{:?}",
        net.nodes[0].rejections
    );
    assert!(
        net.nodes[1].samples_after(back) >= 3,
        "{:?}",
        net.nodes[1].rejections
    );
    assert_measures_truth(&net, 0, 10);
    assert_measures_truth(&net, 1, 10);
}

#[test]
fn our_packet_carries_our_system_variables_and_an_md5_mac_computed_independently() {
    let a = Node::active(config(Some(MD5_ID)), 0, 13);
    let b = Node::passive(passive_policy(), config(None), 1_000_000, 14);
    let mut net = pair(a, b);
    net.run_until(Duration::from_secs(200));
    for i in 0..2 {
        let bytes = net.last_sent_by(i);
        assert_eq!(bytes.len(), 48 + 4 + 16);
        let h = NtpHeader::parse(&bytes).unwrap();
        let s = synced();
        assert_eq!(
            (h.mode, h.leap, h.stratum, h.precision, h.reference_id),
            (
                if i == 0 {
                    Mode::SymmetricActive
                } else {
                    Mode::SymmetricPassive
                },
                s.leap,
                s.stratum,
                s.precision,
                s.reference_id
            )
        );
        // The origin echoes a transmit timestamp of the other side's.
        assert!(net.tap.iter().any(|(from, p)| *from == 1 - i
            && NtpHeader::parse(p).unwrap().transmit_timestamp == h.origin_timestamp));
        let mut md5 = Md5::new();
        md5.update(MD5_SECRET.as_bytes());
        md5.update(&bytes[..48]);
        assert_eq!(&bytes[48..52], &MD5_ID.to_be_bytes());
        assert_eq!(&bytes[52..], &md5.finalize()[..]);
    }
}

#[test]
fn an_aes_cmac_keyed_packet_carries_the_rfc_8573_mac_computed_independently() {
    use aes::Aes128;
    use cmac::{Cmac, Mac as _};
    let a = Node::active(config(Some(AES_ID)), 0, 15);
    let b = Node::passive(passive_policy(), config(None), 1_000_000, 16);
    let mut net = pair(a, b);
    net.run_until(Duration::from_secs(200));
    for i in 0..2 {
        let bytes = net.last_sent_by(i);
        assert_eq!(bytes.len(), 48 + 4 + 16);
        let mut m = <Cmac<Aes128> as cmac::KeyInit>::new_from_slice(&AES_SECRET).unwrap();
        m.update(&bytes[..48]);
        assert_eq!(&bytes[48..52], &AES_ID.to_be_bytes());
        assert_eq!(&bytes[52..], &m.finalize().into_bytes()[..]);
    }
}
