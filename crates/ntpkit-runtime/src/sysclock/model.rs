//! A model of the Linux kernel's NTP state as `clock_adjtime(2)` changes it (written from
//! `kernel/time/ntp.c` and `timekeeping.c`: the order in which one call applies its modes,
//! `STA_PLL` switched off resetting the status, the phase offset taken only while the PLL
//! is on, `EPERM` without `CAP_SYS_TIME`), and the tests of [`super::ops`] against it: the
//! sequences every setting method issues, which may never run against the real kernel here.

use std::io;

use ntpkit_wire::{LeapIndicator, NtpDuration};

use super::kernel::Adjtime;
use super::ops;
use super::timex::Timex;

// <linux/timex.h>, written out by hand (man 2 adjtimex).
const ADJ_OFFSET: u32 = 0x0001;
const ADJ_FREQUENCY: u32 = 0x0002;
const ADJ_MAXERROR: u32 = 0x0004;
const ADJ_ESTERROR: u32 = 0x0008;
const ADJ_STATUS: u32 = 0x0010;
const ADJ_TIMECONST: u32 = 0x0020;
const ADJ_TAI: u32 = 0x0080;
const ADJ_SETOFFSET: u32 = 0x0100;
const ADJ_NANO: u32 = 0x2000;
const ADJ_ADJTIME: u32 = 0x8000;
const STA_PLL: i32 = 0x0001;
const STA_FLL: i32 = 0x0008;
const STA_INS: i32 = 0x0010;
const STA_DEL: i32 = 0x0020;
const STA_UNSYNC: i32 = 0x0040;
const STA_NANO: i32 = 0x2000;
/// Bits user space cannot write (`STA_RONLY`: PPS signal and error bits, NANO, MODE, CLK).
const STA_RONLY: i32 = 0xff00;
const EINVAL: i32 = 22;
const EPERM: i32 = 1;

/// The kernel's NTP variables, in its own units (offsets in ns internally).
#[derive(Debug, Clone)]
struct ModelKernel {
    /// Whether the caller has `CAP_SYS_TIME`.
    may_set: bool,
    /// Every `modes` asked for, in order.
    calls: Vec<u32>,
    /// Sum of all steps, ns.
    stepped_ns: i128,
    status: i32,
    freq: i64,
    maxerror: i64,
    esterror: i64,
    constant: i64,
    tai: i32,
    /// The PLL's remaining phase correction, ns.
    time_offset_ns: i64,
    /// An `adjtime(3)` slew in progress, us.
    adjtime_us: i64,
}

impl ModelKernel {
    /// A kernel as it boots: unsynchronised, microsecond mode, time constant 2.
    fn new() -> Self {
        Self {
            may_set: true,
            calls: Vec::new(),
            stepped_ns: 0,
            status: STA_UNSYNC,
            freq: 0,
            maxerror: 16_000_000,
            esterror: 16_000_000,
            constant: 2,
            tai: 0,
            time_offset_ns: 0,
            adjtime_us: 0,
        }
    }

    fn error(errno: i32) -> io::Result<Timex> {
        Err(io::Error::from_raw_os_error(errno))
    }

    fn reply(&self) -> Timex {
        let nano = self.status & STA_NANO != 0;
        Timex {
            offset: if nano {
                self.time_offset_ns
            } else {
                self.time_offset_ns / 1000
            },
            freq: self.freq,
            maxerror: self.maxerror,
            esterror: self.esterror,
            status: self.status,
            constant: self.constant,
            tai: self.tai,
            ..Timex::default()
        }
    }
}

impl Adjtime for ModelKernel {
    fn adjtime(&mut self, r: &Timex) -> io::Result<Timex> {
        self.calls.push(r.modes);
        if r.modes != 0 && !self.may_set {
            return Self::error(EPERM);
        }
        // adjtime(3): only together with ADJ_OFFSET (ADJ_OFFSET_SINGLESHOT).
        if r.modes & ADJ_ADJTIME != 0 {
            if r.modes & ADJ_OFFSET == 0 {
                return Self::error(EINVAL);
            }
            self.adjtime_us = r.offset;
            return Ok(self.reply());
        }
        if r.modes & ADJ_SETOFFSET != 0 {
            let limit = if r.modes & ADJ_NANO != 0 {
                1_000_000_000
            } else {
                1_000_000
            };
            if !(0..limit).contains(&r.time_usec) {
                return Self::error(EINVAL);
            }
            let sub = if r.modes & ADJ_NANO != 0 {
                r.time_usec
            } else {
                r.time_usec * 1000
            };
            self.stepped_ns += i128::from(r.time_sec) * 1_000_000_000 + i128::from(sub);
        }
        // process_adjtimex_modes, in the kernel's order.
        if r.modes & ADJ_STATUS != 0 {
            if self.status & STA_PLL != 0 && r.status & STA_PLL == 0 {
                // Switching the PLL off resets the status (and disarms any leap).
                self.status = STA_UNSYNC;
            }
            self.status = (self.status & STA_RONLY) | (r.status & !STA_RONLY);
        }
        if r.modes & ADJ_NANO != 0 {
            self.status |= STA_NANO;
        }
        if r.modes & ADJ_FREQUENCY != 0 {
            self.freq = r.freq.clamp(-500 << 16, 500 << 16);
        }
        if r.modes & ADJ_MAXERROR != 0 {
            self.maxerror = r.maxerror;
        }
        if r.modes & ADJ_ESTERROR != 0 {
            self.esterror = r.esterror;
        }
        if r.modes & ADJ_TIMECONST != 0 {
            let bump = if self.status & STA_NANO != 0 { 0 } else { 4 };
            self.constant = (r.constant + bump).clamp(0, 10);
        }
        if r.modes & ADJ_TAI != 0 && (0..=100_000).contains(&r.constant) {
            self.tai = i32::try_from(r.constant).unwrap();
        }
        // ntp_update_offset: ignored unless the PLL is on; clamped to +-0.5 s.
        if r.modes & ADJ_OFFSET != 0 && self.status & STA_PLL != 0 {
            let ns = if self.status & STA_NANO != 0 {
                r.offset
            } else {
                r.offset * 1000
            };
            self.time_offset_ns = ns.clamp(-500_000_000, 500_000_000);
        }
        Ok(self.reply())
    }
}

