//! The crate's one error type.

/// What went wrong building an access policy from configuration.
///
/// Packet decisions never fail: they are [`Decision`](crate::Decision) values. Errors only
/// arise from configuration a caller (usually the ntp.conf parser) hands in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessError {
    /// A word after `restrict <address>` is not a known flag.
    #[error("unknown restrict flag `{0}`")]
    UnknownFlag(String),
    /// A `mask` whose one-bits are not contiguous from the left (e.g. 255.0.255.0). ntpd accepts
    /// such masks; ntpkit rejects them so that "last match" is exactly "longest prefix".
    #[error("mask {0} is not contiguous; use a prefix length or a mask like 255.255.255.0")]
    NonContiguousMask(std::net::IpAddr),
    /// An address and a mask of different families (IPv4 address, IPv6 mask or vice versa).
    #[error("address {address} and mask {mask} are of different address families")]
    FamilyMismatch {
        /// The address as given.
        address: std::net::IpAddr,
        /// The mask as given.
        mask: std::net::IpAddr,
    },
    /// An ACL level name that is not one of peer, server, synchronization, query, limited.
    #[error("unknown ACL level `{0}` (expected peer, server, synchronization, query or limited)")]
    UnknownAclLevel(String),
    /// A `discard` or `mru` value outside what the option allows.
    #[error("invalid value for `{option}`: {reason}")]
    InvalidValue {
        /// The option, as spelled in ntp.conf (`discard average`, `mru maxdepth`, ...).
        option: &'static str,
        /// Why the value was refused.
        reason: &'static str,
    },
}
