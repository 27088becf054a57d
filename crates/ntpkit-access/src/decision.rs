//! The verdict on one packet.

use core::fmt;

use crate::KissCode;

/// What to do with a received packet.
///
/// A value, not an action: the responder acts on it and the statistics count it, so both see
/// the same reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Process the packet normally (answer it, hand it to its association, run the query).
    Serve,
    /// Drop the packet silently.
    Drop(DropReason),
    /// Answer with a Kiss-o'-Death carrying this code instead of time (RFC 5905 section 7.4:
    /// leap 3, stratum 0, the code in the reference id, no usable timestamps).
    Kiss(KissCode),
}

impl Decision {
    /// Whether the packet is to be processed normally.
    pub const fn is_serve(self) -> bool {
        matches!(self, Decision::Serve)
    }
}

/// Why a packet was refused (dropped, or answered with a kiss instead of time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DropReason {
    /// A loopback source address arrived on a non-loopback interface: spoofed
    /// (CVE-2014-9298). Checked before the restrict list.
    LoopbackSpoof,
    /// The source matches an `ignore` entry.
    Ignored,
    /// `noserve`: no time service for this source.
    NoServe,
    /// `noquery`: no control (mode 6) answers, not even a nonce (CVE-2013-5211).
    NoQuery,
    /// `nomodify`: control requests that change the server are refused.
    NoModify,
    /// `notrap`: no trap service.
    NoTrap,
    /// `nomrulist`: the MRU list is not shown to this source.
    NoMruList,
    /// `nopeer`: an unauthenticated packet that would mobilize an association.
    NoPeer,
    /// `noepeer`: an ephemeral symmetric association, refused even when authenticated.
    NoEphemeralPeer,
    /// `notrust`: the packet was not authenticated.
    NotTrusted,
    /// A control write (mode 6) without a valid MAC: always refused.
    UnauthenticatedWrite,
    /// The packet carried a MAC that failed verification.
    AuthFailed,
    /// `version`: the packet's NTP version is not 4; or the version is not one ntpd accepts
    /// at all (below 1 or above 4).
    Version,
    /// `flake`: dropped at random (one in ten), as ntpd's testing aid.
    Flake,
    /// `limited`: the source exceeded the `discard` rate limits.
    RateExceeded,
    /// Mode 7 (`ntpdc`) is not implemented.
    PrivateMode,
}

impl DropReason {
    /// Every reason, in declaration order (the index used by the counters).
    pub const ALL: &'static [DropReason] = &[
        DropReason::LoopbackSpoof,
        DropReason::Ignored,
        DropReason::NoServe,
        DropReason::NoQuery,
        DropReason::NoModify,
        DropReason::NoTrap,
        DropReason::NoMruList,
        DropReason::NoPeer,
        DropReason::NoEphemeralPeer,
        DropReason::NotTrusted,
        DropReason::UnauthenticatedWrite,
        DropReason::AuthFailed,
        DropReason::Version,
        DropReason::Flake,
        DropReason::RateExceeded,
        DropReason::PrivateMode,
    ];

    /// Number of reasons.
    pub const COUNT: usize = DropReason::ALL.len();

    /// The position of the reason in [`DropReason::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Whether the reason is the restrict list refusing the source (what ntpd's sysstats
    /// count as "restricted"), as opposed to rate limiting, authentication or format.
    pub const fn is_restriction(self) -> bool {
        matches!(
            self,
            DropReason::Ignored
                | DropReason::NoServe
                | DropReason::NoQuery
                | DropReason::NoModify
                | DropReason::NoTrap
                | DropReason::NoMruList
                | DropReason::NoPeer
                | DropReason::NoEphemeralPeer
                | DropReason::NotTrusted
                | DropReason::Flake
        )
    }

    /// The kiss code an association shows (`ntpq` refid) when our own restrict list refused
    /// its server's packets: RSTR, "access denied due to local policy" (RFC 5905 section 7.4).
    /// `None` for reasons that are not a local policy refusal.
    pub const fn local_status(self) -> Option<KissCode> {
        if self.is_restriction() {
            Some(KissCode::Rstr)
        } else {
            None
        }
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropReason::LoopbackSpoof => "loopback source on a non-loopback interface",
            DropReason::Ignored => "ignore",
            DropReason::NoServe => "noserve",
            DropReason::NoQuery => "noquery",
            DropReason::NoModify => "nomodify",
            DropReason::NoTrap => "notrap",
            DropReason::NoMruList => "nomrulist",
            DropReason::NoPeer => "nopeer",
            DropReason::NoEphemeralPeer => "noepeer",
            DropReason::NotTrusted => "notrust",
            DropReason::UnauthenticatedWrite => "unauthenticated control write",
            DropReason::AuthFailed => "authentication failed",
            DropReason::Version => "version",
            DropReason::Flake => "flake",
            DropReason::RateExceeded => "rate exceeded",
            DropReason::PrivateMode => "mode 7 not implemented",
        })
    }
}
