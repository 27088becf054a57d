//! Settings of the broadcast server (ntp.conf `broadcast`) and client (`broadcastclient`,
//! `multicastclient`, `broadcastdelay`).

use core::fmt;
use core::time::Duration;

use ntpkit_auth::KeyId;
use ntpkit_wire::Version;

/// ntpd's default `broadcastdelay`: the one-way delay assumed when the calibration volley
/// gets no answer (seconds).
pub const DEFAULT_BROADCAST_DELAY: f64 = 0.004;
/// How long the calibration volley may take before `broadcastdelay` is used instead.
pub const DEFAULT_CALIBRATION_TIMEOUT: Duration = Duration::from_secs(32);
/// Server poll intervals of silence after which a broadcast association is demobilised.
pub const SILENT_INTERVALS: u32 = 10;

/// A broadcast server (`broadcast ADDRESS [key K] [minpoll P] [ttl T] [version V]`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BroadcastServerConfig {
    /// Key to sign every broadcast with (clients require one unless they disabled auth).
    pub key: Option<KeyId>,
    /// Interval between broadcasts as a poll exponent (`minpoll`, ntpd's default 6).
    pub poll: i8,
    /// Version written.
    pub version: Version,
}

impl Default for BroadcastServerConfig {
    fn default() -> Self {
        Self {
            key: None,
            poll: 6,
            version: Version::V4,
        }
    }
}

/// A broadcast or multicast client.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BroadcastClientConfig {
    /// The key broadcasts (and the calibration replies) must be signed with.
    pub key: Option<KeyId>,
    /// Require `key`'s MAC (the default). `false` is `disable auth`: unsigned broadcasts
    /// are accepted, which any host on the segment can forge; warn the operator.
    pub require_auth: bool,
    /// `broadcastdelay`: one-way delay assumed when calibration fails (seconds).
    pub broadcast_delay: f64,
    /// Run the client/server calibration volley (on by default).
    pub calibrate: bool,
    /// Give up the volley after this long.
    pub calibration_timeout: Duration,
    /// Broadcast servers followed at most (CVE-2016-1549, CVE-2018-7170).
    pub max_sessions: u32,
    /// Local clock precision, log2 seconds.
    pub local_precision: i8,
    /// Largest acceptable root distance of a server (RFC 5905 MAXDIST), seconds.
    pub max_distance: f64,
    /// How long a server dropped by [`super::BroadcastClient::drop_server`] (a falseticker)
    /// is refused before it may be followed again.
    pub holddown: Duration,
}

impl Default for BroadcastClientConfig {
    fn default() -> Self {
        Self {
            key: None,
            require_auth: true,
            broadcast_delay: DEFAULT_BROADCAST_DELAY,
            calibrate: true,
            calibration_timeout: DEFAULT_CALIBRATION_TIMEOUT,
            max_sessions: 100,
            local_precision: -20,
            max_distance: crate::client::MAX_DISTANCE,
            holddown: crate::manycast::DEFAULT_HOLDDOWN,
        }
    }
}

impl BroadcastClientConfig {
    /// Checks the settings.
    ///
    /// # Errors
    /// Authentication required without a key, a negative or absurd `broadcastdelay`, or a
    /// session cap of 0.
    pub fn validate(&self) -> Result<(), BroadcastConfigError> {
        if self.require_auth && self.key.is_none() {
            return Err(BroadcastConfigError::KeyRequired);
        }
        if !(0.0..=1.0).contains(&self.broadcast_delay) {
            return Err(BroadcastConfigError::BroadcastDelay(self.broadcast_delay));
        }
        if self.max_sessions == 0 {
            return Err(BroadcastConfigError::ZeroSessions);
        }
        Ok(())
    }
}

/// A broadcast client configuration that cannot work.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum BroadcastConfigError {
    /// Authentication is required (the default) but no key is configured.
    KeyRequired,
    /// `broadcastdelay` outside 0..=1 s.
    BroadcastDelay(f64),
    /// A session cap of 0.
    ZeroSessions,
}

impl fmt::Display for BroadcastConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KeyRequired => f.write_str(
                "broadcast client needs a key (authentication is required unless disabled)",
            ),
            Self::BroadcastDelay(d) => write!(f, "broadcastdelay {d} is not within 0..=1 s"),
            Self::ZeroSessions => f.write_str("max sessions must be at least 1"),
        }
    }
}

impl std::error::Error for BroadcastConfigError {}
