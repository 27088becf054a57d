//! One test per cell of the flag x packet-kind table in the crate documentation.
//!
//! Expected effects are written from ntpd's access-control documentation (accopt, ntp.conf(5)
//! `restrict`) and SECURITY-LESSONS.md, not from this crate's output.

use core::time::Duration;
use std::net::IpAddr;

use ntpkit_access::{
    AccessPolicy, AuthStatus, Decision, DiscardConfig, DropReason, Ingress, KissCode, MruConfig,
    PacketKind, Request, RestrictEntry, RestrictFlags, RestrictList, RestrictNetwork,
};

/// What a flag does to one kind of packet.
#[derive(Clone, Copy, Debug)]
enum Effect {
    /// No effect: every probe decides as with an entry without flags.
    Same,
    /// Always refused; with `kod` on the entry, kissed with the code if there is one.
    Refuse(DropReason, Option<KissCode>),
    /// Refused unless authenticated (then decided as without the flag).
    RefuseUnlessAuth(DropReason, Option<KissCode>),
    /// Rate limited by `discard`; with `kod`, RATE kisses if the bool is true.
    Rate(bool),
    /// Packets of a version other than 4 are dropped.
    Version,
    /// About one packet in ten dropped at random.
    Flaky,
    /// Served, in every probe.
    Serve,
}

use Effect::*;

const SOURCE: &str = "192.0.2.10";
const PORT: u16 = 40_000;

fn policy(flags: RestrictFlags) -> AccessPolicy {
    let list = RestrictList::from_entries([RestrictEntry::new(RestrictNetwork::Default, flags)]);
    let mut discard = DiscardConfig::default();
    discard.leak = 0; // the leak has its own tests; here refusals must be deterministic
    AccessPolicy::new(list, discard, &MruConfig::default(), 99)
}

fn request(kind: PacketKind, auth: AuthStatus, version: u8) -> Request {
    let src: IpAddr = SOURCE.parse().unwrap();
    Request::new(src, PORT, kind, Ingress::Network)
        .with_auth(auth)
        .with_version(version)
}

fn once(flags: RestrictFlags, kind: PacketKind, auth: AuthStatus, version: u8) -> Decision {
    policy(flags).decide(Duration::from_secs(1_000), &request(kind, auth, version))
}

const PROBES: [(AuthStatus, u8); 4] = [
    (AuthStatus::None, 4),
    (AuthStatus::Valid, 4),
    (AuthStatus::None, 3),
    (AuthStatus::Valid, 3),
];

