//! ntpd's restrict-list semantics, and the fast lookup checked against an independent model.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use ntpkit_access::{
    AccessError, RestrictEntry, RestrictFlag, RestrictFlags, RestrictList, RestrictNetwork,
};
use proptest::prelude::*;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn net(text: &str) -> RestrictNetwork {
    RestrictNetwork::Net(text.parse::<IpNet>().unwrap())
}

fn flags(text: &str) -> RestrictFlags {
    text.parse().unwrap()
}

#[test]
fn default_entries_exist_and_are_unrestricted() {
    let list = RestrictList::new();
    assert_eq!(list.lookup(ip("203.0.113.1"), 123), RestrictFlags::NONE);
    assert_eq!(list.lookup(ip("2001:db8::1"), 123), RestrictFlags::NONE);
    assert_eq!(list.len(), 2);
}

#[test]
fn most_specific_entry_wins_whatever_the_insertion_order() {
    // The accopt example: campus networks with a stricter subnet.
    let entries = [
        RestrictEntry::new(RestrictNetwork::Default, flags("nopeer")),
        RestrictEntry::new(
            RestrictNetwork::with_mask(ip("128.175.0.0"), ip("255.255.0.0")).unwrap(),
            flags(""),
        ),
        RestrictEntry::new(
            RestrictNetwork::with_mask(ip("128.4.0.0"), ip("255.255.0.0")).unwrap(),
            flags("none"),
        ),
        RestrictEntry::new(
            RestrictNetwork::with_mask(ip("128.4.1.0"), ip("255.255.255.0")).unwrap(),
            flags("notrust"),
        ),
    ];
    for order in [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]] {
        let list = RestrictList::from_entries(order.map(|i| entries[i]));
        assert_eq!(list.lookup(ip("128.4.1.7"), 5000), RestrictFlags::NOTRUST);
        assert_eq!(list.lookup(ip("128.4.2.7"), 5000), RestrictFlags::NONE);
        assert_eq!(list.lookup(ip("128.175.9.9"), 5000), RestrictFlags::NONE);
        assert_eq!(list.lookup(ip("10.0.0.1"), 5000), RestrictFlags::NOPEER);
    }
}

#[test]
fn same_address_longer_mask_sorts_later() {
    let list = RestrictList::from_entries([
        RestrictEntry::new(net("10.0.0.0/16"), flags("noquery")),
        RestrictEntry::new(net("10.0.0.0/8"), flags("ignore")),
    ]);
    assert_eq!(list.lookup(ip("10.0.200.1"), 1), RestrictFlags::NOQUERY);
    assert_eq!(list.lookup(ip("10.1.0.1"), 1), RestrictFlags::IGNORE);
}

#[test]
fn ntpport_matches_only_port_123_and_beats_the_same_prefix() {
    let list = RestrictList::from_entries([
        RestrictEntry::new(net("192.0.2.0/24"), flags("nomodify")),
        RestrictEntry::new(net("192.0.2.0/24"), flags("ntpport noserve")),
    ]);
    assert_eq!(list.lookup(ip("192.0.2.5"), 123), RestrictFlags::NOSERVE);
    assert_eq!(list.lookup(ip("192.0.2.5"), 124), RestrictFlags::NOMODIFY);
    // An ntpport host entry does not hide the network for other ports.
    let list = RestrictList::from_entries([
        RestrictEntry::new(net("192.0.2.0/24"), flags("noquery")),
        RestrictEntry::new(net("192.0.2.5/32"), flags("ignore ntpport")),
    ]);
    assert_eq!(list.lookup(ip("192.0.2.5"), 123), RestrictFlags::IGNORE);
    assert_eq!(list.lookup(ip("192.0.2.5"), 40000), RestrictFlags::NOQUERY);
}

#[test]
fn repeated_lines_merge_their_flags() {
    let list = RestrictList::from_entries([
        RestrictEntry::new(net("198.51.100.0/24"), flags("noquery")),
        RestrictEntry::new(net("198.51.100.0/24"), flags("nomodify")),
        RestrictEntry::new(RestrictNetwork::Default, flags("kod")),
        RestrictEntry::new(RestrictNetwork::Default, flags("limited")),
    ]);
    assert_eq!(
        list.lookup(ip("198.51.100.1"), 1),
        flags("noquery nomodify")
    );
    assert_eq!(list.lookup(ip("203.0.113.1"), 1), flags("kod limited"));
}

