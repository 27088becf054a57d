//! Property tests: every parser round-trips its own output.
use ntpkit_clock::leap::{LeapEntry, LeapTable};
use ntpkit_clock::{format_drift, parse_drift};
use proptest::prelude::*;

proptest! {
    #[test]
    fn drift_round_trips_to_a_thousandth_ppm(ppm in -500.0f64..500.0) {
        let f = parse_drift(&format_drift(ppm * 1e-6)).unwrap();
        prop_assert!((f - ppm * 1e-6).abs() <= 0.0005e-6 + 1e-15);
    }

    #[test]
    fn leap_table_round_trips(
        updated in 0u64..5_000_000_000,
        expires in 0u64..5_000_000_000,
        steps in proptest::collection::vec((1u64..100_000_000, -1i32..=1), 0..40),
    ) {
        let mut t = 2_272_060_800u64;
        let mut offset = 10;
        let mut entries = vec![LeapEntry { ntp_seconds: t, tai_offset: offset }];
        for (gap, step) in steps {
            t += gap;
            offset += step;
            entries.push(LeapEntry { ntp_seconds: t, tai_offset: offset });
        }
        let table = LeapTable { updated, expires, entries };
        prop_assert_eq!(LeapTable::parse(&table.to_text()), Ok(table));
    }

    #[test]
    fn leap_parser_never_panics(text in ".{0,400}") {
        let _ = LeapTable::parse(&text);
        let _ = parse_drift(&text);
    }
}
