//! Multicast sockets for broadcast and manycast NTP: a socket joined to an IPv4 or IPv6
//! group on one interface (or the kernel's choice), and a sender whose TTL (IPv6 hop limit)
//! is set per datagram, as the expanding-ring search needs. Every received datagram comes
//! with its sender's address and the kernel's receive timestamp (`SO_TIMESTAMPNS`).
//!
//! A manycast server answers by unicast: it sends its replies from an ordinary socket, so
//! the client sees the server's own address (and a port it can poll later), never the
//! group's.

use std::ffi::CString;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::os::fd::{AsRawFd, RawFd};

use socket2::{Domain, InterfaceIndexOrAddress, Protocol, Socket, Type};

use crate::recvmsg::recv_stamped;
use crate::sockaddr::{SockAddrBuf, decode};
use crate::socket::enable_rx_timestamps;
use crate::time::UnixTime;

/// One datagram received on a multicast socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MulticastDatagram {
    /// Bytes written at the start of the caller's buffer (truncated to its length).
    pub len: usize,
    /// Who sent it.
    pub from: SocketAddr,
    /// When it arrived (the kernel's stamp, else the clock read after the receive).
    pub received: UnixTime,
}

/// A non-blocking UDP socket for one multicast group.
#[derive(Debug)]
pub struct MulticastSocket {
    socket: UdpSocket,
    group: SocketAddr,
    kernel_timestamps: bool,
}

/// The index of network interface `name` (`if_nametoindex(3)`).
///
/// # Errors
/// No such interface (`NotFound`), or a name with a NUL byte (`InvalidInput`).
pub fn interface_index(name: &str) -> io::Result<u32> {
    let c = CString::new(name).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call, which only
    // reads it.
    #[allow(unsafe_code)]
    let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if index == 0 {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no network interface named {name}"),
        ));
    }
    Ok(index)
}

/// Makes `socket`'s datagrams to `group` leave by interface `via`: `IP_MULTICAST_IF` by its
/// IPv4 address, `IPV6_MULTICAST_IF` by its index.
///
/// # Errors
/// `via` has an address of the other family (`InvalidInput`), or the kernel refused.
pub(crate) fn set_multicast_interface(
    socket: socket2::SockRef<'_>,
    group: SocketAddr,
    via: &crate::InterfaceAddress,
) -> io::Result<()> {
    match (group, via.addr) {
        (SocketAddr::V4(_), IpAddr::V4(a)) => socket.set_multicast_if_v4(&a),
        (SocketAddr::V6(_), IpAddr::V6(_)) => socket.set_multicast_if_v6(via.index),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "interface address of the other family",
        )),
    }
}

impl MulticastSocket {
    /// A socket that receives what is sent to `group` (address and port) on `interface`
    /// (a name; `None`: the interface the kernel routes the group to). It is bound to the
    /// group address, so unicast datagrams to the same port go elsewhere. Several sockets
    /// may join the same group and port (`SO_REUSEADDR`); each receives only its own group
    /// (`IP_MULTICAST_ALL` off).
    ///
    /// # Errors
    /// `group` is not a multicast address (`InvalidInput`), the interface does not exist,
    /// or the kernel refused to bind or join.
    pub fn join(group: SocketAddr, interface: Option<&str>) -> io::Result<Self> {
        let index = interface.map(interface_index).transpose()?.unwrap_or(0);
        let socket = new_socket(group)?;
        socket.set_reuse_address(true)?;
        socket.set_reuse_port(true)?;
        let kernel_timestamps = enable_rx_timestamps(&socket);
        match group.ip() {
            IpAddr::V4(g) => {
                socket.set_multicast_all_v4(false)?;
                // Bound to the group itself: unicast datagrams to the port are not ours.
                socket.bind(&group.into())?;
                socket.join_multicast_v4_n(&g, &InterfaceIndexOrAddress::Index(index))?;
            }
            IpAddr::V6(g) => {
                socket.set_only_v6(true)?;
                socket.set_multicast_all_v6(false)?;
                let bound = std::net::SocketAddrV6::new(g, group.port(), 0, index);
                socket.bind(&SocketAddr::V6(bound).into())?;
                socket.join_multicast_v6(&g, index)?;
            }
        }
        Ok(Self {
            socket: socket.into(),
            group,
            kernel_timestamps,
        })
    }

