//! A deterministic, seeded, in-process NTP simulator for `ntpkit-clock` (and, later, the
//! association state machines of `ntpkit-assoc`).
//!
//! True time is virtual and jumps to the next event. A [`SimClock`] models the client's
//! oscillator (initial offset, frequency error, random-walk wander) and implements
//! [`ntpkit_clock::Clock`]; [`PathModel`]s add delay, jitter, asymmetry, loss, reordering
//! and outages; [`ServerSpec`]s are good, false, dead, or announce leap seconds. The client
//! computes each sample from the four on-wire timestamps and drives the clock filter and
//! system process through their public API only.
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
pub mod library;
mod network;
mod rng;
mod scenario;
mod sim;

pub use clock::{ClockModel, SimClock};
pub use network::{Jitter, PathModel, ServerKind, ServerSpec};
pub use rng::SimRng;
pub use scenario::{Report, Scenario, ServerTally};
pub use sim::Simulation;
