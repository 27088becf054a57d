//! System-wide settings: `tinker`, `tos`, `enable`/`disable` flags.

use serde::{Deserialize, Serialize};

use super::bounded::StratumValue;

/// `tinker`: clock discipline constants. `None` means the daemon's default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tinker {
    /// `allan`: Allan intercept, seconds (ntpd default 1500).
    pub allan: Option<f64>,
    /// `dispersion`: dispersion increase rate, PPM (default 15).
    pub dispersion: Option<f64>,
    /// `freq`: initial frequency offset, PPM, -500..=500 (default from the drift file).
    pub freq: Option<f64>,
    /// `huffpuff`: huff-n'-puff filter span, seconds (default off).
    pub huffpuff: Option<f64>,
    /// `panic`: panic threshold, seconds (default 1000; 0 disables the check).
    pub panic: Option<f64>,
    /// `step`: step threshold, seconds (default 0.128; 0 never steps).
    pub step: Option<f64>,
    /// `stepback`: step threshold for backward steps, seconds.
    pub stepback: Option<f64>,
    /// `stepfwd`: step threshold for forward steps, seconds.
    pub stepfwd: Option<f64>,
    /// `stepout`: stepout threshold, seconds (default 900).
    pub stepout: Option<f64>,
}

impl Tinker {
    /// Whether no value is set (nothing to print).
    pub fn is_empty(&self) -> bool {
        self.fields().iter().all(|(_, v)| v.is_none())
    }

    /// The options as (keyword, value) pairs, in canonical order.
    pub(crate) fn fields(&self) -> [(&'static str, Option<f64>); 9] {
        [
            ("allan", self.allan),
            ("dispersion", self.dispersion),
            ("freq", self.freq),
            ("huffpuff", self.huffpuff),
            ("panic", self.panic),
            ("step", self.step),
            ("stepback", self.stepback),
            ("stepfwd", self.stepfwd),
            ("stepout", self.stepout),
        ]
    }

    pub(crate) fn slot(&mut self, keyword: &str) -> Option<&mut Option<f64>> {
        Some(match keyword {
            "allan" => &mut self.allan,
            "dispersion" => &mut self.dispersion,
            "freq" => &mut self.freq,
            "huffpuff" => &mut self.huffpuff,
            "panic" => &mut self.panic,
            "step" => &mut self.step,
            "stepback" => &mut self.stepback,
            "stepfwd" => &mut self.stepfwd,
            "stepout" => &mut self.stepout,
            _ => return None,
        })
    }
}

/// `tos`: selection and orphan-mode parameters. `None` means the daemon's default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tos {
    /// `beacon`: broadcast/manycast beacon interval, seconds (default 3600).
    pub beacon: Option<u32>,
    /// `ceiling`: sources above this stratum are not selected (default 15).
    pub ceiling: Option<StratumValue>,
    /// `cohort 0|1`: whether servers at our own stratum are acceptable.
    pub cohort: Option<bool>,
    /// `floor`: sources below this stratum are not selected (default 1).
    pub floor: Option<StratumValue>,
    /// `maxclock`: most associations kept (pool and manycast stop adding beyond it; default 10).
    pub maxclock: Option<u32>,
    /// `maxdist`: selection distance threshold, seconds (default 1.5).
    pub maxdist: Option<f64>,
    /// `minclock`: fewest survivors the cluster algorithm keeps (default 3).
    pub minclock: Option<u32>,
    /// `mindist`: minimum distance used by selection, seconds (default 0.001).
    pub mindist: Option<f64>,
    /// `minsane`: fewest truechimers needed to discipline the clock (default 1).
    pub minsane: Option<u32>,
    /// `orphan`: orphan-mode stratum (default off).
    pub orphan: Option<StratumValue>,
    /// `orphanwait`: seconds before entering orphan mode (default 300).
    pub orphanwait: Option<u32>,
    /// `bcpollbstep`: broadcast poll back-step gate.
    pub bcpollbstep: Option<u32>,
    /// `maxdynamic` (router extension, "max-dynamic-sessions"): cap on dynamic sessions
    /// (symmetric passive, broadcast and manycast clients) mobilised by packets.
    pub maxdynamic: Option<u32>,
}

impl Tos {
    /// Whether no value is set.
    pub fn is_empty(&self) -> bool {
        *self == Tos::default()
    }
}

/// The system flags of `enable`/`disable`. `None` means the daemon's default; the last
/// `enable`/`disable` line that names a flag wins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SystemFlags {
    /// `auth`: require authentication for new ephemeral associations (default enabled).
    pub auth: Option<bool>,
    /// `bclient`: listen for broadcast servers (same as `broadcastclient`).
    pub bclient: Option<bool>,
    /// `calibrate`: refclock calibration (accepted for compatibility; no hardware clocks).
    pub calibrate: Option<bool>,
    /// `kernel`: use the kernel discipline.
    pub kernel: Option<bool>,
    /// `monitor`: keep the MRU list of clients (needed for `limited`).
    pub monitor: Option<bool>,
    /// `ntp`: discipline the clock at all.
    pub ntp: Option<bool>,
    /// `stats`: write statistics files.
    pub stats: Option<bool>,
    /// `kod` (router extension, "kod-enable"): send Kiss-o'-Death packets (DENY, RATE) where
    /// restrict entries ask for them. Routers default to off.
    pub kod: Option<bool>,
    /// `weakcrypto` (router extension, "crypto weak-algorithm"): allow MD5 and SHA-1 keys.
    pub weakcrypto: Option<bool>,
    /// `keycheck` (router extension, "authentication-password complexity-check"): refuse
    /// keys that fail the strength check.
    pub keycheck: Option<bool>,
    /// `mode7`: only `disable mode7` is accepted; ntpkit never serves mode 7.
    pub mode7: Option<bool>,
}

/// One name accepted by `enable`/`disable`.
#[derive(Clone, Copy)]
pub(crate) struct FlagName {
    pub(crate) name: &'static str,
    pub(crate) get: fn(&SystemFlags) -> Option<bool>,
    pub(crate) set: fn(&mut SystemFlags, bool),
}

macro_rules! flag_names {
    ($($field:ident),*) => {
        &[$(FlagName {
            name: stringify!($field),
            get: |f| f.$field,
            set: |f, v| f.$field = Some(v),
        }),*]
    };
}

/// Every `enable`/`disable` flag, in canonical order.
pub(crate) const FLAG_NAMES: &[FlagName] = flag_names!(
    auth, bclient, calibrate, kernel, monitor, ntp, stats, kod, weakcrypto, keycheck, mode7
);
