//! The host's network interfaces and their addresses (`getifaddrs(3)`), for ntp.conf's
//! `interface`/`nic` rules, which name interfaces as well as addresses.

use std::ffi::CStr;
use std::io;
use std::net::{IpAddr, Ipv4Addr};

use crate::sockaddr;

/// One address configured on one interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceAddress {
    /// The interface's name (`eth0`, `lo`).
    pub name: String,
    /// The address.
    pub addr: IpAddr,
    /// The interface index, which an IPv6 link-local address needs as its scope.
    pub index: u32,
    /// An IPv4 address's broadcast address on its subnet, when the interface has one
    /// (`IFF_BROADCAST`; the loopback has none): where `broadcastclient` listens when the
    /// server is bound to this address only.
    pub broadcast: Option<Ipv4Addr>,
    /// Whether multicast can leave by this interface: it is up, not the loopback, and
    /// multicast-capable (`IFF_UP`, `IFF_MULTICAST`, not `IFF_LOOPBACK`), as ntpd picks the
    /// interfaces it sends multicast from.
    pub multicast: bool,
}

/// Lists every IPv4 and IPv6 address of every interface, in the kernel's order.
///
/// # Errors
/// The kernel refused the listing (`getifaddrs` failed).
pub fn local_addresses() -> io::Result<Vec<InterfaceAddress>> {
    let mut out = Vec::new();
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: `getifaddrs` fills `head` with a list the C library allocated, which is
    // only read here (each node's name, a NUL-terminated string, and its address, mask and
    // broadcast address, whose family says how many bytes each holds) and freed once
    // below; nothing keeps pointers into it after `freeifaddrs`.
    #[allow(unsafe_code)]
    unsafe {
        if libc::getifaddrs(&mut head) != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut node = head;
        while let Some(ifa) = node.as_ref() {
            node = ifa.ifa_next;
            let Some(addr) = ifa.ifa_addr.as_ref() else {
                continue;
            };
            let len = match i32::from(addr.sa_family) {
                libc::AF_INET => size_of::<libc::sockaddr_in>(),
                libc::AF_INET6 => size_of::<libc::sockaddr_in6>(),
                _ => continue,
            };
            let bytes = std::slice::from_raw_parts(ifa.ifa_addr.cast::<u8>(), len);
            let name = CStr::from_ptr(ifa.ifa_name).to_string_lossy().into_owned();
            // On Linux `ifa_ifu` is the broadcast address when IFF_BROADCAST is set, but
            // glibc fills it with the address itself when the kernel has none (an address
            // added without `brd`), so the subnet's broadcast is worked out from the mask.
            let v4 = |p: *const libc::sockaddr| -> Option<Ipv4Addr> {
                let sa = p.as_ref()?;
                if i32::from(sa.sa_family) != libc::AF_INET {
                    return None;
                }
                let n = size_of::<libc::sockaddr_in>();
                let b = std::slice::from_raw_parts(p.cast::<u8>(), n);
                match sockaddr::decode(b, n)?.ip() {
                    IpAddr::V4(a) => Some(a),
                    IpAddr::V6(_) => None,
                }
            };
            let broadcast = if ifa.ifa_flags & libc::IFF_BROADCAST as libc::c_uint != 0 {
                v4(ifa.ifa_addr)
                    .and_then(|a| subnet_broadcast(a, v4(ifa.ifa_netmask), v4(ifa.ifa_ifu)))
            } else {
                None
            };
            let flags = ifa.ifa_flags;
            let has = |flag: libc::c_int| flags & flag as libc::c_uint != 0;
            let multicast =
                has(libc::IFF_UP) && has(libc::IFF_MULTICAST) && !has(libc::IFF_LOOPBACK);
            if let Some(addr) = sockaddr::decode(bytes, len) {
                out.push((name, addr.ip(), broadcast, multicast));
            }
        }
        libc::freeifaddrs(head);
    }
    Ok(out
        .into_iter()
        .map(|(name, addr, broadcast, multicast)| {
            let index = crate::multicast::interface_index(&name).unwrap_or(0);
            InterfaceAddress {
                name,
                addr,
                index,
                broadcast,
                multicast,
            }
        })
        .collect())
}

/// The broadcast address of IPv4 address `addr` on its subnet: the one the kernel reports
/// (`reported`) when it is a real one, else the subnet's highest address from `mask`.
/// `None` for /31 and /32, which have no broadcast address (RFC 3021).
fn subnet_broadcast(
    addr: Ipv4Addr,
    mask: Option<Ipv4Addr>,
    reported: Option<Ipv4Addr>,
) -> Option<Ipv4Addr> {
    let mask = u32::from(mask?);
    if mask.count_ones() >= 31 {
        return None;
    }
    let computed = Ipv4Addr::from(u32::from(addr) | !mask);
    match reported {
        Some(b) if b != addr && !b.is_unspecified() => Some(b),
        _ => Some(computed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subnet_broadcast_is_the_reported_one_or_worked_out_from_the_mask() {
        let ip = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        let mask24 = Some(ip("255.255.255.0"));
        // Reported by the kernel (`brd`), even when it is not the highest address.
        assert_eq!(
            subnet_broadcast(ip("10.1.2.3"), mask24, Some(ip("10.1.2.127"))),
            Some(ip("10.1.2.127"))
        );
        // glibc's stand-in (the address itself) or nothing: the subnet's highest address.
        assert_eq!(
            subnet_broadcast(ip("10.1.2.3"), mask24, Some(ip("10.1.2.3"))),
            Some(ip("10.1.2.255"))
        );
        assert_eq!(
            subnet_broadcast(ip("172.16.5.9"), Some(ip("255.255.240.0")), None),
            Some(ip("172.16.15.255"))
        );
        // Point-to-point subnets have none (RFC 3021), nor does an address without a mask.
        assert_eq!(
            subnet_broadcast(ip("10.0.0.1"), Some(ip("255.255.255.254")), None),
            None
        );
        assert_eq!(
            subnet_broadcast(ip("10.0.0.1"), Some(ip("255.255.255.255")), None),
            None
        );
        assert_eq!(subnet_broadcast(ip("10.0.0.1"), None, None), None);
    }

    #[test]
    fn loopback_is_listed_with_its_addresses() {
        let all = local_addresses().unwrap();
        let lo: Vec<_> = all.iter().filter(|a| a.name == "lo").collect();
        assert!(
            lo.iter().any(|a| a.addr == IpAddr::from([127, 0, 0, 1])),
            "{all:?}"
        );
        assert!(lo.iter().all(|a| a.index == 1), "lo is interface 1: {lo:?}");
        assert!(lo.iter().all(|a| a.broadcast.is_none()), "{lo:?}");
    }
}
