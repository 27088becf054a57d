//! The corpus: realistic configurations (tests/corpus/good), each parsed into a structure
//! written out here by hand from the file's text, and broken ones (tests/corpus/bad), each
//! with a `.expect` sidecar listing `line:column kind` of every error, in order. The columns
//! in the sidecars were computed from the position of the offending token in the text, not
//! taken from the parser's output.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::net::IpAddr;
use std::path::PathBuf;

use common::{corpus_dir, parse_good};
use ntpkit_config::*;

fn corpus(kind: &str, ext: &str) -> Vec<PathBuf> {
    let dir = corpus_dir(kind);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.map(|e| e.path()).unwrap_or_default())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

fn text(s: &str) -> ConfigText {
    ConfigText::new(s).unwrap()
}

fn host(s: &str) -> Host {
    match s.parse::<IpAddr>() {
        Ok(ip) => Host::ip(ip),
        Err(_) => Host::name(HostName::new(s).unwrap(), None),
    }
}

fn host_in(family: AddressFamily, s: &str) -> Host {
    let mut h = host(s);
    h.family = Some(family);
    h
}

fn assoc(mode: AssociationMode, h: Host, edit: impl FnOnce(&mut Association)) -> Association {
    let mut a = Association::new(mode, h);
    edit(&mut a);
    a
}

fn flags(words: &str) -> RestrictFlags {
    words.parse().unwrap()
}

fn entry(network: RestrictNetwork, words: &str) -> Restriction {
    Restriction::Entry(RestrictEntry::new(network, flags(words)))
}

fn ip_entry(addr: &str, words: &str) -> Restriction {
    entry(RestrictNetwork::host(addr.parse().unwrap()), words)
}

fn masked(addr: &str, mask: &str, words: &str) -> Restriction {
    let net = RestrictNetwork::with_mask(addr.parse().unwrap(), mask.parse().unwrap()).unwrap();
    entry(net, words)
}

fn key(n: u32) -> KeyId {
    KeyId::new(n).unwrap()
}

fn poll(n: i64) -> Option<PollExponent> {
    PollExponent::new(n)
}

fn filegen(
    kind: StatsKind,
    file: Option<&str>,
    t: Option<FileGenType>,
    link: Option<bool>,
    on: Option<bool>,
) -> FileGen {
    let mut g = FileGen::new(kind);
    g.file = file.map(text);
    g.gen_type = t;
    g.link = link;
    g.enabled = on;
    g
}

/// Checks one parsed good file.
type Check = fn(&Parsed);

/// Every good file must have an entry here.
const GOOD: &[(&str, Check)] = &[
    ("broadcast-lan.conf", broadcast_lan),
    ("busy-server.conf", busy_server),
    ("debian.conf", debian),
    ("freebsd.conf", freebsd),
    ("manual-synopsis.conf", manual_synopsis),
    ("orphan-lan.conf", orphan_lan),
    ("redhat.conf", redhat),
    ("router-manycast-server.conf", router_manycast_server),
    ("router-manycast.conf", router_manycast),
];

