//! Simulated paths and servers.

use crate::rng::SimRng;

/// Extra one-way delay of a packet the path holds back (reordering), seconds: far longer
/// than any sane exchange, so the client's packet tests must refuse what arrives.
pub const REORDER_HOLD: f64 = 10.0;

/// How the one-way delay varies around its base.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Jitter {
    /// No variation.
    None,
    /// Exponential queueing delay with this mean (seconds): always adds, never subtracts,
    /// like a real queue.
    Exponential(f64),
    /// |Normal(0, sigma)| (seconds).
    HalfNormal(f64),
    /// Normal(0, sigma) around the base delay (seconds), never below zero in all: what
    /// `tc netem delay BASE SIGMA distribution normal` draws. Unlike a queue it shortens
    /// packets as often as it lengthens them, so the lowest-delay sample of the clock
    /// filter is no nearer the true offset than any other (the sum and the difference of
    /// two independent normal delays are independent).
    Normal(f64),
}

/// A network path between the client and one server.
#[derive(Debug, Clone, PartialEq)]
pub struct PathModel {
    /// Base one-way delay, seconds.
    pub base_delay: f64,
    /// Extra one-way delay on the server-to-client direction only, seconds: an asymmetry
    /// NTP cannot see, which biases the offset by half of it.
    pub asymmetry: f64,
    /// Queueing jitter, drawn independently for each direction.
    pub jitter: Jitter,
    /// Probability each packet is lost.
    pub loss: f64,
    /// Probability a packet is held back by [`REORDER_HOLD`]: it arrives after later ones
    /// (a burst's) or at least far too late, and the client's packet tests refuse it.
    pub reorder: f64,
    /// True-time windows [start, end) in which every packet is lost.
    pub outages: Vec<(f64, f64)>,
    /// A route change: from this true time on, this many more seconds on the
    /// server-to-client direction (an asymmetry NTP cannot see: the clock follows it by
    /// half).
    pub route_change: Option<(f64, f64)>,
}

impl PathModel {
    /// A quiet LAN: 100 us each way, 20 us of exponential jitter.
    pub fn lan() -> Self {
        Self {
            base_delay: 100e-6,
            asymmetry: 0.0,
            jitter: Jitter::Exponential(20e-6),
            loss: 0.0,
            reorder: 0.0,
            outages: Vec::new(),
            route_change: None,
        }
    }

    /// A jittery WAN: 20 ms each way, 5 ms of exponential jitter, 1 % loss.
    pub fn wan() -> Self {
        Self {
            base_delay: 0.020,
            asymmetry: 0.0,
            jitter: Jitter::Exponential(0.005),
            loss: 0.01,
            reorder: 0.001,
            outages: Vec::new(),
            route_change: None,
        }
    }

    /// One-way delay of a packet sent at true time `t`, or None if it is lost.
    pub fn transit(&self, t: f64, backward: bool, rng: &mut SimRng) -> Option<f64> {
        if self.outages.iter().any(|(a, b)| t >= *a && t < *b) || rng.chance(self.loss) {
            return None;
        }
        let queue = match self.jitter {
            Jitter::None => 0.0,
            Jitter::Exponential(mean) => rng.exponential(mean),
            Jitter::HalfNormal(sigma) => (rng.normal() * sigma).abs(),
            Jitter::Normal(sigma) => (rng.normal() * sigma).max(-self.base_delay),
        };
        let reorder = if rng.chance(self.reorder) {
            REORDER_HOLD
        } else {
            0.0
        };
        let route = match self.route_change {
            Some((at, extra)) if backward && t >= at => extra,
            _ => 0.0,
        };
        let asymmetry = if backward { self.asymmetry } else { 0.0 };
        Some(self.base_delay + queue + reorder + asymmetry + route)
    }
}

/// What kind of server sits at the end of a path.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ServerKind {
    /// Tells true UTC.
    Good,
    /// Tells UTC plus this many seconds (a falseticker).
    False(f64),
    /// Never answers.
    Dead,
}

/// One simulated server.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerSpec {
    /// Truthful, false or dead.
    pub kind: ServerKind,
    /// The path to it.
    pub path: PathModel,
    /// Whether it announces a scheduled leap second (leap indicator) during the leap day.
    pub announces_leap: bool,
    /// Whether it announces a leap second that is not scheduled (a rogue or spoofed source).
    pub announces_bogus_leap: bool,
    /// Server timestamp noise (s, normal sigma): its own clock's imperfection.
    pub noise: f64,
    /// Rate limiting as chrony's `ratelimit ... kod` or ntpd's `restrict limited kod`: a
    /// request arriving less than this many seconds after the previous one is answered
    /// with a RATE kiss instead of the time.
    pub rate_limit: Option<f64>,
}

impl ServerSpec {
    /// A good stratum-1 server at the end of `path`.
    pub fn good(path: PathModel) -> Self {
        Self {
            kind: ServerKind::Good,
            path,
            announces_leap: true,
            announces_bogus_leap: false,
            noise: 1e-6,
            rate_limit: None,
        }
    }

    /// A falseticker `offset` seconds off.
    pub fn falseticker(path: PathModel, offset: f64) -> Self {
        Self {
            kind: ServerKind::False(offset),
            ..Self::good(path)
        }
    }

    /// A dead server.
    pub fn dead(path: PathModel) -> Self {
        Self {
            kind: ServerKind::Dead,
            ..Self::good(path)
        }
    }
}
