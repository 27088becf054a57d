//! The socket a broadcast server (ntp.conf `broadcast ADDRESS`) sends its mode 5 packets
//! from: bound to the server's own address and port, as ntpd's are, so that a client's
//! calibration volley (RFC 5905 broadcast client, unicast mode 3 to the broadcast's source)
//! reaches the server's workers and is answered there.

use std::io;
use std::net::{SocketAddr, UdpSocket};

use socket2::{Domain, Protocol, Socket, Type};

/// A non-blocking UDP socket that sends to one broadcast or multicast address.
#[derive(Debug)]
pub struct BroadcastSender {
    socket: UdpSocket,
    destination: SocketAddr,
}

impl BroadcastSender {
    /// Opens a socket bound to `local` (shared with the server's sockets there through
    /// `SO_REUSEPORT`) that sends to `destination`: an IPv4 broadcast address
    /// (`SO_BROADCAST`), or an IPv4/IPv6 multicast group whose datagrams go out with TTL
    /// (hop limit) `ttl` and are not looped back to this host. The socket is connected to
    /// `destination`, so the kernel never hands it a client's request meant for the
    /// server's sockets on the same port.
    ///
    /// # Errors
    /// The families differ, `local` cannot be bound, or the kernel refused an option or the
    /// destination (a broadcast address without a route).
    pub fn open(local: SocketAddr, destination: SocketAddr, ttl: u8) -> io::Result<Self> {
        Self::open_via(local, destination, ttl, None)
    }

    /// As [`Self::open`], for a multicast `destination`, sending out of interface `via`
    /// from its address `via.addr` and `port`: ntpd sends each multicast datagram out of
    /// every multicast interface, so a server on several networks opens one of these per
    /// interface. The interface is chosen before the socket is connected: a connected
    /// socket keeps the route (and source address) it was connected with.
    ///
    /// # Errors
    /// As [`Self::open`]; `destination` not a multicast group (`InvalidInput`).
    pub fn open_on(
        via: &crate::InterfaceAddress,
        port: u16,
        destination: SocketAddr,
        ttl: u8,
    ) -> io::Result<Self> {
        if !destination.ip().is_multicast() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{destination}: not a multicast group"),
            ));
        }
        let local = match via.addr {
            std::net::IpAddr::V4(a) => SocketAddr::from((a, port)),
            // The index scopes a link-local address; others ignore it.
            std::net::IpAddr::V6(a) => {
                SocketAddr::V6(std::net::SocketAddrV6::new(a, port, 0, via.index))
            }
        };
        Self::open_via(local, destination, ttl, Some(via))
    }

    fn open_via(
        local: SocketAddr,
        destination: SocketAddr,
        ttl: u8,
        via: Option<&crate::InterfaceAddress>,
    ) -> io::Result<Self> {
        if local.is_ipv4() != destination.is_ipv4() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{local} and {destination} are of different address families"),
            ));
        }
        let socket = Socket::new(
            Domain::for_address(destination),
            Type::DGRAM,
            Some(Protocol::UDP),
        )?;
        socket.set_nonblocking(true)?;
        socket.set_reuse_port(true)?;
        match destination {
            SocketAddr::V4(d) if d.ip().is_multicast() => {
                socket.set_multicast_ttl_v4(u32::from(ttl))?;
                socket.set_multicast_loop_v4(false)?;
            }
            SocketAddr::V4(_) => socket.set_broadcast(true)?,
            SocketAddr::V6(d) => {
                if !d.ip().is_multicast() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("{destination}: IPv6 has no broadcast, only multicast groups"),
                    ));
                }
                socket.set_only_v6(true)?;
                socket.set_multicast_hops_v6(u32::from(ttl))?;
                socket.set_multicast_loop_v6(false)?;
            }
        }
        if let Some(via) = via {
            crate::multicast::set_multicast_interface(
                socket2::SockRef::from(&socket),
                destination,
                via,
            )?;
        }
        socket.bind(&local.into())?;
        socket.connect(&destination.into())?;
        Ok(Self {
            socket: socket.into(),
            destination,
        })
    }

    /// Where the datagrams go.
    pub fn destination(&self) -> SocketAddr {
        self.destination
    }

    /// The address datagrams leave from.
    ///
    /// # Errors
    /// The socket is no longer valid.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Sends one datagram to the destination.
    ///
    /// # Errors
    /// As `send(2)`.
    pub fn send(&self, bytes: &[u8]) -> io::Result<()> {
        self.socket.send(bytes).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn sends_from_the_shared_server_port_and_leaves_the_server_its_requests() {
        // The server's socket on a port of its own, with SO_REUSEPORT as the workers'.
        let server = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).unwrap();
        server.set_reuse_port(true).unwrap();
        server
            .bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
            .unwrap();
        let server: UdpSocket = server.into();
        server
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let local = server.local_addr().unwrap();
        let listener = UdpSocket::bind("127.0.0.1:0").unwrap();
        listener
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let sender = BroadcastSender::open(local, listener.local_addr().unwrap(), 1).unwrap();
        sender.send(b"mode 5").unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = listener.recv_from(&mut buf).unwrap();
        assert_eq!((&buf[..n], from), (&b"mode 5"[..], local));
        // A client's request to the server's port still reaches the server's socket.
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        for _ in 0..8 {
            client.send_to(b"mode 3", local).unwrap();
            let (n, _) = server.recv_from(&mut buf).unwrap();
            assert_eq!(&buf[..n], b"mode 3");
        }
    }

    #[test]
    fn refuses_ipv6_broadcast_and_mixed_families() {
        let err =
            BroadcastSender::open("[::1]:0".parse().unwrap(), "[::1]:123".parse().unwrap(), 1)
                .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let err = BroadcastSender::open(
            "127.0.0.1:0".parse().unwrap(),
            "[ff02::101]:123".parse().unwrap(),
            1,
        )
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
