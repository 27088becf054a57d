//! What a reply yields: an accepted sample, an honoured kiss, or a counted rejection.

use ntpkit_auth::{AuthError, KeyId};
use ntpkit_clock::{FilterSample, ServerInfo};
use ntpkit_wire::KissCode;

/// An accepted reply: a sample for the clock filter plus the server's variables.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct ClientSample {
    /// Offset, delay, dispersion from the four timestamps (RFC 5905 section 8), ready for
    /// [`ntpkit_clock::ClockFilter::add`].
    pub sample: FilterSample,
    /// The server's system variables from the reply header, as clock selection takes them
    /// ([`ntpkit_clock::Candidate::server`]).
    pub server: ServerInfo,
    /// Server precision, log2 seconds.
    pub server_precision: i8,
    /// Poll exponent the server reported.
    pub server_poll: i8,
    /// The key that authenticated the reply, if the association is keyed.
    pub authenticated: Option<KeyId>,
}

impl ClientSample {
    /// Synchronisation distance of this sample: root delay/2 + root dispersion + delay/2 +
    /// dispersion (RFC 5905 section 10 `root distance`, without jitter).
    pub fn distance(&self) -> f64 {
        (self.server.root_delay + self.sample.delay) / 2.0
            + self.server.root_dispersion
            + self.sample.dispersion
    }
}

/// What the association did with a kiss that passed the origin (and MAC) checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KissAction {
    /// RATE: the poll exponent was raised to this value (never lowered; RFC 5905 erratum 3007).
    PollRaised(i8),
    /// DENY/RSTR on an authenticated association: it stopped polling.
    Stopped,
    /// DENY/RSTR on an unauthenticated association, counted; at the limit the server is
    /// marked unreachable (CVE-2015-7704/7705).
    DenyCounted {
        /// Consecutive DENY/RSTR kisses so far.
        count: u8,
        /// Whether this kiss made the server unreachable.
        unreachable: bool,
    },
    /// Any other code: the exchange is over, nothing else changes.
    Ignored,
}

/// The outcome of [`crate::ClientAssociation::handle_response`] for a reply that passed.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// A valid reply: feed `sample` to the clock filter.
    Sample(ClientSample),
    /// A Kiss-o'-Death that passed the origin (and MAC) checks.
    Kiss {
        /// The kiss code.
        code: KissCode,
        /// What the association did about it.
        action: KissAction,
    },
}

/// Why a reply was discarded. A rejected reply changes nothing in the association but
/// its drop counter (CVE-2016-9042, CVE-2020-11868).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// Not a well-formed NTP packet.
    Malformed,
    /// Not a server (mode 4) reply.
    WrongMode,
    /// No request is outstanding (the exchange already completed or none was sent).
    NotExpected,
    /// The same server transmit timestamp as an already accepted reply (RFC 5905 TEST1).
    Duplicate,
    /// Origin timestamp zero (CVE-2016-7431: must not pass the origin test).
    ZeroOrigin,
    /// Origin timestamp is not the transmit timestamp we sent (RFC 5905 TEST2, CVE-2015-8138).
    BogusOrigin,
    /// A keyed association's reply did not authenticate (RFC 5905 TEST5).
    Authentication(AuthError),
    /// The association is stopped (DENY/RSTR from an authenticated server).
    Stopped,
    /// Receive or transmit timestamp zero (RFC 5905 TEST3).
    ZeroTimestamp,
    /// The server is not synchronised: leap 3, stratum 0 without a kiss code, or
    /// stratum 16 or more (RFC 5905 TEST6, TEST7).
    Unsynchronized,
    /// Root distance above MAXDIST or a negative/absurd delay (RFC 5905 TEST4, TEST8).
    Distance,
}

impl core::fmt::Display for Rejection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Malformed => f.write_str("malformed packet"),
            Self::WrongMode => f.write_str("not a server reply"),
            Self::NotExpected => f.write_str("no request outstanding"),
            Self::Duplicate => f.write_str("duplicate reply"),
            Self::ZeroOrigin => f.write_str("origin timestamp is zero"),
            Self::BogusOrigin => f.write_str("origin timestamp does not match our request"),
            Self::Authentication(e) => write!(f, "authentication failed: {e}"),
            Self::Stopped => f.write_str("association stopped by an authenticated kiss"),
            Self::ZeroTimestamp => f.write_str("server receive or transmit timestamp is zero"),
            Self::Unsynchronized => f.write_str("server is not synchronised"),
            Self::Distance => f.write_str("server's synchronisation distance is too large"),
        }
    }
}

impl std::error::Error for Rejection {}
