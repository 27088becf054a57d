//! `discard` and `mru` settings, with ntpd's defaults and units.

use crate::AccessError;

/// `discard average <avg> minimum <min> monitor <prob>`: the rate limits that `limited`
/// entries enforce (ntpd accopt, "discard").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
#[non_exhaustive]
pub struct DiscardConfig {
    /// Minimum average interval between packets from one source (headway), as log2 seconds.
    /// ntpd's default is 3 (8 s). (The 4.2.7 ntp.conf(5) page says 5; ntpd's code and its
    /// HTML docs use 3, and so do we.)
    pub average: u8,
    /// Minimum interval between two packets from one source (guard time), in seconds;
    /// default 2. As in ntpd, one second of grace applies.
    pub minimum: u32,
    /// Preemption divisor for a full MRU list: a new source may replace the oldest entry, when
    /// that entry is younger than `mru maxage`, with probability `age / monitor` (age in
    /// seconds); otherwise it is not recorded. ntpd's default is 3000.
    pub monitor: u32,
    /// ntpkit addition (CVE-2016-7426): one over-limit request in `leak` is answered anyway,
    /// at random, so that a flood spoofing a client's address cannot lock that client out.
    /// 0 disables leaking (ntpd's behaviour). Default 4.
    pub leak: u32,
}

impl DiscardConfig {
    /// ntpd's defaults: `discard average 3 minimum 2 monitor 3000`, plus leak 1 in 4.
    pub const DEFAULT: DiscardConfig = DiscardConfig {
        average: 3,
        minimum: 2,
        monitor: 3000,
        leak: 4,
    };

    /// Highest accepted `average`: 17, ntpd's maximum poll exponent (36 h).
    pub const MAX_AVERAGE: u8 = 17;

    /// Checks the values (`average` at most 17, `monitor` not 0).
    pub fn validate(&self) -> Result<(), AccessError> {
        if self.average > Self::MAX_AVERAGE {
            return Err(AccessError::InvalidValue {
                option: "discard average",
                reason: "must be at most 17 (log2 seconds)",
            });
        }
        if self.monitor == 0 {
            return Err(AccessError::InvalidValue {
                option: "discard monitor",
                reason: "must be at least 1",
            });
        }
        Ok(())
    }

    /// The average headway in whole seconds (2^average).
    pub const fn headway_secs(&self) -> i64 {
        1i64 << (if self.average > Self::MAX_AVERAGE {
            Self::MAX_AVERAGE
        } else {
            self.average
        })
    }
}

impl Default for DiscardConfig {
    fn default() -> Self {
        DiscardConfig::DEFAULT
    }
}

/// `mru maxdepth|maxmem|mindepth|maxage|initalloc|initmem|incalloc|incmem`: the size of the
/// most-recently-used list of sources that rate limiting and `ntpq mrulist` use.
///
/// Where ntpd offers a pair (`maxdepth` entries or `maxmem` KiB, and so on) the one given last
/// in ntp.conf controls: the setters clear the other half of the pair. Sizes in KiB are
/// converted with this crate's own entry size ([`MruConfig::BYTES_PER_ENTRY`]), so `maxmem`
/// is a real memory bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
#[non_exhaustive]
pub struct MruConfig {
    /// Upper limit on the number of entries (`mru maxdepth`).
    pub maxdepth: Option<u32>,
    /// Upper limit in KiB (`mru maxmem`); used when `maxdepth` is `None`. Default 1024.
    pub maxmem: Option<u32>,
    /// Below this many entries, entries are never recycled, whatever their age. Default 600.
    pub mindepth: u32,
    /// Once `mindepth` is reached, an entry idle longer than this (seconds) is recycled for a
    /// new source before the list grows. Default 64.
    pub maxage: u32,
    /// Entries allocated up front (`mru initalloc`).
    pub initalloc: Option<u32>,
    /// KiB allocated up front (`mru initmem`); default 4.
    pub initmem: Option<u32>,
    /// Entries added per growth step (`mru incalloc`).
    pub incalloc: Option<u32>,
    /// KiB added per growth step (`mru incmem`); default 4.
    pub incmem: Option<u32>,
}

