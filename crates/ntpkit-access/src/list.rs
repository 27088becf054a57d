//! The restrict list: ntpd's ordered address/mask list with last-match semantics.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::entry::{Family, PrefixKey, SourceKey};
use crate::table::{IntervalTable, PrefixGroup};
use crate::{RestrictEntry, RestrictFlags, RestrictNetwork};

/// ntpd's restriction list.
///
/// Entries are kept in ntpd's order (address, then mask, then `ntpport`) and the flags of a
/// source are those of the **last** entry that matches it, which is the most specific one.
/// Default entries for 0.0.0.0/0 and ::/0 are always present (with no flags unless
/// configured). Adding an entry whose prefix and `ntpport` equal an existing one adds its
/// flags to that entry, as ntpd does for repeated `restrict` lines.
///
/// Lookups go through a compiled interval table (O(log n); figures in the crate README);
/// every change rebuilds it, so load many entries with [`RestrictList::extend`] or
/// [`RestrictList::from_entries`] rather than one [`RestrictList::add`] at a time.
///
/// ```
/// use ntpkit_access::{RestrictEntry, RestrictFlags, RestrictList, RestrictNetwork};
///
/// let list = RestrictList::from_entries([
///     RestrictEntry::new(RestrictNetwork::Default, "nomodify nopeer noquery limited kod".parse()?),
///     RestrictEntry::new("192.0.2.0/24".parse::<ipnet::IpNet>()?, "nomodify".parse()?),
/// ]);
/// let inside = list.lookup("192.0.2.7".parse()?, 40123);
/// assert_eq!(inside, RestrictFlags::NOMODIFY);
/// let outside = list.lookup("198.51.100.1".parse()?, 40123);
/// assert!(outside.contains(RestrictFlags::LIMITED | RestrictFlags::KOD));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct RestrictList {
    configured: BTreeMap<PrefixKey, RestrictFlags>,
    source_template: Option<RestrictFlags>,
    sources: BTreeMap<IpAddr, u32>,
    effective: BTreeMap<PrefixKey, RestrictFlags>,
    v4: IntervalTable<u32>,
    v6: IntervalTable<u128>,
}

impl Default for RestrictList {
    fn default() -> Self {
        RestrictList::new()
    }
}

impl RestrictList {
    /// A list holding only the two default entries, without flags (everything allowed).
    pub fn new() -> Self {
        let mut configured = BTreeMap::new();
        configured.insert(PrefixKey::default_for(Family::V4), RestrictFlags::NONE);
        configured.insert(PrefixKey::default_for(Family::V6), RestrictFlags::NONE);
        let mut list = RestrictList {
            configured,
            source_template: None,
            sources: BTreeMap::new(),
            effective: BTreeMap::new(),
            v4: IntervalTable::default(),
            v6: IntervalTable::default(),
        };
        list.rebuild();
        list
    }

    /// A list from `restrict` lines in any order.
    pub fn from_entries(entries: impl IntoIterator<Item = RestrictEntry>) -> Self {
        let mut list = RestrictList::new();
        list.extend(entries);
        list
    }

    /// Adds `restrict` lines, rebuilding the lookup table once.
    pub fn extend(&mut self, entries: impl IntoIterator<Item = RestrictEntry>) {
        for entry in entries {
            self.add_without_rebuild(entry);
        }
        self.rebuild();
    }

    /// Adds one `restrict` line (its flags are OR-ed into an identical existing entry).
    pub fn add(&mut self, entry: RestrictEntry) {
        self.add_without_rebuild(entry);
        self.rebuild();
    }

    fn add_without_rebuild(&mut self, entry: RestrictEntry) {
        let mut merge = |key: PrefixKey| {
            *self.configured.entry(key).or_default() |= entry.flags;
        };
        match entry.network {
            RestrictNetwork::Default => {
                merge(default_key(Family::V4, entry.ntpport));
                merge(default_key(Family::V6, entry.ntpport));
            }
            RestrictNetwork::DefaultV4 => merge(default_key(Family::V4, entry.ntpport)),
            RestrictNetwork::DefaultV6 => merge(default_key(Family::V6, entry.ntpport)),
            RestrictNetwork::Net(net) => merge(PrefixKey::of(net, entry.ntpport)),
            RestrictNetwork::Source => {
                let template = self.source_template.get_or_insert(RestrictFlags::NONE);
                *template |= entry.flags;
            }
        }
    }

    /// Removes the entry for exactly this network and `ntpport` setting. The default entries
    /// cannot be removed; removing one resets its flags to none. Returns whether an entry
    /// (or the `restrict source` template) was there.
    pub fn remove(&mut self, network: RestrictNetwork, ntpport: bool) -> bool {
        let found = match network {
            RestrictNetwork::Source => self.source_template.take().is_some(),
            RestrictNetwork::Default => {
                let v4 = self.reset_default(Family::V4, ntpport);
                let v6 = self.reset_default(Family::V6, ntpport);
                v4 || v6
            }
            RestrictNetwork::DefaultV4 => self.reset_default(Family::V4, ntpport),
            RestrictNetwork::DefaultV6 => self.reset_default(Family::V6, ntpport),
            RestrictNetwork::Net(net) => {
                let key = PrefixKey::of(net, ntpport);
                if key.len == 0 && !ntpport {
                    self.reset_default(key.family, false)
                } else {
                    self.configured.remove(&key).is_some()
                }
            }
        };
        self.rebuild();
        found
    }

