//! Hostile and malformed lines are refused with an error, never a panic, and free text
//! cannot smuggle a second record into a file.

use ntpkit_stats::{
    ClockStats, LoopStats, MAX_LINE_LEN, PeerStats, RawStats, StatAddr, StatRecord, StatText,
    StatTime, StatsError, StatsKind, SysStats,
};

#[test]
fn missing_and_trailing_fields_are_named() {
    assert_eq!(
        PeerStats::parse("48773 10847.650 127.127.4.1 9714 -0.001605376 0.000000000 0.001424877"),
        Err(StatsError::MissingField { field: "jitter" })
    );
    assert_eq!(
        LoopStats::parse("50935 75440.031 0.000006019 13.778190 0.000351733 0.013380 6 7"),
        Err(StatsError::TrailingData {
            after: "time constant"
        })
    );
    assert_eq!(
        SysStats::parse("50928 2132.543 36000 81965 0 9546 56 71793 512 540 10 147 3 4"),
        Err(StatsError::TrailingData { after: "KoD sent" })
    );
}

#[test]
fn shapes_ntpd_never_writes_are_refused() {
    let bad = [
        "48773 10847.650 127.127.4.1 9714  -0.001605376 0.000000000 0.001424877 0.000958674",
        "48773 10847.650 127.127.4.1 9714 -0.001605376 0.000000000 0.001424877 0.000958674 ",
        "48773 10847.650 127.127.4.1 9714 -0.001605376 0.000000000 0.001424877 0.000958674\r",
        "48773 10847.650 127.127.4.1 9714\t-0.001605376 0.000000000 0.001424877 0.000958674",
        "48773 10847.650 127.127.4.1 9714G -0.001605376 0.000000000 0.001424877 0.000958674",
        "48773 10847.650 127.127.4.1 09714 -0.001605376 0.000000000 0.001424877 0.000958674",
        "48773 10847.650 127.127.4.1 19714 -0.001605376 0.000000000 0.001424877 0.000958674",
        "48773 10847.65 127.127.4.1 9714 -0.001605376 0.000000000 0.001424877 0.000958674",
        "4294967296 10847.650 127.127.4.1 9714 -0.001605376 0.000000000 0.001424877 0.000958674",
        "",
    ];
    for line in bad {
        assert!(PeerStats::parse(line).is_err(), "{line:?}");
    }
}

#[test]
fn overlong_lines_are_refused_before_parsing() {
    let line = format!("49213 525.624 127.127.4.1 {}", "x".repeat(MAX_LINE_LEN));
    assert!(matches!(
        ClockStats::parse(&line),
        Err(StatsError::LineTooLong { .. })
    ));
}

#[test]
fn text_from_a_device_cannot_forge_a_record() {
    let forged = "ok\n50935 75440.031 -999.000000000 0.000 0.000000000 0.000000 4";
    assert_eq!(StatText::new(forged), Err(StatsError::ControlCharacter));
    let text = StatText::sanitized(forged);
    let record = ClockStats {
        time: StatTime::new(49213, 525_624).unwrap(),
        address: StatAddr::Ip("127.127.4.1".parse().unwrap()),
        text,
    };
    let line = StatRecord::from(record).to_line();
    assert_eq!(line.matches('\n').count(), 1);
    assert!(ClockStats::parse(&line).is_ok());
}

#[test]
fn rawstats_trailer_must_match_its_length() {
    let base = "61365 43200.250 192.0.2.1 192.0.2.53 3972816000.000000000 3972816000.001000000 3972816000.001100000 3972816000.002000000 0 4 4 2 6 -23 0.012345 0.023456 192.0.2.9";
    for tail in [
        " 2: aabbcc",
        " 2: AABB",
        " 0: ",
        " 2:",
        " x: aabb",
        " 2: aabb extra",
        // A zero-padded length is not what ntpd prints; accepting it broke print-back (fuzz).
        " 02: aabb",
    ] {
        assert!(
            RawStats::parse(&format!("{base}{tail}")).is_err(),
            "{tail:?}"
        );
    }
    for tail in [" 9 4 4 2 6 -23 0.1 0.1 X", " 0 4 4 256 6 -23 0.1 0.1 X"] {
        let line = format!("{}{tail}", &base[..base.find(" 0 4 4").unwrap()]);
        assert!(RawStats::parse(&line).is_err(), "{tail:?}");
    }
}

#[test]
fn every_kind_refuses_garbage_without_panicking() {
    let garbage = [
        "-",
        "1 2",
        "ÿÿÿ 1.000",
        "1 1.000 ::1",
        "99999999999999999999 0.000 1 1 1 1 1",
    ];
    for kind in StatsKind::ALL {
        for line in garbage {
            assert!(StatRecord::parse(kind, line).is_err(), "{kind} {line:?}");
        }
    }
}

#[test]
fn hand_built_fields_cannot_forge_a_record() {
    let line = "61365 43200.250 192.0.2.1 192.0.2.53 3972816000.000000000 3972816000.001000000 3972816000.001100000 3972816000.002000000 0 4 4 2 6 -23 0.012345 0.023456 192.0.2.9";
    let mut record = RawStats::parse(line).unwrap();
    record.header.as_mut().unwrap().refid = "X\n61365 0.000 forged".to_owned();
    record.source = StatAddr::Other("a b\nc".to_owned());
    let printed = StatRecord::Raw(record).to_line();
    assert_eq!(printed.matches('\n').count(), 1, "{printed:?}");
    assert!(printed.contains(" a?b?c ") && printed.contains(" X?61365?0.000?forged\n"));
}
