//! The system clock behind ntpkit-clock's [`Clock`] trait: `CLOCK_REALTIME` read through the
//! vDSO and adjusted with `clock_adjtime(2)`.
//!
//! The discipline runs in user space (ntpkit-clock's PLL/FLL, like ntpd's `disable kernel`
//! and chrony): once a second it sets the kernel's frequency (`ADJ_FREQUENCY`) to the
//! frequency plus that second's share of the phase correction; steps go through
//! `ADJ_SETOFFSET`, which moves the clock atomically by an offset rather than setting an
//! absolute time read a moment earlier; leap seconds are armed with `STA_INS`/`STA_DEL` and
//! the kernel inserts or deletes the second itself at UTC midnight. With ntp.conf's
//! `enable kernel`, [`SystemClock::kernel_pll_update`] hands each clock update to the
//! kernel's own PLL instead, as ntpd does.
//!
//! The parts, so that nothing which could move the clock runs in a test:
//! - `timex`: every value conversion, pure functions, tested against `man 2 adjtimex`;
//! - `ops`: the call sequence of each method (read the status, write it back changed),
//!   written once over the `Adjtime` trait;
//! - `model` (tests only): a model of the kernel's NTP state machine that `ops` runs
//!   against, `EPERM` included;
//! - `kernel`: the one `clock_adjtime` call. Under `cfg(test)` it panics on any request but
//!   a read (`modes = 0`) before reaching the kernel: CI runs the tests as root, and a
//!   setting call would move that machine's clock.

mod kernel;
#[cfg(test)]
mod model;
mod ops;
mod timex;

use std::io;
use std::time::Duration;

use ntpkit_clock::{Clock, ClockStatus};
use ntpkit_wire::{LeapIndicator, NtpDuration, NtpTimestamp};

use crate::time::UnixTime;
use kernel::Kernel;
use timex::Timex;

/// The kernel's clock, as [`Clock`] for the discipline, plus the status reporting a
/// daemon owes the rest of the system (`STA_UNSYNC`, error bounds).
///
/// Errors are [`io::Error`]s from `clock_adjtime(2)`: `ErrorKind::PermissionDenied`
/// (`EPERM`) means the process lacks `CAP_SYS_TIME`; reading never needs it.
///
/// ```
/// use ntpkit_clock::Clock;
/// use ntpkit_runtime::SystemClock;
///
/// // Reading needs no privilege and changes nothing.
/// let clock = SystemClock::new();
/// let status = clock.status()?;
/// assert!(status.frequency.abs() <= 500e-6);
/// assert!(status.handles_leap);
/// assert!(clock.now()?.seconds() > 0);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct SystemClock {
    _private: (),
}

/// The kernel's view of the clock (what `adjtimex --print` or `ntptime` show).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct KernelClockState {
    /// Frequency correction in force, s/s (positive makes the clock run faster).
    pub frequency: f64,
    /// The leap second armed for the end of the UTC day.
    pub leap: LeapIndicator,
    /// Whether the kernel considers the clock synchronised (`STA_UNSYNC` clear).
    pub synchronized: bool,
    /// Whether the kernel's own PLL/FLL is on (`STA_PLL`): some other program disciplines
    /// the clock through the kernel, or did and left it on.
    pub kernel_discipline: bool,
    /// Maximum error the kernel reports, seconds (it grows by 500 us each second).
    pub max_error: f64,
    /// Estimated error the kernel reports, seconds.
    pub estimated_error: f64,
    /// TAI - UTC, seconds, as last set (0 when nobody has set it).
    pub tai_offset: i32,
}

impl SystemClock {
    /// The system clock. Nothing is read or changed until a method is called.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the kernel's clock state (read-only; needs no privilege).
    ///
    /// # Errors
    /// As `clock_adjtime(2)` (only on a kernel without it).
    pub fn kernel_state(&self) -> io::Result<KernelClockState> {
        ops::read(&mut Kernel).map(|reply| kernel_state(&reply))
    }

    /// Takes the clock over from whatever disciplined it before (an earlier ntpd, chrony,
    /// or `adjtime(3)`): cancels slews in progress, switches the kernel PLL/FLL off,
    /// disarms any leap and marks the clock unsynchronised. Call once, before the first
    /// adjustment; the frequency is left as it is for the drift file to set.
    ///
    /// # Errors
    /// `PermissionDenied` without `CAP_SYS_TIME`; otherwise as `clock_adjtime(2)`.
    pub fn take_over(&mut self) -> io::Result<()> {
        ops::take_over(&mut Kernel)
    }

