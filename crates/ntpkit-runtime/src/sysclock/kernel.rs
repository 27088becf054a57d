//! The one system call: `clock_adjtime(CLOCK_REALTIME, ..)`, behind the [`Adjtime`] trait so
//! the operations above it can be tested against a model of the kernel instead.

use std::io;

use super::timex::Timex;

/// Something that answers `clock_adjtime` requests: the kernel, or a model of it in tests.
pub(crate) trait Adjtime {
    /// Applies `request` and returns the clock's state after it.
    fn adjtime(&mut self, request: &Timex) -> io::Result<Timex>;
}

/// The running kernel's `CLOCK_REALTIME`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Kernel;

impl Adjtime for Kernel {
    fn adjtime(&mut self, request: &Timex) -> io::Result<Timex> {
        clock_adjtime(request)
    }
}

/// The system call: `clock_adjtime(CLOCK_REALTIME, request)`, returning the kernel's
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
    use crate::sysclock::timex;
    use ntpkit_wire::NtpDuration;

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
        // A one-shot slew of -1.5 ms: -1500 us in `offset`, the adjtime(3) mode, nothing else.
        let tx = to_kernel(&timex::slew_request(NtpDuration::from_seconds_f64(-0.0015)).unwrap())
            .unwrap();
        assert_eq!(
            (tx.modes, tx.offset, tx.freq, tx.status),
            (0x8001, -1500, 0, 0)
        );
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