fn check(flag: RestrictFlags, kind: PacketKind, effect: Effect) {
    let with_kod = flag | RestrictFlags::KOD;
    match effect {
        Same => {
            for (auth, version) in PROBES {
                assert_eq!(
                    once(flag, kind, auth, version),
                    once(RestrictFlags::NONE, kind, auth, version),
                    "{flag} {kind:?} {auth:?} v{version}"
                );
            }
        }
        Serve => {
            for (auth, version) in PROBES {
                assert_eq!(once(flag, kind, auth, version), Decision::Serve);
            }
        }
        Refuse(reason, kiss) => {
            for auth in [AuthStatus::None, AuthStatus::Valid] {
                assert_eq!(once(flag, kind, auth, 4), Decision::Drop(reason));
                let kissed = kiss.map_or(Decision::Drop(reason), Decision::Kiss);
                assert_eq!(once(with_kod, kind, auth, 4), kissed, "with kod");
            }
        }
        RefuseUnlessAuth(reason, kiss) => {
            assert_eq!(
                once(flag, kind, AuthStatus::None, 4),
                Decision::Drop(reason)
            );
            let kissed = kiss.map_or(Decision::Drop(reason), Decision::Kiss);
            assert_eq!(
                once(with_kod, kind, AuthStatus::None, 4),
                kissed,
                "with kod"
            );
            assert_eq!(
                once(flag, kind, AuthStatus::Valid, 4),
                once(RestrictFlags::NONE, kind, AuthStatus::Valid, 4)
            );
        }
        Rate(kisses) => {
            for flags in [flag, with_kod] {
                let mut policy = policy(flags);
                let req = request(kind, AuthStatus::Valid, 4);
                let now = Duration::from_secs(500);
                assert_eq!(policy.decide(now, &req), Decision::Serve, "first packet");
                // A second packet in the same second violates `discard minimum 2`.
                let expected = if flags.contains(RestrictFlags::KOD) && kisses {
                    Decision::Kiss(KissCode::Rate)
                } else {
                    Decision::Drop(DropReason::RateExceeded)
                };
                assert_eq!(policy.decide(now, &req), expected, "{flags}");
                // Spaced at the average (8 s), a fresh source is never limited.
                let mut spaced = self::policy(flags);
                for i in 0..50 {
                    let at = Duration::from_secs(1_000 + 8 * i);
                    assert_eq!(spaced.decide(at, &req), Decision::Serve, "packet {i}");
                }
            }
        }
        Version => {
            for auth in [AuthStatus::None, AuthStatus::Valid] {
                assert_eq!(
                    once(flag, kind, auth, 4),
                    once(RestrictFlags::NONE, kind, auth, 4)
                );
                assert_eq!(
                    once(flag, kind, auth, 3),
                    Decision::Drop(DropReason::Version)
                );
                // Without the flag ntpd accepts older versions.
                assert_ne!(
                    once(RestrictFlags::NONE, kind, auth, 3),
                    Decision::Drop(DropReason::Version)
                );
            }
        }
        Flaky => {
            let mut policy = policy(flag);
            let req = request(kind, AuthStatus::Valid, 4);
            let mut dropped = 0;
            for i in 0..2_000 {
                match policy.decide(Duration::from_secs(i), &req) {
                    Decision::Drop(DropReason::Flake) => dropped += 1,
                    Decision::Serve => {}
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert!((120..280).contains(&dropped), "{dropped} of 2000 dropped");
        }
    }
}

macro_rules! row {
    ($row:ident, $flag:expr, [$tr:expr, $sy:expr, $bc:expr, $ar:expr, $cq:expr, $cw:expr, $ct:expr, $cm:expr, $p7:expr]) => {
        mod $row {
            use super::*;
            #[test]
            fn time_request() {
                check($flag, PacketKind::TimeRequest, $tr);
            }
            #[test]
            fn symmetric() {
                check($flag, PacketKind::Symmetric, $sy);
            }
            #[test]
            fn broadcast() {
                check($flag, PacketKind::Broadcast, $bc);
            }
            #[test]
            fn association_reply() {
                check($flag, PacketKind::AssociationReply, $ar);
            }
            #[test]
            fn control_query() {
                check($flag, PacketKind::ControlQuery, $cq);
            }
            #[test]
            fn control_write() {
                check($flag, PacketKind::ControlWrite, $cw);
            }
            #[test]
            fn control_trap() {
                check($flag, PacketKind::ControlTrap, $ct);
            }
            #[test]
            fn control_mru_list() {
                check($flag, PacketKind::ControlMruList, $cm);
            }
            #[test]
            fn private_mode7() {
                check($flag, PacketKind::Private, $p7);
            }
        }
    };
}

const M7: Effect = Refuse(DropReason::PrivateMode, None);
const UNAUTH_WRITE: Effect = RefuseUnlessAuth(DropReason::UnauthenticatedWrite, None);

/// The baseline row: an entry without flags. (Version 3 is accepted without `version`.)
mod no_flags {
    use super::*;
    #[test]
    fn every_kind() {
        for kind in [
            PacketKind::TimeRequest,
            PacketKind::Symmetric,
            PacketKind::Broadcast,
            PacketKind::AssociationReply,
            PacketKind::ControlQuery,
            PacketKind::ControlTrap,
            PacketKind::ControlMruList,
        ] {
            check(RestrictFlags::NONE, kind, Serve);
        }
        check(RestrictFlags::NONE, PacketKind::ControlWrite, UNAUTH_WRITE);
        check(RestrictFlags::NONE, PacketKind::Private, M7);
    }
}

row!(
    ignore,
    RestrictFlags::IGNORE,
    [
        Refuse(DropReason::Ignored, None),
        Refuse(DropReason::Ignored, None),
        Refuse(DropReason::Ignored, None),
        Refuse(DropReason::Ignored, None),
        Refuse(DropReason::Ignored, None),
        Refuse(DropReason::Ignored, None),
        Refuse(DropReason::Ignored, None),
        Refuse(DropReason::Ignored, None),
        Refuse(DropReason::Ignored, None)
    ]
);

row!(
    noserve,
    RestrictFlags::NOSERVE,
    [
        Refuse(DropReason::NoServe, Some(KissCode::Deny)),
        Refuse(DropReason::NoServe, Some(KissCode::Deny)),
        Refuse(DropReason::NoServe, None),
        Refuse(DropReason::NoServe, None),
        Same,
        Same,
        Same,
        Same,
        M7
    ]
);

row!(
    noquery,
    RestrictFlags::NOQUERY,
    [
        Same,
        Same,
        Same,
        Same,
        Refuse(DropReason::NoQuery, None),
        Refuse(DropReason::NoQuery, None),
        Refuse(DropReason::NoQuery, None),
        Refuse(DropReason::NoQuery, None),
        M7
    ]
);

row!(
    nomodify,
    RestrictFlags::NOMODIFY,
    [
        Same,
        Same,
        Same,
        Same,
        Same,
        Refuse(DropReason::NoModify, None),
        Same,
        Same,
        M7
    ]
);

row!(
    nopeer,
    RestrictFlags::NOPEER,
    [
        Same,
        RefuseUnlessAuth(DropReason::NoPeer, Some(KissCode::Rstr)),
        RefuseUnlessAuth(DropReason::NoPeer, None),
        Same,
        Same,
        Same,
        Same,
        Same,
        M7
    ]
);

row!(
    noepeer,
    RestrictFlags::NOEPEER,
    [
        Same,
        Refuse(DropReason::NoEphemeralPeer, Some(KissCode::Rstr)),
        Same,
        Same,
        Same,
        Same,
        Same,
        Same,
        M7
    ]
);

row!(
    notrust,
    RestrictFlags::NOTRUST,
    [
        RefuseUnlessAuth(DropReason::NotTrusted, Some(KissCode::Deny)),
        RefuseUnlessAuth(DropReason::NotTrusted, Some(KissCode::Deny)),
        RefuseUnlessAuth(DropReason::NotTrusted, None),
        RefuseUnlessAuth(DropReason::NotTrusted, None),
        Same,
        Same,
        Same,
        Same,
        M7
    ]
);

row!(
    limited,
    RestrictFlags::LIMITED,
    [
        Rate(true),
        Rate(true),
        Rate(false),
        Rate(false),
        Same,
        Same,
        Same,
        Same,
        M7
    ]
);

row!(
    kod,
    RestrictFlags::KOD,
    [Same, Same, Same, Same, Same, Same, Same, Same, M7]
);

row!(
    notrap,
    RestrictFlags::NOTRAP,
    [
        Same,
        Same,
        Same,
        Same,
        Same,
        Same,
        Refuse(DropReason::NoTrap, None),
        Same,
        M7
    ]
);

row!(
    lowpriotrap,
    RestrictFlags::LOWPRIOTRAP,
    [Same, Same, Same, Same, Same, Same, Same, Same, M7]
);

row!(
    version,
    RestrictFlags::VERSION,
    [
        Version, Version, Version, Version, Same, Same, Same, Same, M7
    ]
);

row!(
    nomrulist,
    RestrictFlags::NOMRULIST,
    [
        Same,
        Same,
        Same,
        Same,
        Same,
        Same,
        Same,
        Refuse(DropReason::NoMruList, None),
        M7
    ]
);

row!(
    mssntp,
    RestrictFlags::MSSNTP,
    [Same, Same, Same, Same, Same, Same, Same, Same, M7]
);

row!(
    flake,
    RestrictFlags::FLAKE,
    [Flaky, Flaky, Flaky, Flaky, Same, Same, Same, Same, M7]
);
