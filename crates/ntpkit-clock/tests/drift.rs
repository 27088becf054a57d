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