    /// Slews the clock by `offset` once, as `adjtime(3)` and `ntpdig -s` do
    /// (`ADJ_OFFSET_SINGLESHOT`): the kernel runs the clock up to 500 us a second fast
    /// (positive `offset`) or slow until the offset, rounded to the microsecond, is worked
    /// off: 2 ms take 4 s, one second 33 minutes ([`Self::slew_duration`]). Replaces a slew
    /// still in progress (the part already done stays done). Meant for one-shot clients:
    /// a discipline steers through [`Clock`] instead, and [`Self::take_over`] cancels a slew.
    ///
    /// # Errors
    /// `InvalidInput` beyond +-2145 s (whole seconds; glibc's `adjtime(3)` limit, so that
    /// the microseconds fit a 32-bit `long`); `PermissionDenied` without `CAP_SYS_TIME`;
    /// otherwise as `clock_adjtime(2)`.
    pub fn slew(&mut self, offset: NtpDuration) -> io::Result<()> {
        ops::slew(&mut Kernel, offset)
    }

    /// How long the kernel takes to work off a [`Self::slew`] of `offset`, at its fixed
    /// 500 us a second (`MAX_TICKADJ` in `kernel/time/ntp.c`), rounded up to the second.
    ///
    /// ```
    /// use ntpkit_runtime::SystemClock;
    /// use ntpkit_wire::NtpDuration;
    /// use std::time::Duration;
    ///
    /// let d = SystemClock::slew_duration(NtpDuration::from_seconds_f64(-0.012345));
    /// assert_eq!(d, Duration::from_secs(25));
    /// ```
    pub fn slew_duration(offset: NtpDuration) -> Duration {
        let seconds = timex::micros(offset)
            .unsigned_abs()
            .div_ceil(timex::SLEW_US_PER_SEC.unsigned_abs().into());
        // |offset| < 2^31 s, so the seconds fit a u64 by far.
        Duration::from_secs(u64::try_from(seconds).unwrap_or(u64::MAX))
    }

    /// Tells the kernel the clock is synchronised, with error bounds in seconds (RFC 5905's
    /// root distance and the system jitter are the usual choices). Clears `STA_UNSYNC`,
    /// which is what `timedatectl` reports, and what lets the kernel copy the time to the
    /// hardware clock every 11 minutes. Repeat at least every few hours: the kernel grows
    /// the maximum error by 500 us a second and calls the clock unsynchronised at 16 s.
    ///
    /// # Errors
    /// `PermissionDenied` without `CAP_SYS_TIME`; otherwise as `clock_adjtime(2)`.
    pub fn set_synchronized(&mut self, max_error: f64, estimated_error: f64) -> io::Result<()> {
        ops::set_sync(&mut Kernel, Some((max_error, estimated_error)))
    }

    /// Sets TAI - UTC in seconds (from the leap file; 37 since 2017), so that `CLOCK_TAI`
    /// reads TAI. The kernel increments it itself when it inserts a leap second.
    ///
    /// # Errors
    /// `InvalidInput` outside the kernel's `0..=100000`; `PermissionDenied` without
    /// `CAP_SYS_TIME`; otherwise as `clock_adjtime(2)`.
    pub fn set_tai_offset(&mut self, tai_offset: i32) -> io::Result<()> {
        ops::set_tai(&mut Kernel, tai_offset)
    }

    /// Hands one clock update to the kernel's own PLL/FLL instead of disciplining in user
    /// space (ntp.conf's `enable kernel`, as ntpd does it): `offset` is the correction in
    /// seconds (positive moves the clock forward; the kernel takes at most +-0.5 s and slews
    /// it out itself), `poll` the poll exponent, used as the loop's time constant, and the
    /// error bounds are as for [`Self::set_synchronized`]. Switches the kernel PLL on with
    /// the first update; do not call [`Clock::set_frequency`] while it is on (the two would
    /// fight); read its frequency back with [`Self::kernel_state`] for the drift file, and
    /// use [`Self::take_over`] to switch it off again.
    ///
    /// # Errors
    /// `InvalidInput` for a NaN offset; `PermissionDenied` without `CAP_SYS_TIME`;
    /// otherwise as `clock_adjtime(2)`.
    pub fn kernel_pll_update(
        &mut self,
        offset: f64,
        poll: i8,
        max_error: f64,
        estimated_error: f64,
    ) -> io::Result<()> {
        ops::kernel_pll(&mut Kernel, offset, poll, max_error, estimated_error)
    }

    /// Tells the kernel the clock is not synchronised (sets `STA_UNSYNC`, error bounds at
    /// the kernel's 16 s maximum).
    ///
    /// # Errors
    /// `PermissionDenied` without `CAP_SYS_TIME`; otherwise as `clock_adjtime(2)`.
    pub fn set_unsynchronized(&mut self) -> io::Result<()> {
        ops::set_sync(&mut Kernel, None)
    }
}

