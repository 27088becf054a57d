//! Router ACL levels compiled onto the restrict engine: one test per level and packet kind
//! family, from the router manual's descriptions (peer: everything; server: time and queries;
//! synchronization: time only; query: queries only; limited: rate-limited time; no match or
//! deny: DENY when kod-enable is on).

use core::time::Duration;

use ntpkit_access::{
    AccessPolicy, AclLevel, AclRule, AuthStatus, Decision, DiscardConfig, DropReason, Ingress,
    KissCode, MruConfig, PacketKind, Request, RestrictList,
};

fn acl_policy(rules: &[AclRule]) -> AccessPolicy {
    let mut discard = DiscardConfig::default();
    discard.leak = 0;
    AccessPolicy::new(
        RestrictList::from_acl_rules(rules),
        discard,
        &MruConfig::default(),
        8,
    )
}

fn rule(level: AclLevel, net: &str, permit: bool) -> AclRule {
    AclRule {
        level,
        network: net.parse().unwrap(),
        permit,
    }
}

fn decide(p: &mut AccessPolicy, src: &str, kind: PacketKind) -> Decision {
    let r = Request::new(src.parse().unwrap(), 40_000, kind, Ingress::Network);
    p.decide(Duration::from_secs(100), &r)
}

fn one_level(level: AclLevel) -> AccessPolicy {
    acl_policy(&[rule(level, "10.0.0.0/8", true)])
}

#[test]
fn peer_allows_time_peering_and_queries() {
    let mut p = one_level(AclLevel::Peer);
    for kind in [
        PacketKind::TimeRequest,
        PacketKind::Symmetric,
        PacketKind::ControlQuery,
    ] {
        assert_eq!(
            decide(&mut p, "10.1.1.1", kind),
            Decision::Serve,
            "{kind:?}"
        );
    }
}

#[test]
fn server_allows_time_and_queries_but_no_peering() {
    let mut p = one_level(AclLevel::Server);
    assert_eq!(
        decide(&mut p, "10.1.1.1", PacketKind::TimeRequest),
        Decision::Serve
    );
    assert_eq!(
        decide(&mut p, "10.1.1.1", PacketKind::ControlQuery),
        Decision::Serve
    );
    assert_eq!(
        decide(&mut p, "10.1.1.1", PacketKind::Symmetric),
        Decision::Drop(DropReason::NoPeer)
    );
    let write = Request::new(
        "10.1.1.1".parse().unwrap(),
        1,
        PacketKind::ControlWrite,
        Ingress::Network,
    )
    .with_auth(AuthStatus::Valid);
    assert_eq!(
        p.decide(Duration::from_secs(1), &write),
        Decision::Drop(DropReason::NoModify)
    );
}

#[test]
fn synchronization_allows_time_only() {
    let mut p = one_level(AclLevel::Synchronization);
    assert_eq!(
        decide(&mut p, "10.1.1.1", PacketKind::TimeRequest),
        Decision::Serve
    );
    assert_eq!(
        decide(&mut p, "10.1.1.1", PacketKind::ControlQuery),
        Decision::Drop(DropReason::NoQuery)
    );
    assert_eq!(
        decide(&mut p, "10.1.1.1", PacketKind::Symmetric),
        Decision::Drop(DropReason::NoPeer)
    );
}

#[test]
fn query_allows_queries_only() {
    let mut p = one_level(AclLevel::Query);
    assert_eq!(
        decide(&mut p, "10.1.1.1", PacketKind::ControlQuery),
        Decision::Serve
    );
    assert_eq!(
        decide(&mut p, "10.1.1.1", PacketKind::TimeRequest),
        Decision::Drop(DropReason::NoServe)
    );
}

