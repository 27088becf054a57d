//! Leap seconds: where a leap comes from (a hash-checked leap file, or a majority of the
//! selected sources, never a single source: CVE-2016-4954), when it happens (the end of a
//! UTC day), and how the clock goes through it (a step at the right second, the kernel's own
//! insert/delete, or a smear for servers that prefer one).

mod file;
mod smear;

pub use file::{LeapEntry, LeapTable, MAX_LEAP_ENTRIES};
pub use smear::LeapSmear;

use ntpkit_wire::civil::CivilDate;
use ntpkit_wire::{LeapIndicator, NtpTimestamp, UNIX_EPOCH_OFFSET};

/// Seconds in a UTC day (NTP time has no 23:59:60, so every day has this many).
pub const DAY: u64 = 86_400;

/// Pivot for resolving the NTP era of a timestamp: 2026-01-01. Timestamps are placed in the
/// era nearest to it, so this is right for 1958..2094.
const ERA_PIVOT_UNIX: i64 = 1_767_225_600;

/// Era-extended NTP seconds (seconds since 1900-01-01) of `t`, as leap files count them.
pub fn ntp_seconds(t: NtpTimestamp) -> u64 {
    let (unix, _) = t.to_unix(ERA_PIVOT_UNIX);
    u64::try_from(unix + UNIX_EPOCH_OFFSET).unwrap_or(0)
}

/// How a pending leap second is carried out on the local clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LeapMode {
    /// Step the clock back (insert) or forward (delete) one second at the end of the day,
    /// as ntpd does without kernel support.
    #[default]
    Step,
    /// Arm the kernel (`STA_INS`/`STA_DEL`) during the leap day and let it do the work.
    Kernel,
}

/// Where a scheduled leap came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeapSource {
    /// A valid, unexpired leap-seconds file.
    File,
    /// A majority of the selected sources (at least two) announced it.
    Sources,
}

/// A leap second scheduled for a UTC midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingLeap {
    /// Era-extended NTP seconds of the midnight that ends the leap day.
    pub at: u64,
    /// Insert (true) or delete (false) a second.
    pub insert: bool,
    /// Who asked for it.
    pub source: LeapSource,
}

impl PendingLeap {
    /// The leap indicator to announce while the leap is pending on the current day.
    pub fn indicator(&self) -> LeapIndicator {
        if self.insert {
            LeapIndicator::InsertSecond
        } else {
            LeapIndicator::DeleteSecond
        }
    }
}

/// Leap-second bookkeeping of the system process.
#[derive(Debug, Clone, Default)]
pub struct LeapControl {
    table: Option<LeapTable>,
    mode: LeapMode,
    vote: Option<bool>,
    pending: Option<PendingLeap>,
    /// The last leap carried out (its `at`), so none happens twice.
    done: Option<u64>,
    kernel_armed: bool,
}

/// A leap action for the clock, from [`LeapControl::tick`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum LeapAction {
    /// Step the clock by this many seconds now (-1 insert, +1 delete).
    Step(f64),
    /// Tell the kernel to arm or disarm.
    Arm(LeapIndicator),
}

impl LeapControl {
    /// A leap controller using `mode`.
    pub fn new(mode: LeapMode) -> Self {
        Self {
            mode,
            ..Self::default()
        }
    }

    /// Installs a parsed leap file (replacing any earlier one).
    pub fn set_table(&mut self, table: LeapTable) {
        self.table = Some(table);
    }

    /// The installed leap file, if any.
    pub fn table(&self) -> Option<&LeapTable> {
        self.table.as_ref()
    }

    /// The leap currently scheduled, if any.
    pub fn pending(&self) -> Option<PendingLeap> {
        self.pending
    }

    /// Records what the selected sources announce: `announcing` of `selected` survivors set
    /// leap indicator `insert` (true) or delete (false). A leap is believed only from a
    /// majority of at least two sources (CVE-2016-4954: one source could otherwise make us
    /// jump a second).
    pub fn record_votes(&mut self, inserts: usize, deletes: usize, selected: usize) {
        let majority = |n: usize| n >= 2 && 2 * n > selected;
        self.vote = if majority(inserts) {
            Some(true)
        } else if majority(deletes) {
            Some(false)
        } else {
            None
        };
    }

