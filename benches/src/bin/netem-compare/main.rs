//! netem-compare: ntpkitd against chronyd over a real jittery path (issue 8's last proof).
//!
//! Two network namespaces joined by a veth pair; in S a chronyd `local stratum 1` server
//! behind a relay that delays every datagram (mean and jitter per direction, normal or
//! Pareto-normal, as `tc netem delay` would; this kernel has no sch_netem); in C chronyd
//! (`-x`) and ntpkitd (`--no-clock-adjust`) as clients of it with the same poll interval,
//! neither able to set the clock (CAP_SYS_TIME dropped). Both read the same system clock, so
//! every offset they report is an error. After the run it prints per client the number of
//! samples, RMS, mean, p95 and max of the offset after a settling period, and writes a CSV
//! and an SVG of offset against time. Needs root; cleans up on exit and on Ctrl-C.
//!
//! ```text
//! netem-compare [--minutes 20] [--settle-minutes 5] [--delay-ms 20] [--jitter-ms 5]
//!     [--distribution normal|paretonormal] [--poll 4] [--ntpkitd PATH] [--work DIR]
//!     [--csv docs/netem-offset.csv] [--svg docs/netem-offset.svg] [--drift-ppm F]
//! ```
//!
//! `--analyse DIR` runs nothing: it reports on the logs a past run left in its `--work` DIR
//! (times counted from the first logged point).
//!
//! `--drift-ppm F` gives both clients a drift file with frequency F (0 is right: the clock
//! they read is never adjusted), so neither spends its first half hour measuring it.

mod delay;
mod lab;
mod logs;
mod peers;
mod relay;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use delay::{DelayModel, Shape};
use report::Series;

struct Options {
    minutes: f64,
    settle_minutes: f64,
    delay_ms: f64,
    jitter_ms: f64,
    shape: String,
    poll: u8,
    ntpkitd: PathBuf,
    work: PathBuf,
    csv: PathBuf,
    svg: PathBuf,
    drift_ppm: Option<f64>,
    analyse: Option<PathBuf>,
}

fn default_ntpkitd() -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| "target".into(), PathBuf::from);
    target.join("release").join("ntpkitd")
}

