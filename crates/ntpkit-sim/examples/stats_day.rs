//! A simulated day written as ntpd statistics files (loopstats, peerstats), for
//! `ntpkit-statchart` and for scripts written for ntpd: the falseticker scenario (five
//! servers on a LAN, two of them lying) through the real client associations.
//!
//! ```sh
//! cargo run -p ntpkit-sim --example stats_day --release -- /tmp/ntpkit-simday
//! cargo run -p ntpkit-statchart -- chart --statsdir /tmp/ntpkit-simday 2025-01-01 -o docs/stats-sample.svg
//! ```

use std::net::{IpAddr, Ipv4Addr};

use ntpkit_runtime::statsfiles::StatsFiles;
use ntpkit_sim::{Simulation, library};
use ntpkit_stats::{LoopStats, PeerStats, PeerStatus, StatAddr, StatRecord, StatTime, StatsConfig};
use ntpkit_wire::NtpTimestamp;

fn stat_time(t: NtpTimestamp) -> StatTime {
    StatTime::from_ntp_era(0, t.to_bits()).expect("a 2025 timestamp")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/ntpkit-simday".into());
    std::fs::create_dir_all(&dir)?;
    let mut config = StatsConfig::new();
    config.apply("statsdir", &[&format!("{dir}/")])?;
    config.apply("statistics", &["loopstats", "peerstats"])?;
    let mut files = StatsFiles::new(config);

    let mut scenario = library::falsetickers(1);
    scenario.record_stats = true;
    let report = Simulation::new(scenario)?.run();

    for r in &report.loop_records {
        let line = LoopStats::new(
            stat_time(r.clock),
            r.offset,
            r.frequency * 1e6,
            r.jitter,
            r.wander * 1e6,
            i32::from(r.poll),
        );
        files.append(&StatRecord::Loop(line), 0)?;
    }
    for r in &report.peer_records {
        // Documentation addresses (RFC 5737), one per simulated server.
        let address = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1 + r.source as u8));
        let line = PeerStats::new(
            stat_time(r.clock),
            StatAddr::from(address),
            PeerStatus(r.status),
            r.stats.offset,
            r.stats.delay,
            r.stats.dispersion,
            r.stats.jitter,
        );
        files.append(&StatRecord::Peer(line), 0)?;
    }
    println!(
        "{} loopstats and {} peerstats records in {dir} (RMS offset from true time {:.0} us)",
        report.loop_records.len(),
        report.peer_records.len(),
        report.rms_offset * 1e6
    );
    Ok(())
}
