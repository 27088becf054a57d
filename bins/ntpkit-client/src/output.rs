//! Text and JSON reports of a query.

use ntpkit_assoc::ClientSample;
use ntpkit_wire::LeapIndicator;
use serde::Serialize;

use crate::adjust::Adjustment;

/// One sample as printed.
#[derive(Serialize)]
struct SampleOut {
    offset: f64,
    delay: f64,
    dispersion: f64,
}

/// What `-S`/`-s` did (`--json` `adjustment`; null without them).
#[derive(Serialize)]
struct AdjustmentOut {
    /// "step" or "slew".
    action: &'static str,
    /// Seconds handed to the clock.
    offset: f64,
    /// Whether the clock took it.
    applied: bool,
    /// Why not, when it did not.
    error: Option<String>,
}

/// The whole report (`--json`).
#[derive(Serialize)]
struct Report<'a> {
    host: &'a str,
    address: String,
    stratum: u8,
    reference_id: String,
    leap: &'static str,
    precision: i8,
    root_delay: f64,
    root_dispersion: f64,
    authenticated_key: Option<u32>,
    offset: f64,
    delay: f64,
    dispersion: f64,
    samples: Vec<SampleOut>,
    adjustment: Option<AdjustmentOut>,
}

fn leap_name(leap: LeapIndicator) -> &'static str {
    match leap {
        LeapIndicator::NoWarning => "none",
        LeapIndicator::InsertSecond => "insert",
        LeapIndicator::DeleteSecond => "delete",
        LeapIndicator::Unsynchronized => "unsynchronized",
    }
}

/// The reference id as text: a clock name at stratum 1, an address above.
fn refid_text(s: &ClientSample) -> String {
    let r = s.server.reference_id;
    match (s.server.stratum, r.as_ascii()) {
        (1, Some(name)) => name.to_string(),
        _ => {
            let [a, b, c, d] = r.0;
            format!("{a}.{b}.{c}.{d}")
        }
    }
}

fn adjustment_out(a: &Adjustment) -> AdjustmentOut {
    AdjustmentOut {
        action: a.action.verb(),
        offset: a.offset,
        applied: a.error.is_none(),
        error: a.error.as_ref().map(ToString::to_string),
    }
}

/// The sample the report and `-S`/`-s` use: the lowest delay, as the clock filter would
/// pick it.
pub(crate) fn best(samples: &[ClientSample]) -> Option<&ClientSample> {
    samples
        .iter()
        .min_by(|a, b| a.sample.delay.total_cmp(&b.sample.delay))
}

/// Prints the report: every sample, the server, the [`best`] sample, and what `-S`/`-s`
/// did to the clock.
pub(crate) fn print(
    host: &str,
    address: std::net::SocketAddr,
    samples: &[ClientSample],
    adjustment: Option<&Adjustment>,
    json: bool,
) {
    let Some(best) = best(samples) else {
        return;
    };
    let report = Report {
        host,
        address: address.to_string(),
        stratum: best.server.stratum,
        reference_id: refid_text(best),
        leap: leap_name(best.server.leap),
        precision: best.server_precision,
        root_delay: best.server.root_delay,
        root_dispersion: best.server.root_dispersion,
        authenticated_key: best.authenticated.map(u32::from),
        offset: best.sample.offset,
        delay: best.sample.delay,
        dispersion: best.sample.dispersion,
        samples: samples
            .iter()
            .map(|s| SampleOut {
                offset: s.sample.offset,
                delay: s.sample.delay,
                dispersion: s.sample.dispersion,
            })
            .collect(),
        adjustment: adjustment.map(adjustment_out),
    };
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("ntpkit-client: cannot encode JSON: {e}"),
        }
        return;
    }
    for (i, s) in report.samples.iter().enumerate() {
        println!(
            "sample {}: offset {:+.9} s, delay {:.9} s, dispersion {:.9} s",
            i + 1,
            s.offset,
            s.delay,
            s.dispersion
        );
    }
    let auth = report
        .authenticated_key
        .map(|k| format!(", authenticated with key {k}"))
        .unwrap_or_default();
    println!(
        "{} ({}): stratum {}, refid {}, leap {}{}",
        report.host, report.address, report.stratum, report.reference_id, report.leap, auth
    );
    println!(
        "offset {:+.9} s, delay {:.9} s, dispersion {:.9} s",
        report.offset, report.delay, report.dispersion
    );
    if let Some(a) = adjustment {
        println!("{}", a.describe());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adjust::ClockAction;
    use crate::error::ClientError;

    #[test]
    fn json_adjustment_says_what_was_applied_or_why_not() {
        let done = Adjustment {
            action: ClockAction::Step,
            offset: -0.25,
            error: None,
        };
        let v = serde_json::to_value(adjustment_out(&done)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"action": "step", "offset": -0.25, "applied": true, "error": null})
        );
        let refused = Adjustment {
            action: ClockAction::Slew,
            offset: 0.5,
            error: Some(ClientError::NotAdjusted("too far".into())),
        };
        let v = serde_json::to_value(adjustment_out(&refused)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"action": "slew", "offset": 0.5, "applied": false, "error": "too far"})
        );
    }
}
