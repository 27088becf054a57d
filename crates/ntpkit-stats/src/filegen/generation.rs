//! Which member of a file generation set is current at an injected instant.
//!
//! The seed manual defines the members: a day is 00:00 to 24:00 UTC and its suffix is
//! `.YYYYMMDD`; a week is the 1-based day of the year divided by 7 (so January 1-6 are week
//! 00 and January 10th 1992 is `.1992W01`); months and years are UTC calendar months and
//! years; `age` changes every 24 hours of daemon uptime with suffix `.a%08d`; `pid` appends
//! the process id. Later ntpd releases (4.2.8) switched to ISO weeks with a lower-case `w`
//! and `.#PID`; ntpkit follows the seed.

use crate::civil::{CivilDate, SECS_PER_DAY};
use crate::error::StatsError;
use crate::filegen::FileGenType;

/// What the daemon tells a file generation set about "now": all of it injected, so that
/// tests run days, years and NTP eras in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GenerationInput {
    /// UTC now, whole seconds since 1970-01-01 (full width: 2036 is not special).
    pub unix_secs: i64,
    /// Seconds the daemon has been running (for `age`).
    pub uptime_secs: u64,
    /// The daemon's process id (for `pid` and the name a conflicting file is saved under).
    pub pid: u32,
}

/// One member of a file generation set: its suffix and the span of input it covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Generation {
    suffix: String,
    span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Span {
    /// `none`: the single file covers everything.
    Always,
    /// `pid`: the file of one process.
    Process(u32),
    /// Day/week/month/year: `[start, end)` in Unix seconds.
    Wall { start: i64, end: i64 },
    /// `age`: `[start, end)` in seconds of uptime.
    Uptime { start: u64, end: u64 },
}

impl Generation {
    /// The member for `input` in a set of type `gen_type`.
    pub fn at(gen_type: FileGenType, input: &GenerationInput) -> Result<Self, StatsError> {
        let days = input.unix_secs.div_euclid(SECS_PER_DAY);
        let date = CivilDate::from_days(days);
        let wall = |start_days: i64, end_days: i64| -> Result<Span, StatsError> {
            let start = start_days
                .checked_mul(SECS_PER_DAY)
                .ok_or(StatsError::TimeOutOfRange)?;
            let end = end_days
                .checked_mul(SECS_PER_DAY)
                .ok_or(StatsError::TimeOutOfRange)?;
            Ok(Span::Wall { start, end })
        };
        let (suffix, span) = match gen_type {
            FileGenType::None => (String::new(), Span::Always),
            FileGenType::Pid => (format!(".{}", input.pid), Span::Process(input.pid)),
            FileGenType::Day => (
                format!(".{:04}{:02}{:02}", date.year, date.month, date.day),
                wall(days, days + 1)?,
            ),
            FileGenType::Week => {
                let jan1 = CivilDate {
                    year: date.year,
                    month: 1,
                    day: 1,
                }
                .to_days();
                let next_jan1 = CivilDate {
                    year: date.year + 1,
                    month: 1,
                    day: 1,
                }
                .to_days();
                let week = i64::from(date.day_of_year()) / 7;
                // Week w holds the days of year 7w..=7w+6 (1-based), cut to the year.
                let first = jan1 + (7 * week).max(1) - 1;
                let end = (jan1 + 7 * week + 6).min(next_jan1);
                (format!(".{:04}W{:02}", date.year, week), wall(first, end)?)
            }
            FileGenType::Month => {
                let start = CivilDate { day: 1, ..date };
                (
                    format!(".{:04}{:02}", date.year, date.month),
                    wall(start.to_days(), start.next_month_start().to_days())?,
                )
            }
            FileGenType::Year => {
                let start = CivilDate {
                    year: date.year,
                    month: 1,
                    day: 1,
                }
                .to_days();
                let end = CivilDate {
                    year: date.year + 1,
                    month: 1,
                    day: 1,
                }
                .to_days();
                (format!(".{:04}", date.year), wall(start, end)?)
            }
            FileGenType::Age => {
                let day = SECS_PER_DAY as u64;
                let start = input.uptime_secs - input.uptime_secs % day;
                (
                    format!(".a{start:08}"),
                    Span::Uptime {
                        start,
                        end: start.saturating_add(day),
                    },
                )
            }
        };
        Ok(Self { suffix, span })
    }

    /// What is appended to the set's base name (empty for type `none`).
    pub fn suffix(&self) -> &str {
        &self.suffix
    }

    /// Whether records made at `input` still belong in this member.
    pub fn contains(&self, input: &GenerationInput) -> bool {
        match self.span {
            Span::Always => true,
            Span::Process(pid) => pid == input.pid,
            Span::Wall { start, end } => (start..end).contains(&input.unix_secs),
            Span::Uptime { start, end } => (start..end).contains(&input.uptime_secs),
        }
    }

    /// The Unix second at which the next member begins, for calendar types (a timer for
    /// the runtime; the switch itself happens on the first record at or after it).
    pub fn ends_at_unix(&self) -> Option<i64> {
        match self.span {
            Span::Wall { end, .. } => Some(end),
            _ => None,
        }
    }

    /// The uptime at which the next member begins, for type `age`.
    pub fn ends_at_uptime(&self) -> Option<u64> {
        match self.span {
            Span::Uptime { end, .. } => Some(end),
            _ => None,
        }
    }
}
