//! peerstats: one line per valid peer update.
//!
//! `MJD SECS address status(%x) offset delay dispersion jitter` (seconds, `%.9f`), as
//! ntpd's `record_peer_stats` writes it. The status is the 16-bit peer status word of
//! RFC 1305 appendix A (also in RFC 5905's control message section and ntpq's docs).

use core::fmt;

use crate::addr::StatAddr;
use crate::decimal::Decimal;
use crate::error::StatsError;
use crate::fields::Fields;
use crate::time::StatTime;

/// The peer status word: 5 status bits, 3 selection bits, 4-bit event counter, 4-bit event
/// code. ntpd prints it with `%x` (lower case, no padding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeerStatus(pub u16);

/// How the selection algorithm last classified a peer (bits 8-10 of the status word).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PeerSelection {
    /// 0: rejected (unreachable or failed sanity checks).
    Reject,
    /// 1: discarded by the intersection algorithm (falseticker).
    Falseticker,
    /// 2: discarded by the table overflow (not used).
    Excess,
    /// 3: discarded by the cluster algorithm (outlier).
    Outlier,
    /// 4: included by the combine algorithm (candidate).
    Candidate,
    /// 5: backup (more than `tos maxclock` sources).
    Backup,
    /// 6: the system peer.
    SystemPeer,
    /// 7: the PPS peer.
    PpsPeer,
}

impl PeerStatus {
    /// Configured association (bit 15).
    pub fn configured(self) -> bool {
        self.0 & 0x8000 != 0
    }
    /// Authentication enabled (bit 14).
    pub fn auth_enabled(self) -> bool {
        self.0 & 0x4000 != 0
    }
    /// Last packet authenticated (bit 13).
    pub fn authentic(self) -> bool {
        self.0 & 0x2000 != 0
    }
    /// Peer reachable (bit 12).
    pub fn reachable(self) -> bool {
        self.0 & 0x1000 != 0
    }
    /// Broadcast association (bit 11).
    pub fn broadcast(self) -> bool {
        self.0 & 0x0800 != 0
    }
    /// The selection code (bits 8-10).
    pub fn selection(self) -> PeerSelection {
        match (self.0 >> 8) & 0x7 {
            0 => PeerSelection::Reject,
            1 => PeerSelection::Falseticker,
            2 => PeerSelection::Excess,
            3 => PeerSelection::Outlier,
            4 => PeerSelection::Candidate,
            5 => PeerSelection::Backup,
            6 => PeerSelection::SystemPeer,
            _ => PeerSelection::PpsPeer,
        }
    }
    /// Number of events since the counter was last read (bits 4-7).
    pub fn event_count(self) -> u8 {
        ((self.0 >> 4) & 0xf) as u8
    }
    /// Code of the most recent event (bits 0-3).
    pub fn event_code(self) -> u8 {
        (self.0 & 0xf) as u8
    }

    fn parse(token: &str) -> Result<Self, StatsError> {
        let bad = StatsError::InvalidField { field: "status" };
        let ok_shape = !token.is_empty()
            && token.len() <= 4
            && token
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && (token == "0" || !token.starts_with('0'));
        if !ok_shape {
            return Err(bad);
        }
        u16::from_str_radix(token, 16).map(Self).map_err(|_| bad)
    }
}

impl fmt::Display for PeerStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:x}", self.0)
    }
}

/// A peerstats record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PeerStats {
    /// When the peer was updated.
    pub time: StatTime,
    /// The peer's address.
    pub address: StatAddr,
    /// Peer status word.
    pub status: PeerStatus,
    /// Offset, seconds.
    pub offset: Decimal,
    /// Round-trip delay, seconds.
    pub delay: Decimal,
    /// Dispersion, seconds.
    pub dispersion: Decimal,
    /// RMS jitter, seconds.
    pub jitter: Decimal,
}

impl PeerStats {
    /// A record from the peer's values, at ntpd's precision (`%.9f`).
    pub fn new(
        time: StatTime,
        address: StatAddr,
        status: PeerStatus,
        offset_s: f64,
        delay_s: f64,
        dispersion_s: f64,
        jitter_s: f64,
    ) -> Self {
        Self {
            time,
            address,
            status,
            offset: Decimal::from_f64(offset_s, 9),
            delay: Decimal::from_f64(delay_s, 9),
            dispersion: Decimal::from_f64(dispersion_s, 9),
            jitter: Decimal::from_f64(jitter_s, 9),
        }
    }

    /// Parses one line (with or without its `\n`).
    pub fn parse(line: &str) -> Result<Self, StatsError> {
        let mut f = Fields::new(line)?;
        let time = StatTime::parse_fields(f.next("day")?, f.next("seconds")?)?;
        let address = StatAddr::parse(f.next("address")?, "address")?;
        let status = PeerStatus::parse(f.next("status")?)?;
        let offset = Decimal::parse(f.next("offset")?, "offset")?;
        let delay = Decimal::parse(f.next("delay")?, "delay")?;
        let dispersion = Decimal::parse(f.next("dispersion")?, "dispersion")?;
        let jitter = Decimal::parse(f.next("jitter")?, "jitter")?;
        f.finish()?;
        Ok(Self {
            time,
            address,
            status,
            offset,
            delay,
            dispersion,
            jitter,
        })
    }
}

impl fmt::Display for PeerStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {} {}",
            self.time,
            self.address,
            self.status,
            self.offset,
            self.delay,
            self.dispersion,
            self.jitter
        )
    }
}
