//! Process signals, turned into plain events a daemon's main thread waits for.
//!
//! `signal-hook` does the async-signal-safe part (its handler only writes to a pipe); the
//! daemon reads [`SignalEvent`]s on an ordinary thread and may do anything there, such as
//! re-reading its configuration.

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::error::RuntimeError;

/// What a signal asks the daemon to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignalEvent {
    /// SIGTERM or SIGINT: stop cleanly.
    Stop,
    /// SIGHUP: re-read configuration and keys, keep serving.
    Reload,
}

/// The daemon's signal handlers, installed for SIGTERM, SIGINT and SIGHUP.
pub struct SignalListener {
    signals: Signals,
}

impl std::fmt::Debug for SignalListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalListener").finish_non_exhaustive()
    }
}

impl SignalListener {
    /// Installs the handlers. From now on these signals no longer kill the process.
    pub fn install() -> Result<Self, RuntimeError> {
        let signals = Signals::new([SIGTERM, SIGINT, SIGHUP]).map_err(RuntimeError::Signals)?;
        Ok(Self { signals })
    }

    /// Blocks until the next signal arrives and says what it asks for.
    pub fn wait(&mut self) -> SignalEvent {
        loop {
            for signal in self.signals.wait() {
                match signal {
                    SIGHUP => return SignalEvent::Reload,
                    SIGTERM | SIGINT => return SignalEvent::Stop,
                    _ => {}
                }
            }
        }
    }
}
