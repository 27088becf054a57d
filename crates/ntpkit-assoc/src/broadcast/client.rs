//! The broadcast/multicast client (ntp.conf `broadcastclient`, `multicastclient`): one
//! ephemeral association per server heard, mobilised only by an authenticated broadcast
//! (unless authentication is explicitly disabled) within the dynamic-session cap.

use core::time::Duration;
use std::collections::VecDeque;
use std::net::SocketAddr;

use ntpkit_access::SessionLimits;
use ntpkit_auth::{AuthError, KeyStore};
use ntpkit_wire::NtpTimestamp;

use super::check::{check, in_window};
use super::config::{BroadcastClientConfig, BroadcastConfigError};
use super::event::{BroadcastEvent, BroadcastRejection};
use super::follower::Follower;
use crate::client::{ClientEvent, ClientRng};

/// Events kept for the driver at most (the oldest are dropped beyond it).
pub const MAX_QUEUED_BROADCAST_EVENTS: usize = 256;

/// Servers held down at most; beyond it the oldest hold-down is forgotten (memory stays
/// bounded whatever the segment's broadcasters do).
pub const MAX_HELD_DOWN: usize = 64;

/// A broadcast client, sans-IO.
///
/// Hand every datagram received on the broadcast/multicast socket to
/// [`Self::handle_broadcast`], and every unicast reply to a calibration request to
/// [`Self::handle_reply`]; send what [`Self::poll_transmit`] writes to the server it names;
/// wake at [`Self::poll_timeout`]; feed the samples of [`Self::poll_event`] to a clock filter.
/// Every clone of `rng` must be an independent generator (an OS-backed one is).
#[derive(Debug)]
pub struct BroadcastClient<R> {
    config: BroadcastClientConfig,
    followers: Vec<Follower<R>>,
    sessions: SessionLimits,
    rng: R,
    events: VecDeque<BroadcastEvent>,
    /// Servers dropped as falsetickers, and until when their broadcasts are refused.
    held: VecDeque<(SocketAddr, Duration)>,
}

impl<R: ClientRng + Clone> BroadcastClient<R> {
    /// A client with no server yet.
    ///
    /// # Errors
    /// The configuration cannot work ([`BroadcastClientConfig::validate`]).
    pub fn new(config: BroadcastClientConfig, rng: R) -> Result<Self, BroadcastConfigError> {
        config.validate()?;
        Ok(Self {
            sessions: SessionLimits::new(config.max_sessions, config.max_sessions),
            config,
            followers: Vec::new(),
            rng,
            events: VecDeque::new(),
            held: VecDeque::new(),
        })
    }

    /// Stops following `server` at `now` because the driver's selection keeps finding it a
    /// falseticker (ntpd demobilises such a preemptable association), freeing its session
    /// for another server, and refuses its broadcasts for [`BroadcastClientConfig::holddown`]
    /// so that it cannot take the slot straight back (each return would also cost a
    /// calibration volley). Returns whether it was followed.
    pub fn drop_server(&mut self, server: SocketAddr, now: Duration) -> bool {
        let before = self.followers.len();
        self.followers.retain(|f| f.server != server);
        if self.followers.len() == before {
            return false;
        }
        self.sessions
            .release(self.config.key.map(|k| u32::from(k.get())));
        if self.held.len() >= MAX_HELD_DOWN {
            self.held.pop_front();
        }
        self.held.push_back((server, now + self.config.holddown));
        true
    }

