//! Per-worker traffic counters, read by the daemon for its statistics and shutdown line.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of one worker. Written by that worker only (relaxed), read by anyone.
#[derive(Debug, Default)]
#[repr(align(64))] // one cache line per worker: no false sharing between workers
pub struct WorkerCounters {
    received: AtomicU64,
    replied: AtomicU64,
    unanswered: AtomicU64,
    send_failed: AtomicU64,
    malformed: AtomicU64,
}

/// A snapshot of counters, summed over workers.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CounterSnapshot {
    /// Datagrams received.
    pub received: u64,
    /// Reply datagrams handed to the kernel (each datagram of a fragmented answer counts).
    pub replied: u64,
    /// Datagrams the service chose not to answer.
    pub unanswered: u64,
    /// Replies the kernel refused (full send buffer, unreachable destination).
    pub send_failed: u64,
    /// Datagrams dropped before the service saw them (truncated, non-IP source).
    pub malformed: u64,
}

impl WorkerCounters {
    pub(crate) fn add(&self, field: Field, n: u64) {
        let c = match field {
            Field::Received => &self.received,
            Field::Replied => &self.replied,
            Field::Unanswered => &self.unanswered,
            Field::SendFailed => &self.send_failed,
            Field::Malformed => &self.malformed,
        };
        if n != 0 {
            c.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Reads this worker's counters.
    pub fn snapshot(&self) -> CounterSnapshot {
        CounterSnapshot {
            received: self.received.load(Ordering::Relaxed),
            replied: self.replied.load(Ordering::Relaxed),
            unanswered: self.unanswered.load(Ordering::Relaxed),
            send_failed: self.send_failed.load(Ordering::Relaxed),
            malformed: self.malformed.load(Ordering::Relaxed),
        }
    }
}

impl std::ops::Add for CounterSnapshot {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self {
            received: self.received + o.received,
            replied: self.replied + o.replied,
            unanswered: self.unanswered + o.unanswered,
            send_failed: self.send_failed + o.send_failed,
            malformed: self.malformed + o.malformed,
        }
    }
}

#[derive(Clone, Copy)]
pub(crate) enum Field {
    Received,
    Replied,
    Unanswered,
    SendFailed,
    Malformed,
}
