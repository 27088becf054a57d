//! [`NtpPacket`]: a checked zero-copy view over the bytes of a time packet (modes 1 to 5),
//! in the style of smoltcp's `wire` module.

use zerocopy::FromBytes;

use crate::header::layout::RawHeader;
use crate::{
    HEADER_LEN, LeapIndicator, Mode, NtpHeader, NtpShort, NtpTimestamp, PollInterval, Precision,
    ReferenceId, Stratum, Trailer, Version, WireError,
};

/// A read (and, for `T: AsMut<[u8]>`, write) view of an NTP time packet in a buffer.
///
/// After [`NtpPacket::new_checked`] every header accessor is a plain load that cannot fail or
/// panic; the trailer is classified on demand by [`NtpPacket::trailer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NtpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> NtpPacket<T> {
    /// Wraps `buffer` without checking it. Accessors on a buffer shorter than 48 bytes read
    /// zeros rather than panic; prefer [`NtpPacket::new_checked`].
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps `buffer` after checking that it holds a whole header with a version of 1..=4.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let packet = Self { buffer };
        packet.check()?;
        Ok(packet)
    }

    /// Checks what [`NtpPacket::new_checked`] checks.
    pub fn check(&self) -> Result<(), WireError> {
        let bytes = self.buffer.as_ref();
        if bytes.len() < HEADER_LEN {
            return Err(WireError::Truncated {
                needed: HEADER_LEN,
                available: bytes.len(),
            });
        }
        self.version().map(|_| ())
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole packet.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn raw(&self) -> &RawHeader {
        match RawHeader::ref_from_prefix(self.buffer.as_ref()) {
            Ok((raw, _)) => raw,
            Err(_) => &RawHeader::ZEROED,
        }
    }

    /// The leap indicator.
    pub fn leap(&self) -> LeapIndicator {
        LeapIndicator::from_bits(self.raw().li_vn_mode >> 6)
    }

    /// The version (always `Ok` after `new_checked`).
    pub fn version(&self) -> Result<Version, WireError> {
        Version::from_bits((self.raw().li_vn_mode >> 3) & 0b111)
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        Mode::from_bits(self.raw().li_vn_mode)
    }

    /// The stratum.
    pub fn stratum(&self) -> Stratum {
        Stratum(self.raw().stratum)
    }

    /// The poll exponent.
    pub fn poll(&self) -> PollInterval {
        PollInterval(self.raw().poll)
    }

    /// The precision exponent.
    pub fn precision(&self) -> Precision {
        Precision(self.raw().precision)
    }

    /// The root delay.
    pub fn root_delay(&self) -> NtpShort {
        NtpShort::from_bits(self.raw().root_delay.get())
    }

    /// The root dispersion.
    pub fn root_dispersion(&self) -> NtpShort {
        NtpShort::from_bits(self.raw().root_dispersion.get())
    }

    /// The reference id.
    pub fn reference_id(&self) -> ReferenceId {
        ReferenceId(self.raw().reference_id)
    }

    /// The reference timestamp.
    pub fn reference_timestamp(&self) -> NtpTimestamp {
        NtpTimestamp::from_bits(self.raw().reference_timestamp.get())
    }

    /// The origin timestamp (T1 echoed back).
    pub fn origin_timestamp(&self) -> NtpTimestamp {
        NtpTimestamp::from_bits(self.raw().origin_timestamp.get())
    }

    /// The receive timestamp (T2).
    pub fn receive_timestamp(&self) -> NtpTimestamp {
        NtpTimestamp::from_bits(self.raw().receive_timestamp.get())
    }

    /// The transmit timestamp (T3).
    pub fn transmit_timestamp(&self) -> NtpTimestamp {
        NtpTimestamp::from_bits(self.raw().transmit_timestamp.get())
    }

    /// The whole header as a plain value.
    pub fn header(&self) -> Result<NtpHeader, WireError> {
        NtpHeader::from_raw(self.raw())
    }

    /// The bytes after the header (empty if there are none).
    pub fn trailer_bytes(&self) -> &[u8] {
        self.buffer.as_ref().get(HEADER_LEN..).unwrap_or(&[])
    }

    /// The classified trailer (see [`Trailer::parse`]).
    pub fn trailer(&self) -> Result<Trailer<'_>, WireError> {
        Trailer::parse(self.version()?, self.trailer_bytes())
    }

    /// The number of leading bytes a MAC in this packet covers: the header plus any
    /// extension fields. Equals the packet length when there is no MAC or authenticator.
    pub fn authenticated_len(&self) -> Result<usize, WireError> {
        let trailer_len = self.trailer_bytes().len();
        let unauthenticated = match self.trailer()? {
            Trailer::None => 0,
            Trailer::Extensions { mac: None, .. } => 0,
            Trailer::Extensions { mac: Some(mac), .. } => 4 + mac.digest.len(),
            // Everything else sits directly after the header.
            _ => trailer_len,
        };
        Ok(HEADER_LEN + trailer_len - unauthenticated)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> NtpPacket<T> {
    fn raw_mut(&mut self) -> Option<&mut RawHeader> {
        RawHeader::mut_from_prefix(self.buffer.as_mut())
            .ok()
            .map(|(raw, _)| raw)
    }

    /// Overwrites the whole header (a no-op on an unchecked buffer shorter than 48 bytes).
    pub fn set_header(&mut self, header: &NtpHeader) {
        if let Some(raw) = self.raw_mut() {
            *raw = header.to_raw();
        }
    }

    /// Sets the origin timestamp (a no-op on an unchecked short buffer).
    pub fn set_origin_timestamp(&mut self, value: NtpTimestamp) {
        if let Some(raw) = self.raw_mut() {
            raw.origin_timestamp = value.to_bits().into();
        }
    }

    /// Sets the receive timestamp (a no-op on an unchecked short buffer).
    pub fn set_receive_timestamp(&mut self, value: NtpTimestamp) {
        if let Some(raw) = self.raw_mut() {
            raw.receive_timestamp = value.to_bits().into();
        }
    }

    /// Sets the transmit timestamp (a no-op on an unchecked short buffer).
    pub fn set_transmit_timestamp(&mut self, value: NtpTimestamp) {
        if let Some(raw) = self.raw_mut() {
            raw.transmit_timestamp = value.to_bits().into();
        }
    }

    /// The bytes after the header, writable (for filling in a MAC).
    pub fn trailer_bytes_mut(&mut self) -> &mut [u8] {
        self.buffer
            .as_mut()
            .get_mut(HEADER_LEN..)
            .unwrap_or(&mut [])
    }
}
