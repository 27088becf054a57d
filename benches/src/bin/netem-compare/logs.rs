//! Reading the offsets each client logged: ntpkitd's ntpd-format statistics (loopstats,
//! peerstats, rawstats) and chronyd's tracking.log and measurements.log, each as a series of
//! (Unix time, offset seconds). The true offset is zero (both clients read the same clock),
//! so every offset is an error.

use std::fs;
use std::path::Path;

/// One logged offset: when (Unix seconds) and how much (seconds).
pub(crate) type Point = (f64, f64);

/// Unix seconds of an ntpd statistics time stamp (Modified Julian Day, seconds of day).
fn from_mjd(day: &str, secs: &str) -> Option<f64> {
    let day: f64 = day.parse().ok()?;
    let secs: f64 = secs.parse().ok()?;
    Some((day - 40_587.0) * 86_400.0 + secs)
}

/// Unix seconds of chrony's `YYYY-MM-DD HH:MM:SS` (UTC).
fn from_civil(date: &str, time: &str) -> Option<f64> {
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, dd) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.split(':').map(|x| x.parse::<i64>().ok());
    let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    // Days from 1970-01-01 (H. Hinnant's days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + hh * 3600 + mm * 60 + ss) as f64)
}

/// An NTP timestamp written as `SECONDS.NANOSECONDS`, in nanoseconds (exact, unlike f64).
fn ntp_nanos(text: &str) -> Option<i128> {
    let (s, n) = text.split_once('.')?;
    Some(i128::from(s.parse::<u64>().ok()?) * 1_000_000_000 + i128::from(n.parse::<u64>().ok()?))
}

fn lines(path: &Path) -> Vec<Vec<String>> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

/// `column` of every ntpd-format line of `path` (columns 0 and 1 are the time).
pub(crate) fn ntpd_column(path: &Path, column: usize) -> Vec<Point> {
    lines(path)
        .iter()
        .filter_map(|f| {
            let t = from_mjd(f.first()?, f.get(1)?)?;
            Some((t, f.get(column)?.parse().ok()?))
        })
        .collect()
}

/// The offset of every rawstats line: ((t2 - t1) + (t3 - t4)) / 2 (RFC 5905 section 8).
pub(crate) fn rawstats_offsets(path: &Path) -> Vec<Point> {
    lines(path)
        .iter()
        .filter_map(|f| {
            let t = from_mjd(f.first()?, f.get(1)?)?;
            let ts: Option<Vec<i128>> = (4..8).map(|i| ntp_nanos(f.get(i)?)).collect();
            let ts = ts?;
            let sum = (ts.get(1)? - ts.first()?) + (ts.get(2)? - ts.get(3)?);
            Some((t, sum as f64 / 2e9))
        })
        .collect()
}

/// `column` of every data line of a chrony log (header and `=` rule lines are skipped).
pub(crate) fn chrony_column(path: &Path, column: usize) -> Vec<Point> {
    lines(path)
        .iter()
        .filter_map(|f| {
            let t = from_civil(f.first()?, f.get(1)?)?;
            Some((t, f.get(column)?.parse().ok()?))
        })
        .collect()
}

/// ntpkitd's `virtual clock: correction X s` log lines (ntpkitd without clock control
/// follows a virtual clock; X is how far it believes the system clock is off, so with the
/// true offset zero, X is the error its discipline would have left on the clock).
pub(crate) fn virtual_clock(path: &Path) -> Vec<Point> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let (stamp, rest) = line.split_once(' ')?;
            let x = rest.split("virtual clock: correction ").nth(1)?;
            let x: f64 = x.split_whitespace().next()?.parse().ok()?;
            let (date, time) = stamp.trim_end_matches('Z').split_once('T')?;
            let (whole, frac) = time.split_once('.').unwrap_or((time, "0"));
            let frac: f64 = format!("0.{frac}").parse().ok()?;
            Some((from_civil(date, whole)? + frac, x))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_time_formats_agree_with_date_1() {
        // `date -u -d '2026-11-22 02:30:01' +%s` = 1795314601; MJD 61366 is that day.
        assert_eq!(from_civil("2026-11-22", "02:30:01"), Some(1_795_314_601.0));
        assert_eq!(from_mjd("61366", "9001.000"), Some(1_795_314_601.0));
    }

    #[test]
    fn virtual_clock_lines() {
        let dir = std::env::temp_dir().join(format!("netem-vc-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.log");
        fs::write(
            &path,
            "2026-11-22T02:30:01.250000Z  INFO synchronised to 10.77.0.1\n\
             2026-11-22T02:30:01.500000Z  INFO virtual clock: correction -0.000250 s, frequency +1.000 PPM\n",
        )
        .unwrap();
        let points = virtual_clock(&path);
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(points, vec![(1_795_314_601.5, -0.000250)]);
    }

    #[test]
    fn rawstats_offset_from_the_four_timestamps() {
        // T2 - T1 = 60 ms, T3 - T4 = 20 ms: the server is 40 ms ahead (RFC 5905 section 8).
        let dir = std::env::temp_dir().join(format!("netem-logs-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rawstats");
        fs::write(
            &path,
            "61366 9001.000 10.77.0.1 10.77.0.2 4000000000.000000000 4000000000.060000000 \
             4000000000.060000100 4000000000.040000100 0 4 4 1 4 -26 0.0 0.0 ....\n",
        )
        .unwrap();
        let points = rawstats_offsets(&path);
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].0, 1_795_314_601.0);
        assert!((points[0].1 - 0.040).abs() < 1e-12, "{points:?}");
    }
}
