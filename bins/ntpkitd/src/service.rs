//! The glue between the runtime and the protocol crates: one `NtpService` per worker.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use ntpkit_access::{
    AccessPolicy, AuthStatus, Decision, Ingress, PacketKind, Request as AccessRequest,
};
use ntpkit_assoc::control::ControlResponder;
use ntpkit_assoc::manycast::{ManycastServer, ManycastServerOutcome};
use ntpkit_assoc::{
    Inspection, Request, Responder, ResponderCounters, ResponderOutcome, ServerState,
};
use ntpkit_runtime::{ExtraReplies, Reader, Received, Service, UnixTime};
use ntpkit_wire::NtpTimestamp;

use crate::forward::Forwarder;
use crate::monitor::Monitor;
use crate::setup::Setup;

/// How often each worker adds its responder counters to [`SharedState::totals`].
const COUNTER_FLUSH: Duration = Duration::from_secs(1);

/// State shared by all workers besides the configuration: the access policy (its rate
/// limiter must see every packet of a source, whichever worker the kernel picked) and the
/// responder counters gathered when workers stop.
#[derive(Debug)]
pub(crate) struct SharedState {
    pub(crate) policy: Mutex<AccessPolicy>,
    pub(crate) totals: Mutex<ResponderCounters>,
    /// The epoch of the monotonic time the access policy runs on.
    pub(crate) start: Instant,
    /// The key of the MRU nonces (mode 6), the same in every worker.
    pub(crate) nonce_secret: [u8; 32],
}

/// One worker's service.
pub(crate) struct NtpService {
    setup: Reader<Setup>,
    /// What we answer with: the upstream thread's synchronised state, or the configured one.
    state: Reader<ServerState>,
    /// The associations and discipline for mode 6 (`ntpq -p`, `rv &N`).
    monitor: Reader<Monitor>,
    /// Where symmetric active packets go (the upstream thread), when it runs.
    forward: Reader<Option<Forwarder>>,
    shared: Arc<SharedState>,
    responder: Responder,
    /// Requests that arrived on a `manycastserver` group get the manycast rule.
    manycast: ManycastServer,
    /// Whether this worker takes group and broadcast traffic: the kernel hands every
    /// worker's socket its own copy of each such datagram, and one answer (or one
    /// hand-over) is enough.
    takes_groups: bool,
    control: ControlResponder,
    /// Monotonic time of the current batch (one clock read per batch, not per packet).
    batch_now: Duration,
    /// When this worker last added its responder counters to the shared totals.
    last_flush: Duration,
}

impl NtpService {
    pub(crate) fn new(
        setup: Reader<Setup>,
        state: Reader<ServerState>,
        monitor: Reader<Monitor>,
        forward: Reader<Option<Forwarder>>,
        shared: Arc<SharedState>,
        takes_groups: bool,
    ) -> Self {
        let responder = Responder::new(setup.get().responder);
        let manycast = ManycastServer::new(setup.get().responder);
        let control = ControlResponder::new(setup.get().control, shared.nonce_secret);
        Self {
            setup,
            state,
            monitor,
            forward,
            shared,
            responder,
            manycast,
            takes_groups,
            control,
            batch_now: Duration::ZERO,
            last_flush: Duration::ZERO,
        }
    }
}

pub(crate) fn ntp_time(t: UnixTime) -> NtpTimestamp {
    NtpTimestamp::from_unix(t.secs, t.nanos)
}

/// Which kind of interface a datagram came in on. A socket bound to a loopback address
/// only receives loopback traffic. On a wildcard socket we cannot tell without
/// `IP_PKTINFO`; Linux itself drops loopback-sourced packets arriving from outside
/// ("martian source"), so a loopback source there is taken as genuine.
fn ingress(local: SocketAddr, source: SocketAddr) -> Ingress {
    let local_ip = local.ip();
    if local_ip.is_loopback() || (local_ip.is_unspecified() && is_loopback(source.ip())) {
        Ingress::Loopback
    } else {
        Ingress::Network
    }
}

