//! The clock discipline (RFC 5905 section 11.3, appendix A.5.5.6 `local_clock`, A.5.5.7
//! `rstclock` and A.5.6.1 `clock_adjust`): a hybrid phase/frequency-lock loop whose time
//! constant follows the poll interval, with the step, stepout and panic policy of ntpd.
//!
//! Offsets go in through [`Discipline::update`]; once a second [`Discipline::tick`] says
//! which frequency (correction plus that second's share of the phase error) the clock
//! should run at. Both are plain values: nothing here touches a clock.

use ntpkit_wire::{NtpDuration, NtpTimestamp};

use crate::clock::seconds_between;
use crate::constants::{AVG, FLL, LIMIT, MAXFREQ, PGATE, PLL, log2d};
use crate::options::TinkerOptions;

/// Updates over which the slew-compensated discipline averages its frequency estimate: it
/// corrects 1/4 of the frequency error each update reveals. ntpkit-sim, RMS over seeds
/// 1-6: 1/4 gave 78 us on the quiet LAN (1/8: 106 us, 1/16: 170 us) and 1.8 ms on the
/// jittery WAN (1/8: 1.7 ms, 1/16: 2.9 ms).
const PREDICTION_GAIN: f64 = 4.0;

/// State of the discipline state machine (RFC 5905 figure 24).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisciplineState {
    /// NSET: no frequency known, no update yet.
    Unset,
    /// FSET: frequency restored from the drift file, no update yet.
    FrequencySet,
    /// FREQ: measuring the frequency directly over the stepout interval.
    MeasuringFrequency,
    /// SPIK: an offset above the step threshold was seen; waiting out the stepout.
    Spike,
    /// SYNC: normal PLL/FLL operation.
    Sync,
}

/// What an offset update did.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum DisciplineOutcome {
    /// Not used (first sample, frequency measurement under way, or a suspected spike).
    Ignored,
    /// Used to steer phase and frequency.
    Slewed,
    /// The clock must be stepped by `offset` seconds (and every clock filter reset).
    Stepped {
        /// Seconds to add to the clock.
        offset: f64,
    },
    /// The offset exceeds the panic threshold: refuse to touch the clock (ntpd exits and
    /// asks the operator to set the clock by hand).
    Panic {
        /// The refused offset, seconds.
        offset: f64,
    },
}

/// The hybrid PLL/FLL clock discipline.
#[derive(Debug, Clone)]
pub struct Discipline {
    options: TinkerOptions,
    precision: f64,
    state: DisciplineState,
    /// Frequency correction, s/s.
    freq: f64,
    /// Residual phase offset still to be slewed out, seconds.
    offset: f64,
    /// Offset change over a FREQ measurement (c.base).
    base: f64,
    /// Previous offset, for the jitter estimate.
    last: f64,
    jitter: f64,
    wander: f64,
    count: i32,
    poll: i8,
    /// The bounds the poll moves within: the system peer's `minpoll`/`maxpoll` once one is
    /// known ([`Discipline::set_poll_bounds`]), the tinker bounds before.
    minpoll: i8,
    maxpoll: i8,
    /// Time of the last update that reset the state machine (s.t).
    last_update: Option<NtpTimestamp>,
    /// ntpd's `-g`: one correction above the panic threshold is allowed, first only.
    panic_allowance: bool,
    /// Offsets are slew-compensated (`ClockOptions::compensate_slew`): estimate the jitter
    /// and the frequency from the prediction error (the offset minus the residual still to
    /// be slewed) instead of the RFC's successive difference and PLL.
    compensated: bool,
    /// Seconds of start-up hold left after the direct frequency measurement (ntpd's
    /// `freq_cnt`, armed to the stepout interval). While it runs, and before it (NSET,
    /// FREQ), the loop does not integrate frequency and the clock filters should hand
    /// over their newest sample, not the lowest-delay one: see [`Discipline::is_settling`].
    hold: f64,
}

