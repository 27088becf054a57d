//! How a manycast client searches (ntp.conf `manycastclient`, `tos minclock/maxclock`, the
//! router's `max-dynamic-sessions`) and the checks on those settings.

use core::fmt;
use core::time::Duration;

use crate::client::ClientConfig;

/// Default largest TTL of the expanding-ring search: ntpd's TTL table has eight steps.
pub const DEFAULT_MAX_TTL: u8 = 8;
/// Default `tos minclock`: servers wanted before the search stops (ntpd's NTP_MINCLOCK).
pub const DEFAULT_MINCLOCK: usize = 3;
/// Default `tos maxclock`: servers kept at most (ntpd's NTP_MAXCLOCK).
pub const DEFAULT_MAXCLOCK: usize = 10;
/// Default cap on associations mobilised by manycast (the router's `max-dynamic-sessions`).
pub const DEFAULT_MAX_SESSIONS: u32 = 100;
/// Default time a server demobilised as a falseticker (or pruned as the worst) is not taken
/// back: one day.
pub const DEFAULT_HOLDDOWN: Duration = Duration::from_secs(86_400);

/// A manycast client's settings.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ManycastConfig {
    /// The on-wire settings of the solicitations and of every association mobilised from a
    /// reply: `key`, `version`, `minpoll` (the search step is 2^minpoll s), `maxpoll` (the
    /// pause between searches and the maintenance beacon are 2^maxpoll s), `iburst`.
    pub client: ClientConfig,
    /// Mobilise only from replies that verify with `client.key` (the default). `false` is
    /// ntp.conf's `disable auth`: any synchronised server that answers is taken.
    pub require_auth: bool,
    /// Largest TTL (IPv6 hop limit) of the expanding-ring search (`ttl`).
    pub max_ttl: u8,
    /// `tos minclock`: the search stops once this many servers are associated.
    pub minclock: usize,
    /// `tos maxclock`: above this many, the worst by selection is demobilised.
    pub maxclock: usize,
    /// Associations mobilised at most at any one time (`max-dynamic-sessions`,
    /// CVE-2016-1549, CVE-2018-7170): replies beyond it are refused.
    pub max_sessions: u32,
    /// How long a server demobilised as a falseticker or pruned stays refused: without it
    /// the next search would take the same liar back at once and every round would start
    /// over.
    pub holddown: Duration,
}

impl Default for ManycastConfig {
    fn default() -> Self {
        Self {
            client: ClientConfig::default(),
            require_auth: true,
            max_ttl: DEFAULT_MAX_TTL,
            minclock: DEFAULT_MINCLOCK,
            maxclock: DEFAULT_MAXCLOCK,
            max_sessions: DEFAULT_MAX_SESSIONS,
            holddown: DEFAULT_HOLDDOWN,
        }
    }
}

impl ManycastConfig {
    /// Checks the settings.
    ///
    /// # Errors
    /// The first setting that cannot work, see [`ManycastConfigError`].
    pub fn validate(&self) -> Result<(), ManycastConfigError> {
        if self.require_auth && self.client.key.is_none() {
            return Err(ManycastConfigError::KeyRequired);
        }
        if self.max_ttl == 0 {
            return Err(ManycastConfigError::ZeroTtl);
        }
        if self.minclock == 0 || self.minclock > self.maxclock {
            return Err(ManycastConfigError::ClockBounds {
                minclock: self.minclock,
                maxclock: self.maxclock,
            });
        }
        if self.max_sessions == 0 {
            return Err(ManycastConfigError::ZeroSessions);
        }
        Ok(())
    }

    /// Time between two steps of the ring search: one poll at `minpoll`.
    pub fn search_step(&self) -> Duration {
        Duration::from_secs(1 << self.client.poll_bounds().0)
    }

    /// Pause after a search that reached `max_ttl`, and the interval of the one solicitation
    /// per time-out that maintains the set once enough servers are found: one poll at
    /// `maxpoll`.
    pub fn beacon(&self) -> Duration {
        Duration::from_secs(1 << self.client.poll_bounds().1)
    }
}

/// A manycast client configuration that cannot work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManycastConfigError {
    /// Authentication is required (the default) but no key is configured: give `key`, or
    /// disable authentication explicitly.
    KeyRequired,
    /// A TTL of 0 never leaves the host.
    ZeroTtl,
    /// `minclock` must be at least 1 and at most `maxclock`.
    ClockBounds {
        /// The configured minclock.
        minclock: usize,
        /// The configured maxclock.
        maxclock: usize,
    },
    /// A session cap of 0 would never mobilise anything.
    ZeroSessions,
    /// More groups than [`super::MAX_RINGS`] for one client.
    TooManyRings,
}

impl fmt::Display for ManycastConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KeyRequired => f.write_str(
                "manycast client needs a key (authentication is required unless disabled)",
            ),
            Self::ZeroTtl => f.write_str("manycast ttl must be at least 1"),
            Self::ClockBounds { minclock, maxclock } => write!(
                f,
                "minclock {minclock} must be between 1 and maxclock {maxclock}"
            ),
            Self::ZeroSessions => f.write_str("max sessions must be at least 1"),
            Self::TooManyRings => {
                write!(f, "at most {} manycast groups per client", super::MAX_RINGS)
            }
        }
    }
}

impl std::error::Error for ManycastConfigError {}
