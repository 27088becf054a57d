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
        // Allocated once, here, and never grown: bounded memory whatever the load.
        let mut batch = Batch::new();
        if self.sockets.len() == 1 {
            match self.run_one_socket(stop, counters, &mut batch) {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!("blocking receive unavailable ({e}); using the event loop")
                }
            }
        }
        let mut events = Events::with_capacity(64);
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

impl<S: Service> Worker<S> {
    /// The common case of one listen address per worker: block in `recvmmsg` itself
    /// (`MSG_WAITFORONE`) instead of in `epoll_wait`, which saves one system call per
    /// wake-up: at moderate load most wake-ups carry a single request, and a server then
    /// costs what a one-datagram echo costs. There is no receive timeout: an idle worker
    /// never wakes (and no timer is armed at each wait); a stop shuts the socket down for
    /// reading, which ends the wait.
    fn run_one_socket(
        &mut self,
        stop: &AtomicBool,
        counters: &WorkerCounters,
        batch: &mut Batch,
    ) -> io::Result<()> {
        let (Some(socket), Some(&local)) = (self.sockets.first(), self.addrs.first()) else {
            return Ok(());
        };
        socket.set_nonblocking(false)?;
        let fd = socket.as_raw_fd();
        let mut errors = 0u32;
        loop {
            let received = batch.recv_wait(fd);
            // After a stop the socket reads as empty datagrams: serve nothing more.
            if stop.load(Ordering::Acquire) {
                return Ok(());
            }
            match received {
                Ok(0) => {}
                Ok(n) => {
                    errors = 0;
                    serve_batch(fd, local, batch, n, &mut self.service, counters);
                }
                // ICMP errors reported on the socket are consumed by being reported.
                Err(e) if errors < 1000 => {
                    tracing::debug!("receive on {local} failed: {e}");
                    errors += 1;
                }
                Err(e) => return Err(e),
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
        serve_batch(fd, local, batch, n, service, counters);
        if n < BATCH_LEN {
            return;
        }
    }
}

/// Replies leave in groups of at most this many, each group as soon as it is made. A reply's
/// transmit timestamp is taken when it is made, and it leaves after the replies before it in
/// its `sendmmsg` call (about 5 us each over loopback on the 2-core test VM, the receiver's
/// delivery included). With one call per batch of up to 32, server-bench's median offset at
/// saturation was 29-47 us further from zero than chronyd's (which sends each reply as it
/// makes it); with groups of 4, 5-23 us, at a CPU cost per reply not told apart from one call
/// per batch in paired runs. One call per reply matched chronyd's offset but cost about 10 to
/// 20% more CPU per reply.
const SEND_GROUP: usize = 4;

/// Answers the `n` datagrams of a received batch, sending the replies in groups of
/// [`SEND_GROUP`] as they are made.
fn serve_batch<S: Service>(
    fd: RawFd,
    local: SocketAddr,
    batch: &mut Batch,
    n: usize,
    service: &mut S,
    counters: &WorkerCounters,
) {
    service.begin_batch();
    let (mut unanswered, mut malformed) = (0, 0);
    let (mut sent, mut failed) = (0, 0);
    // The first slot whose reply has not been handed to the kernel yet.
    let mut unsent = 0;
    for i in 0..n {
        match batch.request(i, local) {
            Some((request, reply, extra)) => {
                match service.handle_with_extra(&request, reply, extra) {
                    Some(len) => batch.set_reply(i, len),
                    None => unanswered += 1,
                }
                // A fragmented answer leaves now, in order, in one call of its own.
                if batch.has_extra() {
                    let (s, f) = batch.send_with_extra(fd, i);
                    sent += s;
                    failed += f;
                }
            }
            None => malformed += 1,
        }
        if i + 1 - unsent == SEND_GROUP {
            let (s, f) = batch.send_replies(fd, unsent..i + 1);
            sent += s;
            failed += f;
            unsent = i + 1;
        }
    }
    let (s, f) = batch.send_replies(fd, unsent..n);
    let (sent, failed) = (sent + s, failed + f);
    counters.add(Field::Received, n as u64);
    counters.add(Field::Replied, sent as u64);
    counters.add(Field::SendFailed, failed as u64);
    counters.add(Field::Unanswered, unanswered);
    counters.add(Field::Malformed, malformed);
}
