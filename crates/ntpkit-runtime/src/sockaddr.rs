//! Socket addresses in the kernel's byte layout (`struct sockaddr_in`/`sockaddr_in6`),
//! decoded without `unsafe`.
//!
//! Receive calls fill a byte buffer with the sender's address; replies reuse those exact
//! bytes as their destination, so only decoding (for the service and access control) is
//! needed here.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Size of `struct sockaddr_storage`: room for any address family.
pub(crate) const SOCKADDR_STORAGE_LEN: usize = size_of::<libc::sockaddr_storage>();

/// A `struct sockaddr_storage` as aligned bytes the kernel writes into.
#[repr(C, align(8))]
#[derive(Clone, Copy)]
pub(crate) struct SockAddrBuf(pub(crate) [u8; SOCKADDR_STORAGE_LEN]);

impl SockAddrBuf {
    pub(crate) const ZERO: Self = Self([0; SOCKADDR_STORAGE_LEN]);
}

/// Decodes the first `len` bytes of `buf` as an IPv4 or IPv6 socket address.
/// Returns `None` for another family or a short buffer.
pub(crate) fn decode(buf: &[u8], len: usize) -> Option<SocketAddr> {
    let b = buf.get(..len)?;
    let family = u16::from_ne_bytes([*b.first()?, *b.get(1)?]);
    let port = u16::from_be_bytes([*b.get(2)?, *b.get(3)?]);
    match i32::from(family) {
        libc::AF_INET => {
            let ip: [u8; 4] = b.get(4..8)?.try_into().ok()?;
            Some(SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(ip), port)))
        }
        libc::AF_INET6 => {
            let flow: [u8; 4] = b.get(4..8)?.try_into().ok()?;
            let ip: [u8; 16] = b.get(8..24)?.try_into().ok()?;
            let scope: [u8; 4] = b.get(24..28)?.try_into().ok()?;
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(ip),
                port,
                u32::from_be_bytes(flow),
                u32::from_ne_bytes(scope),
            )))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lays out a `sockaddr_in6` by hand, as `<netinet/in.h>` on Linux defines it.
    fn v6_bytes(ip: [u8; 16], port: u16, scope: u32) -> [u8; 28] {
        let mut b = [0u8; 28];
        b[..2].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
        b[2..4].copy_from_slice(&port.to_be_bytes());
        b[8..24].copy_from_slice(&ip);
        b[24..28].copy_from_slice(&scope.to_ne_bytes());
        b
    }

    #[test]
    fn decodes_ipv4_layout() {
        let mut b = [0u8; 16];
        b[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        b[2..4].copy_from_slice(&[0x11, 0xd7]); // port 4567, network order
        b[4..8].copy_from_slice(&[192, 0, 2, 7]);
        assert_eq!(decode(&b, 16), Some("192.0.2.7:4567".parse().unwrap()));
    }

    #[test]
    fn decodes_ipv6_layout_with_scope() {
        let mut ip = [0u8; 16];
        ip[0] = 0xfe;
        ip[1] = 0x80;
        ip[15] = 1;
        let b = v6_bytes(ip, 123, 3);
        assert_eq!(decode(&b, 28), Some("[fe80::1%3]:123".parse().unwrap()));
    }

    #[test]
    fn short_or_foreign_addresses_are_none() {
        let mut buf = SockAddrBuf::ZERO;
        assert_eq!(decode(&buf.0, 3), None);
        buf.0[..2].copy_from_slice(&(libc::AF_UNIX as u16).to_ne_bytes());
        assert_eq!(decode(&buf.0, 16), None);
    }
}