#[test]
fn family_specific_defaults() {
    let list = RestrictList::from_entries([
        RestrictEntry::new(RestrictNetwork::DefaultV4, flags("ignore")),
        RestrictEntry::new(RestrictNetwork::DefaultV6, flags("noquery")),
    ]);
    assert_eq!(list.lookup(ip("203.0.113.1"), 1), RestrictFlags::IGNORE);
    assert_eq!(list.lookup(ip("2001:db8::1"), 1), RestrictFlags::NOQUERY);
}

#[test]
fn ipv6_prefixes() {
    let list = RestrictList::from_entries([
        RestrictEntry::new(RestrictNetwork::Default, flags("ignore")),
        RestrictEntry::new(net("2001:db8::/32"), flags("nomodify")),
        RestrictEntry::new(net("2001:db8:1::/48"), flags("noquery")),
        RestrictEntry::new(RestrictNetwork::host(ip("2001:db8:1::1")), flags("")),
    ]);
    assert_eq!(list.lookup(ip("2001:db8:1::1"), 1), RestrictFlags::NONE);
    assert_eq!(list.lookup(ip("2001:db8:1::2"), 1), RestrictFlags::NOQUERY);
    assert_eq!(list.lookup(ip("2001:db8:2::2"), 1), RestrictFlags::NOMODIFY);
    assert_eq!(list.lookup(ip("2001:db9::"), 1), RestrictFlags::IGNORE);
    assert_eq!(list.lookup(ip("::"), 1), RestrictFlags::IGNORE);
    assert_eq!(
        list.lookup(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 1),
        RestrictFlags::IGNORE
    );
}

#[test]
fn ipv4_mapped_sources_match_ipv4_entries() {
    let list = RestrictList::from_entries([RestrictEntry::new(net("10.0.0.0/8"), flags("ignore"))]);
    let mapped = IpAddr::V6(Ipv4Addr::new(10, 1, 2, 3).to_ipv6_mapped());
    assert_eq!(list.lookup(mapped, 1), RestrictFlags::IGNORE);
    assert_eq!(list.lookup_linear(mapped, 1), RestrictFlags::IGNORE);
    // And an IPv4-mapped IPv6 entry covers the IPv4 range.
    let list = RestrictList::from_entries([RestrictEntry::new(
        net("::ffff:10.0.0.0/104"),
        flags("noquery"),
    )]);
    assert_eq!(list.lookup(ip("10.9.9.9"), 1), RestrictFlags::NOQUERY);
}

#[test]
fn edges_of_the_address_space() {
    let list = RestrictList::from_entries([
        RestrictEntry::new(net("255.255.255.255/32"), flags("noquery")),
        RestrictEntry::new(net("0.0.0.0/32"), flags("nomodify")),
        RestrictEntry::new(net("128.0.0.0/1"), flags("nopeer")),
    ]);
    assert_eq!(
        list.lookup(ip("255.255.255.255"), 1),
        RestrictFlags::NOQUERY
    );
    assert_eq!(list.lookup(ip("255.255.255.254"), 1), RestrictFlags::NOPEER);
    assert_eq!(list.lookup(ip("0.0.0.0"), 1), RestrictFlags::NOMODIFY);
    assert_eq!(list.lookup(ip("0.0.0.1"), 1), RestrictFlags::NONE);
    assert_eq!(list.lookup(ip("127.255.255.255"), 1), RestrictFlags::NONE);
    assert_eq!(list.lookup(ip("128.0.0.0"), 1), RestrictFlags::NOPEER);
}

