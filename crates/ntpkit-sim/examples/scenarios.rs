//! Runs the standard scenarios and writes docs/clock-scenarios.md and docs/clock-offset.svg.
//!
//! `cargo run -p ntpkit-sim --example scenarios --release`

use std::fmt::Write as _;

use ntpkit_sim::{Report, Scenario, ServerKind, ServerSpec, Simulation, library};

fn run(s: Scenario) -> Report {
    Simulation::new(s).expect("valid options").run()
}

fn compensated(mut s: Scenario) -> Scenario {
    s.options.compensate_slew = true;
    s
}

/// The scenario with the oscillator's true frequency error in the drift file (a restart).
fn with_drift(mut s: Scenario) -> Scenario {
    s.restored_frequency = Some(-s.clock.frequency_error);
    s
}

/// A library function: the scenario for a seed.
type ScenarioFamily = fn(u64) -> Scenario;

/// One row per scenario family over seeds 1..=8: the spread of RMS and end offsets.
fn seed_spread(md: &mut String) {
    md.push_str("\nThe same scenarios over seeds 1 to 8 (RFC):\n\n");
    md.push_str("| scenario | RMS offset min..max | end offset min..max | freq error min..max |\n");
    md.push_str("| --- | ---: | ---: | ---: |\n");
    let families: [(&str, ScenarioFamily); 3] = [
        ("LAN, 3 good servers", library::lan),
        ("WAN, 3 good servers", library::wan),
        ("LAN pool", library::pool),
    ];
    for (name, make) in families {
        let reports: Vec<Report> = (1..=8).map(|seed| run(make(seed))).collect();
        let range = |f: &dyn Fn(&Report) -> f64| {
            let values: Vec<f64> = reports.iter().map(f).collect();
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (lo, hi)
        };
        let rms = range(&|r| r.rms_offset * 1e6);
        let end = range(&|r| r.final_offset * 1e6);
        let freq = range(&|r| r.frequency_error * 1e6);
        let _ = writeln!(
            md,
            "| {name} | {:.0}..{:.0} us | {:.0}..{:.0} us | {:.3}..{:.3} PPM |",
            rms.0, rms.1, end.0, end.1, freq.0, freq.1
        );
    }
}

/// Mean and range of the RMS offset over seeds 1..=6 for a few poll settings (`server ...
/// minpoll M maxpoll N [burst]` on every line): what the poll interval costs.
fn poll_settings(md: &mut String) {
    type Tweak = fn(&mut Scenario);
    let settings: [(&str, Tweak); 4] = [
        ("defaults (minpoll 6, maxpoll 10)", |_| {}),
        ("maxpoll 6", |s| s.options.tinker.maxpoll = 6),
        ("minpoll 4 maxpoll 6", |s| {
            s.options.tinker.minpoll = 4;
            s.options.tinker.maxpoll = 6;
        }),
        ("burst, maxpoll 6", |s| {
            s.burst = true;
            s.options.tinker.maxpoll = 6;
        }),
    ];
    md.push_str("\nPoll settings (RMS offset over 6..24 h, seeds 1 to 6: mean, min..max):\n\n");
    md.push_str("| setting | LAN | WAN |\n| --- | ---: | ---: |\n");
    for (name, tweak) in settings {
        let mut cells = Vec::new();
        for make in [library::lan as ScenarioFamily, library::wan] {
            let rms: Vec<f64> = (1..=6)
                .map(|seed| {
                    let mut s = make(seed);
                    tweak(&mut s);
                    run(s).rms_offset * 1e6
                })
                .collect();
            let mean = rms.iter().sum::<f64>() / rms.len() as f64;
            let lo = rms.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = rms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            cells.push(format!("{mean:.0} us ({lo:.0}..{hi:.0})"));
        }
        let _ = writeln!(md, "| {name} | {} | {} |", cells[0], cells[1]);
    }
}

