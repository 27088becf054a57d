//! A scenario: one simulated client (a real `ntpkit-assoc` host: client associations,
//! clock filters, selection and discipline) against a set of simulated servers and pool
//! members, and the figures it produced.

use ntpkit_assoc::client::Rejection;
use ntpkit_assoc::host::DemobilizeReason;
use ntpkit_clock::leap::LeapTable;
use ntpkit_clock::{ClockOptions, DisciplineOutcome};

use crate::clock::ClockModel;
use crate::network::ServerSpec;
use crate::peer::{PeerReport, PeerSpec};

/// Everything that defines a run; the same scenario and seed always give the same result.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Seed of the run's random numbers.
    pub seed: u64,
    /// True seconds to simulate.
    pub duration: f64,
    /// NTP seconds (era 0) of true time zero.
    pub start_ntp: u64,
    /// The client's oscillator.
    pub clock: ClockModel,
    /// The servers the client is configured with (`server` lines).
    pub servers: Vec<ServerSpec>,
    /// A `pool` line, if any.
    pub pool: Option<PoolSpec>,
    /// A `peer` line to a second simulated node (whose only source is the client), if any.
    pub peer: Option<PeerSpec>,
    /// Clock options of the client.
    pub options: ClockOptions,
    /// Frequency restored from a drift file (s/s), if any.
    pub restored_frequency: Option<f64>,
    /// True time at which UTC inserts a leap second, if any (must be a UTC midnight).
    pub leap_insert_at: Option<f64>,
    /// Leap file the client loads, if any.
    pub leap_file: Option<LeapTable>,
    /// Offsets are summarised (RMS, max) from this true time on.
    pub settle: f64,
    /// Interval (true seconds) between trace points.
    pub trace_every: f64,
    /// Poll in bursts at start and while a server is unreachable (`iburst`).
    pub iburst: bool,
    /// Poll in bursts of eight at every poll (`burst`).
    pub burst: bool,
    /// `minpoll M maxpoll N` on every server and pool line; `None`: the tinker bounds
    /// (`options.tinker.minpoll`, `maxpoll`).
    pub server_poll: Option<(i8, i8)>,
    /// Keep what ntpd's loopstats and peerstats would record ([`Report::loop_records`],
    /// [`Report::peer_records`]); off by default (a day is thousands of records).
    pub record_stats: bool,
}

impl Scenario {
    /// A scenario with the given servers and defaults elsewhere: 2025-01-01 start, one day,
    /// ntpd default options, iburst.
    pub fn new(seed: u64, servers: Vec<ServerSpec>) -> Self {
        Self {
            seed,
            duration: 86_400.0,
            start_ntp: 3_944_678_400, // 2025-01-01 00:00:00 UTC
            clock: ClockModel::default(),
            servers,
            pool: None,
            peer: None,
            options: ClockOptions::default(),
            restored_frequency: None,
            leap_insert_at: None,
            leap_file: None,
            settle: 0.0,
            trace_every: 16.0,
            iburst: true,
            burst: false,
            server_poll: None,
            record_stats: false,
        }
    }
}

/// A `pool` line: the addresses its name resolves to over the run, in the order DNS hands
/// them out, and how many the client keeps at once (`tos maxclock`).
#[derive(Debug, Clone)]
pub struct PoolSpec {
    /// Every member the pool can offer, in order; each is used at most once.
    pub members: Vec<ServerSpec>,
    /// Members mobilised at once: the first this many at start, then one more for each
    /// one the host demobilises, while members last.
    pub maxclock: usize,
}

/// What happened to one server's association. Selection figures are counted after every
/// accepted reply that gave the clock filter an output (the tally of the latest selection
/// at that moment, as `ntpq -p` would show it then).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerTally {
    /// Observations in which this server was the system peer.
    pub system_peer: u64,
    /// Observations in which it survived clustering (system peer included).
    pub survivor: u64,
    /// Observations in which it was rejected as a falseticker.
    pub falseticker: u64,
    /// Requests the association sent.
    pub requests: u64,
    /// Replies the association accepted.
    pub replies: u64,
    /// Kisses the association accepted.
    pub kisses: u64,
    /// The association's poll exponent at the end (last seen, if it was demobilised).
    pub final_poll: i8,
    /// Why the host demobilised it, if it did.
    pub demobilized: Option<DemobilizeReason>,
}

