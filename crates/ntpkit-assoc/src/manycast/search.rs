//! The expanding-ring search (RFC 5905 section 3.1; ntpd's manycast `transmit()`): the
//! solicitation's TTL grows by one per step until enough servers are associated or the
//! largest TTL is reached; then a pause and a new search from TTL 1. Once enough servers
//! are associated, one solicitation per beacon keeps looking for better ones.

use core::time::Duration;

use super::config::ManycastConfig;

/// Where the search stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SearchPhase {
    /// Growing the ring; the last solicitation went out with this TTL (0: none yet).
    Expanding(u8),
    /// The ring reached the largest TTL without finding enough; waiting to start again.
    Paused,
    /// Enough servers: one solicitation per beacon at this TTL.
    Maintaining(u8),
}

/// The search timer and TTL.
#[derive(Clone, Debug)]
pub(super) struct RingSearch {
    pub(super) phase: SearchPhase,
    pub(super) next: Duration,
    pub(super) due: bool,
}

impl RingSearch {
    /// A search whose first solicitation is due at `now`.
    pub(super) fn new(now: Duration) -> Self {
        Self {
            phase: SearchPhase::Expanding(0),
            next: now,
            due: false,
        }
    }

    pub(super) fn handle_timeout(&mut self, now: Duration) {
        if now >= self.next {
            self.due = true;
        }
    }

    /// A solicitation is going out at `now` with `associated` servers: its TTL, and the
    /// timer set for the next one.
    pub(super) fn on_transmit(
        &mut self,
        now: Duration,
        associated: usize,
        config: &ManycastConfig,
    ) -> u8 {
        self.due = false;
        let ttl = match self.phase {
            _ if associated >= config.minclock => {
                let ttl = match self.phase {
                    SearchPhase::Expanding(t) | SearchPhase::Maintaining(t) => t.max(1),
                    SearchPhase::Paused => config.max_ttl,
                };
                self.phase = SearchPhase::Maintaining(ttl);
                self.next = now + config.beacon();
                return ttl;
            }
            SearchPhase::Expanding(t) => t.saturating_add(1).min(config.max_ttl),
            SearchPhase::Paused | SearchPhase::Maintaining(_) => 1,
        };
        if ttl >= config.max_ttl {
            self.phase = SearchPhase::Paused;
            self.next = now + config.beacon();
        } else {
            self.phase = SearchPhase::Expanding(ttl);
            self.next = now + config.search_step();
        }
        ttl
    }

    /// The solicitation due could not be signed (its key is missing): try again one step
    /// later, so the other groups' solicitations and the associations' polls go meanwhile.
    pub(super) fn postpone(&mut self, now: Duration, config: &ManycastConfig) {
        self.due = false;
        self.next = now + config.search_step();
    }

    /// Fewer than `minclock` servers are left: search again from TTL 1 at once (ntpd drags
    /// in new servers when associations time out).
    pub(super) fn restart(&mut self, now: Duration) {
        if !matches!(self.phase, SearchPhase::Expanding(_)) {
            self.phase = SearchPhase::Expanding(0);
            self.next = now;
        }
    }
}
