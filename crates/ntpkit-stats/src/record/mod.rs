//! The six record types and the enum that carries any of them.

mod loopstats;
mod peerstats;
mod rawstats;
mod sysstats;
mod text;

use core::fmt;
use core::str::FromStr;

pub use loopstats::LoopStats;
pub use peerstats::{PeerSelection, PeerStats, PeerStatus};
pub use rawstats::{RawHeader, RawStats};
pub use sysstats::{SysCounters, SysStats};
pub use text::{ClockStats, CryptoStats};

use crate::error::StatsError;
use crate::time::StatTime;

/// Which statistics file set a record belongs to; also the `statistics` and `filegen` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum StatsKind {
    /// Clock discipline updates.
    LoopStats,
    /// Peer updates.
    PeerStats,
    /// Raw timestamps of received packets.
    RawStats,
    /// Hourly server counters.
    SysStats,
    /// Reference clock timecodes.
    ClockStats,
    /// Authentication events.
    CryptoStats,
}

impl StatsKind {
    /// Every kind, in ntpd's documentation order.
    pub const ALL: [StatsKind; 6] = [
        Self::ClockStats,
        Self::CryptoStats,
        Self::LoopStats,
        Self::PeerStats,
        Self::RawStats,
        Self::SysStats,
    ];

    /// The name used in `statistics`/`filegen` and as the default file name.
    pub fn name(self) -> &'static str {
        match self {
            Self::LoopStats => "loopstats",
            Self::PeerStats => "peerstats",
            Self::RawStats => "rawstats",
            Self::SysStats => "sysstats",
            Self::ClockStats => "clockstats",
            Self::CryptoStats => "cryptostats",
        }
    }
}

impl FromStr for StatsKind {
    type Err = StatsError;
    fn from_str(s: &str) -> Result<Self, StatsError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.name() == s)
            .ok_or_else(|| StatsError::UnknownStatistics(s.chars().take(64).collect()))
    }
}

impl fmt::Display for StatsKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Any statistics record: what a protocol crate emits and the runtime appends to the file
/// set of its [`kind`](Self::kind).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatRecord {
    /// A loopstats line.
    Loop(LoopStats),
    /// A peerstats line.
    Peer(PeerStats),
    /// A rawstats line.
    Raw(RawStats),
    /// A sysstats line.
    Sys(SysStats),
    /// A clockstats line.
    Clock(ClockStats),
    /// A cryptostats line.
    Crypto(CryptoStats),
}

impl StatRecord {
    /// The file set this record goes to.
    pub fn kind(&self) -> StatsKind {
        match self {
            Self::Loop(_) => StatsKind::LoopStats,
            Self::Peer(_) => StatsKind::PeerStats,
            Self::Raw(_) => StatsKind::RawStats,
            Self::Sys(_) => StatsKind::SysStats,
            Self::Clock(_) => StatsKind::ClockStats,
            Self::Crypto(_) => StatsKind::CryptoStats,
        }
    }

    /// When the record was made (its first two fields).
    pub fn time(&self) -> StatTime {
        match self {
            Self::Loop(r) => r.time,
            Self::Peer(r) => r.time,
            Self::Raw(r) => r.time,
            Self::Sys(r) => r.time,
            Self::Clock(r) => r.time,
            Self::Crypto(r) => r.time,
        }
    }

    /// Parses a line of the given kind.
    pub fn parse(kind: StatsKind, line: &str) -> Result<Self, StatsError> {
        Ok(match kind {
            StatsKind::LoopStats => Self::Loop(LoopStats::parse(line)?),
            StatsKind::PeerStats => Self::Peer(PeerStats::parse(line)?),
            StatsKind::RawStats => Self::Raw(RawStats::parse(line)?),
            StatsKind::SysStats => Self::Sys(SysStats::parse(line)?),
            StatsKind::ClockStats => Self::Clock(ClockStats::parse(line)?),
            StatsKind::CryptoStats => Self::Crypto(CryptoStats::parse(line)?),
        })
    }

    /// Appends the whole line, `\n` included, to `buf`: the bytes the runtime hands to one
    /// `write(2)`.
    pub fn write_line(&self, buf: &mut Vec<u8>) {
        use std::io::Write as _;
        // Writing into a Vec cannot fail.
        let _ = writeln!(buf, "{self}");
    }

    /// The whole line, `\n` included.
    pub fn to_line(&self) -> String {
        format!("{self}\n")
    }
}

impl fmt::Display for StatRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Loop(r) => r.fmt(f),
            Self::Peer(r) => r.fmt(f),
            Self::Raw(r) => r.fmt(f),
            Self::Sys(r) => r.fmt(f),
            Self::Clock(r) => r.fmt(f),
            Self::Crypto(r) => r.fmt(f),
        }
    }
}

macro_rules! from_record {
    ($($variant:ident($ty:ty)),*) => {$(
        impl From<$ty> for StatRecord {
            fn from(record: $ty) -> Self {
                Self::$variant(record)
            }
        }
    )*};
}
from_record!(
    Loop(LoopStats),
    Peer(PeerStats),
    Raw(RawStats),
    Sys(SysStats),
    Clock(ClockStats),
    Crypto(CryptoStats)
);