/// The access policy's decision on a time request the responder inspected.
fn decide(
    policy: &Mutex<AccessPolicy>,
    now: Duration,
    ingress: Ingress,
    request: &Request<'_>,
    inspection: &Inspection,
) -> Decision {
    let asked = AccessRequest::new(
        request.source.ip(),
        request.source.port(),
        inspection.kind,
        ingress,
    )
    .with_auth(inspection.auth)
    .with_version(inspection.version.to_bits());
    policy
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .decide(now, &asked)
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

impl Service for NtpService {
    fn begin_batch(&mut self) {
        if self.setup.refresh() {
            self.responder = Responder::new(self.setup.get().responder);
            self.manycast = ManycastServer::new(self.setup.get().responder);
            self.control =
                ControlResponder::new(self.setup.get().control, self.shared.nonce_secret);
        }
        self.state.refresh();
        self.monitor.refresh();
        self.forward.refresh();
        self.batch_now = self.shared.start.elapsed();
        // Once a second, not per packet: sysstats reads the totals while workers run.
        if self.batch_now.saturating_sub(self.last_flush) >= COUNTER_FLUSH {
            self.last_flush = self.batch_now;
            self.flush_counters();
        }
    }

    fn handle(&mut self, rx: &Received<'_>, reply: &mut [u8]) -> Option<usize> {
        self.serve(rx, reply, None)
    }

    fn handle_with_extra(
        &mut self,
        rx: &Received<'_>,
        reply: &mut [u8],
        extra: &mut ExtraReplies,
    ) -> Option<usize> {
        self.serve(rx, reply, Some(extra))
    }
}

impl NtpService {
    /// Answers one datagram; `extra`, when given, takes the further fragments of a long
    /// mode 6 answer (time requests never use it).
    fn serve(
        &mut self,
        rx: &Received<'_>,
        reply: &mut [u8],
        extra: Option<&mut ExtraReplies>,
    ) -> Option<usize> {
        let setup = self.setup.get();
        let state = self.state.get();
        let now = self.batch_now;
        let policy = &self.shared.policy;
        let ingress = ingress(rx.local, rx.source);
        let mode = ntpkit_wire::peek_mode(rx.data);
        let to_group = rx.local.ip().is_multicast();
        if (to_group || mode == Ok(ntpkit_wire::Mode::Broadcast)) && !self.takes_groups {
            // Another worker got the same datagram (seen: each of two workers answered every
            // manycast solicitation).
            return None;
        }
        let forwarded_kind = match mode {
            Ok(ntpkit_wire::Mode::SymmetricActive) => Some(PacketKind::Symmetric),
            // A broadcast server's mode 5 (`broadcastclient`): the upstream thread follows it.
            Ok(ntpkit_wire::Mode::Broadcast) => Some(PacketKind::Broadcast),
            _ => None,
        };
        if let Some(kind) = forwarded_kind
            && let Some(forward) = self.forward.get().as_ref()
        {
            // A peer without an association: the upstream thread decides on mobilising.
            let auth = match ntpkit_auth::verify_packet(&setup.keys, rx.data) {
                Ok(Some(_)) => AuthStatus::Valid,
                Ok(None) => AuthStatus::None,
                Err(_) => AuthStatus::Failed,
            };
            let asked =
                AccessRequest::new(rx.source.ip(), rx.source.port(), kind, ingress).with_auth(auth);
            let decision = policy
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .decide(now, &asked);
            forward.forward(
                rx.data,
                rx.source,
                rx.local,
                ntp_time(rx.timestamp),
                decision,
            );
            return None;
        }
        if to_group {
            // On a group (`manycastserver`): answered by unicast only when synchronised and
            // not worse in stratum than the client, never with a kiss (RFC 5905 3.1).
            let outcome = self.manycast.respond(
                &Request::new(rx.data, rx.source, ntp_time(rx.timestamp)),
                state,
                &setup.keys,
                |request, inspection| decide(policy, now, ingress, request, inspection),
                reply,
                || ntp_time(UnixTime::now()),
            );
            return match outcome {
                ManycastServerOutcome::Reply(r) => Some(r.len),
                ManycastServerOutcome::Silent(_) => None,
            };
        }
        if mode == Ok(ntpkit_wire::Mode::Control) {
            let control = &mut self.control;
            let out = crate::control::Output { reply, extra };
            let monitor = self.monitor.get();
            return crate::control::handle(
                control,
                (setup, state, monitor),
                policy,
                now,
                rx,
                ingress,
                out,
            );
        }
        let outcome = self.responder.respond(
            &Request::new(rx.data, rx.source, ntp_time(rx.timestamp)),
            state,
            &setup.keys,
            |request, inspection| decide(policy, now, ingress, request, inspection),
            reply,
            || ntp_time(UnixTime::now()),
        );
        match outcome {
            ResponderOutcome::Reply(r) => Some(r.len),
            ResponderOutcome::NoReply(_) => None,
        }
    }
}

impl NtpService {
    fn flush_counters(&mut self) {
        let mine = self.responder.take_counters();
        *self
            .shared
            .totals
            .lock()
            .unwrap_or_else(PoisonError::into_inner) += mine;
    }
}

impl Drop for NtpService {
    fn drop(&mut self) {
        self.flush_counters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn loopback_ingress_only_on_loopback_sockets_or_loopback_sources_on_wildcards() {
        // CVE-2014-9298: a 127.x source on a socket bound to a public address is spoofed.
        assert_eq!(
            ingress(addr("192.0.2.1:123"), addr("127.0.0.1:5000")),
            Ingress::Network
        );
        assert_eq!(
            ingress(addr("127.0.0.1:123"), addr("127.0.0.1:5000")),
            Ingress::Loopback
        );
        assert_eq!(
            ingress(addr("[::1]:123"), addr("[::1]:5000")),
            Ingress::Loopback
        );
        assert_eq!(
            ingress(addr("0.0.0.0:123"), addr("127.0.0.1:5000")),
            Ingress::Loopback
        );
        assert_eq!(
            ingress(addr("[::]:123"), addr("[::ffff:127.0.0.1]:5000")),
            Ingress::Loopback
        );
        assert_eq!(
            ingress(addr("0.0.0.0:123"), addr("198.51.100.1:5000")),
            Ingress::Network
        );
    }

    #[test]
    fn unix_time_converts_to_the_ntp_era() {
        // 1970-01-01 is 2,208,988,800 s after the NTP epoch (RFC 5905 figure 4).
        let t = ntp_time(UnixTime {
            secs: 0,
            nanos: 500_000_000,
        });
        assert_eq!((t.seconds(), t.fraction()), (2_208_988_800, 0x8000_0000));
    }
}
