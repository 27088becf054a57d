//! The standard scenarios the proofs and the figures table use, in one place so the tests
//! and `examples/scenarios.rs` cannot drift apart.

use crate::clock::ClockModel;
use crate::network::{PathModel, ServerSpec};
use crate::peer::PeerSpec;
use crate::scenario::{PoolSpec, Scenario};

/// Oscillator of the client in every standard scenario: 50 ms off at start, 20 PPM fast
/// (a typical uncompensated crystal), random-walk wander 1e-10 s/s per sqrt(s) (about
/// 0.03 PPM over a day, a temperature-stable room).
pub fn typical_oscillator() -> ClockModel {
    ClockModel {
        initial_offset: 0.050,
        frequency_error: 20e-6,
        wander: 1e-10,
    }
}

/// Main scenario: three good servers on a quiet LAN, one day from a cold start.
pub fn lan(seed: u64) -> Scenario {
    let mut s = Scenario::new(seed, vec![ServerSpec::good(PathModel::lan()); 3]);
    s.clock = typical_oscillator();
    s.settle = 6.0 * 3600.0;
    s
}

/// Three good servers over a jittery WAN (20 ms, 5 ms exponential jitter, 1 % loss).
pub fn wan(seed: u64) -> Scenario {
    let mut s = Scenario::new(seed, vec![ServerSpec::good(PathModel::wan()); 3]);
    s.clock = typical_oscillator();
    s.settle = 6.0 * 3600.0;
    s
}

/// Five LAN servers, two of them falsetickers (+2 s and -3 s).
pub fn falsetickers(seed: u64) -> Scenario {
    let mut servers = vec![ServerSpec::good(PathModel::lan()); 3];
    servers.push(ServerSpec::falseticker(PathModel::lan(), 2.0));
    servers.push(ServerSpec::falseticker(PathModel::lan(), -3.0));
    let mut s = Scenario::new(seed, servers);
    s.clock = typical_oscillator();
    s.settle = 6.0 * 3600.0;
    s
}

/// All servers vanish (path outage) for one hour, six hours in.
pub fn outage(seed: u64) -> Scenario {
    let mut path = PathModel::lan();
    path.outages.push((6.0 * 3600.0, 7.0 * 3600.0));
    let mut s = Scenario::new(seed, vec![ServerSpec::good(path); 3]);
    s.clock = typical_oscillator();
    s.duration = 12.0 * 3600.0;
    s.settle = 5.0 * 3600.0;
    s
}

/// LAN start with a given initial offset (step/slew/panic thresholds), two hours.
pub fn start_offset(seed: u64, initial_offset: f64) -> Scenario {
    let mut s = lan(seed);
    s.clock.initial_offset = initial_offset;
    s.duration = 2.0 * 3600.0;
    s.settle = 3600.0;
    s
}

/// A leap second inserted at the end of 2016-12-31, announced by three good servers; the
/// run starts 2016-12-30 18:00 UTC and lasts a day.
pub fn leap(seed: u64) -> Scenario {
    let mut s = lan(seed);
    let leap_ntp = 3_692_217_600u64; // 2017-01-01 00:00:00 UTC
    s.start_ntp = leap_ntp - 30 * 3600;
    s.leap_insert_at = Some(30.0 * 3600.0);
    s.duration = 36.0 * 3600.0;
    s.settle = 6.0 * 3600.0;
    s
}

/// A `pool` line and nothing else (`tos maxclock 4`): the name resolves, in order, to two
/// good LAN servers, one dead address, a falseticker (+1.5 s), a good one, another
/// falseticker (-2 s) and good ones after that. The host must shed the dead and lying
/// members and take the next ones, never selecting a liar.
pub fn pool(seed: u64) -> Scenario {
    let good = || ServerSpec::good(PathModel::lan());
    let members = vec![
        good(),
        good(),
        ServerSpec::dead(PathModel::lan()),
        ServerSpec::falseticker(PathModel::lan(), 1.5),
        good(),
        ServerSpec::falseticker(PathModel::lan(), -2.0),
        good(),
        good(),
        good(),
    ];
    let mut s = Scenario::new(seed, Vec::new());
    s.pool = Some(PoolSpec {
        members,
        maxclock: 4,
    });
    s.clock = typical_oscillator();
    s.settle = 6.0 * 3600.0;
    s
}

/// The main scenario with the first server rate limiting as chrony's `ratelimit interval 4
/// ... kod` does (requests closer than 16 s get a RATE kiss): the iburst runs into it.
pub fn rate_limited(seed: u64, min_interval: f64) -> Scenario {
    let mut s = lan(seed);
    if let Some(first) = s.servers.first_mut() {
        first.rate_limit = Some(min_interval);
    }
    s
}

/// The main scenario plus a `peer` line to a second node over the same kind of LAN; the
/// second node's only source is the client (a `peer` line back), so it synchronises
/// through symmetric mode alone. Its oscillator: 30 ms behind, 15 PPM slow, the same
/// wander.
pub fn symmetric_peers(seed: u64) -> Scenario {
    let mut s = lan(seed);
    s.peer = Some(PeerSpec {
        clock: ClockModel {
            initial_offset: -0.030,
            frequency_error: -15e-6,
            wander: 1e-10,
        },
        path: PathModel::lan(),
        restored_frequency: Some(15e-6),
    });
    s
}

/// The main scenario with a route change 12 h in: every server's replies take 2 ms longer
/// from then on. NTP cannot see asymmetry, so the right answer is to follow it by half
/// (the clock ends 1 ms behind UTC); the question is how the loop gets there.
pub fn route_change(seed: u64) -> Scenario {
    let mut s = lan(seed);
    for server in &mut s.servers {
        server.path.route_change = Some((12.0 * 3600.0, 0.002));
    }
    s.settle = 12.0 * 3600.0;
    s
}
