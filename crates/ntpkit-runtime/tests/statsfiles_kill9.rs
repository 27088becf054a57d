//! Durability of statistics files under `kill -9`.
//!
//! A child process (this test binary, re-run with `NTPKIT_STATSFILES_CHILD` set) appends
//! sysstats records in a tight loop, its simulated clock advancing a minute per record so
//! that day members switch every 1440 records and the base-name link is replaced each time.
//! The parent SIGKILLs it at random moments, several rounds, each round continuing the
//! files. After every kill: each line of each file is complete and parses (only the very last
//! line of one member may be cut, by a SIGKILL between the pages of a `write(2)`; the next
//! open must remove it, or the next round's first record would land behind it and fail to
//! parse), each record is in the member its own day names, the sequence of each round has no
//! gap, and no complete line of an earlier round went missing.

use std::collections::BTreeMap;
use std::io::BufRead as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ntpkit_runtime::statsfiles::StatsFiles;
use ntpkit_stats::{StatRecord, StatTime, StatsConfig, StatsKind, SysCounters, SysStats};

const CHILD_ENV: &str = "NTPKIT_STATSFILES_CHILD";
/// What the child prints once its first record is on disk.
const READY: &str = "statsfiles-child-ready";
const ROUNDS: u64 = 20;
/// Simulated start: 2036-02-06 00:00:00 UTC, so the rounds cross the NTP era rollover.
const START_UNIX: i64 = 2_085_868_800;
const STEP_SECS: i64 = 60;

fn config(dir: &Path) -> StatsConfig {
    let mut config = StatsConfig::new();
    config.apply("statsdir", &[dir.to_str().unwrap()]).unwrap();
    config
        .apply("filegen", &["sysstats", "type", "day", "link", "enable"])
        .unwrap();
    config
}

/// The child: round `round` appends records `seq = 0, 1, 2, ...` until killed. Time keeps
/// advancing across rounds (`first_step`), as a restarted daemon's clock would.
fn child(dir: &Path, round: u64, first_step: i64) -> ! {
    let mut files = StatsFiles::new(config(dir));
    for seq in 0.. {
        let step = first_step + seq as i64;
        let time = StatTime::from_unix(START_UNIX + step * STEP_SECS, 0).unwrap();
        let counters = SysCounters {
            since_reset: round,
            received: seq,
            processed: step as u64,
            ..SysCounters::default()
        };
        let record = StatRecord::Sys(SysStats { time, counters });
        files.append(&record, 0).unwrap();
        if seq == 0 {
            println!("{READY}");
        }
    }
    unreachable!()
}

#[test]
fn statsfiles_child_process() {
    // Entry point of the child; a no-op when run as an ordinary test.
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        let mut parts = spec.split(',');
        let dir = PathBuf::from(parts.next().unwrap());
        let round = parts.next().unwrap().parse().unwrap();
        let first_step = parts.next().unwrap().parse().unwrap();
        child(&dir, round, first_step);
    }
}

/// A small deterministic generator for kill delays (seed printed for reproduction).
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Every record found in the directory: (round, seq) -> (file name, step).
fn read_all(dir: &Path) -> BTreeMap<(u64, u64), (String, u64)> {
    let mut found = BTreeMap::new();
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut cut_tails = 0;
    for name in names {
        if !name.starts_with("sysstats.") || name.len() != "sysstats.20360206".len() {
            continue; // the base-name link and saved names are checked separately
        }
        let mut text = std::fs::read(dir.join(&name)).unwrap();
        if !text.is_empty() && !text.ends_with(b"\n") {
            // A write cut by the kill: only ever the last line, never a record.
            cut_tails += 1;
            let keep = text.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            text.truncate(keep);
        }
        for line in std::str::from_utf8(&text).unwrap().lines() {
            let record = SysStats::parse(line).unwrap_or_else(|e| panic!("{name}: {line:?}: {e}"));
            let date = record.time.date();
            assert_eq!(
                name,
                format!("sysstats.{:04}{:02}{:02}", date.year, date.month, date.day),
                "record in the wrong member"
            );
            let key = (record.counters.since_reset, record.counters.received);
            assert!(
                found
                    .insert(key, (name.clone(), record.counters.processed))
                    .is_none(),
                "duplicate {key:?}"
            );
        }
    }
    assert!(cut_tails <= 1, "{cut_tails} members end in a partial line");
    found
}

