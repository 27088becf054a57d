//! Property: printing any configuration as ntp.conf and parsing the text gives the same
//! configuration; serde (JSON) is lossless too; and no input text makes the parser panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ntpkit_config::*;
use proptest::collection::{btree_set, vec};
use proptest::option::of;
use proptest::prelude::*;

fn text() -> impl Strategy<Value = ConfigText> {
    // Blanks and `#` force quoting; `é` checks that columns and printing handle UTF-8.
    "[a-zA-Z0-9/_.é# -]{1,24}".prop_filter_map("valid text", |s| ConfigText::new(&s).ok())
}

fn host_name() -> impl Strategy<Value = HostName> {
    "[a-z][a-z0-9-]{0,10}(\\.[a-z][a-z0-9]{0,6}){0,3}"
        .prop_filter_map("name", |s| HostName::new(&s).ok())
}

fn unicast_ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>()
            .prop_filter("no refclock", |o| !(o[0] == 127 && o[1] == 127))
            .prop_map(|o| IpAddr::V4(Ipv4Addr::from(o))),
        any::<u128>().prop_map(|v| IpAddr::V6(Ipv6Addr::from(v))),
    ]
}

fn multicast_ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        (224u8..=239, any::<[u8; 3]>())
            .prop_map(|(a, [b, c, d])| IpAddr::V4(Ipv4Addr::new(a, b, c, d))),
        any::<u128>().prop_map(|v| IpAddr::V6(Ipv6Addr::from(v | (0xff << 120)))),
    ]
}

fn family_of(ip: &IpAddr) -> AddressFamily {
    if ip.is_ipv4() {
        AddressFamily::Ipv4
    } else {
        AddressFamily::Ipv6
    }
}

fn host(ip: impl Strategy<Value = IpAddr> + 'static, names: bool) -> impl Strategy<Value = Host> {
    let by_ip = (ip, any::<bool>()).prop_map(|(ip, qualified)| Host {
        family: qualified.then(|| family_of(&ip)),
        address: HostAddress::Ip(ip),
    });
    let by_name = (
        host_name(),
        of(prop_oneof![
            Just(AddressFamily::Ipv4),
            Just(AddressFamily::Ipv6)
        ]),
    )
        .prop_map(|(n, f)| Host::name(n, f));
    if names {
        by_ip.boxed().prop_union(by_name.boxed()).boxed()
    } else {
        by_ip.boxed()
    }
}

fn key_id() -> impl Strategy<Value = KeyId> {
    (1u32..=65534).prop_map(|n| KeyId::new(n).unwrap())
}

fn poll_pair() -> impl Strategy<Value = (Option<PollExponent>, Option<PollExponent>)> {
    (of(3i64..=17), of(3i64..=17)).prop_map(|(a, b)| {
        let (a, b) = match (a, b) {
            (Some(a), Some(b)) => (Some(a.min(b)), Some(a.max(b))),
            other => other,
        };
        (a.and_then(PollExponent::new), b.and_then(PollExponent::new))
    })
}

fn association() -> impl Strategy<Value = Association> {
    use AssociationMode::*;
    let mode = prop_oneof![
        Just(Server),
        Just(Pool),
        Just(Peer),
        Just(Broadcast),
        Just(ManycastClient)
    ];
    mode.prop_flat_map(|mode| {
        let h = match mode {
            Broadcast => host(prop_oneof![unicast_ip(), multicast_ip()], false).boxed(),
            ManycastClient => host(multicast_ip(), false).boxed(),
            _ => host(unicast_ip(), true).boxed(),
        };
        let flags = any::<[bool; 4]>();
        let numbers = (
            of(key_id()),
            of(1i64..=4),
            poll_pair(),
            of(any::<u8>()),
            of(1i64..=65535),
        );
        (Just(mode), h, flags, numbers)
    })
    .prop_map(
        |(
            mode,
            h,
            [burst, iburst, prefer, noselect],
            (key, version, (minpoll, maxpoll), ttl, port),
        )| {
            let mut a = Association::new(mode, h);
            let has = |o: &str| match o {
                "key" => mode != Pool,
                "burst" => matches!(mode, Server | Pool),
                "maxpoll" => mode != Broadcast,
                "ttl" => matches!(mode, Broadcast | ManycastClient),
                "noselect" | "port" => mode != Broadcast,
                _ => true,
            };
            a.key = key.filter(|_| has("key"));
            (a.burst, a.iburst) = (burst && has("burst"), iburst && has("burst"));
            a.prefer = prefer;
            a.noselect = noselect && has("noselect");
            a.version = version.and_then(VersionNumber::new);
            a.minpoll = minpoll;
            a.maxpoll = maxpoll.filter(|_| has("maxpoll"));
            a.ttl = ttl.filter(|_| has("ttl"));
            a.port = port.and_then(PortNumber::new).filter(|_| has("port"));
            a
        },
    )
}

