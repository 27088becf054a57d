//! What a server does with each datagram: the seam between the runtime and protocol code.

use crate::batch::Received;

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
}
