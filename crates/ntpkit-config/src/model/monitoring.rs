//! Monitoring: `statistics`, `statsdir`, `filegen` (ntp.conf(5), "Monitoring Support").

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::ConfigText;

/// A statistics file kind, as named by `statistics` and `filegen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum StatsKind {
    /// `clockstats`: reference clock records.
    Clockstats,
    /// `cryptostats`: authentication records.
    Cryptostats,
    /// `loopstats`: clock discipline records.
    Loopstats,
    /// `peerstats`: one record per valid peer update.
    Peerstats,
    /// `rawstats`: the four timestamps of every valid packet.
    Rawstats,
    /// `sysstats`: system counters.
    Sysstats,
    /// `protostats`: protocol events.
    Protostats,
    /// `timingstats`: processing-time records.
    Timingstats,
}

impl StatsKind {
    /// Every kind with its keyword.
    pub const ALL: [(StatsKind, &'static str); 8] = [
        (StatsKind::Clockstats, "clockstats"),
        (StatsKind::Cryptostats, "cryptostats"),
        (StatsKind::Loopstats, "loopstats"),
        (StatsKind::Peerstats, "peerstats"),
        (StatsKind::Rawstats, "rawstats"),
        (StatsKind::Sysstats, "sysstats"),
        (StatsKind::Protostats, "protostats"),
        (StatsKind::Timingstats, "timingstats"),
    ];

    /// The keyword.
    pub fn keyword(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("", |(_, name)| name)
    }

    /// The kind named `word`.
    pub fn from_keyword(word: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, n)| *n == word).map(|(k, _)| *k)
    }
}

impl fmt::Display for StatsKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// How a file generation set starts new files (`filegen ... type T`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum FileGenType {
    /// `none`: one file, never switched.
    None,
    /// `pid`: one file per daemon process.
    Pid,
    /// `day`: one file per UTC day (`.YYYYMMdd`).
    Day,
    /// `week`: one file per week (`.YYYYWww`).
    Week,
    /// `month`: one file per month (`.YYYYMM`).
    Month,
    /// `year`: one file per year (`.YYYY`).
    Year,
    /// `age`: a new file every 24 hours of daemon run time (`.a########`).
    Age,
}

impl FileGenType {
    /// Every type with its keyword.
    pub const ALL: [(FileGenType, &'static str); 7] = [
        (FileGenType::None, "none"),
        (FileGenType::Pid, "pid"),
        (FileGenType::Day, "day"),
        (FileGenType::Week, "week"),
        (FileGenType::Month, "month"),
        (FileGenType::Year, "year"),
        (FileGenType::Age, "age"),
    ];

    /// The keyword.
    pub fn keyword(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("", |(_, name)| name)
    }
}

/// One `filegen` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FileGen {
    /// Which statistics the set records.
    pub kind: StatsKind,
    /// `file name`: the file name after the `statsdir` prefix.
    pub file: Option<ConfigText>,
    /// `type T`.
    pub gen_type: Option<FileGenType>,
    /// `link` (true) or `nolink` (false).
    pub link: Option<bool>,
    /// `enable` (true) or `disable` (false).
    pub enabled: Option<bool>,
}

impl FileGen {
    /// A `filegen` line with no options.
    pub fn new(kind: StatsKind) -> Self {
        FileGen {
            kind,
            file: None,
            gen_type: None,
            link: None,
            enabled: None,
        }
    }
}
