//! File generation sets switch members at the UTC boundaries of the injected time, name them
//! as the seed manual says, and keep the base-name link per the manual's rule. Instants are
//! from GNU `date -u -d '<date> UTC' +%s`.

use ntpkit_stats::{
    BaseName, Check, FileGenSet, FileGenType, Generation, GenerationInput, LinkStep, StatTime,
    StatsConfig, StatsError, StatsKind,
};

fn at(unix_secs: i64) -> GenerationInput {
    GenerationInput {
        unix_secs,
        uptime_secs: 0,
        pid: 4242,
    }
}

fn set_of(gen_type: FileGenType) -> FileGenSet {
    let mut set = FileGenSet::new(StatsKind::LoopStats);
    set.set_dir("/var/log/ntpstats");
    set.set_type(gen_type);
    set.set_enabled(true);
    set
}

fn suffix(gen_type: FileGenType, unix_secs: i64) -> String {
    Generation::at(gen_type, &at(unix_secs))
        .unwrap()
        .suffix()
        .to_owned()
}

/// Feeds `instants` in order, opening whenever told; returns the suffix of each open.
fn run(set: &mut FileGenSet, inputs: impl IntoIterator<Item = GenerationInput>) -> Vec<String> {
    let mut opened = Vec::new();
    for input in inputs {
        match set.check(&input).unwrap() {
            Check::Keep => {}
            Check::Open(generation) => {
                opened.push(generation.suffix().to_owned());
                set.opened(generation);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    opened
}

#[test]
fn day_switches_at_utc_midnight() {
    let mut set = set_of(FileGenType::Day);
    let opened = run(
        &mut set,
        [1_795_305_598, 1_795_305_599, 1_795_305_600, 1_795_305_601].map(at),
    );
    assert_eq!(opened, [".20261121", ".20261122"]);
    assert_eq!(
        set.path(set.current().unwrap()),
        "/var/log/ntpstats/loopstats.20261122"
    );
    assert_eq!(
        set.current().unwrap().ends_at_unix(),
        Some(1_795_305_600 + 86_400)
    );
}

#[test]
fn week_is_day_of_year_divided_by_seven() {
    // The manual's example: January 10th 1992 is in week 1.
    assert_eq!(suffix(FileGenType::Week, 695_001_600), ".1992W01");
    assert_eq!(suffix(FileGenType::Week, 694_742_399), ".1992W00"); // Jan 6, day 6
    assert_eq!(suffix(FileGenType::Week, 694_742_400), ".1992W01"); // Jan 7, day 7
    let w1 = Generation::at(FileGenType::Week, &at(695_001_600)).unwrap();
    assert_eq!(w1.ends_at_unix(), Some(695_347_200)); // Jan 14
    // Day 366 of leap year 2036 is week 52, a one-day week cut by the new year.
    assert_eq!(suffix(FileGenType::Week, 2_114_294_400), ".2036W52");
    let mut set = set_of(FileGenType::Week);
    let opened = run(
        &mut set,
        [2_114_294_399, 2_114_294_400, 2_114_380_799, 2_114_380_800].map(at),
    );
    assert_eq!(opened, [".2036W52", ".2037W00"]);
}

#[test]
fn month_and_year_switch_at_their_boundaries() {
    let mut months = set_of(FileGenType::Month);
    let instants = [2_085_436_799, 2_085_436_800, 2_087_899_200, 2_087_942_400];
    assert_eq!(
        run(&mut months, instants.map(at)),
        [".203601", ".203602", ".203603"]
    );
    let mut years = set_of(FileGenType::Year);
    assert_eq!(
        run(&mut years, [2_082_758_399, 2_082_758_400].map(at)),
        [".2035", ".2036"]
    );
}

#[test]
fn ntp_era_rollover_is_an_ordinary_instant() {
    // 2036-02-07 06:28:15 is the last second of NTP era 0; 06:28:16 the first of era 1.
    let mut set = set_of(FileGenType::Day);
    let opened = run(
        &mut set,
        [2_085_978_495, 2_085_978_496, 2_086_041_599, 2_086_041_600].map(at),
    );
    assert_eq!(opened, [".20360207", ".20360208"]);
    // A record made from an era-1 NTP timestamp lands in the file its own day field names.
    let time = StatTime::from_ntp_era(1, 100 << 32).unwrap();
    assert_eq!(time.mjd(), 64730);
    assert_eq!(suffix(FileGenType::Day, time.unix_seconds()), ".20360207");
}

#[test]
fn a_simulated_year_opens_each_member_once_in_calendar_order() {
    // An independent calendar: step a (year, month, day) counter with a days-per-month table.
    let mut expected_days = Vec::new();
    let (mut y, mut m, mut d) = (2035, 12, 1);
    while (y, m) != (2037, 3) {
        expected_days.push(format!(".{y:04}{m:02}{d:02}"));
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        let len = [
            31,
            if leap { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ][m - 1];
        d += 1;
        if d > len {
            d = 1;
            m += 1;
            if m > 12 {
                m = 1;
                y += 1;
            }
        }
    }
    let start = 2_080_080_000; // 2035-12-01 00:00:00 UTC
    let hours = expected_days.len() as i64 * 24;
    let instants = || (0..hours).map(|h| at(start + h * 3600 + 1799));
    assert_eq!(
        run(&mut set_of(FileGenType::Day), instants()),
        expected_days
    );
    let months: Vec<String> = expected_days
        .iter()
        .map(|s| s[..7].to_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(run(&mut set_of(FileGenType::Month), instants()), months);
    assert_eq!(
        run(&mut set_of(FileGenType::Year), instants()),
        [".2035", ".2036", ".2037"]
    );
    let weeks = run(&mut set_of(FileGenType::Week), instants());
    assert_eq!(weeks.first().map(String::as_str), Some(".2035W47")); // Dec 1 = day 335
    // 2035: W47..=W52 (days 335..=365), 2036: W00..=W52, 2037: W00..=W08 (to day 59).
    assert_eq!(weeks.len(), 6 + 53 + 9);
}

#[test]
fn age_switches_every_24_hours_of_uptime() {
    let mut set = set_of(FileGenType::Age);
    let inputs = [0, 86_399, 86_400, 200_000].map(|uptime_secs| GenerationInput {
        unix_secs: 5,
        uptime_secs,
        pid: 1,
    });
    assert_eq!(
        run(&mut set, inputs),
        [".a00000000", ".a00086400", ".a00172800"]
    );
    assert_eq!(set.current().unwrap().ends_at_uptime(), Some(259_200));
}

#[test]
fn pid_and_none() {
    let mut set = set_of(FileGenType::Pid);
    let inputs = [1, 2].map(|pid| GenerationInput {
        unix_secs: 0,
        uptime_secs: 0,
        pid,
    });
    assert_eq!(run(&mut set, inputs), [".1", ".2"]);
    let mut none = set_of(FileGenType::None);
    assert_eq!(run(&mut none, [0, 10_000_000_000].map(at)), [""]);
    assert_eq!(
        none.path(none.current().unwrap()),
        "/var/log/ntpstats/loopstats"
    );
    let steps = none
        .link_steps(none.current().unwrap(), BaseName::Absent, 1, |_| false)
        .unwrap();
    assert!(
        steps.is_empty(),
        "type none has no separate base name to link"
    );
}

#[test]
fn disabled_sets_drop_records() {
    let mut set = set_of(FileGenType::Day);
    set.set_enabled(false);
    assert_eq!(set.check(&at(0)).unwrap(), Check::Disabled);
}

#[test]
fn link_rule_follows_the_manual() {
    let set = set_of(FileGenType::Day);
    let generation = Generation::at(FileGenType::Day, &at(1_795_305_600)).unwrap();
    let member = "/var/log/ntpstats/loopstats.20261122".to_owned();
    let base = "/var/log/ntpstats/loopstats".to_owned();

    let fresh = set
        .link_steps(&generation, BaseName::Absent, 77, |_| false)
        .unwrap();
    assert_eq!(
        fresh,
        [LinkStep::HardLink {
            existing: member.clone(),
            new: base.clone()
        }]
    );

    // A plain file (one link) is saved as BASE.C<pid>, never overwriting an earlier save.
    let plain = set
        .link_steps(&generation, BaseName::RegularFile { links: 1 }, 77, |_| {
            false
        })
        .unwrap();
    assert_eq!(
        plain[0],
        LinkStep::Rename {
            from: base.clone(),
            to: format!("{base}.C77")
        }
    );
    assert_eq!(
        plain[1],
        LinkStep::HardLink {
            existing: member.clone(),
            new: base.clone()
        }
    );
    let c77 = format!("{base}.C77");
    let again = set
        .link_steps(
            &generation,
            BaseName::RegularFile { links: 1 },
            77,
            |name| name == c77,
        )
        .unwrap();
    assert_eq!(
        again[0],
        LinkStep::Rename {
            from: base.clone(),
            to: format!("{base}.C77.1")
        }
    );

    // The link to the previous member (two links) is replaced.
    let previous = set
        .link_steps(&generation, BaseName::RegularFile { links: 2 }, 77, |_| {
            false
        })
        .unwrap();
    assert_eq!(
        previous.last(),
        Some(&LinkStep::Rename {
            from: format!("{base}.L77"),
            to: base.clone()
        })
    );
    assert!(previous.contains(&LinkStep::HardLink {
        existing: member,
        new: format!("{base}.L77")
    }));

    // A directory or symlink at the base name is not touched.
    assert_eq!(
        set.link_steps(&generation, BaseName::Other, 77, |_| false),
        Err(StatsError::BaseNameInUse(base))
    );
    let mut nolink = set_of(FileGenType::Day);
    nolink.set_link(false);
    assert!(
        nolink
            .link_steps(&generation, BaseName::Absent, 77, |_| false)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn directives_configure_the_sets() {
    let mut config = StatsConfig::new();
    assert!(!config.set(StatsKind::PeerStats).is_enabled());
    config.apply("statsdir", &["/var/log/ntpstats/"]).unwrap();
    config
        .apply("statistics", &["loopstats", "peerstats"])
        .unwrap();
    config
        .apply(
            "filegen",
            &[
                "peerstats",
                "file",
                "peers",
                "type",
                "week",
                "nolink",
                "enable",
            ],
        )
        .unwrap();
    let peers = config.set(StatsKind::PeerStats);
    assert!(peers.is_enabled() && !peers.links());
    assert_eq!(peers.gen_type(), FileGenType::Week);
    assert_eq!(peers.base_path(), "/var/log/ntpstats/peers");
    assert!(config.set(StatsKind::LoopStats).is_enabled());
    assert!(!config.set(StatsKind::RawStats).is_enabled());

    // Errors change nothing.
    let before = config.clone();
    for (keyword, args) in [
        ("filegen", &["peerstats", "type", "fortnight"][..]),
        ("filegen", &["peerstats", "file", "../../etc/passwd"][..]),
        ("filegen", &["peerstats", "enable", "sometimes"][..]),
        ("filegen", &["peerstats", "file"][..]),
        ("statistics", &["loopstats", "bogus"][..]),
        ("statsdir", &[][..]),
        ("driftfile", &["/x"][..]),
    ] {
        assert!(config.apply(keyword, args).is_err(), "{keyword} {args:?}");
        assert_eq!(config, before, "{keyword} {args:?}");
    }
    // ntpd's protostats and timingstats load (options checked) but record nothing.
    config
        .apply("statistics", &["protostats", "timingstats"])
        .unwrap();
    config
        .apply(
            "filegen",
            &["protostats", "file", "protos", "type", "day", "enable"],
        )
        .unwrap();
    assert_eq!(config, before);
    assert!(
        config
            .apply("filegen", &["timingstats", "type", "hourly"])
            .is_err()
    );
    for gen_type in FileGenType::ALL {
        config
            .apply("filegen", &["sysstats", "type", gen_type.keyword()])
            .unwrap();
        assert_eq!(config.set(StatsKind::SysStats).gen_type(), gen_type);
    }
}
