//! What a manycast client asks its driver to send, tells it about, and why it refused a
//! reply.

use core::fmt;
use std::net::SocketAddr;

use ntpkit_access::SessionRefusal;
use ntpkit_clock::SourceId;

use crate::client::Rejection;
use crate::host::{DemobilizeReason, HostEvent};

/// Where the bytes written by [`super::ManycastClient::poll_transmit`] go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Destination {
    /// A solicitation: to the manycast group, with this TTL (IPv6: hop limit).
    Group {
        /// TTL to set on the socket for this datagram.
        ttl: u8,
    },
    /// A poll of a mobilised association: by unicast to this server.
    Server(SocketAddr),
    /// A poll of a source the caller added to the host itself
    /// ([`super::ManycastClient::host_mut`]): send it to that source's address.
    Source(SourceId),
}

/// A datagram to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ManycastTransmit {
    /// Where to.
    pub destination: Destination,
    /// Bytes written at the start of the caller's buffer.
    pub len: usize,
    /// The group it belongs to: the solicitation's, or the one whose solicitation the
    /// polled server answered; `None` for a source the caller added to the host.
    pub ring: Option<super::RingId>,
}

/// Why an association went away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManycastDemobilizeReason {
    /// The host dropped it (unreachable, or a falseticker for too long).
    Host(DemobilizeReason),
    /// More than `maxclock` servers: selection ranked this one worst.
    Pruned,
    /// Its key vanished from the key store (it could not send).
    KeyMissing,
}

/// One thing the manycast client did.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ManycastEvent {
    /// A server answered a solicitation and passed every test: an ephemeral association now
    /// polls it by unicast.
    Mobilized {
        /// The host's id for it.
        id: SourceId,
        /// The server.
        server: SocketAddr,
        /// TTL of the solicitation it answered (its hop distance, at most).
        ttl: u8,
    },
    /// An association went away; the search resumes if fewer than `minclock` remain.
    Demobilized {
        /// The host's id it had.
        id: SourceId,
        /// The server.
        server: SocketAddr,
        /// Why.
        reason: ManycastDemobilizeReason,
    },
    /// Anything else the host reported (clock adjustments, samples, system peer, kisses).
    Host(HostEvent),
}

/// Why a datagram did not mobilise an association or feed one.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManycastRejection {
    /// From a mobilised server, refused by its association.
    Association(Rejection),
    /// Not from a mobilised server, and its origin matches none of our solicitations.
    NotSolicited,
    /// An answer to a solicitation that failed a packet test (bad or missing MAC, server
    /// not synchronised, kiss, distance, ...).
    Reply(Rejection),
    /// An answer from a server we already associate with.
    AlreadyAssociated,
    /// The dynamic-session cap is reached.
    SessionCap(SessionRefusal),
    /// A server recently demobilised as a falseticker or pruned (see
    /// [`super::ManycastConfig::holddown`]).
    HeldDown,
}

impl fmt::Display for ManycastRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Association(r) => write!(f, "association refused the packet: {r}"),
            Self::NotSolicited => f.write_str("not an answer to any of our solicitations"),
            Self::Reply(r) => write!(f, "answer to a solicitation refused: {r}"),
            Self::AlreadyAssociated => f.write_str("server already associated"),
            Self::SessionCap(r) => write!(f, "dynamic-session cap reached ({r:?})"),
            Self::HeldDown => f.write_str("server recently demobilised; held down"),
        }
    }
}

impl std::error::Error for ManycastRejection {}
