//! The client side of the client/server exchange (RFC 5905 sections 8, 9 and 13), sans-IO.
//!
//! A [`ClientAssociation`] is driven like `quinn-proto`'s connection: the caller asks
//! [`ClientAssociation::poll_timeout`] when to wake it, calls
//! [`ClientAssociation::handle_timeout`] then, writes out whatever
//! [`ClientAssociation::poll_transmit`] produces, and hands every datagram from the server
//! to [`ClientAssociation::handle_response`] with its receive timestamp. Monotonic time
//! (`now`, a [`Duration`] since any origin the caller picks) drives the timers; wall-clock
//! NTP timestamps (T1, T4) are separate inputs, so the association never reads a clock.
//!
//! The caller hands over only datagrams from the server's address and port (a connected
//! socket does this), and gives each association its own random source port (RFC 9109,
//! CVE-2019-11331); the origin check then defeats off-path spoofing within that flow.

mod config;
// Shared with the symmetric association: the kiss rules, the poll process, `server_info`.
pub(crate) mod kiss;
pub(crate) mod onwire;
pub(crate) mod poll;
mod reply;
mod rng;

use core::time::Duration;

use ntpkit_auth::{AuthError, KeyStore, append_mac};
use ntpkit_wire::{NtpHeader, NtpTimestamp, PollInterval};

pub use config::{
    BURST_COUNT, BURST_SPACING_SECONDS, ClientConfig, DEFAULT_MAXPOLL, DEFAULT_MINPOLL,
    DENY_KISS_LIMIT, IBURST_COUNT, MAX_DISTANCE, MAX_POLL_LIMIT, MIN_POLL_LIMIT,
};
pub use reply::{ClientEvent, ClientSample, KissAction, Rejection};
pub use rng::ClientRng;

use kiss::KissState;
use onwire::{Expectations, Outstanding, Verdict, check};
use poll::PollState;

/// Counters of one association (statistics; a rejected reply moves only `dropped`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientCounters {
    /// Requests written by [`ClientAssociation::poll_transmit`].
    pub sent: u64,
    /// Replies that produced a sample.
    pub accepted: u64,
    /// Kisses that passed the checks.
    pub kisses: u64,
    /// Replies rejected by a packet test.
    pub dropped: u64,
}

