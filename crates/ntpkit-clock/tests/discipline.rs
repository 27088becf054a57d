//! Discipline policy and loop arithmetic (RFC 5905 A.5.5.6, ntpd tinker semantics).
mod common;
use common::*;
use ntpkit_clock::{Discipline, DisciplineOutcome, DisciplineState, TinkerOptions};

fn synced() -> Discipline {
    // Start from a restored frequency (FSET) and one small update: now in SYNC at t = 0.
    let mut d = Discipline::new(TinkerOptions::default(), -20, Some(0.0));
    assert_eq!(d.update(at(0.0), 0.0), DisciplineOutcome::Slewed);
    assert_eq!(d.state(), DisciplineState::Sync);
    d
}

#[test]
fn offset_beyond_panic_threshold_is_refused() {
    let mut d = Discipline::new(TinkerOptions::default(), -20, None);
    assert_eq!(
        d.update(at(0.0), 1500.0),
        DisciplineOutcome::Panic { offset: 1500.0 }
    );
    assert_eq!(
        d.update(at(64.0), -1000.5),
        DisciplineOutcome::Panic { offset: -1000.5 }
    );
}

#[test]
fn dash_g_allows_exactly_one_large_first_step() {
    let mut options = TinkerOptions::default();
    options.allow_first_panic = true;
    let mut d = Discipline::new(options, -20, None);
    assert_eq!(
        d.update(at(0.0), 5000.0),
        DisciplineOutcome::Stepped { offset: 5000.0 }
    );
    assert_eq!(
        d.update(at(2000.0), 5000.0),
        DisciplineOutcome::Panic { offset: 5000.0 }
    );
}

#[test]
fn panic_zero_disables_the_check() {
    let mut options = TinkerOptions::default();
    options.panic = 0.0;
    let mut d = Discipline::new(options, -20, None);
    assert_eq!(
        d.update(at(0.0), 1e6),
        DisciplineOutcome::Stepped { offset: 1e6 }
    );
}

#[test]
fn first_offset_above_step_threshold_steps_at_once() {
    let mut d = Discipline::new(TinkerOptions::default(), -20, None);
    assert_eq!(
        d.update(at(0.0), 0.129),
        DisciplineOutcome::Stepped { offset: 0.129 }
    );
    assert_eq!(d.state(), DisciplineState::MeasuringFrequency);
}

#[test]
fn first_offset_below_step_threshold_is_slewed_not_stepped() {
    let mut d = Discipline::new(TinkerOptions::default(), -20, None);
    // NSET: the offset is kept as residual to slew and frequency measurement starts.
    assert_eq!(d.update(at(0.0), 0.127), DisciplineOutcome::Slewed);
    assert_eq!(d.residual_offset(), 0.127);
}

#[test]
fn in_sync_a_step_needs_the_stepout_interval() {
    let mut d = synced();
    // The first outlier is a suspected spike; further ones are ignored until 900 s.
    assert_eq!(d.update(at(64.0), 0.2), DisciplineOutcome::Ignored);
    assert_eq!(d.state(), DisciplineState::Spike);
    assert_eq!(d.update(at(128.0), 0.2), DisciplineOutcome::Ignored);
    assert_eq!(d.update(at(899.0), 0.2), DisciplineOutcome::Ignored);
    assert_eq!(
        d.update(at(900.0), 0.2),
        DisciplineOutcome::Stepped { offset: 0.2 }
    );
    assert_eq!(d.poll(), 6);
}

#[test]
fn an_inlier_after_a_spike_returns_to_sync_without_stepping() {
    let mut d = synced();
    assert_eq!(d.update(at(64.0), 0.5), DisciplineOutcome::Ignored);
    assert_eq!(d.update(at(128.0), 0.001), DisciplineOutcome::Slewed);
    assert_eq!(d.state(), DisciplineState::Sync);
}

#[test]
fn step_zero_means_always_slew() {
    let mut options = TinkerOptions::default();
    options.step = 0.0;
    let mut d = Discipline::new(options, -20, Some(0.0));
    assert_eq!(d.update(at(0.0), 5.0), DisciplineOutcome::Slewed);
    // The slew is limited to 500 PPM: one second of ticking moves at most 0.5 ms.
    let f = d.tick();
    assert!((f - 500e-6).abs() < 1e-15, "{f}");
    assert!((d.residual_offset() - (5.0 - 500e-6)).abs() < 1e-12);
}

#[test]
fn pll_frequency_gain_is_offset_mu_over_4_pll_tau_squared() {
    let mut d = synced();
    // poll 6 (tau = 64 s), mu = 64 s: delta f = theta * 64 / (4 * 16 * 64)^2 = theta / 262144.
    assert_eq!(d.update(at(64.0), 0.001), DisciplineOutcome::Slewed);
    let expected = 0.001 / 262_144.0;
    assert!(
        (d.frequency() - expected).abs() < 1e-18,
        "{}",
        d.frequency()
    );
}

#[test]
fn each_tick_slews_residual_over_pll_times_tau() {
    let mut d = synced();
    d.update(at(64.0), 0.001);
    let f0 = d.frequency();
    // tau = 16 * 64 = 1024 s: the first second removes 0.001 / 1024 of phase.
    let f = d.tick();
    assert!((f - (f0 + 0.001 / 1024.0)).abs() < 1e-15);
    assert!((d.residual_offset() - 0.001 * (1.0 - 1.0 / 1024.0)).abs() < 1e-15);
}

