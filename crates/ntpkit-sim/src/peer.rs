//! A second simulated node joined to the client by a `peer` line on each side: two
//! symmetric active associations (`ntpkit_assoc::symmetric`) exchanging real mode 1
//! packets. The peer node has no other source, so its clock is disciplined through the
//! symmetric association alone.
//!
//! `Host` takes client associations only, so this node wires its one association to a
//! clock filter and the system process itself, the way `Host` does for each source
//! (RFC 5905 sections 10 to 12). Once `Host` takes symmetric sources this node should be a
//! second `Host`.

use core::time::Duration;

use ntpkit_assoc::ServerState;
use ntpkit_assoc::symmetric::{SymmetricAssociation, SymmetricConfig, SymmetricEvent};
use ntpkit_auth::KeyStore;
use ntpkit_clock::{
    Candidate, ClockAdjust, ClockError, ClockFilter, ClockOptions, DisciplineOutcome,
    FilterVerdict, SourceId, SystemProcess,
};
use ntpkit_wire::{NtpTimestamp, Precision, ReferenceId};

use crate::clock::{ClockModel, SimClock};
use crate::network::PathModel;
use crate::rng::SimRng;

/// The peer node of a scenario.
#[derive(Debug, Clone)]
pub struct PeerSpec {
    /// The peer node's oscillator.
    pub clock: ClockModel,
    /// The path between the client and the peer (both directions).
    pub path: PathModel,
    /// Frequency the peer node restores from its drift file (s/s), if any.
    pub restored_frequency: Option<f64>,
}

/// What the symmetric pair did.
#[derive(Debug, Clone, Default)]
pub struct PeerReport {
    /// RMS of the peer's clock minus UTC over [settle, end], seconds.
    pub rms_offset: f64,
    /// Largest |peer clock minus UTC| over [settle, end], seconds.
    pub max_offset: f64,
    /// |peer clock minus UTC| at the end, seconds.
    pub final_offset: f64,
    /// |peer clock minus client clock| at the end, seconds.
    pub final_offset_from_client: f64,
    /// Steps of the peer's clock: (true time, seconds).
    pub steps: Vec<(f64, f64)>,
    /// Whether the peer was synchronised at the end, and at which stratum.
    pub stratum_at_end: Option<u8>,
    /// Samples each side's association produced: (client's of the peer, peer's of the
    /// client).
    pub samples: (u64, u64),
    /// Largest |sample offset minus the true clock difference| minus half the sample's
    /// delay, over both sides' samples, seconds. The true difference is the mean of its
    /// values when the sample's first packet left and when its second arrived (a
    /// symmetric exchange spans the peer's hold, up to a poll, and both clocks may be
    /// slewing); the on-wire bound says the truth lies within offset +- delay/2, so this
    /// stays at or below the timestamp noise plus the curvature of the clock difference.
    pub worst_excess_error: f64,
}

/// The peer node's state.
#[derive(Debug)]
pub(crate) struct PeerNode {
    pub(crate) clock: SimClock,
    pub(crate) path: PathModel,
    system: SystemProcess,
    filter: ClockFilter,
    pub(crate) assoc: SymmetricAssociation<SimRng>,
    next_tick: Duration,
    /// Latest monotonic time handed to the association.
    mono: Duration,
    /// The peer's server state as the client last saw it in a sample.
    server: Option<ntpkit_clock::ServerInfo>,
    pub(crate) report: PeerReport,
    /// Each side's recent transmit timestamps (as on the wire) with the true clock
    /// difference (receiver's view: the other clock minus this one) when each left:
    /// (client's, peer node's).
    pub(crate) sent: (SentLog, SentLog),
    pub(crate) sum_sq: f64,
    pub(crate) measured: u64,
}

/// Transmit timestamps (bits as on the wire) with the true clock difference then.
pub(crate) type SentLog = Vec<(u64, f64)>;

/// Precision of the peer's clock (log2 s).
const PRECISION: i8 = -20;

impl PeerNode {
    pub(crate) fn new(
        spec: &PeerSpec,
        epoch: NtpTimestamp,
        options: ClockOptions,
        rng: SimRng,
    ) -> Result<Self, ClockError> {
        let mut config = SymmetricConfig::default();
        config.local_precision = PRECISION;
        Ok(Self {
            clock: SimClock::new(epoch, spec.clock),
            path: spec.path.clone(),
            system: SystemProcess::new(options, PRECISION, spec.restored_frequency)?,
            filter: ClockFilter::new(PRECISION),
            assoc: SymmetricAssociation::new(config, Duration::ZERO, rng),
            next_tick: Duration::from_secs(1),
            mono: Duration::ZERO,
            server: None,
            report: PeerReport::default(),
            sent: (Vec::new(), Vec::new()),
            sum_sq: 0.0,
            measured: 0,
        })
    }