impl MruConfig {
    /// Bytes one tracked source costs: the list entry plus its share of the hash index
    /// (two 4-byte slots per entry, load factor at most one half).
    pub const BYTES_PER_ENTRY: usize = crate::mru::BYTES_PER_ENTRY;

    /// Largest accepted `maxdepth` (2^26 entries, about 4.5 GiB).
    pub const MAX_DEPTH: u32 = 1 << 26;

    /// ntpd's defaults: maxmem 1024 KiB, mindepth 600, maxage 64 s, initmem 4 KiB, incmem 4 KiB.
    pub const DEFAULT: MruConfig = MruConfig {
        maxdepth: None,
        maxmem: Some(1024),
        mindepth: 600,
        maxage: 64,
        initalloc: None,
        initmem: Some(4),
        incalloc: None,
        incmem: Some(4),
    };

    /// `mru maxdepth <count>` (clears `maxmem`).
    pub fn set_maxdepth(&mut self, entries: u32) {
        self.maxdepth = Some(entries);
        self.maxmem = None;
    }

    /// `mru maxmem <kilobytes>` (clears `maxdepth`).
    pub fn set_maxmem(&mut self, kib: u32) {
        self.maxmem = Some(kib);
        self.maxdepth = None;
    }

    /// `mru initalloc <count>` (clears `initmem`).
    pub fn set_initalloc(&mut self, entries: u32) {
        self.initalloc = Some(entries);
        self.initmem = None;
    }

    /// `mru initmem <kilobytes>` (clears `initalloc`).
    pub fn set_initmem(&mut self, kib: u32) {
        self.initmem = Some(kib);
        self.initalloc = None;
    }

    /// `mru incalloc <count>` (clears `incmem`).
    pub fn set_incalloc(&mut self, entries: u32) {
        self.incalloc = Some(entries);
        self.incmem = None;
    }

    /// `mru incmem <kilobytes>` (clears `incalloc`).
    pub fn set_incmem(&mut self, kib: u32) {
        self.incmem = Some(kib);
        self.incalloc = None;
    }

    /// The hard limit on entries this configuration allows (at least 1).
    pub fn max_entries(&self) -> u32 {
        let entries = match (self.maxdepth, self.maxmem) {
            (Some(depth), _) => depth,
            (None, Some(kib)) => kib_to_entries(kib),
            (None, None) => kib_to_entries(1024),
        };
        entries.clamp(1, Self::MAX_DEPTH)
    }

    /// Entries allocated when the list is created (never more than the maximum).
    pub fn initial_entries(&self) -> u32 {
        let entries = match (self.initalloc, self.initmem) {
            (Some(count), _) => count,
            (None, Some(kib)) => kib_to_entries(kib),
            (None, None) => kib_to_entries(4),
        };
        entries.min(self.max_entries())
    }

    /// Entries added per growth step (at least 1).
    pub fn increment_entries(&self) -> u32 {
        let entries = match (self.incalloc, self.incmem) {
            (Some(count), _) => count,
            (None, Some(kib)) => kib_to_entries(kib),
            (None, None) => kib_to_entries(4),
        };
        entries.max(1)
    }

    /// Checks the values (`maxdepth` within [`MruConfig::MAX_DEPTH`]).
    pub fn validate(&self) -> Result<(), AccessError> {
        if self.maxdepth.is_some_and(|depth| depth > Self::MAX_DEPTH) {
            return Err(AccessError::InvalidValue {
                option: "mru maxdepth",
                reason: "must be at most 67108864 entries",
            });
        }
        if self
            .maxmem
            .is_some_and(|kib| kib_to_entries(kib) > Self::MAX_DEPTH)
        {
            return Err(AccessError::InvalidValue {
                option: "mru maxmem",
                reason: "must describe at most 67108864 entries",
            });
        }
        Ok(())
    }
}

impl Default for MruConfig {
    fn default() -> Self {
        MruConfig::DEFAULT
    }
}

fn kib_to_entries(kib: u32) -> u32 {
    let bytes = u64::from(kib) * 1024;
    let entries = bytes / MruConfig::BYTES_PER_ENTRY as u64;
    u32::try_from(entries).unwrap_or(u32::MAX)
}
