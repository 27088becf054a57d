//! The clock filter (RFC 5905 section 10, appendix A.5.2): an eight-stage shift register of
//! (offset, delay, dispersion, time) samples per association. The sample with the lowest
//! delay is the best estimate of the offset; peer dispersion and jitter summarise the
//! register; a popcorn spike suppressor drops isolated outliers.

use ntpkit_wire::NtpTimestamp;

use crate::clock::seconds_between;
use crate::constants::{MAXDISP, NSTAGE, PHI, SGATE, log2d};

/// One measurement from an on-wire exchange (RFC 5905 section 8).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FilterSample {
    /// Clock offset theta, seconds (positive: the server is ahead of us).
    pub offset: f64,
    /// Round-trip delay delta, seconds.
    pub delay: f64,
    /// Dispersion epsilon at `time`, seconds.
    pub dispersion: f64,
    /// Local time the sample was taken (the destination timestamp T4).
    pub time: NtpTimestamp,
    /// Phase the discipline had slewed the clock by when the sample was taken
    /// ([`crate::SystemProcess::slewed_phase`]); 0 when slew compensation is off (RFC).
    pub phase: f64,
}

impl FilterSample {
    /// The sample from the four timestamps of a client/server exchange: `t1` origin (our
    /// transmit), `t2` server receive, `t3` server transmit, `t4` our receive.
    ///
    /// theta = ((T2 - T1) + (T3 - T4)) / 2, delta = (T4 - T1) - (T3 - T2) (at least the
    /// local precision), epsilon = server precision + local precision + PHI x (T4 - T1).
    /// Differences are taken in 64-bit fixed point first so absolute timestamps never lose
    /// precision in floating point.
    pub fn from_exchange(
        t1: NtpTimestamp,
        t2: NtpTimestamp,
        t3: NtpTimestamp,
        t4: NtpTimestamp,
        server_precision: i8,
        local_precision: i8,
    ) -> Self {
        let forward = seconds_between(t2, t1);
        let backward = seconds_between(t3, t4);
        let round_trip = seconds_between(t4, t1);
        let server_hold = seconds_between(t3, t2);
        let delay = (round_trip - server_hold).max(log2d(local_precision));
        Self {
            offset: (forward + backward) / 2.0,
            delay,
            dispersion: log2d(server_precision) + log2d(local_precision) + PHI * round_trip.abs(),
            time: t4,
            phase: 0.0,
        }
    }
}

/// The filtered statistics of one association (the RFC's peer offset, delay, dispersion,
/// jitter and update time `p.t`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeerStatistics {
    /// Offset of the lowest-delay sample, seconds.
    pub offset: f64,
    /// Delay of that sample, seconds.
    pub delay: f64,
    /// Peer dispersion: sum of stage dispersions weighted 1/2, 1/4, ... in delay order.
    pub dispersion: f64,
    /// Peer jitter: RMS offset difference of the valid stages from the best one.
    pub jitter: f64,
    /// Time of the sample the offset came from.
    pub time: NtpTimestamp,
    /// Slewed phase the offset is referred to (that of the newest sample): the offset
    /// at a later slewed phase `p` is `offset - (p - phase)`. 0 when compensation is off.
    pub phase: f64,
}

impl PeerStatistics {
    /// The offset corrected for the phase slewed since the statistics were computed.
    pub fn offset_at(&self, phase_now: f64) -> f64 {
        self.offset - (phase_now - self.phase)
    }
}

/// What [`ClockFilter::add`] made of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum FilterVerdict {
    /// A new best sample: the statistics changed and selection should run.
    Updated(PeerStatistics),
    /// The best sample is one already used (or older); nothing new for selection.
    Stale,
    /// The new best offset jumped more than SGATE x jitter within two poll intervals: a
    /// popcorn spike, suppressed.
    Spike,
}

#[derive(Debug, Clone, Copy)]
struct Stage {
    offset: f64,
    delay: f64,
    /// Dispersion when the sample was taken; it grows by PHI per second of age.
    dispersion: f64,
    time: NtpTimestamp,
    valid: bool,
}

