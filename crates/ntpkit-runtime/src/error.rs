//! The one error type of the runtime.

use std::io;
use std::net::SocketAddr;

/// Something the runtime could not do, with what it was doing at the time.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// A UDP socket could not be created, configured or bound to `addr`.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// What the operating system said.
        source: io::Error,
    },
    /// The event loop (mio) or a worker thread could not be set up.
    #[error("cannot start the event loop: {0}")]
    EventLoop(io::Error),
    /// Signal handlers could not be installed.
    #[error("cannot install signal handlers: {0}")]
    Signals(io::Error),
    /// The user or group named for the privilege drop does not exist.
    #[error("no such user: {0}")]
    UnknownUser(String),
    /// Changing user or group failed (for example: not running as root).
    #[error("cannot drop privileges to {user}: {source}")]
    PrivilegeDrop {
        /// The user asked for.
        user: String,
        /// What the operating system said.
        source: io::Error,
    },
    /// The pid file could not be written.
    #[error("cannot write pid file {path}: {source}")]
    PidFile {
        /// The path asked for.
        path: std::path::PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// A configuration the runtime was given makes no sense (for example zero workers).
    #[error("invalid runtime setting: {0}")]
    Invalid(&'static str),
}
