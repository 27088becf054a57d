//! The example lines of the seed manual (ntp.conf(5), ntpd 4.2.7, "statistics" section)
//! and of ntpd's HTML monitoring page parse and print back byte for byte.

use ntpkit_stats::{
    ClockStats, CryptoStats, LoopStats, PeerSelection, PeerStats, RawStats, StatAddr, StatRecord,
    StatsError, StatsKind, SysStats,
};

#[test]
fn clockstats_example() {
    let line = "49213 525.624 127.127.4.1 93 226 00:08:29.606 D";
    let record = ClockStats::parse(line).unwrap();
    assert_eq!(record.time.mjd(), 49213);
    assert_eq!(record.time.millis_of_day(), 525_624);
    assert_eq!(record.address, StatAddr::Ip("127.127.4.1".parse().unwrap()));
    assert_eq!(record.text.as_str(), "93 226 00:08:29.606 D");
    assert_eq!(record.to_string(), line);
}

#[test]
fn cryptostats_example() {
    let line = "49213 525.624 127.127.4.1 message";
    let record = CryptoStats::parse(line).unwrap();
    assert_eq!(record.text.as_str(), "message");
    assert_eq!(record.to_string(), line);
}

#[test]
fn loopstats_example_as_printed_in_the_seed() {
    // The seed shows four values after the time (the text says five; ntpd's HTML page
    // shows "0.013380 6"). Both parse, and each prints back as it was.
    let line = "50935 75440.031 0.000006019 13.778190 0.000351733 0.0133806";
    let record = LoopStats::parse(line).unwrap();
    assert_eq!(record.time_constant, None);
    assert_eq!(record.to_string(), line);

    let html = "50935 75440.031 0.000006019 13.778190 0.000351733 0.013380 6";
    let record = LoopStats::parse(html).unwrap();
    assert_eq!(record.offset.to_f64(), 0.000006019);
    assert_eq!(record.frequency.to_f64(), 13.77819);
    assert_eq!(record.jitter.to_f64(), 0.000351733);
    assert_eq!(record.wander.to_f64(), 0.01338);
    assert_eq!(record.time_constant, Some(6));
    assert_eq!(record.to_string(), html);
}

#[test]
fn peerstats_example() {
    let line = "48773 10847.650 127.127.4.1 9714 -0.001605376 0.000000000 0.001424877 0.000958674";
    let record = PeerStats::parse(line).unwrap();
    assert_eq!(record.status.0, 0x9714);
    // 0x97: configured, reachable, selection 7 (PPS peer); 0x14: 1 event, code 4.
    assert!(record.status.configured() && record.status.reachable());
    assert!(!record.status.auth_enabled());
    assert_eq!(record.status.selection(), PeerSelection::PpsPeer);
    assert_eq!(
        (record.status.event_count(), record.status.event_code()),
        (1, 4)
    );
    assert_eq!(record.offset.to_f64(), -0.001605376);
    assert_eq!(record.to_string(), line);
}

#[test]
fn rawstats_example() {
    // The seed's line has a space moved by text extraction ("...58622800031 02453332...");
    // ntpd prints nine decimals, so that literal line is refused, naming the field.
    let seed = "50928 2132.543 128.4.1.1 128.4.1.20 3102453281.584327000 3102453281.58622800031 02453332.540806000 3102453332.541458000";
    assert_eq!(
        RawStats::parse(seed),
        Err(StatsError::InvalidField { field: "t2" })
    );

    let line = "50928 2132.543 128.4.1.1 128.4.1.20 3102453281.584327000 3102453281.586228000 3102453332.540806000 3102453332.541458000";
    let record = RawStats::parse(line).unwrap();
    assert_eq!(record.originate.0 >> 32, 3_102_453_281);
    // 0.584327 s as a 32-bit fraction, computed independently: round(0.584327 * 2^32).
    assert_eq!(record.originate.0 & 0xffff_ffff, 2_509_665_355);
    assert!(record.header.is_none());
    assert_eq!(record.to_string(), line);
}

#[test]
fn rawstats_ntpd_4_2_8_shape_with_trailer() {
    let line = "61365 43200.250 192.0.2.1 192.0.2.53 3972816000.000000000 3972816000.001000000 3972816000.001100000 3972816000.002000000 0 4 4 2 6 -23 0.012345 0.023456 192.0.2.9 24: 00000001aabbccddeeff00112233445566778899aabbccdd";
    let record = RawStats::parse(line).unwrap();
    let header = record.header.as_ref().unwrap();
    assert_eq!(
        (
            header.version,
            header.mode,
            header.stratum,
            header.precision
        ),
        (4, 4, 2, -23)
    );
    assert_eq!(record.trailer.as_ref().unwrap().len(), 24);
    assert_eq!(record.to_string(), line);
}

#[test]
fn sysstats_example() {
    let line = "50928 2132.543 36000 81965 0 9546 56 71793 512 540 10 147";
    let record = SysStats::parse(line).unwrap();
    assert_eq!(record.counters.since_reset, 36000);
    assert_eq!(record.counters.received, 81965);
    assert_eq!(record.counters.rate_limited, 147);
    assert_eq!(record.counters.kod_sent, None);
    assert_eq!(record.to_string(), line);
    let with_kod = "50928 2132.543 36000 81965 0 9546 56 71793 512 540 10 147 3";
    assert_eq!(
        SysStats::parse(with_kod).unwrap().counters.kod_sent,
        Some(3)
    );
    assert_eq!(SysStats::parse(with_kod).unwrap().to_string(), with_kod);
}

#[test]
fn any_kind_through_the_enum_with_newline() {
    let line =
        "48773 10847.650 127.127.4.1 9714 -0.001605376 0.000000000 0.001424877 0.000958674\n";
    let record = StatRecord::parse(StatsKind::PeerStats, line).unwrap();
    assert_eq!(record.kind(), StatsKind::PeerStats);
    assert_eq!(record.to_line(), line);
    let mut buf = b"previous\n".to_vec();
    record.write_line(&mut buf);
    assert_eq!(&buf[9..], line.as_bytes());
}