/// One client association with one server.
///
/// ```
/// use core::time::Duration;
/// use ntpkit_assoc::client::{ClientAssociation, ClientConfig, ClientEvent};
/// use ntpkit_auth::KeyStore;
/// use ntpkit_wire::{NtpHeader, NtpTimestamp, Mode, Stratum, LeapIndicator};
///
/// let keys = KeyStore::new();
/// let mut seed = 7u32;
/// let rng = move || { seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223); seed };
/// let start = Duration::ZERO;
/// let mut assoc = ClientAssociation::new(ClientConfig::default(), start, rng);
/// assert_eq!(assoc.poll_timeout(), Some(start)); // first poll at once
/// assoc.handle_timeout(start);
/// let t1 = NtpTimestamp::from_unix(1_700_000_000, 0);
/// let mut buf = [0u8; 68];
/// let len = assoc.poll_transmit(start, t1, &keys, &mut buf).unwrap().unwrap();
///
/// // A server that is 5 ms ahead answers after 10 ms of round trip.
/// let request = NtpHeader::parse(&buf[..len]).unwrap();
/// let mut reply = NtpHeader { mode: Mode::Server, stratum: Stratum(1),
///     leap: LeapIndicator::NoWarning, ..request };
/// reply.origin_timestamp = request.transmit_timestamp;
/// reply.receive_timestamp = NtpTimestamp::from_unix(1_700_000_000, 10_000_000);
/// reply.transmit_timestamp = NtpTimestamp::from_unix(1_700_000_000, 10_000_000);
/// let mut out = [0u8; 48];
/// reply.emit(&mut out).unwrap();
/// let t4 = NtpTimestamp::from_unix(1_700_000_000, 10_000_000);
/// match assoc.handle_response(start, &out, t4, &keys) {
///     Ok(ClientEvent::Sample(s)) => assert!((s.sample.offset - 0.005).abs() < 1e-6),
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(assoc.reach(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct ClientAssociation<R> {
    config: ClientConfig,
    rng: R,
    poll: PollState,
    kiss: KissState,
    outstanding: Option<Outstanding>,
    last_server_transmit: Option<NtpTimestamp>,
    counters: ClientCounters,
}

impl<R: ClientRng> ClientAssociation<R> {
    /// A new association whose first poll is due at `now`.
    pub fn new(config: ClientConfig, now: Duration, rng: R) -> Self {
        Self {
            poll: PollState::new(&config, now),
            config,
            rng,
            kiss: KissState::default(),
            outstanding: None,
            last_server_transmit: None,
            counters: ClientCounters::default(),
        }
    }

    /// When [`Self::handle_timeout`] should next be called, or `None` once stopped.
    pub fn poll_timeout(&self) -> Option<Duration> {
        // While a poll is due, `next` is the (past) time it fell due.
        self.poll.next
    }

    /// Advances the timers to `now`: a poll that is due makes the next
    /// [`Self::poll_transmit`] produce a request.
    pub fn handle_timeout(&mut self, now: Duration) {
        if !self.kiss.stopped && self.poll.next.is_some_and(|next| now >= next) {
            self.poll.due = true;
        }
    }

    /// Writes the due request into `buf` and returns its length, or `None` if no poll is
    /// due. `t1` is the wall clock read just before sending; the packet carries it with
    /// random low 32 bits (CVE-2020-13817), and the reply's origin must echo exactly that.
    ///
    /// # Errors
    /// The association's key is missing from `keys`, or `buf` is too small (48 bytes, plus
    /// 4 + the MAC length when keyed).
    pub fn poll_transmit(
        &mut self,
        now: Duration,
        t1: NtpTimestamp,
        keys: &KeyStore,
        buf: &mut [u8],
    ) -> Result<Option<usize>, AuthError> {
        if !self.poll.due {
            return Ok(None);
        }
        let wire_origin =
            NtpTimestamp::from_bits((t1.to_bits() & !0xffff_ffff) | u64::from(self.rng.next_u32()));
        let mut header = NtpHeader::client_request(wire_origin);
        header.version = self.config.version;
        header.poll = PollInterval(self.poll.poll);
        header.precision = ntpkit_wire::Precision(self.config.local_precision);
        let mut len = header.emit(buf)?;
        if let Some(key) = self.config.key {
            len = append_mac(keys, key, buf, len)?;
        }
        let jitter = self.rng.next_u32();
        self.poll.on_transmit(&self.config, now, jitter);
        self.outstanding = Some(Outstanding { wire_origin, t1 });
        self.counters.sent += 1;
        Ok(Some(len))
    }

    /// Processes one datagram from the server, received at wall-clock `t4`.
    ///
    /// # Errors
    /// A [`Rejection`] when a packet test fails; the association is then exactly as
    /// before except for [`ClientCounters::dropped`].
    pub fn handle_response(
        &mut self,
        now: Duration,
        bytes: &[u8],
        t4: NtpTimestamp,
        keys: &KeyStore,
    ) -> Result<ClientEvent, Rejection> {
        let verdict = if self.kiss.stopped {
            Err(Rejection::Stopped)
        } else {
            check(&self.expectations(keys), bytes, t4)
        };
        match verdict {
            Err(r) => {
                self.counters.dropped += 1;
                Err(r)
            }
            Ok(Verdict::Sample(sample, server_transmit)) => {
                self.outstanding = None;
                self.last_server_transmit = Some(server_transmit);
                self.poll.on_valid_reply();
                self.kiss.denies = 0;
                self.counters.accepted += 1;
                Ok(ClientEvent::Sample(sample))
            }
            Ok(Verdict::Kiss(code, server_poll)) => {
                self.outstanding = None;
                self.counters.kisses += 1;
                let keyed = self.config.key.is_some();
                let action = self
                    .kiss
                    .honour(&mut self.poll, now, code, server_poll, keyed);
                Ok(ClientEvent::Kiss { code, action })
            }
        }
    }

    fn expectations<'a>(&self, keys: &'a KeyStore) -> Expectations<'a> {
        Expectations {
            outstanding: self.outstanding,
            last_server_transmit: self.last_server_transmit,
            key: self.config.key,
            keys,
            local_precision: self.config.local_precision,
            max_distance: self.config.max_distance,
        }
    }

    /// Sets the poll exponent (from the discipline's poll adaptation), within
    /// minpoll..=maxpoll.
    pub fn set_poll(&mut self, exponent: i8) {
        self.poll.set_poll(exponent);
    }

    /// The current poll exponent (log2 seconds).
    pub fn poll_exponent(&self) -> i8 {
        self.poll.poll
    }

    /// The reach register: bit 0 is the latest poll, set when it was answered.
    pub fn reach(&self) -> u8 {
        self.poll.reach
    }

    /// Whether packets of a burst (`burst`/`iburst`) are still to be sent: selection waits
    /// for the burst to end (RFC 5905 A.5.2).
    pub fn in_burst(&self) -> bool {
        self.poll.burst_left > 0
    }

    /// Whether a reply for the latest request is still awaited.
    pub fn awaiting_reply(&self) -> bool {
        self.outstanding.is_some()
    }

    /// Whether an authenticated DENY/RSTR stopped the association for good.
    pub fn is_stopped(&self) -> bool {
        self.kiss.stopped
    }

    /// The settings this association runs with.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The counters.
    pub fn counters(&self) -> ClientCounters {
        self.counters
    }
}
