//! The packets we sent, as the peer must echo them (RFC 5905 section 8's `xmt`, kept for
//! the last few polls so that a reply to a packet sent before our latest still counts).

use ntpkit_wire::NtpTimestamp;

use super::config::TRANSMIT_HISTORY;

/// One of our transmissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Sent {
    /// Position in our sending order (0 for the first packet).
    pub(super) seq: u64,
    /// The transmit timestamp as written on the wire (random bits below our precision).
    pub(super) wire: NtpTimestamp,
    /// The clock reading it stands for: T1 of the exchange it starts.
    pub(super) t1: NtpTimestamp,
}

/// A fixed ring of our latest transmissions; no allocation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct TransmitLog {
    entries: [Option<Sent>; TRANSMIT_HISTORY],
    next_seq: u64,
}

impl TransmitLog {
    /// Remembers a packet that left with `wire` as its transmit timestamp.
    pub(super) fn record(&mut self, wire: NtpTimestamp, t1: NtpTimestamp) {
        let seq = self.next_seq;
        let slot = (seq % TRANSMIT_HISTORY as u64) as usize;
        if let Some(entry) = self.entries.get_mut(slot) {
            *entry = Some(Sent { seq, wire, t1 });
        }
        self.next_seq = seq + 1;
    }

    /// The newest of our packets whose transmit timestamp was `origin`. Zero matches
    /// nothing (CVE-2016-7431), even if we had sent zero.
    pub(super) fn find(&self, origin: NtpTimestamp) -> Option<Sent> {
        if origin.is_zero() {
            return None;
        }
        self.entries
            .iter()
            .flatten()
            .filter(|sent| sent.wire == origin)
            .max_by_key(|sent| sent.seq)
            .copied()
    }
}
