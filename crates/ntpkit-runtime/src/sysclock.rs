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
//! Every value conversion is a pure function in [`timex`] and tested there; this module
//! only issues the call, in one function. Unit tests of this crate can only make read-only
//! calls (`modes = 0`): any other request panics before reaching the kernel under
//! `cfg(test)`, because CI runs the tests as root and a setting call would move its clock.

mod timex;

use std::io;

use ntpkit_clock::{Clock, ClockStatus};
use ntpkit_wire::{LeapIndicator, NtpDuration, NtpTimestamp};

use crate::time::UnixTime;
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
        read().map(|reply| kernel_state(&reply))
    }

    /// Takes the clock over from whatever disciplined it before (an earlier ntpd, chrony,
    /// or `adjtime(3)`): cancels slews in progress, switches the kernel PLL/FLL off,
    /// disarms any leap and marks the clock unsynchronised. Call once, before the first
    /// adjustment; the frequency is left as it is for the drift file to set.
    ///
    /// # Errors
    /// `PermissionDenied` without `CAP_SYS_TIME`; otherwise as `clock_adjtime(2)`.
    pub fn take_over(&mut self) -> io::Result<()> {
        let current = read()?;
        for request in timex::take_over_requests(current.status) {
            clock_adjtime(&request)?;
        }
        Ok(())
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
        let current = read()?;
        clock_adjtime(&timex::sync_request(
            current.status,
            Some((max_error, estimated_error)),
        ))
        .map(drop)
    }

    /// Sets TAI - UTC in seconds (from the leap file; 37 since 2017), so that `CLOCK_TAI`
    /// reads TAI. The kernel increments it itself when it inserts a leap second.
    ///
    /// # Errors
    /// `InvalidInput` outside the kernel's `0..=100000`; `PermissionDenied` without
    /// `CAP_SYS_TIME`; otherwise as `clock_adjtime(2)`.
    pub fn set_tai_offset(&mut self, tai_offset: i32) -> io::Result<()> {
        let request = timex::tai_request(tai_offset)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "TAI - UTC out of range"))?;
        clock_adjtime(&request).map(drop)
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
        let current = read()?;
        let request =
            timex::kernel_pll_request(current.status, offset, poll, max_error, estimated_error)
                .ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidInput, "offset is not a number")
                })?;
        clock_adjtime(&request).map(drop)
    }

    /// Tells the kernel the clock is not synchronised (sets `STA_UNSYNC`, error bounds at
    /// the kernel's 16 s maximum).
    ///
    /// # Errors
    /// `PermissionDenied` without `CAP_SYS_TIME`; otherwise as `clock_adjtime(2)`.
    pub fn set_unsynchronized(&mut self) -> io::Result<()> {
        let current = read()?;
        clock_adjtime(&timex::sync_request(current.status, None)).map(drop)
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
        clock_adjtime(&timex::step_request(offset)).map(drop)
    }

    /// `ADJ_FREQUENCY`, clamped to the kernel's +-500 PPM; NaN is `InvalidInput`.
    fn set_frequency(&mut self, frequency: f64) -> io::Result<()> {
        let request = timex::frequency_request(frequency).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "frequency is not a number")
        })?;
        clock_adjtime(&request).map(drop)
    }

    /// `ADJ_STATUS` with `STA_INS`/`STA_DEL`, every other status bit kept as read just
    /// before (the kernel replaces them all). No call when the kernel already agrees.
    fn set_leap(&mut self, leap: LeapIndicator) -> io::Result<()> {
        let current = read()?;
        match timex::leap_request(current.status, leap) {
            Some(request) => clock_adjtime(&request).map(drop),
            None => Ok(()),
        }
    }

    /// The kernel's frequency and armed leap (read-only).
    fn status(&self) -> io::Result<ClockStatus> {
        read().map(|reply| timex::clock_status(&reply))
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

/// The kernel's clock state, read-only (`modes = 0`).
fn read() -> io::Result<Timex> {
    clock_adjtime(&Timex::default())
}

/// The one system call: `clock_adjtime(CLOCK_REALTIME, request)`, returning the kernel's
/// reply (its state after applying the request).
fn clock_adjtime(request: &Timex) -> io::Result<Timex> {
    // CI runs the unit tests as root: a request that sets anything would move the real
    // clock of the machine, so under test only reads may reach the kernel.
    #[cfg(test)]
    assert_eq!(request.modes, 0, "a test tried to adjust the system clock");

    let mut tx = to_kernel(request)?;
    // SAFETY: `tx` is an initialised `struct timex` owned by this frame; the kernel reads
    // it and writes the clock's state back into it, within its size, before returning.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::clock_adjtime(libc::CLOCK_REALTIME, &raw mut tx) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(from_kernel(&tx))
}

/// `request` as the kernel's `struct timex`, every field not named zero.
fn to_kernel(request: &Timex) -> io::Result<libc::timex> {
    // SAFETY: `struct timex` is plain integers and a `timeval`; all zeroes is a valid value.
    #[allow(unsafe_code)]
    let mut tx: libc::timex = unsafe { std::mem::zeroed() };
    tx.modes = request.modes;
    tx.offset = narrow(request.offset)?;
    tx.freq = narrow(request.freq)?;
    tx.maxerror = narrow(request.maxerror)?;
    tx.esterror = narrow(request.esterror)?;
    tx.status = request.status;
    tx.constant = narrow(request.constant)?;
    tx.time.tv_sec = narrow(request.time_sec)?;
    tx.time.tv_usec = narrow(request.time_usec)?;
    tx.tai = request.tai;
    Ok(tx)
}

/// The fields ntpkit uses from the kernel's reply.
fn from_kernel(tx: &libc::timex) -> Timex {
    Timex {
        modes: tx.modes,
        offset: widen(tx.offset),
        freq: widen(tx.freq),
        maxerror: widen(tx.maxerror),
        esterror: widen(tx.esterror),
        status: tx.status,
        constant: widen(tx.constant),
        time_sec: widen(tx.time.tv_sec),
        time_usec: widen(tx.time.tv_usec),
        tai: tx.tai,
    }
}

/// `value` in the platform's field type (`long`, `time_t`: 32 bits on some targets).
fn narrow<T: TryFrom<i64>>(value: i64) -> io::Result<T> {
    T::try_from(value).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "clock adjustment out of range for this platform",
        )
    })
}

