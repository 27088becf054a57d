//! The NIST/IERS `leap-seconds.list` file: `#$` last update, `#@` expiry, data lines
//! `<NTP seconds> <TAI-UTC>`, and `#h` SHA-1 of the data (the digits of the `#$`, `#@` and
//! data fields concatenated with all whitespace and comments removed).

use sha1::{Digest, Sha1};

use crate::ClockError;

/// Most data lines a leap file may hold (there are 28 as of 2025); bounds memory on hostile
/// input.
pub const MAX_LEAP_ENTRIES: usize = 1024;

/// One line of the table: from `ntp_seconds` (era 0, the first second of a UTC day) on,
/// TAI - UTC is `tai_offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeapEntry {
    /// NTP seconds (era 0) at which the new offset starts.
    pub ntp_seconds: u64,
    /// TAI - UTC in seconds from then on.
    pub tai_offset: i32,
}

/// A parsed and hash-checked leap-seconds file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeapTable {
    /// When the file was last updated (NTP seconds, era 0).
    pub updated: u64,
    /// After this (NTP seconds, era 0) the file must not be trusted for new leaps.
    pub expires: u64,
    /// The entries in increasing time order.
    pub entries: Vec<LeapEntry>,
}

impl LeapTable {
    /// Parses `text` and verifies its `#h` hash.
    pub fn parse(text: &str) -> Result<Self, ClockError> {
        let mut hasher = Sha1::new();
        let mut updated = None;
        let mut expires = None;
        let mut hash = None;
        let mut entries = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line_no = index + 1;
            let syntax = |reason| ClockError::LeapFileSyntax {
                line: line_no,
                reason,
            };
            if let Some(rest) = line.strip_prefix("#$") {
                let value = parse_u64(rest).ok_or_else(|| syntax("bad #$ update time"))?;
                hasher.update(digits(rest).as_bytes());
                updated = Some(value);
            } else if let Some(rest) = line.strip_prefix("#@") {
                let value = parse_u64(rest).ok_or_else(|| syntax("bad #@ expiry time"))?;
                hasher.update(digits(rest).as_bytes());
                expires = Some(value);
            } else if let Some(rest) = line.strip_prefix("#h") {
                hash = Some(parse_hash(rest).ok_or_else(|| syntax("bad #h hash"))?);
            } else if line.starts_with('#') || line.trim().is_empty() {
                continue;
            } else {
                let data = line.split('#').next().unwrap_or("");
                let mut fields = data.split_whitespace();
                let time = fields.next().and_then(|f| f.parse::<u64>().ok());
                let offset = fields.next().and_then(|f| f.parse::<i32>().ok());
                let (Some(time), Some(offset), None) = (time, offset, fields.next()) else {
                    return Err(syntax("expected <NTP seconds> <TAI-UTC>"));
                };
                if entries.len() >= MAX_LEAP_ENTRIES {
                    return Err(syntax("too many entries"));
                }
                if entries
                    .last()
                    .is_some_and(|e: &LeapEntry| e.ntp_seconds >= time)
                {
                    return Err(syntax("entries out of order"));
                }
                hasher.update(digits(data).as_bytes());
                entries.push(LeapEntry {
                    ntp_seconds: time,
                    tai_offset: offset,
                });
            }
        }
        let expires = expires.ok_or(ClockError::LeapFileNoExpiry)?;
        let digest: [u8; 20] = hasher.finalize().into();
        if hash != Some(digest) {
            return Err(ClockError::LeapFileHash);
        }
        Ok(Self {
            updated: updated.unwrap_or(0),
            expires,
            entries,
        })
    }

    /// The table in `leap-seconds.list` form, with its `#h` hash (for tests, or for a
    /// server that redistributes the file it verified).
    pub fn to_text(&self) -> String {
        let mut hasher = Sha1::new();
        let mut out = format!("#$\t{}\n#@\t{}\n", self.updated, self.expires);
        hasher.update(self.updated.to_string().as_bytes());
        hasher.update(self.expires.to_string().as_bytes());
        for e in &self.entries {
            out.push_str(&format!("{}\t{}\n", e.ntp_seconds, e.tai_offset));
            hasher.update(format!("{}{}", e.ntp_seconds, e.tai_offset).as_bytes());
        }
        let digest: [u8; 20] = hasher.finalize().into();
        out.push_str("#h\t");
        for (i, word) in digest.chunks_exact(4).enumerate() {
            let word = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
            out.push_str(&format!("{}{word:08x}", if i == 0 { "" } else { " " }));
        }
        out.push('\n');
        out
    }

    /// Whether the file has expired at `ntp_seconds` (era 0 / era-extended NTP seconds).
    pub fn is_expired(&self, ntp_seconds: u64) -> bool {
        ntp_seconds >= self.expires
    }

    /// TAI - UTC in force at `ntp_seconds`, if the table covers that time.
    pub fn tai_offset(&self, ntp_seconds: u64) -> Option<i32> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.ntp_seconds <= ntp_seconds)
            .map(|e| e.tai_offset)
    }

    /// The first leap after `ntp_seconds`: when it takes effect and +1 (insert) or -1
    /// (delete). None when the table holds no later change.
    pub fn next_leap(&self, ntp_seconds: u64) -> Option<(u64, i32)> {
        let mut previous: Option<&LeapEntry> = None;
        for entry in &self.entries {
            if entry.ntp_seconds > ntp_seconds {
                let before = previous?.tai_offset;
                let step = entry.tai_offset - before;
                if step != 0 {
                    return Some((entry.ntp_seconds, step.signum()));
                }
            }
            previous = Some(entry);
        }
        None
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn parse_u64(s: &str) -> Option<u64> {
    let mut fields = s.split_whitespace();
    let value = fields.next()?.parse().ok()?;
    fields.next().is_none().then_some(value)
}

/// Five 32-bit hex words (leading zeros may be dropped in each word, as some files do).
fn parse_hash(s: &str) -> Option<[u8; 20]> {
    let mut out = [0u8; 20];
    let mut count = 0;
    for (i, word) in s.split_whitespace().enumerate() {
        let value = u32::from_str_radix(word, 16).ok()?;
        out.get_mut(i * 4..i * 4 + 4)?
            .copy_from_slice(&value.to_be_bytes());
        count += 1;
    }
    (count == 5).then_some(out)
}
