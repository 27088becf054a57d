//! What a broadcast client reports, and why it refused a packet.

use core::fmt;
use std::net::SocketAddr;

use ntpkit_access::SessionRefusal;
use ntpkit_auth::AuthError;

use crate::client::ClientSample;

/// How a server's one-way delay was found.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum DelaySource {
    /// Half the smallest round trip of the client/server volley, seconds.
    Volley(f64),
    /// `broadcastdelay`, seconds: the volley got no answer in time (or is disabled).
    Configured(f64),
}

impl DelaySource {
    /// The one-way delay, seconds.
    pub fn seconds(self) -> f64 {
        match self {
            Self::Volley(d) | Self::Configured(d) => d,
        }
    }
}

/// One thing the broadcast client did.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum BroadcastEvent {
    /// A new server's authenticated broadcast: an ephemeral association follows it; its
    /// calibration volley starts.
    Mobilized(SocketAddr),
    /// The server's one-way delay is known; its broadcasts now give samples.
    Calibrated {
        /// The server.
        server: SocketAddr,
        /// The delay and how it was found.
        delay: DelaySource,
    },
    /// A broadcast gave a sample (offset = transmit + one-way delay - arrival).
    Sample {
        /// The server.
        server: SocketAddr,
        /// The sample (delay is twice the one-way delay) and the server's variables.
        sample: ClientSample,
    },
    /// A server fell silent for [`super::SILENT_INTERVALS`] of its poll intervals.
    Demobilized(SocketAddr),
}

/// Why a packet was not used. It changed nothing but counters.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BroadcastRejection {
    /// Not a well-formed NTP packet.
    Malformed,
    /// Not mode 5 (a broadcast) where one was expected, or not mode 4 for a volley reply.
    WrongMode,
    /// The MAC is missing or wrong.
    Authentication(AuthError),
    /// The server is not synchronised.
    Unsynchronized,
    /// Transmit timestamp zero.
    ZeroTimestamp,
    /// The server's root distance exceeds MAXDIST.
    Distance,
    /// Not newer than the last broadcast accepted (a replay).
    Replay,
    /// The server's clock moved much more (or less) than ours since its last broadcast.
    OutsideWindow,
    /// The dynamic-session cap is reached.
    SessionCap(SessionRefusal),
    /// A volley reply from a server we are not calibrating, or one its association refused.
    Volley(Option<crate::client::Rejection>),
    /// A server dropped as a falseticker, within its hold-down.
    HeldDown,
}

impl fmt::Display for BroadcastRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str("malformed packet"),
            Self::WrongMode => f.write_str("unexpected mode"),
            Self::Authentication(e) => write!(f, "authentication failed: {e}"),
            Self::Unsynchronized => f.write_str("server is not synchronised"),
            Self::ZeroTimestamp => f.write_str("transmit timestamp is zero"),
            Self::Distance => f.write_str("server's root distance is too large"),
            Self::Replay => f.write_str("not newer than the last broadcast (replay)"),
            Self::OutsideWindow => f.write_str("server clock moved inconsistently (replay window)"),
            Self::SessionCap(r) => write!(f, "dynamic-session cap reached ({r:?})"),
            Self::Volley(None) => f.write_str("reply from a server not being calibrated"),
            Self::Volley(Some(r)) => write!(f, "calibration reply refused: {r}"),
            Self::HeldDown => f.write_str("server dropped as a falseticker, held down"),
        }
    }
}

impl std::error::Error for BroadcastRejection {}
