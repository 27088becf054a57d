//! Broadcast mode in the upstream thread (ntp.conf `broadcast`, `broadcastclient`,
//! `multicastclient`): the servers' timers and sockets, and the client side, which routes
//! each broadcast to the [`BroadcastClient`] of the trusted key that signed it (ntpd accepts
//! a broadcast server signed with any trusted key; ntpkit-assoc's client checks one key, so
//! there is one client per key in use, created on demand and bounded by the trusted keys).

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use ntpkit_assoc::ServerState;
use ntpkit_assoc::broadcast::{
    BroadcastClient, BroadcastEvent, BroadcastRejection, BroadcastServer,
};
use ntpkit_assoc::control::PeerInfo;
use ntpkit_auth::{AuthError, KeyId, KeyStore, verify_packet};
use ntpkit_runtime::{BroadcastSender, InterfaceAddress, MulticastSocket, os_random_u32};
use ntpkit_wire::{NtpTimestamp, ReferenceId};

use crate::plan::{BroadcastClientPlan, BroadcastTarget};

type Rng = fn() -> u32;

/// The running `broadcast` lines.
pub(crate) struct Broadcasters {
    /// Each line's server and its senders (one per interface for a multicast group).
    servers: Vec<(BroadcastServer, Vec<BroadcastSender>)>,
    /// Each line's key id (0: none) and poll exponent, as ntpq shows them.
    shown: Vec<(u16, i8)>,
}

impl Broadcasters {
    /// Opens the senders of each target, from the first listen address of its family (so
    /// the datagrams carry the server's port and clients' volleys reach the workers). A
    /// multicast group is sent to out of every multicast interface that address serves
    /// (all of them from a wildcard), one sender each, as ntpd's `sendpkt` does; a
    /// broadcast address, or a group no interface qualifies for, by the route.
    pub(crate) fn open(targets: &[BroadcastTarget], listen: &[SocketAddr], now: Duration) -> Self {
        let mut servers = Vec::new();
        let mut shown = Vec::new();
        let interfaces = ntpkit_runtime::local_addresses().unwrap_or_default();
        for t in targets {
            let Some(local) = listen.iter().find(|l| l.is_ipv4() == t.address.is_ipv4()) else {
                tracing::warn!(
                    "broadcast {}: no listen address of its family; left out",
                    t.address
                );
                continue;
            };
            let destination = SocketAddr::new(t.address, local.port());
            let via = if t.address.is_multicast() {
                crate::multicast_out::interfaces_for(t.address, &[*local], &interfaces)
            } else {
                Vec::new()
            };
            let mut senders = Vec::new();
            for i in &via {
                match BroadcastSender::open_on(i, local.port(), destination, t.ttl) {
                    Ok(sender) => senders.push(sender),
                    Err(e) => tracing::warn!("broadcast {destination} via {}: {e}", i.name),
                }
            }
            if senders.is_empty() {
                match BroadcastSender::open(*local, destination, t.ttl) {
                    Ok(sender) => senders.push(sender),
                    Err(e) => {
                        tracing::warn!("broadcast {destination}: {e}; left out");
                        continue;
                    }
                }
            }
            let names: Vec<&str> = via.iter().map(|i| i.name.as_str()).collect();
            tracing::info!(
                "broadcasting to {destination} every {} s{}{}",
                1u64 << t.config.poll.clamp(3, 17),
                t.config
                    .key
                    .map_or(String::new(), |k| format!(" signed with key {}", k.get())),
                if names.is_empty() {
                    String::new()
                } else {
                    format!(" via {}", names.join(", "))
                }
            );
            servers.push((BroadcastServer::new(t.config.clone(), now), senders));
            shown.push((t.config.key.map_or(0, |k| k.get()), t.config.poll));
        }
        Self { servers, shown }
    }

