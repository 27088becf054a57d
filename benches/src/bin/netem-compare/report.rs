//! The comparison's outputs: a table of error statistics per series after the settling
//! period, a CSV of every point, and an SVG of offset against time for both clients.

use std::fmt::Write as _;

use crate::logs::Point;

/// One named series of offsets (all are errors: the true offset is zero).
pub(crate) struct Series {
    /// Which client wrote it.
    pub(crate) client: &'static str,
    /// What it is (`loop`: the offset the discipline acted on; `filter`; `raw`; `clock`: the
    /// correction ntpkitd's virtual clock carries, i.e. the error it would leave).
    pub(crate) kind: &'static str,
    /// The points, Unix time and seconds.
    pub(crate) points: Vec<Point>,
}

/// Error statistics of the points after `settle` (Unix seconds).
pub(crate) struct Summary {
    /// Samples counted.
    pub(crate) n: usize,
    /// Root mean square, seconds.
    pub(crate) rms: f64,
    /// Mean (signed), seconds.
    pub(crate) mean: f64,
    /// 95th percentile of |offset|, seconds.
    pub p95: f64,
    /// Largest |offset|, seconds.
    pub(crate) max: f64,
}

/// The statistics of `points` from `settle` on, or `None` when there are none.
pub(crate) fn summarise(points: &[Point], settle: f64) -> Option<Summary> {
    let xs: Vec<f64> = points
        .iter()
        .filter(|p| p.0 >= settle)
        .map(|p| p.1)
        .collect();
    if xs.is_empty() {
        return None;
    }
    let n = xs.len();
    let mut abs: Vec<f64> = xs.iter().map(|x| x.abs()).collect();
    abs.sort_by(f64::total_cmp);
    let rank = ((0.95 * n as f64).ceil() as usize).clamp(1, n) - 1;
    Some(Summary {
        n,
        rms: (xs.iter().map(|x| x * x).sum::<f64>() / n as f64).sqrt(),
        mean: xs.iter().sum::<f64>() / n as f64,
        p95: abs.get(rank).copied().unwrap_or(0.0),
        max: abs.last().copied().unwrap_or(0.0),
    })
}

/// The table, offsets in microseconds.
pub(crate) fn table(series: &[Series], settle: f64) -> String {
    let mut out = format!(
        "{:<8} {:<7} {:>6} {:>10} {:>10} {:>10} {:>10}\n",
        "client", "series", "n", "rms_us", "mean_us", "p95_us", "max_us"
    );
    for s in series {
        match summarise(&s.points, settle) {
            Some(m) => {
                let _ = writeln!(
                    out,
                    "{:<8} {:<7} {:>6} {:>10.1} {:>10.1} {:>10.1} {:>10.1}",
                    s.client,
                    s.kind,
                    m.n,
                    m.rms * 1e6,
                    m.mean * 1e6,
                    m.p95 * 1e6,
                    m.max * 1e6
                );
            }
            None => {
                let _ = writeln!(out, "{:<8} {:<7} {:>6}", s.client, s.kind, 0);
            }
        }
    }
    out
}

/// Every point as CSV: client, series, Unix time, seconds since `start`, offset seconds.
pub(crate) fn csv(series: &[Series], start: f64) -> String {
    let mut out = String::from("client,series,unix_time,elapsed_s,offset_s\n");
    for s in series {
        for (t, x) in &s.points {
            let _ = writeln!(
                out,
                "{},{},{t:.3},{:.3},{x:.9}",
                s.client,
                s.kind,
                t - start
            );
        }
    }
    out
}

/// A step for about five ticks across `span`: 1, 2 or 5 times a power of ten.
fn tick_step(span: f64) -> f64 {
    let raw = span / 5.0;
    let pow = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * pow)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * pow)
}

const W: f64 = 900.0;
const H: f64 = 420.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;