fn seconds(bits: i64) -> NtpDuration {
    NtpDuration::from_bits(bits)
}

#[test]
fn steps_reach_the_kernel_as_valid_offsets_of_the_right_sign() {
    for (bits, ns) in [
        (-(1_i64 << 31), -500_000_000_i128),    // -0.5 s
        (-(5 << 30), -1_250_000_000),           // -1.25 s
        (-4, -1),                               // -0.93 ns
        (3 << 31, 1_500_000_000),               // +1.5 s
        (-(86_400 << 32), -86_400_000_000_000), // a day back
    ] {
        let mut k = ModelKernel::new();
        ops::step(&mut k, seconds(bits)).unwrap();
        assert_eq!(k.stepped_ns, ns, "{bits}");
        assert_eq!(k.calls, [ADJ_SETOFFSET | ADJ_NANO]);
    }
}

#[test]
fn frequency_is_clamped_and_nan_never_reaches_the_kernel() {
    let mut k = ModelKernel::new();
    ops::set_frequency(&mut k, -12.5e-6).unwrap();
    assert_eq!(k.freq, -819_200);
    ops::set_frequency(&mut k, 600e-6).unwrap();
    assert_eq!(k.freq, 500 << 16);
    let calls = k.calls.len();
    let e = ops::set_frequency(&mut k, f64::NAN).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    assert_eq!(k.calls.len(), calls, "no call for NaN");
    assert_eq!(k.freq, 500 << 16);
}

#[test]
fn arming_a_leap_under_a_running_kernel_pll_leaves_the_pll_alone() {
    // Someone's kernel PLL is on and slewing 0.2 s.
    let mut k = ModelKernel::new();
    k.status = STA_PLL | STA_NANO;
    k.time_offset_ns = 200_000_000;
    ops::set_leap(&mut k, LeapIndicator::InsertSecond).unwrap();
    assert_eq!(k.status, STA_PLL | STA_NANO | STA_INS);
    assert_eq!(k.time_offset_ns, 200_000_000);
    assert_eq!(k.calls, [0, ADJ_STATUS], "read, then write");
    // Already armed: a read only.
    ops::set_leap(&mut k, LeapIndicator::InsertSecond).unwrap();
    assert_eq!(k.calls, [0, ADJ_STATUS, 0]);
    ops::set_leap(&mut k, LeapIndicator::DeleteSecond).unwrap();
    assert_eq!(k.status, STA_PLL | STA_NANO | STA_DEL);
    ops::set_leap(&mut k, LeapIndicator::NoWarning).unwrap();
    assert_eq!(k.status, STA_PLL | STA_NANO);
}

#[test]
fn taking_over_stops_every_slew_and_the_kernel_pll_but_keeps_the_frequency() {
    let mut k = ModelKernel::new();
    k.status = STA_PLL | STA_FLL | STA_INS | STA_NANO;
    k.time_offset_ns = 200_000_000;
    k.adjtime_us = 5_000;
    k.freq = 10 << 16;
    ops::take_over(&mut k).unwrap();
    assert_eq!(k.adjtime_us, 0, "adjtime(3) slew cancelled");
    assert_eq!(
        k.time_offset_ns, 0,
        "PLL phase zeroed while the PLL was still on"
    );
    assert_eq!(k.status & (STA_PLL | STA_FLL | STA_INS | STA_DEL), 0);
    assert_ne!(k.status & STA_UNSYNC, 0);
    assert_eq!(k.freq, 10 << 16);
    // Taking over a kernel nobody disciplines changes nothing that matters.
    let mut idle = ModelKernel::new();
    ops::take_over(&mut idle).unwrap();
    assert_eq!(
        (idle.status, idle.time_offset_ns, idle.freq),
        (STA_UNSYNC, 0, 0)
    );
}

