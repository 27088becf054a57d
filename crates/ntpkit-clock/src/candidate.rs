//! What selection knows about one association: its filtered statistics plus what its last
//! packet said about the server (RFC 5905 section 11.2 peer variables).

use ntpkit_wire::{LeapIndicator, NtpTimestamp, ReferenceId};

use crate::clock::seconds_between;
use crate::filter::PeerStatistics;

/// The caller's identifier for an association (an index, a slab key, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub u64);

/// The server-side variables from the association's last packet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServerInfo {
    /// Leap indicator the server sent.
    pub leap: LeapIndicator,
    /// Server stratum (0 is treated as 16).
    pub stratum: u8,
    /// Server root delay, seconds.
    pub root_delay: f64,
    /// Server root dispersion, seconds.
    pub root_dispersion: f64,
    /// Server reference id (for loop detection).
    pub reference_id: ReferenceId,
    /// Server reference time.
    pub reference_time: NtpTimestamp,
}

/// One association as offered to selection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Caller's identifier.
    pub id: SourceId,
    /// Clock filter output.
    pub stats: PeerStatistics,
    /// What the server said about itself.
    pub server: ServerInfo,
    /// The reference id we advertise while this source is the system peer: its IPv4
    /// address, or the first four bytes of the MD5 of its IPv6 address (RFC 5905 7.3).
    pub source_refid: ReferenceId,
    /// Whether any of the last eight polls was answered.
    pub reachable: bool,
    /// `noselect`: shown, never used for synchronisation.
    pub noselect: bool,
    /// `prefer`: chosen as system peer when it survives, and its offset used alone.
    pub prefer: bool,
    /// The association's `(minpoll, maxpoll)`: while it is the system peer the loop's poll
    /// stays within them (see [`crate::Discipline::set_poll_bounds`]).
    pub poll_bounds: (i8, i8),
}

impl Candidate {
    /// Root distance lambda at `now` (RFC 5905 A.5.5.2 `root_dist`, with ntpd's `mindist`
    /// floor): half the total delay plus total dispersion plus jitter, aged by `phi`.
    pub fn root_distance(&self, now: NtpTimestamp, phi: f64, mindist: f64) -> f64 {
        let age = seconds_between(now, self.stats.time).max(0.0);
        let lambda = (self.server.root_delay + self.stats.delay) / 2.0
            + self.server.root_dispersion
            + self.stats.dispersion
            + phi * age
            + self.stats.jitter;
        lambda.max(mindist)
    }
}
