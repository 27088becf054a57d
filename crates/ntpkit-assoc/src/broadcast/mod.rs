//! Broadcast and multicast mode (RFC 5905 mode 5; ntp.conf `broadcast`, `broadcastclient`,
//! `multicastclient`, `broadcastdelay`), sans-IO and secure by default.
//!
//! A [`BroadcastServer`] writes a mode 5 packet every 2^poll seconds while synchronised,
//! signed when it has a key. A [`BroadcastClient`] follows every server it hears with an
//! ephemeral association, mobilised only by a broadcast whose MAC verifies with its key
//! (unsigned broadcasts only when authentication is explicitly disabled), within the
//! dynamic-session cap (CVE-2016-1549, CVE-2018-7170). Each association first runs a
//! client/server volley to the server to measure the propagation delay (`broadcastdelay` when
//! that fails), then turns every broadcast into a sample: offset = transmit + one-way delay -
//! arrival. A replay window refuses broadcasts that are not newer than the last one or
//! whose clock moved inconsistently with ours (CVE-2015-7973), and one bad packet never tears
//! an association down (CVE-2015-7979): a refused packet changes nothing.
//!
//! ```
//! use core::time::Duration;
//! use ntpkit_assoc::broadcast::{
//!     BroadcastClient, BroadcastClientConfig, BroadcastConfigError, BroadcastServer,
//!     BroadcastServerConfig,
//! };
//! use ntpkit_assoc::ServerState;
//! use ntpkit_auth::{KeyId, KeyStore};
//! use ntpkit_wire::{NtpTimestamp, Precision, ReferenceId, Stratum};
//!
//! // Unsigned broadcasts are refused unless authentication is disabled explicitly.
//! let rng = || 7u32;
//! let err = BroadcastClient::new(BroadcastClientConfig::default(), rng).err();
//! assert_eq!(err, Some(BroadcastConfigError::KeyRequired));
//!
//! // A synchronised server broadcasts every 2^poll s.
//! let mut server = BroadcastServer::new(BroadcastServerConfig::default(), Duration::ZERO);
//! let state = ServerState::local_reference(Stratum(1), ReferenceId(*b"GPS\0"), Precision(-20));
//! server.handle_timeout(Duration::ZERO);
//! let t = NtpTimestamp::from_unix(1_700_000_000, 0);
//! let mut buf = [0u8; 48];
//! let len = server.poll_transmit(Duration::ZERO, &state, &KeyStore::new(), &mut buf, || t);
//! assert_eq!(len, Ok(Some(48)));
//! assert_eq!(buf[0] & 7, 5); // mode 5
//! assert_eq!(server.poll_timeout(), Duration::from_secs(64));
//! ```

mod check;
mod client;
mod config;
mod event;
mod follower;
mod server;

pub use client::{BroadcastClient, MAX_HELD_DOWN, MAX_QUEUED_BROADCAST_EVENTS};
pub use config::{
    BroadcastClientConfig, BroadcastConfigError, BroadcastServerConfig, DEFAULT_BROADCAST_DELAY,
    DEFAULT_CALIBRATION_TIMEOUT, SILENT_INTERVALS,
};
pub use event::{BroadcastEvent, BroadcastRejection, DelaySource};
pub use server::BroadcastServer;
