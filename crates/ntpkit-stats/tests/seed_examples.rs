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
    assert_eq!(record.originate.seconds(), 3_102_453_281);
    // 0.584327 s as a 32-bit fraction, computed independently: round(0.584327 * 2^32).
    assert_eq!(record.originate.fraction(), 2_509_665_355);
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

#[test]
fn rawstats_from_a_received_packet() {
    use ntpkit_stats::{StatTime, StatsKind};
    use ntpkit_wire::{NtpHeader, NtpTimestamp};
    // A server reply as it would arrive in 2036 after the NTP era rollover.
    let mut reply = [0u8; 48];
    reply[0] = 0b00_100_100; // leap 0, version 4, mode 4
    reply[1] = 2; // stratum
    reply[2] = 6; // poll
    reply[3] = 0xe9; // precision -23
    reply[4..8].copy_from_slice(&[0, 0, 0x08, 0x00]); // root delay 0.03125 s
    reply[8..12].copy_from_slice(&[0, 1, 0x80, 0x00]); // root dispersion 1.5 s
    reply[12..16].copy_from_slice(&[192, 0, 2, 9]);
    reply[24..32].copy_from_slice(&[0, 0, 0, 100, 0x80, 0, 0, 0]); // origin 100.5
    reply[32..40].copy_from_slice(&[0, 0, 0, 100, 0xc0, 0, 0, 0]); // receive 100.75
    reply[40..48].copy_from_slice(&[0, 0, 0, 101, 0, 0, 0, 0]); // transmit 101
    let header = NtpHeader::parse(&reply).unwrap();
    let arrival = NtpTimestamp::from_parts(101, 1 << 30); // 101.25
    // Era resolved against a pivot in 2036 (after the rollover): era 1.
    let time = StatTime::from_ntp(arrival, 2_086_000_000).unwrap();
    assert_eq!(time.to_string(), "64730 23397.250");
    let record = ntpkit_stats::RawStats::from_packet(
        time,
        StatAddr::Ip("192.0.2.1".parse().unwrap()),
        StatAddr::Ip("192.0.2.53".parse().unwrap()),
        &header,
        arrival,
        &[],
    );
    let line = "64730 23397.250 192.0.2.1 192.0.2.53 100.500000000 100.750000000 101.000000000 101.250000000 0 4 4 2 6 -23 0.031250 1.500000 192.0.2.9";
    assert_eq!(record.to_string(), line);
    assert_eq!(
        StatRecord::parse(StatsKind::RawStats, line).unwrap(),
        StatRecord::Raw(record)
    );
}
