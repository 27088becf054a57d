//! A service that answers every datagram with itself, for the tests of the runtime alone.

use ntpkit_runtime::{Received, Service};

/// Echoes each request as its reply.
pub(crate) struct Echo;

impl Service for Echo {
    fn handle(&mut self, request: &Received<'_>, reply: &mut [u8]) -> Option<usize> {
        reply
            .get_mut(..request.data.len())?
            .copy_from_slice(request.data);
        Some(request.data.len())
    }
}
