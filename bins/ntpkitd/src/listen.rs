//! Which addresses to listen on: ntp.conf's `interface`/`nic` rules applied to the host's
//! addresses.
//!
//! As in ntpd, every address starts as `listen` and each rule that matches it, in file
//! order, sets its action (the last match wins): `all`, `ipv4`, `ipv6`, an interface name,
//! or an address or network. `wildcard` names the any-address sockets. Unlike ntpd, which
//! binds every address and keeps the wildcard only to drop strays, we serve a family from
//! its wildcard socket whenever every address of that family listens (packet information
//! picks each reply's source, and addresses added later are served too, as chronyd does),
//! and bind the listening addresses one by one otherwise. `drop` binds nothing here: ntpd
//! holds such a socket open and discards what arrives, which a client cannot tell from
//! silence.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

use ntpkit_config::{InterfaceAction, InterfaceMatch, InterfaceRule};
use ntpkit_runtime::InterfaceAddress;

/// The sockets to bind, and whether they are the built-in default (no rule given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListenPlan {
    pub(crate) addrs: Vec<SocketAddr>,
    pub(crate) default: bool,
    pub(crate) warnings: Vec<String>,
}

/// Applies `rules` to `interfaces` for `port`.
pub(crate) fn plan_listen(
    rules: &[InterfaceRule],
    port: u16,
    interfaces: &[InterfaceAddress],
) -> ListenPlan {
    let wildcards = [
        SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port),
        SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port),
    ];
    let mut warnings = Vec::new();
    if rules.is_empty() {
        return ListenPlan {
            addrs: wildcards.to_vec(),
            default: true,
            warnings,
        };
    }
    for rule in rules {
        if let InterfaceMatch::Name(name) = &rule.matches
            && !interfaces.iter().any(|i| i.name == name.as_str())
        {
            warnings.push(format!(
                "warning: interface {} {name}: no such interface on this host now",
                rule.action.keyword()
            ));
        }
    }
    let mut addrs = Vec::new();
    for (family, wildcard) in [(true, wildcards[0]), (false, wildcards[1])] {
        let members: Vec<&InterfaceAddress> = interfaces
            .iter()
            .filter(|i| i.addr.is_ipv4() == family)
            .collect();
        let listening: Vec<&InterfaceAddress> = members
            .iter()
            .copied()
            .filter(|i| action(rules, Some(i), i.addr) == InterfaceAction::Listen)
            .collect();
        let wildcard_listens = action(rules, None, wildcard.ip()) == InterfaceAction::Listen;
        if wildcard_listens && listening.len() == members.len() {
            addrs.push(wildcard);
        } else {
            addrs.extend(listening.iter().map(|i| socket_addr(i, port)));
        }
    }
    ListenPlan {
        addrs,
        default: false,
        warnings,
    }
}

/// The action the last matching rule gives an address (`interface: None` for a wildcard).
fn action(
    rules: &[InterfaceRule],
    interface: Option<&InterfaceAddress>,
    ip: IpAddr,
) -> InterfaceAction {
    rules
        .iter()
        .rev()
        .find(|rule| matches(&rule.matches, interface, ip))
        .map_or(InterfaceAction::Listen, |rule| rule.action)
}

fn matches(m: &InterfaceMatch, interface: Option<&InterfaceAddress>, ip: IpAddr) -> bool {
    match m {
        InterfaceMatch::All => true,
        InterfaceMatch::Ipv4 => ip.is_ipv4(),
        InterfaceMatch::Ipv6 => ip.is_ipv6(),
        InterfaceMatch::Wildcard => interface.is_none(),
        InterfaceMatch::Name(name) => interface.is_some_and(|i| i.name == name.as_str()),
        InterfaceMatch::Network(net) => interface.is_some() && net.contains(&ip),
    }
}

/// The socket address for one interface address; IPv6 link-local needs its interface.
fn socket_addr(interface: &InterfaceAddress, port: u16) -> SocketAddr {
    match interface.addr {
        IpAddr::V6(v6) if v6.is_unicast_link_local() => {
            SocketAddr::V6(SocketAddrV6::new(v6, port, 0, interface.index))
        }
        ip => SocketAddr::new(ip, port),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ntpkit_config::{ParseOptions, parse_config};

    fn host() -> Vec<InterfaceAddress> {
        let i = |name: &str, addr: &str, index| InterfaceAddress {
            name: name.into(),
            addr: addr.parse().unwrap(),
            index,
            broadcast: None,
            multicast: name != "lo",
        };
        vec![
            i("lo", "127.0.0.1", 1),
            i("eth0", "192.0.2.10", 2),
            i("eth1", "198.51.100.7", 3),
            i("lo", "::1", 1),
            i("eth0", "fe80::1", 2),
            i("eth0", "2001:db8::10", 2),
        ]
    }

    fn plan(conf: &str) -> ListenPlan {
        let parsed = parse_config("ntp.conf", conf, &ParseOptions::default()).unwrap();
        plan_listen(&parsed.config.interfaces, 123, &host())
    }

    fn addrs(p: &ListenPlan) -> Vec<String> {
        p.addrs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn no_rule_is_both_wildcards() {
        let p = plan("");
        assert!(p.default);
        assert_eq!(addrs(&p), ["0.0.0.0:123", "[::]:123"]);
    }

    #[test]
    fn the_classic_ignore_all_then_listen_one_binds_that_one() {
        // ntpd's documented idiom for serving only the loopback and one interface.
        let p = plan("interface ignore all\ninterface listen 127.0.0.1\ninterface listen eth1\n");
        assert_eq!(addrs(&p), ["127.0.0.1:123", "198.51.100.7:123"]);
        assert!(!p.default);
    }

    #[test]
    fn a_name_takes_every_address_of_that_interface_link_local_scoped() {
        let p = plan("nic ignore all\nnic listen eth0\n");
        assert_eq!(
            addrs(&p),
            ["192.0.2.10:123", "[fe80::1%2]:123", "[2001:db8::10]:123"]
        );
    }

    #[test]
    fn the_last_matching_rule_wins() {
        let p = plan("interface ignore eth0\ninterface listen 192.0.2.0/24\n");
        // IPv4: every address listens again, so the wildcard serves it; IPv6 loses eth0's.
        assert_eq!(addrs(&p), ["0.0.0.0:123", "[::1]:123"]);
    }

    #[test]
    fn a_family_ignored_or_dropped_binds_nothing_of_it() {
        assert_eq!(addrs(&plan("interface ignore ipv6\n")), ["0.0.0.0:123"]);
        assert_eq!(addrs(&plan("interface drop ipv4\n")), ["[::]:123"]);
    }

    #[test]
    fn ignoring_the_wildcard_binds_each_address() {
        let p = plan("interface ignore wildcard\n");
        assert_eq!(p.addrs.len(), 6);
        assert!(p.addrs.iter().all(|a| !a.ip().is_unspecified()));
    }

    #[test]
    fn an_unknown_name_is_a_warning_and_matches_nothing() {
        let p = plan("interface ignore all\ninterface listen wlan9\ninterface listen lo\n");
        assert_eq!(addrs(&p), ["127.0.0.1:123", "[::1]:123"]);
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].contains("wlan9"), "{:?}", p.warnings);
    }
}
