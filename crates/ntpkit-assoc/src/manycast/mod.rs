//! Manycast (RFC 5905 section 3.1; ntp.conf `manycastclient`/`manycastserver`; the
//! router's manycast procedure), sans-IO and secure by default.
//!
//! A [`ManycastClient`] solicits a multicast group with a TTL growing from 1 (the
//! expanding-ring search) until `tos minclock` servers are associated or the largest TTL is
//! reached, then pauses and searches again; once enough are found one solicitation per
//! beacon keeps looking. A server's unicast answer mobilises an ephemeral client association
//! in a [`crate::host::Host`] only when it passes every client/server packet test, its MAC
//! verifies with our key (unless authentication is explicitly disabled), and the
//! dynamic-session cap allows it (CVE-2016-1549, CVE-2018-7170). The host's selection
//! ranks them; above `tos maxclock` the worst is demobilised, and a server that goes silent
//! or keeps lying is demobilised and the search resumes to replace it.
//!
//! A [`ManycastServer`] answers requests that arrived on a group: by unicast, only when
//! synchronised and with a stratum not worse than the client's, signed when the request is.
//!
//! ```
//! use core::time::Duration;
//! use ntpkit_assoc::client::ClientConfig;
//! use ntpkit_assoc::host::Host;
//! use ntpkit_assoc::manycast::{Destination, ManycastClient, ManycastConfig, ManycastConfigError};
//! use ntpkit_auth::{KeyId, KeyStore, parse_key_file};
//! use ntpkit_clock::ClockOptions;
//! use ntpkit_wire::NtpTimestamp;
//!
//! let mut keys = KeyStore::new();
//! parse_key_file("k", "7 AES128CMAC 000102030405060708090a0b0c0d0e0f\n")?.install(&mut keys)?;
//! keys.trust(KeyId::new(7).unwrap());
//!
//! // Authentication is required unless disabled: no key, no client.
//! let host = Host::new(ClockOptions::default(), -20, None, Duration::ZERO).unwrap();
//! let rng = || 0x5eed_u32; // production: an OS generator
//! let err = ManycastClient::new(ManycastConfig::default(), host, rng, Duration::ZERO);
//! assert_eq!(err.err(), Some(ManycastConfigError::KeyRequired));
//!
//! let mut config = ManycastConfig::default();
//! config.client.key = KeyId::new(7);
//! let host = Host::new(ClockOptions::default(), -20, None, Duration::ZERO).unwrap();
//! let mut client = ManycastClient::new(config, host, rng, Duration::ZERO).unwrap();
//! let t1 = NtpTimestamp::from_unix(1_700_000_000, 0);
//! client.handle_timeout(Duration::ZERO, t1);
//! let mut buf = [0u8; 68];
//! let sent = client.poll_transmit(Duration::ZERO, t1, &keys, &mut buf).unwrap().unwrap();
//! assert_eq!(sent.destination, Destination::Group { ttl: 1 }); // the ring starts at one hop
//! assert_eq!(sent.len, 48 + 4 + 16); // signed with the AES-CMAC key
//! # Ok::<(), ntpkit_auth::AuthError>(())
//! ```

mod client;
mod config;
mod event;
mod refid;
mod ring;
mod search;
mod server;
mod solicit;

pub use client::{MAX_HELD_DOWN, MAX_QUEUED_MANYCAST_EVENTS, ManycastClient};
pub use config::{
    DEFAULT_HOLDDOWN, DEFAULT_MAX_SESSIONS, DEFAULT_MAX_TTL, DEFAULT_MAXCLOCK, DEFAULT_MINCLOCK,
    ManycastConfig, ManycastConfigError,
};
pub use event::{
    Destination, ManycastDemobilizeReason, ManycastEvent, ManycastRejection, ManycastTransmit,
};
pub use refid::reference_id_for;
pub use ring::{MAX_RINGS, RingId};
pub use search::SearchPhase;
pub use server::{ManycastServer, ManycastServerCounters, ManycastServerOutcome, ManycastSilence};
pub use solicit::SOLICITATION_WINDOW;
