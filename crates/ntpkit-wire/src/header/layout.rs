//! The 48-byte header as a zerocopy struct of big-endian fields (RFC 5905 figure 8), so that
//! parse and emit are field loads and stores with the bounds checked once.

use zerocopy::byteorder::network_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// The NTP header exactly as it sits on the wire.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy)]
#[repr(C)]
pub(crate) struct RawHeader {
    pub(crate) li_vn_mode: u8,
    pub(crate) stratum: u8,
    pub(crate) poll: i8,
    pub(crate) precision: i8,
    pub(crate) root_delay: U32,
    pub(crate) root_dispersion: U32,
    pub(crate) reference_id: [u8; 4],
    pub(crate) reference_timestamp: U64,
    pub(crate) origin_timestamp: U64,
    pub(crate) receive_timestamp: U64,
    pub(crate) transmit_timestamp: U64,
}

impl RawHeader {
    /// An all-zero header, read by views over buffers too short to hold one (only reachable
    /// through `new_unchecked`), so that accessors never panic.
    pub(crate) const ZEROED: RawHeader = RawHeader {
        li_vn_mode: 0,
        stratum: 0,
        poll: 0,
        precision: 0,
        root_delay: U32::ZERO,
        root_dispersion: U32::ZERO,
        reference_id: [0; 4],
        reference_timestamp: U64::ZERO,
        origin_timestamp: U64::ZERO,
        receive_timestamp: U64::ZERO,
        transmit_timestamp: U64::ZERO,
    };
}

const _: () = assert!(core::mem::size_of::<RawHeader>() == crate::HEADER_LEN);
