//! [`ControlMessage`]: a mode 6 control message as a plain value.

use zerocopy::FromBytes;

use super::framing::{CONTROL_MAX_DATA_LEN, frame, mac_offset};
use super::layout::RawControlHeader;
use super::{CONTROL_HEADER_LEN, ControlOpcode};
use crate::{LeapIndicator, Mac, Mode, Version, WireError};

const RESPONSE_BIT: u8 = 0x80;
const ERROR_BIT: u8 = 0x40;
const MORE_BIT: u8 = 0x20;

/// A mode 6 control message (RFC 9327): header fields, data and optional MAC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ControlMessage<'a> {
    /// Leap indicator (the server's, in responses).
    pub leap: LeapIndicator,
    /// Protocol version (ntpq sends 2; any of 1..=4 is accepted and emitted).
    pub version: Version,
    /// R bit: this is a response.
    pub response: bool,
    /// E bit: the response reports an error (the status field holds the code).
    pub error: bool,
    /// M bit: more fragments follow.
    pub more: bool,
    /// The operation.
    pub opcode: ControlOpcode,
    /// Sequence number, echoed in responses.
    pub sequence: u16,
    /// System or peer status word (or error code).
    pub status: u16,
    /// Association id (0 = the system).
    pub association_id: u16,
    /// Byte offset of this fragment's data within the whole response.
    pub offset: u16,
    /// The data (at most 468 bytes); its length is the count field.
    pub data: &'a [u8],
    /// The MAC, if the message is authenticated.
    pub mac: Option<Mac<'a>>,
}

impl<'a> ControlMessage<'a> {
    /// Parses a whole control message, checking every length and offset.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, WireError> {
        let (raw, _) =
            RawControlHeader::ref_from_prefix(bytes).map_err(|_| WireError::Truncated {
                needed: CONTROL_HEADER_LEN,
                available: bytes.len(),
            })?;
        let mode = Mode::from_bits(raw.li_vn_mode);
        if mode != Mode::Control {
            return Err(WireError::WrongMode {
                found: mode.to_bits(),
                expected: Mode::Control.to_bits(),
            });
        }
        let framing = frame(bytes, usize::from(raw.count.get()))?;
        Ok(Self {
            leap: LeapIndicator::from_bits(raw.li_vn_mode >> 6),
            version: Version::from_bits((raw.li_vn_mode >> 3) & 0b111)?,
            response: raw.rem_opcode & RESPONSE_BIT != 0,
            error: raw.rem_opcode & ERROR_BIT != 0,
            more: raw.rem_opcode & MORE_BIT != 0,
            opcode: ControlOpcode::from_bits(raw.rem_opcode),
            sequence: raw.sequence.get(),
            status: raw.status.get(),
            association_id: raw.association_id.get(),
            offset: raw.offset.get(),
            data: framing.data,
            mac: framing.mac,
        })
    }

    /// The number of bytes [`ControlMessage::emit`] writes: header, data, zero padding to a
    /// 32-bit boundary (64-bit when a MAC follows), and the MAC.
    pub fn buffer_len(&self) -> Result<usize, WireError> {
        if self.data.len() > CONTROL_MAX_DATA_LEN {
            return Err(WireError::ControlDataTooLong {
                count: self.data.len(),
            });
        }
        Ok(match self.mac {
            Some(mac) => {
                if mac.digest.len() != 16 && mac.digest.len() != 20 {
                    return Err(WireError::DigestLength {
                        length: mac.digest.len(),
                    });
                }
                mac_offset(self.data.len()) + 4 + mac.digest.len()
            }
            None => (CONTROL_HEADER_LEN + self.data.len()).div_ceil(4) * 4,
        })
    }

    /// Writes the message into `buffer`, returning the bytes written.
    pub fn emit(&self, buffer: &mut [u8]) -> Result<usize, WireError> {
        let needed = self.buffer_len()?;
        let available = buffer.len();
        let out = buffer
            .get_mut(..needed)
            .ok_or(WireError::BufferTooSmall { needed, available })?;
        out.fill(0);
        let (head, body) = out.split_at_mut(CONTROL_HEADER_LEN);
        let raw = RawControlHeader {
            li_vn_mode: (self.leap.to_bits() << 6)
                | (self.version.to_bits() << 3)
                | Mode::Control.to_bits(),
            rem_opcode: (if self.response { RESPONSE_BIT } else { 0 })
                | (if self.error { ERROR_BIT } else { 0 })
                | (if self.more { MORE_BIT } else { 0 })
                | self.opcode.value(),
            sequence: self.sequence.into(),
            status: self.status.into(),
            association_id: self.association_id.into(),
            offset: self.offset.into(),
            count: (self.data.len() as u16).into(),
        };
        head.copy_from_slice(zerocopy::IntoBytes::as_bytes(&raw));
        if let Some(slot) = body.get_mut(..self.data.len()) {
            slot.copy_from_slice(self.data);
        }
        if let Some(mac) = self.mac {
            let start = mac_offset(self.data.len()) - CONTROL_HEADER_LEN;
            if let Some(slot) = body.get_mut(start..start + 4) {
                slot.copy_from_slice(&mac.key_id.to_be_bytes());
            }
            if let Some(slot) = body.get_mut(start + 4..) {
                slot.copy_from_slice(mac.digest);
            }
        }
        Ok(needed)
    }

    /// The number of leading bytes the MAC covers (everything before it), if there is one.
    pub fn authenticated_len(&self) -> Option<usize> {
        self.mac.map(|_| mac_offset(self.data.len()))
    }
}
