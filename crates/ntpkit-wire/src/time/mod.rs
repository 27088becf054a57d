//! NTP time formats (RFC 5905 section 6): the 64-bit timestamp, the 32-bit short format and
//! a signed duration for differences between timestamps.

mod duration;
mod short;
mod timestamp;

pub use duration::NtpDuration;
pub use short::NtpShort;
pub use timestamp::{NtpTimestamp, UNIX_EPOCH_OFFSET};
