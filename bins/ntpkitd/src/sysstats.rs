//! sysstats: once an hour (and once more at a clean stop) one line of the server's packet
//! counters since the previous line, in ntpd's order: received, processed, current and
//! older version, restricted, bad length, bad authentication, declined, rate limited, KoD.
//! The counters come from the responders (summed by the workers once a second) and the
//! shared access policy.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ntpkit_access::AccessCounters;
use ntpkit_assoc::ResponderCounters;
use ntpkit_runtime::UnixTime;
use ntpkit_runtime::statsfiles::StatsFiles;
use ntpkit_stats::{StatRecord, StatTime, StatsConfig, StatsKind, SysCounters, SysStats};

use crate::service::SharedState;

/// ntpd writes sysstats once an hour.
const INTERVAL: Duration = Duration::from_secs(3600);

/// The running sysstats writer.
pub(crate) struct SysStatsTask {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl SysStatsTask {
    /// Starts the writer when sysstats is enabled.
    pub(crate) fn start(config: StatsConfig, shared: Arc<SharedState>) -> Option<Self> {
        if !config.set(StatsKind::SysStats).is_enabled() {
            return None;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        // The first reading is taken here, not in the thread: a thread scheduled late on a
        // busy machine would otherwise start counting after the first requests were flushed.
        let first = (snapshot(&shared), Instant::now());
        let thread = std::thread::Builder::new()
            .name("sysstats".into())
            .spawn(move || run(config, &shared, &flag, first))
            .ok()?;
        Some(Self { stop, thread })
    }

    /// Writes the last line (the counters since the previous one) and stops.
    pub(crate) fn stop(self) {
        self.stop.store(true, Ordering::Release);
        self.thread.thread().unpark();
        let _ = self.thread.join();
    }
}

fn snapshot(shared: &SharedState) -> (ResponderCounters, AccessCounters) {
    let responder = *shared.totals.lock().unwrap_or_else(PoisonError::into_inner);
    let access = shared
        .policy
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .counters()
        .clone();
    (responder, access)
}

fn run(
    config: StatsConfig,
    shared: &SharedState,
    stop: &AtomicBool,
    first: ((ResponderCounters, AccessCounters), Instant),
) {
    let mut files = StatsFiles::new(config);
    let (mut last, mut since) = first;
    loop {
        let deadline = since + INTERVAL;
        while !stop.load(Ordering::Acquire) && Instant::now() < deadline {
            std::thread::park_timeout(deadline.saturating_duration_since(Instant::now()));
        }
        let now = snapshot(shared);
        let counters = difference(&now, &last, since.elapsed());
        let t = UnixTime::now();
        if let Ok(time) = StatTime::from_unix(t.secs, t.nanos) {
            let record = StatRecord::Sys(SysStats { time, counters });
            if let Err(e) = files.append(&record, shared.start.elapsed().as_secs()) {
                tracing::warn!("sysstats not written: {e}");
            }
        }
        if stop.load(Ordering::Acquire) {
            return;
        }
        last = now;
        since = Instant::now();
    }
}

/// The sysstats counters for what happened between `before` and `now`.
fn difference(
    now: &(ResponderCounters, AccessCounters),
    before: &(ResponderCounters, AccessCounters),
    elapsed: Duration,
) -> SysCounters {
    let (r, a) = now;
    let (r0, a0) = before;
    let d = |x: u64, y: u64| x.saturating_sub(y);
    SysCounters {
        since_reset: elapsed.as_secs(),
        received: d(r.replies() + r.dropped(), r0.replies() + r0.dropped()),
        processed: d(r.replies(), r0.replies()),
        current_version: d(r.current_version, r0.current_version),
        old_version: d(r.old_version, r0.old_version),
        restricted: d(a.denied, a0.denied),
        bad_length: d(r.malformed, r0.malformed),
        bad_auth: d(
            r.auth_failed_silent + r.crypto_naks,
            r0.auth_failed_silent + r0.crypto_naks,
        ),
        declined: d(
            r.not_a_request + r.bad_version + r.private,
            r0.not_a_request + r0.bad_version + r0.private,
        ),
        rate_limited: d(a.rate_exceeded, a0.rate_exceeded),
        kod_sent: Some(d(a.kod_sent, a0.kod_sent)),
    }
}