fn main() {
    let seed = 1;
    let scenarios: Vec<(&str, Scenario)> = vec![
        ("LAN, 3 good servers, cold start (main)", library::lan(seed)),
        (
            "WAN, 3 good servers (20 ms, 5 ms jitter, 1 % loss)",
            library::wan(seed),
        ),
        (
            "LAN, 5 servers of which 2 falsetickers",
            library::falsetickers(seed),
        ),
        ("LAN, all servers gone 6h..7h", library::outage(seed)),
        (
            "LAN, start 127 ms off (slew)",
            library::start_offset(seed, 0.127),
        ),
        (
            "LAN, start 129 ms off (step)",
            library::start_offset(seed, 0.129),
        ),
        ("LAN, leap second inserted 2016-12-31", library::leap(seed)),
        (
            "LAN (main), frequency restored from a drift file",
            with_drift(library::lan(seed)),
        ),
        (
            "WAN as above, frequency restored from a drift file",
            with_drift(library::wan(seed)),
        ),
        (
            "LAN, replies 2 ms slower from 12 h (route change; RMS from 12 h, truth -1 ms)",
            library::route_change(seed),
        ),
        (
            "LAN pool (maxclock 4; dead, 2 falsetickers among 9 members)",
            library::pool(seed),
        ),
        (
            "LAN + a symmetric peer whose only source is the client",
            library::symmetric_peers(seed),
        ),
        (
            "LAN, one server rate-limits at 16 s (RATE kiss)",
            library::rate_limited(seed, 16.0),
        ),
        (
            "LAN, one server rate-limits at 100 s (RATE kiss)",
            library::rate_limited(seed, 100.0),
        ),
    ];
    let mut rows: Vec<(String, Report)> = Vec::new();
    for (name, s) in &scenarios {
        rows.push((format!("{name}, RFC"), run(s.clone())));
        rows.push((
            format!("{name}, slew-compensated"),
            run(compensated(s.clone())),
        ));
    }
    let mut md = String::new();
    md.push_str("# Clock discipline scenarios (ntpkit-sim)\n\n");
    md.push_str(
        "Regenerate with `cargo run -p ntpkit-sim --example scenarios --release` (seed 1).\n",
    );
    md.push_str(
        "The client is ntpkit-assoc's `Host`: real client associations (on-wire packets, packet\n",
    );
    md.push_str(
        "tests, poll process, iburst, reach, kisses, pool demobilisation) exchanging real NTP\n",
    );
    md.push_str("packets with simulated stratum-1 servers, its clock adjustments applied to the\n");
    md.push_str("simulated clock.\n");
    md.push_str(
        "Client oscillator: 50 ms off, 20 PPM fast, random-walk wander 1e-10/sqrt(s); RFC 5905\n",
    );
    md.push_str(
        "filter/selection/PLL-FLL with ntpd defaults (poll 64..1024 s, iburst). Offsets are\n",
    );
    md.push_str(
        "clock minus true UTC, sampled every second after the settle time (6 h; 5 h for the\n",
    );
    md.push_str("outage run, 1 h for the 2 h start runs). \"RFC\" is RFC 5905 as specified (the default),\n");
    md.push_str(
        "with ntpd's start-up hold (`freq_cnt`: while the loop settles, the clock filter hands\n",
    );
    md.push_str("over its newest sample and the PLL/FLL do not integrate frequency);\n");
    md.push_str("\"slew-compensated\" also corrects stored filter samples for the phase slewed since they\n");
    md.push_str(
        "were taken and takes the frequency from what the slewed residual fails to predict\n",
    );
    md.push_str("instead of the PLL (`ClockOptions::compensate_slew`, opt-in).\n\n");
    md.push_str(
        "| scenario | RMS offset | max offset | freq error at end | within 1 ms after | steps |\n",
    );
    md.push_str("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (name, r) in &rows {
        let t1 = r
            .time_to_1ms
            .map_or("never".to_string(), |t| format!("{:.0} s", t));
        let _ = writeln!(
            md,
            "| {name} | {:.1} us | {:.1} us | {:.3} PPM | {t1} | {} |",
            r.rms_offset * 1e6,
            r.max_offset * 1e6,
            r.frequency_error * 1e6,
            r.steps.len()
        );
    }
    for (name, r) in rows.iter().step_by(2) {
        if let Some(p) = &r.peer {
            let _ = writeln!(
                md,
                "\n{name}: the peer node's RMS {:.1} us, max {:.1} us, end {:.1} us from UTC \
                 and {:.1} us from the client, stratum {:?}, {} steps; samples taken \
                 (client of peer, peer of client) {:?}; worst excess over the on-wire bound \
                 {:.1} us.",
                p.rms_offset * 1e6,
                p.max_offset * 1e6,
                p.final_offset * 1e6,
                p.final_offset_from_client * 1e6,
                p.stratum_at_end,
                p.steps.len(),
                p.samples,
                p.worst_excess_error * 1e6
            );
        }
    }
    seed_spread(&mut md);
    poll_settings(&mut md);
    md.push_str(
        "\nThe leap row's maximum is the clock being one second ahead for the fraction of a\n",
    );
    md.push_str(
        "second between midnight and the host's next once-a-second tick, which steps it back\n",
    );
    md.push_str("(step-mode leap, as ntpd without the kernel discipline); its \"within 1 ms\" is that instant.\n\n");
    md.push_str("| scenario (RFC) | source | requests | replies | kisses | system peer | survivor | falseticker | demobilised |\n");
    md.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for ((name, r), (_, scenario)) in rows.iter().step_by(2).zip(&scenarios) {
        if !(name.contains("pool") || name.contains("rate-limits") || name.contains("falsetickers"))
        {
            continue;
        }
        let sources = r
            .servers
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("server {i} ({})", kind(&scenario.servers[i])), *t))
            .chain(r.pool.iter().map(|p| {
                let spec = scenario.pool.as_ref().map(|pool| &pool.members[p.member]);
                (
                    format!(
                        "pool member {} ({})",
                        p.member,
                        spec.map_or("?".into(), kind)
                    ),
                    p.tally,
                )
            }));
        for (source, t) in sources {
            let gone = t.demobilized.map_or(String::new(), |d| format!("{d:?}"));
            let _ = writeln!(
                md,
                "| {name} | {source} | {} | {} | {} | {} | {} | {} | {gone} |",
                t.requests, t.replies, t.kisses, t.system_peer, t.survivor, t.falseticker
            );
        }
    }
    md.push_str(
        "\nSelection counts are taken after every accepted reply that gave a filter output.\n",
    );
    md.push_str("\n![offset vs time, main scenario](clock-offset.svg)\n");
    std::fs::create_dir_all("docs").expect("docs dir");
    std::fs::write("docs/clock-scenarios.md", &md).expect("write table");
    std::fs::write(
        "docs/clock-offset.svg",
        svg(&rows[0].1.trace, &rows[1].1.trace),
    )
    .expect("write plot");
    print!("{md}");
}

