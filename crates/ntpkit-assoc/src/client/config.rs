//! Per-association settings with ntpd's defaults and bounds.

use ntpkit_auth::KeyId;
use ntpkit_wire::Version;

/// Smallest poll exponent accepted for `minpoll`/`maxpoll` (8 s; ntpd's NTP_MINPOLL).
pub const MIN_POLL_LIMIT: i8 = 3;
/// Largest poll exponent accepted (36.4 h; ntpd's NTP_MAXPOLL).
pub const MAX_POLL_LIMIT: i8 = 17;
/// Default `minpoll` (64 s).
pub const DEFAULT_MINPOLL: i8 = 6;
/// Default `maxpoll` (1024 s).
pub const DEFAULT_MAXPOLL: i8 = 10;
/// Packets sent by `iburst` when the server is unreachable (ntpd's NTP_IBURST).
pub const IBURST_COUNT: u8 = 6;
/// Packets sent by `burst` at each poll while the server is reachable (ntpd's NTP_BURST).
pub const BURST_COUNT: u8 = 8;
/// Seconds between the packets of a burst (ntpd's BTIME).
pub const BURST_SPACING_SECONDS: u64 = 2;
/// RFC 5905 MAXDIST: a server whose synchronisation distance exceeds this is refused.
pub const MAX_DISTANCE: f64 = 1.5;
/// Unauthenticated DENY/RSTR kisses needed before the server is treated as unreachable
/// (CVE-2015-7704/7705: one spoofable packet must not silence a configured server).
pub const DENY_KISS_LIMIT: u8 = 3;

/// How one client association talks to its server (ntp.conf `server` options).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Version written in requests (`version`); replies of any version 1-4 are accepted.
    pub version: Version,
    /// Symmetric key (`key`): requests are signed and replies must verify with it.
    pub key: Option<KeyId>,
    /// Minimum poll exponent (`minpoll`), clamped to 3..=17.
    pub minpoll: i8,
    /// Maximum poll exponent (`maxpoll`), clamped to `minpoll..=17`.
    pub maxpoll: i8,
    /// Send a burst when the server is unreachable (`iburst`).
    pub iburst: bool,
    /// Send a burst at every poll (`burst`).
    pub burst: bool,
    /// Spacing of burst packets, seconds (ntpd: 2; a one-shot client may use less).
    pub burst_spacing: core::time::Duration,
    /// Local clock precision, log2 seconds (enters delay and dispersion).
    pub local_precision: i8,
    /// Largest acceptable synchronisation distance, seconds (RFC 5905 MAXDIST).
    pub max_distance: f64,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            version: Version::V4,
            key: None,
            minpoll: DEFAULT_MINPOLL,
            maxpoll: DEFAULT_MAXPOLL,
            iburst: false,
            burst: false,
            burst_spacing: core::time::Duration::from_secs(BURST_SPACING_SECONDS),
            local_precision: -20,
            max_distance: MAX_DISTANCE,
        }
    }
}

impl ClientConfig {
    /// The (minpoll, maxpoll) pair after clamping to ntpd's bounds, minpoll <= maxpoll.
    pub fn poll_bounds(&self) -> (i8, i8) {
        let min = self.minpoll.clamp(MIN_POLL_LIMIT, MAX_POLL_LIMIT);
        let max = self.maxpoll.clamp(min, MAX_POLL_LIMIT);
        (min, max)
    }
}
