//! `restrict` lines. Numeric lines are `ntpkit-access`'s own [`RestrictEntry`]; a line that
//! names a host keeps the name, because this crate resolves nothing: the runtime turns it into
//! one entry per address with [`Restriction::entry_for`].

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::text::Host;
use crate::{RestrictEntry, RestrictFlags, RestrictNetwork};

/// One `restrict` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Restriction {
    /// `restrict default|source|address [mask m]|address/len flags...`.
    Entry(RestrictEntry),
    /// `restrict [-4|-6] hostname flags...`: resolved later by the caller.
    Host {
        /// The name and its `-4`/`-6` qualifier.
        host: Host,
        /// The restrictions (without `ntpport`).
        flags: RestrictFlags,
        /// The `ntpport` match modifier.
        ntpport: bool,
    },
}

impl Restriction {
    /// For a `Host` line, the entry for one resolved address of that host (a single-address
    /// network); for an `Entry` line, the entry itself.
    pub fn entry_for(&self, resolved: IpAddr) -> RestrictEntry {
        match self {
            Restriction::Entry(entry) => *entry,
            Restriction::Host { flags, ntpport, .. } => RestrictEntry {
                network: RestrictNetwork::host(resolved),
                flags: *flags,
                ntpport: *ntpport,
            },
        }
    }
}

impl fmt::Display for Restriction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Restriction::Entry(entry) => write!(f, "{entry}"),
            Restriction::Host {
                host,
                flags,
                ntpport,
            } => {
                write!(f, "restrict {host}")?;
                let written = if *ntpport {
                    *flags | RestrictFlags::NTPPORT
                } else {
                    *flags
                };
                if !written.is_empty() {
                    write!(f, " {written}")?;
                }
                Ok(())
            }
        }
    }
}
