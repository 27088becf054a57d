//! Rate limiting per source: ntpd's `discard` headway algorithm on top of the MRU list.
//!
//! Each tracked source has a headway counter (seconds). A packet first drains it by the whole
//! seconds since the previous packet, then (if within limits) adds `2^average` minus a 2 s
//! grace. A packet is over the limit when it came sooner than `minimum` (with 1 s grace) or when
//! the counter would reach eight average intervals (ntpd's `NTP_SHIFT`), which lets a client
//! burst up to eight packets. On a violation the counter is pushed one interval past the limit,
//! and a further kiss is allowed only once it has drained back below: at most one RATE kiss
//! per `2^average` seconds per source.

use core::time::Duration;
use std::net::IpAddr;

use crate::mru::{Touch, nanos};
use crate::rng::Rng;
use crate::{DiscardConfig, MruConfig, MruList};

/// ntpd's `NTP_SHIFT`: the burst allowance, in average intervals.
const BURST_INTERVALS: i64 = 8;

/// What the rate limiter found for one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateCheck {
    /// Within the `discard` limits.
    Within,
    /// Over the limits; `kiss_allowed` says whether a RATE kiss may go out now (kisses are
    /// themselves limited per source).
    Exceeded {
        /// Whether this violation may be answered with a kiss.
        kiss_allowed: bool,
    },
    /// The MRU list is full of recent sources and this one was not recorded; there is no
    /// history to judge it by, so it counts as within limits (ntpd does the same).
    Untracked,
}

/// The `discard`/`mru` rate limiter: an [`MruList`] plus the headway algorithm.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    mru: MruList,
    discard: DiscardConfig,
    rng: Rng,
}

impl RateLimiter {
    /// A limiter with the given settings; `seed` keys its hash and its random draws.
    pub fn new(discard: DiscardConfig, mru: &MruConfig, seed: u64) -> Self {
        RateLimiter {
            mru: MruList::new(mru, seed),
            discard,
            rng: Rng::new(seed.rotate_left(17) ^ 0x006c_696d_6974_6572),
        }
    }

    /// The `discard` settings in force.
    pub fn discard(&self) -> &DiscardConfig {
        &self.discard
    }

    /// The MRU list (for `ntpq mrulist` and memory accounting).
    pub fn mru(&self) -> &MruList {
        &self.mru
    }

    /// Records a packet from `address` at `now` and judges it against the `discard` limits.
    pub fn check(&mut self, now: Duration, address: IpAddr, port: u16) -> RateCheck {
        let now = nanos(now);
        let index = match self
            .mru
            .touch(now, address, port, self.discard.monitor, &mut self.rng)
        {
            Touch::NotRecorded => return RateCheck::Untracked,
            Touch::New(index) => {
                if let Some(slot) = self.mru.slot_mut(index) {
                    slot.count = 1;
                    slot.leak = 0;
                }
                return RateCheck::Within;
            }
            Touch::Existing(index) => index,
        };
        let head = self.discard.headway_secs();
        let minimum = i64::from(self.discard.minimum);
        let Some(slot) = self.mru.slot_mut(index) else {
            return RateCheck::Untracked;
        };
        // Whole seconds since the previous packet, rounded to nearest as ntpd does.
        let elapsed = now.saturating_sub(slot.last);
        let interval = i64::try_from((elapsed + 500_000_000) / 1_000_000_000).unwrap_or(i64::MAX);
        slot.last = now;
        slot.count = slot.count.saturating_add(1);
        let drained = i64::from(slot.leak).saturating_sub(interval).max(0);
        let limit = BURST_INTERVALS * head;
        let (leak, check) = if interval.saturating_add(1) >= minimum && drained + head < limit {
            (drained + head - 2, RateCheck::Within)
        } else if drained < limit {
            (limit + head, RateCheck::Exceeded { kiss_allowed: true })
        } else {
            (
                drained,
                RateCheck::Exceeded {
                    kiss_allowed: false,
                },
            )
        };
        slot.leak = i32::try_from(leak).unwrap_or(i32::MAX);
        check
    }

    /// Whether a kiss other than RATE (DENY, RSTR, CRYP) may go to `address` now; if so, the
    /// next one is allowed only `2^average` seconds later. A source the MRU list cannot record
    /// gets no kiss (dropping is always safe; an unlimited kiss stream is not).
    pub fn allow_kiss(&mut self, now: Duration, address: IpAddr, port: u16) -> bool {
        let now = nanos(now);
        let index = match self
            .mru
            .touch(now, address, port, self.discard.monitor, &mut self.rng)
        {
            Touch::NotRecorded => return false,
            Touch::New(index) | Touch::Existing(index) => index,
        };
        let spacing = u64::try_from(self.discard.headway_secs()).unwrap_or(8) * 1_000_000_000;
        match self.mru.slot_mut(index) {
            Some(slot) if now >= slot.kod_next => {
                slot.kod_next = now.saturating_add(spacing);
                true
            }
            _ => false,
        }
    }

    /// True with probability `1/leak` (never when `leak` is 0): whether an over-limit request
    /// is answered anyway (CVE-2016-7426).
    pub(crate) fn leaks(&mut self) -> bool {
        self.rng.one_in(self.discard.leak)
    }

    /// True with probability 1/10 (`flake`).
    pub(crate) fn flakes(&mut self) -> bool {
        self.rng.one_in(10)
    }
}
