//! One broadcast server as a client follows it: the calibration volley, the one-way delay,
//! the replay window and the silence timer (an ephemeral association, ntpd's
//! `MODE_BCLIENT` peer).

use core::time::Duration;
use std::net::SocketAddr;

use ntpkit_clock::FilterSample;
use ntpkit_wire::{NtpDuration, NtpTimestamp};

use super::check::Broadcast;
use super::config::{BroadcastClientConfig, SILENT_INTERVALS};
use super::event::DelaySource;
use crate::client::onwire::server_info;
use crate::client::{ClientAssociation, ClientConfig, ClientRng, ClientSample};

/// Volley replies that are enough to calibrate (the iburst sends six).
pub(super) const VOLLEY_SAMPLES: u8 = 4;

#[derive(Debug)]
pub(super) struct Follower<R> {
    pub(super) server: SocketAddr,
    pub(super) volley: Option<ClientAssociation<R>>,
    best_round_trip: Option<f64>,
    volley_samples: u8,
    deadline: Duration,
    pub(super) delay: Option<DelaySource>,
    /// Transmit timestamp and arrival time of the last broadcast accepted.
    pub(super) last: Option<(NtpTimestamp, NtpTimestamp)>,
    pub(super) last_heard: Duration,
    pub(super) silence_limit: Duration,
}

impl<R: ClientRng> Follower<R> {
    pub(super) fn new(
        server: SocketAddr,
        first: &Broadcast,
        t4: NtpTimestamp,
        now: Duration,
        config: &BroadcastClientConfig,
        rng: R,
    ) -> Self {
        let volley = config.calibrate.then(|| {
            let client = ClientConfig {
                key: config.key,
                iburst: true,
                local_precision: config.local_precision,
                max_distance: config.max_distance,
                ..ClientConfig::default()
            };
            ClientAssociation::new(client, now, rng)
        });
        let delay = (!config.calibrate).then_some(DelaySource::Configured(config.broadcast_delay));
        Self {
            server,
            volley,
            best_round_trip: None,
            volley_samples: 0,
            deadline: now + config.calibration_timeout,
            delay,
            last: Some((first.header.transmit_timestamp, t4)),
            last_heard: now,
            silence_limit: silence_limit(first),
        }
    }

    /// A volley reply's sample; `Some` when calibration is now complete.
    pub(super) fn on_volley_sample(&mut self, sample: &ClientSample) -> Option<DelaySource> {
        let rt = sample.sample.delay;
        self.best_round_trip = Some(self.best_round_trip.map_or(rt, |b: f64| b.min(rt)));
        self.volley_samples = self.volley_samples.saturating_add(1);
        let burst_over = self.volley.as_ref().is_none_or(|v| !v.in_burst());
        if self.volley_samples >= VOLLEY_SAMPLES || burst_over {
            return self.finish_calibration(0.0);
        }
        None
    }

    /// Past the deadline: calibrate with what the volley gave, or `broadcastdelay`.
    pub(super) fn on_timeout(
        &mut self,
        now: Duration,
        broadcast_delay: f64,
    ) -> Option<DelaySource> {
        if self.delay.is_none() && now >= self.deadline {
            return self.finish_calibration(broadcast_delay);
        }
        None
    }

    fn finish_calibration(&mut self, fallback: f64) -> Option<DelaySource> {
        self.volley = None;
        let delay = match self.best_round_trip {
            Some(rt) => DelaySource::Volley((rt / 2.0).max(0.0)),
            None => DelaySource::Configured(fallback),
        };
        self.delay = Some(delay);
        Some(delay)
    }

    /// When this follower next needs [`Self::on_timeout`] or its volley a timeout.
    pub(super) fn poll_timeout(&self) -> Duration {
        let mut t = self.last_heard + self.silence_limit;
        if self.delay.is_none() {
            t = t.min(self.deadline);
        }
        if let Some(next) = self
            .volley
            .as_ref()
            .and_then(ClientAssociation::poll_timeout)
        {
            t = t.min(next);
        }
        t
    }

    /// A broadcast that passed every test and the replay window: record it, and the sample
    /// once the delay is known.
    pub(super) fn accept(
        &mut self,
        b: &Broadcast,
        t4: NtpTimestamp,
        now: Duration,
        local_precision: i8,
    ) -> Option<ClientSample> {
        self.last = Some((b.header.transmit_timestamp, t4));
        self.last_heard = now;
        self.silence_limit = silence_limit(b);
        let one_way = self.delay?.seconds();
        // As an exchange whose request left 2d before arrival and was stamped on the way:
        // offset = T3 + d - T4, delay = 2d (RFC 5905 section 8 arithmetic).
        let t3 = b.header.transmit_timestamp;
        let t1 = t4 - NtpDuration::from_seconds_f64(2.0 * one_way);
        Some(ClientSample {
            sample: FilterSample::from_exchange(
                t1,
                t3,
                t3,
                t4,
                b.header.precision.0,
                local_precision,
            ),
            server: server_info(&b.header),
            server_precision: b.header.precision.0,
            server_poll: b.header.poll.0,
            authenticated: b.authenticated,
        })
    }
}

/// [`SILENT_INTERVALS`] of the server's advertised poll interval (clamped to 8 s..36 h).
fn silence_limit(b: &Broadcast) -> Duration {
    let poll = b.header.poll.0.clamp(3, 17);
    Duration::from_secs(u64::from(SILENT_INTERVALS) << poll)
}
