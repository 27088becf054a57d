//! A source whose samples come from outside the host's own polling: a broadcast or
//! multicast server followed by a [`crate::broadcast::BroadcastClient`]. The host sends it
//! nothing; it keeps the reach register on the server's own schedule so that selection
//! lets go of a server that falls silent (RFC 5905 section 13, as for polled sources).

use core::time::Duration;

use ntpkit_auth::KeyId;

/// Longest interval the reach register is shifted at (2^17 s, RFC 5905 MAXPOLL).
const MAX_POLL: i8 = 17;
/// Shortest (2^3 s, the broadcast server's own floor).
const MIN_POLL: i8 = 3;

/// The reach register and poll of an externally fed source.
#[derive(Clone, Debug)]
pub(super) struct ExternalFeed {
    reach: u8,
    poll: i8,
    /// When the reach register is next shifted: midway between two expected samples, so
    /// each interval holds exactly one of them whatever their jitter.
    next_shift: Duration,
    key: Option<KeyId>,
    host_mode: u8,
}

impl ExternalFeed {
    pub(super) fn new(now: Duration, poll: i8, key: Option<KeyId>, host_mode: u8) -> Self {
        let poll = poll.clamp(MIN_POLL, MAX_POLL);
        Self {
            reach: 0,
            poll,
            next_shift: now + interval(poll),
            key,
            host_mode,
        }
    }

    pub(super) fn poll_timeout(&self) -> Duration {
        self.next_shift
    }

    /// Shifts the reach register once for every interval that ended by `now`; whether it
    /// moved.
    pub(super) fn handle_timeout(&mut self, now: Duration) -> bool {
        if now < self.next_shift {
            return false;
        }
        let step = interval(self.poll);
        // After eight shifts the register is empty: a stalled driver costs no more.
        for _ in 0..8 {
            if now < self.next_shift {
                return true;
            }
            self.reach <<= 1;
            self.next_shift += step;
        }
        if self.next_shift <= now {
            self.next_shift = now + step;
        }
        true
    }

    /// A sample arrived at `now`; `server_poll` is the interval the server advertises.
    pub(super) fn on_sample(&mut self, now: Duration, server_poll: i8) {
        let poll = server_poll.clamp(MIN_POLL, MAX_POLL);
        if self.reach == 0 || poll != self.poll {
            self.poll = poll;
            self.next_shift = now + interval(poll) / 2;
        }
        self.reach |= 1;
    }

    pub(super) fn reach(&self) -> u8 {
        self.reach
    }

    pub(super) fn poll_exponent(&self) -> i8 {
        self.poll
    }

    pub(super) fn key(&self) -> Option<KeyId> {
        self.key
    }

    pub(super) fn host_mode(&self) -> u8 {
        self.host_mode
    }
}

fn interval(poll: i8) -> Duration {
    Duration::from_secs(1u64 << poll.clamp(MIN_POLL, MAX_POLL))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reach_fills_with_one_bit_per_interval_and_empties_when_silent() {
        let mut f = ExternalFeed::new(Duration::ZERO, 6, None, 3);
        let mut t = Duration::from_secs(1);
        // Samples every 16 s, each 0..3 s late: eight of them fill the register.
        for i in 0..8u64 {
            let arrival = t + Duration::from_secs(i % 4);
            f.handle_timeout(arrival);
            f.on_sample(arrival, 4);
            t += Duration::from_secs(16);
        }
        assert_eq!(f.reach(), 0xff);
        // Silence: eight intervals later nothing is left.
        for _ in 0..8 {
            t += Duration::from_secs(16);
            f.handle_timeout(t);
        }
        assert_eq!(f.reach(), 0);
    }
}
