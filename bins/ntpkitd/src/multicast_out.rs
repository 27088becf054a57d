//! Which interfaces a multicast datagram of ours leaves by. ntpd sends every multicast
//! datagram (a manycast solicitation) out of each multicast interface it has an endpoint on
//! (`sendpkt` walks its `mc4_list`/`mc6_list`), so a multi-homed host finds servers on
//! every attached network; the kernel's route alone would pick one interface.

use std::net::{IpAddr, SocketAddr};

use ntpkit_runtime::InterfaceAddress;

/// The interfaces (one address each, of `group`'s family) that a datagram to `group` is
/// sent out of: every multicast-capable, up, non-loopback interface with an address that
/// `listen` serves (every one when `listen` holds that family's wildcard, as ntpd's
/// endpoints follow its `interface` rules). Empty: leave the choice to the route.
pub(crate) fn interfaces_for(
    group: IpAddr,
    listen: &[SocketAddr],
    interfaces: &[InterfaceAddress],
) -> Vec<InterfaceAddress> {
    let family = |ip: &IpAddr| ip.is_ipv4() == group.is_ipv4();
    let wildcard = listen
        .iter()
        .any(|a| family(&a.ip()) && a.ip().is_unspecified());
    let mut out: Vec<InterfaceAddress> = Vec::new();
    for i in interfaces {
        let served = wildcard || listen.iter().any(|a| a.ip() == i.addr);
        if !(i.multicast && family(&i.addr) && served) {
            continue;
        }
        // One datagram per interface, from its first address of the family; for IPv6 one
        // that is not link-local if it has one, since routers never forward a datagram
        // with a link-local source beyond the link (RFC 4007), whatever the group's scope.
        match out.iter_mut().find(|o| o.index == i.index) {
            Some(o) if link_local(&o.addr) && !link_local(&i.addr) => *o = i.clone(),
            Some(_) => {}
            None => out.push(i.clone()),
        }
    }
    out
}

fn link_local(ip: &IpAddr) -> bool {
    matches!(ip, IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> Vec<InterfaceAddress> {
        let i = |name: &str, addr: &str, index, multicast| InterfaceAddress {
            name: name.into(),
            addr: addr.parse().unwrap(),
            index,
            broadcast: None,
            multicast,
        };
        vec![
            i("lo", "127.0.0.1", 1, false),
            i("eth0", "10.0.0.2", 2, true),
            i("eth0", "10.0.0.3", 2, true),
            i("eth1", "10.9.0.2", 3, true),
            i("tun0", "10.8.0.1", 4, false),
            i("lo", "::1", 1, false),
            i("eth0", "fe80::2", 2, true),
            i("eth0", "fd00::2", 2, true),
        ]
    }

    fn names(v: &[InterfaceAddress]) -> Vec<(String, String)> {
        v.iter()
            .map(|i| (i.name.clone(), i.addr.to_string()))
            .collect()
    }

    fn addrs(list: &[&str]) -> Vec<SocketAddr> {
        list.iter().map(|a| a.parse().unwrap()).collect()
    }

    #[test]
    fn a_wildcard_listener_sends_out_of_every_multicast_interface_once() {
        let got = interfaces_for(
            "239.1.1.1".parse().unwrap(),
            &addrs(&["0.0.0.0:123", "[::]:123"]),
            &host(),
        );
        let want = [("eth0", "10.0.0.2"), ("eth1", "10.9.0.2")];
        assert_eq!(names(&got), want.map(|(n, a)| (n.to_owned(), a.to_owned())));
        let got6 = interfaces_for("ff05::101".parse().unwrap(), &addrs(&["[::]:123"]), &host());
        // eth0's ULA rather than its link-local address, listed first.
        assert_eq!(names(&got6), [("eth0".to_owned(), "fd00::2".to_owned())]);
    }

    #[test]
    fn addresses_not_listened_on_are_not_sent_from() {
        // `interface ignore all` + `interface listen 10.9.0.2`: only eth1.
        let got = interfaces_for(
            "239.1.1.1".parse().unwrap(),
            &addrs(&["10.9.0.2:123", "127.0.0.1:123"]),
            &host(),
        );
        assert_eq!(names(&got), [("eth1".to_owned(), "10.9.0.2".to_owned())]);
        // Only IPv6 wildcard: no IPv4 interface, the route decides.
        let none = interfaces_for("239.1.1.1".parse().unwrap(), &addrs(&["[::]:123"]), &host());
        assert!(none.is_empty());
    }
}