impl Discipline {
    /// A discipline with no update yet; `restored_frequency` (s/s) comes from a drift file.
    pub fn new(
        options: TinkerOptions,
        local_precision: i8,
        restored_frequency: Option<f64>,
    ) -> Self {
        let precision = log2d(local_precision);
        let (state, freq) = match restored_frequency.filter(|f| f.is_finite()) {
            Some(f) => (DisciplineState::FrequencySet, f.clamp(-MAXFREQ, MAXFREQ)),
            None => (DisciplineState::Unset, 0.0),
        };
        Self {
            options,
            precision,
            state,
            freq,
            offset: 0.0,
            base: 0.0,
            last: 0.0,
            jitter: precision,
            wander: 0.0,
            count: 0,
            poll: options.minpoll,
            minpoll: options.minpoll,
            maxpoll: options.maxpoll,
            last_update: None,
            panic_allowance: options.allow_first_panic,
            compensated: false,
            // A drift-file frequency is trusted: no start-up hold (FSET goes straight on).
            hold: if state == DisciplineState::Unset {
                options.stepout.max(0.0)
            } else {
                0.0
            },
        }
    }

    /// Switches the jitter and frequency estimates to the slew-compensated form (see
    /// `ClockOptions::compensate_slew`); off by default, as in RFC 5905.
    pub fn set_slew_compensation(&mut self, on: bool) {
        self.compensated = on;
    }

    /// Current state of the state machine.
    pub fn state(&self) -> DisciplineState {
        self.state
    }
    /// Frequency correction, s/s (what a drift file stores, in PPM x 1e-6).
    pub fn frequency(&self) -> f64 {
        self.freq
    }
    /// Residual phase offset not yet slewed out, seconds.
    pub fn residual_offset(&self) -> f64 {
        self.offset
    }
    /// Clock jitter: exponentially averaged RMS of offset differences, seconds.
    pub fn jitter(&self) -> f64 {
        self.jitter
    }
    /// Clock wander: exponentially averaged RMS of frequency changes, s/s.
    pub fn wander(&self) -> f64 {
        self.wander
    }
    /// System poll exponent chosen by the poll-adjust algorithm.
    pub fn poll(&self) -> i8 {
        self.poll
    }

    /// Confines the poll (and with it the loop's time constant) to the system peer's
    /// `minpoll`..=`maxpoll`, as ntpd's `clock_update` and `local_clock` clamp `sys_poll`
    /// to the peer's limits. Without it a `server ... maxpoll 4` would be polled every
    /// 16 s while the loop integrated as if updates came every 64 to 1024 s.
    pub fn set_poll_bounds(&mut self, minpoll: i8, maxpoll: i8) {
        let min = minpoll.clamp(crate::constants::MINPOLL, crate::constants::MAXPOLL);
        let max = maxpoll.clamp(min, crate::constants::MAXPOLL);
        self.minpoll = min;
        self.maxpoll = max;
        self.poll = self.poll.clamp(min, max);
    }

    /// Whether the loop is still in its start-up transient: no frequency yet (NSET, FREQ),
    /// or less than the stepout interval since the direct frequency measurement. ntpd
    /// (`clock_filter`, `local_clock`: `freq_cnt`) then hands the loop each association's
    /// newest sample instead of its lowest-delay one, and does not integrate frequency.
    ///
    /// Why it matters: the loop slews the residual phase at up to tens of PPM during the
    /// transient, and subtracts the residual *as of now* from the offset it is given. The
    /// lowest-delay sample can be several polls old; its offset predates the slewing since,
    /// and the mismatch lands in the frequency (about 3.5 PPM in the quiet-LAN simulation,
    /// which the overdamped PLL then needs most of a day to remove).
    pub fn is_settling(&self) -> bool {
        matches!(
            self.state,
            DisciplineState::Unset | DisciplineState::MeasuringFrequency
        ) || self.hold > 0.0
    }

