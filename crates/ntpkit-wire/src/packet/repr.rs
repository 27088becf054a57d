//! [`NtpPacketRepr`]: a whole time packet (header and classified trailer) as a plain value.

use crate::{HEADER_LEN, NtpHeader, Trailer, WireError};

/// A time packet (modes 1 to 5) as a plain value: header plus trailer, borrowing the
/// trailer's bytes from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NtpPacketRepr<'a> {
    /// The 48-byte header.
    pub header: NtpHeader,
    /// What follows it.
    pub trailer: Trailer<'a>,
}

impl<'a> NtpPacketRepr<'a> {
    /// Parses a whole packet: header, then the trailer classified per RFC 7822.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, WireError> {
        let header = NtpHeader::parse(bytes)?;
        let trailer = Trailer::parse(header.version, bytes.get(HEADER_LEN..).unwrap_or(&[]))?;
        Ok(Self { header, trailer })
    }

    /// The number of bytes [`NtpPacketRepr::emit`] writes.
    pub fn buffer_len(&self) -> Result<usize, WireError> {
        Ok(HEADER_LEN + self.trailer.buffer_len()?)
    }

    /// Writes the packet into `buffer`, returning the bytes written.
    ///
    /// Fails if the buffer is too small, the header version is not 3 or 4, or the trailer
    /// kind does not exist in that version ([`WireError::TrailerVersionMismatch`]).
    pub fn emit(&self, buffer: &mut [u8]) -> Result<usize, WireError> {
        if !self.trailer.fits_version(self.header.version) {
            return Err(WireError::TrailerVersionMismatch {
                version: self.header.version.to_bits(),
            });
        }
        let needed = HEADER_LEN + self.trailer.buffer_len()?;
        let available = buffer.len();
        let out = buffer
            .get_mut(..needed)
            .ok_or(WireError::BufferTooSmall { needed, available })?;
        let (head, tail) = out.split_at_mut(HEADER_LEN);
        self.header.emit(head)?;
        self.trailer.emit_sized(tail)?;
        Ok(needed)
    }
}
