//! What each [`super::SystemClock`] method asks of the kernel, in order, written once over
//! [`Adjtime`] so that the sequences (read the status, then write it back changed) run
//! against a model of the kernel in tests and against the kernel itself in the daemon.

use std::io;

use ntpkit_wire::{LeapIndicator, NtpDuration};

use super::kernel::Adjtime;
use super::timex::{self, Timex};

/// The clock's state, read-only (`modes = 0`).
pub(crate) fn read(k: &mut impl Adjtime) -> io::Result<Timex> {
    k.adjtime(&Timex::default())
}

/// Steps the clock by `offset`.
pub(crate) fn step(k: &mut impl Adjtime, offset: NtpDuration) -> io::Result<()> {
    k.adjtime(&timex::step_request(offset)).map(drop)
}

/// Slews the clock by `offset` once (`adjtime(3)`), replacing any slew in progress.
pub(crate) fn slew(k: &mut impl Adjtime, offset: NtpDuration) -> io::Result<()> {
    let request = timex::slew_request(offset)
        .ok_or_else(|| invalid("slew beyond adjtime's +-2145 s: step instead"))?;
    k.adjtime(&request).map(drop)
}

/// Sets the frequency correction (s/s).
pub(crate) fn set_frequency(k: &mut impl Adjtime, frequency: f64) -> io::Result<()> {
    let request =
        timex::frequency_request(frequency).ok_or_else(|| invalid("frequency is not a number"))?;
    k.adjtime(&request).map(drop)
}

/// Arms or disarms a leap second, keeping every other status bit; no write if unchanged.
pub(crate) fn set_leap(k: &mut impl Adjtime, leap: LeapIndicator) -> io::Result<()> {
    let current = read(k)?;
    match timex::leap_request(current.status, leap) {
        Some(request) => k.adjtime(&request).map(drop),
        None => Ok(()),
    }
}

/// Cancels slews, zeroes the kernel PLL's phase and switches it off.
pub(crate) fn take_over(k: &mut impl Adjtime) -> io::Result<()> {
    let current = read(k)?;
    for request in timex::take_over_requests(current.status) {
        k.adjtime(&request)?;
    }
    Ok(())
}

/// Marks the clock synchronised with `(maximum, estimated)` error bounds, or not (`None`).
pub(crate) fn set_sync(k: &mut impl Adjtime, errors: Option<(f64, f64)>) -> io::Result<()> {
    let current = read(k)?;
    k.adjtime(&timex::sync_request(current.status, errors))
        .map(drop)
}

/// Sets TAI - UTC.
pub(crate) fn set_tai(k: &mut impl Adjtime, tai_offset: i32) -> io::Result<()> {
    let request =
        timex::tai_request(tai_offset).ok_or_else(|| invalid("TAI - UTC out of range"))?;
    k.adjtime(&request).map(drop)
}

/// One update of the kernel PLL.
pub(crate) fn kernel_pll(
    k: &mut impl Adjtime,
    offset: f64,
    poll: i8,
    max_error: f64,
    estimated_error: f64,
) -> io::Result<()> {
    let current = read(k)?;
    let request =
        timex::kernel_pll_request(current.status, offset, poll, max_error, estimated_error)
            .ok_or_else(|| invalid("offset is not a number"))?;
    k.adjtime(&request).map(drop)
}

fn invalid(message: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}