#[test]
fn every_good_file_parses_into_its_expected_structure() {
    let listed: Vec<&str> = GOOD.iter().map(|(n, _)| *n).collect();
    for path in corpus("good", "conf") {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        assert!(
            listed.contains(&name),
            "{name} has no expected structure in tests/corpus.rs"
        );
    }
    for (name, check) in GOOD {
        let parsed = parse_good(name);
        check(&parsed);
        // And the canonical text of each reads back to the same configuration.
        let again = parse_config(
            "canonical",
            &parsed.config.to_string(),
            &ParseOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: canonical text does not parse:\n{e}"));
        assert_eq!(again.config, parsed.config, "{name}: round trip");
    }
}

fn debian(p: &Parsed) {
    use StatsKind::*;
    let mut want = NtpConfig::default();
    want.drift_file = Some(DriftFile {
        path: text("/var/lib/ntp/ntp.drift"),
        wander_threshold: None,
    });
    want.leap_file = Some(text("/usr/share/zoneinfo/leap-seconds.list"));
    want.stats.enabled = BTreeSet::from([Loopstats, Peerstats, Clockstats]);
    want.stats.filegens = [Loopstats, Peerstats, Clockstats]
        .into_iter()
        .map(|k| {
            filegen(
                k,
                Some(k.keyword()),
                Some(FileGenType::Day),
                None,
                Some(true),
            )
        })
        .collect();
    want.associations = (0..4)
        .map(|i| {
            assoc(
                AssociationMode::Pool,
                host(&format!("{i}.debian.pool.ntp.org")),
                |a| a.iburst = true,
            )
        })
        .collect();
    let limited = "kod notrap nomodify nopeer noquery limited";
    want.restrictions = vec![
        entry(RestrictNetwork::DefaultV4, limited),
        entry(RestrictNetwork::DefaultV6, limited),
        ip_entry("127.0.0.1", ""),
        ip_entry("::1", ""),
        entry(RestrictNetwork::Source, "notrap nomodify noquery"),
    ];
    assert_eq!(p.config, want);
    assert!(p.warnings.is_empty());
}

fn redhat(p: &Parsed) {
    let mut want = NtpConfig::default();
    want.drift_file = Some(DriftFile {
        path: text("/var/lib/ntp/drift"),
        wander_threshold: None,
    });
    want.restrictions = vec![
        entry(RestrictNetwork::Default, "nomodify notrap nopeer noquery"),
        ip_entry("127.0.0.1", ""),
        ip_entry("::1", ""),
        masked("192.168.1.0", "255.255.255.0", "nomodify notrap"),
    ];
    want.associations = (0..4)
        .map(|i| {
            assoc(
                AssociationMode::Server,
                host(&format!("{i}.rhel.pool.ntp.org")),
                |a| a.iburst = true,
            )
        })
        .collect();
    want.keys.keys_file = Some(text("/etc/ntp/keys"));
    want.flags.monitor = Some(false);
    assert_eq!(p.config, want);
}

fn freebsd(p: &Parsed) {
    let mut want = NtpConfig::default();
    want.tos.minclock = Some(3);
    want.tos.maxclock = Some(6);
    want.associations = vec![assoc(
        AssociationMode::Pool,
        host("0.freebsd.pool.ntp.org"),
        |a| a.iburst = true,
    )];
    want.restrictions = vec![
        entry(
            RestrictNetwork::Default,
            "limited kod nomodify notrap noquery nopeer",
        ),
        entry(
            RestrictNetwork::Source,
            "limited kod nomodify notrap noquery",
        ),
        ip_entry("127.0.0.1", ""),
        ip_entry("::1", ""),
    ];
    // FreeBSD quotes the path; the quotes are not part of it.
    want.leap_file = Some(text("/var/db/ntpd.leap-seconds.list"));
    assert_eq!(p.config, want);
}

fn manual_synopsis(p: &Parsed) {
    use AssociationMode::*;
    use StatsKind::*;
    let c = &p.config;
    let version = |n| VersionNumber::new(n);
    assert_eq!(
        c.associations,
        vec![
            assoc(Pool, host("pool.example.net"), |a| {
                (a.burst, a.iburst, a.prefer) = (true, true, true);
                (a.version, a.minpoll, a.maxpoll) = (version(4), poll(6), poll(10));
            }),
            assoc(Server, host("192.0.2.1"), |a| {
                (a.key, a.burst, a.iburst, a.prefer) = (Some(key(1)), true, true, true);
                (a.version, a.minpoll, a.maxpoll) = (version(3), poll(4), poll(17));
            }),
            assoc(Peer, host("192.0.2.2"), |a| {
                (a.key, a.prefer, a.version, a.minpoll, a.maxpoll) =
                    (Some(key(2)), true, version(4), poll(3), poll(8));
            }),
            assoc(Broadcast, host("192.0.2.255"), |a| {
                (a.key, a.prefer, a.version, a.minpoll, a.ttl) =
                    (Some(key(3)), true, version(4), poll(6), Some(1));
            }),
            assoc(ManycastClient, host("239.1.1.1"), |a| {
                (a.key, a.prefer, a.version, a.minpoll, a.maxpoll, a.ttl) =
                    (Some(key(4)), true, version(4), poll(6), poll(10), Some(8));
            }),
            assoc(
                Server,
                host_in(AddressFamily::Ipv4, "ntp1.example.net"),
                |a| a.noselect = true
            ),
            assoc(
                Server,
                host_in(AddressFamily::Ipv6, "ntp2.example.net"),
                |_| {}
            ),
        ]
    );
    assert!(c.broadcast_client);
    let ips = |list: &[&str]| {
        list.iter()
            .map(|s| s.parse::<IpAddr>().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(c.manycast_servers, ips(&["239.1.1.1", "ff05::101"]));
    assert_eq!(c.multicast_clients, ips(&["224.0.1.1", "ff02::101"]));
    assert_eq!(c.keys.keys_dir, Some(text("/usr/local/etc")));
    assert_eq!(c.keys.keys_file, Some(text("/usr/local/etc/ntp.keys")));
    let trusted: Vec<u16> = c.keys.trusted.iter().map(|k| k.get()).collect();
    let want: Vec<u16> = (1..=4).chain(10..=20).chain(30..=40).collect();
    assert_eq!(trusted, want);
    assert_eq!(
        (c.keys.control_key, c.keys.request_key),
        (Some(key(10)), Some(key(11)))
    );
    // requestkey is accepted for migration but says it has no effect.
    assert_eq!(p.warnings.len(), 1);
    assert_eq!(p.warnings[0].kind, DiagnosticKind::NoEffect);
    assert_eq!(p.warnings[0].line, 22);
    assert_eq!(c.stats.stats_dir, Some(text("/var/log/ntpstats/")));
    assert_eq!(
        c.stats.enabled,
        BTreeSet::from([
            Clockstats,
            Cryptostats,
            Loopstats,
            Peerstats,
            Rawstats,
            Sysstats
        ])
    );
    use FileGenType as T;
    assert_eq!(
        c.stats.filegens,
        vec![
            filegen(
                Clockstats,
                Some("clockstats"),
                Some(T::Pid),
                Some(true),
                Some(true)
            ),
            filegen(
                Cryptostats,
                Some("cryptostats"),
                Some(T::Day),
                Some(false),
                Some(false)
            ),
            filegen(Loopstats, Some("loops"), Some(T::Week), None, None),
            filegen(Peerstats, None, Some(T::Month), Some(true), None),
            filegen(Rawstats, None, Some(T::Year), None, Some(true)),
            filegen(Sysstats, Some("sysstats"), Some(T::Age), None, None),
            filegen(Loopstats, None, Some(T::None), None, None),
        ]
    );
    let mut discard = DiscardConfig::default();
    (discard.average, discard.minimum, discard.monitor) = (5, 2, 3000);
    assert_eq!(c.discard, Some(discard));
    assert_eq!(
        c.restrictions,
        vec![
            entry(RestrictNetwork::Default, "ignore"),
            entry(RestrictNetwork::DefaultV4, "noserve"),
            entry(RestrictNetwork::DefaultV6, "noquery"),
            entry(RestrictNetwork::Source, "nomodify notrap"),
            masked(
                "192.0.2.0",
                "255.255.255.0",
                "kod limited lowpriotrap nomodify noquery nopeer noserve notrap notrust ntpport version"
            ),
            masked("2001:db8::", "ffff:ffff::", "nopeer"),
            Restriction::Host {
                host: host("time.example.net"),
                flags: RestrictFlags::NONE,
                ntpport: false
            },
        ]
    );
    match &c.restrictions[4] {
        Restriction::Entry(e) => assert!(e.ntpport && !e.flags.contains(RestrictFlags::NTPPORT)),
        other => panic!("{other:?}"),
    }
}

fn router_manycast(p: &Parsed) {
    let c = &p.config;
    let mut want = NtpConfig::default();
    want.keys.keys_file = Some(text("/etc/ntpkit/ntp.keys"));
    want.keys.trusted = [key(42)].into_iter().collect();
    want.associations = vec![
        assoc(
            AssociationMode::ManycastClient,
            host("239.255.254.254"),
            |a| {
                (a.key, a.ttl, a.port) = (Some(key(42)), Some(8), PortNumber::new(4123));
            },
        ),
        assoc(AssociationMode::ManycastClient, host("ff05::101"), |a| {
            (a.key, a.ttl) = (Some(key(42)), Some(4));
        }),
    ];
    want.tos.maxdynamic = Some(50);
    want.tos.minclock = Some(1);
    (want.flags.kod, want.flags.keycheck, want.flags.weakcrypto) =
        (Some(true), Some(true), Some(false));
    want.restrictions = vec![entry(
        RestrictNetwork::Default,
        "limited kod nomodify notrap nopeer noquery",
    )];
    let mut discard = DiscardConfig::default();
    (discard.average, discard.minimum) = (4, 2);
    want.discard = Some(discard);
    assert_eq!(*c, want);
}

fn router_manycast_server(p: &Parsed) {
    let mut want = NtpConfig::default();
    want.keys.keys_file = Some(text("/etc/ntpkit/ntp.keys"));
    want.keys.trusted = [key(42)].into_iter().collect();
    want.manycast_servers = vec!["239.255.254.254".parse().unwrap()];
    want.associations = vec![
        assoc(AssociationMode::Server, host("10.0.0.1"), |a| {
            (a.iburst, a.port) = (true, PortNumber::new(123))
        }),
        assoc(AssociationMode::Peer, host("10.0.0.2"), |a| {
            (a.key, a.port) = (Some(key(42)), PortNumber::new(1123))
        }),
    ];
    (want.flags.kod, want.flags.weakcrypto) = (Some(true), Some(true));
    want.restrictions = vec![
        entry(RestrictNetwork::Default, "kod limited nomodify noquery"),
        masked("10.0.0.0", "255.0.0.0", "nomodify"),
    ];
    assert_eq!(p.config, want);
}

fn orphan_lan(p: &Parsed) {
    let c = &p.config;
    let mut l0 = LocalClock::new(LocalClockUnit::new(0).unwrap());
    (l0.minpoll, l0.maxpoll) = (poll(4), poll(4));
    (l0.stratum, l0.refid) = (StratumValue::new(10), Some(RefIdText::new("LOCL").unwrap()));
    let mut l1 = LocalClock::new(LocalClockUnit::new(1).unwrap());
    (l1.noselect, l1.stratum) = (true, StratumValue::new(12));
    assert_eq!(c.local_clocks, vec![l0, l1]);
    assert_eq!(
        c.local_clocks[0].refid.as_ref().map(|r| r.to_bytes()),
        Some(*b"LOCL")
    );
    // The local clock is not a network association.
    assert_eq!(
        c.associations,
        vec![
            assoc(
                AssociationMode::Peer,
                host("lan-peer-a.example.internal"),
                |_| {}
            ),
            assoc(
                AssociationMode::Peer,
                host("lan-peer-b.example.internal"),
                |_| {}
            ),
        ]
    );
    assert_eq!(
        (c.tos.orphan, c.tos.orphanwait),
        (StratumValue::new(10), Some(300))
    );
    let net: ipnet::IpNet = "10.10.0.0/16".parse().unwrap();
    assert_eq!(
        c.restrictions,
        vec![
            entry(RestrictNetwork::Default, "nomodify notrap nopeer noquery"),
            entry(RestrictNetwork::Net(net), "nomodify notrap"),
        ]
    );
}

fn busy_server(p: &Parsed) {
    let c = &p.config;
    assert_eq!(
        c.drift_file,
        Some(DriftFile {
            path: text("/var/lib/ntp/ntp.drift"),
            wander_threshold: Some(0.01)
        })
    );
    assert_eq!(c.log_file, Some(text("/var/log/ntp.log")));
    assert_eq!(
        c.associations,
        vec![
            assoc(
                AssociationMode::Server,
                host_in(AddressFamily::Ipv4, "tick.example.org"),
                |a| {
                    (a.iburst, a.minpoll, a.maxpoll) = (true, poll(5), poll(10));
                }
            ),
            assoc(
                AssociationMode::Server,
                host_in(AddressFamily::Ipv4, "tock.example.org"),
                |a| a.iburst = true
            ),
            assoc(AssociationMode::Server, host("2001:db8::123"), |a| (
                a.iburst, a.prefer
            ) =
                (true, true)),
        ]
    );
    let mut tinker = Tinker::default();
    (tinker.panic, tinker.stepout, tinker.step, tinker.freq) =
        (Some(0.0), Some(300.0), Some(0.5), Some(-12.25));
    assert_eq!(c.tinker, tinker);
    let mut tos = Tos::default();
    (tos.minsane, tos.maxdist, tos.mindist) = (Some(2), Some(1.5), Some(0.001));
    (tos.ceiling, tos.floor, tos.cohort) =
        (StratumValue::new(15), StratumValue::new(1), Some(false));
    (tos.beacon, tos.maxclock, tos.bcpollbstep) = (Some(3600), Some(10), Some(0));
    assert_eq!(c.tos, tos);
    let mut f = SystemFlags::default();
    (f.monitor, f.ntp, f.kernel, f.stats) = (Some(true), Some(true), Some(true), Some(true));
    (f.auth, f.bclient, f.mode7) = (Some(false), Some(false), Some(false));
    assert_eq!(c.flags, f);
    assert_eq!(c.discard, Some(DiscardConfig::default()));
    let mut mru = MruConfig::default();
    mru.set_maxdepth(100_000);
    (mru.mindepth, mru.maxage) = (600, 64);
    mru.set_initalloc(1000);
    mru.set_incalloc(1000);
    assert_eq!(c.mru, Some(mru));
    let net = |s: &str| InterfaceMatch::Network(s.parse().unwrap());
    use InterfaceAction::*;
    let rule = |action, matches| InterfaceRule { action, matches };
    assert_eq!(
        c.interfaces,
        vec![
            rule(Ignore, InterfaceMatch::Wildcard),
            rule(Listen, InterfaceMatch::Name(text("eth0"))),
            rule(Listen, net("192.0.2.10/32")),
            rule(Drop, net("2001:db8::/64")),
            rule(Listen, InterfaceMatch::Ipv6),
        ]
    );
    assert_eq!(c.broadcast_delay, Some(0.004));
    assert_eq!(c.restrictions.len(), 4);
}

fn broadcast_lan(p: &Parsed) {
    let c = &p.config;
    assert_eq!(
        c.associations,
        vec![
            assoc(AssociationMode::Broadcast, host("192.168.1.255"), |a| a
                .key =
                Some(key(7))),
            assoc(AssociationMode::Broadcast, host("224.0.1.1"), |a| {
                (a.key, a.ttl, a.version) = (Some(key(7)), Some(4), VersionNumber::new(4));
            }),
        ]
    );
    assert!(c.broadcast_client);
    // `multicastclient` with no address means the IANA NTP group.
    assert_eq!(
        c.multicast_clients,
        vec!["224.0.1.1".parse::<IpAddr>().unwrap()]
    );
    assert_eq!(c.broadcast_delay, Some(0.008));
    assert_eq!(c.flags.bclient, Some(true));
}

#[test]
fn every_bad_file_fails_at_its_expected_line_and_column() {
    let files = corpus("bad", "conf");
    assert!(files.len() >= 40, "the bad corpus shrank: {}", files.len());
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let text = fs::read_to_string(&path).unwrap_or_default();
        let expect = fs::read_to_string(path.with_extension("expect"))
            .unwrap_or_else(|_| panic!("{name} has no .expect sidecar"));
        let want: Vec<&str> = expect.lines().filter(|l| !l.trim().is_empty()).collect();
        let err = match parse_config(name, &text, &ParseOptions::default()) {
            Ok(_) => panic!("{name} should be refused"),
            Err(e) => e,
        };
        let got: Vec<String> = err
            .diagnostics()
            .iter()
            .map(|d| format!("{}:{} {:?}", d.line, d.column, d.kind))
            .collect();
        assert_eq!(got, want, "{name}:\n{err}");
        for d in err.diagnostics() {
            assert_eq!(d.file, name);
            assert_eq!(d.severity, Severity::Error);
            // The source line is shown, and the caret sits under the reported column.
            let shown = err.to_string();
            assert!(
                shown.contains(&d.message),
                "{name}: message missing from Display"
            );
            let caret = d.caret_line();
            assert_eq!(
                caret.chars().count(),
                d.column as usize,
                "{name}: caret position"
            );
            let line = text
                .split('\n')
                .nth(d.line as usize - 1)
                .unwrap_or("")
                .trim_end_matches('\r');
            assert_eq!(d.source_line, line, "{name}: source line");
        }
    }
}