    /// Each line as ntpd shows its broadcast association to ntpq, with ids from `ids`: the
    /// address sent to, broadcast mode (5), stratum 16, refid `MCST` for a group and `BCST`
    /// otherwise (ntpd's `peer_clear`), status configured + broadcast bit (+ auth enabled
    /// when keyed). NTPsec's ntpq derives `M` from mode 5 and an address starting "224.",
    /// `B` otherwise.
    pub(crate) fn associations(&self, ids: impl Iterator<Item = u16>) -> Vec<PeerInfo> {
        self.servers
            .iter()
            .zip(&self.shown)
            .zip(ids)
            .filter_map(|(((_, senders), &(key_id, poll)), id)| {
                let sender = senders.first()?;
                let to = sender.destination();
                let local = sender.local_addr().unwrap_or(to);
                let mut p = PeerInfo::new(id, to, local);
                p.status = crate::sources::PST_CONFIG
                    | crate::sources::PST_BCAST
                    | if key_id != 0 {
                        crate::sources::PST_AUTHENABLE
                    } else {
                        0
                    };
                p.reference_id = ReferenceId(if to.ip().is_multicast() {
                    *b"MCST"
                } else {
                    *b"BCST"
                });
                p.host_mode = 5;
                // ntpd's peer_clear sets ppoll to maxpoll (never below minpoll), so ntpq's
                // poll column (the smaller of the two) shows hpoll, our interval; a ppoll of
                // 0 would show 1 s.
                p.host_poll = poll;
                p.peer_poll = poll;
                p.key_id = key_id;
                Some(p)
            })
            .collect()
    }

    /// When the next broadcast is due.
    pub(crate) fn poll_timeout(&self) -> Option<Duration> {
        self.servers.iter().map(|(s, _)| s.poll_timeout()).min()
    }

    /// Sends every broadcast due at `now` with the state the server answers with; nothing
    /// while it is unsynchronised.
    pub(crate) fn run(
        &mut self,
        now: Duration,
        state: &ServerState,
        keys: &KeyStore,
        clock: impl Fn() -> NtpTimestamp,
    ) {
        let mut buf = [0u8; 128];
        for (server, senders) in &mut self.servers {
            server.handle_timeout(now);
            match server.poll_transmit(now, state, keys, &mut buf, &clock) {
                Ok(Some(len)) => {
                    for sender in senders.iter() {
                        if let Err(e) = sender.send(buf.get(..len).unwrap_or(&[])) {
                            tracing::debug!("broadcast to {}: {e}", sender.destination());
                        }
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    let to = senders.first().map(BroadcastSender::destination);
                    tracing::error!("broadcast to {to:?}: cannot sign: {e}")
                }
            }
        }
    }
}

/// Why a broadcast was not taken.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// Not signed with a trusted key while authentication is required.
    Unsigned,
    /// The MAC did not verify with a trusted key.
    Mac(AuthError),
    /// The broadcast client refused it.
    Client(BroadcastRejection),
    /// A new server while `tos maxdynamic` servers are followed already, over all keys.
    TotalCap,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unsigned => f.write_str(
                "not signed (authentication is required; `disable auth` accepts unsigned broadcasts)",
            ),
            Self::Mac(e) => write!(f, "authentication failed: {e}"),
            Self::Client(r) => write!(f, "{r}"),
            Self::TotalCap => f.write_str("dynamic-session cap reached (tos maxdynamic, all keys together)"),
        }
    }
}

/// The client side: `broadcastclient` (mode 5 forwarded from the workers) and the
/// `multicastclient` groups' sockets.
pub(crate) struct BroadcastListener {
    plan: BroadcastClientPlan,
    /// One client per key broadcasts were signed with (`None`: unsigned, `disable auth`).
    clients: Vec<(Option<KeyId>, BroadcastClient<Rng>)>,
    /// The joined groups, and for `broadcastclient` on a server bound to unicast
    /// addresses, their interfaces' broadcast addresses.
    pub(crate) groups: Vec<MulticastSocket>,
}