fn local_clocks() -> impl Strategy<Value = Vec<LocalClock>> {
    btree_set(0i64..=3, 0..=4)
        .prop_flat_map(|units| {
            let n = units.len();
            (
                Just(units),
                vec(
                    (
                        any::<[bool; 2]>(),
                        poll_pair(),
                        of(0i64..=15),
                        of("[A-Z]{1,4}"),
                    ),
                    n,
                ),
            )
        })
        .prop_map(|(units, opts)| {
            units
                .into_iter()
                .zip(opts)
                .map(
                    |(u, ([prefer, noselect], (minpoll, maxpoll), stratum, refid))| {
                        let mut l = LocalClock::new(LocalClockUnit::new(u).unwrap());
                        (l.prefer, l.noselect, l.minpoll, l.maxpoll) =
                            (prefer, noselect, minpoll, maxpoll);
                        l.stratum = stratum.and_then(StratumValue::new);
                        l.refid = refid.and_then(|r| RefIdText::new(&r).ok());
                        l
                    },
                )
                .collect()
        })
}

fn restrict_flags() -> impl Strategy<Value = RestrictFlags> {
    vec(proptest::sample::select(RestrictFlag::ALL), 0..6).prop_map(|v| {
        v.into_iter()
            .collect::<RestrictFlags>()
            .difference(RestrictFlags::NTPPORT)
    })
}

fn restriction() -> impl Strategy<Value = Restriction> {
    let net = prop_oneof![
        Just(RestrictNetwork::Default),
        Just(RestrictNetwork::DefaultV4),
        Just(RestrictNetwork::DefaultV6),
        Just(RestrictNetwork::Source),
        (any::<[u8; 4]>(), 0u8..=32).prop_map(|(o, len)| RestrictNetwork::Net(
            ipnet::Ipv4Net::new(Ipv4Addr::from(o), len)
                .unwrap()
                .trunc()
                .into()
        )),
        (any::<u128>(), 0u8..=128).prop_map(|(v, len)| RestrictNetwork::Net(
            ipnet::Ipv6Net::new(Ipv6Addr::from(v), len)
                .unwrap()
                .trunc()
                .into()
        )),
    ];
    let entry = (net, restrict_flags(), any::<bool>()).prop_map(|(n, f, port)| {
        Restriction::Entry(RestrictEntry {
            network: n,
            flags: f,
            ntpport: port,
        })
    });
    let named = (
        host(Just(IpAddr::V4(Ipv4Addr::LOCALHOST)), true)
            .prop_filter("name", |h| matches!(h.address, HostAddress::Name(_))),
        restrict_flags(),
        any::<bool>(),
    )
        .prop_map(|(host, flags, ntpport)| Restriction::Host {
            host,
            flags,
            ntpport,
        });
    prop_oneof![4 => entry, 1 => named]
}

fn mru() -> impl Strategy<Value = MruConfig> {
    vec((0usize..8, 0u32..=1_000_000), 1..6).prop_map(|ops| {
        let mut m = MruConfig::default();
        for (op, n) in ops {
            match op {
                0 => m.set_maxdepth(n),
                1 => m.set_maxmem(n.min(60_000)),
                2 => m.mindepth = n,
                3 => m.maxage = n,
                4 => m.set_initalloc(n),
                5 => m.set_initmem(n),
                6 => m.set_incalloc(n),
                _ => m.set_incmem(n),
            }
        }
        m
    })
}

fn discard() -> impl Strategy<Value = DiscardConfig> {
    (0u8..=17, 0u32..=86_400, 1u32..=100_000, any::<u32>()).prop_map(|(a, m, p, l)| {
        let mut d = DiscardConfig::default();
        (d.average, d.minimum, d.monitor, d.leak) = (a, m, p, l);
        d
    })
}

fn seconds() -> impl Strategy<Value = Option<f64>> {
    of(prop_oneof![
        0.0f64..10_000.0,
        (0u32..5000).prop_map(|n| f64::from(n) / 1000.0)
    ])
}

