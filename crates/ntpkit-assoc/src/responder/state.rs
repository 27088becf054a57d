//! What the server says about itself in every reply: RFC 5905 section 7.3's system
//! variables as the responder needs them.

use ntpkit_clock::SystemVariables;
use ntpkit_wire::{LeapIndicator, NtpShort, NtpTimestamp, Precision, ReferenceId, Stratum};

/// When the server's clock was last set or corrected (the reply's reference timestamp).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReferenceTime {
    /// A fixed instant, as a disciplined server reports its last clock update.
    At(NtpTimestamp),
    /// The start of the second the request arrived in: a local reference (the host's own
    /// clock as the source) is by definition up to date. Clients that reject a reference time
    /// far in the past (or after the transmit time) accept this one.
    FollowsClock,
}

/// The server's system variables, as sent in every time reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerState {
    /// Leap indicator; [`LeapIndicator::Unsynchronized`] tells clients not to use us.
    pub leap: LeapIndicator,
    /// Our stratum (1 = primary; 16 = unsynchronised).
    pub stratum: Stratum,
    /// Precision of our clock, log2 seconds.
    pub precision: Precision,
    /// Round-trip delay to the primary reference.
    pub root_delay: NtpShort,
    /// Dispersion (error bound) relative to the primary reference.
    pub root_dispersion: NtpShort,
    /// Our reference id (a four-letter code at stratum 1, an upstream address hash above).
    pub reference_id: ReferenceId,
    /// Our reference time.
    pub reference_time: ReferenceTime,
}

impl ServerState {
    /// A server with no time source: leap 3 (alarm), stratum 16, so that no client
    /// synchronises to it (RFC 5905 section 7.3).
    pub fn unsynchronized(precision: Precision) -> Self {
        Self {
            leap: LeapIndicator::Unsynchronized,
            stratum: Stratum::UNSYNCHRONIZED,
            precision,
            root_delay: NtpShort::from_bits(0),
            root_dispersion: NtpShort::from_bits(0),
            reference_id: ReferenceId(*b"INIT"),
            reference_time: ReferenceTime::At(NtpTimestamp::ZERO),
        }
    }

    /// A server that offers its own clock as the reference at `stratum`: ntpd's local clock
    /// driver (`server 127.127.1.0` with `fudge 127.127.1.0 stratum N`), chrony's
    /// `local stratum N`, or orphan mode with no upstream (`tos orphan N`).
    ///
    /// Root delay and dispersion are zero: the clock is its own reference.
    pub fn local_reference(
        stratum: Stratum,
        reference_id: ReferenceId,
        precision: Precision,
    ) -> Self {
        Self {
            leap: LeapIndicator::NoWarning,
            stratum,
            precision,
            root_delay: NtpShort::from_bits(0),
            root_dispersion: NtpShort::from_bits(0),
            reference_id,
            reference_time: ReferenceTime::FollowsClock,
        }
    }

    /// A server synchronised by its own system process: the [`SystemVariables`] of
    /// `ntpkit-clock` (stratum of the system peer + 1, its address as reference id, the
    /// time of the last clock update).
    pub fn from_system_variables(vars: &SystemVariables) -> Self {
        Self {
            leap: vars.leap,
            stratum: vars.stratum,
            precision: vars.precision,
            root_delay: vars.root_delay,
            root_dispersion: vars.root_dispersion,
            reference_id: vars.reference_id,
            reference_time: ReferenceTime::At(vars.reference_time),
        }
    }

    /// The reference timestamp to send in a reply to a request received at `received`.
    pub fn reference_timestamp(&self, received: NtpTimestamp) -> NtpTimestamp {
        match self.reference_time {
            ReferenceTime::At(t) => t,
            ReferenceTime::FollowsClock => NtpTimestamp::from_parts(received.seconds(), 0),
        }
    }
}