#[test]
fn source_template_applies_to_registered_addresses_only() {
    let mut list = RestrictList::from_entries([
        RestrictEntry::new(RestrictNetwork::Default, flags("noserve nopeer noquery")),
        RestrictEntry::new(RestrictNetwork::Source, flags("nomodify noquery")),
    ]);
    let server = ip("192.0.2.123");
    assert_eq!(list.lookup(server, 123), flags("noserve nopeer noquery"));
    list.add_source_address(server);
    list.add_source_address(server); // a second association to the same address
    assert_eq!(list.lookup(server, 123), flags("nomodify noquery"));
    assert_eq!(
        list.lookup(ip("192.0.2.124"), 123),
        flags("noserve nopeer noquery")
    );
    list.remove_source_address(server);
    assert_eq!(
        list.lookup(server, 123),
        flags("nomodify noquery"),
        "still one registration"
    );
    list.remove_source_address(server);
    assert_eq!(list.lookup(server, 123), flags("noserve nopeer noquery"));
}

#[test]
fn explicit_host_entry_beats_the_source_template() {
    let mut list = RestrictList::from_entries([
        RestrictEntry::new(RestrictNetwork::Source, flags("nomodify")),
        RestrictEntry::new(RestrictNetwork::host(ip("192.0.2.1")), flags("noquery")),
    ]);
    list.add_source_address(ip("192.0.2.1"));
    assert_eq!(list.lookup(ip("192.0.2.1"), 1), RestrictFlags::NOQUERY);
}

#[test]
fn source_address_without_template_changes_nothing() {
    let mut list = RestrictList::from_entries([RestrictEntry::new(
        RestrictNetwork::Default,
        flags("noserve"),
    )]);
    list.add_source_address(ip("192.0.2.1"));
    assert_eq!(list.lookup(ip("192.0.2.1"), 123), RestrictFlags::NOSERVE);
}

#[test]
fn local_interface_entries_ignore_port_123_only() {
    let mut list = RestrictList::new();
    list.add_local_interface(ip("192.0.2.50"));
    assert_eq!(list.lookup(ip("192.0.2.50"), 123), RestrictFlags::IGNORE);
    assert_eq!(list.lookup(ip("192.0.2.50"), 50000), RestrictFlags::NONE);
}

#[test]
fn remove_entries_and_reset_defaults() {
    let mut list = RestrictList::from_entries([
        RestrictEntry::new(RestrictNetwork::Default, flags("ignore")),
        RestrictEntry::new(net("10.0.0.0/8"), flags("noquery")),
    ]);
    assert!(list.remove(net("10.0.0.0/8"), false));
    assert!(!list.remove(net("10.0.0.0/8"), false));
    assert_eq!(list.lookup(ip("10.1.1.1"), 1), RestrictFlags::IGNORE);
    assert!(list.remove(RestrictNetwork::Default, false));
    assert_eq!(list.lookup(ip("10.1.1.1"), 1), RestrictFlags::NONE);
    assert_eq!(list.len(), 2);
}

#[test]
fn masks_and_their_errors() {
    let host_bits_cleared = RestrictNetwork::with_mask(ip("10.1.2.3"), ip("255.0.0.0")).unwrap();
    assert_eq!(host_bits_cleared, net("10.0.0.0/8"));
    assert_eq!(
        RestrictNetwork::with_mask(ip("10.0.0.0"), ip("255.0.255.0")),
        Err(AccessError::NonContiguousMask(ip("255.0.255.0")))
    );
    assert!(matches!(
        RestrictNetwork::with_mask(ip("10.0.0.0"), ip("ffff::")),
        Err(AccessError::FamilyMismatch { .. })
    ));
    let v6 = RestrictNetwork::with_mask(ip("2001:db8::1"), ip("ffff:ffff::")).unwrap();
    assert_eq!(v6, net("2001:db8::/32"));
}

#[test]
fn flag_names_parse_like_ntpd() {
    assert_eq!(
        "NoQuery".parse::<RestrictFlag>().unwrap(),
        RestrictFlag::NOQUERY
    );
    assert_eq!(
        "nomodify notrap nopeer noquery limited kod"
            .parse::<RestrictFlags>()
            .unwrap(),
        RestrictFlags::NOMODIFY
            | RestrictFlags::NOTRAP
            | RestrictFlags::NOPEER
            | RestrictFlags::NOQUERY
            | RestrictFlags::LIMITED
            | RestrictFlags::KOD
    );
    assert_eq!(
        "nomodfy".parse::<RestrictFlag>(),
        Err(AccessError::UnknownFlag("nomodfy".into()))
    );
    for flag in RestrictFlag::ALL {
        assert_eq!(flag.name().parse::<RestrictFlag>().unwrap(), *flag);
    }
}

