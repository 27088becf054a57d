//! A UDP server: sockets on every listen address, N worker threads, clean stop.
//!
//! Binding and starting are separate steps so that a daemon can bind privileged ports as
//! root, then drop privileges, and only then start serving.

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use mio::{Poll, Token, Waker};

use crate::counters::{CounterSnapshot, WorkerCounters};
use crate::error::RuntimeError;
use crate::service::Service;
use crate::socket::bind_udp;
use crate::worker::{WAKE_TOKEN, Worker};

/// Sockets bound on every listen address for every worker, not yet serving.
#[derive(Debug)]
pub struct BoundServer {
    /// `sockets[w]` holds worker `w`'s socket for each listen address.
    sockets: Vec<Vec<UdpSocket>>,
    local_addrs: Vec<SocketAddr>,
    kernel_timestamps: bool,
}

impl BoundServer {
    /// Binds `workers` sockets (sharing the port with `SO_REUSEPORT`) on each address in
    /// `listen`. Port 0 picks a free port once; every worker then shares that port.
    pub fn bind(listen: &[SocketAddr], workers: usize) -> Result<Self, RuntimeError> {
        if workers == 0 {
            return Err(RuntimeError::Invalid(
                "at least one worker thread is needed",
            ));
        }
        if listen.is_empty() {
            return Err(RuntimeError::Invalid("no listen address"));
        }
        let mut sockets: Vec<Vec<UdpSocket>> = (0..workers).map(|_| Vec::new()).collect();
        let mut local_addrs = Vec::with_capacity(listen.len());
        let mut kernel_timestamps = true;
        for &addr in listen {
            let (first, stamps) = bind_udp(addr, true)?;
            let actual = first
                .local_addr()
                .map_err(|source| RuntimeError::Bind { addr, source })?;
            kernel_timestamps &= stamps;
            local_addrs.push(actual);
            sockets[0].push(first);
            for worker in sockets.iter_mut().skip(1) {
                let (socket, stamps) = bind_udp(actual, true)?;
                kernel_timestamps &= stamps;
                worker.push(socket);
            }
        }
        Ok(Self {
            sockets,
            local_addrs,
            kernel_timestamps,
        })
    }

    /// The addresses actually bound (with the port chosen when 0 was asked for), in the
    /// order they were given.
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.local_addrs
    }

    /// Whether the kernel stamps received datagrams (`SO_TIMESTAMPNS`); when false, the
    /// workers read the clock right after each receive call instead.
    pub fn kernel_timestamps(&self) -> bool {
        self.kernel_timestamps
    }

    /// Number of worker threads [`Self::start`] will run.
    pub fn workers(&self) -> usize {
        self.sockets.len()
    }

    /// Starts one thread per worker; `make_service(w)` builds worker `w`'s service.
    pub fn start<S, F>(self, mut make_service: F) -> Result<RunningServer, RuntimeError>
    where
        S: Service,
        F: FnMut(usize) -> S,
    {
        let stop = Arc::new(AtomicBool::new(false));
        let counters: Arc<[WorkerCounters]> = (0..self.sockets.len())
            .map(|_| WorkerCounters::default())
            .collect();
        let mut running = RunningServer {
            threads: Vec::new(),
            wakers: Vec::new(),
            blocked: Vec::new(),
            stop: stop.clone(),
            counters,
        };
        for (index, sockets) in self.sockets.into_iter().enumerate() {
            let poll = Poll::new().map_err(RuntimeError::EventLoop)?;
            let waker = Arc::new(
                Waker::new(poll.registry(), Token(WAKE_TOKEN)).map_err(RuntimeError::EventLoop)?,
            );
            if let [socket] = sockets.as_slice() {
                // This worker blocks in its receive call, with no timeout: a second handle
                // on its socket lets stop() wake it (see `shutdown`).
                running
                    .blocked
                    .push(socket.try_clone().map_err(RuntimeError::EventLoop)?);
            }
            let addrs = self.local_addrs.clone();
            let worker = Worker::new(poll, sockets, addrs, make_service(index))
                .map_err(RuntimeError::EventLoop)?;
            let (stop, counters) = (stop.clone(), running.counters.clone());
            let thread = std::thread::Builder::new()
                .name(format!("ntpkit-worker-{index}"))
                .spawn(move || worker.run(&stop, &counters[index]))
                .map_err(RuntimeError::EventLoop)?;
            running.threads.push(thread);
            running.wakers.push(waker);
        }
        Ok(running)
    }
}

/// Worker threads serving; stopping (explicitly or on drop) joins them all.
#[derive(Debug)]
pub struct RunningServer {
    threads: Vec<JoinHandle<()>>,
    wakers: Vec<Arc<Waker>>,
    /// The sockets of workers that block in `recvmmsg` rather than in the event loop.
    blocked: Vec<UdpSocket>,
    stop: Arc<AtomicBool>,
    counters: Arc<[WorkerCounters]>,
}

impl RunningServer {
    /// Traffic counters summed over all workers.
    pub fn counters(&self) -> CounterSnapshot {
        self.counters
            .iter()
            .map(WorkerCounters::snapshot)
            .fold(CounterSnapshot::default(), |a, b| a + b)
    }

    /// Stops every worker (each finishes the batch in hand), waits for them, and returns
    /// the final counters.
    pub fn stop(mut self) -> CounterSnapshot {
        self.shutdown();
        self.counters()
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Release);
        for waker in &self.wakers {
            if let Err(e) = waker.wake() {
                tracing::warn!("cannot wake a worker to stop it: {e}");
            }
        }
        for socket in &self.blocked {
            // Shutting down reading wakes a receive blocked on the socket (Linux's
            // inet_shutdown calls sk_state_change even on an unconnected UDP socket, where
            // it then reports ENOTCONN, expected here) and makes later ones return at once.
            let _ = socket2::SockRef::from(socket).shutdown(std::net::Shutdown::Read);
        }
        for thread in self.threads.drain(..) {
            if thread.join().is_err() {
                tracing::error!("a worker thread panicked");
            }
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}
