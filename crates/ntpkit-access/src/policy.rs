//! The decision engine: restrict list, rate limiter and Kiss-o'-Death policy together.

use core::time::Duration;
use std::net::IpAddr;

use crate::kind::{AuthStatus, Ingress, PacketKind, Request};
use crate::{
    AccessCounters, Decision, DiscardConfig, DropReason, KissCode, MruConfig, RateCheck,
    RateLimiter, RestrictFlags, RestrictList,
};

/// A server's access policy: who gets time, who gets queried, who gets a kiss.
///
/// Sans-IO: the caller passes the time (any monotonic clock, as a [`Duration`] since an epoch
/// of its choosing) and a seed for the policy's random draws.
///
/// ```
/// use core::time::Duration;
/// use ntpkit_access::*;
///
/// let list = RestrictList::from_entries([RestrictEntry::new(
///     RestrictNetwork::Default,
///     "limited kod nomodify noquery".parse()?,
/// )]);
/// let mut policy = AccessPolicy::new(list, DiscardConfig::default(), &MruConfig::default(), 42);
/// let client = Request::new("192.0.2.1".parse()?, 40000, PacketKind::TimeRequest, Ingress::Network);
/// assert_eq!(policy.decide(Duration::from_secs(100), &client), Decision::Serve);
/// let query = Request::new("192.0.2.1".parse()?, 40000, PacketKind::ControlQuery, Ingress::Network);
/// assert_eq!(policy.decide(Duration::from_secs(101), &query), Decision::Drop(DropReason::NoQuery));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct AccessPolicy {
    list: RestrictList,
    limiter: RateLimiter,
    kod_enabled: bool,
    monitor_all: bool,
    counters: AccessCounters,
}

impl AccessPolicy {
    /// A policy from a restrict list and the `discard`/`mru` settings. KoD is globally off
    /// (kisses only where an entry has `kod`), as with the router's default.
    pub fn new(list: RestrictList, discard: DiscardConfig, mru: &MruConfig, seed: u64) -> Self {
        AccessPolicy {
            list,
            limiter: RateLimiter::new(discard, mru, seed),
            kod_enabled: false,
            monitor_all: false,
            counters: AccessCounters::default(),
        }
    }

    /// `enable kod` / `disable kod` (router: `ntp kod-enable` / `undo ntp kod-enable`): when
    /// on, every entry behaves as if it had the `kod` flag.
    pub fn set_kod_enabled(&mut self, enabled: bool) {
        self.kod_enabled = enabled;
    }

    /// Whether KoD is globally enabled.
    pub fn kod_enabled(&self) -> bool {
        self.kod_enabled
    }

    /// `enable monitor` / `disable monitor`: record every time-service source in the MRU list,
    /// not only those of `limited` entries.
    pub fn set_monitor(&mut self, enabled: bool) {
        self.monitor_all = enabled;
    }

    /// The restrict list.
    pub fn restrict_list(&self) -> &RestrictList {
        &self.list
    }

    /// The restrict list, for changes at run time (`restrict source` registrations,
    /// reconfiguration).
    pub fn restrict_list_mut(&mut self) -> &mut RestrictList {
        &mut self.list
    }

    /// The rate limiter and its MRU list.
    pub fn limiter(&self) -> &RateLimiter {
        &self.limiter
    }

    /// The counters.
    pub fn counters(&self) -> &AccessCounters {
        &self.counters
    }

    /// Resets the counters (`ntpq` `reset` of the restrict/monitor groups).
    pub fn reset_counters(&mut self) {
        self.counters = AccessCounters::default();
    }

    /// The restrictions for a source (what `ntpq reslist` would show as the matching entry's
    /// flags). Use this to read `lowpriotrap` or `mssntp`, which change how a served request is
    /// handled rather than whether it is.
    pub fn restrictions(&self, src: IpAddr, src_port: u16) -> RestrictFlags {
        self.list.lookup(src, src_port)
    }

    /// Judges one received packet at time `now` and counts the outcome.
    pub fn decide(&mut self, now: Duration, request: &Request) -> Decision {
        self.counters.received += 1;
        let decision = self.judge(now, request);
        match decision {
            Decision::Serve => self.counters.served += 1,
            Decision::Drop(reason) => self.counters.count_refusal(reason),
            Decision::Kiss(code) => self.counters.count_kiss(code),
        }
        decision
    }

