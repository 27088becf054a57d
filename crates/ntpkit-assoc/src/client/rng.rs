//! The association's source of randomness, injected so tests are deterministic and embedders
//! choose their own generator (RFC 9109, CVE-2020-13817).

/// Random numbers for the client association: the unpredictable part of the transmit
/// timestamp (our only defence against off-path spoofed replies) and the poll jitter.
///
/// Production callers must back this with a cryptographically secure generator (for
/// example the OS's `getrandom`); tests use a fixed sequence.
pub trait ClientRng {
    /// A uniformly random 32-bit value.
    fn next_u32(&mut self) -> u32;
}

impl<F: FnMut() -> u32> ClientRng for F {
    fn next_u32(&mut self) -> u32 {
        self()
    }
}
