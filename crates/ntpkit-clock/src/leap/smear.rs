//! Leap smear: instead of a 61-second minute, a server that smears spreads the inserted
//! (or deleted) second over a window before the leap, so clients never see a step.
//!
//! The curve is a raised cosine over a window of `W` seconds ending at the leap instant
//! `T` (UTC midnight): for an insert the served time is behind the unsmeared clock by
//! `s(t) = (1 - cos(pi * (t - (T - W)) / W)) / 2` seconds for `T - W <= t < T`, zero before
//! and one second after (where the clock itself has stepped back, so served time is
//! continuous). Its slope is zero at both ends and at most `pi / (2 W)` in the middle:
//! 18 PPM for the common W = 86400 s. A delete uses the same curve with the opposite sign.
//! Never mix smeared and unsmeared servers in one client's selection: they differ by up to
//! a second during the window.

/// A smear window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeapSmear {
    /// Window length in seconds before the leap (86400 is usual).
    pub window: f64,
}

impl LeapSmear {
    /// Seconds to add to the unsmeared clock at `until_leap` seconds before the leap
    /// instant (negative `until_leap` after it; the clock has then applied the leap itself).
    /// `insert` chooses the direction.
    pub fn offset(&self, until_leap: f64, insert: bool) -> f64 {
        let sign = if insert { -1.0 } else { 1.0 };
        if self.window.is_nan()
            || self.window <= 0.0
            || until_leap.is_nan()
            || until_leap <= 0.0
            || until_leap > self.window
        {
            return 0.0;
        }
        let elapsed = self.window - until_leap;
        sign * (1.0 - (core::f64::consts::PI * elapsed / self.window).cos()) / 2.0
    }
}