/// One pool member the host used: its index in [`PoolSpec::members`] and its tally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolTally {
    /// Index into the pool's member list.
    pub member: usize,
    /// What happened to it.
    pub tally: ServerTally,
}

/// Figures of one run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// (true time, clock minus UTC) every `trace_every` seconds.
    pub trace: Vec<(f64, f64)>,
    /// RMS of clock minus UTC over [settle, end], seconds (sampled every second).
    pub rms_offset: f64,
    /// Largest |clock minus UTC| over [settle, end], seconds.
    pub max_offset: f64,
    /// |clock minus UTC| at the end, seconds.
    pub final_offset: f64,
    /// Frequency error at the end: oscillator error plus the discipline's frequency
    /// correction (the phase-slew share of the rate excluded), s/s.
    pub frequency_error: f64,
    /// True time after which |offset| stayed below 1 ms to the end (None: never did).
    pub time_to_1ms: Option<f64>,
    /// Every step: (true time, seconds).
    pub steps: Vec<(f64, f64)>,
    /// Whether the discipline refused an offset beyond the panic threshold (the host then
    /// stops, as ntpd exits, and the clock runs free).
    pub panicked: bool,
    /// Offsets the discipline refused (panic), in order.
    pub panic_offsets: Vec<f64>,
    /// Per-server tallies, in scenario order.
    pub servers: Vec<ServerTally>,
    /// Pool members the host mobilised, in order.
    pub pool: Vec<PoolTally>,
    /// Every system peer change the host announced: (true time, source index in
    /// mobilisation order: servers first, then pool members; `None` when lost).
    pub system_peer_changes: Vec<(f64, Option<usize>)>,
    /// Discipline outcomes counted: (ignored, slewed, stepped).
    pub outcomes: (u64, u64, u64),
    /// Whether the client's system variables said "synchronised" at the end.
    pub synchronized_at_end: bool,
    /// The symmetric pair's figures, if the scenario has a peer.
    pub peer: Option<PeerReport>,
    /// Replies held back by the path ([`crate::REORDER_HOLD`], either direction) that
    /// reached the client.
    pub held_back: u64,
    /// Replies the host's packet tests refused, by reason.
    pub rejected: Vec<(Rejection, u64)>,
    /// Events processed (for speed figures).
    pub events: u64,
    /// Each clock update, as loopstats records it (with [`Scenario::record_stats`]).
    pub loop_records: Vec<LoopRecord>,
    /// Each source's clock filter output after a sample, as peerstats records it (with
    /// [`Scenario::record_stats`]).
    pub peer_records: Vec<PeerRecord>,
}

/// One clock update (a loopstats line).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoopRecord {
    /// The client clock's reading when it happened.
    pub clock: ntpkit_wire::NtpTimestamp,
    /// The combined offset given to the discipline, seconds.
    pub offset: f64,
    /// The frequency correction after it, s/s.
    pub frequency: f64,
    /// Clock jitter, seconds.
    pub jitter: f64,
    /// Frequency wander, s/s.
    pub wander: f64,
    /// Poll exponent.
    pub poll: i8,
}

/// One source's filter output (a peerstats line).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeerRecord {
    /// The client clock's reading.
    pub clock: ntpkit_wire::NtpTimestamp,
    /// The source, in mobilisation order (servers first, then pool members).
    pub source: usize,
    /// The ntpd peer status word.
    pub status: u16,
    /// Filter output.
    pub stats: ntpkit_clock::PeerStatistics,
}

impl Report {
    /// Counts one discipline outcome.
    pub(crate) fn count(&mut self, outcome: DisciplineOutcome) {
        match outcome {
            DisciplineOutcome::Ignored => self.outcomes.0 += 1,
            DisciplineOutcome::Slewed => self.outcomes.1 += 1,
            DisciplineOutcome::Stepped { .. } => self.outcomes.2 += 1,
            DisciplineOutcome::Panic { offset } => {
                self.panicked = true;
                self.panic_offsets.push(offset);
            }
            _ => {}
        }
    }
}
