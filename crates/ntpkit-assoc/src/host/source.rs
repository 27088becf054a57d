//! One time source as the host keeps it: the association that talks to it, its clock
//! filter (RFC 5905 section 10) and what selection last made of it.

use ntpkit_clock::constants::NSTAGE;
use ntpkit_clock::{ClockFilter, PeerStatistics, Rejection as SelectRejection, ServerInfo};
use ntpkit_wire::{NtpTimestamp, ReferenceId};

use crate::client::{ClientConfig, ClientRng, ClientSample};

use super::association::Association;

/// How the host uses one source (ntp.conf `server`/`pool` options beyond the on-wire ones).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SourceConfig {
    /// The on-wire settings (version, key, minpoll, maxpoll, burst, iburst).
    pub client: ClientConfig,
    /// The reference id we advertise while this source is our system peer: its IPv4
    /// address, or the first four octets of the MD5 of its IPv6 address (RFC 5905 7.3).
    pub refid: ReferenceId,
    /// `prefer`: chosen as system peer when it survives.
    pub prefer: bool,
    /// `noselect`: polled and shown, never used.
    pub noselect: bool,
    /// A pool member (ntpd's preemptable association): demobilised when it stays
    /// unreachable or keeps being a falseticker, so the caller can ask the pool for another.
    pub ephemeral: bool,
}

impl SourceConfig {
    /// A plain `server` with these on-wire settings, known to clients by `refid`.
    pub fn new(client: ClientConfig, refid: ReferenceId) -> Self {
        Self {
            client,
            refid,
            prefer: false,
            noselect: false,
            ephemeral: false,
        }
    }
}

/// Where selection placed a source in its last round (ntpd's peer status "tally" code,
/// shown by `ntpq -p` as the first column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tally {
    /// Not considered yet (no sample).
    None,
    /// Rejected before intersection (unreachable, unsynchronised, distance, loop, noselect).
    Rejected(SelectRejection),
    /// Outside the majority intersection (`x`).
    Falseticker,
    /// Cut by the cluster algorithm (`-`).
    Outlier,
    /// A survivor whose offset enters the combined offset (`+`).
    Candidate,
    /// The system peer (`*`).
    SystemPeer,
}

impl Tally {
    /// The one-character code `ntpq -p` prints before a peer's name.
    pub fn code(self) -> char {
        match self {
            Self::None | Self::Rejected(_) => ' ',
            Self::Falseticker => 'x',
            Self::Outlier => '-',
            Self::Candidate => '+',
            Self::SystemPeer => '*',
        }
    }
}

/// A source's state as the host sees it, for status displays and statistics.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct SourceStatus {
    /// The reach register (bit 0: the latest poll was answered).
    pub reach: u8,
    /// Current poll exponent.
    pub poll: i8,
    /// Clock filter output, once there is a sample.
    pub stats: Option<PeerStatistics>,
    /// What the server's last accepted packet said about itself.
    pub server: Option<ServerInfo>,
    /// Where the last selection placed it.
    pub tally: Tally,
    /// Whether an authenticated DENY/RSTR stopped it.
    pub stopped: bool,
    /// Whether its last accepted packet was authenticated.
    pub authentic: bool,
    /// Its last accepted reply (server precision and poll, key), if any.
    pub last: Option<ClientSample>,
    /// When that reply arrived (T4).
    pub received: Option<NtpTimestamp>,
    /// The clock filter register, newest first: (offset, delay, dispersion) seconds.
    pub filter: [(f64, f64, f64); NSTAGE],
    /// Whether the association is keyed.
    pub keyed: bool,
    /// Our mode towards it: 3 client, 1 symmetric active, 2 symmetric passive.
    pub host_mode: u8,
}

impl SourceStatus {
    /// The peer status word of RFC 5905 / ntpd (`ntpq` `as`, peerstats): configured,
    /// authentication enabled, authentic, reachable, broadcast bits, then the selection code
    /// of [`Tally`] in bits 8-10; event count and code are left 0.
    pub fn status_word(&self, config: &SourceConfig) -> u16 {
        let mut word = 0u16;
        if !config.ephemeral {
            word |= 0x8000;
        }
        if self.keyed {
            word |= 0x4000;
        }
        if self.authentic {
            word |= 0x2000;
        }
        if self.reach != 0 {
            word |= 0x1000;
        }
        let selection: u16 = match self.tally {
            Tally::None | Tally::Rejected(_) => 0,
            Tally::Falseticker => 1,
            Tally::Outlier => 3,
            Tally::Candidate => 4,
            Tally::SystemPeer => 6,
        };
        word | selection << 8
    }
}

/// A source slot inside the host.
#[derive(Clone, Debug)]
pub(super) struct Source<R> {
    pub(super) config: SourceConfig,
    pub(super) assoc: Association<R>,
    pub(super) filter: ClockFilter,
    pub(super) server: Option<ServerInfo>,
    pub(super) tally: Tally,
    /// Consecutive selection rounds that found it a falseticker (pool preemption).
    pub(super) false_rounds: u32,
    /// Polls sent since the last answer (pool demobilisation).
    pub(super) silent_polls: u32,
    /// Whether the last accepted packet was authenticated.
    pub(super) authentic: bool,
    /// The last accepted reply and when it arrived.
    pub(super) last: Option<(ClientSample, NtpTimestamp)>,
}

impl<R: ClientRng> Source<R> {
    pub(super) fn status(&self) -> SourceStatus {
        SourceStatus {
            reach: self.assoc.reach(),
            poll: self.assoc.poll_exponent(),
            stats: self.filter.statistics(),
            server: self.server,
            tally: self.tally,
            stopped: self.assoc.is_stopped(),
            authentic: self.authentic,
            last: self.last.map(|(sample, _)| sample),
            received: self.last.map(|(_, t4)| t4),
            filter: self.filter.stages(),
            keyed: self.assoc.key().is_some(),
            host_mode: self.assoc.host_mode(),
        }
    }
}
