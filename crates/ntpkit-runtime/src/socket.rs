//! Creating the UDP sockets a server listens on.
//!
//! Every worker thread gets its own socket per listen address, all bound to the same port
//! with `SO_REUSEPORT`, so the kernel spreads clients over the workers (by a hash of the
//! source address and port) with no lock and no shared queue between them.

use std::net::{SocketAddr, UdpSocket};

use socket2::{Domain, Protocol, Socket, Type};

use crate::error::RuntimeError;

/// Opens a non-blocking UDP socket bound to `addr`, ready for a worker.
///
/// `reuse_port` lets further sockets bind the same address and port (one per worker).
/// Kernel receive timestamps are requested; whether the kernel honoured that is returned.
pub(crate) fn bind_udp(
    addr: SocketAddr,
    reuse_port: bool,
) -> Result<(UdpSocket, bool), RuntimeError> {
    let err = |source| RuntimeError::Bind { addr, source };
    let socket =
        Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP)).map_err(err)?;
    if addr.is_ipv6() {
        // One socket per family: `[::]` must not also take the IPv4 port (ntpd and chronyd
        // bind the two families separately, and a config may list both).
        socket.set_only_v6(true).map_err(err)?;
    }
    if reuse_port {
        socket.set_reuse_port(true).map_err(err)?;
    }
    // The receive queue keeps the system default size (`net.core.rmem_default`, 212,992
    // bytes: about 256 small datagrams on Linux 6), like chronyd 4.3's (`ss -m`: rb212992).
    // A deeper one serves no more under sustained overload, it only delays every reply: with
    // 1 MiB asked (2,520 datagrams), server-bench at 50,000 requests/s on a shared core
    // measured a median round trip of 48..57 ms against chronyd's 2..8 ms; 2..4 ms with the
    // default.
    let kernel_stamps = enable_rx_timestamps(&socket);
    if addr.ip().is_unspecified() {
        // A wildcard socket learns each datagram's destination and answers from it
        // (crate::cmsg explains why); without that a multi-homed host's replies can come
        // from an address the client did not ask, so failing to ask is an error.
        let (level, name) = match addr {
            SocketAddr::V4(_) => (libc::IPPROTO_IP, libc::IP_PKTINFO),
            SocketAddr::V6(_) => (libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO),
        };
        set_flag(&socket, level, name).map_err(err)?;
    }
    socket.set_nonblocking(true).map_err(err)?;
    socket.bind(&addr.into()).map_err(err)?;
    Ok((socket.into(), kernel_stamps))
}

/// Asks the kernel to stamp every received datagram with `CLOCK_REALTIME` in nanoseconds
/// (`SO_TIMESTAMPNS`, delivered as an `SCM_TIMESTAMPNS` control message). Returns false
/// when the kernel refuses; the worker then reads the clock itself after each receive.
pub(crate) fn enable_rx_timestamps(socket: &Socket) -> bool {
    set_flag(socket, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS).is_ok()
}

/// Turns on an integer socket option that socket2 has no setter for.
fn set_flag(socket: &Socket, level: libc::c_int, name: libc::c_int) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: `setsockopt` reads exactly `size_of::<c_int>()` bytes from a live local
    // integer; the descriptor belongs to `socket`, which outlives the call.
    #[allow(unsafe_code)]
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            name,
            (&raw const on).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_sockets_share_a_port_with_reuse_port() {
        let (a, stamps) = bind_udp("127.0.0.1:0".parse().unwrap(), true).unwrap();
        assert!(stamps, "Linux supports SO_TIMESTAMPNS");
        let port = a.local_addr().unwrap().port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let (b, _) = bind_udp(addr, true).unwrap();
        assert_eq!(b.local_addr().unwrap(), addr);
    }

    #[test]
    fn without_reuse_port_a_second_bind_fails() {
        let (a, _) = bind_udp("127.0.0.1:0".parse().unwrap(), false).unwrap();
        let addr = a.local_addr().unwrap();
        assert!(matches!(
            bind_udp(addr, false),
            Err(RuntimeError::Bind { .. })
        ));
    }

    #[test]
    fn ipv6_loopback_binds() {
        let (a, _) = bind_udp("[::1]:0".parse().unwrap(), true).unwrap();
        assert!(a.local_addr().unwrap().is_ipv6());
    }
}
