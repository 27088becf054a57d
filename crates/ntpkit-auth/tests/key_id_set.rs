//! Trusted-key lists: `trustedkey 1 2 10-20`, ntpd's `(10 ... 20)`, and set algebra checked
//! against a plain `BTreeSet` model.

use std::collections::BTreeSet;

use ntpkit_auth::{KeyId, KeyIdSet};
use proptest::prelude::*;

fn id(v: u32) -> KeyId {
    KeyId::new(v).unwrap()
}

#[test]
fn parses_lists_and_both_range_syntaxes() {
    let set: KeyIdSet = "1 2, 10-20 (30 ... 32) (40 ...  41)".parse().unwrap();
    for v in [1, 2, 10, 15, 20, 30, 31, 32, 40, 41] {
        assert!(set.contains(id(v)), "{v}");
    }
    for v in [3, 9, 21, 29, 33, 39, 42, 65534] {
        assert!(!set.contains(id(v)), "{v}");
    }
    assert_eq!(set.to_string(), "1-2 10-20 30-32 40-41");
    assert_eq!(set.len(), 2 + 11 + 3 + 2);
}

#[test]
fn rejects_bad_lists() {
    for bad in [
        "0", "65535", "x", "5-3", "1-", "(1 ... )", "(1 2)", "(1 ... 3", "1--2",
    ] {
        assert!(
            bad.parse::<KeyIdSet>().is_err(),
            "{bad:?} should be rejected"
        );
    }
    assert!("".parse::<KeyIdSet>().unwrap().is_empty());
}

#[test]
fn full_range_and_removal_split() {
    let mut set: KeyIdSet = "1-65534".parse().unwrap();
    assert_eq!(set.len(), 65534);
    set.remove(id(100));
    assert!(!set.contains(id(100)));
    assert!(set.contains(id(99)) && set.contains(id(101)));
    assert_eq!(set.to_string(), "1-99 101-65534");
}

proptest! {
    #[test]
    fn behaves_like_a_set(ops in prop::collection::vec((0u8..3, 1u32..200, 0u32..20), 0..60)) {
        let mut set = KeyIdSet::new();
        let mut model = BTreeSet::new();
        for (op, v, span) in ops {
            match op {
                0 => { set.insert(id(v)); model.insert(v); }
                1 => {
                    let hi = (v + span).min(65534);
                    set.insert_range(id(v), id(hi));
                    model.extend(v..=hi);
                }
                _ => { set.remove(id(v)); model.remove(&v); }
            }
        }
        for v in 1..=230 {
            prop_assert_eq!(set.contains(id(v)), model.contains(&v), "id {}", v);
        }
        prop_assert_eq!(set.len(), model.len());
        let listed: Vec<u32> = set.iter().map(u32::from).collect();
        prop_assert_eq!(listed, model.iter().copied().collect::<Vec<_>>());
        // Display/FromStr round trip.
        let again: KeyIdSet = set.to_string().parse().unwrap();
        prop_assert_eq!(again, set);
    }
}
