//! Shared pieces of the cross-crate benchmarks: an open-loop UDP load generator with latency
//! measurement, and per-process CPU accounting from `/proc`.
//!
//! The binaries (`server-bench`, `udp-echo`, `responder-loop`, `mru-flood`) are described in
//! this crate's README, with the commands that produced the published figures.

pub mod cpu;
pub mod load;
