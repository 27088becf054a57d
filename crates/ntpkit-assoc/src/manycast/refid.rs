//! The reference id we advertise while a server is our system peer (RFC 5905 section 7.3).

use std::net::IpAddr;

use md5::{Digest, Md5};
use ntpkit_wire::ReferenceId;

/// A server's reference id: its IPv4 address, or the first four octets of the MD5 digest
/// of its IPv6 address (RFC 5905 section 7.3; ntpd and chrony do the same).
///
/// ```
/// use ntpkit_assoc::manycast::reference_id_for;
/// use ntpkit_wire::ReferenceId;
/// assert_eq!(reference_id_for("192.0.2.7".parse().unwrap()), ReferenceId([192, 0, 2, 7]));
/// ```
pub fn reference_id_for(addr: IpAddr) -> ReferenceId {
    match addr {
        IpAddr::V4(v4) => ReferenceId::from_ipv4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return ReferenceId::from_ipv4(v4);
            }
            let digest = Md5::digest(v6.octets());
            let mut id = [0u8; 4];
            id.copy_from_slice(&digest[..4]);
            ReferenceId(id)
        }
    }
}
