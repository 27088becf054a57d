//! Leap-second file, schedule and smear.
use ntpkit_clock::ClockError;
use ntpkit_clock::leap::{
    LeapAction, LeapControl, LeapMode, LeapSmear, LeapSource, LeapTable, civil_from_ntp_day,
    end_of_month, ntp_seconds,
};
use ntpkit_wire::{LeapIndicator, NtpTimestamp, UNIX_EPOCH_OFFSET};

const LIST: &str = include_str!("fixtures/leap-seconds.list");

fn ts(ntp_secs: u64) -> NtpTimestamp {
    NtpTimestamp::from_unix(ntp_secs as i64 - UNIX_EPOCH_OFFSET, 0)
}

#[test]
fn real_iers_file_parses_and_its_hash_checks() {
    // tzdata's copy of the IERS file: 28 entries, 37 s since 1 Jan 2017.
    let table = LeapTable::parse(LIST).unwrap();
    assert_eq!(table.entries.len(), 28);
    assert_eq!(table.entries[0].ntp_seconds, 2_272_060_800);
    assert_eq!(table.tai_offset(3_692_217_600), Some(37));
    assert_eq!(table.tai_offset(3_692_217_599), Some(36));
    assert_eq!(table.expires, 3_991_593_600);
    // The last leap: a second inserted before 2017-01-01.
    assert_eq!(table.next_leap(3_692_217_599), Some((3_692_217_600, 1)));
    assert_eq!(table.next_leap(3_692_217_600), None);
}

#[test]
fn edited_file_fails_the_hash() {
    let edited = LIST
        .replace("3692217600\t37", "3692217600\t38")
        .replace("3692217600      37", "3692217600      38");
    assert_ne!(edited, LIST);
    assert_eq!(LeapTable::parse(&edited), Err(ClockError::LeapFileHash));
    let no_hash: String = LIST
        .lines()
        .filter(|l| !l.starts_with("#h"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(LeapTable::parse(&no_hash), Err(ClockError::LeapFileHash));
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    assert!(matches!(
        LeapTable::parse("12 x\n"),
        Err(ClockError::LeapFileSyntax { line: 1, .. })
    ));
    assert_eq!(
        LeapTable::parse("# nothing\n"),
        Err(ClockError::LeapFileNoExpiry)
    );
    assert!(LeapTable::parse("#@ 99999999999999999999999\n").is_err());
    assert!(LeapTable::parse("#h zz\n").is_err());
}

#[test]
fn expired_file_schedules_nothing() {
    let table = LeapTable::parse(LIST).unwrap();
    assert!(table.is_expired(3_991_593_600));
    let mut leap = LeapControl::new(LeapMode::Step);
    leap.set_table(table);
    assert_eq!(leap.tick(ts(3_991_593_700)), None);
    assert_eq!(leap.pending(), None);
}

#[test]
fn file_leap_is_inserted_once_at_midnight() {
    // Pretend it is 2016-12-31 23:59:58: the table (expiry 2026) schedules 2017-01-01.
    let mut table = LeapTable::parse(LIST).unwrap();
    table.expires = u64::MAX;
    let mut leap = LeapControl::new(LeapMode::Step);
    leap.set_table(table);
    let t = 3_692_217_600u64;
    assert_eq!(leap.tick(ts(t - 2)), None);
    assert_eq!(leap.pending().map(|p| p.source), Some(LeapSource::File));
    assert_eq!(leap.indicator(ts(t - 2)), LeapIndicator::InsertSecond);
    assert_eq!(leap.tick(ts(t - 1)), None);
    assert_eq!(leap.tick(ts(t)), Some(LeapAction::Step(-1.0)));
    // The clock now reads t - 1 again: nothing more happens, ever.
    assert_eq!(leap.tick(ts(t - 1)), None);
    assert_eq!(leap.tick(ts(t)), None);
    assert_eq!(leap.indicator(ts(t)), LeapIndicator::NoWarning);
}

#[test]
fn one_source_cannot_schedule_a_leap() {
    // CVE-2016-4954: a single (possibly spoofed) source announcing a leap is not enough.
    let mut leap = LeapControl::new(LeapMode::Step);
    leap.record_votes(1, 0, 1);
    assert_eq!(leap.tick(ts(3_692_217_000)), None);
    assert_eq!(leap.pending(), None);
    leap.record_votes(1, 0, 3);
    leap.tick(ts(3_692_217_000));
    assert_eq!(leap.pending(), None);
    // Two of three selected sources: a majority.
    leap.record_votes(2, 0, 3);
    leap.tick(ts(3_692_217_000));
    let p = leap.pending().unwrap();
    assert_eq!(
        (p.at, p.insert, p.source),
        (3_692_217_600, true, LeapSource::Sources)
    );
}

#[test]
fn kernel_mode_arms_during_the_leap_day_and_disarms_after() {
    let mut leap = LeapControl::new(LeapMode::Kernel);
    leap.record_votes(3, 0, 3);
    let t = 3_692_217_600u64;
    assert_eq!(leap.tick(ts(t - 86_400 - 10)), None);
    assert_eq!(
        leap.tick(ts(t - 3600)),
        Some(LeapAction::Arm(LeapIndicator::InsertSecond))
    );
    assert_eq!(leap.tick(ts(t - 3599)), None);
    assert_eq!(
        leap.tick(ts(t)),
        Some(LeapAction::Arm(LeapIndicator::NoWarning))
    );
}

#[test]
fn calendar_helpers_agree_with_the_iers_dates() {
    // 3692217600 is 2017-01-01; 3644697600 is 2015-07-01 (file comments).
    assert_eq!(civil_from_ntp_day(3_692_217_600 / 86_400), (2017, 1, 1));
    assert_eq!(civil_from_ntp_day(3_644_697_600 / 86_400), (2015, 7, 1));
    assert_eq!(end_of_month(3_644_697_600 - 1000), 3_644_697_600);
    assert_eq!(ntp_seconds(ts(3_692_217_600)), 3_692_217_600);
}

#[test]
fn smear_is_a_raised_cosine_ending_at_the_leap() {
    let s = LeapSmear { window: 86_400.0 };
    assert_eq!(s.offset(86_401.0, true), 0.0);
    assert!((s.offset(43_200.0, true) + 0.5).abs() < 1e-12);
    assert!((s.offset(1e-6, true) + 1.0).abs() < 1e-9);
    assert!((s.offset(43_200.0, false) - 0.5).abs() < 1e-12);
    // Largest slope pi / (2 W): about 18.2 PPM for a day.
    let slope = (s.offset(43_200.0 - 0.5, true) - s.offset(43_200.0 + 0.5, true)).abs();
    assert!((slope - std::f64::consts::PI / (2.0 * 86_400.0)).abs() < 1e-9);
}

#[test]
fn vote_scheduled_leap_fires_at_month_end() {
    let mut leap = LeapControl::new(LeapMode::Step);
    let t = 3_692_217_600u64;
    leap.record_votes(3, 0, 3);
    assert_eq!(leap.tick(ts(t - 3 * 3600)), None);
    assert_eq!(leap.pending().map(|p| p.at), Some(t));
    assert_eq!(leap.tick(ts(t)), Some(LeapAction::Step(-1.0)));
}