fn tinker() -> impl Strategy<Value = Tinker> {
    (
        seconds(),
        seconds(),
        of(-500.0f64..=500.0),
        seconds(),
        seconds(),
        seconds(),
        seconds(),
        seconds(),
        seconds(),
    )
        .prop_map(
            |(allan, dispersion, freq, huffpuff, panic, step, stepback, stepfwd, stepout)| {
                let mut t = Tinker::default();
                (t.allan, t.dispersion, t.freq, t.huffpuff, t.panic) =
                    (allan, dispersion, freq, huffpuff, panic);
                (t.step, t.stepback, t.stepfwd, t.stepout) = (step, stepback, stepfwd, stepout);
                t
            },
        )
}

fn tos() -> impl Strategy<Value = Tos> {
    let strata = (of(1i64..=16), of(0i64..=16), of(1i64..=16));
    let counts = (
        of(1u32..=100),
        of(1u32..=100),
        of(0u32..=10),
        of(any::<u32>()),
        of(1u32..=100_000),
    );
    let rest = (
        of(any::<bool>()),
        seconds(),
        seconds(),
        of(0u32..=4),
        of(0u32..=100_000),
    );
    (strata, counts, rest).prop_map(
        |(
            (ceiling, floor, orphan),
            (maxclock, minclock, minsane, maxdynamic, beacon),
            (cohort, maxdist, mindist, bcpollbstep, orphanwait),
        )| {
            let mut t = Tos::default();
            let (floor, ceiling) = match (floor, ceiling) {
                (Some(f), Some(c)) => (Some(f.min(c)), Some(f.max(c).max(1))),
                other => other,
            };
            (t.ceiling, t.floor, t.orphan) = (
                ceiling.and_then(StratumValue::new),
                floor.and_then(StratumValue::new),
                orphan.and_then(StratumValue::new),
            );
            let (minclock, maxclock) = match (minclock, maxclock) {
                (Some(a), Some(b)) => (Some(a.min(b)), Some(a.max(b))),
                other => other,
            };
            (t.maxclock, t.minclock, t.minsane, t.maxdynamic, t.beacon) =
                (maxclock, minclock, minsane, maxdynamic, beacon);
            (t.cohort, t.maxdist, t.mindist, t.bcpollbstep, t.orphanwait) =
                (cohort, maxdist, mindist, bcpollbstep, orphanwait);
            t
        },
    )
}

fn flags() -> impl Strategy<Value = SystemFlags> {
    (vec(of(any::<bool>()), 10), any::<bool>()).prop_map(|(v, mode7)| {
        let mut f = SystemFlags::default();
        let slots = [
            &mut f.auth,
            &mut f.bclient,
            &mut f.calibrate,
            &mut f.kernel,
            &mut f.monitor,
            &mut f.ntp,
            &mut f.stats,
            &mut f.kod,
            &mut f.weakcrypto,
            &mut f.keycheck,
        ];
        for (slot, value) in slots.into_iter().zip(v) {
            *slot = value;
        }
        f.mode7 = mode7.then_some(false);
        f
    })
}

fn interface_rule() -> impl Strategy<Value = InterfaceRule> {
    let action = prop_oneof![
        Just(InterfaceAction::Listen),
        Just(InterfaceAction::Ignore),
        Just(InterfaceAction::Drop)
    ];
    let matches = prop_oneof![
        Just(InterfaceMatch::All),
        Just(InterfaceMatch::Ipv4),
        Just(InterfaceMatch::Ipv6),
        Just(InterfaceMatch::Wildcard),
        // Names that collide with keywords or addresses must come back as names.
        prop_oneof![
            "[a-z][a-z0-9]{0,8}",
            Just("all".to_string()),
            Just("10.0.0.1".to_string())
        ]
        .prop_map(|n| InterfaceMatch::Name(ConfigText::new(&n).unwrap())),
        (unicast_ip(), any::<u8>()).prop_map(|(ip, len)| {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            InterfaceMatch::Network(ipnet::IpNet::new(ip, len % (max + 1)).unwrap())
        }),
    ];
    (action, matches).prop_map(|(action, matches)| InterfaceRule { action, matches })
}

