//! [`NtpHeader`]: the 48-byte NTP header as a plain value (RFC 5905 section 7.3).

use zerocopy::FromBytes;

use super::layout::RawHeader;
use super::{LeapIndicator, Mode, PollInterval, Precision, ReferenceId, Stratum, Version};
use crate::{HEADER_LEN, KissCode, NtpShort, NtpTimestamp, WireError};

/// The 48-byte NTP header of a time packet (modes 1 to 5) as a plain value.
///
/// Parse with [`NtpHeader::parse`] (reads the first 48 bytes; the trailer is
/// [`crate::Trailer`]'s business), write with [`NtpHeader::emit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NtpHeader {
    /// Leap second warning, or "unsynchronised".
    pub leap: LeapIndicator,
    /// Protocol version.
    pub version: Version,
    /// Association mode.
    pub mode: Mode,
    /// Stratum (0 = Kiss-o'-Death from a server).
    pub stratum: Stratum,
    /// Poll exponent (log2 seconds).
    pub poll: PollInterval,
    /// Precision exponent (log2 seconds).
    pub precision: Precision,
    /// Total round-trip delay to the reference clock.
    pub root_delay: NtpShort,
    /// Total dispersion to the reference clock.
    pub root_dispersion: NtpShort,
    /// Reference id (or kiss code at stratum 0).
    pub reference_id: ReferenceId,
    /// When the sender's clock was last set or corrected.
    pub reference_timestamp: NtpTimestamp,
    /// T1: the request's transmit time, echoed by the server.
    pub origin_timestamp: NtpTimestamp,
    /// T2: when the request arrived at the server.
    pub receive_timestamp: NtpTimestamp,
    /// T3: when this packet left the sender.
    pub transmit_timestamp: NtpTimestamp,
}

impl NtpHeader {
    /// Parses the first 48 bytes of `bytes`. Bytes after the header are ignored.
    ///
    /// Fails with [`WireError::Truncated`] for fewer than 48 bytes and
    /// [`WireError::UnsupportedVersion`] for versions other than 1..=4.
    pub fn parse(bytes: &[u8]) -> Result<Self, WireError> {
        let (raw, _) = RawHeader::ref_from_prefix(bytes).map_err(|_| WireError::Truncated {
            needed: HEADER_LEN,
            available: bytes.len(),
        })?;
        Self::from_raw(raw)
    }

    pub(crate) fn from_raw(raw: &RawHeader) -> Result<Self, WireError> {
        Ok(Self {
            leap: LeapIndicator::from_bits(raw.li_vn_mode >> 6),
            version: Version::from_bits((raw.li_vn_mode >> 3) & 0b111)?,
            mode: Mode::from_bits(raw.li_vn_mode),
            stratum: Stratum(raw.stratum),
            poll: PollInterval(raw.poll),
            precision: Precision(raw.precision),
            root_delay: NtpShort::from_bits(raw.root_delay.get()),
            root_dispersion: NtpShort::from_bits(raw.root_dispersion.get()),
            reference_id: ReferenceId(raw.reference_id),
            reference_timestamp: NtpTimestamp::from_bits(raw.reference_timestamp.get()),
            origin_timestamp: NtpTimestamp::from_bits(raw.origin_timestamp.get()),
            receive_timestamp: NtpTimestamp::from_bits(raw.receive_timestamp.get()),
            transmit_timestamp: NtpTimestamp::from_bits(raw.transmit_timestamp.get()),
        })
    }

    /// The number of bytes [`NtpHeader::emit`] writes: always [`HEADER_LEN`].
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header into the first 48 bytes of `buffer` and returns 48.
    ///
    /// Fails with [`WireError::BufferTooSmall`] if `buffer` is shorter, and with
    /// [`WireError::VersionNotEmittable`] unless the version is 3 or 4.
    pub fn emit(&self, buffer: &mut [u8]) -> Result<usize, WireError> {
        if !matches!(self.version, Version::V3 | Version::V4) {
            return Err(WireError::VersionNotEmittable(self.version.to_bits()));
        }
        let available = buffer.len();
        let (raw, _) =
            RawHeader::mut_from_prefix(buffer).map_err(|_| WireError::BufferTooSmall {
                needed: HEADER_LEN,
                available,
            })?;
        *raw = self.to_raw();
        Ok(HEADER_LEN)
    }

    pub(crate) fn to_raw(self) -> RawHeader {
        RawHeader {
            li_vn_mode: (self.leap.to_bits() << 6)
                | (self.version.to_bits() << 3)
                | self.mode.to_bits(),
            stratum: self.stratum.0,
            poll: self.poll.0,
            precision: self.precision.0,
            root_delay: self.root_delay.to_bits().into(),
            root_dispersion: self.root_dispersion.to_bits().into(),
            reference_id: self.reference_id.0,
            reference_timestamp: self.reference_timestamp.to_bits().into(),
            origin_timestamp: self.origin_timestamp.to_bits().into(),
            receive_timestamp: self.receive_timestamp.to_bits().into(),
            transmit_timestamp: self.transmit_timestamp.to_bits().into(),
        }
    }

    /// Whether this is a Kiss-o'-Death packet (stratum 0; RFC 5905 section 7.4).
    pub const fn is_kiss(&self) -> bool {
        self.stratum.is_kiss()
    }

    /// The kiss code if this is a Kiss-o'-Death packet.
    pub const fn kiss_code(&self) -> Option<KissCode> {
        if self.is_kiss() {
            Some(KissCode::from_bytes(self.reference_id.0))
        } else {
            None
        }
    }

    /// A client request (mode 3, NTPv4, leap "unsynchronised" as RFC 5905 clients send)
    /// carrying `transmit` (which should have random low bits; CVE-2020-13817).
    pub fn client_request(transmit: NtpTimestamp) -> Self {
        Self {
            leap: LeapIndicator::Unsynchronized,
            version: Version::V4,
            mode: Mode::Client,
            transmit_timestamp: transmit,
            ..Self::default()
        }
    }
}
