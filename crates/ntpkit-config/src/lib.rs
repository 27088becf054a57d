//! ntp.conf for ntpkit: the whole ntpd configuration language (ntp.conf(5) of ntpd 4.2.7,
//! plus the everyday commands its other pages describe) parsed into a typed, serde-serialisable
//! [`NtpConfig`] that prints back as canonical ntp.conf.
//!
//! The crate is sans-IO: it reads `&str`, and `includefile` is followed through a caller-supplied
//! [`IncludeLoader`]. Input is bounded ([`ParseOptions`]: line length, line count, total size,
//! include depth, with cycle detection) and no input makes it panic.
//!
//! ```
//! use ntpkit_config::{parse_config, ParseOptions, AssociationMode};
//!
//! let text = "\
//! driftfile /var/lib/ntp/ntp.drift
//! pool 0.debian.pool.ntp.org iburst
//! restrict default kod nomodify notrap nopeer noquery limited
//! server 127.127.1.0
//! fudge 127.127.1.0 stratum 10
//! ";
//! let parsed = parse_config("ntp.conf", text, &ParseOptions::default()).unwrap();
//! let config = &parsed.config;
//! assert_eq!(config.associations[0].mode, AssociationMode::Pool);
//! assert!(config.associations[0].iburst);
//! assert_eq!(config.local_clocks[0].stratum.map(|s| s.get()), Some(10));
//!
//! // Errors name the file, line and column and say what was expected.
//! let err = parse_config("ntp.conf", "server a.example minpoll 2\n", &ParseOptions::default())
//!     .unwrap_err();
//! let first = err.first().unwrap();
//! assert_eq!((first.line, first.column), (1, 26));
//! assert_eq!(first.expected.as_deref(), Some("minpoll: an integer from 3 to 17"));
//!
//! // The canonical text parses back to the same configuration.
//! let again = parse_config("again", &config.to_string(), &ParseOptions::default()).unwrap();
//! assert_eq!(&again.config, config);
//! ```
//!
//! # The language
//!
//! | command | arguments and options |
//! |---|---|
//! | `server`, `pool`, `peer`, `broadcast`, `manycastclient` | `[-4\|-6] address` then `key N` (1..=65534), `burst`, `iburst`, `version N` (1..=4), `prefer`, `minpoll N`/`maxpoll N` (3..=17), `ttl N` (0..=255), `noselect`, `port P` |
//! | `server 127.127.1.u`, `fudge 127.127.1.u` | the local clock driver, units 0..=3; `fudge` takes `stratum N` (0..=15) and `refid XXXX` |
//! | `broadcastclient`, `manycastserver addr...`, `multicastclient [addr...]` | multicast group addresses (`multicastclient` defaults to 224.0.1.1) |
//! | `keys`, `keysdir`, `trustedkey`, `controlkey`, `requestkey` | `trustedkey 1 2 10-20` or `(10 ... 20)` (printed in the second form, which ntpd and NTPsec read) |
//! | `restrict [-4\|-6] default\|source\|address [mask m] flags...` | flags are `ntpkit-access`'s [`RestrictFlag`]; `address/len` also accepted; `none` means no flag |
//! | `discard average A minimum M monitor P` | [`DiscardConfig`], plus `leak N` |
//! | `mru maxdepth\|maxmem\|mindepth\|maxage\|initalloc\|initmem\|incalloc\|incmem N` | [`MruConfig`] |
//! | `statistics`, `statsdir`, `filegen name [file f] [type t] [link\|nolink] [enable\|disable]` | |
//! | `tinker allan\|dispersion\|freq\|huffpuff\|panic\|step\|stepback\|stepfwd\|stepout X` | |
//! | `tos beacon\|ceiling\|cohort\|floor\|maxclock\|maxdist\|minclock\|mindist\|minsane\|orphan\|orphanwait\|bcpollbstep\|maxdynamic X` | |
//! | `enable`/`disable auth bclient calibrate kernel monitor ntp stats kod weakcrypto keycheck` | `disable mode7` only |
//! | `interface`/`nic listen\|ignore\|drop all\|ipv4\|ipv6\|wildcard\|name\|address[/len]` | |
//! | `driftfile path [wander]`, `leapfile`, `logfile`, `broadcastdelay seconds`, `includefile` | |
//!
//! Which association options apply to which command follows the manual: `burst`/`iburst` only
//! on `server` and `pool`, `key` not on `pool`, `ttl` only on `broadcast` and
//! `manycastclient`, `maxpoll` not on `broadcast`, `port` on `server`, `pool`, `peer` and
//! `manycastclient`. A misapplied option is an error (the manual warns ntpd may not catch it).
//!
//! ## Router spellings (extensions beside the ntpd commands)
//!
//! Router NTP features (Huawei VRP manuals) get ntp.conf spellings:
//!
//! | router command | ntp.conf spelling here |
//! |---|---|
//! | `ntp kod-enable` / `undo ntp kod-enable` | `enable kod` / `disable kod` (global KoD switch; `restrict ... kod` still selects where) |
//! | `ntp-service max-dynamic-sessions N` | `tos maxdynamic N` |
//! | `ntp-service manycast-client ... port P` | `port P` on `server`, `pool`, `peer`, `manycastclient` |
//! | `authentication-mode hmac-sha256 \| aes-128-cmac \| aes-256-cmac` | key types `HMAC-SHA256`, `AES128CMAC`, `AES256CMAC` in the key file (parsed by `ntpkit-auth`) |
//! | `undo crypto weak-algorithm disable` | `enable weakcrypto` (allow MD5 and SHA-1 keys); `disable weakcrypto` refuses them |
//! | `ntp-service authentication-password complexity-check enable` | `enable keycheck` |
//!
//! ## Refused by design
//!
//! Each refusal is an error with one sentence saying why ([`DiagnosticKind::Refused`]):
//! Autokey (`autokey`, `crypto`, `revoke`, the `autokey` option) — unpatchable protocol flaws,
//! use symmetric keys; `enable mode7` — ntpkit serves no mode 7; reference clocks other than
//! the local clock driver (`127.127.t.u` with `t != 1`) and `fudge` options for hardware
//! clocks. Unknown commands are errors, or warnings with [`ParseOptions::lenient`].
//! Host names are kept as written with their `-4`/`-6` qualifier; nothing is resolved here.

