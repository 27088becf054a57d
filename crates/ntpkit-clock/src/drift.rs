//! The drift file: one number, the frequency correction in PPM, as ntpd writes it. This
//! crate only formats and parses the value; the runtime writes it hourly to a temporary
//! file and renames it over the old one, so a crash never leaves a torn file.

use crate::ClockError;
use crate::constants::MAXFREQ;

/// Longest drift file accepted (a number and a newline; anything longer is not ours).
const MAX_DRIFT_LEN: usize = 64;

/// The drift file text for `frequency` (s/s): PPM with three decimals and a newline.
pub fn format_drift(frequency: f64) -> String {
    let ppm = (frequency.clamp(-MAXFREQ, MAXFREQ)) * 1e6;
    format!("{ppm:.3}\n")
}

/// The frequency (s/s) in a drift file's text. Accepts ntpd's and chrony's first field
/// (chrony appends a second number, the skew), rejecting anything outside +-500 PPM.
pub fn parse_drift(text: &str) -> Result<f64, ClockError> {
    if text.len() > MAX_DRIFT_LEN {
        return Err(ClockError::DriftFile);
    }
    let ppm: f64 = text
        .split_whitespace()
        .next()
        .and_then(|f| f.parse().ok())
        .ok_or(ClockError::DriftFile)?;
    let frequency = ppm * 1e-6;
    if !frequency.is_finite() || frequency.abs() > MAXFREQ {
        return Err(ClockError::DriftFile);
    }
    Ok(frequency)
}