#[test]
fn kill_9_never_leaves_a_partial_line_or_loses_an_earlier_one() {
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("kill delay seed {seed}");
    let mut rng = seed;
    let dir = std::env::temp_dir().join(format!("ntpkit-statsfiles-{}-{seed}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let mut before = BTreeMap::new();
    let mut next_step = 0i64;
    for round in 0..ROUNDS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "statsfiles_child_process",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, format!("{},{round},{next_step}", dir.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Let it get going (its first record is on disk), then kill at a random moment
        // 0..50 ms later.
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        // libtest prints "test NAME ... " before the child's own output on the same line.
        while !line.trim_end().ends_with(READY) {
            line.clear();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "child exited before writing"
            );
        }
        std::thread::sleep(Duration::from_micros(xorshift(&mut rng) % 50_000));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let after = read_all(&dir);
        for (key, value) in &before {
            assert_eq!(
                after.get(key),
                Some(value),
                "round {round} lost earlier record {key:?}"
            );
        }
        let seqs: Vec<u64> = after
            .keys()
            .filter(|&&(r, _)| r == round)
            .map(|&(_, s)| s)
            .collect();
        assert!(!seqs.is_empty());
        assert_eq!(
            seqs,
            (0..seqs.len() as u64).collect::<Vec<_>>(),
            "round {round}: a record is missing"
        );
        next_step += seqs.len() as i64;
        println!(
            "round {round}: {} records, {} members",
            seqs.len(),
            after
                .values()
                .map(|v| &v.0)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        );
        before = after;

        // The base name is a hard link to a member (or, if the kill fell inside the link
        // replacement, still to the previous one); never a partial or foreign file.
        let base = std::fs::metadata(dir.join("sysstats")).unwrap();
        assert!(base.nlink() >= 2, "base name is not a link to a member");
        let linked = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap())
            .any(|e| {
                let name = e.file_name().into_string().unwrap();
                name.len() == "sysstats.20360206".len() && e.metadata().unwrap().ino() == base.ino()
            });
        assert!(linked, "base name does not point at a member");
    }
    // Many members were written across the rounds, including after 2036-02-07.
    assert!(
        before
            .values()
            .any(|(name, _)| name.as_str() > "sysstats.20360207")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn switching_keeps_every_record_and_moves_the_link() {
    let dir = std::env::temp_dir().join(format!("ntpkit-statsfiles-switch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A plain file left at the base name is saved as BASE.C<pid>, per the manual.
    std::fs::write(dir.join("sysstats"), "operator's notes\n").unwrap();
    let mut files = StatsFiles::with_pid(config(&dir), 4242);
    // 2036-02-07 23:50 .. 2036-02-08 00:10, one record per minute.
    for minute in 0..20u64 {
        let time = StatTime::from_unix(2_086_041_000 + minute as i64 * 60, 0).unwrap();
        let record = StatRecord::Sys(SysStats {
            time,
            counters: SysCounters {
                received: minute,
                ..SysCounters::default()
            },
        });
        files.append(&record, 0).unwrap();
    }
    let first = std::fs::read_to_string(dir.join("sysstats.20360207")).unwrap();
    let second = std::fs::read_to_string(dir.join("sysstats.20360208")).unwrap();
    assert_eq!(first.lines().count() + second.lines().count(), 20);
    assert_eq!(first.lines().count(), 10); // 23:50..23:59
    assert_eq!(
        std::fs::read_to_string(dir.join("sysstats.C4242")).unwrap(),
        "operator's notes\n"
    );
    let base = std::fs::metadata(dir.join("sysstats")).unwrap();
    assert_eq!(
        base.ino(),
        std::fs::metadata(dir.join("sysstats.20360208"))
            .unwrap()
            .ino()
    );
    // Disabled sets drop records.
    let mut disabled = config(&dir);
    disabled.apply("filegen", &["sysstats", "disable"]).unwrap();
    files.reconfigure(disabled);
    let time = StatTime::from_unix(2_086_041_000, 0).unwrap();
    let record = StatRecord::Sys(SysStats {
        time,
        counters: SysCounters::default(),
    });
    assert_eq!(
        files.append(&record, 0).unwrap(),
        ntpkit_runtime::statsfiles::Appended::Disabled
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_symlink_planted_in_the_directory_is_not_followed() {
    let dir =
        std::env::temp_dir().join(format!("ntpkit-statsfiles-symlink-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::os::unix::fs::symlink(&victim, dir.join("sysstats.20360208")).unwrap();
    let mut files = StatsFiles::with_pid(config(&dir), 1);
    let time = StatTime::from_unix(2_086_041_600, 0).unwrap();
    let record = StatRecord::Sys(SysStats {
        time,
        counters: SysCounters::default(),
    });
    assert!(files.append(&record, 0).is_err());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    let _ = StatsKind::SysStats;
    std::fs::remove_dir_all(&dir).unwrap();
}
