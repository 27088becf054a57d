//! The command end to end: synthesize a day, chart it, and check what an operator would see.

use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ntpkit-statchart"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ntpkit-statchart-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn charts_a_synthesized_day() {
    let dir = temp_dir("day");
    let status = bin()
        .args(["synth", "--seed", "3", "--statsdir"])
        .arg(&dir)
        .arg("2026-11-21")
        .status()
        .unwrap();
    assert!(status.success());
    let loops = std::fs::read_to_string(dir.join("loopstats.20261121")).unwrap();
    let svg_path = dir.join("chart.svg");
    let out = bin()
        .args(["chart", "--statsdir"])
        .arg(&dir)
        .arg("61365")
        .arg("-o")
        .arg(&svg_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The day has no peerstats problem but asks for nothing else, so nothing is missing.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count());
    for panel in ["id=\"offset\"", "id=\"frequency\"", "id=\"jitter\""] {
        assert!(svg.contains(panel), "{panel}");
    }
    // One unbroken system line per panel, with a vertex per loopstats record.
    let lines: Vec<&str> = svg
        .lines()
        .filter(|l| l.starts_with("<polyline class=\"system\""))
        .collect();
    assert_eq!(lines.len(), 3);
    for line in lines {
        assert_eq!(line.matches(',').count(), loops.lines().count());
    }
    // Three peers in the legend, each drawn in the offset and jitter panels.
    for peer in ["192.0.2.11", "198.51.100.23", "203.0.113.5"] {
        assert_eq!(
            svg.matches(&format!("data-peer=\"{peer}\"")).count(),
            2,
            "{peer}"
        );
    }
    assert!(svg.contains("2026-11-21 (MJD 61365)"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_lines_and_missing_days_are_reported_not_fatal() {
    let dir = temp_dir("bad");
    std::fs::write(
        dir.join("loopstats.20261121"),
        "61365 100.000 0.000100000 -12.000 0.000050000 0.010000 7\n\
         61365 200.000 garbage\n\
         61365 300.000 0.000200000 -12.100 0.000060000 0.010000 7\n",
    )
    .unwrap();
    let out = bin()
        .args(["chart", "--statsdir"])
        .arg(&dir)
        .args(["2026-11-21", "2026-11-22"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("loopstats.20261121:2"), "{stderr}");
    assert!(
        stderr.contains("not found") && stderr.contains("loopstats.20261122"),
        "{stderr}"
    );
    let svg = String::from_utf8(out.stdout).unwrap();
    let offset_line = svg
        .lines()
        .find(|l| l.starts_with("<polyline class=\"system\""))
        .unwrap();
    assert_eq!(offset_line.matches(',').count(), 2);
    // Two days: the grid is labelled every six hours and both dates appear.
    assert!(svg.contains("2026-11-22 (MJD 61366)") && svg.contains(">06:00<"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn no_data_is_an_error() {
    let dir = temp_dir("empty");
    let out = bin()
        .args(["chart", "--statsdir"])
        .arg(&dir)
        .arg("2026-11-21")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no loopstats or peerstats records"));
    let out = bin().args(["chart", "2026-02-30"]).output().unwrap();
    assert!(!out.status.success());
    std::fs::remove_dir_all(&dir).unwrap();
}