fn parse_options(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut o = Options {
        minutes: 20.0,
        settle_minutes: 5.0,
        delay_ms: 20.0,
        jitter_ms: 5.0,
        shape: "normal".into(),
        poll: 4,
        ntpkitd: default_ntpkitd(),
        work: std::env::temp_dir().join(format!("netem-compare-{}", std::process::id())),
        csv: "docs/netem-offset.csv".into(),
        svg: "docs/netem-offset.svg".into(),
        drift_ppm: None,
        analyse: None,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = || {
            value
                .parse::<f64>()
                .map_err(|e| format!("{flag} {value}: {e}"))
        };
        match flag.as_str() {
            "--minutes" => o.minutes = num()?,
            "--settle-minutes" => o.settle_minutes = num()?,
            "--delay-ms" => o.delay_ms = num()?,
            "--jitter-ms" => o.jitter_ms = num()?,
            "--distribution" => o.shape = value,
            "--poll" => o.poll = value.parse().map_err(|e| format!("--poll {value}: {e}"))?,
            "--ntpkitd" => o.ntpkitd = value.into(),
            "--work" => o.work = value.into(),
            "--csv" => o.csv = value.into(),
            "--svg" => o.svg = value.into(),
            "--drift-ppm" => o.drift_ppm = Some(num()?),
            "--analyse" => o.analyse = Some(value.into()),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Shape::parse(&o.shape).ok_or_else(|| format!("unknown distribution {}", o.shape))?;
    Ok(o)
}

/// `relay LISTEN SERVER MEAN_S JITTER_S SHAPE SEED`: the delay element, run inside S.
fn relay_main(args: &[String]) -> Result<(), String> {
    let [listen, server, mean, jitter, shape, seed] = args else {
        return Err("relay LISTEN SERVER MEAN_S JITTER_S SHAPE SEED".into());
    };
    let f = |s: &String| s.parse::<f64>().map_err(|e| format!("{s}: {e}"));
    let shape = Shape::parse(shape).ok_or("bad shape")?;
    let seed: u64 = seed.parse().map_err(|e| format!("{seed}: {e}"))?;
    let up = DelayModel::new(f(mean)?, f(jitter)?, shape, seed);
    let down = DelayModel::new(
        f(mean)?,
        f(jitter)?,
        shape,
        seed.rotate_left(32) ^ 0x9E37_79B9,
    );
    let parse = |s: &String| s.parse().map_err(|e| format!("{s}: {e}"));
    relay::run(parse(listen)?, parse(server)?, up, down).map_err(|e| e.to_string())
}

fn now_unix() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn compare(o: &Options) -> Result<(), String> {
    if !o.ntpkitd.exists() {
        return Err(format!(
            "{} not found: cargo build --release -p ntpkitd, or pass --ntpkitd",
            o.ntpkitd.display()
        ));
    }
    std::fs::create_dir_all(&o.work).map_err(|e| format!("{}: {e}", o.work.display()))?;
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let seed = now_unix().to_bits();
    let setup = peers::Setup {
        ntpkitd: &o.ntpkitd,
        me: &me,
        poll: o.poll,
        relay_args: vec![
            (o.delay_ms / 1e3).to_string(),
            (o.jitter_ms / 1e3).to_string(),
            o.shape.clone(),
            seed.to_string(),
        ],
        drift_ppm: o.drift_ppm,
    };
    let mut lab = lab::Lab::create()?;
    let start = now_unix();
    let dirs = peers::start(&mut lab, &o.work, &setup)?;
    eprintln!(
        "netem-compare: {} min, one-way delay {} ms +- {} ms ({}), poll 2^{} s, logs in {}",
        o.minutes,
        o.delay_ms,
        o.jitter_ms,
        o.shape,
        o.poll,
        o.work.display()
    );
    let deadline = Instant::now() + Duration::from_secs_f64(o.minutes * 60.0);
    let mut last_note = Instant::now();
    while Instant::now() < deadline {
        if let Some(name) = lab.exited() {
            return Err(format!(
                "{name} exited early; see its log in {}",
                o.work.display()
            ));
        }
        if last_note.elapsed() >= Duration::from_secs(60) {
            last_note = Instant::now();
            let left = deadline.saturating_duration_since(last_note).as_secs() / 60;
            eprintln!("netem-compare: {left} min left");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let end = now_unix();
    drop(lab);
    report(o, &dirs, start, end)
}

/// The table, CSV and SVG from the logs in `dirs`; the run went from `start` to `end`.
fn report(o: &Options, dirs: &peers::Dirs, start: f64, end: f64) -> Result<(), String> {
    // Columns: loopstats 2 (offset), peerstats 4 (offset), chrony tracking.log 6 (Offset),
    // measurements.log 11 (Offset).
    let series = vec![
        Series {
            client: "ntpkitd",
            kind: "loop",
            points: logs::ntpd_column(&dirs.ntpkit.join("loopstats"), 2),
        },
        Series {
            client: "chronyd",
            kind: "loop",
            points: logs::chrony_column(&dirs.chrony.join("tracking.log"), 6),
        },
        Series {
            client: "ntpkitd",
            kind: "filter",
            points: logs::ntpd_column(&dirs.ntpkit.join("peerstats"), 4),
        },
        Series {
            client: "ntpkitd",
            kind: "raw",
            points: logs::rawstats_offsets(&dirs.ntpkit.join("rawstats")),
        },
        Series {
            client: "chronyd",
            kind: "raw",
            points: logs::chrony_column(&dirs.chrony.join("measurements.log"), 11),
        },
        Series {
            client: "ntpkitd",
            kind: "clock",
            points: logs::virtual_clock(&dirs.ntpkit.join("out.log")),
        },
    ];
    let settle = start + o.settle_minutes * 60.0;
    let drift = o.drift_ppm.map_or_else(
        || "no drift file".to_owned(),
        |f| format!("drift file {f} PPM"),
    );
    println!(
        "one-way delay {} ms +- {} ms ({}) each way, poll {} s, {drift}, {} min, first {} min \
         excluded",
        o.delay_ms,
        o.jitter_ms,
        o.shape,
        1u32 << o.poll,
        o.minutes,
        o.settle_minutes
    );
    print!("{}", report::table(&series, settle));
    let title = format!(
        "ntpkitd vs chronyd -x, same server, one-way delay {} ms +- {} ms ({}), poll {} s, {drift}",
        o.delay_ms,
        o.jitter_ms,
        o.shape,
        1u32 << o.poll
    );
    std::fs::write(&o.csv, report::csv(&series, start))
        .map_err(|e| format!("{}: {e}", o.csv.display()))?;
    std::fs::write(&o.svg, report::svg(&series, start, settle, end, &title))
        .map_err(|e| format!("{}: {e}", o.svg.display()))?;
    println!("wrote {} and {}", o.csv.display(), o.svg.display());
    Ok(())
}

/// `--analyse DIR`: the report of a past run's logs.
fn analyse(o: &Options, work: &std::path::Path) -> Result<(), String> {
    let dirs = peers::Dirs {
        server: work.join("server"),
        chrony: work.join("chronyd"),
        ntpkit: work.join("ntpkitd"),
    };
    // Every time any client logged: the run's span as far as the logs tell.
    let times: Vec<f64> = [
        logs::rawstats_offsets(&dirs.ntpkit.join("rawstats")),
        logs::ntpd_column(&dirs.ntpkit.join("loopstats"), 2),
        logs::virtual_clock(&dirs.ntpkit.join("out.log")),
        logs::chrony_column(&dirs.chrony.join("tracking.log"), 6),
        logs::chrony_column(&dirs.chrony.join("measurements.log"), 11),
    ]
    .iter()
    .flatten()
    .map(|p| p.0)
    .collect();
    let start = times
        .iter()
        .copied()
        .reduce(f64::min)
        .ok_or("no client logs there")?;
    let end = times.iter().copied().reduce(f64::max).unwrap_or(start);
    report(o, &dirs, start, end)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.first().map(String::as_str) == Some("relay") {
        relay_main(args.get(1..).unwrap_or_default())
    } else {
        parse_options(args.into_iter()).and_then(|o| match &o.analyse {
            Some(work) => analyse(&o, work),
            None => compare(&o),
        })
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("netem-compare: {e}");
            ExitCode::FAILURE
        }
    }
}
