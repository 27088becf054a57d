//! Control messages (`struct cmsghdr` sequences) read and written as plain bytes: the
//! kernel receive timestamp (`SCM_TIMESTAMPNS`) and the packet-information messages
//! (`IP_PKTINFO`, `IPV6_PKTINFO`) that tell a wildcard socket which of the host's addresses
//! a datagram was sent to, and make its reply leave from that address.
//!
//! Without them a server bound to `0.0.0.0` answers from whatever source address the route
//! back prefers; on a host with several addresses a client that asked one address gets its
//! answer from another and drops it (ntpdig, chronyd and ntpd all check the source). ntpd
//! avoids this by binding every address; chronyd, like us, keeps the wildcard socket and
//! uses packet information, which also follows addresses added after start.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::time::UnixTime;

const ALIGN: usize = size_of::<usize>();
/// `CMSG_LEN(0)`: the header, padded to `size_t` alignment.
const HEADER: usize = size_of::<libc::cmsghdr>().next_multiple_of(ALIGN);
/// `sizeof(struct in_pktinfo)`: ifindex, spec_dst, addr.
const IN_PKTINFO_LEN: usize = 12;
/// `sizeof(struct in6_pktinfo)`: addr, ifindex.
const IN6_PKTINFO_LEN: usize = 20;

/// Room for the one packet-information message a reply carries (`CMSG_SPACE` of the larger,
/// IPv6, form).
pub(crate) const SEND_CONTROL_LEN: usize = HEADER + IN6_PKTINFO_LEN.next_multiple_of(ALIGN);

/// Where a datagram was delivered, as the kernel's packet information told it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PacketInfo {
    /// The destination address in the datagram's header: one of ours, or a broadcast or
    /// multicast group.
    pub(crate) destination: IpAddr,
    /// The address a reply should come from (IPv4's `ipi_spec_dst`: the destination
    /// itself for unicast, the receiving interface's address for broadcast and multicast);
    /// `None` lets the kernel choose (IPv6 multicast).
    pub(crate) reply_source: Option<IpAddr>,
    /// The receiving interface.
    pub(crate) ifindex: u32,
}

/// Walks a received control buffer: (level, type, data) of each message in order. A length
/// that runs outside the buffer (or is shorter than a header) ends the walk.
fn messages(control: &[u8]) -> impl Iterator<Item = (i32, i32, &[u8])> {
    let mut rest = control;
    std::iter::from_fn(move || {
        let len = usize::from_ne_bytes(rest.get(..ALIGN)?.try_into().ok()?);
        let level = i32::from_ne_bytes(rest.get(ALIGN..ALIGN + 4)?.try_into().ok()?);
        let kind = i32::from_ne_bytes(rest.get(ALIGN + 4..ALIGN + 8)?.try_into().ok()?);
        let data = rest.get(HEADER..len)?;
        rest = rest
            .get(len.checked_next_multiple_of(ALIGN)?..)
            .unwrap_or_default();
        Some((level, kind, data))
    })
}

/// Finds an `SCM_TIMESTAMPNS` message in a received control buffer.
pub(crate) fn parse_timestampns(control: &[u8]) -> Option<UnixTime> {
    messages(control)
        .find(|(level, kind, _)| *level == libc::SOL_SOCKET && *kind == libc::SCM_TIMESTAMPNS)
        .and_then(|(_, _, data)| decode_timespec(data))
}

/// Decodes a `struct timespec` (64-bit `time_t` and `long`, as on every 64-bit Linux).
fn decode_timespec(data: &[u8]) -> Option<UnixTime> {
    if size_of::<libc::time_t>() != 8 || size_of::<libc::c_long>() != 8 {
        return None;
    }
    let secs = i64::from_ne_bytes(data.get(..8)?.try_into().ok()?);
    let nanos = i64::from_ne_bytes(data.get(8..16)?.try_into().ok()?);
    let nanos = u32::try_from(nanos).ok().filter(|n| *n < 1_000_000_000)?;
    Some(UnixTime { secs, nanos })
}

