//! The socket a client association talks to its server through: bound to a fresh
//! ephemeral port (RFC 9109: a random source port per association, so an off-path
//! attacker must guess it as well as the origin timestamp; CVE-2019-11331), connected so
//! the kernel drops datagrams from anyone but the server, and stamped on arrival by the
//! kernel (`SO_TIMESTAMPNS`) for T4.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::{AsRawFd, RawFd};

use socket2::{Domain, Protocol, Socket, Type};

use crate::recvmsg::recv_stamped;
use crate::socket::enable_rx_timestamps;
use crate::time::UnixTime;

/// A connected, non-blocking UDP socket to one server.
#[derive(Debug)]
pub struct UpstreamSocket {
    socket: UdpSocket,
    server: SocketAddr,
    kernel_timestamps: bool,
}

impl UpstreamSocket {
    /// Opens a socket on an ephemeral port of the server's address family and connects it
    /// to `server`.
    ///
    /// # Errors
    /// The socket cannot be created or connected (no route, no such family).
    pub fn connect(server: SocketAddr) -> io::Result<Self> {
        let socket = Socket::new(
            Domain::for_address(server),
            Type::DGRAM,
            Some(Protocol::UDP),
        )?;
        let kernel_timestamps = enable_rx_timestamps(&socket);
        socket.set_nonblocking(true)?;
        socket.connect(&server.into())?;
        Ok(Self {
            socket: socket.into(),
            server,
            kernel_timestamps,
        })
    }

    /// Opens a socket bound to `local` (shared with the server's own sockets there through
    /// `SO_REUSEPORT`) and connects it to `peer`: the socket of a symmetric association,
    /// whose packets must leave from, and come back to, the server's address and port as
    /// ntpd's do. The kernel hands datagrams from `peer` to this connected socket and the
    /// rest of the port's traffic to the server's sockets.
    ///
    /// # Errors
    /// The address cannot be bound (no `SO_REUSEPORT` on the server's sockets, another user)
    /// or `peer` cannot be reached.
    pub fn connect_from(local: SocketAddr, peer: SocketAddr) -> io::Result<Self> {
        let socket = Socket::new(Domain::for_address(peer), Type::DGRAM, Some(Protocol::UDP))?;
        if local.is_ipv6() {
            socket.set_only_v6(true)?;
        }
        socket.set_reuse_port(true)?;
        let kernel_timestamps = enable_rx_timestamps(&socket);
        socket.set_nonblocking(true)?;
        socket.bind(&local.into())?;
        socket.connect(&peer.into())?;
        Ok(Self {
            socket: socket.into(),
            server: peer,
            kernel_timestamps,
        })
    }

    /// The server this socket is connected to.
    pub fn server(&self) -> SocketAddr {
        self.server
    }

    /// Our local address (the ephemeral port the kernel chose).
    ///
    /// # Errors
    /// The socket is no longer valid.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Whether the kernel stamps received datagrams (else [`Self::recv`] reads the clock).
    pub fn kernel_timestamps(&self) -> bool {
        self.kernel_timestamps
    }

    /// Sends one datagram to the server.
    ///
    /// # Errors
    /// As `send(2)`; `ConnectionRefused` reports an ICMP port unreachable from an earlier send.
    pub fn send(&self, bytes: &[u8]) -> io::Result<()> {
        self.socket.send(bytes).map(drop)
    }

    /// Receives one datagram into `buf` with its arrival time, or `None` when nothing is
    /// queued. A datagram longer than `buf` is reported truncated (its length is `buf`'s).
    ///
    /// # Errors
    /// As `recvmsg(2)`; `ConnectionRefused` means the server's port is closed.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<(usize, UnixTime)>> {
        Ok(recv_stamped(self.socket.as_raw_fd(), buf, None)?.map(|got| (got.len, got.received)))
    }
}

impl AsRawFd for UpstreamSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_arrives_with_a_kernel_timestamp_close_to_now() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let upstream = UpstreamSocket::connect(server.local_addr().unwrap()).unwrap();
        assert!(upstream.kernel_timestamps());
        let mut buf = [0u8; 64];
        assert!(
            upstream.recv(&mut buf).unwrap().is_none(),
            "nothing sent yet"
        );
        upstream.send(b"ping").unwrap();
        let mut req = [0u8; 16];
        let (n, from) = server.recv_from(&mut req).unwrap();
        assert_eq!(&req[..n], b"ping");
        assert_eq!(from, upstream.local_addr().unwrap());
        let before = UnixTime::now();
        server.send_to(b"pong!", from).unwrap();
        let received = loop {
            if let Some(r) = upstream.recv(&mut buf).unwrap() {
                break r;
            }
            std::thread::yield_now();
        };
        let after = UnixTime::now();
        assert_eq!(&buf[..received.0], b"pong!");
        let at = |t: UnixTime| t.secs as f64 + f64::from(t.nanos) * 1e-9;
        assert!(at(received.1) >= at(before) - 1e-3 && at(received.1) <= at(after));
    }

    #[test]
    fn datagrams_from_another_address_are_not_received() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
        let upstream = UpstreamSocket::connect(server.local_addr().unwrap()).unwrap();
        let me = upstream.local_addr().unwrap();
        stranger.send_to(b"spoof", me).unwrap();
        server.send_to(b"real", me).unwrap();
        let mut buf = [0u8; 16];
        let got = loop {
            if let Some((n, _)) = upstream.recv(&mut buf).unwrap() {
                break buf[..n].to_vec();
            }
            std::thread::yield_now();
        };
        assert_eq!(got, b"real");
    }

    #[test]
    fn a_connected_socket_on_a_shared_port_takes_only_its_peers_datagrams() {
        let shared = |addr: &str| {
            let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).unwrap();
            s.set_reuse_port(true).unwrap();
            s.bind(&addr.parse::<SocketAddr>().unwrap().into()).unwrap();
            UdpSocket::from(s)
        };
        let server = shared("127.0.0.1:0");
        let port = server.local_addr().unwrap();
        let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
        let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
        let assoc = UpstreamSocket::connect_from(port, peer.local_addr().unwrap()).unwrap();
        assert_eq!(assoc.local_addr().unwrap(), port);
        peer.send_to(b"peer", port).unwrap();
        stranger.send_to(b"client", port).unwrap();
        let mut buf = [0u8; 16];
        let got = loop {
            if let Some((n, _)) = assoc.recv(&mut buf).unwrap() {
                break buf[..n].to_vec();
            }
            std::thread::yield_now();
        };
        assert_eq!(got, b"peer");
        server
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let (n, from) = server.recv_from(&mut buf).unwrap();
        assert_eq!(
            (&buf[..n], from),
            (&b"client"[..], stranger.local_addr().unwrap())
        );
        // Our packets leave from the shared port.
        assoc.send(b"hi").unwrap();
        peer.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let (_, from) = peer.recv_from(&mut buf).unwrap();
        assert_eq!(from, port);
    }

    #[test]
    fn every_association_gets_its_own_port() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let a = UpstreamSocket::connect(server.local_addr().unwrap()).unwrap();
        let b = UpstreamSocket::connect(server.local_addr().unwrap()).unwrap();
        assert_ne!(
            a.local_addr().unwrap().port(),
            b.local_addr().unwrap().port()
        );
    }
}
