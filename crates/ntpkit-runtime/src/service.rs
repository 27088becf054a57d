//! What a server does with each datagram: the seam between the runtime and protocol code.

use crate::batch::Received;
use crate::extra::ExtraReplies;

/// A datagram service run by every worker thread (each worker owns one instance).
///
/// The runtime receives a batch, calls [`Self::begin_batch`], then [`Self::handle`] once per
/// datagram, then sends the replies in one system call. Handlers must not block.
pub trait Service: Send + 'static {
    /// Called before each batch; a good place to pick up a reloaded configuration.
    fn begin_batch(&mut self) {}

    /// Handles one datagram. Writes a reply into `reply` and returns its length, or returns
    /// `None` to send nothing. `reply` is as long as the largest accepted datagram.
    fn handle(&mut self, request: &Received<'_>, reply: &mut [u8]) -> Option<usize>;

    /// Like [`Self::handle`], and may also queue further datagrams for the same source in
    /// `extra` (a fragmented answer). The runtime calls this one; by default it calls
    /// [`Self::handle`] and queues nothing. When `extra` is not empty afterwards, the reply
    /// and the queued datagrams leave at once, in that order, in one `sendmmsg` call; a
    /// datagram queued without a reply (`None`) goes out alone. `extra` starts empty.
    fn handle_with_extra(
        &mut self,
        request: &Received<'_>,
        reply: &mut [u8],
        extra: &mut ExtraReplies,
    ) -> Option<usize> {
        let _ = extra;
        self.handle(request, reply)
    }
}
