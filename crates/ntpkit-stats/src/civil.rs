//! Calendar arithmetic on day numbers: `ntpkit_wire::civil`, re-exported here where the
//! statistics files' dates (MJD, file generation names) use it.

pub use ntpkit_wire::civil::{
    CivilDate, MJD_NTP_EPOCH, MJD_UNIX_EPOCH, SECS_PER_DAY, is_leap_year,
};