/// A few words on what a server is.
fn kind(spec: &ServerSpec) -> String {
    let mut what = match spec.kind {
        ServerKind::Good => "good".to_string(),
        ServerKind::False(o) => format!("false, {o:+} s"),
        ServerKind::Dead => "dead".to_string(),
        _ => "other".to_string(),
    };
    if let Some(limit) = spec.rate_limit {
        let _ = write!(what, ", rate limit {limit} s");
    }
    what
}

/// Offset (ms, clipped linear scale) against time (h): RFC in blue, compensated in orange.
fn svg(trace: &[(f64, f64)], other: &[(f64, f64)]) -> String {
    let (w, h, m) = (800.0, 400.0, 50.0);
    let t_max = trace.last().map_or(1.0, |p| p.0).max(1.0);
    let y_max = 2.0; // ms; the cold start (50 ms) is clipped, the steady state is visible
    let x = |t: f64| m + (w - 2.0 * m) * t / t_max;
    let y = |o: f64| h / 2.0 - (h / 2.0 - m) * (o * 1e3).clamp(-y_max, y_max) / y_max;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    let _ = writeln!(
        s,
        "<text x=\"{m}\" y=\"20\">ntpkit-sim: clock minus UTC, 3 LAN servers, cold start 50 ms / 20 PPM (clipped at +-{y_max} ms)</text>"
    );
    for tick in [-2.0, -1.0, 0.0, 1.0, 2.0] {
        let yy = y(tick / 1e3);
        let _ = writeln!(
            s,
            "<line x1=\"{m}\" x2=\"{}\" y1=\"{yy}\" y2=\"{yy}\" stroke=\"#ddd\"/><text x=\"5\" y=\"{}\">{tick} ms</text>",
            w - m,
            yy + 4.0
        );
    }
    let hours = (t_max / 3600.0).ceil() as u32;
    for hh in (0..=hours).step_by(4) {
        let xx = x(f64::from(hh) * 3600.0);
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\">{hh} h</text>",
            xx - 8.0,
            h - 15.0
        );
    }
    for (points, colour, label, ly) in [
        (trace, "#1565c0", "RFC 5905", 40.0),
        (other, "#e65100", "slew-compensated", 56.0),
    ] {
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1\" points=\""
        );
        for (t, o) in points {
            let _ = write!(s, "{:.1},{:.1} ", x(*t), y(*o));
        }
        let _ = writeln!(
            s,
            "\"/>\n<text x=\"{}\" y=\"{ly}\" fill=\"{colour}\">{label}</text>",
            w - 200.0
        );
    }
    s.push_str("</svg>\n");
    s
}