    fn judge(&mut self, now: Duration, request: &Request) -> Decision {
        // CVE-2014-9298: a loopback source is only genuine on the loopback interface; this
        // check comes before the restrict list so no entry can allow the spoof.
        if is_loopback(request.src) && request.ingress != Ingress::Loopback {
            return Decision::Drop(DropReason::LoopbackSpoof);
        }
        let flags = self.list.lookup(request.src, request.src_port);
        if flags.contains(RestrictFlags::IGNORE) {
            return Decision::Drop(DropReason::Ignored);
        }
        match request.kind {
            PacketKind::Private => Decision::Drop(DropReason::PrivateMode),
            PacketKind::ControlQuery => control(flags, None),
            PacketKind::ControlWrite => {
                if flags.contains(RestrictFlags::NOQUERY) {
                    Decision::Drop(DropReason::NoQuery)
                } else if flags.contains(RestrictFlags::NOMODIFY) {
                    Decision::Drop(DropReason::NoModify)
                } else if request.auth != AuthStatus::Valid {
                    Decision::Drop(DropReason::UnauthenticatedWrite)
                } else {
                    Decision::Serve
                }
            }
            PacketKind::ControlTrap => {
                control(flags, Some((RestrictFlags::NOTRAP, DropReason::NoTrap)))
            }
            PacketKind::ControlMruList => control(
                flags,
                Some((RestrictFlags::NOMRULIST, DropReason::NoMruList)),
            ),
            _ => self.time_service(now, request, flags),
        }
    }

    fn time_service(&mut self, now: Duration, request: &Request, flags: RestrictFlags) -> Decision {
        let kind = request.kind;
        let may_kiss = (self.kod_enabled || flags.contains(RestrictFlags::KOD))
            && matches!(kind, PacketKind::TimeRequest | PacketKind::Symmetric);
        if flags.contains(RestrictFlags::NOSERVE) {
            return self.refuse(now, request, may_kiss, DropReason::NoServe, KissCode::Deny);
        }
        if flags.contains(RestrictFlags::FLAKE) && self.limiter.flakes() {
            return Decision::Drop(DropReason::Flake);
        }
        // ntpd accepts versions 1..=4 unless `version` demands the current one.
        let version_ok = if flags.contains(RestrictFlags::VERSION) {
            request.version == crate::NTP_VERSION
        } else {
            (1..=crate::NTP_VERSION).contains(&request.version)
        };
        if !version_ok {
            return Decision::Drop(DropReason::Version);
        }
        let limited = flags.contains(RestrictFlags::LIMITED);
        if limited || self.monitor_all {
            let check = self.limiter.check(now, request.src, request.src_port);
            if let (true, RateCheck::Exceeded { kiss_allowed }) = (limited, check) {
                self.counters.rate_exceeded += 1;
                if self.limiter.leaks() {
                    self.counters.leaked += 1;
                } else if may_kiss && kiss_allowed {
                    self.counters.count_refusal(DropReason::RateExceeded);
                    return Decision::Kiss(KissCode::Rate);
                } else {
                    if may_kiss {
                        self.counters.kod_suppressed += 1;
                    }
                    return Decision::Drop(DropReason::RateExceeded);
                }
            }
        }
        if request.auth == AuthStatus::Failed {
            let may_kiss = may_kiss && kind == PacketKind::TimeRequest;
            return self.refuse(
                now,
                request,
                may_kiss,
                DropReason::AuthFailed,
                KissCode::Cryp,
            );
        }
        let authenticated = request.auth == AuthStatus::Valid;
        if flags.contains(RestrictFlags::NOTRUST) && !authenticated {
            return self.refuse(
                now,
                request,
                may_kiss,
                DropReason::NotTrusted,
                KissCode::Deny,
            );
        }
        match kind {
            PacketKind::Symmetric if flags.contains(RestrictFlags::NOEPEER) => self.refuse(
                now,
                request,
                may_kiss,
                DropReason::NoEphemeralPeer,
                KissCode::Rstr,
            ),
            PacketKind::Symmetric | PacketKind::Broadcast
                if flags.contains(RestrictFlags::NOPEER) && !authenticated =>
            {
                self.refuse(now, request, may_kiss, DropReason::NoPeer, KissCode::Rstr)
            }
            _ => Decision::Serve,
        }
    }

    /// A refusal that becomes a kiss when kisses are allowed for this packet and the source's
    /// KoD budget has room; otherwise a silent drop.
    fn refuse(
        &mut self,
        now: Duration,
        request: &Request,
        may_kiss: bool,
        reason: DropReason,
        code: KissCode,
    ) -> Decision {
        if !may_kiss {
            return Decision::Drop(reason);
        }
        if self.limiter.allow_kiss(now, request.src, request.src_port) {
            // The reason is still counted: a kiss is a refusal too.
            self.counters.count_refusal(reason);
            Decision::Kiss(code)
        } else {
            self.counters.kod_suppressed += 1;
            Decision::Drop(reason)
        }
    }
}

/// Mode 6 requests: `noquery` refuses them all, with no answer at all (not even a nonce;
/// CVE-2013-5211); then the request's own flag, if any.
fn control(flags: RestrictFlags, specific: Option<(RestrictFlags, DropReason)>) -> Decision {
    if flags.contains(RestrictFlags::NOQUERY) {
        return Decision::Drop(DropReason::NoQuery);
    }
    match specific {
        Some((flag, reason)) if flags.contains(flag) => Decision::Drop(reason),
        _ => Decision::Serve,
    }
}

fn is_loopback(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}
