//! The typed configuration: what an ntp.conf says, as values.

pub mod association;
pub mod bounded;
pub mod interface;
pub mod monitoring;
pub mod restrict;
pub mod system;
pub mod text;

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use ntpkit_auth::{AuthPolicy, WeakAlgorithms};

use crate::{DiscardConfig, KeyId, KeyIdSet, MruConfig};
use association::{Association, LocalClock};
use interface::InterfaceRule;
use monitoring::{FileGen, StatsKind};
use restrict::Restriction;
use system::{SystemFlags, Tinker, Tos};
use text::ConfigText;

/// Symmetric-key settings: `keys`, `keysdir`, `trustedkey`, `controlkey`, `requestkey`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KeySettings {
    /// `keys path`: the key file (read by the runtime, parsed by `ntpkit-auth`).
    pub keys_file: Option<ConfigText>,
    /// `keysdir path`: directory for key files.
    pub keys_dir: Option<ConfigText>,
    /// `trustedkey ...`: keys that may authenticate (union of every `trustedkey` line).
    pub trusted: KeyIdSet,
    /// `controlkey N`: key for mode 6 (ntpq) write requests.
    pub control_key: Option<KeyId>,
    /// `requestkey N`: key ntpd used for mode 7 (ntpdc); kept for migration, has no effect.
    pub request_key: Option<KeyId>,
}

/// Statistics settings: `statsdir`, `statistics`, `filegen`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StatsSettings {
    /// `statsdir path`: prefix for statistics files.
    pub stats_dir: Option<ConfigText>,
    /// `statistics ...`: the kinds enabled (union of every `statistics` line).
    pub enabled: BTreeSet<StatsKind>,
    /// `filegen ...` lines, in file order.
    pub filegens: Vec<FileGen>,
}

/// `driftfile path [wander]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftFile {
    /// Where the frequency offset is kept.
    pub path: ConfigText,
    /// Optional wander threshold (PPM) below which the file is not rewritten.
    pub wander_threshold: Option<f64>,
}

/// A whole ntp.conf, typed. Build one with [`crate::parse_config`], with serde, or from
/// [`NtpConfig::default`] and field assignment; print it as canonical ntp.conf with `Display`.
///
/// Invariant kept by the parser (and expected from other builders): associations never name a
/// `127.127.t.u` address; the local clock driver lives in [`NtpConfig::local_clocks`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NtpConfig {
    /// `server`, `pool`, `peer`, `broadcast`, `manycastclient`, in file order.
    pub associations: Vec<Association>,
    /// `server 127.127.1.u` with its `fudge`, in file order.
    pub local_clocks: Vec<LocalClock>,
    /// `broadcastclient`: accept broadcast servers.
    pub broadcast_client: bool,
    /// `manycastserver address ...`: group addresses to answer manycast clients on.
    pub manycast_servers: Vec<IpAddr>,
    /// `multicastclient address ...`: group addresses to listen on.
    pub multicast_clients: Vec<IpAddr>,
    /// Key settings.
    pub keys: KeySettings,
    /// `restrict` lines, in file order.
    pub restrictions: Vec<Restriction>,
    /// `discard ...` (options merge across lines; unset ones keep ntpd's defaults).
    pub discard: Option<DiscardConfig>,
    /// `mru ...` (options merge across lines; unset ones keep ntpd's defaults).
    pub mru: Option<MruConfig>,
    /// `tinker ...` (options merge across lines).
    pub tinker: Tinker,
    /// `tos ...` (options merge across lines).
    pub tos: Tos,
    /// `enable`/`disable` flags.
    pub flags: SystemFlags,
    /// `interface`/`nic` rules, in file order.
    pub interfaces: Vec<InterfaceRule>,
    /// Statistics settings.
    pub stats: StatsSettings,
    /// `driftfile`.
    pub drift_file: Option<DriftFile>,
    /// `leapfile path`: the leap-seconds list.
    pub leap_file: Option<ConfigText>,
    /// `logfile path`.
    pub log_file: Option<ConfigText>,
    /// `broadcastdelay seconds`: assumed one-way delay to broadcast servers.
    pub broadcast_delay: Option<f64>,
    /// `port N` (ntpkit extension, like chrony's `port`): the UDP port the daemon serves on
    /// instead of 123.
    pub port: Option<bounded::PortNumber>,
}

impl NtpConfig {
    /// The key policy the router spellings ask for: `disable weakcrypto` refuses MD5 and SHA-1
    /// keys (otherwise they are accepted with a warning, as ntpd does), `enable keycheck` turns
    /// on the key complexity check.
    pub fn auth_policy(&self) -> AuthPolicy {
        let weak = match self.flags.weakcrypto {
            Some(false) => WeakAlgorithms::Refuse,
            _ => WeakAlgorithms::AllowWithWarning,
        };
        AuthPolicy::default()
            .with_weak_algorithms(weak)
            .with_complexity_check(self.flags.keycheck == Some(true))
    }
}
