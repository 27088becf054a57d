//! The system process (RFC 5905 section 11.2 and A.5.5): runs selection over the
//! associations, feeds the discipline with the combined offset of each new system-peer
//! sample, keeps the system variables, orphan mode and the leap-second schedule, and says
//! once a second how the clock should run.

use ntpkit_wire::{LeapIndicator, NtpShort, NtpTimestamp, Precision, ReferenceId, Stratum};

use crate::ClockError;
use crate::candidate::{Candidate, SourceId};
use crate::clock::{ClockAdjust, seconds_between};
use crate::constants::{MAXSTRAT, MINDISP};
use crate::discipline::{Discipline, DisciplineOutcome};
use crate::leap::{LeapAction, LeapControl, LeapMode};
use crate::options::ClockOptions;
use crate::select::{SelectContext, Selection, select};
use crate::sysvars::SystemVariables;

/// Reference id while in orphan mode: the IPv4 loopback address, as ntpd uses.
const ORPHAN_REFID: ReferenceId = ReferenceId([127, 0, 0, 1]);

/// What one [`SystemProcess::update`] did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SystemUpdate {
    /// The selection round's result.
    pub selection: Selection,
    /// What the discipline did with the system peer's new sample (None: no new sample).
    pub outcome: Option<DisciplineOutcome>,
    /// An adjustment to apply now (a step). After a step reset every clock filter.
    pub adjust: Option<ClockAdjust>,
}

/// What one [`SystemProcess::tick`] asks of the clock.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Tick {
    /// Run at this frequency correction for the next second.
    pub frequency: ClockAdjust,
    /// A leap-second action due now.
    pub leap: Option<ClockAdjust>,
}

#[derive(Debug, Clone, Copy)]
struct Synced {
    stratum: u8,
    reference_id: ReferenceId,
    reference_time: NtpTimestamp,
    root_delay: f64,
    root_dispersion: f64,
    /// When root_dispersion was computed; it grows at PHI from here.
    at: NtpTimestamp,
    jitter: f64,
}

/// The system process of one NTP host.
#[derive(Debug, Clone)]
pub struct SystemProcess {
    options: ClockOptions,
    precision: i8,
    discipline: Discipline,
    leap: LeapControl,
    system_peer: Option<SourceId>,
    /// Time of the last sample used to discipline the clock (s.t): never use one twice.
    last_sample: Option<NtpTimestamp>,
    synced: Option<Synced>,
    /// Since when there has been no system peer (for orphan mode).
    peerless_since: Option<NtpTimestamp>,
    local_refid: Option<ReferenceId>,
    /// Sum of the phase corrections slewed so far (compensate_slew only).
    phase: f64,
}

impl SystemProcess {
    /// A system process with these options, a local clock precision of 2^`precision` s and
    /// an optional frequency (s/s) restored from a drift file.
    pub fn new(
        options: ClockOptions,
        precision: i8,
        restored_frequency: Option<f64>,
    ) -> Result<Self, ClockError> {
        options.validate()?;
        let mut discipline = Discipline::new(options.tinker, precision, restored_frequency);
        discipline.set_slew_compensation(options.compensate_slew);
        Ok(Self {
            options,
            precision,
            discipline,
            leap: LeapControl::new(LeapMode::Step),
            system_peer: None,
            last_sample: None,
            synced: None,
            peerless_since: None,
            local_refid: None,
            phase: 0.0,
        })
    }

    /// Sets the reference id other hosts know us by, so servers synchronised to us are
    /// rejected as timing loops.
    pub fn set_local_refid(&mut self, refid: ReferenceId) {
        self.local_refid = Some(refid);
    }

    /// The leap-second controller (install a leap file, choose the leap mode).
    pub fn leap_mut(&mut self) -> &mut LeapControl {
        &mut self.leap
    }

    /// The leap-second controller.
    pub fn leap(&self) -> &LeapControl {
        &self.leap
    }

    /// The discipline (frequency, jitter, wander, state).
    pub fn discipline(&self) -> &Discipline {
        &self.discipline
    }

    /// The options in force.
    pub fn options(&self) -> &ClockOptions {
        &self.options
    }

    /// The current system peer.
    pub fn system_peer(&self) -> Option<SourceId> {
        self.system_peer
    }

    /// System poll exponent: associations poll at this interval (within their own bounds).
    pub fn poll(&self) -> i8 {
        self.discipline.poll()
    }

    /// Phase (seconds) the discipline has slewed the clock by since start, for
    /// [`crate::FilterSample::phase`]; always 0 unless `compensate_slew` is on.
    pub fn slewed_phase(&self) -> f64 {
        self.phase
    }

    /// Whether the discipline is still in its start-up transient
    /// ([`Discipline::is_settling`]): pass it to every [`crate::ClockFilter::set_newest_first`]
    /// before adding a sample, as ntpd's clock filter does with `freq_cnt`.
    pub fn is_settling(&self) -> bool {
        self.discipline.is_settling()
    }

    /// Whether the clock has been synchronised by a system peer.
    pub fn is_synchronized(&self) -> bool {
        self.synced.is_some()
    }

