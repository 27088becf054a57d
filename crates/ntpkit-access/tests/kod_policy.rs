//! Kiss-o'-Death policy, CVE rules from SECURITY-LESSONS.md, counters and session caps.

use core::time::Duration;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ntpkit_access::{
    AccessPolicy, AuthStatus, Decision, DiscardConfig, DropReason, Ingress, KissCode, MruConfig,
    PacketKind, Request, RestrictEntry, RestrictFlags, RestrictList, RestrictNetwork,
    SessionLimits, SessionRefusal,
};

fn policy(default_flags: &str) -> AccessPolicy {
    let list = RestrictList::from_entries([RestrictEntry::new(
        RestrictNetwork::Default,
        default_flags.parse().unwrap(),
    )]);
    let mut discard = DiscardConfig::default();
    discard.leak = 0;
    AccessPolicy::new(list, discard, &MruConfig::default(), 2024)
}

fn req(src: &str, kind: PacketKind) -> Request {
    Request::new(src.parse().unwrap(), 40_000, kind, Ingress::Network)
}

const T: Duration = Duration::from_secs(1_000);

#[test]
fn kod_is_off_by_default_like_the_router() {
    let mut p = policy("noserve");
    assert!(!p.kod_enabled());
    assert_eq!(
        p.decide(T, &req("192.0.2.1", PacketKind::TimeRequest)),
        Decision::Drop(DropReason::NoServe)
    );
}

#[test]
fn global_switch_kisses_without_the_entry_flag() {
    let mut p = policy("noserve");
    p.set_kod_enabled(true);
    assert_eq!(
        p.decide(T, &req("192.0.2.1", PacketKind::TimeRequest)),
        Decision::Kiss(KissCode::Deny)
    );
    p.set_kod_enabled(false);
    assert_eq!(
        p.decide(
            T + Duration::from_secs(100),
            &req("192.0.2.1", PacketKind::TimeRequest)
        ),
        Decision::Drop(DropReason::NoServe)
    );
}

#[test]
fn global_switch_gives_rate_kisses_for_limited_entries() {
    let mut p = policy("limited");
    p.set_kod_enabled(true);
    let r = req("192.0.2.2", PacketKind::TimeRequest);
    assert_eq!(p.decide(T, &r), Decision::Serve);
    assert_eq!(p.decide(T, &r), Decision::Kiss(KissCode::Rate));
}

#[test]
fn notrust_denies_unauthenticated_with_deny() {
    let mut p = policy("notrust kod");
    assert_eq!(
        p.decide(T, &req("192.0.2.3", PacketKind::TimeRequest)),
        Decision::Kiss(KissCode::Deny)
    );
    let authed = req("192.0.2.4", PacketKind::TimeRequest).with_auth(AuthStatus::Valid);
    assert_eq!(p.decide(T, &authed), Decision::Serve);
}

#[test]
fn failed_mac_gets_cryp_only_when_kisses_are_on() {
    let failed = req("192.0.2.5", PacketKind::TimeRequest).with_auth(AuthStatus::Failed);
    assert_eq!(
        policy("").decide(T, &failed),
        Decision::Drop(DropReason::AuthFailed)
    );
    assert_eq!(
        policy("kod").decide(T, &failed),
        Decision::Kiss(KissCode::Cryp)
    );
    // A failed MAC on a symmetric packet is dropped, never kissed (it could be forged).
    let sym = req("192.0.2.5", PacketKind::Symmetric).with_auth(AuthStatus::Failed);
    assert_eq!(
        policy("kod").decide(T, &sym),
        Decision::Drop(DropReason::AuthFailed)
    );
}

#[test]
fn no_kiss_ever_for_broadcast_association_or_control_packets() {
    let mut p = policy("noserve noquery kod");
    p.set_kod_enabled(true);
    for kind in [
        PacketKind::Broadcast,
        PacketKind::AssociationReply,
        PacketKind::ControlQuery,
        PacketKind::Private,
    ] {
        assert!(
            matches!(p.decide(T, &req("192.0.2.6", kind)), Decision::Drop(_)),
            "{kind:?}"
        );
    }
}

#[test]
fn ignore_never_kisses() {
    let mut p = policy("ignore kod");
    p.set_kod_enabled(true);
    assert_eq!(
        p.decide(T, &req("192.0.2.7", PacketKind::TimeRequest)),
        Decision::Drop(DropReason::Ignored)
    );
}

#[test]
fn deny_kisses_are_rate_limited_per_source() {
    let mut p = policy("noserve kod");
    let mut kisses = 0;
    for second in 0..80u64 {
        if let Decision::Kiss(KissCode::Deny) = p.decide(
            Duration::from_secs(10_000 + second),
            &req("192.0.2.8", PacketKind::TimeRequest),
        ) {
            kisses += 1;
        }
    }
    // One per 2^3 s: 80 s of requests, 10 kisses.
    assert_eq!(kisses, 10);
    assert_eq!(p.counters().kod_sent, 10);
    assert_eq!(p.counters().kod_suppressed, 70);
    // Another source has its own budget.
    assert_eq!(
        p.decide(
            Duration::from_secs(10_000),
            &req("192.0.2.9", PacketKind::TimeRequest)
        ),
        Decision::Kiss(KissCode::Deny)
    );
}

#[test]
fn local_refusals_show_rstr_on_the_association() {
    assert_eq!(DropReason::NoServe.local_status(), Some(KissCode::Rstr));
    assert_eq!(DropReason::RateExceeded.local_status(), None);
}

