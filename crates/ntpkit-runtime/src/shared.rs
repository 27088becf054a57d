//! A value all workers read and the main thread replaces (the configuration on SIGHUP).
//!
//! Workers check a generation counter once per batch (one relaxed atomic load) and take
//! the lock only when it changed, so a reload costs the hot path nothing and never stops
//! service: workers go on with the old value until they pick up the new one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// The shared, replaceable value.
#[derive(Debug)]
pub struct Shared<T> {
    generation: AtomicU64,
    value: RwLock<Arc<T>>,
}

impl<T> Shared<T> {
    /// Wraps the first value.
    pub fn new(value: T) -> Arc<Self> {
        Arc::new(Self {
            generation: AtomicU64::new(0),
            value: RwLock::new(Arc::new(value)),
        })
    }

    /// Replaces the value; readers see it at their next [`Reader::refresh`].
    pub fn replace(&self, value: T) {
        let value = Arc::new(value);
        match self.value.write() {
            Ok(mut guard) => *guard = value,
            Err(poisoned) => *poisoned.into_inner() = value,
        }
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// The current value.
    pub fn load(&self) -> Arc<T> {
        match self.value.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// A worker's cached view of the value.
    pub fn reader(self: &Arc<Self>) -> Reader<T> {
        let generation = self.generation.load(Ordering::Acquire);
        Reader {
            shared: self.clone(),
            generation,
            current: self.load(),
        }
    }
}

/// A cached copy of a [`Shared`] value, refreshed cheaply.
#[derive(Debug)]
pub struct Reader<T> {
    shared: Arc<Shared<T>>,
    generation: u64,
    current: Arc<T>,
}

impl<T> Reader<T> {
    /// Picks up a replaced value, if any; returns true when it changed.
    pub fn refresh(&mut self) -> bool {
        let generation = self.shared.generation.load(Ordering::Acquire);
        if generation == self.generation {
            return false;
        }
        self.generation = generation;
        self.current = self.shared.load();
        true
    }

    /// The value as of the last refresh.
    pub fn get(&self) -> &Arc<T> {
        &self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_see_a_replacement_only_after_refresh() {
        let shared = Shared::new(1);
        let mut reader = shared.reader();
        assert!(!reader.refresh());
        shared.replace(2);
        assert_eq!(**reader.get(), 1);
        assert!(reader.refresh());
        assert_eq!(**reader.get(), 2);
        assert!(!reader.refresh());
    }
}
