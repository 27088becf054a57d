//! Selection, cluster and combine (RFC 5905 11.2.1 to 11.2.3).
mod common;
use common::*;
use ntpkit_clock::{ClockOptions, NoSelection, Rejection, SelectContext, SourceId, select};
use ntpkit_wire::{LeapIndicator, ReferenceId};

fn ctx() -> SelectContext {
    SelectContext {
        now: at(0.0),
        poll: 6,
        local_refid: Some(ReferenceId([192, 0, 2, 1])),
        current_peer: None,
        phase: 0.0,
    }
}

fn rejected(sel: &ntpkit_clock::Selection, id: u64) -> Option<Rejection> {
    sel.rejected
        .iter()
        .find(|(i, _)| *i == SourceId(id))
        .map(|(_, r)| *r)
}

#[test]
fn two_falsetickers_among_five_are_rejected() {
    // Three truechimers within 1 ms, two liars 2 s and 3 s off; root distances ~10 ms.
    let c = [
        candidate(1, 0.0010, 0.02, 0.001, 0.0005, 0.0),
        candidate(2, 0.0000, 0.02, 0.001, 0.0005, 0.0),
        candidate(3, -0.0005, 0.02, 0.001, 0.0005, 0.0),
        candidate(4, 2.0, 0.02, 0.001, 0.0005, 0.0),
        candidate(5, 3.0, 0.02, 0.001, 0.0005, 0.0),
    ];
    let sel = select(&c, &ctx(), &ClockOptions::default());
    assert_eq!(rejected(&sel, 4), Some(Rejection::Falseticker));
    assert_eq!(rejected(&sel, 5), Some(Rejection::Falseticker));
    assert_eq!(sel.truechimers.len(), 3);
    assert!(sel.system_peer.is_some_and(|p| p.0 <= 3));
    assert!(sel.offset.abs() < 0.001, "{}", sel.offset);
}

#[test]
fn no_majority_means_no_system_peer() {
    // Two sources 1 s apart with 10 ms distances: neither can outvote the other.
    let c = [
        candidate(1, 0.0, 0.02, 0.0, 0.001, 0.0),
        candidate(2, 1.0, 0.02, 0.0, 0.001, 0.0),
    ];
    let sel = select(&c, &ctx(), &ClockOptions::default());
    assert_eq!(sel.system_peer, None);
    assert_eq!(sel.failure, Some(NoSelection::NoMajority));
}

#[test]
fn combine_weights_by_inverse_root_distance() {
    // Distances: (delay/2 + disp + jitter): A = 0.01/2 + 0 + 0.005 = 0.01, B = 0.02 + 0.01 = 0.03
    // (delay 0.02 -> 0.01, disp 0.015, jitter 0.005). Offsets 0 and 0.004, overlapping.
    let a = candidate(1, 0.000, 0.010, 0.000, 0.005, 0.0);
    let b = candidate(2, 0.004, 0.020, 0.015, 0.005, 0.0);
    let sel = select(&[a, b], &ctx(), &ClockOptions::default());
    // offset = (0/0.01 + 0.004/0.03) / (1/0.01 + 1/0.03) = 0.001
    assert!((sel.offset - 0.001).abs() < 1e-12, "{}", sel.offset);
    assert_eq!(sel.system_peer, Some(SourceId(1)));
    // jitter = sqrt((0.004^2 / 0.03) / (1/0.01 + 1/0.03)) = 0.002
    assert!((sel.jitter - 0.002).abs() < 1e-12, "{}", sel.jitter);
}

#[test]
fn prefer_peer_offset_is_used_alone() {
    let a = candidate(1, 0.000, 0.010, 0.000, 0.005, 0.0);
    let mut b = candidate(2, 0.004, 0.020, 0.015, 0.005, 0.0);
    b.prefer = true;
    let sel = select(&[a, b], &ctx(), &ClockOptions::default());
    assert_eq!(sel.system_peer, Some(SourceId(2)));
    assert_eq!(sel.offset, 0.004);
}

#[test]
fn fitness_rules_reject_with_reasons() {
    let mut c = vec![candidate(1, 0.0, 0.01, 0.0, 0.001, 0.0); 7];
    for (i, x) in c.iter_mut().enumerate() {
        x.id = SourceId(i as u64 + 1);
    }
    c[0].noselect = true;
    c[1].reachable = false;
    c[2].server.leap = LeapIndicator::Unsynchronized;
    c[3].server.stratum = 15; // ceiling 15
    c[4].server.root_dispersion = 2.0; // maxdist 1.5
    c[5].server.stratum = 2;
    c[5].server.reference_id = ReferenceId([192, 0, 2, 1]); // synchronised to us
    let sel = select(&c, &ctx(), &ClockOptions::default());
    let reasons: Vec<_> = (1..=6).map(|i| rejected(&sel, i)).collect();
    assert_eq!(
        reasons,
        [
            Some(Rejection::NoSelect),
            Some(Rejection::Unreachable),
            Some(Rejection::Unsynchronized),
            Some(Rejection::Stratum),
            Some(Rejection::Distance),
            Some(Rejection::Loop)
        ]
    );
    assert_eq!(sel.system_peer, Some(SourceId(7)));
}

#[test]
fn minsane_requires_enough_survivors() {
    let mut options = ClockOptions::default();
    options.tos.minsane = 3;
    let c = [
        candidate(1, 0.0, 0.01, 0.0, 0.001, 0.0),
        candidate(2, 0.0, 0.01, 0.0, 0.001, 0.0),
    ];
    let sel = select(&c, &ctx(), &options);
    assert_eq!(sel.failure, Some(NoSelection::TooFewSurvivors));
    assert_eq!(sel.system_peer, None);
}

#[test]
fn cluster_prunes_the_outlier_down_to_minclock() {
    // Five overlapping truechimers (distance 0.1 s) with tiny peer jitter; the one at
    // +50 ms has the largest selection jitter and goes first, then +20 ms; minclock 3 stops.
    let offs = [0.0, 0.001, -0.001, 0.020, 0.050];
    let c: Vec<_> = offs
        .iter()
        .enumerate()
        .map(|(i, o)| candidate(i as u64 + 1, *o, 0.02, 0.09, 0.0001, 0.0))
        .collect();
    let sel = select(&c, &ctx(), &ClockOptions::default());
    assert_eq!(sel.survivors.len(), 3);
    assert_eq!(rejected(&sel, 5), Some(Rejection::Outlier));
    assert_eq!(rejected(&sel, 4), Some(Rejection::Outlier));
}

#[test]
fn current_peer_is_kept_to_avoid_clock_hopping() {
    let a = candidate(1, 0.000, 0.010, 0.000, 0.005, 0.0);
    let b = candidate(2, 0.001, 0.011, 0.000, 0.005, 0.0);
    let mut context = ctx();
    context.current_peer = Some(SourceId(2));
    let sel = select(&[a, b], &context, &ClockOptions::default());
    assert_eq!(sel.system_peer, Some(SourceId(2)));
}