/// Finds an `IP_PKTINFO` or `IPV6_PKTINFO` message in a received control buffer.
pub(crate) fn parse_pktinfo(control: &[u8]) -> Option<PacketInfo> {
    messages(control).find_map(|(level, kind, data)| match (level, kind) {
        (libc::IPPROTO_IP, libc::IP_PKTINFO) => {
            let data = data.get(..IN_PKTINFO_LEN)?;
            let ifindex = i32::from_ne_bytes(data.get(..4)?.try_into().ok()?);
            let spec_dst: [u8; 4] = data.get(4..8)?.try_into().ok()?;
            let addr: [u8; 4] = data.get(8..12)?.try_into().ok()?;
            Some(PacketInfo {
                destination: IpAddr::V4(Ipv4Addr::from(addr)),
                reply_source: Some(IpAddr::V4(Ipv4Addr::from(spec_dst))),
                ifindex: u32::try_from(ifindex).unwrap_or(0),
            })
        }
        (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO) => {
            let addr: [u8; 16] = data.get(..16)?.try_into().ok()?;
            let ifindex = u32::from_ne_bytes(data.get(16..20)?.try_into().ok()?);
            let addr = Ipv6Addr::from(addr);
            Some(PacketInfo {
                destination: IpAddr::V6(addr),
                // A group is no source: the kernel picks one of the interface's addresses.
                reply_source: (!addr.is_multicast()).then_some(IpAddr::V6(addr)),
                ifindex,
            })
        }
        _ => None,
    })
}

/// A control buffer for one reply, aligned for `struct cmsghdr`.
#[repr(C, align(8))]
#[derive(Clone, Copy)]
pub(crate) struct SendControl(pub(crate) [u8; SEND_CONTROL_LEN]);

impl SendControl {
    pub(crate) const ZERO: Self = Self([0; SEND_CONTROL_LEN]);

