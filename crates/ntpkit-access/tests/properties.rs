//! Property tests: random flag sets and packets against a specification written from the
//! effect table in the crate docs, and random router ACLs against a direct evaluation of the
//! level rules.

use core::time::Duration;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};
use ntpkit_access::{
    AccessPolicy, AclLevel, AclRule, AuthStatus, Decision, DiscardConfig, DropReason, Ingress,
    KissCode, MruConfig, PacketKind, Request, RestrictEntry, RestrictFlag, RestrictFlags,
    RestrictList, RestrictNetwork,
};
use proptest::prelude::*;

type F = RestrictFlags;

/// The decision the effect table prescribes for the first packet from a source (so rate
/// limits cannot apply yet). `flake` may additionally drop a time-service packet.
fn spec(flags: F, kind: PacketKind, auth: AuthStatus, version: u8, kod_global: bool) -> Decision {
    use Decision::{Drop, Kiss, Serve};
    let may_kiss = (kod_global || flags.contains(F::KOD))
        && matches!(kind, PacketKind::TimeRequest | PacketKind::Symmetric);
    let refuse = |reason, code| if may_kiss { Kiss(code) } else { Drop(reason) };
    if flags.contains(F::IGNORE) {
        return Drop(DropReason::Ignored);
    }
    match kind {
        PacketKind::Private => Drop(DropReason::PrivateMode),
        _ if kind.is_control() && flags.contains(F::NOQUERY) => Drop(DropReason::NoQuery),
        PacketKind::ControlWrite if flags.contains(F::NOMODIFY) => Drop(DropReason::NoModify),
        PacketKind::ControlWrite if auth != AuthStatus::Valid => {
            Drop(DropReason::UnauthenticatedWrite)
        }
        PacketKind::ControlTrap if flags.contains(F::NOTRAP) => Drop(DropReason::NoTrap),
        PacketKind::ControlMruList if flags.contains(F::NOMRULIST) => Drop(DropReason::NoMruList),
        _ if kind.is_control() => Serve,
        _ if flags.contains(F::NOSERVE) => refuse(DropReason::NoServe, KissCode::Deny),
        _ if !(1..=4).contains(&version) || (flags.contains(F::VERSION) && version != 4) => {
            Drop(DropReason::Version)
        }
        PacketKind::TimeRequest if auth == AuthStatus::Failed => {
            refuse(DropReason::AuthFailed, KissCode::Cryp)
        }
        _ if auth == AuthStatus::Failed => Drop(DropReason::AuthFailed),
        _ if flags.contains(F::NOTRUST) && auth != AuthStatus::Valid => {
            refuse(DropReason::NotTrusted, KissCode::Deny)
        }
        PacketKind::Symmetric if flags.contains(F::NOEPEER) => {
            refuse(DropReason::NoEphemeralPeer, KissCode::Rstr)
        }
        PacketKind::Symmetric | PacketKind::Broadcast
            if flags.contains(F::NOPEER) && auth != AuthStatus::Valid =>
        {
            refuse(DropReason::NoPeer, KissCode::Rstr)
        }
        _ => Serve,
    }
}

fn flags_from(bits: u16) -> F {
    RestrictFlag::ALL
        .iter()
        .enumerate()
        .filter(|(i, f)| bits & (1 << i) != 0 && **f != RestrictFlag::NTPPORT)
        .map(|(_, f)| *f)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn first_packet_follows_the_effect_table(
        bits in any::<u16>(),
        kind_index in 0usize..PacketKind::ALL.len(),
        auth_index in 0u8..3,
        version in 0u8..8,
        kod_global in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let flags = flags_from(bits);
        let kind = PacketKind::ALL[kind_index];
        let auth = [AuthStatus::None, AuthStatus::Valid, AuthStatus::Failed][usize::from(auth_index)];
        let list = RestrictList::from_entries([RestrictEntry::new(RestrictNetwork::Default, flags)]);
        let mut policy = AccessPolicy::new(list, DiscardConfig::default(), &MruConfig::default(), seed);
        policy.set_kod_enabled(kod_global);
        let src = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 77));
        let request = Request::new(src, 40_000, kind, Ingress::Network).with_auth(auth).with_version(version);
        let decision = policy.decide(Duration::from_secs(10), &request);
        let expected = spec(flags, kind, auth, version, kod_global);
        let flaked = flags.contains(F::FLAKE)
            && kind.is_time_service()
            && !flags.intersects(F::IGNORE | F::NOSERVE)
            && decision == Decision::Drop(DropReason::Flake);
        prop_assert!(decision == expected || flaked, "{flags} {kind:?} {auth:?} v{version} kod={kod_global}: {decision:?}, expected {expected:?}");
    }
}

/// The router's level semantics evaluated directly for one address.
fn acl_model(rules: &[AclRule], addr: IpAddr) -> F {
    if rules.is_empty() {
        return F::NONE;
    }
    for level in AclLevel::PRECEDENCE {
        let decisive = rules
            .iter()
            .filter(|r| r.level == level && r.network.contains(&addr))
            .max_by_key(|r| (r.network.prefix_len(), !r.permit));
        if decisive.is_some_and(|r| r.permit) {
            return level.restrict_flags();
        }
    }
    AclLevel::DENIED
}

fn acl_rule() -> impl Strategy<Value = AclRule> {
    (
        0usize..5,
        0u8..4,
        any::<u32>(),
        prop::sample::select(vec![0u8, 8, 16, 24, 32]),
        any::<bool>(),
    )
        .prop_map(|(level, top, noise, len, permit)| {
            let addr = Ipv4Addr::from((u32::from(top) << 30) | (noise & 0x00ff_00ff));
            AclRule {
                level: AclLevel::PRECEDENCE[level],
                network: IpNet::V4(Ipv4Net::new(addr, len).unwrap().trunc()),
                permit,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn acl_compilation_is_exact(
        rules in prop::collection::vec(acl_rule(), 0..12),
        probes in prop::collection::vec((0u8..4, any::<u32>(), 0usize..12), 1..30),
    ) {
        let list = RestrictList::from_acl_rules(&rules);
        for (top, noise, pick) in probes {
            let addr = match rules.get(pick) {
                Some(rule) => match rule.network {
                    IpNet::V4(n) => IpAddr::V4(Ipv4Addr::from(u32::from(n.network()) | (noise & !u32::from(n.netmask())))),
                    IpNet::V6(_) => unreachable!(),
                },
                None => IpAddr::V4(Ipv4Addr::from((u32::from(top) << 30) | (noise & 0x00ff_00ff))),
            };
            prop_assert_eq!(list.lookup(addr, 40_000), acl_model(&rules, addr), "{}", addr);
        }
    }
}
