//! `ntpkit-statchart`: turns loopstats and peerstats files (ntpd's format, as ntpkitd and
//! ntpd write them) into an SVG chart of offset, frequency and jitter against time.
//!
//! ```text
//! ntpkit-statchart chart --statsdir /var/log/ntpstats 2026-11-20 2026-11-21 -o week.svg
//! ntpkit-statchart synth --statsdir /tmp/stats 2026-11-21
//! ```

mod axis;
mod day;
mod load;
mod svg;
mod synth;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Charts ntpd-format statistics files.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Reads `<statsdir>/<loopstats>.YYYYMMDD` and `<statsdir>/<peerstats>.YYYYMMDD` for the
    /// days given (`filegen ... type day` members) and writes an SVG chart.
    Chart {
        /// Directory of the statistics files (`statsdir`).
        #[arg(long, default_value = ".")]
        statsdir: PathBuf,
        /// File name of the loopstats set (`filegen loopstats file NAME`).
        #[arg(long, default_value = "loopstats")]
        loopstats: String,
        /// File name of the peerstats set.
        #[arg(long, default_value = "peerstats")]
        peerstats: String,
        /// Where to write the SVG (standard output if not given).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Chart title.
        #[arg(long)]
        title: Option<String>,
        /// Days to chart: YYYY-MM-DD, YYYYMMDD or MJD; the chart spans the first to the last.
        #[arg(required = true, value_parser = day::parse_day)]
        days: Vec<u32>,
    },
    /// Writes a synthetic, deterministic day of loopstats and peerstats (a toy model, for
    /// demonstrations) as `<statsdir>/loopstats.YYYYMMDD` and `peerstats.YYYYMMDD`.
    Synth {
        /// Directory to write into.
        #[arg(long)]
        statsdir: PathBuf,
        /// Seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The day: YYYY-MM-DD, YYYYMMDD or MJD.
        #[arg(value_parser = day::parse_day)]
        day: u32,
    },
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ntpkit-statchart: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    match args.command {
        Command::Chart {
            statsdir,
            loopstats,
            peerstats,
            output,
            title,
            days,
        } => {
            let (Some(&first), Some(&last)) = (days.iter().min(), days.iter().max()) else {
                return Err("no days given".into());
            };
            if last - first >= 366 {
                return Err("at most a year of days per chart".into());
            }
            let mut data = load::Data::default();
            for &mjd in &days {
                let suffix = day::day_suffix(mjd);
                data.read_files(
                    &statsdir.join(format!("{loopstats}.{suffix}")),
                    &statsdir.join(format!("{peerstats}.{suffix}")),
                );
            }
            data.sort();
            for missing in &data.missing {
                eprintln!("ntpkit-statchart: not found: {missing}");
            }
            for skipped in data.skipped.iter().take(20) {
                eprintln!("ntpkit-statchart: skipped {skipped}");
            }
            if data.skipped.len() > 20 {
                eprintln!(
                    "ntpkit-statchart: ... {} lines skipped in all",
                    data.skipped.len()
                );
            }
            if data.loops.is_empty() && data.peers.is_empty() {
                return Err("no loopstats or peerstats records for the days given".into());
            }
            let title = title.unwrap_or_else(|| {
                let range = if first == last {
                    day::day_label(first)
                } else {
                    format!("{} to {}", day::day_label(first), day::day_label(last))
                };
                format!("ntpkit statistics, {range} (UTC)")
            });
            let window = svg::Window {
                first_mjd: first,
                days: last - first + 1,
            };
            let chart = svg::render(&data, window, &title);
            match output {
                Some(path) => {
                    std::fs::write(&path, chart).map_err(|e| format!("{}: {e}", path.display()))
                }
                None => {
                    print!("{chart}");
                    Ok(())
                }
            }
        }
        Command::Synth {
            statsdir,
            seed,
            day,
        } => {
            let (loops, peers) = synth::synthesize_day(day, seed)?;
            let suffix = day::day_suffix(day);
            for (name, text) in [("loopstats", loops), ("peerstats", peers)] {
                let path = statsdir.join(format!("{name}.{suffix}"));
                std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
            Ok(())
        }
    }
}
