//! System process, first half (RFC 5905 section 11.2, appendix A.5.5.1): which sources may
//! be used (`fit`), which of them agree (intersection, 11.2.1), which are the best of those
//! (cluster, 11.2.2), and what they say together (combine, 11.2.3).

use ntpkit_wire::{LeapIndicator, NtpTimestamp, ReferenceId};

use crate::candidate::{Candidate, SourceId};
use crate::constants::{MAXSTRAT, log2d};
use crate::options::ClockOptions;

/// Why a candidate is not among the survivors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// Configured `noselect`.
    NoSelect,
    /// No reply in the last eight polls.
    Unreachable,
    /// The server says it is unsynchronised (leap 3 or stratum 0/16).
    Unsynchronized,
    /// Stratum outside `tos floor`..`tos ceiling`.
    Stratum,
    /// Root distance above `tos maxdist` (plus one poll's dispersion growth).
    Distance,
    /// The server is synchronised to us (timing loop).
    Loop,
    /// Outside the majority intersection: a falseticker.
    Falseticker,
    /// Pruned by the cluster algorithm (or beyond `tos maxclock`).
    Outlier,
}

/// Why no system peer was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoSelection {
    /// No candidate passed the fitness checks.
    NoCandidates,
    /// No intersection contains a majority: as many falsetickers as truechimers.
    NoMajority,
    /// Fewer survivors than `tos minsane`.
    TooFewSurvivors,
}

/// Result of one selection round.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selection {
    /// Candidates inside the majority intersection.
    pub truechimers: Vec<SourceId>,
    /// Cluster survivors, best (lowest stratum, then root distance) first.
    pub survivors: Vec<SourceId>,
    /// The system peer, if selection succeeded.
    pub system_peer: Option<SourceId>,
    /// Combined offset of the survivors (or the prefer peer's alone), seconds.
    pub offset: f64,
    /// Selection jitter: weighted RMS of survivor offsets about the system peer's.
    pub jitter: f64,
    /// Every candidate not among the survivors, and why.
    pub rejected: Vec<(SourceId, Rejection)>,
    /// Why there is no system peer, when there is none.
    pub failure: Option<NoSelection>,
}

/// Everything [`select`] needs besides the candidates.
#[derive(Debug, Clone, Copy)]
pub struct SelectContext {
    /// Current local time.
    pub now: NtpTimestamp,
    /// System poll exponent (the distance threshold allows one poll of growth).
    pub poll: i8,
    /// The reference id other hosts see for us, to detect servers synchronised to us.
    pub local_refid: Option<ReferenceId>,
    /// The current system peer, kept when still a survivor at the best stratum (no
    /// needless clock hopping).
    pub current_peer: Option<SourceId>,
    /// Phase slewed so far ([`crate::SystemProcess::slewed_phase`]): candidate offsets are
    /// corrected to it. 0 (with samples at phase 0) is the RFC's uncorrected behaviour.
    pub phase: f64,
}