    /// Runs selection over `candidates` (RFC 5905 `clock_select`); call after a clock
    /// filter produced a new sample. Disciplines the clock when the system peer has a
    /// sample not used before.
    pub fn update(&mut self, now: NtpTimestamp, candidates: &[Candidate]) -> SystemUpdate {
        let ctx = SelectContext {
            now,
            poll: self.discipline.poll(),
            local_refid: self.local_refid,
            current_peer: self.system_peer,
            phase: self.phase,
        };
        let selection = select(candidates, &ctx, &self.options);
        self.system_peer = selection.system_peer;
        let mut result = SystemUpdate {
            selection,
            outcome: None,
            adjust: None,
        };
        let peer = result
            .selection
            .system_peer
            .and_then(|id| candidates.iter().find(|c| c.id == id));
        let Some(peer) = peer else {
            self.peerless_since.get_or_insert(now);
            self.leap.record_votes(0, 0, 0);
            return result;
        };
        self.peerless_since = None;

        let survivors = || {
            result
                .selection
                .survivors
                .iter()
                .filter_map(|id| candidates.iter().find(|c| c.id == *id))
        };
        let inserts = survivors()
            .filter(|c| c.server.leap == LeapIndicator::InsertSecond)
            .count();
        let deletes = survivors()
            .filter(|c| c.server.leap == LeapIndicator::DeleteSecond)
            .count();
        let selected = result.selection.survivors.len();
        self.leap.record_votes(inserts, deletes, selected);

        if self
            .last_sample
            .is_some_and(|t| seconds_between(peer.stats.time, t) <= 0.0)
        {
            return result;
        }
        self.last_sample = Some(peer.stats.time);
        // ntpd's clock_update: the loop's poll stays within the system peer's bounds.
        self.discipline
            .set_poll_bounds(peer.poll_bounds.0, peer.poll_bounds.1);
        let outcome = self
            .discipline
            .update(peer.stats.time, result.selection.offset);
        result.outcome = Some(outcome);
        match outcome {
            DisciplineOutcome::Stepped { offset } => {
                result.adjust = Some(ClockAdjust::Step { offset });
                self.synced = None;
                self.last_sample = None;
                self.system_peer = None;
            }
            DisciplineOutcome::Slewed => {
                let phi = self.options.tinker.phi;
                let age = seconds_between(now, peer.stats.time).max(0.0);
                let jitter = (peer.stats.jitter.powi(2) + result.selection.jitter.powi(2)).sqrt();
                let increment =
                    (peer.stats.dispersion + phi * age + peer.stats.offset.abs()).max(MINDISP);
                self.synced = Some(Synced {
                    stratum: peer.server.stratum.saturating_add(1).min(MAXSTRAT),
                    reference_id: peer.source_refid,
                    reference_time: peer.stats.time,
                    root_delay: peer.server.root_delay + peer.stats.delay,
                    root_dispersion: peer.server.root_dispersion + jitter + increment,
                    at: now,
                    jitter: (result.selection.jitter.powi(2) + self.discipline.jitter().powi(2))
                        .sqrt(),
                });
            }
            DisciplineOutcome::Ignored | DisciplineOutcome::Panic { .. } => {}
        }
        result
    }

    /// The once-a-second clock-adjust process (RFC 5905 A.5.6.1) plus the leap schedule.
    pub fn tick(&mut self, now: NtpTimestamp) -> Tick {
        let base = self.discipline.frequency();
        let total = self.discipline.tick();
        if self.options.compensate_slew {
            // The part beyond the frequency correction moves the clock's phase: exactly
            // what stored offsets must be corrected by.
            self.phase += total - base;
        }
        let frequency = ClockAdjust::SetFrequency { frequency: total };
        let leap = if self.synced.is_some() {
            self.leap.tick(now).map(|action| match action {
                LeapAction::Step(offset) => ClockAdjust::Step { offset },
                LeapAction::Arm(indicator) => ClockAdjust::SetLeap(indicator),
            })
        } else {
            None
        };
        Tick { frequency, leap }
    }

    /// The system variables at `now`, for answering clients.
    pub fn system_variables(&self, now: NtpTimestamp) -> SystemVariables {
        let precision = Precision(self.precision);
        let orphan = self.options.tos.orphan;
        let waited = self.peerless_since.map(|t| seconds_between(now, t));
        if self.system_peer.is_none()
            && orphan < MAXSTRAT
            && waited.is_some_and(|w| w >= self.options.tos.orphanwait)
        {
            return SystemVariables {
                leap: LeapIndicator::NoWarning,
                stratum: Stratum(orphan),
                precision,
                root_delay: NtpShort::ZERO,
                root_dispersion: NtpShort::ZERO,
                reference_id: ORPHAN_REFID,
                reference_time: now,
                jitter: 0.0,
            };
        }
        if let Some(s) = self.synced {
            let age = seconds_between(now, s.at).max(0.0);
            return SystemVariables {
                leap: self.leap.indicator(now),
                stratum: Stratum(s.stratum),
                precision,
                root_delay: NtpShort::from_seconds_f64(s.root_delay),
                root_dispersion: NtpShort::from_seconds_f64(
                    s.root_dispersion + self.options.tinker.phi * age,
                ),
                reference_id: s.reference_id,
                reference_time: s.reference_time,
                jitter: s.jitter,
            };
        }
        SystemVariables {
            leap: LeapIndicator::Unsynchronized,
            stratum: Stratum(MAXSTRAT),
            precision,
            root_delay: NtpShort::ZERO,
            root_dispersion: NtpShort::ZERO,
            reference_id: ReferenceId([0; 4]),
            reference_time: NtpTimestamp::ZERO,
            jitter: 0.0,
        }
    }
}
