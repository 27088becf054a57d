//! loopstats: one line per clock discipline update.
//!
//! `MJD SECS offset(s, %.9f) frequency(PPM, %.3f) jitter(s, %.9f) wander(PPM, %.6f)
//! time-constant(%d)`, as ntpd's `record_loop_stats` writes it.

use core::fmt;

use crate::decimal::Decimal;
use crate::error::StatsError;
use crate::fields::{Fields, parse_c_int};
use crate::time::StatTime;

/// A loopstats record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LoopStats {
    /// When the clock was updated.
    pub time: StatTime,
    /// Clock offset, seconds.
    pub offset: Decimal,
    /// Frequency offset, parts per million.
    pub frequency: Decimal,
    /// RMS jitter, seconds.
    pub jitter: Decimal,
    /// Frequency wander (Allan deviation), parts per million.
    pub wander: Decimal,
    /// Clock discipline time constant (log2 s). `None` for lines from writers that omit it
    /// (the seed manual's own example line has only four values after the time).
    pub time_constant: Option<i32>,
}

impl LoopStats {
    /// A record from the discipline's values, at ntpd's precisions.
    pub fn new(
        time: StatTime,
        offset_s: f64,
        frequency_ppm: f64,
        jitter_s: f64,
        wander_ppm: f64,
        time_constant: i32,
    ) -> Self {
        Self {
            time,
            offset: Decimal::from_f64(offset_s, 9),
            frequency: Decimal::from_f64(frequency_ppm, 3),
            jitter: Decimal::from_f64(jitter_s, 9),
            wander: Decimal::from_f64(wander_ppm, 6),
            time_constant: Some(time_constant),
        }
    }

    /// Parses one line (with or without its `\n`).
    pub fn parse(line: &str) -> Result<Self, StatsError> {
        let mut f = Fields::new(line)?;
        let time = StatTime::parse_fields(f.next("day")?, f.next("seconds")?)?;
        let offset = Decimal::parse(f.next("offset")?, "offset")?;
        let frequency = Decimal::parse(f.next("frequency")?, "frequency")?;
        let jitter = Decimal::parse(f.next("jitter")?, "jitter")?;
        let wander = Decimal::parse(f.next("wander")?, "wander")?;
        let time_constant = match f.next_opt("time constant")? {
            None => None,
            Some(tc) => Some(parse_c_int(tc).and_then(|v| i32::try_from(v).ok()).ok_or(
                StatsError::InvalidField {
                    field: "time constant",
                },
            )?),
        };
        f.finish()?;
        Ok(Self {
            time,
            offset,
            frequency,
            jitter,
            wander,
            time_constant,
        })
    }
}

impl fmt::Display for LoopStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {}",
            self.time, self.offset, self.frequency, self.jitter, self.wander
        )?;
        match self.time_constant {
            Some(tc) => write!(f, " {tc}"),
            None => Ok(()),
        }
    }
}
