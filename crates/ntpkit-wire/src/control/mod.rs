//! Mode 6 control messages (RFC 9327; ntpq's protocol): a 12-byte header, up to 468 bytes of
//! data, zero padding and an optional MAC. Every length and offset is checked before use
//! (CVE-2014-9295, CVE-2015-7848, CVE-2016-9310 came from trusting them).

mod framing;
mod layout;
mod opcode;
mod repr;
mod view;

pub use framing::CONTROL_MAX_DATA_LEN;
pub use opcode::ControlOpcode;
pub use repr::ControlMessage;
pub use view::ControlPacket;

/// Length of the control message header in bytes.
pub const CONTROL_HEADER_LEN: usize = 12;
