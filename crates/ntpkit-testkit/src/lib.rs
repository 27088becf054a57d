//! Test-only helpers shared by ntpkit's interoperability tests (a dev-dependency, never
//! published): independent NTP implementations started without the power to set the clock,
//! and cleaned up when the test ends, whatever way it ends.
//!
//! ```no_run
//! use ntpkit_testkit::LocalChronyd;
//!
//! // chronyd serving its own clock at stratum 1 on a free loopback port.
//! let chronyd = LocalChronyd::start("doc", &[], "");
//! println!("chronyd on 127.0.0.1:{}", chronyd.port());
//! ```
#![forbid(unsafe_code)]

mod chronyd;
mod lan;
mod netns;
mod ntpsec;
mod tempdir;

pub use chronyd::{KillOnDrop, LocalChronyd, free_udp_port, without_sys_time};
pub use lan::{Lan, LanHost, ip};
pub use netns::{Netns, require, run_ok};
pub use ntpsec::{ntpsec_tool, start_ntpsec};
pub use tempdir::TempDir;
