//! `ntpkit-keygen`: NTP symmetric keys from the operating system's random source, written
//! as an ntpd/NTPsec key file.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ntpkit_auth::{AuthError, KeyId, MacAlgorithm, chrony_key_line, generate_key, ntp_key_line};

/// Generates NTP symmetric keys as an ntpd/NTPsec key file.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Key type (repeatable): md5, sha1, sha256, hmac-sha256, aes128cmac, aes256cmac.
    #[arg(short = 't', long = "type", default_value = "aes128cmac")]
    types: Vec<MacAlgorithm>,
    /// Keys of each type.
    #[arg(short = 'n', long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    count: u32,
    /// Id of the first key; the rest follow in order.
    #[arg(long, default_value_t = 1)]
    first_id: u32,
    /// Key-file dialect: `ntp` (ntpd, NTPsec, ntpkitd) or `chrony` (`ID TYPE HEX:...`, read by
    /// chronyd and by ntpkitd).
    #[arg(long, value_enum, default_value_t = Format::Ntp)]
    format: Format,
    /// Write to this new file (mode 0600) instead of standard output.
    #[arg(short = 'o', long)]
    output: Option<PathBuf>,
}

/// Which key-file dialect to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// ntpd / NTPsec: `ID TYPE HEX`.
    Ntp,
    /// chrony: `ID TYPE HEX:SECRET`.
    Chrony,
}

/// The operating system's cryptographic random source. There is no fallback: without it
/// there are no keys.
const RANDOM_SOURCE: &str = "/dev/urandom";

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ntpkit-keygen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let total = args.count as usize * args.types.len();
    let last = u64::from(args.first_id) + total as u64 - 1;
    let in_range = |id: u64| u32::try_from(id).ok().and_then(KeyId::new).is_some();
    if !in_range(args.first_id.into()) || !in_range(last) {
        return Err(format!(
            "key ids {}..={last} are not all valid key ids",
            args.first_id
        ));
    }
    if args.format == Format::Chrony && args.types.contains(&MacAlgorithm::HmacSha256) {
        return Err("chrony has no HMAC-SHA256 keys; use aes128cmac".into());
    }
    let mut random = File::open(RANDOM_SOURCE).map_err(|e| format!("{RANDOM_SOURCE}: {e}"))?;
    let mut text = String::from(
        "# NTP symmetric keys from ntpkit-keygen (secrets from the OS random source).\n\
         # Keep this file secret (mode 0600).\n",
    );
    let mut id = args.first_id;
    for &algorithm in &args.types {
        if algorithm.is_weak() {
            eprintln!(
                "ntpkit-keygen: warning: {} is weak (RFC 8573); use AES-128-CMAC where the peer can",
                algorithm.ntp_name()
            );
        }
        for _ in 0..args.count {
            let key = generate_key(algorithm, |buf| {
                random
                    .read_exact(buf)
                    .map_err(|_| AuthError::RandomSourceFailed)
            })
            .map_err(|e| format!("{e} ({RANDOM_SOURCE})"))?;
            let key_id = KeyId::new(id).ok_or("key id out of range")?;
            let line = match args.format {
                Format::Ntp => ntp_key_line(key_id, &key),
                Format::Chrony => {
                    chrony_key_line(key_id, &key).ok_or("chrony cannot use this key type")?
                }
            };
            text.push_str(&line);
            text.push('\n');
            id += 1;
        }
    }
    match &args.output {
        Some(path) => {
            // create_new: never replace an existing key file; 0600 from the start, so the
            // secrets are never readable by others even for a moment.
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            file.write_all(text.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| format!("{}: {e}", path.display()))
        }
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| format!("standard output: {e}")),
    }
}
