//! Counters for sysstats and `ntpq sysstats`/`ntpq monstats`.

use crate::{DropReason, KissCode};

/// What the access policy has seen and decided since it was created (or last reset).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessCounters {
    /// Packets judged.
    pub received: u64,
    /// Packets served (including leaked over-limit requests).
    pub served: u64,
    /// Packets refused by the restrict list (ntpd's "restricted"), kissed or dropped.
    pub denied: u64,
    /// Packets over the rate limit of a `limited` entry (ntpd's "rate limited"), whatever
    /// happened to them next.
    pub rate_exceeded: u64,
    /// Over-limit requests answered anyway (the CVE-2016-7426 leak).
    pub leaked: u64,
    /// Kisses sent (ntpd's "KoD responses").
    pub kod_sent: u64,
    /// Kisses that would have been sent but were suppressed by the per-source KoD limit.
    pub kod_suppressed: u64,
    /// Refusals by reason, indexed by [`DropReason::index`]; kissed refusals included.
    pub by_reason: [u64; DropReason::COUNT],
    /// Kisses sent by code: DENY, RSTR, RATE, CRYP.
    pub kisses: [u64; 4],
}

impl AccessCounters {
    /// Refusals for one reason (dropped or kissed).
    pub fn refused(&self, reason: DropReason) -> u64 {
        self.by_reason.get(reason.index()).copied().unwrap_or(0)
    }

    /// Kisses sent with one code.
    pub fn kissed(&self, code: KissCode) -> u64 {
        self.kisses.get(kiss_index(code)).copied().unwrap_or(0)
    }

    pub(crate) fn count_refusal(&mut self, reason: DropReason) {
        if let Some(counter) = self.by_reason.get_mut(reason.index()) {
            *counter += 1;
        }
        if reason.is_restriction() {
            self.denied += 1;
        }
    }

    pub(crate) fn count_kiss(&mut self, code: KissCode) {
        self.kod_sent += 1;
        if let Some(counter) = self.kisses.get_mut(kiss_index(code)) {
            *counter += 1;
        }
    }
}

/// Index into [`AccessCounters::kisses`]; codes this crate never decides on share no slot.
fn kiss_index(code: KissCode) -> usize {
    match code {
        KissCode::Deny => 0,
        KissCode::Rstr => 1,
        KissCode::Rate => 2,
        KissCode::Cryp => 3,
        _ => usize::MAX,
    }
}
