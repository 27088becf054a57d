//! One worker thread: a mio event loop over its sockets, moving datagrams in batches.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

use crate::batch::{BATCH_LEN, Batch};
use crate::counters::{Field, WorkerCounters};
use crate::service::Service;

/// The token of the waker that tells a worker to stop; sockets use tokens `0..n`.
pub(crate) const WAKE_TOKEN: usize = usize::MAX;

pub(crate) struct Worker<S> {
    poll: Poll,
    sockets: Vec<UdpSocket>,
    addrs: Vec<SocketAddr>,
    service: S,
}

impl<S: Service> Worker<S> {
    pub(crate) fn new(
        poll: Poll,
        sockets: Vec<UdpSocket>,
        addrs: Vec<SocketAddr>,
        service: S,
    ) -> io::Result<Self> {
        for (i, socket) in sockets.iter().enumerate() {
            poll.registry().register(
                &mut SourceFd(&socket.as_raw_fd()),
                Token(i),
                Interest::READABLE,
            )?;
        }
        Ok(Self {
            poll,
            sockets,
            addrs,
            service,
        })
    }

    pub(crate) fn run(mut self, stop: &AtomicBool, counters: &WorkerCounters) {
        let mut events = Events::with_capacity(64);
        // Allocated once, here, and never grown: bounded memory whatever the load.
        let mut batch = Batch::new();
        loop {
            if let Err(e) = self.poll.poll(&mut events, None) {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                tracing::error!("worker event loop failed: {e}");
                return;
            }
            if stop.load(Ordering::Acquire) {
                return;
            }
            for event in &events {
                let i = event.token().0;
                if let (Some(socket), Some(&local)) = (self.sockets.get(i), self.addrs.get(i)) {
                    drain(
                        socket.as_raw_fd(),
                        local,
                        &mut batch,
                        &mut self.service,
                        counters,
                    );
                }
            }
        }
    }
}

/// Serves a socket until it has nothing more to read. mio's readiness is edge-triggered,
/// and a short batch means the queue was empty when it was read, so any later datagram
/// raises a new event: no extra empty read is needed after a short batch.
fn drain<S: Service>(
    fd: RawFd,
    local: SocketAddr,
    batch: &mut Batch,
    service: &mut S,
    counters: &WorkerCounters,
) {
    let mut errors = 0;
    loop {
        let n = match batch.recv(fd) {
            Ok(n) => n,
            // E.g. an ICMP error reported on the socket: it is consumed by being reported,
            // so read on (a few times at most, in case the error is not transient).
            Err(e) if errors < 4 => {
                tracing::debug!("receive on {local} failed: {e}");
                errors += 1;
                continue;
            }
            Err(e) => {
                tracing::warn!("receive on {local} keeps failing: {e}");
                return;
            }
        };
        if n == 0 {
            return;
        }
        service.begin_batch();
        let (mut unanswered, mut malformed) = (0, 0);
        for i in 0..n {
            let Some((request, reply)) = batch.request(i, local) else {
                malformed += 1;
                continue;
            };
            match service.handle(&request, reply) {
                Some(len) => batch.set_reply(i, len),
                None => unanswered += 1,
            }
        }
        let (sent, failed) = batch.send_replies(fd);
        counters.add(Field::Received, n as u64);
        counters.add(Field::Replied, sent as u64);
        counters.add(Field::SendFailed, failed as u64);
        counters.add(Field::Unanswered, unanswered);
        counters.add(Field::Malformed, malformed);
        if n < BATCH_LEN {
            return;
        }
    }
}
