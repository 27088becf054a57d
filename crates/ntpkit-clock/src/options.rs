//! Tunables: ntpd's `tinker` (discipline policy) and `tos` (selection) options with their
//! documented defaults. Ranges are checked by [`ClockOptions::validate`].

use crate::ClockError;
use crate::constants::MAXSTRAT;

/// Discipline policy, as ntpd's `tinker` command and `-g` switch set it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct TinkerOptions {
    /// Step threshold in seconds (`tinker step`, default 0.128). Offsets above it are stepped
    /// (after the stepout interval); 0 means never step, always slew.
    pub step: f64,
    /// Stepout interval in seconds (`tinker stepout`, default 900): how long an offset must
    /// stay above the step threshold before it is believed.
    pub stepout: f64,
    /// Panic threshold in seconds (`tinker panic`, default 1000); 0 disables the check.
    pub panic: f64,
    /// Allow one first correction above the panic threshold (ntpd's `-g`).
    pub allow_first_panic: bool,
    /// Allan intercept in seconds (`tinker allan`, default 1500).
    pub allan: f64,
    /// Dispersion growth rate in s/s (`tinker dispersion`, default 15 PPM).
    pub phi: f64,
    /// Smallest system poll exponent (default 6, 64 s).
    pub minpoll: i8,
    /// Largest system poll exponent (default 10, 1024 s).
    pub maxpoll: i8,
}

impl Default for TinkerOptions {
    fn default() -> Self {
        Self {
            step: 0.128,
            stepout: 900.0,
            panic: 1000.0,
            allow_first_panic: false,
            allan: 1500.0,
            phi: crate::constants::PHI,
            minpoll: 6,
            maxpoll: 10,
        }
    }
}

/// Selection and orphan parameters, as ntpd's `tos` command sets them.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct TosOptions {
    /// Fewest survivors needed to synchronise (`tos minsane`, default 1).
    pub minsane: usize,
    /// Cluster pruning stops at this many survivors (`tos minclock`, default 3).
    pub minclock: usize,
    /// At most this many candidates enter clustering (`tos maxclock`, default 10).
    pub maxclock: usize,
    /// Root distance above which a source is not selectable (`tos maxdist`, default 1.5 s).
    pub maxdist: f64,
    /// Floor of the root distance, so very close sources still overlap (`tos mindist`,
    /// default 0.001 s).
    pub mindist: f64,
    /// Sources below this stratum are not selectable (`tos floor`, default 1).
    pub floor: u8,
    /// Sources at or above this stratum are not selectable (`tos ceiling`, default 15).
    pub ceiling: u8,
    /// Orphan stratum (`tos orphan`, default 16 = orphan mode off).
    pub orphan: u8,
    /// Seconds without a selectable source before orphan mode starts (`tos orphanwait`,
    /// default 300).
    pub orphanwait: f64,
}

impl Default for TosOptions {
    fn default() -> Self {
        Self {
            minsane: 1,
            minclock: 3,
            maxclock: 10,
            maxdist: 1.5,
            mindist: 0.001,
            floor: 1,
            ceiling: 15,
            orphan: MAXSTRAT,
            orphanwait: 300.0,
        }
    }
}

/// All clock options.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub struct ClockOptions {
    /// Discipline policy.
    pub tinker: TinkerOptions,
    /// Selection parameters.
    pub tos: TosOptions,
    /// Correct stored filter samples for the phase the discipline slewed after they were
    /// taken, and estimate frequency from what the slewed residual fails to predict instead
    /// of integrating the whole offset (ntpkit extension; off = RFC 5905 behaviour).
    /// Samples must then carry [`crate::SystemProcess::slewed_phase`] in
    /// [`crate::FilterSample::phase`].
    pub compensate_slew: bool,
}

impl ClockOptions {
    /// Checks every option against the range ntpd accepts, naming the first bad one.
    pub fn validate(&self) -> Result<(), ClockError> {
        let t = &self.tinker;
        let s = &self.tos;
        let finite_nonneg = |v: f64| v.is_finite() && v >= 0.0;
        if !finite_nonneg(t.step) {
            return Err(ClockError::Option("step"));
        }
        if !finite_nonneg(t.stepout) {
            return Err(ClockError::Option("stepout"));
        }
        if !finite_nonneg(t.panic) {
            return Err(ClockError::Option("panic"));
        }
        if !(t.allan.is_finite() && t.allan >= 1.0) {
            return Err(ClockError::Option("allan"));
        }
        if !(finite_nonneg(t.phi) && t.phi <= 1e-3) {
            return Err(ClockError::Option("dispersion"));
        }
        if t.minpoll < crate::constants::MINPOLL || t.minpoll > t.maxpoll {
            return Err(ClockError::Option("minpoll"));
        }
        if t.maxpoll > crate::constants::MAXPOLL {
            return Err(ClockError::Option("maxpoll"));
        }
        if s.minclock == 0 || s.maxclock < s.minclock {
            return Err(ClockError::Option("minclock/maxclock"));
        }
        if !(s.maxdist.is_finite() && s.maxdist > 0.0) {
            return Err(ClockError::Option("maxdist"));
        }
        if !(finite_nonneg(s.mindist) && s.mindist < s.maxdist) {
            return Err(ClockError::Option("mindist"));
        }
        if s.floor > s.ceiling || s.ceiling > MAXSTRAT {
            return Err(ClockError::Option("floor/ceiling"));
        }
        if s.orphan == 0 || s.orphan > MAXSTRAT {
            return Err(ClockError::Option("orphan"));
        }
        if !finite_nonneg(s.orphanwait) {
            return Err(ClockError::Option("orphanwait"));
        }
        Ok(())
    }
}
