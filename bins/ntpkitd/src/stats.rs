//! Statistics files (`statsdir`, `statistics`, `filegen`): what the upstream thread records
//! about its sources (peerstats, rawstats) and its clock (loopstats), in ntpd's formats
//! through ntpkit-stats, written by ntpkit-runtime's `StatsFiles` (whole lines, O_APPEND).

use std::net::SocketAddr;
use std::time::Instant;

use ntpkit_clock::PeerStatistics;
use ntpkit_config::NtpConfig;
use ntpkit_runtime::UnixTime;
use ntpkit_runtime::statsfiles::StatsFiles;
use ntpkit_stats::{
    LoopStats, PeerStats, PeerStatus, RawStats, StatAddr, StatRecord, StatTime, StatsConfig,
};
use ntpkit_wire::{NtpHeader, NtpTimestamp};

use crate::setup::Problems;

/// ntp.conf's statistics lines as ntpkit-stats' configuration (ntpd's defaults elsewhere).
pub(crate) fn stats_config(config: &NtpConfig, problems: &mut Problems) -> StatsConfig {
    let mut stats = StatsConfig::new();
    let settings = &config.stats;
    let mut directives: Vec<(&str, Vec<String>)> = Vec::new();
    if let Some(dir) = &settings.stats_dir {
        directives.push(("statsdir", vec![dir.as_str().to_owned()]));
    }
    for kind in &settings.enabled {
        directives.push(("statistics", vec![kind.keyword().to_owned()]));
    }
    for filegen in &settings.filegens {
        let mut args = vec![filegen.kind.keyword().to_owned()];
        if let Some(file) = &filegen.file {
            args.extend(["file".to_owned(), file.as_str().to_owned()]);
        }
        if let Some(t) = filegen.gen_type {
            args.extend(["type".to_owned(), t.keyword().to_owned()]);
        }
        if let Some(link) = filegen.link {
            args.push(if link { "link" } else { "nolink" }.to_owned());
        }
        if let Some(on) = filegen.enabled {
            args.push(if on { "enable" } else { "disable" }.to_owned());
        }
        directives.push(("filegen", args));
    }
    for (keyword, args) in directives {
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        if let Err(e) = stats.apply(keyword, &words) {
            problems
                .errors
                .push(format!("error: {keyword} {}: {e}", words.join(" ")));
        }
    }
    stats
}

/// The upstream thread's statistics writer.
pub(crate) struct StatsRecorder {
    files: StatsFiles,
    start: Instant,
    failed: bool,
}

fn stat_time() -> Option<StatTime> {
    let t = UnixTime::now();
    StatTime::from_unix(t.secs, t.nanos).ok()
}

impl StatsRecorder {
    /// A recorder for `config`, or `None` when no statistics are enabled.
    pub(crate) fn new(config: StatsConfig) -> Option<Self> {
        if !config.sets().any(|set| set.is_enabled()) {
            return None;
        }
        Some(Self {
            files: StatsFiles::new(config),
            start: Instant::now(),
            failed: false,
        })
    }

    fn append(&mut self, record: StatRecord) {
        match self.files.append(&record, self.start.elapsed().as_secs()) {
            Ok(_) => self.failed = false,
            // One line per failure streak, not per record (a full disk would flood the log).
            Err(e) if !self.failed => {
                self.failed = true;
                tracing::warn!("statistics not written: {e}");
            }
            Err(_) => {}
        }
    }

    /// A peerstats line: the source's filter output after an accepted sample.
    pub(crate) fn peer(&mut self, source: SocketAddr, status: u16, stats: &PeerStatistics) {
        let Some(time) = stat_time() else { return };
        self.append(StatRecord::Peer(PeerStats::new(
            time,
            StatAddr::from(source.ip()),
            PeerStatus(status),
            stats.offset,
            stats.delay,
            stats.dispersion,
            stats.jitter,
        )));
    }

    /// A loopstats line: the discipline after a clock update.
    pub(crate) fn clock(
        &mut self,
        offset: f64,
        frequency: f64,
        jitter: f64,
        wander: f64,
        poll: i8,
    ) {
        let Some(time) = stat_time() else { return };
        self.append(StatRecord::Loop(LoopStats::new(
            time,
            offset,
            frequency * 1e6,
            jitter,
            wander * 1e6,
            i32::from(poll),
        )));
    }

    /// A rawstats line: an accepted packet with its four timestamps; `t1` replaces the
    /// packet's origin field, which echoes our transmit timestamp with its random low bits.
    pub(crate) fn raw(
        &mut self,
        source: SocketAddr,
        local: SocketAddr,
        bytes: &[u8],
        t1: Option<NtpTimestamp>,
        t4: NtpTimestamp,
    ) {
        let (Some(time), Ok(mut header)) = (stat_time(), NtpHeader::parse(bytes)) else {
            return;
        };
        if let Some(t1) = t1 {
            header.origin_timestamp = t1;
        }
        let trailer = bytes.get(48..).unwrap_or(&[]);
        self.append(StatRecord::Raw(RawStats::from_packet(
            time,
            StatAddr::from(source.ip()),
            StatAddr::from(local.ip()),
            &header,
            t4,
            trailer,
        )));
    }
}
