//! Mode 6 opcodes (RFC 9327 section 2, plus the ones ntpd and NTPsec added).

use crate::WireError;

/// A 5-bit control message opcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ControlOpcode(u8);

impl ControlOpcode {
    /// Read status (RFC 9327).
    pub const READ_STATUS: Self = Self(1);
    /// Read variables (RFC 9327).
    pub const READ_VARIABLES: Self = Self(2);
    /// Write variables (RFC 9327).
    pub const WRITE_VARIABLES: Self = Self(3);
    /// Read clock variables (RFC 9327).
    pub const READ_CLOCK: Self = Self(4);
    /// Write clock variables (RFC 9327).
    pub const WRITE_CLOCK: Self = Self(5);
    /// Set trap address (RFC 9327).
    pub const SET_TRAP: Self = Self(6);
    /// Asynchronous message (RFC 9327).
    pub const ASYNC_MESSAGE: Self = Self(7);
    /// Runtime configuration (ntpd `:config`).
    pub const CONFIGURE: Self = Self(8);
    /// Save configuration (ntpd).
    pub const SAVE_CONFIG: Self = Self(9);
    /// Read the MRU list (ntpd/NTPsec `mrulist`; needs a nonce round trip first).
    pub const READ_MRU: Self = Self(10);
    /// Read ordered list (ntpd/NTPsec `ifstats`, `reslist`).
    pub const READ_ORDERED_LIST: Self = Self(11);
    /// Request a nonce (ntpd/NTPsec), proving the source address before MRU reads.
    pub const REQUEST_NONCE: Self = Self(12);
    /// Unset trap (RFC 9327).
    pub const UNSET_TRAP: Self = Self(31);

    /// The opcode for a value of 0..=31, else [`WireError::ControlOpcode`].
    pub const fn new(value: u8) -> Result<Self, WireError> {
        if value <= 0x1f {
            Ok(Self(value))
        } else {
            Err(WireError::ControlOpcode(value))
        }
    }

    /// The opcode in the low five bits of `bits`.
    pub(crate) const fn from_bits(bits: u8) -> Self {
        Self(bits & 0x1f)
    }

    /// The 5-bit value.
    pub const fn value(self) -> u8 {
        self.0
    }
}
