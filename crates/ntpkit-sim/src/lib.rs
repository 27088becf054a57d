//! A deterministic, seeded, in-process NTP simulator for the client side of ntpkit: the
//! real `ntpkit-assoc` host (client associations, clock filters, selection, discipline)
//! exchanging real NTP packets with simulated servers.
//!
//! True time is virtual and jumps to the next event. A [`SimClock`] models the client's
//! oscillator (initial offset, frequency error, random-walk wander) and implements
//! [`ntpkit_clock::Clock`]; [`PathModel`]s add delay, jitter, asymmetry, loss, reordering
//! and outages; [`ServerSpec`]s are good, false, dead, rate limiting, or announce leap
//! seconds, and answer the bytes the host's associations send with mode 4 packets; a
//! [`PoolSpec`] replaces the pool members the host demobilises. Everything goes through
//! the public APIs of `ntpkit-assoc`, `ntpkit-clock` and `ntpkit-wire` only.
//!
//! ```
//! use ntpkit_sim::{PathModel, Scenario, ServerSpec, Simulation};
//!
//! let mut scenario = Scenario::new(1, vec![ServerSpec::good(PathModel::lan()); 3]);
//! scenario.duration = 3600.0;
//! scenario.clock.frequency_error = 10e-6;
//! let report = Simulation::new(scenario).unwrap().run();
//! assert!(report.final_offset < 0.01);
//! ```
#![forbid(unsafe_code)]

mod clock;
mod event;
pub mod library;
mod network;
mod peer;
mod rng;
mod scenario;
mod server;
mod sim;

pub use clock::{ClockModel, SimClock};
pub use network::{Jitter, PathModel, REORDER_HOLD, ServerKind, ServerSpec};
pub use peer::{PeerReport, PeerSpec};
pub use rng::SimRng;
pub use scenario::{LoopRecord, PeerRecord, PoolSpec, PoolTally, Report, Scenario, ServerTally};
pub use sim::Simulation;