#![forbid(unsafe_code)]

mod diagnostic;
mod display;
mod lexer;
pub mod model;
mod options;
mod parser;

pub use diagnostic::{ConfigError, Diagnostic, DiagnosticKind, Severity};
pub use model::association::{Association, AssociationMode, LocalClock};
pub use model::bounded::{LocalClockUnit, PollExponent, PortNumber, StratumValue, VersionNumber};
pub use model::interface::{InterfaceAction, InterfaceMatch, InterfaceRule};
pub use model::monitoring::{FileGen, FileGenType, StatsKind};
pub use model::restrict::Restriction;
pub use model::system::{SystemFlags, Tinker, Tos};
pub use model::text::{AddressFamily, ConfigText, Host, HostAddress, HostName, RefIdText};
pub use model::{DriftFile, KeySettings, NtpConfig, StatsSettings};
pub use options::{IncludeLoader, Included, ParseOptions, Parsed};

pub use ntpkit_access::{
    DiscardConfig, MruConfig, RestrictEntry, RestrictFlag, RestrictFlags, RestrictNetwork,
};
pub use ntpkit_auth::{AuthPolicy, KeyId, KeyIdSet, MacAlgorithm, WeakAlgorithms};

/// Parses one ntp.conf text. `includefile` lines are errors here (there is no loader); use
/// [`parse_config_with_includes`] to follow them.
pub fn parse_config(
    file_name: &str,
    text: &str,
    options: &ParseOptions,
) -> Result<Parsed, ConfigError> {
    let mut parser = parser::Parser::new(options, None);
    parser.parse_file(file_name, text, 0);
    parser.finish()
}

/// Parses one ntp.conf text, following `includefile` through `loader` (bounded by
/// [`ParseOptions::max_include_depth`]; a file that includes itself, directly or not, is an
/// error).
pub fn parse_config_with_includes(
    file_name: &str,
    text: &str,
    options: &ParseOptions,
    loader: &mut dyn IncludeLoader,
) -> Result<Parsed, ConfigError> {
    let mut parser = parser::Parser::new(options, Some(loader));
    parser.parse_file(file_name, text, 0);
    parser.finish()
}