    /// Re-evaluates the schedule at `now` and returns what the clock must do, if anything.
    /// Call once a second.
    pub fn tick(&mut self, now: NtpTimestamp) -> Option<LeapAction> {
        let secs = ntp_seconds(now);
        self.schedule(secs);
        let pending = self.pending?;
        let (threshold, step) = if pending.insert {
            (pending.at, -1.0)
        } else {
            (pending.at - 1, 1.0)
        };
        match self.mode {
            LeapMode::Step => {
                if secs >= threshold {
                    self.done = Some(pending.at);
                    self.pending = None;
                    return Some(LeapAction::Step(step));
                }
                None
            }
            LeapMode::Kernel => {
                if secs >= pending.at {
                    // The kernel did it at midnight; disarm and remember.
                    self.done = Some(pending.at);
                    self.pending = None;
                    self.kernel_armed = false;
                    return Some(LeapAction::Arm(LeapIndicator::NoWarning));
                }
                if secs + DAY >= pending.at && !self.kernel_armed {
                    self.kernel_armed = true;
                    return Some(LeapAction::Arm(pending.indicator()));
                }
                None
            }
        }
    }

    /// The leap indicator to announce at `now`: the pending leap during its last day.
    pub fn indicator(&self, now: NtpTimestamp) -> LeapIndicator {
        let secs = ntp_seconds(now);
        match self.pending {
            Some(p) if secs + DAY >= p.at && secs < p.at => p.indicator(),
            _ => LeapIndicator::NoWarning,
        }
    }

    fn schedule(&mut self, secs: u64) {
        let from_file = self
            .table
            .as_ref()
            .filter(|t| !t.is_expired(secs))
            .and_then(|t| t.next_leap(secs.saturating_sub(1)))
            .map(|(at, step)| PendingLeap {
                at,
                insert: step > 0,
                source: LeapSource::File,
            });
        let from_votes = self.vote.map(|insert| PendingLeap {
            // The midnight itself still belongs to the leap day.
            at: end_of_month(secs.saturating_sub(1)),
            insert,
            source: LeapSource::Sources,
        });
        // A valid file is authoritative; sources only fill in when it is absent or expired.
        let file_valid = self.table.as_ref().is_some_and(|t| !t.is_expired(secs));
        let wanted = if file_valid { from_file } else { from_votes };
        let wanted = wanted.filter(|p| Some(p.at) != self.done && p.at > secs.saturating_sub(1));
        if self.mode == LeapMode::Kernel
            && self.kernel_armed
            && wanted.map(|p| p.at) != self.pending.map(|p| p.at)
        {
            // Keep the armed leap until the kernel has done it; a change of mind within
            // the leap day is not supported by the kernel interface either.
            return;
        }
        self.pending = wanted;
    }
}

/// Era-extended NTP seconds of the midnight that ends the current month of `secs`.
pub fn end_of_month(secs: u64) -> u64 {
    let day = secs / DAY;
    let (y, m, _) = civil_from_ntp_day(day);
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    ntp_day_from_civil(ny, nm, 1) * DAY
}

/// Days from 1900-01-01 (NTP day 0) to 1970-01-01 (civil day 0).
const NTP_DAY_OF_UNIX_EPOCH: i64 = 25_567;

/// (year, month 1..=12, day 1..=31) of NTP day number `day` (day 0 = 1900-01-01).
pub fn civil_from_ntp_day(day: u64) -> (i64, u32, u32) {
    let date = CivilDate::from_days(i64::try_from(day).unwrap_or(i64::MAX) - NTP_DAY_OF_UNIX_EPOCH);
    (date.year, u32::from(date.month), u32::from(date.day))
}

/// NTP day number (day 0 = 1900-01-01) of a civil date (0 before 1900).
pub fn ntp_day_from_civil(y: i64, m: u32, d: u32) -> u64 {
    let date = CivilDate {
        year: y,
        month: u8::try_from(m).unwrap_or(u8::MAX),
        day: u8::try_from(d).unwrap_or(u8::MAX),
    };
    u64::try_from(date.to_days() + NTP_DAY_OF_UNIX_EPOCH).unwrap_or(0)
}
