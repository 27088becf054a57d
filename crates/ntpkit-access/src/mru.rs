//! The MRU list: recently seen sources, with bounded memory and O(1) work per packet.
//!
//! Like ntpd's monitor list, entries live in a doubly linked most-recently-used order and are
//! found through a hash index. Unlike ntpd it is index-based (no pointers), its hash is keyed
//! from the caller's seed (no hash flooding), and the index is allocated once for the maximum
//! size, so a packet never causes a rehash: the worst case per packet is one probe sequence,
//! one unlink and one relink.

use core::time::Duration;
use std::net::{IpAddr, Ipv6Addr};

use crate::MruConfig;
use crate::hash::{SipKey, address_hash};
use crate::rng::Rng;
use crate::slab::Slab;

const NIL: u32 = u32::MAX;

/// One tracked source. 64 bytes.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Slot {
    /// The source as an IPv6 address (IPv4 as `::ffff:a.b.c.d`).
    addr: u128,
    /// First packet seen, nanoseconds since the caller's epoch.
    first: u64,
    /// Latest packet seen.
    pub(crate) last: u64,
    /// Earliest time a non-RATE kiss may go to this source again.
    pub(crate) kod_next: u64,
    /// Packets seen.
    pub(crate) count: u32,
    /// ntpd's headway counter, in seconds.
    pub(crate) leak: i32,
    prev: u32,
    next: u32,
    port: u16,
}

/// Bytes per tracked source, as an upper bound: the slot plus up to four index cells (the
/// index is a power of two at least twice the maximum depth) plus slack for chunk pointers.
pub(crate) const BYTES_PER_ENTRY: usize = core::mem::size_of::<Slot>() + 4 * 4 + 1;

/// One source in the MRU list, as `ntpq mrulist` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MruEntry {
    /// The source address.
    pub address: IpAddr,
    /// The source port of its latest packet.
    pub port: u16,
    /// When its first packet arrived (caller's monotonic time).
    pub first: Duration,
    /// When its latest packet arrived.
    pub last: Duration,
    /// Packets seen.
    pub count: u32,
}

/// What [`MruList::touch`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Touch {
    /// The source was already tracked; this is its slot.
    Existing(u32),
    /// The source is new and now tracked in this slot.
    New(u32),
    /// The list is full of young entries and the source lost the preemption draw.
    NotRecorded,
}

/// The most-recently-used list of sources (ntpd's monitor/MRU list).
#[derive(Clone, Debug)]
pub struct MruList {
    slots: Slab<Slot>,
    index: Box<[u32]>,
    head: u32,
    tail: u32,
    max: u32,
    mindepth: u32,
    maxage: u64,
    key: SipKey,
}

pub(crate) fn nanos(time: Duration) -> u64 {
    u64::try_from(time.as_nanos()).unwrap_or(u64::MAX)
}

fn address_key(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn key_address(key: u128) -> IpAddr {
    let v6 = Ipv6Addr::from(key);
    v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)
}

impl MruList {
    /// An empty list sized by `config`; `seed` keys the address hash.
    pub fn new(config: &MruConfig, seed: u64) -> Self {
        let max = config.max_entries();
        let index_len = (max as usize * 2).next_power_of_two().max(2);
        let mut seeder = Rng::new(seed ^ 0x6d72_755f_6861_7368);
        MruList {
            slots: Slab::new(max, config.increment_entries(), config.initial_entries()),
            index: vec![NIL; index_len].into_boxed_slice(),
            head: NIL,
            tail: NIL,
            max,
            mindepth: config.mindepth,
            maxage: u64::from(config.maxage).saturating_mul(1_000_000_000),
            key: SipKey {
                k0: seeder.next_u64(),
                k1: seeder.next_u64(),
            },
        }
    }

    /// Number of tracked sources.
    pub fn len(&self) -> usize {
        self.slots.len() as usize
    }

    /// Whether no source is tracked.
    pub fn is_empty(&self) -> bool {
        self.slots.len() == 0
    }

    /// The most sources the list will ever track.
    pub fn capacity(&self) -> usize {
        self.max as usize
    }

    /// Heap bytes in use now: slots allocated so far plus the (preallocated) index.
    pub fn heap_bytes(&self) -> usize {
        self.slots.heap_bytes() + self.index.len() * core::mem::size_of::<u32>()
    }

    /// The most heap bytes the list can ever use with its configuration.
    pub fn max_heap_bytes(&self) -> usize {
        self.slots.max_heap_bytes() + self.index.len() * core::mem::size_of::<u32>()
    }