/// Offset (ms) against time (minutes since `start`): each client's `loop` series as a line,
/// `raw` samples as faint dots; the settling period shaded. `title` heads the chart.
pub(crate) fn svg(series: &[Series], start: f64, settle: f64, end: f64, title: &str) -> String {
    let colour = |client: &str| {
        if client == "ntpkitd" {
            "#1f77b4"
        } else {
            "#d62728"
        }
    };
    let minutes = ((end - start) / 60.0).max(1.0);
    let loops = series.iter().filter(|s| s.kind == "loop");
    let peak = loops
        .flat_map(|s| s.points.iter().map(|p| p.1.abs() * 1e3))
        .fold(0.0f64, f64::max)
        .max(0.01)
        * 1.15;
    let x = |t: f64| LEFT + (t - start) / 60.0 / minutes * (W - LEFT - RIGHT);
    let y = |ms: f64| TOP + (peak - ms) / (2.0 * peak) * (H - TOP - BOTTOM);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" \
         fill=\"white\"/>\n<text x=\"{LEFT}\" y=\"22\" font-size=\"14\">{title}</text>\n"
    );
    let _ = writeln!(
        s,
        "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#eeeeee\"/>",
        (x(settle) - LEFT).max(0.0),
        H - TOP - BOTTOM
    );
    let step = tick_step(2.0 * peak);
    let mut v = -(peak / step).floor() * step;
    while v <= peak {
        let _ = writeln!(
            s,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#cccccc\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v:.3}</text>",
            W - RIGHT,
            LEFT - 6.0,
            y(v) + 4.0,
            yy = y(v)
        );
        v += step;
    }
    let step = tick_step(minutes);
    let mut m = 0.0;
    while m <= minutes + 1e-9 {
        let xx = x(start + m * 60.0);
        let _ = writeln!(
            s,
            "<line x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{TOP}\" y2=\"{:.1}\" stroke=\"#cccccc\"/>\
             <text x=\"{xx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{m}</text>",
            H - BOTTOM,
            H - BOTTOM + 16.0
        );
        m += step;
    }
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">minutes (shaded: settling, \
         excluded from the table)</text>\n<text transform=\"translate(16 {:.1}) rotate(-90)\" \
         text-anchor=\"middle\">offset error (ms)</text>",
        (LEFT + W - RIGHT) / 2.0,
        H - 12.0,
        (TOP + H - BOTTOM) / 2.0
    );
    for ser in series.iter().filter(|s| s.kind == "raw") {
        for (t, o) in &ser.points {
            let ms = (o * 1e3).clamp(-peak, peak);
            let _ = writeln!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"1.5\" fill=\"{}\" fill-opacity=\"0.3\"/>",
                x(*t),
                y(ms),
                colour(ser.client)
            );
        }
    }
    for ser in series
        .iter()
        .filter(|s| s.kind == "clock" && !s.points.is_empty())
    {
        let pts: Vec<String> = ser
            .points
            .iter()
            .map(|(t, o)| format!("{:.1},{:.1}", x(*t), y((o * 1e3).clamp(-peak, peak))))
            .collect();
        let _ = writeln!(
            s,
            "<polyline fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"2\" points=\"{}\"/>\n\
             <rect x=\"{:.1}\" y=\"{:.1}\" width=\"14\" height=\"3\" fill=\"#2ca02c\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">ntpkitd virtual clock correction (the clock error it would leave)</text>",
            pts.join(" "),
            LEFT + 10.0,
            TOP + 44.0,
            LEFT + 30.0,
            TOP + 49.0
        );
    }
    for (i, ser) in series.iter().filter(|s| s.kind == "loop").enumerate() {
        let pts: Vec<String> = ser
            .points
            .iter()
            .map(|(t, o)| format!("{:.1},{:.1}", x(*t), y(o * 1e3)))
            .collect();
        let c = colour(ser.client);
        let _ = writeln!(
            s,
            "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"1.5\" points=\"{}\"/>\n\
             <rect x=\"{:.1}\" y=\"{:.1}\" width=\"14\" height=\"3\" fill=\"{c}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{} (line: offset given to its discipline; dots: raw samples)</text>",
            pts.join(" "),
            LEFT + 10.0,
            TOP + 12.0 + 16.0 * i as f64,
            LEFT + 30.0,
            TOP + 17.0 + 16.0 * i as f64,
            ser.client
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_known_values() {
        // |x| = 1..=20: rms = sqrt(sum k^2 / 20) = sqrt(143.5); p95 is the 19th of 20.
        let pts: Vec<Point> = (1..=20)
            .map(|k| {
                (
                    f64::from(k),
                    if k % 2 == 0 { 1.0 } else { -1.0 } * f64::from(k),
                )
            })
            .collect();
        let m = summarise(&pts, 0.0).unwrap();
        assert_eq!(m.n, 20);
        assert!((m.rms - 143.5f64.sqrt()).abs() < 1e-12);
        assert!((m.mean - 0.5).abs() < 1e-12);
        assert_eq!((m.p95, m.max), (19.0, 20.0));
        assert_eq!(summarise(&pts, 11.0).unwrap().n, 10);
        assert!(summarise(&pts, 21.0).is_none());
    }
}
