//! `ntpkit-client HOST[:PORT]`: a one-shot NTP query in the sntp/ntpdig tradition.
//!
//! All protocol work (request, packet tests, kisses, authentication, sample arithmetic) is
//! `ntpkit_assoc::client::ClientAssociation`; this binary only resolves the name, moves
//! datagrams and prints. Only with `-S` (step) or `-s` (slew) does it touch the clock, once,
//! by the reported offset.

mod adjust;
mod error;
mod keys;
mod output;
mod query;

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use ntpkit_runtime::SystemClock;

use adjust::{ClockAction, Measured};
use error::ClientError;
use query::QueryOptions;

/// Query an NTP server once and print offset, delay, dispersion, stratum, reference id
/// and leap indicator; with -S or -s, step or slew the clock by that offset.
#[derive(Parser)]
#[command(name = "ntpkit-client", version)]
struct Args {
    /// Server as HOST, HOST:PORT, or \[IPV6\]:PORT (port 123 by default).
    #[arg(help = "Server as HOST, HOST:PORT, or [IPV6]:PORT (port 123 by default)")]
    server: String,
    /// Number of samples, sent as an iburst (1 to 6).
    #[arg(short = 'c', long = "count", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=6))]
    count: u8,
    /// Seconds between samples.
    #[arg(long, default_value_t = 1.0)]
    spacing: f64,
    /// Seconds to wait for a reply after the last request.
    #[arg(short = 't', long, default_value_t = 5.0)]
    timeout: f64,
    /// Key file (ntpd `ntp.keys` or chrony `chrony.keys` format).
    #[arg(short = 'k', long = "keyfile", requires = "key_id")]
    keyfile: Option<PathBuf>,
    /// Key id to sign requests with and require on replies.
    #[arg(short = 'a', long = "authentication", requires = "keyfile")]
    key_id: Option<u32>,
    /// Print a JSON document instead of text.
    #[arg(long)]
    json: bool,
    /// Step the clock by the reported offset (as ntpdig -S; needs CAP_SYS_TIME).
    #[arg(short = 'S', long, conflicts_with = "slew")]
    step: bool,
    /// Slew the clock by the reported offset, at most +-2145 s (adjtime(3), as ntpdig -s;
    /// needs CAP_SYS_TIME).
    #[arg(short = 's', long)]
    slew: bool,
}

impl Args {
    /// `-S`, `-s` or neither (clap refuses both).
    fn clock_action(&self) -> Option<ClockAction> {
        match (self.step, self.slew) {
            (true, _) => Some(ClockAction::Step),
            (false, true) => Some(ClockAction::Slew),
            (false, false) => None,
        }
    }
}

fn seconds(value: f64, what: &str) -> Result<Duration, ClientError> {
    Duration::try_from_secs_f64(value).map_err(|_| ClientError::Io(format!("bad {what}: {value}")))
}

/// HOST, HOST:PORT or \[V6\]:PORT, with port 123 when none is given.
fn resolve(server: &str) -> Result<SocketAddr, ClientError> {
    let has_port = server.starts_with('[') || server.matches(':').count() == 1;
    let target = if has_port {
        server.to_string()
    } else if server.contains(':') {
        format!("[{server}]:123")
    } else {
        format!("{server}:123")
    };
    let fail = |reason: String| ClientError::Resolve {
        host: server.to_string(),
        reason,
    };
    let mut addrs = target.to_socket_addrs().map_err(|e| fail(e.to_string()))?;
    addrs.next().ok_or_else(|| fail("no address".into()))
}

fn run(args: &Args) -> Result<(), ClientError> {
    let action = args.clock_action();
    // Refuse before sending anything: a query whose result cannot be applied is wasted
    // load on the server, and the user asked for an adjustment, not a report.
    if let Some(action) = action
        && !ntpkit_runtime::can_set_clock()
    {
        return Err(ClientError::ClockRefused(format!(
            "refusing to {} the clock: this process lacks CAP_SYS_TIME (run as root, or \
             grant it with setcap cap_sys_time+ep); nothing was sent",
            action.verb()
        )));
    }
    let key = match (&args.keyfile, args.key_id) {
        (Some(path), Some(id)) => Some(keys::load(path, id)?),
        _ => None,
    };
    let server = resolve(&args.server)?;
    let opts = QueryOptions {
        server,
        samples: args.count,
        spacing: seconds(args.spacing, "--spacing")?,
        timeout: seconds(args.timeout, "--timeout")?,
        key,
    };
    let samples = query::run(&opts)?;
    let best = output::best(&samples).ok_or_else(|| ClientError::Io("no sample".into()))?;
    let adjustment =
        action.map(|action| adjust::apply(&mut SystemClock::new(), action, Measured::from(best)));
    output::print(
        &args.server,
        server,
        &samples,
        adjustment.as_ref(),
        args.json,
    );
    match adjustment.and_then(|a| a.error) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ntpkit-client: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn server_argument_forms_default_to_port_123() {
        assert_eq!(
            resolve("127.0.0.1").unwrap(),
            "127.0.0.1:123".parse().unwrap()
        );
        assert_eq!(
            resolve("127.0.0.1:4123").unwrap(),
            "127.0.0.1:4123".parse().unwrap()
        );
        assert_eq!(resolve("::1").unwrap(), "[::1]:123".parse().unwrap());
        assert_eq!(
            resolve("[::1]:4123").unwrap(),
            "[::1]:4123".parse().unwrap()
        );
        assert!(resolve("127.0.0.1:notaport").is_err());
    }
}
