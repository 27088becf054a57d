//! `interface` (alias `nic`): which local addresses the daemon listens on.

use std::fmt;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::text::ConfigText;

/// What to do with the matching interfaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InterfaceAction {
    /// `listen`: open sockets and serve.
    Listen,
    /// `ignore`: open no socket.
    Ignore,
    /// `drop`: open sockets but drop everything received (keeps the port bound).
    Drop,
}

impl InterfaceAction {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            InterfaceAction::Listen => "listen",
            InterfaceAction::Ignore => "ignore",
            InterfaceAction::Drop => "drop",
        }
    }
}

/// Which interfaces or addresses a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InterfaceMatch {
    /// `all`: every address.
    All,
    /// `ipv4`: every IPv4 address.
    Ipv4,
    /// `ipv6`: every IPv6 address.
    Ipv6,
    /// `wildcard`: the wildcard (any-address) sockets.
    Wildcard,
    /// An interface name such as `eth0`.
    Name(ConfigText),
    /// An address or `address/prefixlen` (a single address is stored with a full prefix).
    Network(IpNet),
}

impl fmt::Display for InterfaceMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InterfaceMatch::All => f.write_str("all"),
            InterfaceMatch::Ipv4 => f.write_str("ipv4"),
            InterfaceMatch::Ipv6 => f.write_str("ipv6"),
            InterfaceMatch::Wildcard => f.write_str("wildcard"),
            // A name that reads as a keyword or an address is quoted: quoted tokens are never
            // keywords, so it reads back as a name.
            InterfaceMatch::Name(name) if name_needs_quotes(name.as_str()) => {
                write!(f, "\"{}\"", name.as_str())
            }
            InterfaceMatch::Name(name) => write!(f, "{name}"),
            InterfaceMatch::Network(net) if net.prefix_len() == net.max_prefix_len() => {
                write!(f, "{}", net.addr())
            }
            InterfaceMatch::Network(net) => write!(f, "{net}"),
        }
    }
}

/// One `interface` line; the rules apply in file order, later ones winning.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InterfaceRule {
    /// What to do.
    pub action: InterfaceAction,
    /// To what.
    pub matches: InterfaceMatch,
}

/// Whether an interface name would read back as something else when unquoted.
pub(crate) fn name_needs_quotes(name: &str) -> bool {
    matches!(name, "all" | "ipv4" | "ipv6" | "wildcard")
        || name.parse::<IpNet>().is_ok()
        || name.parse::<std::net::IpAddr>().is_ok()
}