#[test]
fn synchronisation_status_and_error_bounds() {
    let mut k = ModelKernel::new();
    k.status = STA_UNSYNC | STA_NANO | STA_INS;
    ops::set_sync(&mut k, Some((0.0125, 0.000_25))).unwrap();
    assert_eq!(k.status, STA_NANO | STA_INS);
    assert_eq!((k.maxerror, k.esterror), (12_500, 250));
    ops::set_sync(&mut k, None).unwrap();
    assert_eq!(k.status, STA_UNSYNC | STA_NANO | STA_INS);
    assert_eq!((k.maxerror, k.esterror), (16_000_000, 16_000_000));
}

#[test]
fn kernel_pll_updates_switch_the_pll_on_and_feed_it_nanoseconds() {
    let mut k = ModelKernel::new();
    ops::kernel_pll(&mut k, -0.0123, 6, 0.05, 0.001).unwrap();
    assert_eq!(k.status, STA_PLL | STA_NANO);
    assert_eq!(k.time_offset_ns, -12_300_000);
    assert_eq!(k.constant, 6, "nanosecond mode: the poll exponent as is");
    assert_eq!((k.maxerror, k.esterror), (50_000, 1_000));
    ops::kernel_pll(&mut k, 2.0, 17, 0.05, 0.001).unwrap();
    assert_eq!(k.time_offset_ns, 500_000_000);
    assert_eq!(k.constant, 10);
    // A leap armed meanwhile survives the next update; taking over switches it all off.
    ops::set_leap(&mut k, LeapIndicator::InsertSecond).unwrap();
    ops::kernel_pll(&mut k, 0.001, 6, 0.05, 0.001).unwrap();
    assert_eq!(k.status, STA_PLL | STA_NANO | STA_INS);
    ops::take_over(&mut k).unwrap();
    assert_eq!((k.status & STA_PLL, k.time_offset_ns), (0, 0));
    assert_eq!(
        ops::kernel_pll(&mut k, f64::NAN, 6, 0.0, 0.0)
            .unwrap_err()
            .kind(),
        io::ErrorKind::InvalidInput
    );
}

#[test]
fn slews_reach_the_kernel_as_adjtime_microseconds_and_replace_each_other() {
    let mut k = ModelKernel::new();
    ops::slew(&mut k, NtpDuration::from_seconds_f64(0.012_345)).unwrap();
    assert_eq!(k.adjtime_us, 12_345);
    assert_eq!(k.calls, [ADJ_ADJTIME | ADJ_OFFSET]);
    // adjtime(3) semantics: a new slew replaces the one in progress, sign and all.
    ops::slew(&mut k, seconds(-(1 << 31))).unwrap();
    assert_eq!(k.adjtime_us, -500_000);
    // The PLL, the frequency and the status are none of its business.
    assert_eq!((k.status, k.freq, k.time_offset_ns), (STA_UNSYNC, 0, 0));
    assert_eq!(k.stepped_ns, 0);
    // Out of range: refused before any call, the slew in progress untouched.
    let e = ops::slew(&mut k, NtpDuration::from_seconds(3000)).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    assert_eq!(k.calls.len(), 2);
    assert_eq!(k.adjtime_us, -500_000);
    // Taking the clock over afterwards cancels it.
    ops::take_over(&mut k).unwrap();
    assert_eq!(k.adjtime_us, 0);
}

#[test]
fn tai_offset() {
    let mut k = ModelKernel::new();
    ops::set_tai(&mut k, 37).unwrap();
    assert_eq!(k.tai, 37);
    assert!(ops::set_tai(&mut k, -1).is_err());
    assert_eq!(
        k.calls,
        [ADJ_TAI],
        "no call for an offset the kernel would ignore"
    );
}

#[test]
fn without_cap_sys_time_every_change_is_permission_denied_and_reads_still_work() {
    let mut k = ModelKernel::new();
    k.may_set = false;
    let before = k.reply();
    let denied = |r: io::Result<()>| r.unwrap_err().kind() == io::ErrorKind::PermissionDenied;
    assert!(denied(ops::step(&mut k, seconds(1 << 32))));
    assert!(denied(ops::slew(&mut k, seconds(1 << 30))));
    assert!(denied(ops::set_frequency(&mut k, 1e-6)));
    assert!(denied(ops::set_leap(&mut k, LeapIndicator::InsertSecond)));
    assert!(denied(ops::take_over(&mut k)));
    assert!(denied(ops::set_sync(&mut k, Some((0.01, 0.001)))));
    assert!(denied(ops::set_tai(&mut k, 37)));
    assert!(denied(ops::kernel_pll(&mut k, 0.01, 6, 0.01, 0.001)));
    assert_eq!(ops::read(&mut k).unwrap(), before);
    assert_eq!((k.stepped_ns, k.adjtime_us), (0, 0));
}