    /// A socket that receives what is sent to an IPv4 subnet's broadcast address (`addr`:
    /// an interface's broadcast address and the NTP port). A server bound to its unicast
    /// addresses never receives broadcasts, so `broadcastclient` listens here as well, as
    /// ntpd opens a socket on each interface's broadcast address. Bound to that address,
    /// it receives nothing else; several may share it (`SO_REUSEADDR`).
    ///
    /// # Errors
    /// The kernel refused to bind (e.g. no interface has that broadcast address).
    pub fn broadcast_listener(addr: std::net::SocketAddrV4) -> io::Result<Self> {
        let group = SocketAddr::V4(addr);
        let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
        socket.set_nonblocking(true)?;
        socket.set_reuse_address(true)?;
        socket.set_reuse_port(true)?;
        let kernel_timestamps = enable_rx_timestamps(&socket);
        socket.bind(&group.into())?;
        Ok(Self {
            socket: socket.into(),
            group,
            kernel_timestamps,
        })
    }

    /// A socket on a fresh ephemeral port (RFC 9109) that sends to `group` out of
    /// `interface` (`None`: the route's) and receives the unicast answers. Multicast
    /// loopback is off (our own solicitations do not come back) and the TTL is 1 until
    /// [`Self::set_ttl`].
    ///
    /// # Errors
    /// `group` is not a multicast address, the interface does not exist, or the kernel
    /// refused an option.
    pub fn sender(group: SocketAddr, interface: Option<&str>) -> io::Result<Self> {
        let index = interface.map(interface_index).transpose()?;
        let socket = new_socket(group)?;
        let kernel_timestamps = enable_rx_timestamps(&socket);
        match group.ip() {
            IpAddr::V4(_) => {
                if let Some(index) = index {
                    set_multicast_if_v4_index(&socket, index)?;
                }
                socket.set_multicast_loop_v4(false)?;
                socket.set_multicast_ttl_v4(1)?;
                socket.bind(&SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), 0).into())?;
            }
            IpAddr::V6(_) => {
                socket.set_only_v6(true)?;
                if let Some(index) = index {
                    socket.set_multicast_if_v6(index)?;
                }
                socket.set_multicast_loop_v6(false)?;
                socket.set_multicast_hops_v6(1)?;
                socket.bind(&SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), 0).into())?;
            }
        }
        Ok(Self {
            socket: socket.into(),
            group,
            kernel_timestamps,
        })
    }

    /// The unicast socket a manycast server answers from (and a discovered server is then
    /// polled at): a fresh ephemeral port of `group`'s family that receives no group
    /// traffic (`IP_MULTICAST_ALL` off), so a client learns the server's own address from
    /// the answer's source.
    ///
    /// # Errors
    /// `group` is not a multicast address, or the kernel refused an option.
    pub fn answerer(group: SocketAddr) -> io::Result<Self> {
        let socket = new_socket(group)?;
        let kernel_timestamps = enable_rx_timestamps(&socket);
        match group {
            SocketAddr::V4(_) => {
                socket.set_multicast_all_v4(false)?;
                socket.bind(&SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), 0).into())?;
            }
            SocketAddr::V6(_) => {
                socket.set_only_v6(true)?;
                socket.set_multicast_all_v6(false)?;
                socket.bind(&SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), 0).into())?;
            }
        }
        Ok(Self {
            socket: socket.into(),
            group,
            kernel_timestamps,
        })
    }

    /// A socket that only makes this host a member of `group` (address and port) on
    /// `interface` (`None`: the kernel's choice): bound to an ephemeral port, it receives
    /// nothing itself, while every socket bound to the wildcard address on the group's port
    /// (a server's, whose `IP_MULTICAST_ALL` is on, Linux's default) now receives what is
    /// sent to the group, and knows it from the datagram's destination (`IP_PKTINFO`). This is
    /// how `manycastserver` listens: the server's own sockets answer. Keep it open as long
    /// as the membership is wanted.
    ///
    /// # Errors
    /// `group` is not a multicast address, the interface does not exist, or the kernel
    /// refused to join.
    pub fn membership(group: SocketAddr, interface: Option<&str>) -> io::Result<Self> {
        let index = interface.map(interface_index).transpose()?.unwrap_or(0);
        let socket = new_socket(group)?;
        match group.ip() {
            IpAddr::V4(g) => {
                socket.set_multicast_all_v4(false)?;
                socket.bind(&SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), 0).into())?;
                socket.join_multicast_v4_n(&g, &InterfaceIndexOrAddress::Index(index))?;
            }
            IpAddr::V6(g) => {
                socket.set_only_v6(true)?;
                socket.set_multicast_all_v6(false)?;
                socket.bind(&SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), 0).into())?;
                socket.join_multicast_v6(&g, index)?;
            }
        }
        Ok(Self {
            socket: socket.into(),
            group,
            kernel_timestamps: false,
        })
    }

    /// The group (and port) this socket is for.
    pub fn group(&self) -> SocketAddr {
        self.group
    }

    /// Our local address.
    ///
    /// # Errors
    /// The socket is no longer valid.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Whether the kernel stamps received datagrams.
    pub fn kernel_timestamps(&self) -> bool {
        self.kernel_timestamps
    }

    /// Sets the TTL (IPv4) or hop limit (IPv6) of the datagrams sent to the group from now
    /// on.
    ///
    /// # Errors
    /// The kernel refused (`ttl` 0 is allowed: the datagram stays on this host).
    pub fn set_ttl(&self, ttl: u8) -> io::Result<()> {
        let s = socket2::SockRef::from(&self.socket);
        match self.group {
            SocketAddr::V4(_) => s.set_multicast_ttl_v4(u32::from(ttl)),
            SocketAddr::V6(_) => s.set_multicast_hops_v6(u32::from(ttl)),
        }
    }

    /// Whether our own datagrams to the group are delivered back to this host (off by
    /// default for a sender; a test with everything on one host needs it on).
    ///
    /// # Errors
    /// The kernel refused.
    pub fn set_loopback(&self, on: bool) -> io::Result<()> {
        let s = socket2::SockRef::from(&self.socket);
        match self.group {
            SocketAddr::V4(_) => s.set_multicast_loop_v4(on),
            SocketAddr::V6(_) => s.set_multicast_loop_v6(on),
        }
    }

    /// Sends one datagram to the group.
    ///
    /// # Errors
    /// As `sendto(2)` (no route to the group: `NetworkUnreachable`).
    pub fn send_to_group(&self, bytes: &[u8]) -> io::Result<()> {
        self.socket.send_to(bytes, self.group).map(drop)
    }

    /// Sends one datagram to the group out of interface `via` (`IP_MULTICAST_IF` by its
    /// IPv4 address, `IPV6_MULTICAST_IF` by its index), from that interface's address: ntpd
    /// sends each multicast datagram out of every multicast interface, where the kernel's
    /// route would pick one. The choice stays for later datagrams to the group.
    ///
    /// # Errors
    /// `via` has an address of the other family (`InvalidInput`), or as `sendto(2)`.
    pub fn send_to_group_via(&self, bytes: &[u8], via: &crate::InterfaceAddress) -> io::Result<()> {
        set_multicast_interface(socket2::SockRef::from(&self.socket), self.group, via)?;
        self.send_to_group(bytes)
    }

    /// Sends one datagram by unicast to `to` (a client association's poll).
    ///
    /// # Errors
    /// As `sendto(2)`.
    pub fn send_to(&self, bytes: &[u8], to: SocketAddr) -> io::Result<()> {
        self.socket.send_to(bytes, to).map(drop)
    }

    /// Receives one datagram into `buf`, or `None` when nothing is queued.
    ///
    /// # Errors
    /// As `recvmsg(2)`.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<MulticastDatagram>> {
        let mut name = SockAddrBuf::ZERO;
        let Some(got) = recv_stamped(self.socket.as_raw_fd(), buf, Some(&mut name))? else {
            return Ok(None);
        };
        // Not an IP sender (cannot happen on an IP socket): dropped, nothing reported.
        Ok(decode(&name.0, got.name_len).map(|from| MulticastDatagram {
            len: got.len,
            from,
            received: got.received,
        }))
    }
}

