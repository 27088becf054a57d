//! Caps on dynamically created (ephemeral) associations.
//!
//! Symmetric passive, broadcast-client and manycast associations are created by packets from
//! the network, so their number must be bounded in total and per key (CVE-2016-1549,
//! CVE-2018-7170). The router calls the total `max-dynamic-sessions` (default 100).

use std::collections::HashMap;

/// Why a new dynamic association was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SessionRefusal {
    /// The total number of dynamic associations is at its cap.
    TotalCap,
    /// The key already authenticates as many dynamic associations as allowed.
    PerKeyCap,
}

/// The association layer asks this object before mobilizing an ephemeral association and
/// tells it when one goes away.
///
/// ```
/// use ntpkit_access::{SessionLimits, SessionRefusal};
///
/// let mut limits = SessionLimits::new(2, 1);
/// assert!(limits.try_admit(Some(7)).is_ok());
/// assert_eq!(limits.try_admit(Some(7)), Err(SessionRefusal::PerKeyCap));
/// assert!(limits.try_admit(None).is_ok());
/// assert_eq!(limits.try_admit(Some(9)), Err(SessionRefusal::TotalCap));
/// limits.release(Some(7));
/// assert!(limits.try_admit(Some(9)).is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct SessionLimits {
    total_cap: u32,
    per_key_cap: u32,
    total: u32,
    per_key: HashMap<u32, u32>,
}

impl SessionLimits {
    /// The router's default `max-dynamic-sessions`.
    pub const DEFAULT_TOTAL: u32 = 100;

    /// Caps: `total` dynamic associations, at most `per_key` authenticated by one key id.
    pub fn new(total: u32, per_key: u32) -> Self {
        SessionLimits {
            total_cap: total,
            per_key_cap: per_key,
            total: 0,
            per_key: HashMap::new(),
        }
    }

    /// Reserves room for one new dynamic association authenticated by `key` (`None` for an
    /// unauthenticated one, which only the total cap limits).
    pub fn try_admit(&mut self, key: Option<u32>) -> Result<(), SessionRefusal> {
        if self.total >= self.total_cap {
            return Err(SessionRefusal::TotalCap);
        }
        if let Some(key) = key {
            let used = self.per_key.get(&key).copied().unwrap_or(0);
            if used >= self.per_key_cap {
                return Err(SessionRefusal::PerKeyCap);
            }
            // At most `total_cap` keys can be present, so this map is bounded by the cap.
            self.per_key.insert(key, used + 1);
        }
        self.total += 1;
        Ok(())
    }

    /// Gives back the room of one dynamic association (call once per successful admit).
    pub fn release(&mut self, key: Option<u32>) {
        if let Some(key) = key {
            match self.per_key.get_mut(&key) {
                Some(count) if *count > 1 => *count -= 1,
                Some(_) => {
                    self.per_key.remove(&key);
                }
                None => return,
            }
        }
        self.total = self.total.saturating_sub(1);
    }

    /// Dynamic associations admitted and not yet released.
    pub fn active(&self) -> u32 {
        self.total
    }

    /// Dynamic associations admitted for one key.
    pub fn active_for_key(&self, key: u32) -> u32 {
        self.per_key.get(&key).copied().unwrap_or(0)
    }
}

impl Default for SessionLimits {
    /// 100 in total (the router's default), 100 per key.
    fn default() -> Self {
        SessionLimits::new(Self::DEFAULT_TOTAL, Self::DEFAULT_TOTAL)
    }
}