/// The broadcast addresses `broadcastclient` must listen on itself: none when the server
/// has the IPv4 wildcard (which receives every broadcast), else the broadcast address of
/// each interface that has an IPv4 address the server listens on (ntpd's per-interface
/// broadcast sockets), each once. The loopback has none.
fn broadcast_addresses(listen: &[SocketAddr], host: &[InterfaceAddress]) -> Vec<Ipv4Addr> {
    if listen
        .iter()
        .any(|l| l.ip() == IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    {
        return Vec::new();
    }
    let mut out: Vec<Ipv4Addr> = Vec::new();
    for l in listen {
        let found = host
            .iter()
            .find(|h| h.addr == l.ip())
            .and_then(|h| h.broadcast);
        if let Some(b) = found
            && !out.contains(&b)
        {
            out.push(b);
        }
    }
    out
}

impl BroadcastListener {
    /// Joins the `multicastclient` groups on `port` (the server's) and, for
    /// `broadcastclient`, listens on the broadcast addresses the server's sockets (bound
    /// to `listen`) would not receive.
    pub(crate) fn open(plan: BroadcastClientPlan, port: u16, listen: &[SocketAddr]) -> Self {
        let mut groups = Vec::new();
        for group in &plan.groups {
            let addr = SocketAddr::new(*group, port);
            match MulticastSocket::join(addr, None) {
                Ok(socket) => {
                    tracing::info!("listening for multicast servers on {addr}");
                    groups.push(socket);
                }
                Err(e) => tracing::warn!("multicastclient {addr}: {e}; left out"),
            }
        }
        if plan.broadcast {
            tracing::info!("listening for broadcast servers on the server's port");
            let host = ntpkit_runtime::local_addresses().unwrap_or_else(|e| {
                tracing::warn!("cannot list the interfaces' broadcast addresses: {e}");
                Vec::new()
            });
            for b in broadcast_addresses(listen, &host) {
                let addr = SocketAddrV4::new(b, port);
                match MulticastSocket::broadcast_listener(addr) {
                    Ok(socket) => {
                        tracing::info!("listening for broadcast servers on {addr}");
                        groups.push(socket);
                    }
                    Err(e) => tracing::warn!("broadcastclient {addr}: {e}; left out"),
                }
            }
        }
        Self {
            plan,
            clients: Vec::new(),
            groups,
        }
    }

    /// Whether `broadcastclient` is on (mode 5 at the server's own sockets is for us).
    pub(crate) fn takes_broadcasts(&self) -> bool {
        self.plan.broadcast
    }

    /// Whether `broadcastclient` has a socket of its own on some interface's broadcast
    /// address (the server listens on unicast addresses only).
    pub(crate) fn has_broadcast_sockets(&self) -> bool {
        self.groups.iter().any(|g| !g.group().ip().is_multicast())
    }

    /// A broadcast from `from`, received at `t4`: to the client of the key that signed it.
    pub(crate) fn handle_broadcast(
        &mut self,
        now: Duration,
        from: SocketAddr,
        bytes: &[u8],
        t4: NtpTimestamp,
        keys: &KeyStore,
    ) -> Result<(), Refusal> {
        // Which trusted key signed it decides the client; that client verifies it again
        // with exactly that key before any state changes (CVE-2015-1799).
        let key = match verify_packet(keys, bytes) {
            Ok(Some(v)) => Some(v.key_id),
            Ok(None) if !self.plan.config.require_auth => None,
            Ok(None) => return Err(Refusal::Unsigned),
            Err(e) => return Err(Refusal::Mac(e)),
        };
        // Each key's client caps its own servers; this caps them together
        // (CVE-2016-1549: ephemeral associations are capped per key and in total).
        let followed: usize = self.clients.iter().map(|(_, c)| c.servers().count()).sum();
        let known = self
            .clients
            .iter()
            .any(|(_, c)| c.servers().any(|s| s == from));
        if !known && followed >= self.plan.config.max_sessions as usize {
            return Err(Refusal::TotalCap);
        }
        let client = self.client_for(key).ok_or(Refusal::Unsigned)?;
        client
            .handle_broadcast(now, from, bytes, t4, keys)
            .map_err(Refusal::Client)
    }

    /// A unicast reply to a calibration request of the follower `(key, server)`.
    pub(crate) fn handle_reply(
        &mut self,
        key: Option<KeyId>,
        now: Duration,
        server: SocketAddr,
        bytes: &[u8],
        t4: NtpTimestamp,
        keys: &KeyStore,
    ) -> Result<(), BroadcastRejection> {
        match self.clients.iter_mut().find(|(k, _)| *k == key) {
            Some((_, c)) => c.handle_reply(now, server, bytes, t4, keys),
            None => Err(BroadcastRejection::Volley(None)),
        }
    }

    /// Stops following `(key, server)`, which the selection keeps finding a falseticker:
    /// its session goes to another server and it is held down (see
    /// `BroadcastClient::drop_server`).
    pub(crate) fn drop_server(&mut self, key: Option<KeyId>, server: SocketAddr, now: Duration) {
        if let Some((_, c)) = self.clients.iter_mut().find(|(k, _)| *k == key) {
            c.drop_server(server, now);
        }
    }

    /// When the clients' timers are next due.
    pub(crate) fn poll_timeout(&self) -> Option<Duration> {
        self.clients
            .iter()
            .filter_map(|(_, c)| c.poll_timeout())
            .min()
    }

    /// Advances every client's timers.
    pub(crate) fn handle_timeout(&mut self, now: Duration) {
        for (_, c) in &mut self.clients {
            c.handle_timeout(now);
        }
    }

    /// The next calibration request due: (key, server, length written into `buf`).
    pub(crate) fn poll_transmit(
        &mut self,
        now: Duration,
        t1: NtpTimestamp,
        keys: &KeyStore,
        buf: &mut [u8],
    ) -> Option<(Option<KeyId>, SocketAddr, usize)> {
        for (key, c) in &mut self.clients {
            match c.poll_transmit(now, t1, keys, buf) {
                Ok(Some((server, len))) => return Some((*key, server, len)),
                Ok(None) => {}
                Err(e) => {
                    tracing::error!("broadcast client: cannot send a calibration request: {e}")
                }
            }
        }
        None
    }

    /// The next event of any client, with the key of the client it came from.
    pub(crate) fn poll_event(&mut self) -> Option<(Option<KeyId>, BroadcastEvent)> {
        self.clients
            .iter_mut()
            .find_map(|(key, c)| c.poll_event().map(|e| (*key, e)))
    }

    fn client_for(&mut self, key: Option<KeyId>) -> Option<&mut BroadcastClient<Rng>> {
        if let Some(i) = self.clients.iter().position(|(k, _)| *k == key) {
            return self.clients.get_mut(i).map(|(_, c)| c);
        }
        let mut config = self.plan.config.clone();
        config.key = key;
        match BroadcastClient::new(config, os_random_u32 as Rng) {
            Ok(c) => {
                self.clients.push((key, c));
                self.clients.last_mut().map(|(_, c)| c)
            }
            Err(e) => {
                tracing::error!("broadcast client: {e}");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ntpkit_assoc::ServerState;
    use ntpkit_assoc::broadcast::{BroadcastClientConfig, BroadcastServer, BroadcastServerConfig};
    use ntpkit_auth::parse_key_file;
    use ntpkit_wire::{Precision, ReferenceId, Stratum};

    fn interface(name: &str, addr: &str, broadcast: Option<&str>) -> InterfaceAddress {
        InterfaceAddress {
            name: name.into(),
            addr: addr.parse().unwrap(),
            index: 1,
            broadcast: broadcast.map(|b| b.parse().unwrap()),
            multicast: name != "lo",
        }
    }

    #[test]
    fn broadcastclient_listens_on_the_broadcast_addresses_of_the_unicast_addresses_served() {
        let host = [
            interface("lo", "127.0.0.1", None),
            interface("eth0", "10.1.0.5", Some("10.1.0.255")),
            interface("eth0", "10.1.0.6", Some("10.1.0.255")),
            interface("eth1", "192.168.7.2", Some("192.168.7.255")),
            interface("eth0", "fe80::1", None),
        ];
        let addrs =
            |l: &[&str]| -> Vec<SocketAddr> { l.iter().map(|a| a.parse().unwrap()).collect() };
        let b = |v: &[&str]| -> Vec<Ipv4Addr> { v.iter().map(|a| a.parse().unwrap()).collect() };
        // Each interface's broadcast address once, for the addresses served only.
        assert_eq!(
            broadcast_addresses(
                &addrs(&["10.1.0.5:123", "10.1.0.6:123", "127.0.0.1:123"]),
                &host
            ),
            b(&["10.1.0.255"])
        );
        assert_eq!(
            broadcast_addresses(&addrs(&["192.168.7.2:123", "10.1.0.6:123"]), &host),
            b(&["192.168.7.255", "10.1.0.255"])
        );
        // The IPv4 wildcard receives broadcasts itself; the loopback and IPv6 have none.
        assert!(broadcast_addresses(&addrs(&["0.0.0.0:123", "10.1.0.5:123"]), &host).is_empty());
        assert!(broadcast_addresses(&addrs(&["127.0.0.1:123", "[fe80::1]:123"]), &host).is_empty());
    }

    /// Keys 1 and 2, both trusted.
    fn keys() -> KeyStore {
        let mut keys = KeyStore::new();
        let file = "1 AES128CMAC 000102030405060708090a0b0c0d0e0f\n\
                    2 AES128CMAC 0f0e0d0c0b0a09080706050403020100\n";
        parse_key_file("k", file)
            .unwrap()
            .install(&mut keys)
            .unwrap();
        for id in [1, 2] {
            keys.trust(KeyId::new(id).unwrap());
        }
        keys
    }

    /// A stratum 1 broadcast, signed with `key`, sent at `t`.
    fn broadcast(key: u32, t: NtpTimestamp, keys: &KeyStore) -> Vec<u8> {
        let mut config = BroadcastServerConfig::default();
        config.key = KeyId::new(key);
        let mut server = BroadcastServer::new(config, Duration::ZERO);
        let state =
            ServerState::local_reference(Stratum(1), ReferenceId(*b"GPS\0"), Precision(-20));
        server.handle_timeout(Duration::ZERO);
        let mut buf = [0u8; 128];
        let len = server
            .poll_transmit(Duration::ZERO, &state, keys, &mut buf, || t)
            .unwrap()
            .unwrap();
        buf[..len].to_vec()
    }

    #[test]
    fn servers_signed_with_different_keys_share_one_total_cap() {
        // CVE-2016-1549: `tos maxdynamic 1` is one server in total, not one per key.
        let keys = keys();
        let mut config = BroadcastClientConfig::default();
        config.max_sessions = 1;
        let plan = BroadcastClientPlan {
            broadcast: true,
            groups: Vec::new(),
            config,
        };
        let mut listener = BroadcastListener::open(plan, 123, &[]);
        let t = NtpTimestamp::from_unix(1_700_000_000, 0);
        let (a, b): (SocketAddr, SocketAddr) = (
            "192.0.2.1:123".parse().unwrap(),
            "192.0.2.2:123".parse().unwrap(),
        );
        let now = Duration::from_secs(1);
        assert!(
            listener
                .handle_broadcast(now, a, &broadcast(1, t, &keys), t, &keys)
                .is_ok()
        );
        let refused = listener.handle_broadcast(now, b, &broadcast(2, t, &keys), t, &keys);
        assert!(matches!(refused, Err(Refusal::TotalCap)), "{refused:?}");
        let followed: Vec<SocketAddr> = listener
            .clients
            .iter()
            .flat_map(|(_, c)| c.servers())
            .collect();
        assert_eq!(followed, [a]);
        // The server already followed still gets through (a newer broadcast).
        let later = NtpTimestamp::from_unix(1_700_000_064, 0);
        let again = listener.handle_broadcast(
            now + Duration::from_secs(64),
            a,
            &broadcast(1, later, &keys),
            later,
            &keys,
        );
        assert!(!matches!(again, Err(Refusal::TotalCap)), "{again:?}");
    }
}
