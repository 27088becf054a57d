//! The chart: three panels (offset, frequency, jitter) sharing a UTC time axis, written as
//! plain SVG text.

use std::fmt::Write as _;

use crate::axis::Axis;
use crate::day::day_label;
use crate::load::Data;

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 190.0;
const TOP: f64 = 56.0;
const PANEL_HEIGHT: f64 = 190.0;
const PANEL_GAP: f64 = 34.0;
const BOTTOM: f64 = 56.0;
/// A loopstats line is broken where updates are further apart than this (daemon down).
const GAP_MS: i64 = 3_600_000;
const COLORS: [&str; 8] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

/// The time window: `days` UTC days from the start of MJD `first_mjd`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub(crate) first_mjd: u32,
    pub(crate) days: u32,
}

impl Window {
    fn start_ms(self) -> i64 {
        (i64::from(self.first_mjd) - ntpkit_stats::civil::MJD_UNIX_EPOCH) * 86_400_000
    }
    fn end_ms(self) -> i64 {
        self.start_ms() + i64::from(self.days) * 86_400_000
    }
    fn x(self, unix_ms: i64) -> f64 {
        let plot = WIDTH - LEFT - RIGHT;
        LEFT + (unix_ms - self.start_ms()) as f64 / (self.end_ms() - self.start_ms()) as f64 * plot
    }
}

/// Text safe inside SVG elements and attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// The values at the given quantile (0..=1) of `values`, ignoring non-finite ones.
fn quantile(values: &mut [f64], q: f64) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    (n > 0).then(|| values[((n - 1) as f64 * q).round() as usize])
}

/// Per peer: its name and (time, value, rejected) points.
type PeerSeries<'a> = Vec<(&'a str, Vec<(i64, f64, bool)>)>;

struct Panel<'a> {
    label: &'static str,
    axis: Axis,
    system: Vec<(i64, f64)>,
    /// Per peer: (time, value, rejected).
    peers: PeerSeries<'a>,
}

/// Renders the chart.
pub(crate) fn render(data: &Data, window: Window, title: &str) -> String {
    let in_window = |t: i64| (window.start_ms()..window.end_ms()).contains(&t);
    let loops: Vec<_> = data.loops.iter().filter(|p| in_window(p.unix_ms)).collect();
    let peer_values = |pick: fn(&crate::load::PeerPoint) -> f64| -> PeerSeries<'_> {
        data.peers
            .iter()
            .map(|(name, points)| {
                let pts = points
                    .iter()
                    .filter(|p| in_window(p.unix_ms))
                    .map(|p| (p.unix_ms, pick(p), p.rejected))
                    .collect();
                (name.as_str(), pts)
            })
            .collect()
    };
    // Peer offsets scale the axis only between their 1st and 99th percentiles, so one
    // falseticker's seconds do not flatten everyone else's microseconds.
    let robust = |peers: &PeerSeries<'_>| -> Vec<f64> {
        let mut all: Vec<f64> = peers
            .iter()
            .flat_map(|(_, p)| p.iter().filter(|v| !v.2).map(|v| v.1))
            .collect();
        [quantile(&mut all, 0.01), quantile(&mut all, 0.99)]
            .into_iter()
            .flatten()
            .collect()
    };
    let offset_peers = peer_values(|p| p.offset);
    let jitter_peers = peer_values(|p| p.jitter);
    let panels = [
        Panel {
            label: "offset",
            axis: Axis::covering(
                loops.iter().map(|p| p.offset).chain(robust(&offset_peers)),
                true,
                "",
            ),
            system: loops.iter().map(|p| (p.unix_ms, p.offset)).collect(),
            peers: offset_peers,
        },
        Panel {
            label: "frequency",
            axis: Axis::covering(loops.iter().map(|p| p.frequency), false, "PPM"),
            system: loops.iter().map(|p| (p.unix_ms, p.frequency)).collect(),
            peers: Vec::new(),
        },
        Panel {
            label: "jitter",
            axis: Axis::covering(
                loops
                    .iter()
                    .map(|p| p.jitter)
                    .chain(robust(&jitter_peers))
                    .chain([0.0]),
                true,
                "",
            ),
            system: loops.iter().map(|p| (p.unix_ms, p.jitter)).collect(),
            peers: jitter_peers,
        },
    ];

    let height = TOP + 3.0 * PANEL_HEIGHT + 2.0 * PANEL_GAP + BOTTOM;
    let mut svg = String::with_capacity(64 * 1024);
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="28" font-size="16" font-weight="bold">{}</text>"#,
        escape(title)
    );
    let mut off_scale = 0usize;
    for (i, panel) in panels.iter().enumerate() {
        let top = TOP + i as f64 * (PANEL_HEIGHT + PANEL_GAP);
        off_scale += draw_panel(&mut svg, panel, window, top, i == panels.len() - 1);
    }
    draw_legend(&mut svg, &panels[0], off_scale);
    svg.push_str("</svg>\n");
    svg
}

