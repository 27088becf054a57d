//! Settings of one symmetric association: ntp.conf's `peer` options with ntpd's defaults.

use ntpkit_auth::KeyId;
use ntpkit_wire::Version;

use crate::client::{ClientConfig, DEFAULT_MAXPOLL, DEFAULT_MINPOLL, MAX_DISTANCE};

/// Our transmit timestamps remembered for the origin test: a peer's packet must echo one
/// of them. Eight is the reach register's width: a reply to a packet older than the last
/// eight polls cannot make the peer reachable anyway.
pub const TRANSMIT_HISTORY: usize = 8;

/// Polls without an accepted packet after which the association forgets the peer's last
/// timestamps and starts over with a zero origin, as a peer that restarted needs
/// (the reach register is empty by then).
pub const RESTART_AFTER_POLLS: u32 = TRANSMIT_HISTORY as u32;

/// Polls without an accepted packet after which an ephemeral (symmetric passive)
/// association is demobilised (ntpd's NTP_UNREACH).
pub const PASSIVE_UNREACH_POLLS: u32 = 10;

/// How one symmetric association talks to its peer (ntp.conf `peer` options: `key`,
/// `version`, `minpoll`, `maxpoll`; `burst` and `iburst` are server-only in ntpd).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SymmetricConfig {
    /// Version written in our packets (`version`, 3 or 4); packets of any version 1-4 are
    /// accepted.
    pub version: Version,
    /// Symmetric key (`key`): our packets are signed with it and the peer's packets must
    /// verify with exactly this key. A passive association takes the key that
    /// authenticated the packet that mobilised it.
    pub key: Option<KeyId>,
    /// Minimum poll exponent (`minpoll`), clamped to 3..=17.
    pub minpoll: i8,
    /// Maximum poll exponent (`maxpoll`), clamped to `minpoll..=17`.
    pub maxpoll: i8,
    /// Local clock precision, log2 seconds: enters delay and dispersion, and bounds the
    /// random noise in our transmit timestamps (which the peer uses as its T3).
    pub local_precision: i8,
    /// Largest acceptable synchronisation distance, seconds (RFC 5905 MAXDIST).
    pub max_distance: f64,
}

impl Default for SymmetricConfig {
    fn default() -> Self {
        Self {
            version: Version::V4,
            key: None,
            minpoll: DEFAULT_MINPOLL,
            maxpoll: DEFAULT_MAXPOLL,
            local_precision: -20,
            max_distance: MAX_DISTANCE,
        }
    }
}

impl SymmetricConfig {
    /// Settings for a keyed association (`peer ADDRESS key N`).
    pub fn with_key(key: KeyId) -> Self {
        Self {
            key: Some(key),
            ..Self::default()
        }
    }

    /// The (minpoll, maxpoll) pair after clamping to ntpd's bounds, minpoll <= maxpoll.
    pub fn poll_bounds(&self) -> (i8, i8) {
        self.poll_process().poll_bounds()
    }

    /// The same poll bounds in the form the shared poll process reads (no bursts: ntpd
    /// takes `burst`/`iburst` on `server` lines only).
    pub(super) fn poll_process(&self) -> ClientConfig {
        ClientConfig {
            version: self.version,
            key: self.key,
            minpoll: self.minpoll,
            maxpoll: self.maxpoll,
            iburst: false,
            burst: false,
            local_precision: self.local_precision,
            max_distance: self.max_distance,
            ..ClientConfig::default()
        }
    }
}
