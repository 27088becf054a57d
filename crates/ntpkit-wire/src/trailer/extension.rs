//! RFC 7822 extension fields: a 16-bit type, a 16-bit length (header, value and padding
//! together, at least 16 and a multiple of 4), the value, and zero padding.

use crate::WireError;

/// Minimum length of any extension field (RFC 7822 section 3).
pub const MIN_EXTENSION_LEN: usize = 16;
/// Minimum length of the last extension field when no MAC follows (RFC 7822 section 7.5).
pub const MIN_LAST_EXTENSION_LEN: usize = 28;
/// Largest length the 16-bit length field can state while staying a multiple of 4.
const MAX_EXTENSION_LEN: usize = 0xfffc;

/// One extension field: its type and its value bytes.
///
/// A parsed field's `value` includes the sender's padding (the wire does not say where the
/// value ends and padding begins). When emitting, the value is zero-padded to a multiple of 4
/// and to the minimum lengths above.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExtensionField<'a> {
    /// The field type (IANA "NTP Extension Field Types"; e.g. 0x0104 NTS Unique Identifier).
    pub field_type: u16,
    /// The value (for parsed fields, including padding).
    pub value: &'a [u8],
}

impl ExtensionField<'_> {
    /// NTS Unique Identifier (RFC 8915 section 5.3).
    pub const NTS_UNIQUE_IDENTIFIER: u16 = 0x0104;
    /// NTS Cookie (RFC 8915 section 5.4).
    pub const NTS_COOKIE: u16 = 0x0204;
    /// NTS Cookie Placeholder (RFC 8915 section 5.5).
    pub const NTS_COOKIE_PLACEHOLDER: u16 = 0x0304;
    /// NTS Authenticator and Encrypted Extension Fields (RFC 8915 section 5.6).
    pub const NTS_AUTHENTICATOR: u16 = 0x0404;

    /// The length this field takes on the wire when emitted, given its minimum length.
    fn padded_len(&self, minimum: usize) -> Result<usize, WireError> {
        let natural = (4 + self.value.len()).div_ceil(4) * 4;
        let len = natural.max(minimum);
        if len > MAX_EXTENSION_LEN {
            return Err(WireError::ExtensionValueTooLong {
                length: self.value.len(),
            });
        }
        Ok(len)
    }
}

/// The extension fields of a packet: either validated bytes from the wire or a caller's list
/// of fields to emit. Iterate with [`ExtensionFields::iter`]; no allocation either way.
#[derive(Clone, Copy)]
pub struct ExtensionFields<'a> {
    inner: Inner<'a>,
}

#[derive(Clone, Copy)]
enum Inner<'a> {
    /// Bytes already checked by the trailer classifier (every field well formed), with the
    /// length of the last field (which decides whether it may end a packet without a MAC).
    Wire { bytes: &'a [u8], last_len: usize },
    /// Fields supplied by the caller.
    List(&'a [ExtensionField<'a>]),
}

