//! What `ntpq` reads about the client side: the associations and the discipline, published
//! by the upstream thread once a second for the workers' mode 6 answers.

use ntpkit_assoc::control::{PeerInfo, SystemInfo};

/// The upstream thread's latest view for `ntpq` (`rv`, `as`, `-p`, `rv &N`).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Monitor {
    pub(crate) peers: Vec<PeerInfo>,
    /// Association id of the system peer (0: none).
    pub(crate) system_peer: u16,
    pub(crate) offset_ms: f64,
    pub(crate) frequency_ppm: f64,
    pub(crate) sys_jitter_ms: f64,
    pub(crate) clk_jitter_ms: f64,
    pub(crate) clk_wander_ppm: f64,
    pub(crate) tc: i8,
}

impl Monitor {
    /// Fills the discipline and association fields of `info`.
    pub(crate) fn describe<'a>(&'a self, info: &mut SystemInfo<'a>) {
        if self.peers.is_empty() {
            return;
        }
        info.peers = &self.peers;
        info.peer = self.system_peer;
        info.offset_ms = self.offset_ms;
        info.frequency_ppm = self.frequency_ppm;
        info.sys_jitter_ms = self.sys_jitter_ms;
        info.clk_jitter_ms = self.clk_jitter_ms;
        info.clk_wander_ppm = self.clk_wander_ppm;
        info.tc = self.tc;
    }
}