fn stats() -> impl Strategy<Value = StatsSettings> {
    let kind = proptest::sample::select(StatsKind::ALL.map(|(k, _)| k).to_vec());
    let gen_type = proptest::sample::select(FileGenType::ALL.map(|(t, _)| t).to_vec());
    let filegen = (
        kind.clone(),
        of(text()),
        of(gen_type),
        of(any::<bool>()),
        of(any::<bool>()),
    )
        .prop_map(|(k, file, t, link, on)| {
            let mut g = FileGen::new(k);
            (g.file, g.gen_type, g.link, g.enabled) = (file, t, link, on);
            g
        });
    (of(text()), btree_set(kind, 0..4), vec(filegen, 0..4)).prop_map(|(dir, enabled, filegens)| {
        let mut s = StatsSettings::default();
        (s.stats_dir, s.enabled, s.filegens) = (dir, enabled, filegens);
        s
    })
}

fn keys() -> impl Strategy<Value = KeySettings> {
    let set = vec((key_id(), 0u16..50), 0..5).prop_map(|ranges| {
        let mut s = KeyIdSet::new();
        for (first, span) in ranges {
            let last = KeyId::new(u32::from(first.get().saturating_add(span).min(65534))).unwrap();
            s.insert_range(first, last);
        }
        s
    });
    (of(text()), of(text()), set, of(key_id()), of(key_id())).prop_map(
        |(file, dir, trusted, control, request)| {
            let mut k = KeySettings::default();
            (
                k.keys_file,
                k.keys_dir,
                k.trusted,
                k.control_key,
                k.request_key,
            ) = (file, dir, trusted, control, request);
            k
        },
    )
}

fn config() -> impl Strategy<Value = NtpConfig> {
    let peers = (
        vec(association(), 0..6),
        local_clocks(),
        any::<bool>(),
        vec(multicast_ip(), 0..3),
        vec(multicast_ip(), 0..3),
    );
    let access = (
        vec(restriction(), 0..6),
        of(discard()),
        of(mru()),
        vec(interface_rule(), 0..4),
    );
    let system = (tinker(), tos(), flags(), keys(), stats());
    let files = (
        of(
            (text(), of(0.0f64..=1000.0)).prop_map(|(path, wander_threshold)| DriftFile {
                path,
                wander_threshold,
            }),
        ),
        of(text()),
        of(text()),
        of(0.0f64..=1.0),
    );
    (peers, access, system, files).prop_map(|(peers, access, system, files)| {
        let mut c = NtpConfig::default();
        (
            c.associations,
            c.local_clocks,
            c.broadcast_client,
            c.manycast_servers,
            c.multicast_clients,
        ) = peers;
        (c.restrictions, c.discard, c.mru, c.interfaces) = access;
        (c.tinker, c.tos, c.flags, c.keys, c.stats) = system;
        (c.drift_file, c.leap_file, c.log_file, c.broadcast_delay) = files;
        c
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn print_then_parse_gives_the_same_config(config in config()) {
        let printed = config.to_string();
        let parsed = parse_config("printed.conf", &printed, &ParseOptions::default());
        let parsed = match parsed {
            Ok(p) => p,
            Err(e) => return Err(TestCaseError::fail(format!("{e}\n--- text ---\n{printed}"))),
        };
        prop_assert_eq!(&parsed.config, &config, "text:\n{}", printed);
        // Canonical: printing the parsed config gives the same text again.
        prop_assert_eq!(parsed.config.to_string(), printed);
    }

    #[test]
    fn serde_json_is_lossless(config in config()) {
        let json = serde_json::to_string(&config).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back: NtpConfig = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
        prop_assert_eq!(back, config);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "(?s).{0,400}") {
        let _ = parse_config("any.conf", &text, &ParseOptions::default());
        let _ = parse_config("any.conf", &text, &ParseOptions { lenient: true, ..ParseOptions::default() });
    }

    #[test]
    fn command_shaped_noise_never_panics(words in vec(prop_oneof![
        Just("server"), Just("pool"), Just("restrict"), Just("fudge"), Just("127.127.1.0"),
        Just("-4"), Just("-6"), Just("mask"), Just("key"), Just("minpoll"), Just("tos"),
        Just("tinker"), Just("trustedkey"), Just("(1"), Just("..."), Just("5)"), Just("1-5"),
        Just("\"q"), Just("\""), Just("#"), Just("\n"), Just("1e999"), Just("-0"), Just("::1"),
        Just("255.255.0.0"), Just("includefile"), Just("mru"), Just("discard"), Just("enable"),
    ], 0..40)) {
        let text = words.join(" ");
        let _ = parse_config("noise.conf", &text, &ParseOptions::default());
    }
}