impl<'a> ExtensionFields<'a> {
    /// Fields to emit, in order.
    pub const fn from_fields(fields: &'a [ExtensionField<'a>]) -> Self {
        Self {
            inner: Inner::List(fields),
        }
    }

    /// Wraps bytes the classifier has checked; `last_len` is the last field's length.
    pub(crate) const fn from_checked_wire(bytes: &'a [u8], last_len: usize) -> Self {
        Self {
            inner: Inner::Wire { bytes, last_len },
        }
    }

    /// The wire bytes, if they can be copied as they are (no field needs padding added).
    fn verbatim(&self, mac_follows: bool) -> Option<&'a [u8]> {
        match self.inner {
            Inner::Wire { bytes, last_len }
                if mac_follows || last_len >= MIN_LAST_EXTENSION_LEN =>
            {
                Some(bytes)
            }
            _ => None,
        }
    }

    /// The fields in order.
    pub fn iter(&self) -> ExtensionFieldIter<'a> {
        match self.inner {
            Inner::Wire { bytes, .. } => ExtensionFieldIter {
                inner: IterInner::Wire(bytes),
            },
            Inner::List(list) => ExtensionFieldIter {
                inner: IterInner::List(list.iter()),
            },
        }
    }

    /// The number of fields.
    pub fn count(&self) -> usize {
        match self.inner {
            Inner::Wire { .. } => self.iter().count(),
            Inner::List(list) => list.len(),
        }
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The bytes [`ExtensionFields::emit`] writes; `mac_follows` decides whether the last
    /// field must be padded to 28 bytes (RFC 7822 section 7.5).
    pub fn buffer_len(&self, mac_follows: bool) -> Result<usize, WireError> {
        if let Some(bytes) = self.verbatim(mac_follows) {
            return Ok(bytes.len());
        }
        let mut total = 0usize;
        let mut fields = self.iter().peekable();
        while let Some(field) = fields.next() {
            total += field.padded_len(minimum_len(fields.peek().is_none(), mac_follows))?;
        }
        Ok(total)
    }

    /// Writes the fields (zero-padded) into `buffer`, returning the bytes written.
    pub fn emit(&self, buffer: &mut [u8], mac_follows: bool) -> Result<usize, WireError> {
        let needed = self.buffer_len(mac_follows)?;
        let available = buffer.len();
        let out = buffer
            .get_mut(..needed)
            .ok_or(WireError::BufferTooSmall { needed, available })?;
        if let Some(bytes) = self.verbatim(mac_follows) {
            out.copy_from_slice(bytes);
            return Ok(needed);
        }
        let mut pos = 0usize;
        let mut fields = self.iter().peekable();
        while let Some(field) = fields.next() {
            let len = field.padded_len(minimum_len(fields.peek().is_none(), mac_follows))?;
            // `needed` covers every field, so these ranges are within `out`; `get_mut`
            // keeps that a checked fact rather than an indexing panic.
            let Some(slot) = out.get_mut(pos..pos + len) else {
                return Err(WireError::BufferTooSmall { needed, available });
            };
            let (head, rest) = slot.split_at_mut(4);
            head[..2].copy_from_slice(&field.field_type.to_be_bytes());
            head[2..].copy_from_slice(&(len as u16).to_be_bytes());
            let (value, padding) = rest.split_at_mut(field.value.len());
            value.copy_from_slice(field.value);
            padding.fill(0);
            pos += len;
        }
        Ok(pos)
    }
}

fn minimum_len(is_last: bool, mac_follows: bool) -> usize {
    if is_last && !mac_follows {
        MIN_LAST_EXTENSION_LEN
    } else {
        MIN_EXTENSION_LEN
    }
}

impl PartialEq for ExtensionFields<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for ExtensionFields<'_> {}

impl core::fmt::Debug for ExtensionFields<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &ExtensionFields<'a> {
    type Item = ExtensionField<'a>;
    type IntoIter = ExtensionFieldIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over [`ExtensionFields`].
#[derive(Clone, Debug)]
pub struct ExtensionFieldIter<'a> {
    inner: IterInner<'a>,
}

#[derive(Clone, Debug)]
enum IterInner<'a> {
    /// Walking checked wire bytes.
    Wire(&'a [u8]),
    /// Walking a caller's list.
    List(core::slice::Iter<'a, ExtensionField<'a>>),
}

impl<'a> Iterator for ExtensionFieldIter<'a> {
    type Item = ExtensionField<'a>;

    fn next(&mut self) -> Option<ExtensionField<'a>> {
        match &mut self.inner {
            IterInner::List(iter) => iter.next().copied(),
            IterInner::Wire(bytes) => {
                // The classifier validated these bytes; stopping on anything malformed keeps
                // the iterator panic-free even so.
                let (field_type, len) = read_field_header(bytes).ok()?;
                let (this, rest) = bytes.split_at_checked(len)?;
                *bytes = rest;
                Some(ExtensionField {
                    field_type,
                    value: this.get(4..)?,
                })
            }
        }
    }
}

/// Reads an extension field header at the start of `bytes`, returning (type, length) after
/// checking the RFC 7822 length rules against the bytes available. `offset` in errors is
/// relative to `bytes`; the caller adds its base.
pub(crate) fn read_field_header(bytes: &[u8]) -> Result<(u16, usize), WireError> {
    let Some(&[t0, t1, l0, l1]) = bytes.first_chunk::<4>() else {
        return Err(WireError::ExtensionHeaderTruncated {
            offset: 0,
            available: bytes.len(),
        });
    };
    let length = usize::from(u16::from_be_bytes([l0, l1]));
    if length < MIN_EXTENSION_LEN {
        return Err(WireError::ExtensionTooShort { offset: 0, length });
    }
    if !length.is_multiple_of(4) {
        return Err(WireError::ExtensionMisaligned { offset: 0, length });
    }
    if length > bytes.len() {
        return Err(WireError::ExtensionOverrun {
            offset: 0,
            length,
            available: bytes.len(),
        });
    }
    Ok((u16::from_be_bytes([t0, t1]), length))
}
