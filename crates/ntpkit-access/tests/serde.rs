//! Config-facing types round-trip through serde (feature `serde`).
#![cfg(feature = "serde")]

use ntpkit_access::{
    AclLevel, DiscardConfig, MruConfig, RestrictEntry, RestrictFlags, RestrictNetwork,
};

#[test]
fn restrict_flags_are_a_list_of_ntp_conf_names() {
    let flags: RestrictFlags = "nomodify nopeer limited".parse().unwrap();
    let json = serde_json::to_string(&flags).unwrap();
    assert_eq!(json, r#"["nomodify","nopeer","limited"]"#);
    assert_eq!(serde_json::from_str::<RestrictFlags>(&json).unwrap(), flags);
    assert!(serde_json::from_str::<RestrictFlags>(r#"["nomodfy"]"#).is_err());
}

#[test]
fn entries_and_settings_round_trip() {
    let entry = RestrictEntry::new(
        RestrictNetwork::Net("10.0.0.0/8".parse().unwrap()),
        "noquery ntpport".parse().unwrap(),
    );
    let json = serde_json::to_string(&entry).unwrap();
    assert_eq!(serde_json::from_str::<RestrictEntry>(&json).unwrap(), entry);
    let source = RestrictEntry::new(RestrictNetwork::Source, RestrictFlags::NOMODIFY);
    let json = serde_json::to_string(&source).unwrap();
    assert!(json.contains(r#""source""#), "{json}");
    assert_eq!(
        serde_json::from_str::<RestrictEntry>(&json).unwrap(),
        source
    );

    let mut discard = DiscardConfig::default();
    discard.average = 5;
    let back: DiscardConfig =
        serde_json::from_str(&serde_json::to_string(&discard).unwrap()).unwrap();
    assert_eq!(back, discard);
    // Missing fields take ntpd's defaults.
    let partial: DiscardConfig = serde_json::from_str(r#"{"minimum": 4}"#).unwrap();
    assert_eq!(
        (partial.average, partial.minimum, partial.monitor),
        (3, 4, 3000)
    );

    let mut mru = MruConfig::default();
    mru.set_maxdepth(2000);
    let back: MruConfig = serde_json::from_str(&serde_json::to_string(&mru).unwrap()).unwrap();
    assert_eq!(back, mru);

    assert_eq!(
        serde_json::to_string(&AclLevel::Synchronization).unwrap(),
        r#""synchronization""#
    );
    assert_eq!(
        serde_json::from_str::<AclLevel>(r#""limited""#).unwrap(),
        AclLevel::Limited
    );
}
