//! NTP clock algorithms (RFC 5905 sections 10 and 11), sans-IO.
//!
//! - [`ClockFilter`]: the per-association eight-stage filter (section 10).
//! - [`select()`]: fitness, intersection with falseticker rejection, cluster and combine
//!   (11.2.1 to 11.2.3).
//! - [`Discipline`]: the hybrid PLL/FLL with poll-adaptive time constant and ntpd's step,
//!   stepout and panic policy (11.3, A.5.5.6).
//! - [`SystemProcess`]: ties them together, keeps the [`SystemVariables`], orphan mode and
//!   the leap-second schedule ([`leap`]).
//! - [`Clock`]: the trait a clock implements so [`ClockAdjust`] values can be applied to it.
//!
//! Nothing here reads a clock or sleeps: time is an argument, adjustments are return
//! values. Offsets, delays and dispersions are `f64` seconds, as in the RFC's reference
//! code; instants are [`ntpkit_wire::NtpTimestamp`], so no precision is lost to floating
//! point on absolute times.
//!
//! ```
//! use ntpkit_clock::{ClockFilter, ClockOptions, FilterSample, FilterVerdict};
//! use ntpkit_wire::{NtpDuration, NtpTimestamp};
//!
//! let t1 = NtpTimestamp::from_unix(1_700_000_000, 0);
//! let secs = NtpDuration::from_seconds_f64;
//! // The server is 5 ms ahead; 10 ms each way.
//! let (t2, t3, t4) = (t1 + secs(0.015), t1 + secs(0.016), t1 + secs(0.021));
//! let sample = FilterSample::from_exchange(t1, t2, t3, t4, -20, -20);
//! assert!((sample.offset - 0.005).abs() < 1e-9);
//! assert!((sample.delay - 0.020).abs() < 1e-9);
//!
//! let mut filter = ClockFilter::new(-20);
//! let FilterVerdict::Updated(stats) = filter.add(sample, t4, 6, false) else { panic!() };
//! assert_eq!(stats.offset, sample.offset);
//! # let _ = ClockOptions::default();
//! ```
#![forbid(unsafe_code)]

mod candidate;
mod clock;
pub mod constants;
mod discipline;
mod drift;
mod error;
mod filter;
pub mod leap;
mod options;
mod select;
mod system;
mod sysvars;

pub use candidate::{Candidate, ServerInfo, SourceId};
pub use clock::{Clock, ClockAdjust, ClockStatus};
pub use discipline::{Discipline, DisciplineOutcome, DisciplineState};
pub use drift::{DriftSchedule, format_drift, parse_drift};
pub use error::ClockError;
pub use filter::{ClockFilter, FilterSample, FilterVerdict, PeerStatistics};
pub use options::{ClockOptions, TinkerOptions, TosOptions};
pub use select::{NoSelection, Rejection, SelectContext, Selection, select};
pub use system::{SystemProcess, SystemUpdate, Tick};
pub use sysvars::SystemVariables;
