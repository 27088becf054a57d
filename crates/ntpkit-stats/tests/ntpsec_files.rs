//! Files written by an independent implementation: NTPsec 1.2.2's ntpd (Debian 12 package,
//! unpacked by `.ci/install-peers`) synchronising to chronyd across a veth pair between two
//! network namespaces, clock control denied, `statistics loopstats peerstats rawstats`,
//! `filegen ... type day link enable`. Captured 2026-11-21; the files are in
//! `tests/data/ntpsec-1.2.2/`. Every line must parse and print back byte for byte.

use ntpkit_stats::{LoopStats, PeerSelection, PeerStats, RawStats, StatRecord, StatsKind};

const LOOPSTATS: &str = include_str!("data/ntpsec-1.2.2/loopstats.20261121");
const PEERSTATS: &str = include_str!("data/ntpsec-1.2.2/peerstats.20261121");
const RAWSTATS: &str = include_str!("data/ntpsec-1.2.2/rawstats.20261121");

#[test]
fn every_line_ntpsec_wrote_round_trips() {
    for (kind, text) in [
        (StatsKind::LoopStats, LOOPSTATS),
        (StatsKind::PeerStats, PEERSTATS),
        (StatsKind::RawStats, RAWSTATS),
    ] {
        assert!(!text.is_empty());
        for line in text.lines() {
            let record =
                StatRecord::parse(kind, line).unwrap_or_else(|e| panic!("{kind}: {line:?}: {e}"));
            assert_eq!(record.to_string(), line);
            // 2026-11-21 is MJD 61365; the files were named for that day.
            assert_eq!(record.time().mjd(), 61365);
        }
    }
}

#[test]
fn ntpsec_values_decode() {
    // NTPsec prints the loopstats frequency with six decimals (ntpd: three).
    let first = LoopStats::parse(LOOPSTATS.lines().next().unwrap()).unwrap();
    assert_eq!(first.frequency.scale(), 6);
    assert_eq!(first.time_constant, Some(3));

    let last = PeerStats::parse(PEERSTATS.lines().last().unwrap()).unwrap();
    assert_eq!(last.address.to_string(), "10.9.0.1");
    // 0xb61a: configured, authentication not enabled, reachable, broadcast bit clear...
    assert!(last.status.configured() && last.status.reachable());
    // ...selected as the system peer, one event, code 0xa.
    assert_eq!(last.status.selection(), PeerSelection::SystemPeer);
    assert_eq!(
        (last.status.event_count(), last.status.event_code()),
        (1, 0xa)
    );

    let raw = RawStats::parse(RAWSTATS.lines().next().unwrap()).unwrap();
    let header = raw.header.as_ref().unwrap();
    assert_eq!(
        (header.leap, header.version, header.mode, header.stratum),
        (0, 4, 4, 1)
    );
    assert_eq!(header.precision, -26);
    assert_eq!(raw.extra_fields, [0, 0, 0]);
    assert!(
        raw.originate < raw.receive
            && raw.receive <= raw.transmit
            && raw.transmit < raw.destination_time
    );
}
