//! The simulator's event queue entries: earliest first, ties in the order scheduled, so a
//! run is the same run on every machine.

use core::cmp::Ordering;
use core::time::Duration;

use crate::server::PACKET_LEN;

/// What happens at an event.
#[derive(Debug, Clone, Copy)]
pub(crate) enum EventKind {
    /// The host's timer. Only the latest scheduled wake-up (`generation`) is live: every
    /// call into the host may move its timer, and the stale ones are skipped.
    Wake {
        generation: u64,
        /// The host's monotonic deadline this wake-up serves.
        deadline: Duration,
    },
    /// The peer node's timer (see `Wake`).
    PeerWake { generation: u64, deadline: Duration },
    /// A symmetric packet reaches the peer node (`to_peer`) or the client.
    Symmetric {
        to_peer: bool,
        bytes: [u8; PACKET_LEN],
    },
    /// Measure the clock against true UTC (once a true second).
    Measure,
    /// A datagram from the server behind source slot `slot` reaches the client.
    Reply {
        slot: usize,
        bytes: [u8; PACKET_LEN],
        /// The path held it (or its request) back ([`crate::REORDER_HOLD`]).
        held_back: bool,
    },
}

/// One scheduled event at true time `at`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Event {
    pub(crate) at: f64,
    pub(crate) seq: u64,
    pub(crate) kind: EventKind,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Event {}

impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Event {
    // Reversed: BinaryHeap is a max-heap and we want the earliest event first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.at.total_cmp(&self.at).then(other.seq.cmp(&self.seq))
    }
}
