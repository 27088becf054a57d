//! The host the upstream thread drives: on its own, or inside ntpkit-assoc's
//! [`ManycastClient`] when ntp.conf has `manycastclient` lines. Then the configured
//! `server`/`pool`/`peer` sources live in the manycast client's host (one selection over
//! everything). Each line's group (a ring of the client) solicits from a multicast socket of
//! its own, where the answers come back by unicast; the servers found are then polled each
//! from a socket of its own (RFC 9109), which the upstream thread opens.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use ntpkit_assoc::control::PeerInfo;
use ntpkit_assoc::host::{Host, TransmitError};
use ntpkit_assoc::manycast::{Destination, ManycastClient, ManycastEvent, ManycastRejection};
use ntpkit_auth::{AuthError, KeyStore};
use ntpkit_clock::SourceId;
use ntpkit_runtime::MulticastSocket;
use ntpkit_wire::{NtpTimestamp, ReferenceId};

type Rng = fn() -> u32;

/// The host, alone or in a manycast client.
pub(crate) enum Sources {
    Host(Box<Host<Rng>>),
    Manycast {
        client: Box<ManycastClient<Rng>>,
        /// One per ring of the client, in ring order.
        groups: Vec<ManycastGroup>,
        /// The server's listen addresses: solicitations leave by the interfaces they serve.
        listen: Vec<SocketAddr>,
    },
}

/// A `manycastclient` line's group and the socket its solicitations leave from.
pub(crate) struct ManycastGroup {
    /// The group and port solicited.
    pub(crate) group: SocketAddr,
    pub(crate) socket: MulticastSocket,
    /// The line's key (0: none) and poll exponent while searching.
    pub(crate) key_id: u16,
    pub(crate) minpoll: i8,
}

/// Sends a solicitation with `ttl` out of every multicast interface `listen` serves (as
/// ntpd does), or by the route when there is none.
fn solicit(socket: &MulticastSocket, ttl: u8, bytes: &[u8], listen: &[SocketAddr]) {
    if socket.set_ttl(ttl).is_err() {
        return;
    }
    let interfaces = ntpkit_runtime::local_addresses().unwrap_or_default();
    let via = crate::multicast_out::interfaces_for(socket.group().ip(), listen, &interfaces);
    if via.is_empty() {
        let _ = socket.send_to_group(bytes);
    }
    for interface in &via {
        let _ = socket.send_to_group_via(bytes, interface);
    }
}

/// ntpd's peer status bits (ntp_control.h): configured, authentication enabled, and
/// `CTL_PST_BCAST`, set for associations that only transmit (`MDF_TXONLY_MASK`: broadcast,
/// multicast, manycast client, pool).
pub(crate) const PST_CONFIG: u16 = 0x8000;
pub(crate) const PST_AUTHENABLE: u16 = 0x4000;
pub(crate) const PST_BCAST: u16 = 0x0800;

impl ManycastGroup {
    /// The line as ntpd shows its manycast client association: the group as source, client
    /// mode (3), stratum 16, refid `ACST` (ntpd's `peer_clear(peer, "ACST")`), never
    /// reached. ntpq derives the type `a` from client mode and a group address (NTPsec's
    /// ntpq: an address starting "224."; ntpd's: any multicast address).
    pub(crate) fn peer_info(&self, association: u16) -> PeerInfo {
        let local = self.socket.local_addr().unwrap_or(self.group);
        let mut p = PeerInfo::new(association, self.group, local);
        p.status = PST_CONFIG | PST_BCAST | if self.key_id != 0 { PST_AUTHENABLE } else { 0 };
        p.reference_id = ReferenceId(*b"ACST");
        p.host_mode = 3;
        // As for broadcast lines: ntpq's poll column shows the smaller of hpoll and ppoll.
        p.host_poll = self.minpoll;
        p.peer_poll = self.minpoll;
        p.key_id = self.key_id;
        p
    }
}

/// What [`Sources::poll_transmit`] produced.
pub(crate) enum Transmitted {
    /// A poll of a host source written into the buffer: send it on that source's socket.
    Source(SourceId, usize),
    /// A poll of a server the manycast client found, written into the buffer: send it on
    /// that server's own socket.
    ManycastServer(SourceId, SocketAddr, usize),
    /// A solicitation, already sent to the group.
    Solicitation,
}

/// Why nothing could be sent.
pub(crate) enum SendError {
    /// A host source cannot sign: remove it.
    Source(TransmitError),
    /// The manycast client cannot sign its solicitation (it stays due).
    Manycast(AuthError),
}

impl Sources {
    pub(crate) fn host(&self) -> &Host<Rng> {
        match self {
            Self::Host(h) => h,
            Self::Manycast { client, .. } => client.host(),
        }
    }

