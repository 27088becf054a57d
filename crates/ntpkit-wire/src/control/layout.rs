//! The 12-byte mode 6 control header as it sits on the wire (RFC 9327 section 2).

use zerocopy::byteorder::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// The control message header.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy)]
#[repr(C)]
pub(crate) struct RawControlHeader {
    pub(crate) li_vn_mode: u8,
    /// Response, error and more bits, then the 5-bit opcode.
    pub(crate) rem_opcode: u8,
    pub(crate) sequence: U16,
    pub(crate) status: U16,
    pub(crate) association_id: U16,
    pub(crate) offset: U16,
    pub(crate) count: U16,
}

impl RawControlHeader {
    /// Read by views over buffers too short for a header (only via `new_unchecked`).
    pub(crate) const ZEROED: RawControlHeader = RawControlHeader {
        li_vn_mode: 0,
        rem_opcode: 0,
        sequence: U16::ZERO,
        status: U16::ZERO,
        association_id: U16::ZERO,
        offset: U16::ZERO,
        count: U16::ZERO,
    };
}

const _: () = assert!(core::mem::size_of::<RawControlHeader>() == super::CONTROL_HEADER_LEN);
