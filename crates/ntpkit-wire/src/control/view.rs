//! [`ControlPacket`]: a checked zero-copy view of a mode 6 control message.

use zerocopy::FromBytes;

use super::ControlOpcode;
use super::framing::{Framing, frame};
use super::layout::RawControlHeader;
use crate::{ControlMessage, Mac, Mode, WireError};

/// A view of a mode 6 control message in a buffer. After [`ControlPacket::new_checked`] the
/// header, data and MAC accessors cannot fail or panic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ControlPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ControlPacket<T> {
    /// Wraps `buffer` unchecked; accessors on malformed buffers return zeros and empty data.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps `buffer` after checking the header, mode, version and data/padding/MAC framing.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        ControlMessage::parse(buffer.as_ref())?;
        Ok(Self { buffer })
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn raw(&self) -> &RawControlHeader {
        match RawControlHeader::ref_from_prefix(self.buffer.as_ref()) {
            Ok((raw, _)) => raw,
            Err(_) => &RawControlHeader::ZEROED,
        }
    }

    fn framing(&self) -> Option<Framing<'_>> {
        frame(self.buffer.as_ref(), self.count()).ok()
    }

    /// The mode (6 after `new_checked`).
    pub fn mode(&self) -> Mode {
        Mode::from_bits(self.raw().li_vn_mode)
    }

    /// R bit: a response.
    pub fn is_response(&self) -> bool {
        self.raw().rem_opcode & 0x80 != 0
    }

    /// E bit: an error response.
    pub fn is_error(&self) -> bool {
        self.raw().rem_opcode & 0x40 != 0
    }

    /// M bit: more fragments follow.
    pub fn has_more(&self) -> bool {
        self.raw().rem_opcode & 0x20 != 0
    }

    /// The opcode.
    pub fn opcode(&self) -> ControlOpcode {
        ControlOpcode::from_bits(self.raw().rem_opcode)
    }

    /// The sequence number.
    pub fn sequence(&self) -> u16 {
        self.raw().sequence.get()
    }

    /// The status word.
    pub fn status(&self) -> u16 {
        self.raw().status.get()
    }

    /// The association id.
    pub fn association_id(&self) -> u16 {
        self.raw().association_id.get()
    }

    /// The fragment offset.
    pub fn offset(&self) -> u16 {
        self.raw().offset.get()
    }

    /// The count field (data length).
    pub fn count(&self) -> usize {
        usize::from(self.raw().count.get())
    }

    /// The data (empty if the buffer was not checked and is malformed).
    pub fn data(&self) -> &[u8] {
        self.framing().map(|f| f.data).unwrap_or(&[])
    }

    /// The MAC, if any.
    pub fn mac(&self) -> Option<Mac<'_>> {
        self.framing().and_then(|f| f.mac)
    }

    /// The message as a plain value.
    pub fn to_repr(&self) -> Result<ControlMessage<'_>, WireError> {
        ControlMessage::parse(self.buffer.as_ref())
    }
}
