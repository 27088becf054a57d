//! `-S`/`-s`: step or slew the local clock once by the measured offset.
//!
//! The clock is a trait object so that the decision (what is applied, to which call) is
//! tested against a recording fake: CI runs the tests as root, and the real clock must
//! never move in a test.

use std::io;

use ntpkit_assoc::ClientSample;
use ntpkit_clock::Clock;
use ntpkit_runtime::SystemClock;
use ntpkit_wire::{LeapIndicator, NtpDuration};

use crate::error::ClientError;

/// What to do with the measured offset (ntpdig's and sntp's letters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClockAction {
    /// `-S`/`--step`: jump by the offset at once (`ADJ_SETOFFSET`).
    Step,
    /// `-s`/`--slew`: run the clock fast or slow until the offset is gained (`adjtime(3)`).
    Slew,
}

impl ClockAction {
    /// The verb, as the messages and the JSON `action` field use it.
    pub(crate) fn verb(self) -> &'static str {
        match self {
            Self::Step => "step",
            Self::Slew => "slew",
        }
    }
}

/// A clock the client can step and slew: ntpkit-clock's [`Clock`] plus the one-shot slew,
/// which is not part of a discipline's vocabulary.
pub(crate) trait OneShotClock: Clock<Error = io::Error> {
    /// Slews the clock by `offset` once.
    fn slew(&mut self, offset: NtpDuration) -> io::Result<()>;
}

impl OneShotClock for SystemClock {
    fn slew(&mut self, offset: NtpDuration) -> io::Result<()> {
        SystemClock::slew(self, offset)
    }
}

/// What the adjustment is decided from: the reported sample's offset and what its server
/// said about its own synchronisation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Measured {
    /// Seconds to add to the local clock (positive: the server is ahead).
    pub(crate) offset: f64,
    /// The server's leap indicator.
    pub(crate) leap: LeapIndicator,
    /// The server's stratum.
    pub(crate) stratum: u8,
}

impl From<&ClientSample> for Measured {
    fn from(s: &ClientSample) -> Self {
        Self {
            offset: s.sample.offset,
            leap: s.server.leap,
            stratum: s.server.stratum,
        }
    }
}

/// What was done to the clock, for the report.
#[derive(Debug)]
pub(crate) struct Adjustment {
    /// Step or slew.
    pub(crate) action: ClockAction,
    /// The offset handed to the clock, seconds.
    pub(crate) offset: f64,
    /// `None` when the clock took it; otherwise why it was not adjusted.
    pub(crate) error: Option<ClientError>,
}

impl Adjustment {
    /// One line for the text report, or the failure (also printed to stderr by `main`).
    pub(crate) fn describe(&self) -> String {
        match (&self.error, self.action) {
            (None, ClockAction::Step) => format!("stepped the clock by {:+.9} s", self.offset),
            (None, ClockAction::Slew) => {
                let duration =
                    SystemClock::slew_duration(NtpDuration::from_seconds_f64(self.offset));
                format!(
                    "slewing the clock by {:+.6} s (the kernel takes about {} s to complete it)",
                    self.offset,
                    duration.as_secs()
                )
            }
            (Some(e), action) => format!("did not {} the clock: {e}", action.verb()),
        }
    }
}

/// Applies `action` with the offset of `measured` to `clock`, once. Refuses, without
/// touching the clock, an offset from a server that says it is not synchronised (the
/// association drops such replies already; this is the last line) or that is not a number.
pub(crate) fn apply(
    clock: &mut dyn OneShotClock,
    action: ClockAction,
    measured: Measured,
) -> Adjustment {
    let outcome = |error| Adjustment {
        action,
        offset: measured.offset,
        error,
    };
    if measured.leap == LeapIndicator::Unsynchronized || !(1..=15).contains(&measured.stratum) {
        return outcome(Some(ClientError::NotAdjusted(format!(
            "the server is not synchronised (leap {:?}, stratum {})",
            measured.leap, measured.stratum
        ))));
    }
    if !measured.offset.is_finite() {
        return outcome(Some(ClientError::NotAdjusted(format!(
            "the offset {} is not a number of seconds",
            measured.offset
        ))));
    }
    let offset = NtpDuration::from_seconds_f64(measured.offset);
    let result = match action {
        ClockAction::Step => clock.step(offset),
        ClockAction::Slew => clock.slew(offset),
    };
    outcome(result.err().map(|e| kernel_refusal(action, e)))
}

