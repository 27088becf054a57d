//! The first two fields of every statistics line: the day as a Modified Julian Day and the
//! seconds past UTC midnight with three decimals (ntpd writes `ulfptoa(&now, 3)`).
//!
//! ntpd computes the day as `seconds_since_1900 / 86400 + 15020` on the 32-bit NTP seconds,
//! so from 2036-02-07 06:28:16 UTC (NTP era 1) its day field wraps back to 15020. Here the
//! day comes from a full-width Unix time, so MJD 64730, 64731, ... follow on as they should;
//! [`StatTime::from_ntp_era`] takes the era explicitly.

use core::fmt;

use crate::civil::{CivilDate, MJD_UNIX_EPOCH, SECS_PER_DAY};
use crate::error::StatsError;

const MS_PER_DAY: i64 = SECS_PER_DAY * 1000;
/// Seconds from 1900-01-01 (NTP era 0 origin) to 1970-01-01.
const NTP_TO_UNIX_SECS: i64 = 2_208_988_800;

/// When a statistics record was made: MJD and milliseconds past UTC midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatTime {
    mjd: u32,
    millis: u32,
}

impl StatTime {
    /// A time from its MJD and milliseconds past midnight (`millis` < 86 400 000).
    pub fn new(mjd: u32, millis: u32) -> Result<Self, StatsError> {
        if i64::from(millis) >= MS_PER_DAY {
            return Err(StatsError::TimeOutOfRange);
        }
        Ok(Self { mjd, millis })
    }

    /// The time of a Unix instant, rounded to the nearest millisecond as ntpd rounds when it
    /// prints three decimals. `nanos` above 999 999 999 count into the next second.
    pub fn from_unix(secs: i64, nanos: u32) -> Result<Self, StatsError> {
        let total_ms = i128::from(secs) * 1000 + (i128::from(nanos) + 500_000) / 1_000_000;
        let days = total_ms.div_euclid(i128::from(MS_PER_DAY));
        let millis = total_ms.rem_euclid(i128::from(MS_PER_DAY));
        let mjd = u32::try_from(days + i128::from(MJD_UNIX_EPOCH))
            .map_err(|_| StatsError::TimeOutOfRange)?;
        // millis < 86 400 000 fits in u32.
        Ok(Self {
            mjd,
            millis: millis as u32,
        })
    }

    /// The time of an NTP timestamp (`bits`: 32-bit seconds, 32-bit fraction) in NTP era
    /// `era` (era 0 began 1900-01-01, era 1 begins 2036-02-07 06:28:16 UTC).
    pub fn from_ntp_era(era: i32, bits: u64) -> Result<Self, StatsError> {
        let secs = (bits >> 32) as i64 + (i64::from(era) << 32) - NTP_TO_UNIX_SECS;
        // The fraction in nanoseconds, truncated; the millisecond rounding happens below.
        let nanos = (((bits & 0xffff_ffff) * 1_000_000_000) >> 32) as u32;
        Self::from_unix(secs, nanos)
    }

    /// The time of an NTP timestamp, its era resolved against `pivot_unix_secs` (any time
    /// known to within 68 years, e.g. the local clock) as `ntpkit-wire` resolves it.
    pub fn from_ntp(
        timestamp: ntpkit_wire::NtpTimestamp,
        pivot_unix_secs: i64,
    ) -> Result<Self, StatsError> {
        let (secs, nanos) = timestamp.to_unix(pivot_unix_secs);
        Self::from_unix(secs, nanos)
    }

    /// Modified Julian Day.
    pub fn mjd(self) -> u32 {
        self.mjd
    }

    /// Milliseconds past UTC midnight.
    pub fn millis_of_day(self) -> u32 {
        self.millis
    }

    /// Seconds past UTC midnight as a float (for plotting).
    pub fn seconds_of_day(self) -> f64 {
        f64::from(self.millis) / 1000.0
    }

    /// The calendar date.
    pub fn date(self) -> CivilDate {
        CivilDate::from_days(i64::from(self.mjd) - MJD_UNIX_EPOCH)
    }

    /// Whole Unix seconds of this time (the instant a file generation set is asked about,
    /// so that a record always lands in the file of the day its own first field names).
    pub fn unix_seconds(self) -> i64 {
        (i64::from(self.mjd) - MJD_UNIX_EPOCH) * SECS_PER_DAY + i64::from(self.millis / 1000)
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(self) -> i64 {
        (i64::from(self.mjd) - MJD_UNIX_EPOCH) * MS_PER_DAY + i64::from(self.millis)
    }

    /// Parses the two leading fields, `MJD` and `SSSSS.mmm`.
    pub(crate) fn parse_fields(day: &str, secs: &str) -> Result<Self, StatsError> {
        let mjd = crate::fields::parse_c_uint(day)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or(StatsError::InvalidField { field: "day" })?;
        let bad = StatsError::InvalidField { field: "seconds" };
        let (whole, frac) = secs.split_once('.').ok_or(bad.clone())?;
        if frac.len() != 3 {
            return Err(bad);
        }
        let whole = crate::fields::parse_c_uint(whole).ok_or(bad.clone())?;
        let frac = crate::fields::parse_decimal_u64(frac).ok_or(bad.clone())?;
        let millis = whole
            .checked_mul(1000)
            .and_then(|ms| ms.checked_add(frac))
            .and_then(|ms| u32::try_from(ms).ok())
            .ok_or(bad.clone())?;
        Self::new(mjd, millis).map_err(|_| bad)
    }
}

impl fmt::Display for StatTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}.{:03}",
            self.mjd,
            self.millis / 1000,
            self.millis % 1000
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_epoch_is_mjd_40587() {
        let t = StatTime::from_unix(0, 0).unwrap();
        assert_eq!(t.to_string(), "40587 0.000");
    }

    #[test]
    fn rounds_to_nearest_millisecond_and_carries_into_next_day() {
        assert_eq!(
            StatTime::from_unix(86_399, 999_499_999)
                .unwrap()
                .to_string(),
            "40587 86399.999"
        );
        assert_eq!(
            StatTime::from_unix(86_399, 999_500_000)
                .unwrap()
                .to_string(),
            "40588 0.000"
        );
        assert_eq!(
            StatTime::from_unix(75_440, 31_000_000).unwrap().to_string(),
            "40587 75440.031"
        );
    }

    #[test]
    fn ntp_era_rollover_keeps_counting_days() {
        // NTP era 0 ends at 2036-02-07 06:28:15 UTC = MJD 64730 23295 s; ntpd would
        // print day 15020 after the wrap, we print 64730.
        let last = StatTime::from_ntp_era(0, 0xffff_ffff_0000_0000).unwrap();
        assert_eq!(last.to_string(), "64730 23295.000");
        let first = StatTime::from_ntp_era(1, 0).unwrap();
        assert_eq!(first.to_string(), "64730 23296.000");
        assert_eq!(
            first.date(),
            CivilDate {
                year: 2036,
                month: 2,
                day: 7
            }
        );
        let next_day = StatTime::from_ntp_era(1, 86_400 << 32).unwrap();
        assert_eq!(next_day.mjd(), 64731);
    }

    #[test]
    fn parse_requires_ntpd_shape() {
        assert!(StatTime::parse_fields("50935", "75440.031").is_ok());
        for (d, s) in [
            ("50935", "75440.03"),
            ("50935", "86400.000"),
            ("-1", "0.000"),
            ("5x", "1.000"),
            ("1", "1"),
        ] {
            assert!(StatTime::parse_fields(d, s).is_err(), "{d} {s}");
        }
    }
}
