//! ntpd-compatible statistics files for ntpkit, sans-IO.
//!
//! Operators keep years of `loopstats` and `peerstats` and feed them to scripts written for
//! ntpd; this crate writes and reads the same lines. It has the six record types of ntpd's
//! monitoring facility ([`LoopStats`], [`PeerStats`], [`RawStats`], [`SysStats`],
//! [`ClockStats`], [`CryptoStats`]), each with `parse` and `Display` that round-trip byte
//! for byte. Every record starts with a [`StatTime`]: the day as a Modified Julian Day and
//! the seconds past UTC midnight to the millisecond.
//!
//! The crate does no I/O: protocol crates build records as plain values, and the runtime
//! appends [`StatRecord::write_line`] to the file that a file generation set
//! ([`FileGenSet`], configured by `statsdir`/`statistics`/`filegen` through
//! [`StatsConfig`]) names for the injected time.
//!
//! ```
//! use ntpkit_stats::{Check, GenerationInput, LoopStats, StatRecord, StatTime, StatsConfig, StatsKind};
//!
//! // 2026-11-21 12:00:00.25 UTC
//! let time = StatTime::from_unix(1_795_262_400, 250_000_000)?;
//! let record = LoopStats::new(time, 0.000_006_019, 13.778_19, 0.000_351_733, 0.013_38, 6);
//! assert_eq!(record.to_string(), "61365 43200.250 0.000006019 13.778 0.000351733 0.013380 6");
//!
//! // Lines read back exactly as they were written.
//! let line = "50935 75440.031 0.000006019 13.778190 0.000351733 0.013380 6";
//! assert_eq!(LoopStats::parse(line)?.to_string(), line);
//!
//! let mut buf = Vec::new();
//! StatRecord::from(record).write_line(&mut buf);
//! assert!(buf.ends_with(b" 6\n"));
//!
//! // Which file it goes to: `filegen loopstats type day` names the file by UTC date.
//! let mut config = StatsConfig::new();
//! config.apply("statsdir", &["/var/log/ntpstats"])?;
//! config.apply("statistics", &["loopstats"])?;
//! let set = config.set(StatsKind::LoopStats);
//! let input = GenerationInput { unix_secs: time.unix_seconds(), uptime_secs: 0, pid: 1 };
//! let Check::Open(generation) = set.check(&input)? else { unreachable!() };
//! assert_eq!(set.path(&generation), "/var/log/ntpstats/loopstats.20261121");
//! # Ok::<(), ntpkit_stats::StatsError>(())
//! ```
#![forbid(unsafe_code)]

mod addr;
pub mod civil;
mod decimal;
mod error;
mod fields;
mod filegen;
mod record;
mod time;

pub use addr::{StatAddr, StatText};
pub use decimal::{Decimal, MAX_SCALE};
pub use error::StatsError;
pub use fields::MAX_LINE_LEN;
pub use filegen::{
    BaseName, Check, DEFAULT_STATSDIR, FileGenSet, FileGenType, Generation, GenerationInput,
    IGNORED_STATISTICS, LinkStep, StatsConfig,
};
pub use record::{
    ClockStats, CryptoStats, LoopStats, PeerSelection, PeerStats, PeerStatus, RawHeader, RawStats,
    StatRecord, StatsKind, SysCounters, SysStats,
};
pub use time::StatTime;
