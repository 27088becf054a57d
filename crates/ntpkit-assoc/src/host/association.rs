//! The kinds of association a host runs behind one face: client (mode 3, `server` and
//! `pool`), symmetric (modes 1 and 2, `peer` and mobilised passive peers), and external
//! (samples fed by the driver: a broadcast client's servers).

use core::time::Duration;

use ntpkit_auth::{AuthError, KeyId, KeyStore};
use ntpkit_wire::{KissCode, NtpTimestamp};

use crate::client::{
    ClientAssociation, ClientEvent, ClientRng, ClientSample, KissAction, Rejection,
};
use crate::responder::ServerState;
use crate::symmetric::{Role, SymmetricAssociation, SymmetricEvent};

use super::external::ExternalFeed;

/// One association of either kind. The symmetric one (with its transmit history) is
/// several times larger: boxed, so a host of client sources stays compact.
#[derive(Clone, Debug)]
pub(super) enum Association<R> {
    Client(ClientAssociation<R>),
    Symmetric(Box<SymmetricAssociation<R>>),
    External(ExternalFeed),
}

/// What a packet that passed every test gave.
pub(super) enum Outcome {
    Sample(ClientSample),
    Kiss {
        code: KissCode,
        action: KissAction,
    },
    /// Accepted, but nothing for the clock (a symmetric peer starting, a crypto-NAK...).
    Nothing,
}

impl<R: ClientRng> Association<R> {
    pub(super) fn poll_timeout(&self) -> Option<Duration> {
        match self {
            Self::Client(a) => a.poll_timeout(),
            Self::Symmetric(a) => a.poll_timeout(),
            Self::External(f) => Some(f.poll_timeout()),
        }
    }

    /// Advances timers; true when a passive association ended itself (peer silent).
    pub(super) fn handle_timeout(&mut self, now: Duration) -> bool {
        match self {
            Self::Client(a) => {
                a.handle_timeout(now);
                false
            }
            Self::Symmetric(a) => {
                matches!(a.handle_timeout(now), Some(SymmetricEvent::Demobilized(_)))
            }
            Self::External(f) => {
                f.handle_timeout(now);
                false
            }
        }
    }

    pub(super) fn poll_transmit(
        &mut self,
        now: Duration,
        t1: NtpTimestamp,
        system: &ServerState,
        keys: &KeyStore,
        buf: &mut [u8],
    ) -> Result<Option<usize>, AuthError> {
        match self {
            Self::Client(a) => a.poll_transmit(now, t1, keys, buf),
            Self::Symmetric(a) => a.poll_transmit(now, t1, system, keys, buf),
            // The host never sends to it: its samples come from the driver.
            Self::External(_) => Ok(None),
        }
    }

    pub(super) fn handle(
        &mut self,
        now: Duration,
        bytes: &[u8],
        t4: NtpTimestamp,
        keys: &KeyStore,
    ) -> Result<Outcome, Rejection> {
        Ok(match self {
            Self::Client(a) => match a.handle_response(now, bytes, t4, keys)? {
                ClientEvent::Sample(s) => Outcome::Sample(s),
                ClientEvent::Kiss { code, action } => Outcome::Kiss { code, action },
            },
            Self::Symmetric(a) => match a.handle_packet(now, bytes, t4, keys)? {
                SymmetricEvent::Sample(s) => Outcome::Sample(s),
                SymmetricEvent::Kiss { code, action } => Outcome::Kiss { code, action },
                _ => Outcome::Nothing,
            },
            // Its packets go to whoever feeds it (a broadcast client), never here.
            Self::External(_) => return Err(Rejection::NotExpected),
        })
    }

    pub(super) fn reach(&self) -> u8 {
        match self {
            Self::Client(a) => a.reach(),
            Self::Symmetric(a) => a.reach(),
            Self::External(f) => f.reach(),
        }
    }

    pub(super) fn poll_exponent(&self) -> i8 {
        match self {
            Self::Client(a) => a.poll_exponent(),
            Self::Symmetric(a) => a.poll_exponent(),
            Self::External(f) => f.poll_exponent(),
        }
    }

    pub(super) fn set_poll(&mut self, exponent: i8) {
        match self {
            Self::Client(a) => a.set_poll(exponent),
            Self::Symmetric(a) => a.set_poll(exponent),
            // The server sets its own broadcast interval.
            Self::External(_) => {}
        }
    }

    /// Whether burst packets are still to go (symmetric associations never burst).
    pub(super) fn in_burst(&self) -> bool {
        matches!(self, Self::Client(a) if a.in_burst())
    }

    /// Whether the latest request is unanswered (client) or the peer silent since our
    /// last packet (symmetric: its own unreachability rules apply, so never counted here).
    pub(super) fn awaiting_reply(&self) -> bool {
        matches!(self, Self::Client(a) if a.awaiting_reply())
    }

    pub(super) fn is_stopped(&self) -> bool {
        match self {
            Self::Client(a) => a.is_stopped(),
            Self::Symmetric(a) => a.is_stopped(),
            Self::External(_) => false,
        }
    }

    pub(super) fn key(&self) -> Option<KeyId> {
        match self {
            Self::Client(a) => a.config().key,
            Self::Symmetric(a) => a.key(),
            Self::External(f) => f.key(),
        }
    }

    /// Our NTP mode (ntpq's `hmode`): 3 client, 1 symmetric active, 2 passive; an external
    /// source's is what its driver said (6 for a broadcast client, as ntpd's MODE_BCLIENT).
    pub(super) fn host_mode(&self) -> u8 {
        match self {
            Self::Client(_) => 3,
            Self::Symmetric(a) if a.role() == Role::Active => 1,
            Self::Symmetric(_) => 2,
            Self::External(f) => f.host_mode(),
        }
    }
}
