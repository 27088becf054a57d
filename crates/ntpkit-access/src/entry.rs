//! One `restrict` line: which sources it covers and which flags it sets.

use core::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::{AccessError, RestrictFlags};

/// The address part of a `restrict` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum RestrictNetwork {
    /// `restrict default`: both default entries, 0.0.0.0/0 and ::/0.
    Default,
    /// `restrict -4 default`: the IPv4 default entry only.
    DefaultV4,
    /// `restrict -6 default`: the IPv6 default entry only.
    DefaultV6,
    /// `restrict source`: the template applied to the address of every configured server,
    /// peer and pool member the caller registers with
    /// [`RestrictList::add_source_address`](crate::RestrictList::add_source_address).
    Source,
    /// `restrict <address> [mask <mask>]` or `restrict <address>/<len>`: an address range.
    /// Host names are resolved by the caller into one entry per address.
    Net(IpNet),
}

impl RestrictNetwork {
    /// A single host (`restrict 192.0.2.1`: the mask defaults to all ones).
    pub fn host(address: IpAddr) -> Self {
        RestrictNetwork::Net(IpNet::from(address))
    }

    /// `restrict <address> mask <mask>`. The mask must be contiguous (see
    /// [`AccessError::NonContiguousMask`]); host bits in `address` are cleared, as ntpd does.
    pub fn with_mask(address: IpAddr, mask: IpAddr) -> Result<Self, AccessError> {
        let net = match (address, mask) {
            (IpAddr::V4(a), IpAddr::V4(m)) => Ipv4Net::with_netmask(a, m)
                .map(IpNet::V4)
                .map_err(|_| AccessError::NonContiguousMask(mask))?,
            (IpAddr::V6(a), IpAddr::V6(m)) => Ipv6Net::with_netmask(a, m)
                .map(IpNet::V6)
                .map_err(|_| AccessError::NonContiguousMask(mask))?,
            _ => return Err(AccessError::FamilyMismatch { address, mask }),
        };
        Ok(RestrictNetwork::Net(net.trunc()))
    }
}

impl From<IpNet> for RestrictNetwork {
    fn from(net: IpNet) -> Self {
        RestrictNetwork::Net(net)
    }
}

impl fmt::Display for RestrictNetwork {
    /// The ntp.conf spelling, in the `address mask m` form every ntpd version accepts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestrictNetwork::Default => f.write_str("default"),
            RestrictNetwork::DefaultV4 => f.write_str("-4 default"),
            RestrictNetwork::DefaultV6 => f.write_str("-6 default"),
            RestrictNetwork::Source => f.write_str("source"),
            RestrictNetwork::Net(net) => {
                let net = net.trunc();
                if net.prefix_len() == net.max_prefix_len() {
                    write!(f, "{}", net.addr())
                } else {
                    write!(f, "{} mask {}", net.addr(), net.netmask())
                }
            }
        }
    }
}

/// One `restrict` line: the sources it covers, its flags and the `ntpport` match modifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RestrictEntry {
    /// Which sources the entry covers.
    pub network: RestrictNetwork,
    /// The restrictions; never contains [`RestrictFlags::NTPPORT`] (that is `ntpport`).
    pub flags: RestrictFlags,
    /// `ntpport`: the entry matches only packets from source port 123, and sorts after an
    /// otherwise identical entry without it (so it wins for port-123 sources).
    pub ntpport: bool,
}

impl RestrictEntry {
    /// An entry from a network and the flags as written. An `ntpport` word among the flags is
    /// moved into [`RestrictEntry::ntpport`], since ntpd treats it as a match modifier.
    pub fn new(network: impl Into<RestrictNetwork>, flags: RestrictFlags) -> Self {
        RestrictEntry {
            network: network.into(),
            flags: flags.difference(RestrictFlags::NTPPORT),
            ntpport: flags.contains(RestrictFlags::NTPPORT),
        }
    }

    /// The flags as written in ntp.conf, `ntpport` included.
    pub fn written_flags(&self) -> RestrictFlags {
        if self.ntpport {
            self.flags | RestrictFlags::NTPPORT
        } else {
            self.flags
        }
    }
}