    pub(crate) fn wall(&self) -> NtpTimestamp {
        self.clock.to_timestamp(self.clock.reading())
    }

    /// The node's monotonic time (step-free clock reading), at least `deadline`.
    pub(crate) fn monotonic(&mut self, deadline: Option<Duration>) -> Duration {
        let reading = Duration::from_secs_f64(self.clock.monotonic().max(0.0));
        self.mono = self.mono.max(reading).max(deadline.unwrap_or_default());
        self.mono
    }

    /// What the node says about itself in its packets.
    pub(crate) fn server_state(&self) -> ServerState {
        let vars = self.system.system_variables(self.wall());
        if vars.is_synchronized() {
            ServerState::from_system_variables(&vars)
        } else {
            ServerState::unsynchronized(Precision(PRECISION))
        }
    }

    /// Runs the once-a-second clock adjustment and the association's timer at `now`.
    pub(crate) fn handle_timeout(&mut self, now: Duration) {
        if now >= self.next_tick {
            let tick = self.system.tick(self.wall());
            let _ = tick.frequency.apply(&mut self.clock);
            self.next_tick += Duration::from_secs(1);
            if self.next_tick <= now {
                self.next_tick = now + Duration::from_secs(1);
            }
        }
        let _ = self.assoc.handle_timeout(now);
    }

    /// The node's next timer.
    pub(crate) fn poll_timeout(&self) -> Duration {
        self.assoc
            .poll_timeout()
            .map_or(self.next_tick, |t| t.min(self.next_tick))
    }

    /// A packet from the client reaches the node: sample, filter, select, discipline.
    /// Returns the sample's (offset, delay) if there was one.
    pub(crate) fn receive(&mut self, bytes: &[u8], keys: &KeyStore) -> Option<(f64, f64)> {
        let now = self.monotonic(None);
        let t4 = self.wall();
        let Ok(SymmetricEvent::Sample(sample)) = self.assoc.handle_packet(now, bytes, t4, keys)
        else {
            return None;
        };
        self.server = Some(sample.server);
        let mut filtered = sample.sample;
        filtered.phase = self.system.slewed_phase();
        self.filter.set_newest_first(self.system.is_settling());
        let verdict = self.filter.add(
            filtered,
            t4,
            self.system.poll(),
            self.system.is_synchronized(),
        );
        if matches!(verdict, FilterVerdict::Updated(_)) {
            self.select(t4);
        }
        Some((sample.sample.offset, sample.sample.delay))
    }

    fn select(&mut self, now: NtpTimestamp) {
        let (Some(stats), Some(server)) = (self.filter.statistics(), self.server) else {
            return;
        };
        let candidate = Candidate {
            id: SourceId(0),
            stats,
            server,
            source_refid: ReferenceId([10, 1, 0, 1]),
            reachable: self.assoc.reach() != 0,
            noselect: false,
            prefer: false,
            poll_bounds: {
                let tinker = &self.system.options().tinker;
                (tinker.minpoll, tinker.maxpoll)
            },
        };
        let update = self.system.update(now, &[candidate]);
        if let Some(DisciplineOutcome::Stepped { .. }) = update.outcome {
            self.filter.reset();
        }
        if let Some(adjust @ ClockAdjust::Step { .. }) = update.adjust {
            let _ = adjust.apply(&mut self.clock);
        }
        self.assoc.set_poll(self.system.poll());
    }

    /// Stratum the node serves at, if synchronised.
    pub(crate) fn stratum(&self) -> Option<u8> {
        let vars = self.system.system_variables(self.wall());
        vars.is_synchronized().then_some(vars.stratum.0)
    }
}

/// Remembers that a packet with `bytes` left while the true clock difference (the other
/// clock minus the sender's) was `theta`; keeps the last 16.
pub(crate) fn remember(log: &mut SentLog, bytes: &[u8], theta: f64) {
    if let Ok(header) = ntpkit_wire::NtpHeader::parse(bytes) {
        if log.len() >= 16 {
            log.remove(0);
        }
        log.push((header.transmit_timestamp.to_bits(), theta));
    }
}

/// The true clock difference when the packet `bytes` echoes (its origin) left, if known.
pub(crate) fn recall(log: &[(u64, f64)], bytes: &[u8]) -> Option<f64> {
    let origin = ntpkit_wire::NtpHeader::parse(bytes)
        .ok()?
        .origin_timestamp
        .to_bits();
    log.iter()
        .find(|(t, _)| *t == origin)
        .map(|(_, theta)| *theta)
}