    fn reset_default(&mut self, family: Family, ntpport: bool) -> bool {
        let key = default_key(family, ntpport);
        if ntpport {
            self.configured.remove(&key).is_some()
        } else {
            self.configured.insert(key, RestrictFlags::NONE).is_some()
        }
    }

    /// The `restrict source` template, if one is configured.
    pub fn source_template(&self) -> Option<RestrictFlags> {
        self.source_template
    }

    /// Registers the address of a configured server, peer or pool member, so that the
    /// `restrict source` template applies to it (as a host entry), the way ntpd adds a
    /// restriction for each association it mobilizes. Registrations are counted: call
    /// [`RestrictList::remove_source_address`] once per registration when the association
    /// goes away. An explicitly configured host entry for the same address wins over the
    /// template (ntpd leaves such entries alone).
    pub fn add_source_address(&mut self, address: IpAddr) {
        *self.sources.entry(canonical(address)).or_insert(0) += 1;
        self.rebuild();
    }

    /// Drops one registration made with [`RestrictList::add_source_address`].
    pub fn remove_source_address(&mut self, address: IpAddr) {
        let address = canonical(address);
        if let Some(count) = self.sources.get_mut(&address) {
            *count -= 1;
            if *count == 0 {
                self.sources.remove(&address);
            }
            self.rebuild();
        }
    }

    /// Adds ntpd's startup entry for one of the host's own interface addresses:
    /// `ignore ntpport`, so the server never synchronizes to itself.
    pub fn add_local_interface(&mut self, address: IpAddr) {
        self.add(RestrictEntry {
            network: RestrictNetwork::host(canonical(address)),
            flags: RestrictFlags::IGNORE,
            ntpport: true,
        });
    }

    /// The restrictions for a packet from `address`, source port `port` (fast path).
    ///
    /// IPv4-mapped IPv6 addresses are matched against the IPv4 entries.
    #[inline]
    pub fn lookup(&self, address: IpAddr, port: u16) -> RestrictFlags {
        let key = SourceKey::of(address);
        let ntp_port = port == crate::NTP_PORT;
        match key.family {
            Family::V4 => self
                .v4
                .lookup(u32::try_from(key.bits).unwrap_or(0), ntp_port),
            Family::V6 => self.v6.lookup(key.bits, ntp_port),
        }
    }

    /// The same answer as [`RestrictList::lookup`], computed the way ntpd describes it: walk
    /// the entries in sort order and keep the last match. O(n); this is the reference model
    /// the property tests and the fuzz target check the fast path against.
    pub fn lookup_linear(&self, address: IpAddr, port: u16) -> RestrictFlags {
        let key = SourceKey::of(address);
        let mut flags = RestrictFlags::NONE;
        for (prefix, entry_flags) in &self.effective {
            if prefix.matches(key, port) {
                flags = *entry_flags;
            }
        }
        flags
    }

    /// The effective entries in ntpd's order: configured entries plus one host entry per
    /// registered source address (when a `restrict source` template exists).
    pub fn entries(&self) -> impl Iterator<Item = RestrictEntry> + '_ {
        self.effective.iter().map(|(key, flags)| RestrictEntry {
            network: RestrictNetwork::Net(key.to_net()),
            flags: *flags,
            ntpport: key.ntpport,
        })
    }

    /// Number of effective entries (the two defaults included).
    pub fn len(&self) -> usize {
        self.effective.len()
    }

    /// Always false: the default entries are always present.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Heap bytes used by the compiled lookup tables.
    pub fn table_bytes(&self) -> usize {
        self.v4.heap_bytes() + self.v6.heap_bytes()
    }

    /// Number of intervals the compiled tables cut the address space into.
    pub fn intervals(&self) -> usize {
        self.v4.intervals() + self.v6.intervals()
    }

    fn rebuild(&mut self) {
        let mut effective = self.configured.clone();
        if let Some(template) = self.source_template {
            for address in self.sources.keys() {
                let key = PrefixKey::of(IpNet::from(*address), false);
                effective.entry(key).or_insert(template);
            }
        }
        let groups = |family: Family| -> Vec<PrefixGroup> {
            let mut groups: Vec<PrefixGroup> = Vec::new();
            for (key, flags) in effective.iter().filter(|(k, _)| k.family == family) {
                let same_prefix = groups
                    .last()
                    .is_some_and(|g| g.key.bits == key.bits && g.key.len == key.len);
                if !same_prefix {
                    groups.push(PrefixGroup {
                        key: PrefixKey {
                            ntpport: false,
                            ..*key
                        },
                        any_port: None,
                        ntp_port: None,
                    });
                }
                if let Some(group) = groups.last_mut() {
                    if key.ntpport {
                        group.ntp_port = Some(*flags);
                    } else {
                        group.any_port = Some(*flags);
                    }
                }
            }
            groups
        };
        self.v4 = IntervalTable::build(&groups(Family::V4), 32);
        self.v6 = IntervalTable::build(&groups(Family::V6), 128);
        self.effective = effective;
    }
}

fn default_key(family: Family, ntpport: bool) -> PrefixKey {
    PrefixKey {
        ntpport,
        ..PrefixKey::default_for(family)
    }
}

/// IPv4-mapped IPv6 addresses are stored as IPv4, matching [`SourceKey::of`].
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}
