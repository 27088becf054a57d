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

/// When to write the drift file: at most once an hour (as ntpd does), and only once the
/// discipline has a frequency worth keeping. The runtime writes the text it returns to a
/// temporary file and renames it over the drift file.
#[derive(Debug, Clone, Default)]
pub struct DriftSchedule {
    last_write: Option<ntpkit_wire::NtpTimestamp>,
}

impl DriftSchedule {
    /// Seconds between writes.
    pub const INTERVAL: f64 = 3600.0;

    /// A schedule that has written nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The drift file text to write now, if one is due: an hour after the last write (the
    /// first write an hour after the first call), and only while `synchronized`.
    pub fn poll(
        &mut self,
        now: ntpkit_wire::NtpTimestamp,
        frequency: f64,
        synchronized: bool,
    ) -> Option<String> {
        let last = *self.last_write.get_or_insert(now);
        let due = crate::clock::seconds_between(now, last) >= Self::INTERVAL;
        if !(due && synchronized && frequency.is_finite()) {
            return None;
        }
        self.last_write = Some(now);
        Some(format_drift(frequency))
    }
}