const EMPTY: Stage = Stage {
    offset: 0.0,
    delay: MAXDISP,
    dispersion: MAXDISP,
    time: NtpTimestamp::ZERO,
    valid: false,
};

/// The eight-stage clock filter of one association.
#[derive(Debug, Clone)]
pub struct ClockFilter {
    stages: [Stage; NSTAGE],
    /// Next stage to overwrite (the register is a ring; order does not matter for sorting).
    next: usize,
    stats: Option<PeerStatistics>,
    precision: f64,
    /// Pick the newest valid sample instead of the lowest-delay one (ntpd while
    /// `freq_cnt` runs).
    newest_first: bool,
}

impl ClockFilter {
    /// An empty filter for a host whose clock precision is 2^`local_precision` seconds.
    pub fn new(local_precision: i8) -> Self {
        Self {
            stages: [EMPTY; NSTAGE],
            next: 0,
            stats: None,
            precision: log2d(local_precision),
            newest_first: false,
        }
    }

    /// While `on`, the filter hands over its newest valid sample rather than the
    /// lowest-delay one. ntpd's `clock_filter` sorts by distance only once the discipline
    /// has settled (`freq_cnt == 0`); set this from [`crate::SystemProcess::is_settling`]
    /// before each [`ClockFilter::add`]. Off by default (the sort of RFC 5905 section 10).
    pub fn set_newest_first(&mut self, on: bool) {
        self.newest_first = on;
    }

    /// Forgets every sample (after the clock was stepped, RFC 5905 A.5.5.2 `clear`).
    pub fn reset(&mut self) {
        self.stages = [EMPTY; NSTAGE];
        self.next = 0;
        self.stats = None;
    }

    /// The register, newest stage first, as (offset, delay, dispersion) seconds, the
    /// dispersion as stored (not aged); an empty stage reads (0, MAXDISP, MAXDISP). This is
    /// what `ntpq` shows as `filtoffset`, `filtdelay` and `filtdisp`.
    pub fn stages(&self) -> [(f64, f64, f64); NSTAGE] {
        let mut out = [(0.0, MAXDISP, MAXDISP); NSTAGE];
        for (i, slot) in out.iter_mut().enumerate() {
            // `next` is the oldest stage (about to be overwritten); newest is just before it.
            let index = (self.next + NSTAGE - 1 - i) % NSTAGE;
            if let Some(stage) = self.stages.get(index) {
                *slot = (stage.offset, stage.delay, stage.dispersion);
            }
        }
        out
    }

    /// The statistics of the last accepted update, if any.
    pub fn statistics(&self) -> Option<PeerStatistics> {
        self.stats
    }

    /// Shifts a "no data" stage in (RFC 5905 A.5.7.1: the server was not heard for three
    /// polls), which raises the peer dispersion so a silent server loses selection.
    pub fn add_empty(&mut self, now: NtpTimestamp) {
        self.stages[self.next % NSTAGE] = Stage { time: now, ..EMPTY };
        self.next = (self.next + 1) % NSTAGE;
        if let Some(stats) = self.stats.as_mut() {
            let (dispersion, _, _) =
                summarise(&self.stages, now, self.precision, self.newest_first);
            stats.dispersion = dispersion;
        }
    }

