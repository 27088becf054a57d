//! What a symmetric association reports: samples, packets that carry no time, kisses,
//! crypto-NAKs and its own demobilisation.

use ntpkit_wire::KissCode;

use crate::client::{ClientSample, KissAction};

/// The outcome of [`super::SymmetricAssociation::handle_packet`] for a packet that passed
/// the tests, or of [`super::SymmetricAssociation::handle_timeout`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum SymmetricEvent {
    /// A valid exchange: feed `sample` to the clock filter, exactly as a client's.
    Sample(ClientSample),
    /// A valid packet from the peer that yields no time; our next packet answers it.
    NoSample(NoSampleReason),
    /// A Kiss-o'-Death answering one of our packets (origin, and MAC when keyed, checked).
    /// An authenticated DENY/RSTR stops the association; a passive one is then over
    /// ([`super::SymmetricAssociation::is_demobilized`]).
    Kiss {
        /// The kiss code.
        code: KissCode,
        /// What the association did about it (the client's rules).
        action: KissAction,
    },
    /// A crypto-NAK answering one of our packets: the peer could not verify our MAC (a key
    /// mismatch to report). It authenticates nothing and changes nothing (CVE-2015-7871).
    CryptoNak,
    /// The association ended (only ephemeral, symmetric passive, associations do): the
    /// caller removes it and releases its place in the [`super::PassivePolicy`].
    Demobilized(DemobilizeReason),
}

/// Why a valid packet from the peer gave no sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NoSampleReason {
    /// Origin zero: the peer has not heard from us yet (it just started or started over).
    PeerStarting,
    /// It answers a packet of ours that already gave a sample (the peer polled twice
    /// before we did).
    AlreadySampled,
    /// The peer is not synchronised (leap 3, stratum 0 or 16): it may take our time, we
    /// take none of its (RFC 5905 TEST6, TEST7).
    Unsynchronized,
    /// The delay or the peer's root distance is above MAXDIST, or our clock ran backwards
    /// over the exchange (RFC 5905 TEST4, TEST8).
    Distance,
}

/// Why an association ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DemobilizeReason {
    /// No packet from the peer for [`super::PASSIVE_UNREACH_POLLS`] polls.
    Unreachable,
}
