//! What the host asks its driver to do or record: clock adjustments, statistics and
//! changes of association, as values (the sans-IO rule of ARCHITECTURE.md).

use ntpkit_clock::{ClockAdjust, DisciplineOutcome, PeerStatistics, SourceId};
use ntpkit_wire::KissCode;

use crate::client::{ClientSample, KissAction};

/// Why a source was demobilised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DemobilizeReason {
    /// An ephemeral (pool) source did not answer for this many polls.
    Unreachable(u32),
    /// An ephemeral (pool) source was a falseticker this many selection rounds running.
    Falseticker(u32),
}

/// One thing the host did that its driver must act on or may record.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum HostEvent {
    /// Apply this to the clock now (a step, the once-a-second frequency, a leap flag). After
    /// a step the host has already reset every clock filter.
    Adjust(ClockAdjust),
    /// A source's reply was accepted (rawstats; `stats` is the filter output after it, for
    /// peerstats).
    Sample {
        /// The source.
        id: SourceId,
        /// The reply's sample and server variables.
        sample: ClientSample,
        /// The clock filter's output after the sample, if it produced one.
        stats: Option<PeerStatistics>,
    },
    /// The discipline processed a new system-peer sample (loopstats).
    ClockUpdate {
        /// The combined offset it was given, seconds.
        offset: f64,
        /// What it did.
        outcome: DisciplineOutcome,
        /// Frequency correction after it, s/s.
        frequency: f64,
        /// Clock jitter, seconds.
        jitter: f64,
        /// Frequency wander, s/s.
        wander: f64,
        /// System poll exponent.
        poll: i8,
    },
    /// The system peer changed (`None`: lost synchronisation).
    SystemPeer(Option<SourceId>),
    /// A kiss that passed the origin (and MAC) checks.
    Kiss {
        /// The source.
        id: SourceId,
        /// The code.
        code: KissCode,
        /// What the association did about it.
        action: KissAction,
    },
    /// An ephemeral source was removed; the caller may add another from the pool.
    Demobilized {
        /// The source that is gone.
        id: SourceId,
        /// Why.
        reason: DemobilizeReason,
    },
}
