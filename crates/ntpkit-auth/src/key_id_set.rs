//! Sets of key ids written as lists and ranges, for `trustedkey 1 2 10-20` (and ntpd 4.2.8's
//! `trustedkey 1 2 (10 ... 20)`) and for revocation lists.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

use crate::{AuthError, KeyId};

/// A set of key ids stored as sorted, disjoint, non-adjacent inclusive ranges.
///
/// Memory is bounded by the id space: at most 32767 ranges can exist.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct KeyIdSet {
    ranges: Vec<(u16, u16)>,
}

impl KeyIdSet {
    /// The empty set.
    pub const fn new() -> KeyIdSet {
        KeyIdSet { ranges: Vec::new() }
    }

    /// Whether the set holds `id`.
    pub fn contains(&self, id: KeyId) -> bool {
        let v = id.get();
        // Ranges are sorted and disjoint: find the last range starting at or before v.
        let idx = self.ranges.partition_point(|&(lo, _)| lo <= v);
        idx.checked_sub(1)
            .and_then(|i| self.ranges.get(i))
            .is_some_and(|&(_, hi)| v <= hi)
    }

    /// Adds one key id.
    pub fn insert(&mut self, id: KeyId) {
        self.insert_range(id, id);
    }

    /// Adds every id from `first` to `last` inclusive (nothing if `first > last`).
    pub fn insert_range(&mut self, first: KeyId, last: KeyId) {
        let (lo, hi) = (first.get(), last.get());
        if lo > hi {
            return;
        }
        // Merge with every range that overlaps or touches [lo, hi].
        let start = self
            .ranges
            .partition_point(|&(_, h)| u32::from(h) + 1 < u32::from(lo));
        let end = self
            .ranges
            .partition_point(|&(l, _)| u32::from(l) <= u32::from(hi) + 1);
        let mut new_lo = lo;
        let mut new_hi = hi;
        if start < end {
            if let Some(&(l, _)) = self.ranges.get(start) {
                new_lo = new_lo.min(l);
            }
            if let Some(&(_, h)) = self.ranges.get(end - 1) {
                new_hi = new_hi.max(h);
            }
        }
        self.ranges.splice(start..end, [(new_lo, new_hi)]);
    }

    /// Removes one key id.
    pub fn remove(&mut self, id: KeyId) {
        let v = id.get();
        let idx = self.ranges.partition_point(|&(lo, _)| lo <= v);
        let Some(i) = idx.checked_sub(1) else { return };
        let Some(&(lo, hi)) = self.ranges.get(i) else {
            return;
        };
        if v > hi {
            return;
        }
        match (lo == v, hi == v) {
            (true, true) => {
                self.ranges.remove(i);
            }
            (true, false) => self.ranges[i] = (v + 1, hi),
            (false, true) => self.ranges[i] = (lo, v - 1),
            (false, false) => {
                self.ranges[i] = (lo, v - 1);
                self.ranges.insert(i + 1, (v + 1, hi));
            }
        }
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Number of key ids in the set.
    pub fn len(&self) -> usize {
        self.ranges
            .iter()
            .map(|&(lo, hi)| usize::from(hi - lo) + 1)
            .sum()
    }

    /// The set as inclusive ranges, in ascending order.
    pub fn ranges(&self) -> impl Iterator<Item = (KeyId, KeyId)> + '_ {
        self.ranges
            .iter()
            .filter_map(|&(lo, hi)| Some((KeyId::new(u32::from(lo))?, KeyId::new(u32::from(hi))?)))
    }

    /// Every key id in the set, in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = KeyId> + '_ {
        self.ranges
            .iter()
            .flat_map(|&(lo, hi)| (lo..=hi).filter_map(|v| KeyId::new(u32::from(v))))
    }
}

impl FromIterator<KeyId> for KeyIdSet {
    fn from_iter<I: IntoIterator<Item = KeyId>>(iter: I) -> Self {
        let mut set = KeyIdSet::new();
        for id in iter {
            set.insert(id);
        }
        set
    }
}

impl fmt::Debug for KeyIdSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyIdSet({self})")
    }
}

/// Writes the canonical form: ids and `first-last` ranges separated by single spaces.
impl fmt::Display for KeyIdSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, &(lo, hi)) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if lo == hi {
                write!(f, "{lo}")?;
            } else {
                write!(f, "{lo}-{hi}")?;
            }
        }
        Ok(())
    }
}

fn set_error(reason: &str, token: &str) -> AuthError {
    let mut r = String::from(reason);
    r.push_str(" `");
    r.push_str(&crate::key_id::bounded_copy(token));
    r.push('`');
    AuthError::InvalidKeyIdSet { reason: r }
}

fn parse_id(token: &str) -> Result<KeyId, AuthError> {
    token
        .parse::<KeyId>()
        .map_err(|_| set_error("not a key id in 1..=65534:", token))
}

impl FromStr for KeyIdSet {
    type Err = AuthError;

    /// Parses ids separated by white space or commas; a range is `first-last` or ntpd's
    /// `(first ... last)`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut set = KeyIdSet::new();
        let mut tokens = s
            .split(|c: char| c.is_ascii_whitespace() || c == ',')
            .flat_map(split_parens)
            .filter(|t| !t.is_empty());
        while let Some(token) = tokens.next() {
            if token == "(" {
                let first = parse_id(tokens.next().unwrap_or(""))?;
                if tokens.next() != Some("...") {
                    return Err(set_error(
                        "expected `...` after",
                        &alloc::format!("({first}"),
                    ));
                }
                let last = parse_id(tokens.next().unwrap_or(""))?;
                if tokens.next() != Some(")") {
                    return Err(set_error("expected `)` to close range", "("));
                }
                insert_checked(&mut set, first, last)?;
            } else if let Some((a, b)) = token.split_once('-') {
                insert_checked(&mut set, parse_id(a)?, parse_id(b)?)?;
            } else {
                set.insert(parse_id(token)?);
            }
        }
        Ok(set)
    }
}

fn insert_checked(set: &mut KeyIdSet, first: KeyId, last: KeyId) -> Result<(), AuthError> {
    if first > last {
        return Err(AuthError::InvalidKeyIdSet {
            reason: alloc::format!("range {first}-{last} is empty (first > last)"),
        });
    }
    set.insert_range(first, last);
    Ok(())
}

/// Splits `(10` / `20)` into separate parenthesis tokens.
fn split_parens(token: &str) -> impl Iterator<Item = &str> {
    let open = token.strip_prefix('(');
    let rest = open.unwrap_or(token);
    let close = rest.strip_suffix(')');
    let middle = close.unwrap_or(rest);
    open.map(|_| "(")
        .into_iter()
        .chain(core::iter::once(middle))
        .chain(close.map(|_| ")"))
}

#[cfg(feature = "serde")]
impl serde::Serialize for KeyIdSet {
    /// Serialises as the canonical text form, e.g. `"1 2 10-20"`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for KeyIdSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = KeyIdSet;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key id list such as \"1 2 10-20\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<KeyIdSet, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(Visitor)
    }
}
