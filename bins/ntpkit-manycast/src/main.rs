//! `ntpkit-manycast`: NTP manycast without an ntp.conf, with the router's procedure as its
//! command line.
//!
//! ```text
//! ntpkit-manycast server GROUP [--ipv6] [--interface IF] [--keys FILE] [--port P]
//! ntpkit-manycast client GROUP [--keys FILE --key-id K] [--ttl T] [--port P] [--max-sessions N]
//!     [--also GROUP[,interface=IF][,key-id=K][,ttl=T][,port=P]]...
//! ```
//!
//! `--also` adds a group solicited with its own settings (a router's manycast client on a
//! further interface); the servers of every group compete in one selection under one
//! `--max-sessions`, `--minclock` and `--maxclock`.
//!
//! The protocol is ntpkit-assoc's `manycast` module (sans-IO); this binary moves datagrams
//! through ntpkit-runtime's `MulticastSocket` and prints. Authentication is required by
//! default: a client without `--key-id` refuses to start unless `--no-auth` is given. Keys
//! come from an ntpd or chrony key file: MD5 (accepted with a weak-algorithm warning),
//! HMAC-SHA256, AES128CMAC or AES256CMAC.

mod client;
mod clock;
mod group;
mod keys;
mod server;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use ntpkit_assoc::client::ClientConfig;
use ntpkit_assoc::manycast::ManycastConfig;
use ntpkit_auth::{KeyId, KeyStore};

/// NTP manycast server and client.
#[derive(Parser)]
#[command(name = "ntpkit-manycast", version)]
struct Cli {
    #[command(subcommand)]
    role: Role,
}

#[derive(Subcommand)]
enum Role {
    /// Answer manycast clients on GROUP (router: ntp-service manycast-server).
    Server(ServerArgs),
    /// Find servers on GROUP and synchronise to them (router: ntp-service manycast-client).
    Client(ClientArgs),
}

/// Options both roles share.
#[derive(Args)]
struct Common {
    /// The multicast group (IPv4, or IPv6 with --ipv6; default 224.0.1.1 / ff05::101).
    group: Option<IpAddr>,
    /// Use IPv6 (the default group becomes ff05::101).
    #[arg(long)]
    ipv6: bool,
    /// The interface to join the group on and send from (default: the kernel's route).
    #[arg(long)]
    interface: Option<String>,
    /// UDP port of the group.
    #[arg(long, default_value_t = 123)]
    port: u16,
    /// Key file (ntpd ntp.keys or chrony.keys format); every key in it is trusted.
    #[arg(long)]
    keys: Option<PathBuf>,
    /// Seconds to run (default: for ever for a server, 60 for a client).
    #[arg(long)]
    duration: Option<f64>,
    /// Serve or measure with the wall clock shifted by this many seconds (testing only: a
    /// server that is off by a known amount; the real clock is never touched).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    clock_offset: f64,
}

#[derive(Args)]
struct ServerArgs {
    #[command(flatten)]
    common: Common,
    /// Stratum to serve at (this server's own clock is its reference).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=15))]
    stratum: u8,
}

#[derive(Args)]
struct ClientArgs {
    #[command(flatten)]
    common: Common,
    /// Key id to sign solicitations with and require on answers (router: authentication-keyid).
    #[arg(long, requires = "keys")]
    key_id: Option<u32>,
    /// Accept unauthenticated servers (dangerous; authentication is required by default).
    #[arg(long, conflicts_with = "key_id")]
    no_auth: bool,
    /// Largest TTL (hop limit) of the expanding-ring search.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u8).range(1..))]
    ttl: u8,
    /// Most associations at once (router: max-dynamic-sessions).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    max_sessions: u32,
    /// Servers wanted before the search stops (tos minclock).
    #[arg(long, default_value_t = 3)]
    minclock: usize,
    /// Servers kept at most (tos maxclock).
    #[arg(long, default_value_t = 10)]
    maxclock: usize,
    /// Poll exponent of the search and of new associations (3..=17).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(i8).range(3..=17))]
    minpoll: i8,
    /// Stop as soon as synchronised with at least this many servers.
    #[arg(long)]
    wait_for: Option<usize>,
    /// A further group, `GROUP[,interface=IF][,key-id=K][,ttl=T][,port=P]` (repeatable, up
    /// to 7): what it leaves out is taken from the options above.
    #[arg(long, value_parser = group::parse)]
    also: Vec<group::GroupSpec>,
}