impl AsRawFd for MulticastSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

fn new_socket(group: SocketAddr) -> io::Result<Socket> {
    if !group.ip().is_multicast() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a multicast address", group.ip()),
        ));
    }
    let socket = Socket::new(Domain::for_address(group), Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

/// `IP_MULTICAST_IF` by interface index (`struct ip_mreqn`): socket2 sets it by address
/// only, and an interface may have no IPv4 address of its own on a test link.
fn set_multicast_if_v4_index(socket: &Socket, index: u32) -> io::Result<()> {
    let mreqn = libc::ip_mreqn {
        imr_multiaddr: libc::in_addr { s_addr: 0 },
        imr_address: libc::in_addr { s_addr: 0 },
        imr_ifindex: i32::try_from(index)
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?,
    };
    // SAFETY: `setsockopt` reads exactly `size_of::<ip_mreqn>()` bytes from a live local
    // struct; the descriptor belongs to `socket`, which outlives the call.
    #[allow(unsafe_code)]
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_MULTICAST_IF,
            (&raw const mreqn).cast(),
            size_of::<libc::ip_mreqn>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(socket: &MulticastSocket, buf: &mut [u8]) -> MulticastDatagram {
        for _ in 0..5000 {
            if let Some(d) = socket.recv(buf).unwrap() {
                return d;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        panic!("nothing received on {}", socket.group());
    }

    #[test]
    fn a_membership_makes_the_wildcard_server_socket_receive_the_group() {
        let server = UdpSocket::bind("0.0.0.0:0").unwrap();
        server
            .set_read_timeout(Some(std::time::Duration::from_millis(300)))
            .unwrap();
        let group = SocketAddr::new(
            [239, 255, 42, 97].into(),
            server.local_addr().unwrap().port(),
        );
        let sender = MulticastSocket::sender(group, Some("lo")).unwrap();
        sender.set_loopback(true).unwrap();
        sender.set_ttl(0).unwrap();
        let mut buf = [0u8; 32];
        // Not a member yet: the kernel drops the datagram.
        sender.send_to_group(b"before").unwrap();
        assert!(
            server.recv_from(&mut buf).is_err(),
            "received without a membership"
        );
        let member = MulticastSocket::membership(group, Some("lo")).unwrap();
        sender.send_to_group(b"solicit").unwrap();
        let (n, _) = server.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"solicit");
        // The membership socket itself takes none of the group's traffic.
        assert_eq!(member.recv(&mut buf).unwrap(), None);
    }

    #[test]
    fn a_unicast_address_is_not_a_group() {
        let e = MulticastSocket::join("192.0.2.1:123".parse().unwrap(), None).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        let e = MulticastSocket::sender("[2001:db8::1]:123".parse().unwrap(), None).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn the_ttl_and_hop_limit_reach_the_socket() {
        let v4 = MulticastSocket::sender("239.255.42.98:47124".parse().unwrap(), None).unwrap();
        let s = socket2::SockRef::from(&v4.socket);
        assert_eq!(
            s.multicast_ttl_v4().unwrap(),
            1,
            "a sender starts at one hop"
        );
        assert!(!s.multicast_loop_v4().unwrap());
        v4.set_ttl(6).unwrap();
        assert_eq!(s.multicast_ttl_v4().unwrap(), 6);
        let v6 = MulticastSocket::sender("[ff05::101]:47124".parse().unwrap(), Some("lo")).unwrap();
        let s = socket2::SockRef::from(&v6.socket);
        assert_eq!(s.multicast_hops_v6().unwrap(), 1);
        v6.set_ttl(3).unwrap();
        assert_eq!(s.multicast_hops_v6().unwrap(), 3);
        assert_eq!(s.multicast_if_v6().unwrap(), interface_index("lo").unwrap());
    }

    #[test]
    fn an_unknown_interface_is_reported_by_name() {
        let e = interface_index("nosuchif0").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(e.to_string().contains("nosuchif0"));
        assert!(interface_index("lo").unwrap() > 0);
    }

    #[test]
    fn a_group_datagram_over_loopback_arrives_with_sender_and_timestamp() {
        // 239/8 is administratively scoped; on `lo` with loopback on it never leaves the host.
        let group: SocketAddr = "239.255.42.99:47123".parse().unwrap();
        let listener = MulticastSocket::join(group, Some("lo"))
            .expect("joining a group on lo (needs `ip link set lo multicast on`)");
        let sender = MulticastSocket::sender(group, Some("lo")).unwrap();
        sender.set_loopback(true).unwrap();
        sender.set_ttl(0).unwrap();
        let before = UnixTime::now();
        sender
            .send_to_group(b"solicit")
            .expect("sending to a group on lo (needs a route: ip route add 224.0.0.0/4 dev lo)");
        let mut buf = [0u8; 32];
        let d = wait(&listener, &mut buf);
        assert_eq!(&buf[..d.len], b"solicit");
        // From the sender's port (the address is whichever the kernel chose for `lo`).
        assert_eq!(d.from.port(), sender.local_addr().unwrap().port());
        assert!(d.received >= before);
        // The answer goes back by unicast to the sender's port.
        let unicast = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = SocketAddr::new([127, 0, 0, 1].into(), d.from.port());
        unicast.send_to(b"answer", to).unwrap();
        let a = wait(&sender, &mut buf);
        assert_eq!(&buf[..a.len], b"answer");
        assert_eq!(a.from, unicast.local_addr().unwrap());
    }
}