#[test]
fn frequency_is_measured_directly_over_the_stepout_interval() {
    // NSET with a 10 ms offset; the oscillator is 20 PPM slow. After 900 s of slewing the
    // measured offset is residual + 20e-6 * 900; the direct measurement recovers 20 PPM.
    let mut d = Discipline::new(TinkerOptions::default(), -20, None);
    assert_eq!(d.update(at(0.0), 0.010), DisciplineOutcome::Slewed);
    for _ in 0..900 {
        d.tick();
    }
    let measured = d.residual_offset() + 20e-6 * 900.0;
    assert_eq!(d.update(at(900.0), measured), DisciplineOutcome::Slewed);
    assert!((d.frequency() - 20e-6).abs() < 1e-12, "{}", d.frequency());
}

#[test]
fn frequency_is_clamped_to_500_ppm() {
    let mut d = Discipline::new(TinkerOptions::default(), -20, None);
    d.update(at(0.0), 0.0);
    // 0.9 s gained over the 900 s measurement would be 1000 PPM; the clamp holds 500 PPM.
    assert_eq!(
        d.update(at(900.0), 0.9),
        DisciplineOutcome::Stepped { offset: 0.9 }
    );
    assert_eq!(d.frequency(), 500e-6);
    let restored = Discipline::new(TinkerOptions::default(), -20, Some(0.01));
    assert_eq!(restored.frequency(), 500e-6);
}

#[test]
fn poll_interval_grows_while_offsets_are_small() {
    let mut d = synced();
    let mut t = 0.0;
    for _ in 0..40 {
        t += 64.0;
        d.update(at(t), 1e-7);
    }
    assert!(d.poll() > 6, "{}", d.poll());
    assert!(d.poll() <= 10);
}

#[test]
fn no_frequency_integration_for_a_stepout_after_the_direct_measurement() {
    // ntpd (`freq_cnt`): after the direct frequency measurement the loop slews phase only
    // for one stepout interval (900 s), then the PLL integrates again.
    let mut d = Discipline::new(TinkerOptions::default(), -20, None);
    assert!(d.is_settling());
    d.update(at(0.0), 0.0);
    assert_eq!(d.update(at(900.0), 0.0), DisciplineOutcome::Slewed);
    assert_eq!(d.frequency(), 0.0);
    for _ in 0..899 {
        d.tick();
    }
    assert!(d.is_settling());
    assert_eq!(d.update(at(964.0), 0.001), DisciplineOutcome::Slewed);
    assert_eq!(d.frequency(), 0.0, "held: phase only");
    d.tick();
    assert!(!d.is_settling());
    // mu = 64 s at poll 6: delta f = 0.001 * 64 / (4 * 16 * 64)^2 = 0.001 / 262144.
    assert_eq!(d.update(at(1028.0), 0.001), DisciplineOutcome::Slewed);
    assert!((d.frequency() - 0.001 / 262_144.0).abs() < 1e-18);
}

#[test]
fn a_drift_file_frequency_skips_the_start_up_hold() {
    let d = Discipline::new(TinkerOptions::default(), -20, Some(10e-6));
    assert!(!d.is_settling());
}

#[test]
fn slew_compensated_frequency_follows_the_prediction_error_only() {
    // compensate_slew: the offset handed over is referred to the clock as slewed now, so
    // the residual still to be slewed predicts it, and only what the prediction misses
    // over mu moves the frequency, by a quarter of the rate it implies.
    let mut d = synced();
    d.set_slew_compensation(true);
    // An unpredicted 10 ms over 64 s reads as 156 PPM: a quarter of it is applied. (This
    // is the price of the form: a lasting phase jump, a path change say, moves the
    // frequency far more than the RFC PLL's 0.04 PPM for the same offset.)
    d.update(at(64.0), 0.010);
    assert!(
        (d.frequency() - 0.010 / 256.0).abs() < 1e-15,
        "{}",
        d.frequency()
    );
    let f0 = d.frequency();
    // The phase error now being slewed out exactly as predicted moves nothing.
    for _ in 0..64 {
        d.tick();
    }
    let predicted = d.residual_offset();
    d.update(at(128.0), predicted);
    assert!((d.frequency() - f0).abs() < 1e-15, "{}", d.frequency());
    // 64 us more than predicted over 64 s: 1 PPM, a quarter of it corrected.
    for _ in 0..64 {
        d.tick();
    }
    let offset = d.residual_offset() + 64e-6;
    d.update(at(192.0), offset);
    assert!(
        (d.frequency() - f0 - 0.25e-6).abs() < 1e-12,
        "{}",
        d.frequency() - f0
    );
    // Control: the RFC loop integrates the same correctly predicted offset.
    let mut rfc = synced();
    rfc.update(at(64.0), 0.010);
    let f1 = rfc.frequency();
    for _ in 0..64 {
        rfc.tick();
    }
    let predicted = rfc.residual_offset();
    rfc.update(at(128.0), predicted);
    let integrated = predicted / 262_144.0;
    assert!(
        (rfc.frequency() - f1 - integrated).abs() < 1e-15,
        "{}",
        rfc.frequency() - f1
    );
}