impl fmt::Display for RestrictEntry {
    /// The canonical ntp.conf line, e.g. `restrict 10.0.0.0 mask 255.0.0.0 nomodify nopeer`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "restrict {}", self.network)?;
        let written = self.written_flags();
        if !written.is_empty() {
            write!(f, " {written}")?;
        }
        Ok(())
    }
}

/// The two address families a restrict list keeps apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Family {
    V4,
    V6,
}

/// A source address reduced to what matching needs: its family and its bits, left-aligned in
/// the family's width. IPv4-mapped IPv6 sources (`::ffff:a.b.c.d`) count as IPv4 so that an
/// IPv4 `restrict` line cannot be bypassed through a dual-stack socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct SourceKey {
    pub(crate) family: Family,
    pub(crate) bits: u128,
}

impl SourceKey {
    pub(crate) fn of(addr: IpAddr) -> Self {
        match addr {
            IpAddr::V4(v4) => SourceKey::v4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => SourceKey::v4(v4),
                None => SourceKey::v6(v6),
            },
        }
    }

    fn v4(addr: Ipv4Addr) -> Self {
        SourceKey {
            family: Family::V4,
            bits: u128::from(u32::from(addr)),
        }
    }

    fn v6(addr: Ipv6Addr) -> Self {
        SourceKey {
            family: Family::V6,
            bits: u128::from(addr),
        }
    }
}

/// Where a prefix sits in the sort order ntpd uses: family, masked address, prefix length,
/// then `ntpport` (an `ntpport` entry is "more specific" than the same prefix without it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct PrefixKey {
    pub(crate) family: Family,
    pub(crate) bits: u128,
    pub(crate) len: u8,
    pub(crate) ntpport: bool,
}

impl PrefixKey {
    pub(crate) fn of(net: IpNet, ntpport: bool) -> Self {
        let net = net.trunc();
        let (family, bits, len) = match net {
            IpNet::V4(n) => (
                Family::V4,
                u128::from(u32::from(n.network())),
                n.prefix_len(),
            ),
            // An IPv4-mapped IPv6 range is an IPv4 range: sources are canonicalised the same way.
            IpNet::V6(n) => match n.network().to_ipv4_mapped() {
                Some(v4) if n.prefix_len() >= 96 => {
                    (Family::V4, u128::from(u32::from(v4)), n.prefix_len() - 96)
                }
                _ => (Family::V6, u128::from(n.network()), n.prefix_len()),
            },
        };
        PrefixKey {
            family,
            bits,
            len,
            ntpport,
        }
    }

    pub(crate) fn default_for(family: Family) -> Self {
        PrefixKey {
            family,
            bits: 0,
            len: 0,
            ntpport: false,
        }
    }

    /// The family's width in bits (32 or 128).
    pub(crate) fn width(self) -> u32 {
        match self.family {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }

    /// The first and last address the prefix covers, as right-aligned bits.
    pub(crate) fn range(self) -> (u128, u128) {
        let host_bits = self.width() - u32::from(self.len);
        let span = if host_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        };
        (self.bits, self.bits | span)
    }

    /// ntpd's match test: the masked source equals the entry's address, and the port rule.
    pub(crate) fn matches(self, source: SourceKey, port: u16) -> bool {
        if source.family != self.family || (self.ntpport && port != crate::NTP_PORT) {
            return false;
        }
        let (first, last) = self.range();
        (first..=last).contains(&source.bits)
    }

    /// The prefix back as an `IpNet` (for listing the effective entries).
    pub(crate) fn to_net(self) -> IpNet {
        match self.family {
            Family::V4 => {
                let addr = Ipv4Addr::from(u32::try_from(self.bits).unwrap_or(0));
                IpNet::V4(Ipv4Net::new(addr, self.len.min(32)).unwrap_or_default())
            }
            Family::V6 => {
                let addr = Ipv6Addr::from(self.bits);
                IpNet::V6(Ipv6Net::new(addr, self.len.min(128)).unwrap_or_default())
            }
        }
    }
}