    /// Feeds the combined offset `offset` (seconds) of a sample taken at `sample_time`.
    pub fn update(&mut self, sample_time: NtpTimestamp, offset: f64) -> DisciplineOutcome {
        if !offset.is_finite() {
            return DisciplineOutcome::Ignored;
        }
        let first = matches!(
            self.state,
            DisciplineState::Unset | DisciplineState::FrequencySet
        );
        let allowance = core::mem::replace(&mut self.panic_allowance, false);
        let panic = self.options.panic;
        if panic > 0.0 && offset.abs() > panic && !(first && allowance) {
            return DisciplineOutcome::Panic { offset };
        }
        let mu = self
            .last_update
            .map_or(0.0, |t| seconds_between(sample_time, t).max(0.0));
        let stepout = self.options.stepout;
        let step_threshold = if self.options.step > 0.0 {
            self.options.step
        } else {
            f64::INFINITY
        };
        let mut freq = 0.0;
        let outcome;
        if offset.abs() > step_threshold {
            match self.state {
                DisciplineState::Sync => {
                    // One outlier is not believed; wait for the stepout interval.
                    self.state = DisciplineState::Spike;
                    return DisciplineOutcome::Ignored;
                }
                DisciplineState::MeasuringFrequency | DisciplineState::Spike if mu < stepout => {
                    return DisciplineOutcome::Ignored;
                }
                DisciplineState::MeasuringFrequency => {
                    freq = (offset - self.base - self.offset) / mu;
                }
                _ => {}
            }
            outcome = DisciplineOutcome::Stepped { offset };
            // The caller steps the clock by `offset`: later sample times are read from the
            // stepped clock, so refer this one to it too, or the next interval `mu` is off
            // by the step (a 2000 s `-g` step made the 900 s frequency measurement span
            // 2900 s of samples and read 64 PPM for a 20 PPM oscillator).
            let sample_time = sample_time + NtpDuration::from_seconds_f64(offset);
            self.count = 0;
            self.poll = self.minpoll;
            if self.state == DisciplineState::Unset {
                // Step now, measure the frequency over the next stepout interval.
                self.reset(DisciplineState::MeasuringFrequency, sample_time, 0.0);
                return outcome;
            }
            self.reset(DisciplineState::Sync, sample_time, 0.0);
        } else {
            if !self.compensated {
                let jitter_sample = (offset - self.last).abs().max(self.precision);
                self.jitter = (self.jitter.powi(2)
                    + (jitter_sample.powi(2) - self.jitter.powi(2)) / AVG)
                    .sqrt();
            } else if matches!(self.state, DisciplineState::Sync | DisciplineState::Spike) {
                // With slew-compensated offsets the residual still to be slewed is a
                // prediction of the new offset; the prediction error is the noise. (The
                // RFC's difference from the previous offset also counts the deliberate slew,
                // and its first value is the whole start-up offset, which keeps the poll
                // interval climbing while the clock is still far off.)
                let jitter_sample = (offset - self.offset).abs().max(self.precision);
                self.jitter = (self.jitter.powi(2)
                    + (jitter_sample.powi(2) - self.jitter.powi(2)) / AVG)
                    .sqrt();
            }
            match self.state {
                DisciplineState::Unset => {
                    // ntpd's NSET: slew this first offset away and measure the frequency
                    // over the stepout interval, but count it as a clock update (ntpd's
                    // local_clock returns 1), so the host is synchronised at once rather
                    // than 15 minutes later.
                    self.offset = offset;
                    self.reset(DisciplineState::MeasuringFrequency, sample_time, offset);
                    return DisciplineOutcome::Slewed;
                }
                DisciplineState::FrequencySet => {
                    self.offset = offset;
                }
                DisciplineState::MeasuringFrequency => {
                    if mu < stepout {
                        return DisciplineOutcome::Ignored;
                    }
                    freq = (offset - self.base - self.offset) / mu;
                }
                DisciplineState::Spike | DisciplineState::Sync if self.hold > 0.0 => {
                    // ntpd: no frequency discipline until the start-up transient subsided.
                }
                DisciplineState::Spike | DisciplineState::Sync => {
                    let tau = log2d(self.poll);
                    // FLL: only above half the Allan intercept, gain rising to 1/AVG.
                    if tau > self.options.allan / 2.0 {
                        let gain = (FLL - f64::from(self.poll)).max(AVG);
                        freq += (offset - self.offset) / (mu.max(self.options.allan) * gain);
                    }
                    if self.compensated && mu > 0.0 {
                        // With slew-compensated offsets the residual still to be slewed
                        // predicts the new offset; what it misses over `mu` is frequency
                        // error. Correct a quarter of it per update. The RFC PLL below
                        // integrates the whole offset, so a phase error being slewed out
                        // (a 50 ms start) becomes a frequency error the slow pole then
                        // needs most of a day to remove (ntpkit-sim: quiet-LAN RMS over
                        // seeds 1-6 from 415 us to 78 us, WAN from 3.6 ms to 1.8 ms).
                        freq += (offset - self.offset) / (mu * PREDICTION_GAIN);
                    } else {
                        // PLL: integrate over at most one poll interval.
                        let loop_tc = 4.0 * PLL * tau;
                        freq += offset * mu.min(tau) / (loop_tc * loop_tc);
                    }
                }
            }
            self.reset(DisciplineState::Sync, sample_time, offset);
            outcome = DisciplineOutcome::Slewed;
        }
        let new_freq = (self.freq + freq).clamp(-MAXFREQ, MAXFREQ);
        let change = new_freq - self.freq;
        self.freq = new_freq;
        self.wander = (self.wander.powi(2) + (change.powi(2) - self.wander.powi(2)) / AVG).sqrt();
        self.adjust_poll();
        outcome
    }