    /// The servers followed.
    pub fn servers(&self) -> impl Iterator<Item = SocketAddr> + '_ {
        self.followers.iter().map(|f| f.server)
    }

    /// Processes a datagram from the broadcast socket, received at `t4`.
    ///
    /// # Errors
    /// Why it was not used; a refused packet changes nothing (one bad packet never tears an
    /// association down: CVE-2015-7979).
    pub fn handle_broadcast(
        &mut self,
        now: Duration,
        from: SocketAddr,
        bytes: &[u8],
        t4: NtpTimestamp,
        keys: &KeyStore,
    ) -> Result<(), BroadcastRejection> {
        let b = check(bytes, self.config.key, keys, self.config.max_distance)?;
        if let Some(f) = self.followers.iter_mut().find(|f| f.server == from) {
            in_window(f.last, b.header.transmit_timestamp, t4)?;
            if let Some(sample) = f.accept(&b, t4, now, self.config.local_precision) {
                let server = f.server;
                self.push(BroadcastEvent::Sample { server, sample });
            }
            return Ok(());
        }
        self.held.retain(|&(_, until)| now < until);
        if self.held.iter().any(|&(s, _)| s == from) {
            return Err(BroadcastRejection::HeldDown);
        }
        let key = self.config.key.map(|k| u32::from(k.get()));
        self.sessions
            .try_admit(key)
            .map_err(BroadcastRejection::SessionCap)?;
        let f = Follower::new(from, &b, t4, now, &self.config, self.rng.clone());
        let calibrated = f.delay;
        self.followers.push(f);
        self.push(BroadcastEvent::Mobilized(from));
        if let Some(delay) = calibrated {
            self.push(BroadcastEvent::Calibrated {
                server: from,
                delay,
            });
        }
        Ok(())
    }

    /// Processes a unicast reply to a calibration request.
    ///
    /// # Errors
    /// Not from a server being calibrated, or refused by its volley association.
    pub fn handle_reply(
        &mut self,
        now: Duration,
        from: SocketAddr,
        bytes: &[u8],
        t4: NtpTimestamp,
        keys: &KeyStore,
    ) -> Result<(), BroadcastRejection> {
        let Some(f) = self.followers.iter_mut().find(|f| f.server == from) else {
            return Err(BroadcastRejection::Volley(None));
        };
        let Some(volley) = f.volley.as_mut() else {
            return Err(BroadcastRejection::Volley(None));
        };
        match volley.handle_response(now, bytes, t4, keys) {
            Ok(ClientEvent::Sample(sample)) => {
                if let Some(delay) = f.on_volley_sample(&sample) {
                    self.push(BroadcastEvent::Calibrated {
                        server: from,
                        delay,
                    });
                }
                Ok(())
            }
            Ok(_) => Ok(()),
            Err(r) => Err(BroadcastRejection::Volley(Some(r))),
        }
    }

    /// When [`Self::handle_timeout`] should next be called, if anything is pending.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.followers.iter().map(Follower::poll_timeout).min()
    }

    /// Advances the timers: volley polls, calibration deadlines, silent servers.
    pub fn handle_timeout(&mut self, now: Duration) {
        let mut gone = Vec::new();
        let mut calibrated = Vec::new();
        for f in &mut self.followers {
            if let Some(v) = f.volley.as_mut() {
                v.handle_timeout(now);
            }
            if let Some(delay) = f.on_timeout(now, self.config.broadcast_delay) {
                calibrated.push((f.server, delay));
            }
            if now >= f.last_heard + f.silence_limit {
                gone.push(f.server);
            }
        }
        for (server, delay) in calibrated {
            self.push(BroadcastEvent::Calibrated { server, delay });
        }
        for server in gone {
            self.followers.retain(|f| f.server != server);
            self.sessions
                .release(self.config.key.map(|k| u32::from(k.get())));
            self.push(BroadcastEvent::Demobilized(server));
        }
    }

    /// Writes the next calibration request due into `buf`: send it by unicast to the
    /// returned server. `None` when nothing is due.
    ///
    /// # Errors
    /// The key is missing from `keys`, or `buf` is too small.
    pub fn poll_transmit(
        &mut self,
        now: Duration,
        t1: NtpTimestamp,
        keys: &KeyStore,
        buf: &mut [u8],
    ) -> Result<Option<(SocketAddr, usize)>, AuthError> {
        for f in &mut self.followers {
            if let Some(v) = f.volley.as_mut()
                && let Some(len) = v.poll_transmit(now, t1, keys, buf)?
            {
                return Ok(Some((f.server, len)));
            }
        }
        Ok(None)
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<BroadcastEvent> {
        self.events.pop_front()
    }

    fn push(&mut self, event: BroadcastEvent) {
        if self.events.len() >= MAX_QUEUED_BROADCAST_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }
}
