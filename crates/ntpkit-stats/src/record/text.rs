//! clockstats and cryptostats: an address and a free-text message.
//!
//! `MJD SECS address text`, as ntpd's `record_clock_stats` and `record_crypto_stats` write
//! them (cryptostats prints `0.0.0.0` when the message concerns no peer).

use core::fmt;

use crate::addr::{StatAddr, StatText};
use crate::error::StatsError;
use crate::fields::Fields;
use crate::time::StatTime;

/// A clockstats record: the last timecode of a reference clock.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClockStats {
    /// When the timecode was received.
    pub time: StatTime,
    /// The reference clock's (pseudo-)address, e.g. `127.127.4.1`.
    pub address: StatAddr,
    /// The timecode in decoded ASCII.
    pub text: StatText,
}

/// A cryptostats record: an authentication event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CryptoStats {
    /// When the event happened.
    pub time: StatTime,
    /// The peer's address (`0.0.0.0` for none).
    pub address: StatAddr,
    /// Message type and ancillary information.
    pub text: StatText,
}

fn parse_addr_text(line: &str) -> Result<(StatTime, StatAddr, StatText), StatsError> {
    let mut f = Fields::new(line)?;
    let time = StatTime::parse_fields(f.next("day")?, f.next("seconds")?)?;
    let address = StatAddr::parse(f.next("address")?, "address")?;
    let text =
        StatText::new(f.rest("text")?).map_err(|_| StatsError::InvalidField { field: "text" })?;
    f.finish()?;
    Ok((time, address, text))
}

impl ClockStats {
    /// Parses one line (with or without its `\n`).
    pub fn parse(line: &str) -> Result<Self, StatsError> {
        let (time, address, text) = parse_addr_text(line)?;
        Ok(Self {
            time,
            address,
            text,
        })
    }
}

impl CryptoStats {
    /// Parses one line (with or without its `\n`).
    pub fn parse(line: &str) -> Result<Self, StatsError> {
        let (time, address, text) = parse_addr_text(line)?;
        Ok(Self {
            time,
            address,
            text,
        })
    }
}

impl fmt::Display for ClockStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.time, self.address, self.text)
    }
}

impl fmt::Display for CryptoStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.time, self.address, self.text)
    }
}
