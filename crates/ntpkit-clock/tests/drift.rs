//! Drift file format.
use ntpkit_clock::{ClockError, format_drift, parse_drift};

#[test]
fn drift_round_trips_in_ppm() {
    assert_eq!(format_drift(-12.345e-6), "-12.345\n");
    assert!((parse_drift("-12.345\n").unwrap() + 12.345e-6).abs() < 1e-15);
    // chrony's drift file has a second field (skew): the first is the frequency.
    assert!((parse_drift("  3.5 0.02\n").unwrap() - 3.5e-6).abs() < 1e-15);
}

#[test]
fn bad_drift_files_are_rejected() {
    for text in ["", "abc", "600", "-500.5", "NaN", "inf", &"1".repeat(100)] {
        assert_eq!(parse_drift(text), Err(ClockError::DriftFile), "{text:?}");
    }
}

#[test]
fn drift_is_written_hourly_and_only_when_synchronised() {
    use ntpkit_clock::DriftSchedule;
    use ntpkit_wire::{NtpDuration, NtpTimestamp};
    let t0 = NtpTimestamp::from_unix(1_700_000_000, 0);
    let at = |s: f64| t0 + NtpDuration::from_seconds_f64(s);
    let mut d = DriftSchedule::new();
    assert_eq!(d.poll(at(0.0), 1e-6, true), None);
    assert_eq!(d.poll(at(3599.0), 1e-6, true), None);
    assert_eq!(
        d.poll(at(3600.0), 1e-6, false),
        None,
        "not while unsynchronised"
    );
    assert_eq!(d.poll(at(3601.0), 1e-6, true).as_deref(), Some("1.000\n"));
    assert_eq!(d.poll(at(3700.0), 1e-6, true), None);
    assert!(d.poll(at(7201.0), 2e-6, true).is_some());
}
