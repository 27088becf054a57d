//! The poll process (RFC 5905 section 13, ntpd's poll_update): when to send next, bursts,
//! the reach register and unreachable back-off.

use core::time::Duration;

use super::config::{BURST_COUNT, ClientConfig, IBURST_COUNT, MAX_POLL_LIMIT};

/// Polls without any answer (the whole reach register) before the interval backs off.
const UNREACH_BACKOFF_AFTER: u32 = 8;

/// Timer and reachability state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PollState {
    pub(crate) poll: i8,
    pub(crate) minpoll: i8,
    pub(crate) maxpoll: i8,
    pub(crate) reach: u8,
    pub(crate) unanswered: u32,
    pub(crate) burst_left: u8,
    pub(crate) next: Option<Duration>,
    pub(crate) due: bool,
}

impl PollState {
    pub(crate) fn new(config: &ClientConfig, now: Duration) -> Self {
        let (minpoll, maxpoll) = config.poll_bounds();
        Self {
            poll: minpoll,
            minpoll,
            maxpoll,
            reach: 0,
            unanswered: 0,
            burst_left: 0,
            next: Some(now),
            due: false,
        }
    }

    /// Bookkeeping for one packet leaving at `now`; `jitter` is a random 32-bit value.
    pub(crate) fn on_transmit(&mut self, config: &ClientConfig, now: Duration, jitter: u32) {
        self.due = false;
        if self.burst_left > 0 {
            self.burst_left -= 1;
        } else {
            // A new poll: shift the reach register (RFC 5905 A.5.7.1 `clock_hold`).
            if self.reach == 0 {
                self.unanswered = self.unanswered.saturating_add(1);
                if self.unanswered > UNREACH_BACKOFF_AFTER {
                    self.poll = (self.poll + 1).min(self.maxpoll);
                }
            }
            let was_reachable = self.reach != 0;
            self.reach <<= 1;
            if config.iburst && !was_reachable {
                self.burst_left = IBURST_COUNT - 1;
            } else if config.burst && was_reachable {
                self.burst_left = BURST_COUNT - 1;
            }
        }
        let interval = if self.burst_left > 0 {
            config.burst_spacing
        } else {
            poll_interval(self.poll, jitter)
        };
        self.next = Some(now + interval);
    }

    pub(crate) fn on_valid_reply(&mut self) {
        self.reach |= 1;
        self.unanswered = 0;
    }

    /// RATE kiss: raise the poll exponent to at least `server_poll` and at least one step
    /// above the current one, never lowering it (RFC 5905 erratum 3007); the burst ends and
    /// the next poll moves out accordingly.
    pub(crate) fn on_rate_kiss(&mut self, now: Duration, server_poll: i8) -> i8 {
        let raised = self
            .poll
            .saturating_add(1)
            .max(server_poll)
            .min(MAX_POLL_LIMIT)
            .max(self.poll);
        self.poll = raised;
        // ntpd raises the association's minpoll too: the discipline's poll adaptation
        // (`set_poll`) must not bring the rate the server refused straight back.
        self.minpoll = self.minpoll.max(raised);
        self.maxpoll = self.maxpoll.max(self.minpoll);
        self.burst_left = 0;
        let later = now + poll_interval(raised, 0);
        self.next = Some(self.next.map_or(later, |n| n.max(later)));
        raised
    }

    /// Repeated unauthenticated DENY/RSTR: treat the server as unreachable.
    pub(crate) fn mark_unreachable(&mut self) {
        self.reach = 0;
        self.burst_left = 0;
        self.poll = self.maxpoll;
    }

    pub(crate) fn set_poll(&mut self, exponent: i8) {
        self.poll = exponent.clamp(self.minpoll, self.maxpoll);
    }
}

/// 2^poll seconds stretched by up to 1/16 from `jitter` (ntpd's poll fuzz), so that many
/// clients started together do not stay in step.
fn poll_interval(poll: i8, jitter: u32) -> Duration {
    let base = Duration::from_secs(1u64 << poll.clamp(0, MAX_POLL_LIMIT));
    base + base * (jitter & 0xff) / 4096
}
