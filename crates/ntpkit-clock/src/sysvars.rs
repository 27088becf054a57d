//! The system variables (RFC 5905 section 11.2.3 `clock_update`, figure 22): what this host
//! tells its own clients about its synchronisation.

use ntpkit_wire::{LeapIndicator, NtpShort, NtpTimestamp, Precision, ReferenceId, Stratum};

/// The system variables a server answers with.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct SystemVariables {
    /// Leap indicator: unsynchronised, or a leap pending at the end of today.
    pub leap: LeapIndicator,
    /// Stratum: system peer's plus one; 16 when unsynchronised.
    pub stratum: Stratum,
    /// Local clock precision (log2 seconds).
    pub precision: Precision,
    /// Total round-trip delay to the primary reference.
    pub root_delay: NtpShort,
    /// Total dispersion to the primary reference, grown at PHI since the last update.
    pub root_dispersion: NtpShort,
    /// Reference id: the system peer's address (or hash), its refid at stratum 1, or the
    /// orphan id.
    pub reference_id: ReferenceId,
    /// Local time of the last clock update.
    pub reference_time: NtpTimestamp,
    /// System jitter (selection and clock jitter combined), seconds.
    pub jitter: f64,
}

impl SystemVariables {
    /// Root distance a client would compute from these variables, seconds.
    pub fn root_distance(&self) -> f64 {
        self.root_delay.to_seconds_f64() / 2.0 + self.root_dispersion.to_seconds_f64()
    }

    /// Whether these variables say "synchronised".
    pub fn is_synchronized(&self) -> bool {
        self.leap != LeapIndicator::Unsynchronized && self.stratum.0 < crate::constants::MAXSTRAT
    }
}
