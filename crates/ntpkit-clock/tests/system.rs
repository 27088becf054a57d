//! System process: system variables derived as RFC 5905 A.5.5.4 `clock_update` does, and
//! orphan mode.
mod common;
use common::*;
use ntpkit_clock::{ClockAdjust, ClockOptions, DisciplineOutcome, SystemProcess};
use ntpkit_wire::{LeapIndicator, ReferenceId};

#[test]
fn system_variables_follow_clock_update() {
    // Restored frequency (FSET): the first small offset is slewed at once.
    let mut sys = SystemProcess::new(ClockOptions::default(), -20, Some(0.0)).unwrap();
    let mut c = candidate(1, 0.002, 0.020, 0.001, 0.0005, 0.0);
    c.server.stratum = 2;
    c.server.root_delay = 0.010;
    c.server.root_dispersion = 0.005;
    let update = sys.update(at(0.0), &[c]);
    assert_eq!(update.outcome, Some(DisciplineOutcome::Slewed));
    let v = sys.system_variables(at(0.0));
    assert_eq!(v.stratum.0, 3);
    assert_eq!(v.reference_id, c.source_refid);
    assert_eq!(v.leap, LeapIndicator::NoWarning);
    // root delay = server root delay + peer delay = 0.030
    assert!((v.root_delay.to_seconds_f64() - 0.030).abs() < 2e-5);
    // root dispersion = server root disp + sqrt(peer jitter^2 + selection jitter^2)
    //   + max(peer disp + PHI * 0 + |offset|, MINDISP) = 0.005 + 0.0005 + max(0.003, 0.005)
    assert!(
        (v.root_dispersion.to_seconds_f64() - 0.0105).abs() < 2e-5,
        "{:?}",
        v.root_dispersion
    );
    // It grows at PHI: 100 s later by 1.5 ms.
    let later = sys.system_variables(at(100.0));
    assert!((later.root_dispersion.to_seconds_f64() - 0.012).abs() < 2e-5);
}

#[test]
fn unsynchronised_until_the_first_update() {
    let sys = SystemProcess::new(ClockOptions::default(), -20, None).unwrap();
    let v = sys.system_variables(at(0.0));
    assert_eq!(v.leap, LeapIndicator::Unsynchronized);
    assert_eq!(v.stratum.0, 16);
    assert!(!v.is_synchronized());
}

#[test]
fn a_step_asks_for_a_clock_step_and_unsynchronises() {
    let mut sys = SystemProcess::new(ClockOptions::default(), -20, Some(0.0)).unwrap();
    let update = sys.update(at(0.0), &[candidate(1, 0.5, 0.02, 0.001, 0.001, 0.0)]);
    assert_eq!(update.adjust, Some(ClockAdjust::Step { offset: 0.5 }));
    assert!(!sys.system_variables(at(1.0)).is_synchronized());
}

#[test]
fn orphan_mode_after_orphanwait_without_sources() {
    let mut options = ClockOptions::default();
    options.tos.orphan = 10;
    let mut sys = SystemProcess::new(options, -20, None).unwrap();
    sys.update(at(0.0), &[]);
    assert_eq!(sys.system_variables(at(299.0)).stratum.0, 16);
    let v = sys.system_variables(at(300.0));
    assert_eq!(v.stratum.0, 10);
    assert_eq!(v.reference_id, ReferenceId([127, 0, 0, 1]));
    assert_eq!(v.leap, LeapIndicator::NoWarning);
}

#[test]
fn leap_announced_by_a_majority_shows_in_the_system_variables() {
    use ntpkit_wire::{NtpTimestamp, UNIX_EPOCH_OFFSET};
    let leap_ntp: i64 = 3_692_217_600; // 2017-01-01
    let t = |s: i64| NtpTimestamp::from_unix(leap_ntp - UNIX_EPOCH_OFFSET - s, 0);
    let mut sys = SystemProcess::new(ClockOptions::default(), -20, Some(0.0)).unwrap();
    let mut cands: Vec<_> = (1..=3)
        .map(|i| candidate(i, 0.0001, 0.01, 0.0, 0.0005, 0.0))
        .collect();
    for c in &mut cands {
        c.stats.time = t(3600);
    }
    cands[0].server.leap = LeapIndicator::InsertSecond;
    sys.update(t(3600), &cands);
    sys.tick(t(3600));
    assert_eq!(
        sys.system_variables(t(3600)).leap,
        LeapIndicator::NoWarning,
        "one of three"
    );
    cands[1].server.leap = LeapIndicator::InsertSecond;
    for c in &mut cands {
        c.stats.time = t(3500);
    }
    sys.update(t(3500), &cands);
    sys.tick(t(3500));
    assert_eq!(
        sys.system_variables(t(3500)).leap,
        LeapIndicator::InsertSecond,
        "two of three"
    );
}

#[test]
fn the_loop_runs_within_the_system_peers_poll_bounds() {
    // `server ... minpoll 3 maxpoll 4` under the default tinker bounds (6..10): ntpd clamps
    // sys_poll to the system peer's limits (clock_update, local_clock), so the loop's poll
    // and time constant follow the 8..16 s updates instead of assuming 64..1024 s.
    let mut sys = SystemProcess::new(ClockOptions::default(), -20, Some(0.0)).unwrap();
    assert_eq!(sys.poll(), 6, "before any system peer: the tinker minpoll");
    let mut polls = Vec::new();
    for k in 0..400 {
        let t = 16.0 * f64::from(k);
        // Small offsets, then a stretch of large ones, then small again: the poll adapts
        // up and down, within the bounds.
        let offset = if (150..200).contains(&k) {
            0.004
        } else {
            0.0001 * (t / 600.0).sin()
        };
        let mut c = candidate(1, offset, 0.010, 0.0005, 0.0002, t);
        c.poll_bounds = (3, 4);
        sys.update(at(t), &[c]);
        polls.push(sys.poll());
    }
    // ntpd: sys_poll 6 clamped into 3..4 gives 4 at the first update.
    assert_eq!(polls[0], 4);
    assert!(polls.iter().all(|p| (3..=4).contains(p)), "{polls:?}");
    assert!(
        polls.contains(&3),
        "the poll still adapts within the bounds: {polls:?}"
    );
    // Another system peer with wider bounds lets the poll grow past 4 again.
    let t0 = 16.0 * 400.0;
    for k in 0..400 {
        let t = t0 + 64.0 * f64::from(k);
        let offset = if k % 2 == 0 { 0.00002 } else { -0.00002 };
        let mut c = candidate(2, offset, 0.010, 0.0005, 0.0002, t);
        c.poll_bounds = (6, 10);
        sys.update(at(t), &[c]);
    }
    assert!(sys.poll() > 6, "poll {}", sys.poll());
}
