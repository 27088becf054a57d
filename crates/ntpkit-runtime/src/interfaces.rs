//! The host's network interfaces and their addresses (`getifaddrs(3)`), for ntp.conf's
//! `interface`/`nic` rules, which name interfaces as well as addresses.

use std::ffi::CStr;
use std::io;
use std::net::IpAddr;

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
}

/// Lists every IPv4 and IPv6 address of every interface, in the kernel's order.
///
/// # Errors
/// The kernel refused the listing (`getifaddrs` failed).
pub fn local_addresses() -> io::Result<Vec<InterfaceAddress>> {
    let mut out = Vec::new();
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: `getifaddrs` fills `head` with a list the C library allocated, which is
    // only read here (each node's name, a NUL-terminated string, and its address, whose
    // family says how many bytes it holds) and freed once below; nothing keeps pointers
    // into it after `freeifaddrs`.
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
            if let Some(addr) = sockaddr::decode(bytes, len) {
                out.push((name, addr.ip()));
            }
        }
        libc::freeifaddrs(head);
    }
    Ok(out
        .into_iter()
        .map(|(name, addr)| {
            let index = crate::multicast::interface_index(&name).unwrap_or(0);
            InterfaceAddress { name, addr, index }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_listed_with_its_addresses() {
        let all = local_addresses().unwrap();
        let lo: Vec<_> = all.iter().filter(|a| a.name == "lo").collect();
        assert!(
            lo.iter().any(|a| a.addr == IpAddr::from([127, 0, 0, 1])),
            "{all:?}"
        );
        assert!(lo.iter().all(|a| a.index == 1), "lo is interface 1: {lo:?}");
    }
}
