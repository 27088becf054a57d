//! Logging through `tracing`: one line per notable event, never per packet, never a key.

use std::fs::OpenOptions;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Sends logs to `file` (appending) or to standard error. The level comes from
/// `NTPKITD_LOG` (for example `debug`), default `info`.
pub(crate) fn init(file: Option<&Path>) -> std::io::Result<()> {
    let filter = EnvFilter::try_from_env("NTPKITD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match file {
        Some(path) => {
            let f = OpenOptions::new().create(true).append(true).open(path)?;
            builder.with_ansi(false).with_writer(Mutex::new(f)).init();
        }
        None => builder
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .init(),
    }
    Ok(())
}
