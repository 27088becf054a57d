//! Symmetric active packets (mode 1) and broadcasts (mode 5, for `broadcastclient`) that
//! reach a worker are handed over. Mode 1 packets come from peers we have no
//! association with: the workers hand them, with the access decision, to the upstream
//! thread, which alone may mobilise a symmetric passive association (RFC 5905 section 9,
//! under ntpkit-assoc's PassivePolicy). The queue is bounded; a flood is dropped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use mio::Waker;
use ntpkit_access::Decision;
use ntpkit_wire::NtpTimestamp;

/// Packets waiting for the upstream thread at most; more are dropped.
const QUEUE: usize = 64;

/// Longest packet forwarded (header, extension fields, MAC); longer ones are dropped.
const MAX_FORWARDED_LEN: usize = 1024;

/// One symmetric active packet for the upstream thread.
#[derive(Debug)]
pub(crate) struct Forwarded {
    pub(crate) bytes: Vec<u8>,
    pub(crate) source: SocketAddr,
    /// The server address it arrived on (where a passive association answers from).
    pub(crate) local: SocketAddr,
    pub(crate) t4: NtpTimestamp,
    /// The access policy's decision for it (`PacketKind::Symmetric`).
    pub(crate) decision: Decision,
}

/// The workers' end.
#[derive(Debug, Clone)]
pub(crate) struct Forwarder {
    tx: SyncSender<Forwarded>,
    waker: Arc<Waker>,
}

impl Forwarder {
    /// A forwarder waking the upstream thread's `waker`, and the receiving end.
    pub(crate) fn new(waker: Arc<Waker>) -> (Self, Receiver<Forwarded>) {
        let (tx, rx) = sync_channel(QUEUE);
        (Self { tx, waker }, rx)
    }

    /// Queues `packet`; false when it was dropped (queue full, too long, thread gone).
    pub(crate) fn forward(
        &self,
        bytes: &[u8],
        source: SocketAddr,
        local: SocketAddr,
        t4: NtpTimestamp,
        decision: Decision,
    ) -> bool {
        if bytes.len() > MAX_FORWARDED_LEN {
            return false;
        }
        let packet = Forwarded {
            bytes: bytes.to_vec(),
            source,
            local,
            t4,
            decision,
        };
        match self.tx.try_send(packet) {
            Ok(()) => {
                let _ = self.waker.wake();
                true
            }
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
        }
    }
}