    /// Writes the packet-information message that sends a reply to a datagram described by
    /// `info` from the address it was sent to. Returns the control length to give the
    /// kernel, 0 when there is nothing to say (the kernel then chooses the source).
    ///
    /// IPv4 names the source (`ipi_spec_dst`) and leaves the interface to the route, as a
    /// reply to a broadcast must still follow the routing table. IPv6 names the interface
    /// only where the address alone is ambiguous: a multicast request or a link-local peer.
    pub(crate) fn encode(&mut self, info: &PacketInfo, peer: IpAddr) -> usize {
        let (level, kind, data_len) = match info.reply_source {
            Some(IpAddr::V4(_)) => (libc::IPPROTO_IP, libc::IP_PKTINFO, IN_PKTINFO_LEN),
            _ => (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, IN6_PKTINFO_LEN),
        };
        if info.destination.is_ipv4() != peer.is_ipv4() {
            return 0;
        }
        self.0 = [0; SEND_CONTROL_LEN];
        let b = &mut self.0;
        b[..ALIGN].copy_from_slice(&(HEADER + data_len).to_ne_bytes());
        b[ALIGN..ALIGN + 4].copy_from_slice(&level.to_ne_bytes());
        b[ALIGN + 4..ALIGN + 8].copy_from_slice(&kind.to_ne_bytes());
        let data = &mut b[HEADER..HEADER + data_len];
        match (info.reply_source, peer) {
            (Some(IpAddr::V4(source)), _) => {
                // ifindex 0: the route decides the interface.
                data[4..8].copy_from_slice(&source.octets());
            }
            (source, IpAddr::V6(peer)) => {
                if let Some(IpAddr::V6(source)) = source {
                    data[..16].copy_from_slice(&source.octets());
                }
                let scoped = source.is_none() || peer.is_unicast_link_local();
                let ifindex = if scoped { info.ifindex } else { 0 };
                data[16..20].copy_from_slice(&ifindex.to_ne_bytes());
            }
            _ => return 0,
        }
        HEADER + data_len.next_multiple_of(ALIGN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lays out one control message by hand, as `<sys/socket.h>`'s CMSG macros do on
    /// 64-bit Linux: `size_t` length, `int` level, `int` type, data padded to 8.
    fn message(level: i32, kind: i32, data: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&(16 + data.len()).to_ne_bytes());
        b.extend_from_slice(&level.to_ne_bytes());
        b.extend_from_slice(&kind.to_ne_bytes());
        b.extend_from_slice(data);
        b.resize(b.len().next_multiple_of(8), 0);
        b
    }

    #[test]
    fn timestampns_control_message_is_found_after_another() {
        let mut buf = message(libc::SOL_SOCKET, libc::SO_RXQ_OVFL, &[0; 4]);
        let mut ts = 1_700_000_000i64.to_ne_bytes().to_vec();
        ts.extend_from_slice(&999_999_999i64.to_ne_bytes());
        buf.extend(message(libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS, &ts));
        assert_eq!(
            parse_timestampns(&buf),
            Some(UnixTime {
                secs: 1_700_000_000,
                nanos: 999_999_999
            })
        );
        // A truncated or nonsense control buffer yields nothing, and no panic.
        assert_eq!(parse_timestampns(&buf[..buf.len() - 12]), None);
        let mut bad = buf.clone();
        let at = bad.len() - 8;
        bad[at..].copy_from_slice(&2_000_000_000i64.to_ne_bytes());
        assert_eq!(parse_timestampns(&bad), None);
        assert_eq!(parse_timestampns(&[0xff; 40]), None);
        assert_eq!(parse_pktinfo(&[0xff; 40]), None);
    }

    #[test]
    fn ipv4_pktinfo_gives_header_destination_and_reply_source() {
        // A broadcast received on interface 3 whose address is 192.0.2.1.
        let mut data = 3i32.to_ne_bytes().to_vec();
        data.extend_from_slice(&[192, 0, 2, 1]);
        data.extend_from_slice(&[255, 255, 255, 255]);
        let mut buf = message(libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, &[0; 16]);
        buf.extend(message(libc::IPPROTO_IP, libc::IP_PKTINFO, &data));
        let info = parse_pktinfo(&buf).unwrap();
        assert_eq!(info.destination, IpAddr::V4(Ipv4Addr::BROADCAST));
        assert_eq!(
            info.reply_source,
            Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)))
        );
        assert_eq!(info.ifindex, 3);

        let mut out = SendControl::ZERO;
        let len = out.encode(&info, "198.51.100.9".parse().unwrap());
        // CMSG_SPACE(sizeof(struct in_pktinfo)) = 16 + 16; spec_dst set, ifindex 0.
        assert_eq!(len, 32);
        let mut want = 0i32.to_ne_bytes().to_vec();
        want.extend_from_slice(&[192, 0, 2, 1, 0, 0, 0, 0]);
        assert_eq!(
            &out.0[..len],
            &message(libc::IPPROTO_IP, libc::IP_PKTINFO, &want)[..]
        );
    }

    #[test]
    fn ipv6_pktinfo_scopes_only_groups_and_link_local_peers() {
        let group: Ipv6Addr = "ff05::101".parse().unwrap();
        let mut data = group.octets().to_vec();
        data.extend_from_slice(&7u32.to_ne_bytes());
        let info = parse_pktinfo(&message(libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, &data)).unwrap();
        assert_eq!(info.destination, IpAddr::V6(group));
        assert_eq!(info.reply_source, None);
        let mut out = SendControl::ZERO;
        // CMSG_SPACE(sizeof(struct in6_pktinfo)) = 16 + 24.
        assert_eq!(out.encode(&info, "2001:db8::9".parse().unwrap()), 40);
        assert_eq!(&out.0[16..32], &[0u8; 16], "source left to the kernel");
        assert_eq!(
            &out.0[32..36],
            &7u32.to_ne_bytes(),
            "sent on the group's interface"
        );

        let ours: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let unicast = PacketInfo {
            destination: IpAddr::V6(ours),
            reply_source: Some(IpAddr::V6(ours)),
            ifindex: 7,
        };
        assert_eq!(out.encode(&unicast, "2001:db8::9".parse().unwrap()), 40);
        assert_eq!(&out.0[16..32], &ours.octets());
        assert_eq!(&out.0[32..36], &0u32.to_ne_bytes(), "the route decides");
        out.encode(&unicast, "fe80::9".parse().unwrap());
        assert_eq!(
            &out.0[32..36],
            &7u32.to_ne_bytes(),
            "link-local needs the interface"
        );
    }
}
