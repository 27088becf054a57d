//! Clock filter behaviour, figures from RFC 5905 section 10.
mod common;
use common::*;
use ntpkit_clock::{ClockFilter, FilterSample, FilterVerdict, constants::MAXDISP};
use ntpkit_wire::{NtpDuration, NtpTimestamp};

#[test]
fn on_wire_offset_and_delay_follow_section_8() {
    // Server 100 ms ahead, 10 ms each way, 2 ms hold: T1 = 0, T2 = 0.01 + 0.1 = 0.110,
    // T3 = 0.112, T4 = 0.112 - 0.1 + 0.01 = 0.022. theta = (0.110 + 0.090) / 2 = 0.1,
    // delta = 0.022 - 0.002 = 0.020.
    let s = |x: f64| t0() + NtpDuration::from_seconds_f64(x);
    let sample = FilterSample::from_exchange(s(0.0), s(0.110), s(0.112), s(0.022), -20, -20);
    assert!((sample.offset - 0.1).abs() < 1e-9, "{}", sample.offset);
    assert!((sample.delay - 0.020).abs() < 1e-9, "{}", sample.delay);
    // epsilon = 2^-20 + 2^-20 + 15e-6 * 0.022
    let eps = 2.0 * 2f64.powi(-20) + 15e-6 * 0.022;
    assert!((sample.dispersion - eps).abs() < 1e-12);
}

#[test]
fn on_wire_is_correct_across_the_2036_era_boundary() {
    // T1 just before the rollover, T4 just after: differences must still be small.
    let t1 = NtpTimestamp::from_bits(0xFFFF_FFFF_0000_0000);
    let d = |x: f64| NtpDuration::from_seconds_f64(x);
    let sample = FilterSample::from_exchange(
        t1,
        t1 + d(0.5 + 0.01),
        t1 + d(0.5 + 0.011),
        t1 + d(0.021),
        -20,
        -20,
    );
    assert!((sample.offset - 0.5).abs() < 1e-6, "{}", sample.offset);
    assert!((sample.delay - 0.020).abs() < 1e-6);
}

#[test]
fn one_sample_gives_rfc_dispersion_of_seven_empty_stages() {
    let mut f = ClockFilter::new(-20);
    let verdict = f.add(sample(0.001, 0.02, 0.002, 0.0), at(0.0), 6, false);
    let FilterVerdict::Updated(stats) = verdict else {
        panic!("{verdict:?}")
    };
    // epsilon = 0.002/2 + 16 * (1/4 + ... + 1/256) = 0.001 + 16 * (1/2 - 1/256)
    let expected = 0.001 + MAXDISP * (0.5 - 1.0 / 256.0);
    assert!(
        (stats.dispersion - expected).abs() < 1e-9,
        "{}",
        stats.dispersion
    );
    assert_eq!(stats.offset, 0.001);
    // A single sample has no spread: jitter is the precision floor 2^-20.
    assert_eq!(stats.jitter, 2f64.powi(-20));
}

#[test]
fn lowest_delay_sample_wins_and_jitter_is_rms_about_it() {
    let mut f = ClockFilter::new(-30);
    let samples = [(0.010, 0.050), (0.002, 0.010), (0.006, 0.030)];
    let mut last = None;
    for (i, (offset, delay)) in samples.iter().enumerate() {
        last = Some(f.add(
            sample(*offset, *delay, 0.0, i as f64 * 64.0),
            at(i as f64 * 64.0),
            6,
            false,
        ));
    }
    let Some(FilterVerdict::Updated(stats)) = last else {
        panic!("{last:?}")
    };
    assert_eq!(stats.offset, 0.002);
    assert_eq!(stats.delay, 0.010);
    // psi = sqrt(((0.006-0.002)^2 + (0.010-0.002)^2) / (3 - 1))
    let psi = ((0.004f64.powi(2) + 0.008f64.powi(2)) / 2.0).sqrt();
    assert!((stats.jitter - psi).abs() < 1e-12, "{}", stats.jitter);
}

#[test]
fn stage_dispersion_grows_at_phi() {
    let mut f = ClockFilter::new(-30);
    f.add(sample(0.0, 0.01, 0.0, 0.0), at(0.0), 6, false);
    // Second sample 1000 s later with higher delay: best is still the first, aged by
    // 15e-6 * 1000 = 0.015 s; the second (fresh, dispersion 0) sorts second.
    f.add(sample(0.0, 0.02, 0.0, 1000.0), at(1000.0), 6, false);
    let stats = f.statistics().unwrap();
    let expected = 0.015 / 2.0 + 0.0 / 4.0 + MAXDISP * (0.25 - 1.0 / 256.0);
    assert!(
        (stats.dispersion - expected).abs() < 1e-9,
        "{}",
        stats.dispersion
    );
}

#[test]
fn a_sample_is_never_used_twice_once_synchronised() {
    let mut f = ClockFilter::new(-20);
    f.add(sample(0.001, 0.010, 0.0, 0.0), at(0.0), 6, true);
    // A worse (higher delay) sample leaves the old best in place: stale.
    let v = f.add(sample(0.002, 0.050, 0.0, 64.0), at(64.0), 6, true);
    assert_eq!(v, FilterVerdict::Stale);
}