/// A failed `clock_adjtime` as the user should read it.
fn kernel_refusal(action: ClockAction, e: io::Error) -> ClientError {
    let verb = action.verb();
    match e.kind() {
        // Capabilities held only inside a user namespace (a container) pass our check of
        // CapEff but not the kernel's, which wants CAP_SYS_TIME in the initial namespace.
        io::ErrorKind::PermissionDenied => ClientError::ClockRefused(format!(
            "the kernel refused to {verb} the clock ({e}): that takes CAP_SYS_TIME in the \
             host's initial user namespace, which a container's root does not have"
        )),
        io::ErrorKind::InvalidInput if action == ClockAction::Slew => {
            ClientError::NotAdjusted(format!("cannot slew that far ({e}); use -S to step"))
        }
        _ => ClientError::NotAdjusted(format!("the kernel refused to {verb} the clock: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ntpkit_clock::ClockStatus;
    use ntpkit_wire::NtpTimestamp;

    /// Records every call; answers with `fail` (an `io::ErrorKind`) when set.
    #[derive(Default)]
    struct RecordingClock {
        steps: Vec<NtpDuration>,
        slews: Vec<NtpDuration>,
        other_calls: usize,
        fail: Option<io::ErrorKind>,
    }

    impl RecordingClock {
        fn answer(&self) -> io::Result<()> {
            self.fail.map_or(Ok(()), |kind| Err(io::Error::from(kind)))
        }
    }

    impl Clock for RecordingClock {
        type Error = io::Error;
        fn now(&self) -> io::Result<NtpTimestamp> {
            Ok(NtpTimestamp::from_bits(0))
        }
        fn step(&mut self, offset: NtpDuration) -> io::Result<()> {
            self.steps.push(offset);
            self.answer()
        }
        fn set_frequency(&mut self, _: f64) -> io::Result<()> {
            self.other_calls += 1;
            self.answer()
        }
        fn set_leap(&mut self, _: LeapIndicator) -> io::Result<()> {
            self.other_calls += 1;
            self.answer()
        }
        fn status(&self) -> io::Result<ClockStatus> {
            Ok(ClockStatus::default())
        }
    }

    impl OneShotClock for RecordingClock {
        fn slew(&mut self, offset: NtpDuration) -> io::Result<()> {
            self.slews.push(offset);
            self.answer()
        }
    }

    fn synced(offset: f64) -> Measured {
        Measured {
            offset,
            leap: LeapIndicator::NoWarning,
            stratum: 2,
        }
    }

    #[test]
    fn step_calls_step_once_with_the_measured_offset() {
        let mut clock = RecordingClock::default();
        let done = apply(&mut clock, ClockAction::Step, synced(0.012_345));
        assert!(done.error.is_none(), "{:?}", done.error);
        // 0.012345 s in 32.32 fixed point: round(0.012345 * 2^32) = 53021371.
        assert_eq!(clock.steps, [NtpDuration::from_bits(53_021_371)]);
        assert!(clock.slews.is_empty());
        assert_eq!(clock.other_calls, 0);
        assert_eq!(done.describe(), "stepped the clock by +0.012345000 s");
    }

    #[test]
    fn slew_calls_slew_once_with_the_measured_offset() {
        let mut clock = RecordingClock::default();
        let done = apply(&mut clock, ClockAction::Slew, synced(-0.5));
        assert!(done.error.is_none(), "{:?}", done.error);
        assert_eq!(clock.slews, [NtpDuration::from_bits(-(1 << 31))]);
        assert!(clock.steps.is_empty());
        assert_eq!(clock.other_calls, 0);
        // 500000 us at 500 us a second.
        assert_eq!(
            done.describe(),
            "slewing the clock by -0.500000 s (the kernel takes about 1000 s to complete it)"
        );
    }

    #[test]
    fn an_unsynchronised_server_or_a_nan_offset_never_reaches_the_clock() {
        let mut clock = RecordingClock::default();
        let unsynced = Measured {
            leap: LeapIndicator::Unsynchronized,
            ..synced(3.0)
        };
        let stratum_0 = Measured {
            stratum: 0,
            ..synced(3.0)
        };
        let stratum_16 = Measured {
            stratum: 16,
            ..synced(3.0)
        };
        for (m, action) in [
            (unsynced, ClockAction::Step),
            (unsynced, ClockAction::Slew),
            (stratum_0, ClockAction::Step),
            (stratum_16, ClockAction::Slew),
            (synced(f64::NAN), ClockAction::Step),
            (synced(f64::INFINITY), ClockAction::Slew),
        ] {
            let done = apply(&mut clock, action, m);
            let e = done.error.expect("refused");
            assert_eq!(e.exit_code(), 9, "{e}");
        }
        assert!(clock.steps.is_empty() && clock.slews.is_empty());
        assert_eq!(clock.other_calls, 0);
    }

    #[test]
    fn the_kernel_refusing_says_so_with_the_privilege_exit_code() {
        let mut clock = RecordingClock {
            fail: Some(io::ErrorKind::PermissionDenied),
            ..RecordingClock::default()
        };
        let done = apply(&mut clock, ClockAction::Step, synced(1.0));
        let e = done.error.as_ref().expect("refused");
        assert_eq!(e.exit_code(), 8);
        assert!(e.to_string().contains("the kernel refused to step"), "{e}");
        assert!(done.describe().starts_with("did not step the clock: "));
        assert_eq!(clock.steps.len(), 1, "tried exactly once");
    }

    #[test]
    fn a_slew_out_of_range_suggests_stepping() {
        let mut clock = RecordingClock {
            fail: Some(io::ErrorKind::InvalidInput),
            ..RecordingClock::default()
        };
        let done = apply(&mut clock, ClockAction::Slew, synced(3000.0));
        let e = done.error.expect("refused");
        assert_eq!(e.exit_code(), 9);
        assert!(e.to_string().contains("use -S to step"), "{e}");
    }
}
