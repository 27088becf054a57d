//! The `type` of a file generation set.

use core::fmt;
use core::str::FromStr;

use crate::error::StatsError;

/// When a file generation set moves on to a new file, and how that file is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum FileGenType {
    /// One file, no suffix.
    None,
    /// One file per daemon incarnation: `.PID`.
    Pid,
    /// One file per UTC day: `.YYYYMMDD` (ntpd's default).
    #[default]
    Day,
    /// One file per week of the year (1-based day of year divided by 7): `.YYYYWww`.
    Week,
    /// One file per UTC month: `.YYYYMM`.
    Month,
    /// One file per UTC year: `.YYYY`.
    Year,
    /// A new file every 24 hours of daemon uptime: `.a` and the uptime in seconds at the
    /// start of the period, eight digits.
    Age,
}

impl FileGenType {
    /// Every type, in the manual's order.
    pub const ALL: [FileGenType; 7] = [
        Self::None,
        Self::Pid,
        Self::Day,
        Self::Week,
        Self::Month,
        Self::Year,
        Self::Age,
    ];

    /// The keyword in `filegen ... type KEYWORD`.
    pub fn keyword(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pid => "pid",
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Year => "year",
            Self::Age => "age",
        }
    }
}

impl FromStr for FileGenType {
    type Err = StatsError;
    fn from_str(s: &str) -> Result<Self, StatsError> {
        Self::ALL
            .into_iter()
            .find(|t| t.keyword() == s)
            .ok_or_else(|| StatsError::UnknownFileGenType(s.chars().take(64).collect()))
    }
}

impl fmt::Display for FileGenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}