#[test]
fn popcorn_spike_is_suppressed_but_a_lasting_shift_is_accepted() {
    let mut f = ClockFilter::new(-20);
    for i in 0..8 {
        let off = if i % 2 == 0 { 0.0001 } else { -0.0001 };
        f.add(
            sample(off, 0.010 - i as f64 * 1e-4, 0.0, i as f64 * 64.0),
            at(i as f64 * 64.0),
            6,
            true,
        );
    }
    // jitter ~ 1e-4; a 50 ms jump with the lowest delay within two polls is a spike.
    let v = f.add(
        sample(0.050, 0.001, 0.0, 8.0 * 64.0),
        at(8.0 * 64.0),
        6,
        true,
    );
    assert_eq!(v, FilterVerdict::Spike);
    // The same offset more than two polls (128 s) after the last used sample (448 s) is
    // accepted.
    let v = f.add(
        sample(0.050, 0.0009, 0.0, 8.0 * 64.0 + 200.0),
        at(8.0 * 64.0 + 200.0),
        6,
        true,
    );
    assert!(
        matches!(v, FilterVerdict::Updated(s) if s.offset == 0.050),
        "{v:?}"
    );
}

#[test]
fn garbage_samples_do_not_poison_the_filter() {
    let mut f = ClockFilter::new(-20);
    f.add(sample(0.001, 0.010, 0.0, 0.0), at(0.0), 6, false);
    let v = f.add(
        sample(f64::NAN, f64::INFINITY, -1.0, 64.0),
        at(64.0),
        6,
        true,
    );
    assert_eq!(v, FilterVerdict::Stale);
    assert_eq!(f.statistics().unwrap().offset, 0.001);
    f.reset();
    assert!(f.statistics().is_none());
}

#[test]
fn slew_compensation_refers_old_samples_to_the_current_phase() {
    // Sample A (offset 10 ms, lowest delay) was taken at slewed phase 0; since then the
    // discipline slewed 4 ms, so what A measured now means 10 - 4 = 6 ms.
    let mut f = ClockFilter::new(-20);
    f.add(sample(0.010, 0.001, 0.0, 0.0), at(0.0), 6, false);
    let mut b = sample(0.006, 0.002, 0.0, 64.0);
    b.phase = 0.004;
    f.add(b, at(64.0), 6, false);
    let stats = f.statistics().unwrap();
    assert_eq!(stats.delay, 0.001, "A still has the lowest delay");
    assert!((stats.offset - 0.006).abs() < 1e-12, "{}", stats.offset);
    // Both samples agree once compensated: the jitter is the precision floor.
    assert_eq!(stats.jitter, 2f64.powi(-20));
    // Another 1 ms slewed later: offset_at corrects again.
    assert!((stats.offset_at(0.005) - 0.005).abs() < 1e-12);
}

#[test]
fn while_settling_the_newest_sample_is_used_not_the_lowest_delay() {
    // ntpd's clock_filter sorts by distance only once freq_cnt is 0: during the start-up
    // transient the newest sample, whose offset does not predate the slewing since, wins.
    let mut f = ClockFilter::new(-20);
    f.set_newest_first(true);
    f.add(sample(0.010, 0.001, 0.0, 0.0), at(0.0), 6, false);
    let v = f.add(sample(0.007, 0.003, 0.0, 64.0), at(64.0), 6, false);
    let FilterVerdict::Updated(stats) = v else {
        panic!("{v:?}")
    };
    assert_eq!((stats.offset, stats.delay), (0.007, 0.003));
    // Settled: the lowest-delay sample (RFC 5905 section 10) is the estimate again.
    f.set_newest_first(false);
    let v = f.add(sample(0.006, 0.002, 0.0, 128.0), at(128.0), 6, false);
    let FilterVerdict::Updated(stats) = v else {
        panic!("{v:?}")
    };
    assert_eq!((stats.offset, stats.delay), (0.010, 0.001));
}

#[test]
fn stages_read_newest_first_with_empty_stages_at_maxdisp() {
    let mut f = ClockFilter::new(-20);
    let t0 = NtpTimestamp::from_unix(1_700_000_000, 0);
    for (i, offset) in [0.001, 0.002, 0.003].into_iter().enumerate() {
        let at = t0 + NtpDuration::from_seconds_f64(64.0 * i as f64);
        let mut sample = FilterSample::from_exchange(at, at, at, at, -20, -20);
        sample.offset = offset;
        sample.delay = 0.01 * (i + 1) as f64;
        f.add(sample, at, 6, true);
    }
    let stages = f.stages();
    assert_eq!((stages[0].0, stages[0].1), (0.003, 0.03));
    assert_eq!((stages[2].0, stages[2].1), (0.001, 0.01));
    // ntpd's MAXDISP: 16 s.
    assert_eq!((stages[3].1, stages[3].2), (16.0, 16.0));
}
