//! Days named on the command line: `YYYY-MM-DD`, `YYYYMMDD` (a day file's suffix) or an MJD.

use ntpkit_stats::civil::{CivilDate, MJD_UNIX_EPOCH};

/// Parses a day argument into its MJD.
pub(crate) fn parse_day(arg: &str) -> Result<u32, String> {
    let digits = arg.replace('-', "");
    let bad = || format!("`{arg}`: expected YYYY-MM-DD, YYYYMMDD or an MJD");
    if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.is_empty() {
        return Err(bad());
    }
    let mjd = if digits.len() == 8 {
        let year: i64 = digits
            .get(..4)
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        let month: u8 = digits
            .get(4..6)
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        let day: u8 = digits
            .get(6..)
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        let date = CivilDate { year, month, day };
        // Refuse 2026-02-30 and friends rather than rolling over.
        if !(1..=12).contains(&month) || CivilDate::from_days(date.to_days()) != date {
            return Err(bad());
        }
        date.to_days() + MJD_UNIX_EPOCH
    } else if !arg.contains('-') && digits.len() <= 6 {
        digits.parse::<i64>().map_err(|_| bad())?
    } else {
        return Err(bad());
    };
    u32::try_from(mjd).map_err(|_| bad())
}

/// `YYYYMMDD` of an MJD: the suffix of that day's member of a `type day` file set.
pub(crate) fn day_suffix(mjd: u32) -> String {
    let date = CivilDate::from_days(i64::from(mjd) - MJD_UNIX_EPOCH);
    format!("{:04}{:02}{:02}", date.year, date.month, date.day)
}

/// `YYYY-MM-DD` of an MJD, for labels.
pub(crate) fn day_label(mjd: u32) -> String {
    let date = CivilDate::from_days(i64::from(mjd) - MJD_UNIX_EPOCH);
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_three_spellings() {
        // 2026-11-21 is MJD 61365 (`date -u -d 2026-11-21 +%s` / 86400 + 40587).
        assert_eq!(parse_day("2026-11-21"), Ok(61365));
        assert_eq!(parse_day("20261121"), Ok(61365));
        assert_eq!(parse_day("61365"), Ok(61365));
        assert_eq!(day_suffix(61365), "20261121");
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "yesterday",
            "",
            "-5",
            "2026-1-1",
        ] {
            assert!(parse_day(bad).is_err(), "{bad}");
        }
    }
}