impl Clock for SystemClock {
    type Error = io::Error;

    /// `CLOCK_REALTIME`, as an NTP timestamp.
    fn now(&self) -> io::Result<NtpTimestamp> {
        let t = UnixTime::now();
        Ok(NtpTimestamp::from_unix(t.secs, t.nanos))
    }

    /// `ADJ_SETOFFSET | ADJ_NANO`: the kernel adds `offset` to the clock atomically.
    fn step(&mut self, offset: NtpDuration) -> io::Result<()> {
        ops::step(&mut Kernel, offset)
    }

    /// `ADJ_FREQUENCY`, clamped to the kernel's +-500 PPM; NaN is `InvalidInput`.
    fn set_frequency(&mut self, frequency: f64) -> io::Result<()> {
        ops::set_frequency(&mut Kernel, frequency)
    }

    /// `ADJ_STATUS` with `STA_INS`/`STA_DEL`, every other status bit kept as read just
    /// before (the kernel replaces them all). No call when the kernel already agrees.
    fn set_leap(&mut self, leap: LeapIndicator) -> io::Result<()> {
        ops::set_leap(&mut Kernel, leap)
    }

    /// The kernel's frequency and armed leap (read-only).
    fn status(&self) -> io::Result<ClockStatus> {
        ops::read(&mut Kernel).map(|reply| timex::clock_status(&reply))
    }
}

/// The kernel's view from a read-only reply.
fn kernel_state(reply: &Timex) -> KernelClockState {
    KernelClockState {
        frequency: timex::frequency_from_freq(reply.freq),
        leap: timex::leap_from_status(reply.status),
        synchronized: reply.status & libc::STA_UNSYNC == 0,
        kernel_discipline: reply.status & libc::STA_PLL != 0,
        max_error: reply.maxerror as f64 / 1e6,
        estimated_error: reply.esterror as f64 / 1e6,
        tai_offset: reply.tai,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_reads_the_running_kernel_without_changing_it() {
        let clock = SystemClock::new();
        let before = clock.kernel_state().unwrap();
        let status = clock.status().unwrap();
        // Whatever disciplines this machine keeps within the kernel's +-500 PPM.
        assert!(status.frequency.abs() <= 500e-6, "{status:?}");
        assert!(status.handles_leap);
        assert!(
            before.max_error >= 0.0 && before.max_error <= 16.0,
            "{before:?}"
        );
        assert!(before.estimated_error >= 0.0, "{before:?}");
        // Reading twice reads the same frequency: nothing was set.
        let after = clock.kernel_state().unwrap();
        assert_eq!(before.frequency, after.frequency);
        assert_eq!(status.frequency, before.frequency);
    }

    #[test]
    fn now_agrees_with_the_realtime_clock() {
        let clock = SystemClock::new();
        let t = UnixTime::now();
        let now = clock.now().unwrap();
        let (secs, _) = now.to_unix(t.secs);
        assert!((secs - t.secs).abs() <= 1, "{secs} vs {}", t.secs);
    }

    #[test]
    fn slews_take_a_second_per_500_microseconds() {
        let d = |s: f64| SystemClock::slew_duration(NtpDuration::from_seconds_f64(s));
        assert_eq!(d(0.002), Duration::from_secs(4));
        assert_eq!(d(-1.0), Duration::from_secs(2_000));
        assert_eq!(d(0.000_501), Duration::from_secs(2));
        assert_eq!(d(0.0), Duration::ZERO);
        // Beyond what slew() accepts it still answers (a day: 172.8 million seconds).
        assert_eq!(d(86_400.0), Duration::from_secs(172_800_000));
    }

    #[test]
    fn kernel_state_decodes_status_bits_and_microseconds() {
        let reply = Timex {
            freq: 65_536 * 3,
            // STA_PLL | STA_UNSYNC | STA_INS, from man 2 adjtimex.
            status: 0x0001 | 0x0040 | 0x0010,
            maxerror: 16_000_000,
            esterror: 1_500,
            tai: 37,
            ..Timex::default()
        };
        let s = kernel_state(&reply);
        assert_eq!(s.frequency, 3e-6);
        assert_eq!(s.leap, LeapIndicator::InsertSecond);
        assert!(!s.synchronized);
        assert!(s.kernel_discipline);
        assert_eq!(s.max_error, 16.0);
        assert_eq!(s.estimated_error, 0.0015);
        assert_eq!(s.tai_offset, 37);
    }
}
