//! Mode 6 (ntpq) glue: the control responder with the daemon's state, the access policy
//! and the MRU list of its rate limiter.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use ntpkit_access::{AccessPolicy, Ingress, Request as AccessRequest};
use ntpkit_assoc::ServerState;
use ntpkit_assoc::control::{ControlRequest, ControlResponder, MruRow, SystemInfo};
use ntpkit_runtime::{ExtraReplies, Received, UnixTime};
use ntpkit_wire::{NtpDuration, NtpTimestamp};

use crate::monitor::Monitor;
use crate::service::ntp_time;
use crate::setup::Setup;

/// Rows of the MRU list one answer carries at most (ntpq asks again for the rest).
const MRU_ROWS: usize = 256;

/// A secret for the MRU nonces, shared by all workers so that a nonce issued by one is
/// accepted by another (the kernel spreads a source's packets over the workers).
pub(crate) fn nonce_secret(fallback: u64) -> [u8; 32] {
    let mut secret = [0u8; 32];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut secret));
    if read.is_err() {
        tracing::warn!("cannot read /dev/urandom; MRU nonces keyed from the clock");
        for (i, b) in secret.iter_mut().enumerate() {
            *b = (fallback.rotate_left(i as u32 * 8) & 0xff) as u8;
        }
    }
    secret
}

/// Where the datagrams of one answer go: the first into the runtime's reply buffer, the
/// further fragments (up to 15 more, at most 480 bytes each) into its extra replies.
pub(crate) struct Output<'a> {
    pub(crate) reply: &'a mut [u8],
    /// `None` when the caller can send only one datagram: the answer is then cut there.
    pub(crate) extra: Option<&'a mut ExtraReplies>,
}

/// Answers one mode 6 datagram, fragmented over several datagrams when long (an
/// `mrulist`); returns the length of the first, or `None` to send nothing.
pub(crate) fn handle(
    control: &mut ControlResponder,
    (setup, state, monitor): (&Setup, &ServerState, &Monitor),
    policy: &Mutex<AccessPolicy>,
    now: Duration,
    rx: &Received<'_>,
    ingress: Ingress,
    out: Output<'_>,
) -> Option<usize> {
    let Output { reply, mut extra } = out;
    let clock = ntp_time(UnixTime::now());
    let mut info = SystemInfo::new(state, clock);
    monitor.describe(&mut info);
    let mut first = None;
    let request = ControlRequest::new(
        rx.data,
        rx.source,
        ntp_time(rx.timestamp),
        ingress == Ingress::Loopback,
    );
    let _ = control.respond(
        &request,
        &info,
        &setup.keys,
        |kind, auth| {
            let asked =
                AccessRequest::new(rx.source.ip(), rx.source.port(), kind, ingress).with_auth(auth);
            lock(policy).decide(now, &asked)
        },
        || mru_rows(&lock(policy), now, clock),
        |bytes| {
            if first.is_some() {
                // The responder caps fragments at 16 of <= 480 bytes: `push` takes them all.
                if let Some(extra) = extra.as_deref_mut() {
                    extra.push(bytes);
                }
            } else if let Some(slot) = reply.get_mut(..bytes.len()) {
                slot.copy_from_slice(bytes);
                first = Some(bytes.len());
            }
        },
    );
    first
}

fn lock(policy: &Mutex<AccessPolicy>) -> std::sync::MutexGuard<'_, AccessPolicy> {
    policy.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The limiter's MRU entries, newest first, their monotonic times turned into NTP time.
fn mru_rows(policy: &AccessPolicy, now: Duration, clock: NtpTimestamp) -> Vec<MruRow> {
    let at = |t: Duration| {
        let age = NtpDuration::try_from(now.saturating_sub(t)).unwrap_or(NtpDuration::ZERO);
        clock - age
    };
    let mut rows: Vec<MruRow> = policy
        .limiter()
        .mru()
        .iter()
        .map(|e| {
            MruRow::new(
                SocketAddr::new(e.address, e.port),
                at(e.first),
                at(e.last),
                e.count,
            )
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.last.to_bits()));
    rows.truncate(MRU_ROWS);
    rows
}
