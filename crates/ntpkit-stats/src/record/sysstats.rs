//! sysstats: one line per hour of the server's packet counters, which are then reset.
//!
//! `MJD SECS` then the counters in the order of ntpd's `record_sys_stats`: seconds since the
//! counters were reset, packets received, packets processed (for this host), current
//! version, older version, access denied (restricted), bad length or format, bad
//! authentication, declined, rate exceeded and (ntpd 4.2.8) KoD responses sent. The seed
//! manual's example has the first ten; the eleventh is optional on parse.

use core::fmt;

use crate::error::StatsError;
use crate::fields::{Fields, parse_c_uint};
use crate::time::StatTime;

/// The counters of one sysstats line; what the access policy and responder count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SysCounters {
    /// Seconds since the counters were last reset.
    pub since_reset: u64,
    /// Packets received.
    pub received: u64,
    /// Packets processed (addressed to this host).
    pub processed: u64,
    /// Packets of the current NTP version.
    pub current_version: u64,
    /// Packets of an older NTP version.
    pub old_version: u64,
    /// Packets denied by the access list.
    pub restricted: u64,
    /// Packets with a bad length or format.
    pub bad_length: u64,
    /// Packets that failed authentication.
    pub bad_auth: u64,
    /// Packets declined (e.g. no association, wrong mode).
    pub declined: u64,
    /// Packets discarded by the rate limiter.
    pub rate_limited: u64,
    /// Kiss-o'-Death responses sent; `None` on lines from writers without this field.
    pub kod_sent: Option<u64>,
}

/// A sysstats record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SysStats {
    /// When the counters were written.
    pub time: StatTime,
    /// The counters.
    pub counters: SysCounters,
}

impl SysStats {
    /// Parses one line (with or without its `\n`).
    pub fn parse(line: &str) -> Result<Self, StatsError> {
        let mut f = Fields::new(line)?;
        let time = StatTime::parse_fields(f.next("day")?, f.next("seconds")?)?;
        let mut counter = |field: &'static str| -> Result<u64, StatsError> {
            parse_c_uint(f.next(field)?).ok_or(StatsError::InvalidField { field })
        };
        let mut counters = SysCounters {
            since_reset: counter("time since reset")?,
            received: counter("packets received")?,
            processed: counter("packets processed")?,
            current_version: counter("current version")?,
            old_version: counter("old version")?,
            restricted: counter("access denied")?,
            bad_length: counter("bad length or format")?,
            bad_auth: counter("bad authentication")?,
            declined: counter("declined")?,
            rate_limited: counter("rate exceeded")?,
            kod_sent: None,
        };
        if let Some(kod) = f.next_opt("KoD sent")? {
            counters.kod_sent =
                Some(parse_c_uint(kod).ok_or(StatsError::InvalidField { field: "KoD sent" })?);
        }
        f.finish()?;
        Ok(Self { time, counters })
    }
}

impl fmt::Display for SysStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counters;
        write!(
            f,
            "{} {} {} {} {} {} {} {} {} {} {}",
            self.time,
            c.since_reset,
            c.received,
            c.processed,
            c.current_version,
            c.old_version,
            c.restricted,
            c.bad_length,
            c.bad_auth,
            c.declined,
            c.rate_limited
        )?;
        match c.kod_sent {
            Some(kod) => write!(f, " {kod}"),
            None => Ok(()),
        }
    }
}