impl Common {
    fn group(&self) -> Result<SocketAddr, String> {
        let ip = match (self.group, self.ipv6) {
            (Some(ip), v6) if ip.is_ipv6() != v6 => {
                return Err(format!(
                    "{ip} is not an IPv{} group",
                    if v6 { 6 } else { 4 }
                ));
            }
            (Some(ip), _) => ip,
            (None, false) => IpAddr::from([224, 0, 1, 1]),
            (None, true) => IpAddr::from([0xff05, 0, 0, 0, 0, 0, 0, 0x101]),
        };
        if !ip.is_multicast() {
            return Err(format!("{ip} is not a multicast group"));
        }
        Ok(SocketAddr::new(ip, self.port))
    }

    fn keys(&self, required: &[u32]) -> Result<KeyStore, String> {
        let Some(path) = &self.keys else {
            return Ok(KeyStore::new());
        };
        let loaded = keys::load(path, required)?;
        for w in &loaded.warnings {
            eprintln!("warning: {w}");
        }
        Ok(loaded.store)
    }

    fn duration(&self, default: Option<f64>) -> Result<Option<Duration>, String> {
        self.duration
            .or(default)
            .map(|s| Duration::try_from_secs_f64(s).map_err(|_| format!("bad duration {s}")))
            .transpose()
    }
}

fn run(cli: Cli) -> Result<bool, String> {
    match cli.role {
        Role::Server(a) => {
            let c = &a.common;
            server::run(&server::ServerOptions {
                group: c.group()?,
                interface: c.interface.clone(),
                keys: c.keys(&[])?,
                stratum: a.stratum,
                clocks: clock::Clocks::new(c.clock_offset),
                duration: c.duration(None)?,
            })?;
            Ok(true)
        }
        Role::Client(a) => {
            let c = &a.common;
            if a.key_id.is_none() && !a.no_auth {
                return Err(
                    "authentication is required: give --keys FILE --key-id K (or --no-auth)".into(),
                );
            }
            let first = manycast_config(&a, a.key_id, a.ttl)?;
            let mut groups = vec![client::Group {
                address: c.group()?,
                interface: c.interface.clone(),
                config: first,
            }];
            for spec in &a.also {
                let key = spec.key_id.or(a.key_id);
                if key.is_none() && !a.no_auth {
                    return Err(format!(
                        "--also {}: authentication is required: give it key-id=K",
                        spec.group
                    ));
                }
                groups.push(client::Group {
                    address: spec.address(c.port),
                    interface: spec.interface.clone().or_else(|| c.interface.clone()),
                    config: manycast_config(&a, key, spec.ttl.unwrap_or(a.ttl))?,
                });
            }
            let required: Vec<u32> = groups
                .iter()
                .filter_map(|g| g.config.client.key.map(|k| u32::from(k.get())))
                .collect();
            client::run(client::ClientOptions {
                groups,
                keys: c.keys(&required)?,
                clocks: clock::Clocks::new(c.clock_offset),
                duration: c.duration(Some(60.0))?.unwrap_or(Duration::MAX),
                wait_for: a.wait_for,
            })
        }
    }
}

/// One group's settings: `key` and `ttl` its own, the rest the command line's.
fn manycast_config(a: &ClientArgs, key: Option<u32>, ttl: u8) -> Result<ManycastConfig, String> {
    let mut client = ClientConfig::default();
    client.key = key
        .map(|k| KeyId::new(k).ok_or(format!("key id {k} is not in 1..=65534")))
        .transpose()?;
    client.minpoll = a.minpoll;
    client.maxpoll = a.minpoll.max(10);
    client.iburst = true;
    let mut config = ManycastConfig::default();
    config.client = client;
    config.require_auth = !a.no_auth;
    config.max_ttl = ttl;
    config.max_sessions = a.max_sessions;
    config.minclock = a.minclock;
    config.maxclock = a.maxclock;
    config.validate().map_err(|e| e.to_string())?;
    Ok(config)
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(2),
        Err(e) => {
            eprintln!("ntpkit-manycast: {e}");
            ExitCode::FAILURE
        }
    }
}