/// A platform field widened to `i64`.
fn widen<T: Into<i64>>(value: T) -> i64 {
    value.into()
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

    #[test]
    fn requests_land_in_the_kernel_fields_of_the_same_name() {
        // A step of -0.5 s: what the kernel must see is tv_sec = -1, tv_usec = 500000000 (ns).
        let tx = to_kernel(&timex::step_request(NtpDuration::from_bits(-(1 << 31)))).unwrap();
        assert_eq!(tx.modes, 0x2100);
        assert_eq!((tx.time.tv_sec, tx.time.tv_usec), (-1, 500_000_000));
        assert_eq!((tx.offset, tx.freq, tx.status, tx.constant), (0, 0, 0, 0));
        // 12.5 PPM is 12.5 * 65536 = 819200 in `freq`, nothing else.
        let tx = to_kernel(&timex::frequency_request(12.5e-6).unwrap()).unwrap();
        assert_eq!((tx.modes, tx.freq, tx.offset), (0x0002, 819_200, 0));
        assert_eq!((tx.time.tv_sec, tx.time.tv_usec), (0, 0));
        // A kernel PLL update: offset in ns, time constant, error bounds in us.
        let tx = to_kernel(&timex::kernel_pll_request(0, 0.002, 7, 0.01, 0.0005).unwrap()).unwrap();
        assert_eq!((tx.offset, tx.constant), (2_000_000, 7));
        assert_eq!((tx.maxerror, tx.esterror), (10_000, 500));
        assert_eq!(tx.status, 0x0001);
        // And every field comes back as it went.
        let all = Timex {
            modes: 1,
            offset: -2,
            freq: 3,
            maxerror: 4,
            esterror: 5,
            status: 6,
            constant: 7,
            time_sec: -8,
            time_usec: 9,
            tai: 37,
        };
        assert_eq!(from_kernel(&to_kernel(&all).unwrap()), all);
    }

    #[test]
    #[should_panic(expected = "a test tried to adjust the system clock")]
    fn a_setting_request_never_reaches_the_kernel_under_test() {
        // A step with negative nanoseconds: were the guard missing, the kernel would refuse
        // it with EINVAL before touching the clock (and this test would fail, not panic).
        let request = Timex {
            modes: libc::ADJ_SETOFFSET | libc::ADJ_NANO,
            time_usec: -1,
            ..Timex::default()
        };
        let _ = clock_adjtime(&request);
    }
}
