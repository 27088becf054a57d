//! The crate's one error type. Each trailer variant names the RFC 7822 / RFC 5905 rule the
//! bytes broke, with the offset (from the start of the packet) where it broke.

/// Why bytes could not be parsed as, or a value could not be emitted into, an NTP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The input ends before the structure does.
    #[error("truncated: need {needed} bytes, have {available}")]
    Truncated {
        /// Bytes the structure needs.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// The output buffer is too small for the value being emitted.
    #[error("buffer too small: need {needed} bytes, have {available}")]
    BufferTooSmall {
        /// Bytes the emitted value needs.
        needed: usize,
        /// Bytes available in the buffer.
        available: usize,
    },
    /// The version field is not 1..=4.
    #[error("unsupported NTP version {0} (only 1 to 4 exist)")]
    UnsupportedVersion(u8),
    /// Time packets are emitted as version 3 or 4 only.
    #[error("refusing to emit a version {0} time packet (only 3 and 4 are sent)")]
    VersionNotEmittable(u8),
    /// The packet's mode is not the one this parser handles (e.g. mode 6 for a control
    /// message).
    #[error("wrong mode {found} (expected {expected})")]
    WrongMode {
        /// Mode found in the packet.
        found: u8,
        /// Mode this parser handles.
        expected: u8,
    },
    /// A duration does not fit the target type (negative, or 2^31 s or more).
    #[error("duration out of range for the target type")]
    DurationOutOfRange,

    /// RFC 7822: a 4-byte trailer is only valid as a crypto-NAK, whose key id is zero.
    #[error("4-byte trailer with key id {key_id}: only a crypto-NAK (key id 0) may be 4 bytes")]
    ShortTrailerNotCryptoNak {
        /// The key id found.
        key_id: u32,
    },
    /// RFC 7822 / RFC 5905: an NTPv4 trailer must be a crypto-NAK (4), a MAC (20 or 24) or at
    /// least one 16-byte extension field; this length is none of those.
    #[error(
        "NTPv4 trailer of {length} bytes is neither a crypto-NAK (4), a MAC (20/24) nor extension fields (16+)"
    )]
    TrailerLength {
        /// Trailer length in bytes.
        length: usize,
    },
    /// NTPv1-3 packets carry no extension fields; anything after the header must be a key id
    /// and a digest of 8 to 64 bytes, or an MS-SNTP authenticator.
    #[error(
        "NTPv{version} trailer of {length} bytes is not a key id + digest (12 to 68 bytes) or an MS-SNTP authenticator"
    )]
    LegacyTrailerLength {
        /// The packet's version.
        version: u8,
        /// Trailer length in bytes.
        length: usize,
    },
    /// RFC 7822 section 3: the 4-byte extension field header does not fit.
    #[error("extension field header at offset {offset} truncated ({available} bytes left)")]
    ExtensionHeaderTruncated {
        /// Offset of the field from the start of the packet.
        offset: usize,
        /// Bytes left in the packet.
        available: usize,
    },
    /// RFC 7822 section 3: every extension field is at least 16 bytes.
    #[error("extension field at offset {offset} has length {length}, below the minimum of 16")]
    ExtensionTooShort {
        /// Offset of the field from the start of the packet.
        offset: usize,
        /// The field's length field.
        length: usize,
    },
    /// RFC 7822 section 3: an extension field's length is a multiple of 4.
    #[error("extension field at offset {offset} has length {length}, not a multiple of 4")]
    ExtensionMisaligned {
        /// Offset of the field from the start of the packet.
        offset: usize,
        /// The field's length field.
        length: usize,
    },
    /// An extension field's length runs past the end of the packet (CVE-2015-7691 class).
    #[error(
        "extension field at offset {offset} has length {length} but only {available} bytes remain"
    )]
    ExtensionOverrun {
        /// Offset of the field from the start of the packet.
        offset: usize,
        /// The field's length field.
        length: usize,
        /// Bytes left in the packet from `offset`.
        available: usize,
    },
    /// RFC 7822 section 7.5: without a MAC, the last extension field is at least 28 bytes.
    #[error(
        "last extension field at offset {offset} has length {length}; without a MAC it must be at least 28"
    )]
    LastExtensionTooShort {
        /// Offset of the field from the start of the packet.
        offset: usize,
        /// The field's length.
        length: usize,
    },
    /// An extension field value is too long to emit (the length field is 16 bits).
    #[error("extension field value of {length} bytes is too long for the 16-bit length field")]
    ExtensionValueTooLong {
        /// Value length in bytes.
        length: usize,
    },
    /// A MAC digest to emit is not 16 or 20 bytes (RFC 5905/8573 MACs in NTPv4), or a legacy
    /// digest is not 8 to 64 bytes.
    #[error("MAC digest of {length} bytes cannot be emitted in this position")]
    DigestLength {
        /// Digest length in bytes.
        length: usize,
    },
    /// A trailer kind that only exists in NTPv1-3 (legacy MAC, MS-SNTP) paired with an NTPv4
    /// header, or extension fields paired with an older one.
    #[error("trailer kind does not exist in NTP version {version}")]
    TrailerVersionMismatch {
        /// The header's version.
        version: u8,
    },

    /// Mode 6: the count field runs past the end of the packet.
    #[error(
        "control message count {count} at offset 12 overruns the {available} data bytes present"
    )]
    ControlCountOverrun {
        /// The count field.
        count: usize,
        /// Data bytes present after the 12-byte header.
        available: usize,
    },
    /// Mode 6: the data is longer than one datagram may carry (RFC 9327: 468 bytes).
    #[error("control message data of {count} bytes exceeds the 468-byte maximum")]
    ControlDataTooLong {
        /// The count field (or the data length to emit).
        count: usize,
    },
    /// Mode 6: the bytes after the (padded) data are neither zero padding nor a MAC of 20 or
    /// 24 bytes starting on a 64-bit boundary.
    #[error(
        "control message trailer of {length} bytes at offset {offset} is not padding or a 20/24-byte MAC"
    )]
    ControlTrailer {
        /// Offset of the unexplained bytes from the start of the packet.
        offset: usize,
        /// Their length.
        length: usize,
    },
    /// Mode 6: the padding after the data is not zero.
    #[error("control message padding at offset {offset} is not zero")]
    ControlPadding {
        /// Offset of the first non-zero padding byte.
        offset: usize,
    },
    /// Mode 6: the opcode does not fit the 5-bit field.
    #[error("control opcode {0} does not fit in 5 bits")]
    ControlOpcode(u8),
}
