//! The command line, in the ntpd tradition (`-c -n -u -p -l -q -g -x`) plus what tests and
//! operators need (`--listen`, `--no-clock-adjust`, `--check`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// ntpkitd: an NTP server (RFC 5905) with ntpd-compatible configuration.
#[derive(Debug, Parser)]
#[command(name = "ntpkitd", version, about)]
pub(crate) struct Cli {
    /// Configuration file (ntp.conf syntax).
    #[arg(
        short = 'c',
        long = "config",
        value_name = "FILE",
        default_value = "/etc/ntpkit/ntp.conf"
    )]
    pub(crate) config: PathBuf,
    /// Stay in the foreground (do not detach).
    #[arg(short = 'n', long = "nofork")]
    pub(crate) foreground: bool,
    /// After binding the sockets, run as `USER[:GROUP]`.
    #[arg(
        short = 'u',
        long = "user",
        value_name = "USER[:GROUP]",
        help = "After binding the sockets, run as USER[:GROUP]."
    )]
    pub(crate) user: Option<String>,
    /// Write the process id to FILE (removed at a clean stop).
    #[arg(short = 'p', long = "pidfile", value_name = "FILE")]
    pub(crate) pid_file: Option<PathBuf>,
    /// Log to FILE instead of standard error.
    #[arg(short = 'l', long = "logfile", value_name = "FILE")]
    pub(crate) log_file: Option<PathBuf>,
    /// Set the clock once and exit (ntpd -q). Not available yet (refused with exit code 2).
    #[arg(short = 'q', long = "quit")]
    pub(crate) quit: bool,
    /// Allow one first clock step of any size, beyond `tinker panic` (ntpd -g).
    #[arg(short = 'g', long = "panicgate")]
    pub(crate) panic_gate: bool,
    /// Slew rather than step offsets under 600 s (ntpd -x: the step threshold becomes 600 s).
    #[arg(short = 'x', long = "slew")]
    pub(crate) slew_only: bool,
    /// Listen on ADDR:PORT instead of the configured addresses (repeatable; IPv6 as
    /// `[::1]:123`; port 0 picks a free port, logged at start).
    #[arg(long = "listen", value_name = "ADDR:PORT")]
    pub(crate) listen: Vec<SocketAddr>,
    /// Never adjust the system clock. Implied when the process lacks CAP_SYS_TIME.
    #[arg(long = "no-clock-adjust")]
    pub(crate) no_clock_adjust: bool,
    /// Validate the configuration and key files, print every problem, and exit (non-zero if
    /// there is an error). Offline: resolves no name, binds nothing, creates no file.
    #[arg(long = "check")]
    pub(crate) check: bool,
    /// Worker threads serving requests (default: one per CPU).
    #[arg(long = "workers", value_name = "N")]
    pub(crate) workers: Option<usize>,
}
