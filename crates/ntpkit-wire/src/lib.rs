//! ntpkit-wire: the NTP packet codec (RFC 5905, RFC 7822, RFC 9327).
//!
//! `no_std`, no allocation, no `unsafe`. Two ways in, as in smoltcp's `wire` module:
//!
//! - checked zero-copy views over a buffer: [`NtpPacket`] for time packets (modes 1 to 5) and
//!   [`ControlPacket`] for mode 6 control messages;
//! - plain values with `parse`, `emit` and `buffer_len`: [`NtpHeader`], [`NtpPacketRepr`]
//!   (header plus classified [`Trailer`]) and [`ControlMessage`].
//!
//! Time types: [`NtpTimestamp`] (64-bit, era-aware), [`NtpShort`] (32-bit) and
//! [`NtpDuration`] (signed differences). Every parser returns a [`WireError`] naming the rule
//! the bytes broke; none panics on any input.
//!
//! ```
//! use ntpkit_wire::{Mode, NtpHeader, NtpPacket, NtpTimestamp, Trailer, HEADER_LEN};
//!
//! // A client request carrying transmit timestamp T1.
//! let t1 = NtpTimestamp::from_unix(1_700_000_000, 123_456_789);
//! let mut buf = [0u8; HEADER_LEN];
//! NtpHeader::client_request(t1).emit(&mut buf)?;
//!
//! // The server's side: a checked view, then the fields it needs.
//! let packet = NtpPacket::new_checked(&buf[..])?;
//! assert_eq!(packet.mode(), Mode::Client);
//! assert_eq!(packet.transmit_timestamp(), t1);
//! assert_eq!(packet.trailer()?, Trailer::None);
//! assert_eq!(packet.transmit_timestamp().to_unix(1_700_000_000), (1_700_000_000, 123_456_789));
//! # Ok::<(), ntpkit_wire::WireError>(())
//! ```
#![no_std]
#![forbid(unsafe_code)]

pub mod civil;
mod control;
mod error;
mod header;
mod packet;
mod time;
mod trailer;

pub use control::{
    CONTROL_HEADER_LEN, CONTROL_MAX_DATA_LEN, ControlMessage, ControlOpcode, ControlPacket,
};
pub use error::WireError;
pub use header::{
    KissCode, LeapIndicator, Mode, NtpHeader, PollInterval, Precision, ReferenceId,
    ReferenceIdKind, Stratum, Version,
};
pub use packet::{NtpPacket, NtpPacketRepr};
pub use time::{NtpDuration, NtpShort, NtpTimestamp, UNIX_EPOCH_OFFSET};
pub use trailer::{
    ExtensionField, ExtensionFieldIter, ExtensionFields, MIN_EXTENSION_LEN, MIN_LAST_EXTENSION_LEN,
    Mac, MsSntpExtended, Trailer,
};

/// Length of the NTP time-packet header in bytes (RFC 5905 figure 8).
pub const HEADER_LEN: usize = 48;

/// The mode of a packet from its first byte, without parsing anything else; for dispatching
/// between [`NtpPacket`] (modes 1 to 5) and [`ControlPacket`] (mode 6).
pub fn peek_mode(bytes: &[u8]) -> Result<Mode, WireError> {
    match bytes.first() {
        Some(&first) => Ok(Mode::from_bits(first)),
        None => Err(WireError::Truncated {
            needed: 1,
            available: 0,
        }),
    }
}