    pub(crate) fn host_mut(&mut self) -> &mut Host<Rng> {
        match self {
            Self::Host(h) => h,
            Self::Manycast { client, .. } => client.host_mut(),
        }
    }

    /// The manycast groups solicited, in ring order (empty without a manycast client).
    pub(crate) fn manycast_groups(&self) -> &[ManycastGroup] {
        match self {
            Self::Host(_) => &[],
            Self::Manycast { groups, .. } => groups,
        }
    }

    /// The manycast client, if there is one.
    pub(crate) fn manycast_client(&self) -> Option<&ManycastClient<Rng>> {
        match self {
            Self::Host(_) => None,
            Self::Manycast { client, .. } => Some(client),
        }
    }

    /// The address of a server the manycast client found.
    pub(crate) fn manycast_server(&self, id: SourceId) -> Option<SocketAddr> {
        let Self::Manycast { client, .. } = self else {
            return None;
        };
        let (_, server) = client.servers().iter().find(|(i, _)| *i == id)?;
        Some(*server)
    }

    pub(crate) fn poll_timeout(&self) -> Duration {
        match self {
            Self::Host(h) => h.poll_timeout(),
            Self::Manycast { client, .. } => client.poll_timeout(),
        }
    }

    pub(crate) fn handle_timeout(&mut self, now: Duration, wall: NtpTimestamp) {
        match self {
            Self::Host(h) => h.handle_timeout(now, wall),
            Self::Manycast { client, .. } => client.handle_timeout(now, wall),
        }
    }

    /// The next event; the host's own come as [`ManycastEvent::Host`].
    pub(crate) fn poll_event(&mut self) -> Option<ManycastEvent> {
        match self {
            Self::Host(h) => h.poll_event().map(ManycastEvent::Host),
            Self::Manycast { client, .. } => client.poll_event(),
        }
    }

    /// The next datagram due: written into `buf` for a host source, or sent here.
    pub(crate) fn poll_transmit(
        &mut self,
        now: Duration,
        t1: NtpTimestamp,
        keys: &KeyStore,
        buf: &mut [u8],
    ) -> Result<Option<Transmitted>, SendError> {
        match self {
            Self::Host(h) => h
                .poll_transmit(now, t1, keys, buf)
                .map(|t| t.map(|t| Transmitted::Source(t.id, t.len)))
                .map_err(SendError::Source),
            Self::Manycast {
                client,
                groups,
                listen,
            } => {
                let Some(t) = client
                    .poll_transmit(now, t1, keys, buf)
                    .map_err(SendError::Manycast)?
                else {
                    return Ok(None);
                };
                let bytes = buf.get(..t.len).unwrap_or(&[]);
                let socket = t
                    .ring
                    .and_then(|r| groups.get(r.index()))
                    .map(|g| &g.socket);
                // A lost datagram is an unanswered poll: the reach register tells the story.
                Ok(Some(match t.destination {
                    Destination::Group { ttl } => {
                        if let Some(socket) = socket {
                            solicit(socket, ttl, bytes, listen);
                        }
                        Transmitted::Solicitation
                    }
                    Destination::Server(server) => {
                        let id = client
                            .servers()
                            .iter()
                            .find(|(_, s)| *s == server)
                            .map(|(id, _)| *id);
                        match id {
                            Some(id) => Transmitted::ManycastServer(id, server, t.len),
                            // Not one of its servers (cannot happen): send it from its group's.
                            None => {
                                if let Some(socket) = socket {
                                    let _ = socket.send_to(bytes, server);
                                }
                                Transmitted::Solicitation
                            }
                        }
                    }
                    Destination::Source(id) => Transmitted::Source(id, t.len),
                    _ => Transmitted::Solicitation,
                }))
            }
        }
    }

    /// One datagram waiting on the `ring`-th group's socket, if any: (sender, length,
    /// arrival).
    pub(crate) fn recv_manycast(
        &self,
        ring: usize,
        buf: &mut [u8],
    ) -> io::Result<Option<(SocketAddr, usize, NtpTimestamp)>> {
        let Some(group) = self.manycast_groups().get(ring) else {
            return Ok(None);
        };
        Ok(group.socket.recv(buf)?.map(|d| {
            let t4 = NtpTimestamp::from_unix(d.received.secs, d.received.nanos);
            (d.from, d.len, t4)
        }))
    }

    /// A datagram from a manycast socket: an answer to a solicitation, or a reply of a
    /// server found earlier.
    pub(crate) fn handle_manycast(
        &mut self,
        now: Duration,
        from: SocketAddr,
        bytes: &[u8],
        t4: NtpTimestamp,
        keys: &KeyStore,
    ) -> Result<(), ManycastRejection> {
        match self {
            Self::Host(_) => Err(ManycastRejection::NotSolicited),
            Self::Manycast { client, .. } => client.handle_packet(now, from, bytes, t4, keys),
        }
    }
}
