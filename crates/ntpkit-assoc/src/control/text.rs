//! A bounded text buffer for control response data: `name=value` pairs joined by ", " as
//! ntpd writes them. Appending past the bound fails instead of allocating (a response never
//! grows without limit, whatever a request asks for).

use core::fmt::{self, Write};

/// Response text with a hard capacity.
pub(crate) struct Text {
    buf: String,
    cap: usize,
}

impl Text {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            buf: String::new(),
            cap,
        }
    }

    /// Appends one `name=value` pair, separated from the previous one. On overflow nothing
    /// of the pair stays and `false` is returned.
    pub(crate) fn pair(&mut self, name: &str, value: fmt::Arguments<'_>) -> bool {
        let mark = self.buf.len();
        if mark > 0 {
            self.buf.push_str(", ");
        }
        self.buf.push_str(name);
        self.buf.push('=');
        let ok = self.buf.write_fmt(value).is_ok() && self.buf.len() <= self.cap;
        if !ok {
            self.buf.truncate(mark);
        }
        ok
    }

    /// Drops everything after byte `len` (undoing a partly written group of pairs).
    pub(crate) fn truncate(&mut self, len: usize) {
        if self.buf.is_char_boundary(len) {
            self.buf.truncate(len);
        }
    }

    /// Bytes that can still be appended.
    pub(crate) fn remaining(&self) -> usize {
        self.cap.saturating_sub(self.buf.len())
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.buf.as_bytes()
    }
}

/// Splits a request's data into `name[=value]` items: comma separated, whitespace around
/// them ignored, empty items skipped (ntpq sends "stratum,offset" or "nonce=.., frags=32").
pub(crate) fn items(data: &[u8]) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
    data.split(|&b| b == b',').filter_map(|item| {
        let item = item.trim_ascii();
        if item.is_empty() {
            return None;
        }
        Some(match item.iter().position(|&b| b == b'=') {
            Some(eq) => (
                item.get(..eq).unwrap_or_default().trim_ascii(),
                item.get(eq + 1..).map(<[u8]>::trim_ascii),
            ),
            None => (item, None),
        })
    })
}
