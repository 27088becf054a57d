//! File generation sets (`filegen`): which file a record goes to at a given instant, when
//! to move to the next one, and the `link` rule for the base name. Pure: time, uptime and
//! pid are inputs, and filesystem work comes out as values for the runtime to perform.

mod config;
mod generation;
mod kind;
mod link;
mod set;

pub use config::{IGNORED_STATISTICS, StatsConfig};
pub use generation::{Generation, GenerationInput};
pub use kind::FileGenType;
pub use link::{BaseName, LinkStep};
pub use set::{Check, DEFAULT_STATSDIR, FileGenSet};