/// Runs fit, intersection, cluster and combine over `candidates`.
pub fn select(candidates: &[Candidate], ctx: &SelectContext, options: &ClockOptions) -> Selection {
    let tos = &options.tos;
    let phi = options.tinker.phi;
    let mut out = Selection::default();
    let adjusted: Vec<Candidate> = candidates
        .iter()
        .map(|c| {
            let mut c = *c;
            c.stats.offset = c.stats.offset_at(ctx.phase);
            c.stats.phase = ctx.phase;
            c
        })
        .collect();
    let candidates = &adjusted[..];

    // Fitness (RFC 5905 A.5.5.3 `accept`, with ntpd's floor/ceiling).
    let mut fit: Vec<(&Candidate, f64)> = Vec::with_capacity(candidates.len());
    for c in candidates {
        let stratum = if c.server.stratum == 0 {
            MAXSTRAT
        } else {
            c.server.stratum
        };
        let distance = c.root_distance(ctx.now, phi, tos.mindist);
        let reason = if c.noselect {
            Some(Rejection::NoSelect)
        } else if !c.reachable {
            Some(Rejection::Unreachable)
        } else if c.server.leap == LeapIndicator::Unsynchronized || stratum >= MAXSTRAT {
            Some(Rejection::Unsynchronized)
        } else if stratum < tos.floor || stratum >= tos.ceiling {
            Some(Rejection::Stratum)
        } else if distance.is_nan() || distance > tos.maxdist + phi * log2d(ctx.poll) {
            Some(Rejection::Distance)
        } else if stratum > 1 && ctx.local_refid == Some(c.server.reference_id) {
            Some(Rejection::Loop)
        } else {
            None
        };
        match reason {
            Some(r) => out.rejected.push((c.id, r)),
            None => fit.push((c, distance)),
        }
    }
    if fit.is_empty() {
        out.failure = Some(NoSelection::NoCandidates);
        return out;
    }

    // Intersection (11.2.1, with erratum 6207: compare against n - allow).
    let Some((low, high)) = intersection(&fit) else {
        out.rejected
            .extend(fit.iter().map(|(c, _)| (c.id, Rejection::Falseticker)));
        out.failure = Some(NoSelection::NoMajority);
        return out;
    };
    let mut survivors: Vec<(&Candidate, f64)> = Vec::with_capacity(fit.len());
    for (c, d) in fit {
        // ntpd's survivor test: the correctness interval overlaps the intersection (the
        // RFC's midpoint loop allows up to `allow` truechimer midpoints outside it).
        if c.stats.offset + d >= low && c.stats.offset - d <= high {
            out.truechimers.push(c.id);
            survivors.push((c, d));
        } else {
            out.rejected.push((c.id, Rejection::Falseticker));
        }
    }

    // Cluster (11.2.2): order by merit, keep maxclock, prune the worst outlier while the
    // selection jitter exceeds the smallest peer jitter and more than minclock remain.
    let merit = |c: &Candidate, d: f64| f64::from(c.server.stratum) * tos.maxdist + d;
    survivors.sort_by(|a, b| merit(a.0, a.1).total_cmp(&merit(b.0, b.1)));
    for (c, _) in survivors.iter().skip(tos.maxclock) {
        out.rejected.push((c.id, Rejection::Outlier));
    }
    survivors.truncate(tos.maxclock);
    while survivors.len() > tos.minclock {
        let n = survivors.len() as f64;
        let min_peer_jitter = survivors
            .iter()
            .map(|(c, _)| c.stats.jitter)
            .fold(f64::INFINITY, f64::min);
        let (worst, worst_jitter) = survivors
            .iter()
            .enumerate()
            .map(|(i, (c, _))| {
                let sq: f64 = survivors
                    .iter()
                    .map(|(q, _)| (q.stats.offset - c.stats.offset).powi(2))
                    .sum();
                (i, (sq / (n - 1.0)).sqrt())
            })
            .fold(
                (0, f64::NEG_INFINITY),
                |acc, x| if x.1 > acc.1 { x } else { acc },
            );
        if worst_jitter < min_peer_jitter {
            break;
        }
        let (gone, _) = survivors.remove(worst);
        out.rejected.push((gone.id, Rejection::Outlier));
    }
    out.survivors = survivors.iter().map(|(c, _)| c.id).collect();
    if survivors.len() < tos.minsane.max(1) {
        out.failure = Some(NoSelection::TooFewSurvivors);
        return out;
    }

    // System peer: the prefer peer if it survived; else keep the current peer if it is
    // still a survivor at the best stratum; else the best survivor.
    let best = survivors[0].0;
    let peer = survivors
        .iter()
        .find(|(c, _)| c.prefer)
        .or_else(|| {
            survivors.iter().find(|(c, _)| {
                Some(c.id) == ctx.current_peer && c.server.stratum == best.server.stratum
            })
        })
        .map_or(best, |(c, _)| *c);
    out.system_peer = Some(peer.id);

    // Combine (11.2.3): weights 1/root distance; the prefer peer's offset is used alone.
    let (mut y, mut z, mut w) = (0.0, 0.0, 0.0);
    for (c, d) in &survivors {
        y += 1.0 / d;
        z += c.stats.offset / d;
        w += (c.stats.offset - peer.stats.offset).powi(2) / d;
    }
    out.offset = if peer.prefer {
        peer.stats.offset
    } else {
        z / y
    };
    out.jitter = (w / y).sqrt();
    out
}

/// The smallest interval [low, high] containing the midpoints of a majority of candidates
/// and lying within the correctness intervals of at least n - f of them, for the smallest
/// number of falsetickers f < n/2 (Marzullo's algorithm as RFC 5905 11.2.1 adapts it).
fn intersection(fit: &[(&Candidate, f64)]) -> Option<(f64, f64)> {
    // (edge, type): -1 lower end, 0 midpoint, +1 upper end.
    let mut chime: Vec<(f64, i32)> = Vec::with_capacity(fit.len() * 3);
    for (c, d) in fit {
        chime.push((c.stats.offset - d, -1));
        chime.push((c.stats.offset, 0));
        chime.push((c.stats.offset + d, 1));
    }
    chime.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let n = fit.len() as i32;
    let mut allow = 0;
    while 2 * allow < n {
        let mut found = 0;
        let mut count = 0;
        let mut low = None;
        for &(edge, kind) in &chime {
            count -= kind;
            if count >= n - allow {
                low = Some(edge);
                break;
            }
            if kind == 0 {
                found += 1;
            }
        }
        count = 0;
        let mut high = None;
        for &(edge, kind) in chime.iter().rev() {
            count += kind;
            if count >= n - allow {
                high = Some(edge);
                break;
            }
            if kind == 0 {
                found += 1;
            }
        }
        if let (true, Some(low), Some(high)) = (found <= allow, low, high)
            && high >= low
        {
            return Some((low, high));
        }
        allow += 1;
    }
    None
}
