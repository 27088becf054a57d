//! Proleptic Gregorian calendar arithmetic on day numbers, done here rather than with a
//! date crate so that the crates stay dependency-free and the NTP era rollover (2036-02-07)
//! is just another day. Shared by the leap file (`ntpkit-clock`) and the statistics files
//! (`ntpkit-stats`).
//!
//! Day numbers count days since 1970-01-01 (the Unix epoch); the Modified Julian Day of
//! the same day is that number plus [`MJD_UNIX_EPOCH`].

/// MJD of 1970-01-01.
pub const MJD_UNIX_EPOCH: i64 = 40_587;

/// MJD of 1900-01-01, the NTP prime epoch (ntpd's `MJD_1900`).
pub const MJD_NTP_EPOCH: i64 = 15_020;

/// Seconds in a UTC day (statistics files ignore leap seconds, as ntpd does).
pub const SECS_PER_DAY: i64 = 86_400;

// Days in a 400-year Gregorian cycle, and the offset that moves day 0 from 1970-01-01 to
// 0000-03-01 (a year that starts in March puts the leap day at the end of the year).
const DAYS_PER_400Y: i64 = 146_097;
const DAYS_0000_03_01_TO_1970: i64 = 719_468;

/// A calendar date in the proleptic Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    /// Year (e.g. 2036).
    pub year: i64,
    /// Month, 1..=12.
    pub month: u8,
    /// Day of the month, 1..=31.
    pub day: u8,
}

impl CivilDate {
    /// The date of day number `days` (days since 1970-01-01).
    pub fn from_days(days: i64) -> Self {
        let z = days + DAYS_0000_03_01_TO_1970;
        let cycle = z.div_euclid(DAYS_PER_400Y);
        let day_of_cycle = z.rem_euclid(DAYS_PER_400Y); // 0..=146096
        // Year within the cycle: remove the leap days before dividing by 365.
        let year_of_cycle = (day_of_cycle - day_of_cycle / 1460 + day_of_cycle / 36_524
            - day_of_cycle / 146_096)
            / 365;
        let day_of_year =
            day_of_cycle - (365 * year_of_cycle + year_of_cycle / 4 - year_of_cycle / 100);
        // Month counted from March = 0; 153 days per 5 months.
        let march_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * march_month + 2) / 5 + 1;
        let month = if march_month < 10 {
            march_month + 3
        } else {
            march_month - 9
        };
        let year = year_of_cycle + cycle * 400 + i64::from(month <= 2);
        // month is 1..=12 and day 1..=31 by construction.
        Self {
            year,
            month: month as u8,
            day: day as u8,
        }
    }

    /// The day number (days since 1970-01-01) of this date. Out-of-range months or days
    /// are not checked; they count on from the month as `mktime` would.
    pub fn to_days(self) -> i64 {
        let month = i64::from(self.month);
        let year = self.year - i64::from(month <= 2);
        let cycle = year.div_euclid(400);
        let year_of_cycle = year.rem_euclid(400);
        let march_month = (month + 9) % 12;
        let day_of_year = (153 * march_month + 2) / 5 + i64::from(self.day) - 1;
        let day_of_cycle =
            year_of_cycle * 365 + year_of_cycle / 4 - year_of_cycle / 100 + day_of_year;
        cycle * DAYS_PER_400Y + day_of_cycle - DAYS_0000_03_01_TO_1970
    }

    /// Day of the year, 1 for January 1st.
    pub fn day_of_year(self) -> u16 {
        let jan1 = Self {
            year: self.year,
            month: 1,
            day: 1,
        }
        .to_days();
        // At most 366.
        (self.to_days() - jan1 + 1) as u16
    }

    /// The first day of the following month.
    pub fn next_month_start(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
                day: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
                day: 1,
            }
        }
    }
}

/// Whether `year` is a Gregorian leap year.
pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference dates from `date -u -d @<days*86400> +%F` (GNU coreutils), an independent
    // implementation, and the MJD definition (MJD 0 = 1858-11-17).
    const REFERENCE: &[(i64, i64, u8, u8)] = &[
        (-40_587, 1858, 11, 17),
        (-25_567, 1900, 1, 1),
        (-1, 1969, 12, 31),
        (0, 1970, 1, 1),
        (10_956, 1999, 12, 31),
        (10_957, 2000, 1, 1),
        (11_016, 2000, 2, 29),
        (11_017, 2000, 3, 1),
        (24_143, 2036, 2, 7),
        (47_541, 2100, 3, 1),
        (2_932_896, 9999, 12, 31),
    ];

    #[test]
    fn matches_reference_dates() {
        for &(days, year, month, day) in REFERENCE {
            let date = CivilDate { year, month, day };
            assert_eq!(CivilDate::from_days(days), date, "day {days}");
            assert_eq!(date.to_days(), days, "{date:?}");
        }
    }

    #[test]
    fn every_day_round_trips_and_advances_by_one() {
        let mut prev = CivilDate::from_days(-800_000);
        for days in -799_999..800_000 {
            let date = CivilDate::from_days(days);
            assert_eq!(date.to_days(), days);
            let expect_next_month = prev.day >= 28 && date.day == 1;
            if !expect_next_month {
                assert_eq!(
                    (date.year, date.month, date.day),
                    (prev.year, prev.month, prev.day + 1)
                );
            }
            prev = date;
        }
    }

    #[test]
    fn leap_years_and_day_of_year() {
        assert!(is_leap_year(2000) && is_leap_year(2036) && !is_leap_year(2100));
        assert_eq!(
            CivilDate {
                year: 1992,
                month: 1,
                day: 10
            }
            .day_of_year(),
            10
        );
        assert_eq!(
            CivilDate {
                year: 2036,
                month: 12,
                day: 31
            }
            .day_of_year(),
            366
        );
        assert_eq!(
            CivilDate {
                year: 2037,
                month: 12,
                day: 31
            }
            .day_of_year(),
            365
        );
    }
}
