//! The compiled lookup structure behind [`RestrictList`](crate::RestrictList).
//!
//! Restrict entries are address prefixes, and any two prefixes are either nested or disjoint.
//! ntpd's rule (sort by address then mask, last match wins) therefore picks the longest
//! matching prefix, with an `ntpport` entry beating the same prefix without it. Such a set of
//! prefixes cuts the address line into at most `2n + 1` intervals over which the answer does
//! not change. We precompute the answer for each interval, for port 123 and for any other port.
//! A lookup indexes a directory by the address's top bits (about two buckets per interval, at
//! most 2^16) to find the few intervals that can contain it, then binary-searches those:
//! O(log n) worst case, typically one or two comparisons; no hashing, no allocation.

use crate::RestrictFlags;
use crate::entry::PrefixKey;

/// The answer for one interval: flags for a source on port 123, and for any other port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Answer {
    other_port: RestrictFlags,
    ntp_port: RestrictFlags,
}

/// One prefix of the list with the flags of its two possible entries (with and without
/// `ntpport`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PrefixGroup {
    pub(crate) key: PrefixKey,
    pub(crate) any_port: Option<RestrictFlags>,
    pub(crate) ntp_port: Option<RestrictFlags>,
}

/// Interval table for one address family. `T` is `u32` for IPv4 and `u128` for IPv6.
#[derive(Clone, Debug, Default)]
pub(crate) struct IntervalTable<T> {
    starts: Vec<T>,
    answers: Vec<Answer>,
    /// `directory[b]` is the interval holding the first address of bucket `b`.
    directory: Vec<u32>,
    /// Right shift that turns an address into its bucket number.
    shift: u32,
}

/// Most directory bits (2^16 buckets, 256 KiB).
const MAX_DIRECTORY_BITS: u32 = 16;

struct Open {
    end: u128,
    answer: Answer,
}

impl<T: Copy + Ord + TryFrom<u128> + Into<u128>> IntervalTable<T> {
    /// Builds the table from the groups of one family (address width `width` bits) in ntpd
    /// order (address, then prefix length). The first group must be the family's default entry
    /// (prefix length 0).
    pub(crate) fn build(groups: &[PrefixGroup], width: u32) -> Self {
        let mut table = IntervalTable {
            starts: Vec::with_capacity(groups.len() * 2 + 1),
            answers: Vec::with_capacity(groups.len() * 2 + 1),
            directory: Vec::new(),
            shift: width,
        };
        let mut stack: Vec<Open> = Vec::new();
        for group in groups {
            let (start, end) = group.key.range();
            while let Some(top) = stack.last() {
                if top.end >= start {
                    break;
                }
                let closed_end = top.end;
                stack.pop();
                table.resume_parent(&stack, closed_end);
            }
            let inherited = stack.last().map(|open| open.answer).unwrap_or(Answer {
                other_port: RestrictFlags::NONE,
                ntp_port: RestrictFlags::NONE,
            });
            let answer = Answer {
                other_port: group.any_port.unwrap_or(inherited.other_port),
                ntp_port: group
                    .ntp_port
                    .or(group.any_port)
                    .unwrap_or(inherited.ntp_port),
            };
            table.emit(start, answer);
            stack.push(Open { end, answer });
        }
        while let Some(top) = stack.pop() {
            table.resume_parent(&stack, top.end);
        }
        table.starts.shrink_to_fit();
        table.answers.shrink_to_fit();
        table.build_directory(width);
        table
    }

    fn build_directory(&mut self, width: u32) {
        let intervals = self.starts.len().max(1);
        let bits = (usize::BITS - intervals.leading_zeros()).clamp(1, MAX_DIRECTORY_BITS);
        self.shift = width - bits;
        self.directory = (0..1u128 << bits)
            .map(|bucket| {
                let first = bucket << self.shift;
                let holding = self.starts.partition_point(|&start| start.into() <= first);
                u32::try_from(holding.saturating_sub(1)).unwrap_or(u32::MAX)
            })
            .collect();
    }

    /// After a prefix ending at `closed_end` closes, its parent's answer applies again.
    fn resume_parent(&mut self, stack: &[Open], closed_end: u128) {
        if let (Some(parent), Some(next)) = (stack.last(), closed_end.checked_add(1)) {
            self.emit(next, parent.answer);
        }
    }

    fn emit(&mut self, start: u128, answer: Answer) {
        let Ok(start) = T::try_from(start) else {
            return;
        };
        if self.starts.last() == Some(&start) {
            if let Some(last) = self.answers.last_mut() {
                *last = answer;
            }
            let n = self.answers.len();
            if n >= 2 && self.answers.get(n - 2) == self.answers.get(n - 1) {
                self.starts.pop();
                self.answers.pop();
            }
            return;
        }
        if self.answers.last() == Some(&answer) {
            return;
        }
        self.starts.push(start);
        self.answers.push(answer);
    }

    /// The flags for a source address and whether its port is 123.
    #[inline]
    pub(crate) fn lookup(&self, bits: T, from_ntp_port: bool) -> RestrictFlags {
        let bucket = usize::try_from(bits.into() >> self.shift).unwrap_or(usize::MAX);
        // The answer lies between the interval holding this bucket's first address and the one
        // holding the next bucket's first address.
        let low = self.directory.get(bucket).map_or(0, |&i| i as usize);
        let high = self
            .directory
            .get(bucket + 1)
            .map_or(self.starts.len(), |&i| i as usize + 1);
        let candidates = self.starts.get(low..high).unwrap_or_default();
        let index = low + candidates.partition_point(|&start| start <= bits);
        match index.checked_sub(1).and_then(|i| self.answers.get(i)) {
            Some(answer) if from_ntp_port => answer.ntp_port,
            Some(answer) => answer.other_port,
            None => RestrictFlags::NONE,
        }
    }

    /// Number of intervals (for memory accounting and tests).
    pub(crate) fn intervals(&self) -> usize {
        self.starts.len()
    }

    /// Heap bytes used by the table.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.starts.capacity() * core::mem::size_of::<T>()
            + self.answers.capacity() * core::mem::size_of::<Answer>()
            + self.directory.capacity() * core::mem::size_of::<u32>()
    }
}