#[test]
fn entries_print_as_ntp_conf_lines() {
    let entry = RestrictEntry::new(net("10.0.0.0/8"), flags("nomodify ntpport"));
    assert!(entry.ntpport);
    assert!(!entry.flags.contains(RestrictFlags::NTPPORT));
    assert_eq!(
        entry.to_string(),
        "restrict 10.0.0.0 mask 255.0.0.0 nomodify ntpport"
    );
    let host = RestrictEntry::new(RestrictNetwork::host(ip("192.0.2.1")), RestrictFlags::NONE);
    assert_eq!(host.to_string(), "restrict 192.0.2.1");
    let v4_default = RestrictEntry::new(RestrictNetwork::DefaultV4, flags("ignore"));
    assert_eq!(v4_default.to_string(), "restrict -4 default ignore");
    let source = RestrictEntry::new(RestrictNetwork::Source, flags("nomodify noquery"));
    // Flags print in documentation order, whatever order they were written in.
    assert_eq!(source.to_string(), "restrict source noquery nomodify");
}

// ---- The fast structure against an independent model of ntpd's search ----

/// One generated `restrict` line: family, address bits, prefix length, ntpport, flags.
#[derive(Clone, Debug)]
struct Line {
    v6: bool,
    bits: u128,
    len: u8,
    ntpport: bool,
    flags: u32,
}

impl Line {
    fn width(&self) -> u32 {
        if self.v6 { 128 } else { 32 }
    }
    fn mask(&self) -> u128 {
        let width = self.width();
        let all = if width == 128 {
            u128::MAX
        } else {
            (1u128 << width) - 1
        };
        match u32::from(self.len) {
            0 => 0,
            len if len >= width => all,
            len => all & !(all >> len),
        }
    }
    fn entry(&self) -> RestrictEntry {
        let addr = if self.v6 {
            IpAddr::V6(Ipv6Addr::from(self.bits))
        } else {
            IpAddr::V4(Ipv4Addr::from(self.bits as u32))
        };
        let mut flags = RestrictFlags::NONE;
        for (i, flag) in RestrictFlag::ALL.iter().enumerate() {
            if self.flags & (1 << i) != 0 && *flag != RestrictFlag::NTPPORT {
                flags.insert(*flag);
            }
        }
        let mut entry = RestrictEntry::new(IpNet::new(addr, self.len).unwrap(), flags);
        entry.ntpport = self.ntpport;
        entry
    }
}

/// ntpd's algorithm as its documentation states it: entries sorted by (address & mask, mask,
/// ntpport); identical entries merged by OR; walk all, the last match wins; the default entry
/// (no flags unless configured) is first.
fn model(lines: &[Line], v6: bool, src: u128, port: u16) -> RestrictFlags {
    let mut table: Vec<(u128, u128, bool, RestrictFlags)> =
        vec![(0, 0, false, RestrictFlags::NONE)];
    for line in lines.iter().filter(|l| l.v6 == v6) {
        let mask = line.mask();
        let key = (line.bits & mask, mask, line.ntpport);
        let flags = line.entry().flags;
        match table.iter_mut().find(|(a, m, p, _)| (*a, *m, *p) == key) {
            Some(existing) => existing.3 |= flags,
            None => table.push((key.0, key.1, key.2, flags)),
        }
    }
    table.sort_by_key(|(addr, mask, ntpport, _)| (*addr, *mask, *ntpport));
    let mut result = RestrictFlags::NONE;
    for (addr, mask, ntpport, flags) in table {
        if src & mask == addr && (!ntpport || port == 123) {
            result = flags;
        }
    }
    result
}

