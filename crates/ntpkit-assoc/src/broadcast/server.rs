//! The broadcast server (ntp.conf `broadcast`): a mode 5 packet with our system variables
//! every 2^poll seconds, signed when a key is configured, and nothing while unsynchronised
//! (a client must never learn time from a server that has none).

use core::time::Duration;

use ntpkit_auth::{AuthError, KeyStore, append_mac};
use ntpkit_wire::{LeapIndicator, Mode, NtpHeader, NtpTimestamp, PollInterval};

use super::config::BroadcastServerConfig;
use crate::responder::ServerState;

/// A broadcast server's timer and packet writer.
#[derive(Clone, Debug)]
pub struct BroadcastServer {
    config: BroadcastServerConfig,
    next: Duration,
    due: bool,
    sent: u64,
}

impl BroadcastServer {
    /// A server whose first broadcast is due at `now`.
    pub fn new(config: BroadcastServerConfig, now: Duration) -> Self {
        Self {
            config,
            next: now,
            due: false,
            sent: 0,
        }
    }

    /// When [`Self::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Duration {
        self.next
    }

    /// Advances the timer to `now`.
    pub fn handle_timeout(&mut self, now: Duration) {
        if now >= self.next {
            self.due = true;
        }
    }

    /// Broadcasts sent so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Writes the due broadcast into `buf` (send it to the broadcast or multicast address),
    /// or `None` when none is due or we are not synchronised. `transmit_clock` is read last,
    /// just before the MAC.
    ///
    /// # Errors
    /// The key is missing from `keys`, or `buf` is too small.
    pub fn poll_transmit(
        &mut self,
        now: Duration,
        state: &ServerState,
        keys: &KeyStore,
        buf: &mut [u8],
        transmit_clock: impl FnOnce() -> NtpTimestamp,
    ) -> Result<Option<usize>, AuthError> {
        if !self.due {
            return Ok(None);
        }
        self.due = false;
        let interval = Duration::from_secs(1 << self.config.poll.clamp(3, 17));
        self.next = now + interval;
        if state.leap == LeapIndicator::Unsynchronized || !state.stratum.is_synchronized() {
            return Ok(None);
        }
        let transmit = transmit_clock();
        let header = NtpHeader {
            leap: state.leap,
            version: self.config.version,
            mode: Mode::Broadcast,
            stratum: state.stratum,
            poll: PollInterval(self.config.poll.clamp(3, 17)),
            precision: state.precision,
            root_delay: state.root_delay,
            root_dispersion: state.root_dispersion,
            reference_id: state.reference_id,
            reference_timestamp: state.reference_timestamp(transmit),
            origin_timestamp: NtpTimestamp::ZERO,
            receive_timestamp: NtpTimestamp::ZERO,
            transmit_timestamp: transmit,
        };
        let mut len = header.emit(buf)?;
        if let Some(key) = self.config.key {
            len = append_mac(keys, key, buf, len)?;
        }
        self.sent += 1;
        Ok(Some(len))
    }
}
