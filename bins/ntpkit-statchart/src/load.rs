//! Reading loopstats and peerstats members for the days asked for.

use std::collections::BTreeMap;
use std::path::Path;

use ntpkit_stats::{LoopStats, PeerSelection, PeerStats};

/// One loopstats point: Unix milliseconds and the values (seconds, PPM, seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LoopPoint {
    pub(crate) unix_ms: i64,
    pub(crate) offset: f64,
    pub(crate) frequency: f64,
    pub(crate) jitter: f64,
}

/// One peerstats point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PeerPoint {
    pub(crate) unix_ms: i64,
    pub(crate) offset: f64,
    pub(crate) jitter: f64,
    /// Whether the selection algorithm had thrown this peer out (falseticker, outlier...).
    pub(crate) rejected: bool,
}

/// Everything read, plus what could not be.
#[derive(Debug, Default)]
pub(crate) struct Data {
    pub(crate) loops: Vec<LoopPoint>,
    pub(crate) peers: BTreeMap<String, Vec<PeerPoint>>,
    /// Lines that did not parse (file name, line number, error), for the operator.
    pub(crate) skipped: Vec<String>,
    /// Files that were not there.
    pub(crate) missing: Vec<String>,
}

impl Data {
    /// Reads `loop_file` and `peer_file` (either may be absent).
    pub(crate) fn read_files(&mut self, loop_file: &Path, peer_file: &Path) {
        if let Some(text) = self.read(loop_file) {
            for (n, line) in text.lines().enumerate() {
                match LoopStats::parse(line) {
                    Ok(r) => self.loops.push(LoopPoint {
                        unix_ms: r.time.unix_millis(),
                        offset: r.offset.to_f64(),
                        frequency: r.frequency.to_f64(),
                        jitter: r.jitter.to_f64(),
                    }),
                    Err(e) => self
                        .skipped
                        .push(format!("{}:{}: {e}", loop_file.display(), n + 1)),
                }
            }
        }
        if let Some(text) = self.read(peer_file) {
            for (n, line) in text.lines().enumerate() {
                match PeerStats::parse(line) {
                    Ok(r) => self
                        .peers
                        .entry(r.address.to_string())
                        .or_default()
                        .push(PeerPoint {
                            unix_ms: r.time.unix_millis(),
                            offset: r.offset.to_f64(),
                            jitter: r.jitter.to_f64(),
                            rejected: matches!(
                                r.status.selection(),
                                PeerSelection::Reject
                                    | PeerSelection::Falseticker
                                    | PeerSelection::Excess
                                    | PeerSelection::Outlier
                            ),
                        }),
                    Err(e) => self
                        .skipped
                        .push(format!("{}:{}: {e}", peer_file.display(), n + 1)),
                }
            }
        }
    }

    fn read(&mut self, path: &Path) -> Option<String> {
        match std::fs::read(path) {
            // Statistics files are ASCII; anything else becomes lines that fail to parse.
            Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
            Err(_) => {
                self.missing.push(path.display().to_string());
                None
            }
        }
    }

    /// Sorts by time (files may be given in any order).
    pub(crate) fn sort(&mut self) {
        self.loops.sort_by_key(|p| p.unix_ms);
        for points in self.peers.values_mut() {
            points.sort_by_key(|p| p.unix_ms);
        }
    }
}