#[test]
fn limited_rate_limits_time_and_kisses_rate_with_kod_enable() {
    let mut p = one_level(AclLevel::Limited);
    p.set_kod_enabled(true);
    assert_eq!(
        decide(&mut p, "10.1.1.1", PacketKind::TimeRequest),
        Decision::Serve
    );
    assert_eq!(
        decide(&mut p, "10.1.1.1", PacketKind::TimeRequest),
        Decision::Kiss(KissCode::Rate)
    );
    assert_eq!(
        decide(&mut p, "10.1.1.1", PacketKind::ControlQuery),
        Decision::Drop(DropReason::NoQuery)
    );
}

#[test]
fn unmatched_or_denied_sources_get_deny_with_kod_enable() {
    let mut p = acl_policy(&[
        rule(AclLevel::Server, "10.0.0.0/8", true),
        rule(AclLevel::Server, "10.9.0.0/16", false),
    ]);
    assert_eq!(
        decide(&mut p, "192.0.2.1", PacketKind::TimeRequest),
        Decision::Drop(DropReason::NoServe)
    );
    p.set_kod_enabled(true);
    assert_eq!(
        decide(&mut p, "192.0.2.2", PacketKind::TimeRequest),
        Decision::Kiss(KissCode::Deny)
    );
    assert_eq!(
        decide(&mut p, "10.9.1.1", PacketKind::TimeRequest),
        Decision::Kiss(KissCode::Deny)
    );
    assert_eq!(
        decide(&mut p, "10.8.1.1", PacketKind::TimeRequest),
        Decision::Serve
    );
    assert_eq!(
        decide(&mut p, "2001:db8::1", PacketKind::ControlQuery),
        Decision::Drop(DropReason::NoQuery)
    );
}

#[test]
fn the_most_permissive_level_that_permits_wins() {
    // A /24 permitted only for query, inside a /8 permitted for peer: the source matches the
    // peer ACL, and peer comes first.
    let mut p = acl_policy(&[
        rule(AclLevel::Peer, "10.0.0.0/8", true),
        rule(AclLevel::Query, "10.1.1.0/24", true),
    ]);
    assert_eq!(
        decide(&mut p, "10.1.1.1", PacketKind::TimeRequest),
        Decision::Serve
    );
    // A deny in the peer ACL lets the query level apply.
    let mut p = acl_policy(&[
        rule(AclLevel::Peer, "10.0.0.0/8", true),
        rule(AclLevel::Peer, "10.1.1.0/24", false),
        rule(AclLevel::Query, "10.1.0.0/16", true),
    ]);
    assert_eq!(
        decide(&mut p, "10.1.1.1", PacketKind::TimeRequest),
        Decision::Drop(DropReason::NoServe)
    );
    assert_eq!(
        decide(&mut p, "10.1.1.1", PacketKind::ControlQuery),
        Decision::Serve
    );
    assert_eq!(
        decide(&mut p, "10.1.2.1", PacketKind::TimeRequest),
        Decision::Serve
    );
}

#[test]
fn no_rules_means_everything_is_allowed() {
    let mut p = acl_policy(&[]);
    assert_eq!(
        decide(&mut p, "192.0.2.1", PacketKind::TimeRequest),
        Decision::Serve
    );
    assert_eq!(
        decide(&mut p, "192.0.2.1", PacketKind::ControlQuery),
        Decision::Serve
    );
}

#[test]
fn a_rule_on_everything_sets_the_default() {
    let mut p = acl_policy(&[rule(AclLevel::Synchronization, "0.0.0.0/0", true)]);
    assert_eq!(
        decide(&mut p, "192.0.2.1", PacketKind::TimeRequest),
        Decision::Serve
    );
    assert_eq!(
        decide(&mut p, "2001:db8::1", PacketKind::TimeRequest),
        Decision::Drop(DropReason::NoServe)
    );
}

#[test]
fn level_names_parse() {
    for level in AclLevel::PRECEDENCE {
        assert_eq!(level.name().parse::<AclLevel>().unwrap(), level);
    }
    assert_eq!(
        "Synchronization".parse::<AclLevel>().unwrap(),
        AclLevel::Synchronization
    );
    assert!("serve-only".parse::<AclLevel>().is_err());
}
