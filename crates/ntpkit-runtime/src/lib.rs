//! The I/O layer of ntpkit: the one crate that talks to the operating system.
//!
//! Protocol crates (`ntpkit-assoc` and friends) are sans-IO; this crate gives them sockets,
//! time stamps and threads:
//!
//! - [`BoundServer`] binds UDP sockets on every listen address, IPv4 and IPv6, one per
//!   worker thread, all sharing the port with `SO_REUSEPORT`;
//! - workers run a mio event loop and move datagrams in batches (`recvmmsg`/`sendmmsg`),
//!   each stamped on arrival by the kernel (`SO_TIMESTAMPNS`) or, failing that, by a clock
//!   read right after the receive call; buffers are allocated once and never grow;
//! - a [`Service`] decides each reply; [`Shared`] hands workers a replaceable value (the
//!   configuration, on SIGHUP) without stopping service;
//! - [`UpstreamSocket`] is a client association's connected socket to its server, with kernel
//!   receive timestamps;
//! - [`MulticastSocket`] joins an IPv4/IPv6 group on an interface, or sends to one with a
//!   TTL (hop limit) set per datagram, for broadcast and manycast;
//! - [`SystemClock`] is the kernel's clock behind ntpkit-clock's `Clock` trait
//!   (`clock_adjtime`: steps, frequency, leap bits, synchronisation status), and
//!   [`read_drift`]/[`write_drift`] keep its frequency across restarts;
//! - [`SignalListener`], [`PidFile`], [`lookup_identity`]/[`drop_privileges`] and
//!   [`can_set_clock`] are the rest of what a daemon needs around that.
//!
//! `unsafe` is confined to a few commented system calls (`recvmmsg`, `sendmmsg`,
//! `setsockopt`, `getpwnam_r`, `setuid`, `clock_adjtime`...).
//!
//! # Example: a UDP echo server
//!
//! ```
//! use ntpkit_runtime::{BoundServer, Received, Service};
//!
//! struct Echo;
//! impl Service for Echo {
//!     fn handle(&mut self, request: &Received<'_>, reply: &mut [u8]) -> Option<usize> {
//!         reply.get_mut(..request.data.len())?.copy_from_slice(request.data);
//!         Some(request.data.len())
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let bound = BoundServer::bind(&["127.0.0.1:0".parse()?], 2)?;
//! let addr = bound.local_addrs()[0];
//! let server = bound.start(|_worker| Echo)?;
//!
//! let client = std::net::UdpSocket::bind("127.0.0.1:0")?;
//! client.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
//! client.send_to(b"hello", addr)?;
//! let mut buf = [0; 16];
//! let (n, _) = client.recv_from(&mut buf)?;
//! assert_eq!(&buf[..n], b"hello");
//! assert_eq!(server.stop().replied, 1);
//! # Ok(())
//! # }
//! ```

mod batch;
mod broadcaster;
mod capability;
mod cmsg;
mod counters;
mod detach;
mod driftfile;
mod error;
mod extra;
mod interfaces;
mod multicast;
mod pidfile;
mod privilege;
mod random;
mod recvmsg;
mod server;
mod service;
mod shared;
mod signals;
mod sockaddr;
mod socket;
pub mod statsfiles;
mod sysclock;
mod time;
mod upstream;
mod worker;

pub use batch::{BATCH_LEN, MAX_DATAGRAM_LEN, Received};
pub use broadcaster::BroadcastSender;
pub use capability::can_set_clock;
pub use counters::{CounterSnapshot, WorkerCounters};
pub use detach::detach;
pub use driftfile::{read_drift, write_drift};
pub use error::RuntimeError;
pub use extra::{EXTRA_REPLY_LEN, ExtraReplies, MAX_EXTRA_REPLIES};
pub use interfaces::{InterfaceAddress, local_addresses};
pub use multicast::{MulticastDatagram, MulticastSocket, interface_index};
pub use pidfile::PidFile;
pub use privilege::{Identity, drop_privileges, lookup_identity};
pub use random::os_random_u32;
pub use server::{BoundServer, RunningServer};
pub use service::Service;
pub use shared::{Reader, Shared};
pub use signals::{SignalEvent, SignalListener};
pub use sysclock::{KernelClockState, SystemClock};
pub use time::{TimestampSource, UnixTime, clock_precision};
pub use upstream::UpstreamSocket;
