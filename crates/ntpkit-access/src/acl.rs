//! Router-style ACL levels (`ntp access peer|server|synchronization|query|limited <acl>`),
//! mapped onto the same restrict engine.
//!
//! | level             | grants                                        | restrict flags                 |
//! |-------------------|-----------------------------------------------|--------------------------------|
//! | `peer`            | time, symmetric peering, queries, (auth) writes | none                         |
//! | `server`          | time requests and queries; no peering          | `nopeer nomodify`              |
//! | `synchronization` | time requests only                             | `noquery nopeer`               |
//! | `query`           | control queries only                           | `noserve nomodify`             |
//! | `limited`         | time requests under the `discard` limits        | `limited noquery nopeer`       |
//! | (no level / deny) | nothing; DENY kiss when KoD is enabled         | `noserve noquery nopeer`       |
//!
//! A source gets the first level, in the order peer, server, synchronization, query, limited,
//! whose ACL permits it. Within one level's ACL the most specific rule decides (permit or
//! deny), which is the usual way router ACLs are written. If no rule exists at any level,
//! everything is allowed, as on the router without `ntp access`.

use core::fmt;
use core::str::FromStr;

use ipnet::IpNet;

use crate::entry::PrefixKey;
use crate::{AccessError, RestrictEntry, RestrictFlags, RestrictList, RestrictNetwork};

/// An NTP access level of the router's `ntp access` command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum AclLevel {
    /// Full access: time service, symmetric peering, control queries.
    Peer,
    /// Time requests and control queries, no peering.
    Server,
    /// Time requests only.
    Synchronization,
    /// Control queries only.
    Query,
    /// Time requests, rate limited by `discard`.
    Limited,
}

impl AclLevel {
    /// The levels in the order a source is matched against them.
    pub const PRECEDENCE: [AclLevel; 5] = [
        AclLevel::Peer,
        AclLevel::Server,
        AclLevel::Synchronization,
        AclLevel::Query,
        AclLevel::Limited,
    ];

    /// Flags for a source no level permits (DENY when KoD is enabled).
    pub const DENIED: RestrictFlags = RestrictFlags::NOSERVE
        .union(RestrictFlags::NOQUERY)
        .union(RestrictFlags::NOPEER);

    /// The restrict flags that express this level (the table in the module docs).
    pub const fn restrict_flags(self) -> RestrictFlags {
        match self {
            AclLevel::Peer => RestrictFlags::NONE,
            AclLevel::Server => RestrictFlags::NOPEER.union(RestrictFlags::NOMODIFY),
            AclLevel::Synchronization => RestrictFlags::NOQUERY.union(RestrictFlags::NOPEER),
            AclLevel::Query => RestrictFlags::NOSERVE.union(RestrictFlags::NOMODIFY),
            AclLevel::Limited => RestrictFlags::LIMITED
                .union(RestrictFlags::NOQUERY)
                .union(RestrictFlags::NOPEER),
        }
    }

    /// The router's spelling.
    pub const fn name(self) -> &'static str {
        match self {
            AclLevel::Peer => "peer",
            AclLevel::Server => "server",
            AclLevel::Synchronization => "synchronization",
            AclLevel::Query => "query",
            AclLevel::Limited => "limited",
        }
    }
}

impl FromStr for AclLevel {
    type Err = AccessError;

    fn from_str(text: &str) -> Result<Self, AccessError> {
        AclLevel::PRECEDENCE
            .into_iter()
            .find(|level| level.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| AccessError::UnknownAclLevel(text.into()))
    }
}

impl fmt::Display for AclLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One ACL rule attached to an access level: `rule permit|deny source <network>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AclRule {
    /// The access level whose ACL holds the rule.
    pub level: AclLevel,
    /// The source range.
    pub network: IpNet,
    /// `true` for permit, `false` for deny.
    pub permit: bool,
}

impl RestrictList {
    /// Compiles router ACL levels into a restrict list (see the `acl` table in the crate
    /// docs). Exact for any nesting of networks: every address gets the level the per-level
    /// most-specific-rule evaluation gives it. Intended for ACL-sized inputs (the compile is
    /// quadratic in the number of rules).
    ///
    /// ```
    /// use ntpkit_access::{AclLevel, AclRule, RestrictFlags, RestrictList};
    ///
    /// let list = RestrictList::from_acl_rules(&[
    ///     AclRule { level: AclLevel::Peer, network: "10.1.0.0/16".parse()?, permit: true },
    ///     AclRule { level: AclLevel::Synchronization, network: "10.0.0.0/8".parse()?, permit: true },
    /// ]);
    /// assert_eq!(list.lookup("10.1.2.3".parse()?, 5000), RestrictFlags::NONE);
    /// assert_eq!(list.lookup("10.2.2.3".parse()?, 5000), AclLevel::Synchronization.restrict_flags());
    /// assert_eq!(list.lookup("192.0.2.1".parse()?, 5000), AclLevel::DENIED);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_acl_rules(rules: &[AclRule]) -> RestrictList {
        if rules.is_empty() {
            return RestrictList::new();
        }
        let mut networks: Vec<IpNet> = rules.iter().map(|rule| rule.network.trunc()).collect();
        networks.sort_by_key(|net| PrefixKey::of(*net, false));
        networks.dedup();
        // Sources outside every rule are denied; a rule on a /0 sets its family's default.
        let mut entries = Vec::with_capacity(networks.len() + 2);
        if !networks
            .iter()
            .any(|n| matches!(n, IpNet::V4(_)) && n.prefix_len() == 0)
        {
            entries.push(RestrictEntry::new(
                RestrictNetwork::DefaultV4,
                AclLevel::DENIED,
            ));
        }
        if !networks
            .iter()
            .any(|n| matches!(n, IpNet::V6(_)) && n.prefix_len() == 0)
        {
            entries.push(RestrictEntry::new(
                RestrictNetwork::DefaultV6,
                AclLevel::DENIED,
            ));
        }
        for net in networks {
            let level = AclLevel::PRECEDENCE.into_iter().find(|level| {
                rules
                    .iter()
                    .filter(|rule| rule.level == *level && rule.network.trunc().contains(&net))
                    .max_by_key(|rule| (rule.network.prefix_len(), !rule.permit))
                    .is_some_and(|rule| rule.permit)
            });
            let flags = level.map_or(AclLevel::DENIED, AclLevel::restrict_flags);
            entries.push(RestrictEntry::new(net, flags));
        }
        let mut list = RestrictList::new();
        list.extend(entries);
        list
    }
}
