//! Helpers shared by the test files.
#![allow(dead_code, unreachable_pub)]

use ntpkit_clock::{Candidate, FilterSample, PeerStatistics, ServerInfo, SourceId};
use ntpkit_wire::{LeapIndicator, NtpDuration, NtpTimestamp, ReferenceId};

/// A fixed start time.
pub fn t0() -> NtpTimestamp {
    NtpTimestamp::from_unix(1_700_000_000, 0)
}

/// `secs` after [`t0`].
pub fn at(secs: f64) -> NtpTimestamp {
    t0() + NtpDuration::from_seconds_f64(secs)
}

/// A filter sample taken `time` s after [`t0`].
pub fn sample(offset: f64, delay: f64, dispersion: f64, time: f64) -> FilterSample {
    FilterSample {
        offset,
        delay,
        dispersion,
        time: at(time),
        phase: 0.0,
    }
}

/// A stratum-1 candidate with the given offset and statistics.
pub fn candidate(
    id: u64,
    offset: f64,
    delay: f64,
    dispersion: f64,
    jitter: f64,
    time: f64,
) -> Candidate {
    Candidate {
        id: SourceId(id),
        stats: PeerStatistics {
            offset,
            delay,
            dispersion,
            jitter,
            time: at(time),
            phase: 0.0,
        },
        server: ServerInfo {
            leap: LeapIndicator::NoWarning,
            stratum: 1,
            root_delay: 0.0,
            root_dispersion: 0.0,
            reference_id: ReferenceId(*b"GPS\0"),
            reference_time: at(time),
        },
        source_refid: ReferenceId([10, 0, 0, id as u8]),
        reachable: true,
        noselect: false,
        prefer: false,
        // ClockOptions' default tinker bounds: the loop moves as it did before the system
        // peer's bounds applied.
        poll_bounds: (6, 10),
    }
}