    /// Adds a sample at local time `now`.
    ///
    /// `poll` is the association's poll exponent (for the spike gate's two-poll window);
    /// `synchronized` is false until the system clock first synchronised, when any sample
    /// goes (RFC 5905 A.5.2: "anything goes before first synchronized").
    pub fn add(
        &mut self,
        sample: FilterSample,
        now: NtpTimestamp,
        poll: i8,
        synchronized: bool,
    ) -> FilterVerdict {
        let dispersion = if sample.dispersion.is_finite() {
            sample.dispersion.clamp(0.0, MAXDISP)
        } else {
            MAXDISP
        };
        let valid = sample.offset.is_finite() && sample.delay.is_finite() && dispersion < MAXDISP;
        let phase = if sample.phase.is_finite() {
            sample.phase
        } else {
            0.0
        };
        // Stages hold theta + phase: offsets referred to a fixed phase origin, so samples
        // taken before and after some slewing compare correctly (0 shift without it).
        self.stages[self.next % NSTAGE] = Stage {
            offset: if valid { sample.offset + phase } else { 0.0 },
            delay: if valid {
                sample.delay.max(0.0)
            } else {
                MAXDISP
            },
            dispersion,
            time: sample.time,
            valid,
        };
        self.next = (self.next + 1) % NSTAGE;

        let (dispersion, best, jitter) =
            summarise(&self.stages, now, self.precision, self.newest_first);
        let Some(best) = best else {
            if let Some(stats) = self.stats.as_mut() {
                stats.dispersion = dispersion;
            }
            return FilterVerdict::Stale;
        };
        let candidate = PeerStatistics {
            offset: best.offset - phase,
            delay: best.delay,
            dispersion,
            jitter,
            time: best.time,
            phase,
        };
        let Some(old) = self.stats else {
            self.stats = Some(candidate);
            return FilterVerdict::Updated(candidate);
        };
        // Prime directive: never use a sample twice or one older than the last used.
        let since_last = seconds_between(candidate.time, old.time);
        if since_last <= 0.0 && synchronized {
            self.stats = Some(PeerStatistics {
                dispersion,
                jitter,
                ..old
            });
            return FilterVerdict::Stale;
        }
        // Popcorn spike suppressor (ntpd's form: compare with the last used offset and the
        // jitter before this sample; the new jitter is measured about the spike itself).
        if (candidate.offset_at(old.phase) - old.offset).abs() > SGATE * old.jitter
            && since_last < 2.0 * log2d(poll)
            && synchronized
        {
            return FilterVerdict::Spike;
        }
        self.stats = Some(candidate);
        FilterVerdict::Updated(candidate)
    }
}

/// Peer dispersion, best (lowest-delay valid) stage and jitter of a register at `now`.
fn summarise(
    stages: &[Stage; NSTAGE],
    now: NtpTimestamp,
    precision: f64,
    newest_first: bool,
) -> (f64, Option<Stage>, f64) {
    let mut sorted = *stages;
    for stage in sorted.iter_mut() {
        let age = seconds_between(now, stage.time).max(0.0);
        stage.dispersion = (stage.dispersion + PHI * age).min(MAXDISP);
        if stage.dispersion >= MAXDISP {
            stage.valid = false;
        }
    }
    // Valid stages first, by increasing delay; invalid ones last (RFC 5905 section 10).
    // While the discipline settles (ntpd's freq_cnt): valid stages newest first.
    sorted.sort_by(|a, b| {
        let order = if newest_first {
            seconds_between(b.time, a.time)
                .partial_cmp(&0.0)
                .unwrap_or(core::cmp::Ordering::Equal)
        } else {
            a.delay
                .partial_cmp(&b.delay)
                .unwrap_or(core::cmp::Ordering::Equal)
        };
        b.valid.cmp(&a.valid).then(order)
    });
    let mut dispersion = 0.0;
    let mut weight = 0.5;
    for stage in &sorted {
        dispersion += stage.dispersion * weight;
        weight /= 2.0;
    }
    let valid = sorted.iter().take_while(|s| s.valid).count();
    let Some(best) = sorted.first().copied().filter(|s| s.valid) else {
        return (dispersion, None, precision);
    };
    let sum_sq: f64 = sorted
        .get(1..valid)
        .unwrap_or(&[])
        .iter()
        .map(|s| (s.offset - best.offset).powi(2))
        .sum();
    let jitter = if valid > 1 {
        (sum_sq / (valid - 1) as f64).sqrt()
    } else {
        0.0
    };
    (dispersion, Some(best), jitter.max(precision))
}
