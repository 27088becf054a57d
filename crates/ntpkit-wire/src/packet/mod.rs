//! Whole time packets: the [`NtpPacket`] view and the [`NtpPacketRepr`] value.

mod repr;
mod view;

pub use repr::NtpPacketRepr;
pub use view::NtpPacket;
