//! The 48-byte NTP header (RFC 5905 section 7.3): its fields, the plain [`NtpHeader`] value
//! and the reference id / kiss code types.

mod fields;
pub(crate) mod layout;
mod refid;
mod repr;

pub use fields::{LeapIndicator, Mode, PollInterval, Precision, Stratum, Version};
pub use refid::{KissCode, ReferenceId, ReferenceIdKind};
pub use repr::NtpHeader;
