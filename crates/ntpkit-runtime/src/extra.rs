//! Further datagrams for one request: room for a fragmented answer (an ntpq `mrulist`).

/// Most further datagrams one request may produce: a mode 6 answer has at most 16
/// fragments (RFC 1305 appendix B; NTPsec's ntpq accepts no more), the first of which is the
/// ordinary reply.
pub const MAX_EXTRA_REPLIES: usize = 16;

/// Longest further datagram: a mode 6 fragment (12-byte header, 468 bytes of data) fits.
pub const EXTRA_REPLY_LEN: usize = 480;

/// Datagrams a [`crate::Service`] queues after its reply, sent to the same source right
/// after it. The buffers are allocated once per worker and never grow, so an answer of
/// several datagrams costs no allocation, and an ordinary request pays one length check.
pub struct ExtraReplies {
    bufs: Box<[[u8; EXTRA_REPLY_LEN]]>,
    lens: [usize; MAX_EXTRA_REPLIES],
    count: usize,
}

impl ExtraReplies {
    /// Empty room for [`MAX_EXTRA_REPLIES`] datagrams (allocates once, about 8 KiB).
    pub fn new() -> Self {
        Self {
            bufs: vec![[0; EXTRA_REPLY_LEN]; MAX_EXTRA_REPLIES].into_boxed_slice(),
            lens: [0; MAX_EXTRA_REPLIES],
            count: 0,
        }
    }

    /// Queues one datagram. Returns `false`, queueing nothing, when it is longer than
    /// [`EXTRA_REPLY_LEN`] or [`MAX_EXTRA_REPLIES`] are already queued.
    pub fn push(&mut self, datagram: &[u8]) -> bool {
        let Some(buf) = self.bufs.get_mut(self.count) else {
            return false;
        };
        let Some(slot) = buf.get_mut(..datagram.len()) else {
            return false;
        };
        slot.copy_from_slice(datagram);
        self.lens[self.count] = datagram.len();
        self.count += 1;
        true
    }

    /// Number of datagrams queued.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether nothing is queued (the case of every ordinary request).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The queued datagrams, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.bufs
            .iter()
            .zip(self.lens.iter())
            .take(self.count)
            .map(|(buf, &len)| buf.get(..len).unwrap_or_default())
    }

    /// Forgets every queued datagram.
    pub fn clear(&mut self) {
        self.count = 0;
    }

    /// The buffers and lengths of the queued datagrams, for the send call.
    pub(crate) fn queued_mut(
        &mut self,
    ) -> impl Iterator<Item = (&mut [u8; EXTRA_REPLY_LEN], usize)> {
        self.bufs
            .iter_mut()
            .zip(self.lens.iter().copied())
            .take(self.count)
    }
}

impl Default for ExtraReplies {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for ExtraReplies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtraReplies")
            .field("lens", &self.lens.get(..self.count))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_sixteen_datagrams_of_480_bytes_and_refuses_more() {
        let mut extra = ExtraReplies::new();
        assert!(!extra.push(&[1; EXTRA_REPLY_LEN + 1]));
        for k in 0..MAX_EXTRA_REPLIES {
            assert!(extra.push(&vec![k as u8; EXTRA_REPLY_LEN - k]));
        }
        assert!(!extra.push(&[9]));
        assert_eq!(extra.len(), MAX_EXTRA_REPLIES);
        for (k, d) in extra.iter().enumerate() {
            assert_eq!(d.len(), EXTRA_REPLY_LEN - k);
            assert!(d.iter().all(|&b| b == k as u8));
        }
        extra.clear();
        assert!(extra.is_empty());
        assert_eq!(extra.iter().count(), 0);
    }
}