    /// The entries, most recent first.
    pub fn iter(&self) -> impl Iterator<Item = MruEntry> + '_ {
        let mut cursor = self.head;
        core::iter::from_fn(move || {
            let slot = self.slots.get(cursor)?;
            cursor = slot.next;
            Some(MruEntry {
                address: key_address(slot.addr),
                port: slot.port,
                first: Duration::from_nanos(slot.first),
                last: Duration::from_nanos(slot.last),
                count: slot.count,
            })
        })
    }

    /// The entry for one source, if tracked.
    pub fn get(&self, address: IpAddr) -> Option<MruEntry> {
        let key = address_key(address);
        let slot = self.slots.get(self.find(key)?)?;
        Some(MruEntry {
            address: key_address(slot.addr),
            port: slot.port,
            first: Duration::from_nanos(slot.first),
            last: Duration::from_nanos(slot.last),
            count: slot.count,
        })
    }

    pub(crate) fn slot_mut(&mut self, index: u32) -> Option<&mut Slot> {
        self.slots.get_mut(index)
    }

    /// Finds or records `address` at time `now` and makes it the most recent entry. The
    /// slot's `last` and `count` are left for the caller (it needs the previous `last`).
    pub(crate) fn touch(
        &mut self,
        now: u64,
        address: IpAddr,
        port: u16,
        monitor: u32,
        rng: &mut Rng,
    ) -> Touch {
        let key = address_key(address);
        if let Some(index) = self.find(key) {
            if index != self.head {
                self.unlink(index);
                self.link_head(index);
            }
            if let Some(slot) = self.slots.get_mut(index) {
                slot.port = port;
            }
            return Touch::Existing(index);
        }
        let len = self.slots.len();
        let oldest_age = self
            .slots
            .get(self.tail)
            .map_or(0, |slot| now.saturating_sub(slot.last));
        // ntpd's rules: below mindepth always grow; otherwise recycle an entry idle longer
        // than maxage; otherwise grow up to the maximum; once full, recycle the oldest with
        // probability age/monitor (so a flood of new addresses rarely displaces real clients).
        let index = if len < self.mindepth.min(self.max) {
            self.grow(key, now, port)
        } else if oldest_age > self.maxage {
            self.recycle_tail(key, now, port)
        } else if len < self.max {
            self.grow(key, now, port)
        } else if rng.chance(oldest_age / 1_000_000_000, u64::from(monitor)) {
            self.recycle_tail(key, now, port)
        } else {
            return Touch::NotRecorded;
        };
        match index {
            Some(index) => Touch::New(index),
            None => Touch::NotRecorded,
        }
    }

    fn fresh(key: u128, now: u64, port: u16) -> Slot {
        Slot {
            addr: key,
            first: now,
            last: now,
            kod_next: 0,
            count: 0,
            leak: 0,
            prev: NIL,
            next: NIL,
            port,
        }
    }

    fn grow(&mut self, key: u128, now: u64, port: u16) -> Option<u32> {
        // mru incalloc/incmem: the slab grows a chunk at a time, never past the maximum.
        let index = self.slots.push(Self::fresh(key, now, port))?;
        self.index_insert(key, index);
        self.link_head(index);
        Some(index)
    }

    fn recycle_tail(&mut self, key: u128, now: u64, port: u16) -> Option<u32> {
        let index = self.tail;
        let old_key = self.slots.get(index)?.addr;
        self.index_remove(old_key);
        self.unlink(index);
        *self.slots.get_mut(index)? = Self::fresh(key, now, port);
        self.index_insert(key, index);
        self.link_head(index);
        Some(index)
    }

    fn mask(&self) -> usize {
        self.index.len() - 1
    }

    fn home(&self, key: u128) -> usize {
        address_hash(self.key, key) as usize & self.mask()
    }

    fn find(&self, key: u128) -> Option<u32> {
        let mask = self.mask();
        let mut position = self.home(key);
        loop {
            let cell = *self.index.get(position)?;
            if cell == NIL {
                return None;
            }
            if self.slots.get(cell).is_some_and(|slot| slot.addr == key) {
                return Some(cell);
            }
            position = (position + 1) & mask;
        }
    }

    fn index_insert(&mut self, key: u128, slot: u32) {
        let mask = self.mask();
        let mut position = self.home(key);
        while let Some(cell) = self.index.get_mut(position) {
            if *cell == NIL {
                *cell = slot;
                return;
            }
            position = (position + 1) & mask;
        }
    }

    /// Linear-probing deletion by backward shift (no tombstones, so probe sequences stay short
    /// however many addresses a flood cycles through).
    fn index_remove(&mut self, key: u128) {
        let mask = self.mask();
        let mut position = self.home(key);
        loop {
            match self.index.get(position) {
                Some(&NIL) | None => return,
                Some(&cell) if self.slots.get(cell).is_some_and(|s| s.addr == key) => {
                    break;
                }
                Some(_) => position = (position + 1) & mask,
            }
        }
        let mut hole = position;
        let mut probe = (hole + 1) & mask;
        loop {
            let cell = match self.index.get(probe) {
                Some(&NIL) | None => break,
                Some(&cell) => cell,
            };
            let home = self.slots.get(cell).map_or(probe, |s| self.home(s.addr));
            // Move the cell back into the hole unless its home lies cyclically in (hole, probe].
            let distance_to_probe = probe.wrapping_sub(home) & mask;
            let distance_to_hole = hole.wrapping_sub(home) & mask;
            if distance_to_hole < distance_to_probe {
                if let Some(target) = self.index.get_mut(hole) {
                    *target = cell;
                }
                hole = probe;
            }
            probe = (probe + 1) & mask;
        }
        if let Some(target) = self.index.get_mut(hole) {
            *target = NIL;
        }
    }

    fn unlink(&mut self, index: u32) {
        let Some(slot) = self.slots.get(index) else {
            return;
        };
        let (prev, next) = (slot.prev, slot.next);
        match self.slots.get_mut(prev) {
            Some(p) => p.next = next,
            None => self.head = next,
        }
        match self.slots.get_mut(next) {
            Some(n) => n.prev = prev,
            None => self.tail = prev,
        }
        if let Some(slot) = self.slots.get_mut(index) {
            slot.prev = NIL;
            slot.next = NIL;
        }
    }

    fn link_head(&mut self, index: u32) {
        let old_head = self.head;
        if let Some(slot) = self.slots.get_mut(index) {
            slot.prev = NIL;
            slot.next = old_head;
        }
        match self.slots.get_mut(old_head) {
            Some(h) => h.prev = index,
            None => self.tail = index,
        }
        self.head = index;
    }
}