#[test]
fn counters_by_reason() {
    let mut p = policy("noquery limited");
    p.decide(T, &req("192.0.2.10", PacketKind::ControlQuery));
    p.decide(T, &req("192.0.2.10", PacketKind::TimeRequest));
    p.decide(T, &req("192.0.2.10", PacketKind::TimeRequest));
    p.decide(T, &req("192.0.2.10", PacketKind::Private));
    let c = p.counters();
    assert_eq!(c.received, 4);
    assert_eq!(c.served, 1);
    assert_eq!(c.denied, 1);
    assert_eq!(c.rate_exceeded, 1);
    assert_eq!(c.refused(DropReason::NoQuery), 1);
    assert_eq!(c.refused(DropReason::RateExceeded), 1);
    assert_eq!(c.refused(DropReason::PrivateMode), 1);
    assert_eq!(c.kissed(KissCode::Deny), 0);
    p.reset_counters();
    assert_eq!(p.counters().received, 0);
}

// ---- CVE-2014-9298: spoofed loopback sources ----

#[test]
fn loopback_source_on_an_outside_interface_is_dropped_before_the_restrict_list() {
    // Even an entry that explicitly allows 127.0.0.1 does not let the spoof through.
    let list = RestrictList::from_entries([
        RestrictEntry::new(RestrictNetwork::Default, "ignore".parse().unwrap()),
        RestrictEntry::new(
            RestrictNetwork::host("127.0.0.1".parse().unwrap()),
            RestrictFlags::NONE,
        ),
        RestrictEntry::new(
            RestrictNetwork::host("::1".parse().unwrap()),
            RestrictFlags::NONE,
        ),
    ]);
    let mut p = AccessPolicy::new(list, DiscardConfig::default(), &MruConfig::default(), 1);
    let sources: [IpAddr; 4] = [
        Ipv4Addr::LOCALHOST.into(),
        Ipv4Addr::new(127, 5, 6, 7).into(),
        Ipv6Addr::LOCALHOST.into(),
        Ipv4Addr::LOCALHOST.to_ipv6_mapped().into(),
    ];
    for src in sources {
        for kind in PacketKind::ALL {
            let spoof =
                Request::new(src, 123, *kind, Ingress::Network).with_auth(AuthStatus::Valid);
            assert_eq!(
                p.decide(T, &spoof),
                Decision::Drop(DropReason::LoopbackSpoof),
                "{src} {kind:?}"
            );
        }
    }
    let genuine = Request::new(
        Ipv4Addr::LOCALHOST.into(),
        40_000,
        PacketKind::ControlQuery,
        Ingress::Loopback,
    );
    assert_eq!(p.decide(T, &genuine), Decision::Serve);
    assert_eq!(
        p.counters().refused(DropReason::LoopbackSpoof),
        4 * PacketKind::ALL.len() as u64
    );
}

// ---- CVE-2013-5211: noquery means no control answer at all ----

#[test]
fn noquery_gives_no_control_answer_of_any_kind() {
    let mut p = policy("noquery");
    for kind in [
        PacketKind::ControlQuery,
        PacketKind::ControlWrite,
        PacketKind::ControlTrap,
        PacketKind::ControlMruList,
    ] {
        let authed = req("203.0.113.5", kind).with_auth(AuthStatus::Valid);
        assert_eq!(
            p.decide(T, &authed),
            Decision::Drop(DropReason::NoQuery),
            "{kind:?}"
        );
    }
}

#[test]
fn mode_7_is_never_served() {
    let mut p = policy("");
    let authed = req("203.0.113.6", PacketKind::Private).with_auth(AuthStatus::Valid);
    assert_eq!(
        p.decide(T, &authed),
        Decision::Drop(DropReason::PrivateMode)
    );
}

#[test]
fn versions_outside_one_to_four_are_dropped() {
    let mut p = policy("");
    for version in [0u8, 5, 7] {
        let r = req("203.0.113.7", PacketKind::TimeRequest).with_version(version);
        assert_eq!(
            p.decide(T, &r),
            Decision::Drop(DropReason::Version),
            "v{version}"
        );
    }
    let v1 = req("203.0.113.7", PacketKind::TimeRequest).with_version(1);
    assert_eq!(p.decide(T, &v1), Decision::Serve);
}

// ---- Dynamic session caps (CVE-2016-1549, CVE-2018-7170) ----

#[test]
fn session_caps_total_and_per_key() {
    let mut limits = SessionLimits::new(3, 2);
    assert_eq!(limits.try_admit(Some(1)), Ok(()));
    assert_eq!(limits.try_admit(Some(1)), Ok(()));
    assert_eq!(limits.try_admit(Some(1)), Err(SessionRefusal::PerKeyCap));
    assert_eq!(limits.try_admit(Some(2)), Ok(()));
    assert_eq!(limits.try_admit(None), Err(SessionRefusal::TotalCap));
    assert_eq!(limits.active(), 3);
    assert_eq!(limits.active_for_key(1), 2);
    limits.release(Some(1));
    assert_eq!(limits.try_admit(None), Ok(()));
    // Releasing a key that holds nothing changes nothing.
    limits.release(Some(99));
    assert_eq!(limits.active(), 3);
    assert_eq!(SessionLimits::default().try_admit(None), Ok(()));
}

#[test]
fn session_caps_hold_under_many_keys() {
    let mut limits = SessionLimits::new(100, 1);
    let admitted = (0..100_000u32)
        .filter(|key| limits.try_admit(Some(*key)).is_ok())
        .count();
    assert_eq!(admitted, 100);
}