    /// One second of the clock-adjust process: slews 1/(PLL x tau) of the residual offset and
    /// returns the frequency (s/s) the clock should run at for the next second. The total is
    /// held within +-500 PPM, the kernel's slew limit; what cannot be slewed now stays in the
    /// residual.
    pub fn tick(&mut self) -> f64 {
        if !matches!(
            self.state,
            DisciplineState::Unset | DisciplineState::MeasuringFrequency
        ) {
            self.hold = (self.hold - 1.0).max(0.0);
        }
        let tau = log2d(self.poll).min(self.options.allan);
        let wanted = self.offset / (PLL * tau);
        let total = (self.freq + wanted).clamp(-MAXFREQ, MAXFREQ);
        self.offset -= total - self.freq;
        total
    }

    /// Forgets the residual phase (after the caller stepped the clock by other means).
    pub fn clear_residual(&mut self) {
        self.offset = 0.0;
    }

    /// RFC 5905 A.5.5.7 `rstclock`.
    fn reset(&mut self, state: DisciplineState, time: NtpTimestamp, offset: f64) {
        self.state = state;
        self.base = offset - self.offset;
        self.last = offset;
        self.offset = offset;
        self.last_update = Some(time);
    }

    /// Poll-adjust (A.5.5.6 tail): lengthen the poll while the offset is small compared with
    /// the jitter, shorten it quickly when it is not.
    fn adjust_poll(&mut self) {
        let poll = i32::from(self.poll);
        if self.offset.abs() < PGATE * self.jitter {
            self.count += poll;
            if self.count > LIMIT {
                self.count = LIMIT;
                if self.poll < self.maxpoll {
                    self.count = 0;
                    self.poll += 1;
                }
            }
        } else {
            self.count -= poll << 1;
            if self.count < -LIMIT {
                self.count = -LIMIT;
                if self.poll > self.minpoll {
                    self.count = 0;
                    self.poll -= 1;
                }
            }
        }
    }
}