fn line_strategy() -> impl Strategy<Value = Line> {
    // Addresses drawn from a small pool of prefixes so that nesting and collisions are common.
    (
        any::<bool>(),
        0u8..=5,
        any::<u128>(),
        any::<bool>(),
        any::<u32>(),
        0u8..4,
    )
        .prop_map(|(v6, shape, noise, ntpport, flags, base)| {
            let width: u32 = if v6 { 128 } else { 32 };
            let top = u128::from(base) << (width - 2);
            let len = match shape {
                0 => 0,
                1 => 8,
                2 => 16,
                3 => (noise % u128::from(width + 1)) as u8,
                4 => width as u8,
                _ => 24,
            };
            let spread = if width == 128 {
                noise
            } else {
                noise & 0xffff_ffff
            };
            let bits = (top | (spread >> 2)) & if width == 128 { u128::MAX } else { 0xffff_ffff };
            Line {
                v6,
                bits,
                len,
                ntpport: ntpport && noise % 3 == 0,
                flags: flags & 0xffff,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn fast_lookup_equals_ntpd_last_match(
        lines in prop::collection::vec(line_strategy(), 0..60),
        probes in prop::collection::vec((any::<bool>(), any::<u128>(), any::<bool>(), 0usize..64), 1..40),
    ) {
        let list = RestrictList::from_entries(lines.iter().map(Line::entry));
        for (v6, noise, ntp_port, pick) in probes {
            // Probe near the entries' own addresses as well as at random.
            let src = match lines.get(pick).filter(|l| l.v6 == v6) {
                Some(line) => line.bits ^ (noise & (line.mask() ^ if v6 { u128::MAX } else { 0xffff_ffff }) & noise.rotate_left(7)),
                None => if v6 { noise } else { noise & 0xffff_ffff },
            };
            let port = if ntp_port { 123 } else { 40_000 };
            let addr = if v6 { IpAddr::V6(Ipv6Addr::from(src)) } else { IpAddr::V4(Ipv4Addr::from(src as u32)) };
            // Skip IPv4-mapped IPv6 probes: by design they match the IPv4 entries.
            if let IpAddr::V6(a) = addr && a.to_ipv4_mapped().is_some() {
                continue;
            }
            let expected = model(&lines, v6, src, port);
            prop_assert_eq!(list.lookup(addr, port), expected, "fast path for {}:{}", addr, port);
            prop_assert_eq!(list.lookup_linear(addr, port), expected, "linear path for {}:{}", addr, port);
        }
    }
}

/// A large list (the directory then has 2^16 buckets) against the linear model.
#[test]
fn ten_thousand_entries_agree_with_the_linear_walk() {
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut entries = Vec::new();
    for i in 0..10_000 {
        let r = next();
        let network = if i % 5 == 0 {
            let addr = Ipv6Addr::from((u128::from(next()) << 64) | u128::from(r));
            IpNet::new(IpAddr::V6(addr), (r % 129) as u8)
                .unwrap()
                .trunc()
        } else {
            IpNet::new(IpAddr::V4(Ipv4Addr::from(r as u32)), (r >> 40) as u8 % 33)
                .unwrap()
                .trunc()
        };
        let mut entry = RestrictEntry::new(
            network,
            RestrictFlags::from_iter([RestrictFlag::ALL[(r >> 50) as usize % 11]]),
        );
        entry.ntpport = r % 7 == 0;
        entries.push(entry);
    }
    let list = RestrictList::from_entries(entries.clone());
    for _ in 0..500 {
        let r = next();
        // Half the probes inside an entry's network.
        let addr = match (
            r % 2,
            entries
                .get((r >> 8) as usize % entries.len())
                .map(|e| e.network),
        ) {
            (0, Some(RestrictNetwork::Net(net))) => match net {
                IpNet::V4(n) => IpAddr::V4(Ipv4Addr::from(
                    u32::from(n.network()) | (next() as u32 & !u32::from(n.netmask())),
                )),
                IpNet::V6(n) => IpAddr::V6(Ipv6Addr::from(
                    u128::from(n.network()) | (u128::from(next()) & !u128::from(n.netmask())),
                )),
            },
            _ if r % 3 == 0 => IpAddr::V6(Ipv6Addr::from(u128::from(next()) << 64 | u128::from(r))),
            _ => IpAddr::V4(Ipv4Addr::from(r as u32)),
        };
        for port in [123, 50_000] {
            assert_eq!(
                list.lookup(addr, port),
                list.lookup_linear(addr, port),
                "{addr}:{port}"
            );
        }
    }
}