/// Draws one panel; returns how many peer points were clamped to its edge.
fn draw_panel(
    svg: &mut String,
    panel: &Panel<'_>,
    window: Window,
    top: f64,
    bottom_axis: bool,
) -> usize {
    let right = WIDTH - RIGHT;
    let y = |v: f64| top + PANEL_HEIGHT * (1.0 - panel.axis.fraction(v));
    let _ = writeln!(svg, r#"<g class="panel" id="{}">"#, panel.label);
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{top}" width="{}" height="{PANEL_HEIGHT}" fill="#fafafa" stroke="#888"/>"##,
        right - LEFT
    );
    for &tick in &panel.axis.ticks {
        let ty = y(tick);
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{ty:.1}" x2="{right}" y2="{ty:.1}" stroke="#ddd"/>"##
        );
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            ty + 4.0,
            panel.axis.label(tick)
        );
    }
    // Time grid: every 3 h for one day, 6 h up to three days, daily beyond.
    let step_h: i64 = match window.days {
        0 | 1 => 3,
        2 | 3 => 6,
        _ => 24,
    };
    let hours = i64::from(window.days) * 24;
    for h in (0..=hours).step_by(step_h as usize) {
        let x = window.x(window.start_ms() + h * 3_600_000);
        let color = if h % 24 == 0 { "#999" } else { "#e4e4e4" };
        let _ = writeln!(
            svg,
            r#"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{}" stroke="{color}"/>"#,
            top + PANEL_HEIGHT
        );
        if bottom_axis {
            let base = top + PANEL_HEIGHT;
            let _ = writeln!(
                svg,
                r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{:02}:00</text>"#,
                base + 16.0,
                h % 24
            );
            if h % 24 == 0 && h < hours {
                let day = window.first_mjd + (h / 24) as u32;
                let _ = writeln!(
                    svg,
                    r#"<text x="{x:.1}" y="{:.1}" font-weight="bold">{} (MJD {day})</text>"#,
                    base + 34.0,
                    day_label(day)
                );
            }
        }
    }
    let unit = if panel.axis.unit.is_empty() {
        String::new()
    } else {
        format!(" ({})", panel.axis.unit)
    };
    let _ = writeln!(
        svg,
        r#"<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle" font-weight="bold">{}{}</text>"#,
        top + PANEL_HEIGHT / 2.0,
        panel.label,
        escape(&unit)
    );

    let mut clamped = 0;
    for (i, (name, points)) in panel.peers.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let _ = writeln!(
            svg,
            r#"<g class="peer" data-peer="{}" fill="{color}" stroke="{color}">"#,
            escape(name)
        );
        for &(t, v, rejected) in points {
            let (vy, edge) = match v {
                v if v > panel.axis.max => (panel.axis.max, true),
                v if v < panel.axis.min => (panel.axis.min, true),
                v if v.is_nan() => continue,
                v => (v, false),
            };
            clamped += usize::from(edge);
            let fill = if rejected || edge {
                r#" fill="none""#
            } else {
                r#" fill-opacity="0.55" stroke="none""#
            };
            let _ = writeln!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="1.8"{fill}/>"#,
                window.x(t),
                y(vy)
            );
        }
        svg.push_str("</g>\n");
    }
    // The system (loopstats) line on top, broken where the daemon was not running.
    let mut run: Vec<String> = Vec::new();
    let mut last_t = None;
    let flush = |run: &mut Vec<String>, svg: &mut String| {
        if !run.is_empty() {
            let _ = writeln!(
                svg,
                r##"<polyline class="system" fill="none" stroke="#222" stroke-width="1.3" points="{}"/>"##,
                run.join(" ")
            );
            run.clear();
        }
    };
    for &(t, v) in &panel.system {
        if !v.is_finite() {
            continue;
        }
        if last_t.is_some_and(|last: i64| t - last > GAP_MS) {
            flush(&mut run, svg);
        }
        let v = v.clamp(panel.axis.min, panel.axis.max);
        run.push(format!("{:.1},{:.1}", window.x(t), y(v)));
        last_t = Some(t);
    }
    flush(&mut run, svg);
    svg.push_str("</g>\n");
    clamped
}

fn draw_legend(svg: &mut String, offsets: &Panel<'_>, off_scale: usize) {
    let x = WIDTH - RIGHT + 16.0;
    let mut y = TOP + 8.0;
    let _ = writeln!(
        svg,
        r##"<line x1="{x}" y1="{y}" x2="{}" y2="{y}" stroke="#222" stroke-width="1.3"/>"##,
        x + 18.0
    );
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}">system (loopstats)</text>"#,
        x + 24.0,
        y + 4.0
    );
    for (i, (name, _)) in offsets.peers.iter().enumerate() {
        y += 18.0;
        let color = COLORS[i % COLORS.len()];
        let _ = writeln!(
            svg,
            r#"<circle cx="{}" cy="{y}" r="4" fill="{color}"/>"#,
            x + 9.0
        );
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}">{}</text>"#,
            x + 24.0,
            y + 4.0,
            escape(name)
        );
    }
    y += 26.0;
    let _ = writeln!(
        svg,
        r##"<text x="{x}" y="{y}" fill="#555">dots: peerstats;</text>"##
    );
    let _ = writeln!(
        svg,
        r##"<text x="{x}" y="{}" fill="#555">hollow: rejected by selection</text>"##,
        y + 15.0
    );
    let _ = writeln!(
        svg,
        r##"<text x="{x}" y="{}" fill="#555">or off scale ({off_scale} points)</text>"##,
        y + 30.0
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_break_out_of_the_markup() {
        assert_eq!(escape("<script>&\"'\n"), "&lt;script&gt;&amp;&quot;&#39;?");
    }
}
