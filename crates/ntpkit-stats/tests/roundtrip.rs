//! Property: any record built from values prints a line that parses back to the same
//! record, and parsing is total (never panics) on arbitrary input.

use ntpkit_stats::{
    Decimal, LoopStats, PeerStats, PeerStatus, RawHeader, RawStats, StatAddr, StatRecord, StatTime,
    StatsKind, SysCounters, SysStats,
};
use ntpkit_wire::NtpTimestamp;
use proptest::prelude::*;

fn stat_time() -> impl Strategy<Value = StatTime> {
    // From 1900 to beyond the 2036 NTP era rollover and on to 2200.
    (-2_208_988_800i64..7_258_118_400, 0u32..1_000_000_000)
        .prop_map(|(secs, nanos)| StatTime::from_unix(secs, nanos).unwrap())
}

fn addr() -> impl Strategy<Value = StatAddr> {
    prop_oneof![
        any::<std::net::Ipv4Addr>().prop_map(|ip| StatAddr::Ip(ip.into())),
        any::<std::net::Ipv6Addr>().prop_map(|ip| StatAddr::Ip(ip.into())),
    ]
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![-1e6f64..1e6, -1e-3f64..1e-3, Just(0.0), Just(-0.0)]
}

proptest! {
    #[test]
    fn loopstats_round_trip(t in stat_time(), o in value(), f in value(), j in value(), w in value(), tc in -20i32..20) {
        let record = LoopStats::new(t, o, f, j, w, tc);
        prop_assert_eq!(LoopStats::parse(&record.to_string()).unwrap(), record);
    }

    #[test]
    fn peerstats_round_trip(t in stat_time(), a in addr(), s in any::<u16>(), o in value(), d in value(), p in value(), j in value()) {
        let record = PeerStats::new(t, a, PeerStatus(s), o, d, p, j);
        prop_assert_eq!(PeerStats::parse(&record.to_string()).unwrap(), record);
    }

    #[test]
    fn rawstats_round_trip(t in stat_time(), a in addr(), b in addr(), ts in any::<[u64; 4]>(),
                           hdr in any::<Option<(u8, i8, i8, [u8; 4])>>(), trailer in proptest::collection::vec(any::<u8>(), 0..64)) {
        // Timestamps within half a nanosecond of the next second print with a carry and
        // cannot come back to the same bits; keep them out of this property.
        let ts = ts.map(|bits| NtpTimestamp::from_bits(bits & !0xf));
        let header = hdr.map(|(stratum, poll, precision, refid)| RawHeader {
            leap: stratum % 4, version: 4, mode: stratum % 8, stratum, poll, precision,
            root_delay: Decimal::from_f64(f64::from(poll) / 7.0, 6),
            root_dispersion: Decimal::from_f64(0.5, 6),
            refid: RawHeader::refid_text(refid, stratum),
        });
        let trailer = if header.is_some() && !trailer.is_empty() { Some(trailer) } else { None };
        let record = RawStats { time: t, source: a, destination: b, originate: ts[0], receive: ts[1],
            transmit: ts[2], destination_time: ts[3], header, trailer, extra_fields: Vec::new() };
        let parsed = RawStats::parse(&record.to_string()).unwrap();
        for (x, y) in [(parsed.originate, record.originate), (parsed.receive, record.receive),
                       (parsed.transmit, record.transmit), (parsed.destination_time, record.destination_time)] {
            // A nanosecond spans 4.29 units of 2^-32 s: nine decimals keep the timestamp to
            // within half of that plus the rounding of the way back.
            prop_assert!(x.to_bits().abs_diff(y.to_bits()) <= 3);
        }
        prop_assert_eq!(parsed.to_string(), record.to_string());
    }

    #[test]
    fn sysstats_round_trip(t in stat_time(), c in any::<[u64; 10]>(), kod in any::<Option<u64>>()) {
        let counters = SysCounters { since_reset: c[0], received: c[1], processed: c[2], current_version: c[3],
            old_version: c[4], restricted: c[5], bad_length: c[6], bad_auth: c[7], declined: c[8],
            rate_limited: c[9], kod_sent: kod };
        let record = SysStats { time: t, counters };
        prop_assert_eq!(SysStats::parse(&record.to_string()).unwrap(), record);
    }

    #[test]
    fn parse_is_total(kind in 0usize..6, line in "\\PC{0,200}") {
        let _ = StatRecord::parse(StatsKind::ALL[kind], &line);
    }

    #[test]
    fn parsed_lines_print_back_identically(kind in 0usize..6, line in "[0-9]{5} [0-9]{1,5}\\.[0-9]{3}( [-0-9a-f.:]{1,12}){1,14}") {
        if let Ok(record) = StatRecord::parse(StatsKind::ALL[kind], &line) {
            prop_assert_eq!(record.to_string(), line);
        }
    }
}
