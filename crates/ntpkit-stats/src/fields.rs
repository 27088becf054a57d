//! Splitting a statistics line into named fields, with errors that name the field.

use crate::error::StatsError;

/// The longest line this crate parses or writes. ntpd's longest lines are rawstats lines
/// with a hex dump of extension fields; 4 KiB leaves room for any packet we accept.
pub const MAX_LINE_LEN: usize = 4096;

/// Fields of one line, separated by single spaces as ntpd writes them.
pub(crate) struct Fields<'a> {
    rest: Option<&'a str>,
    last: &'static str,
}

impl<'a> Fields<'a> {
    /// Starts on `line`, which may end in one `\n`.
    pub(crate) fn new(line: &'a str) -> Result<Self, StatsError> {
        if line.len() > MAX_LINE_LEN {
            return Err(StatsError::LineTooLong {
                len: line.len(),
                max: MAX_LINE_LEN,
            });
        }
        let line = line.strip_suffix('\n').unwrap_or(line);
        Ok(Self {
            rest: Some(line),
            last: "start of line",
        })
    }

    /// The next field, which must be present and non-empty.
    pub(crate) fn next(&mut self, field: &'static str) -> Result<&'a str, StatsError> {
        self.next_opt(field)?
            .ok_or(StatsError::MissingField { field })
    }

    /// The next field, or `None` at the end of the line.
    pub(crate) fn next_opt(&mut self, field: &'static str) -> Result<Option<&'a str>, StatsError> {
        self.take(field, |b| b.is_ascii_control())
    }

    /// The next field, which may hold control bytes other than line ends: NTPsec writes a
    /// reference id's raw bytes (e.g. `.\x7f\x7f\x01\x01.` for chrony's local refid).
    pub(crate) fn next_verbatim(&mut self, field: &'static str) -> Result<&'a str, StatsError> {
        self.take(field, |b| b == b'\n' || b == b'\r')?
            .ok_or(StatsError::MissingField { field })
    }

    fn take(
        &mut self,
        field: &'static str,
        forbidden: impl Fn(u8) -> bool,
    ) -> Result<Option<&'a str>, StatsError> {
        let Some(rest) = self.rest else {
            return Ok(None);
        };
        let (token, rest) = match rest.split_once(' ') {
            Some((token, rest)) => (token, Some(rest)),
            None => (rest, None),
        };
        if token.is_empty() || token.bytes().any(forbidden) {
            return Err(StatsError::InvalidField { field });
        }
        self.rest = rest;
        self.last = field;
        Ok(Some(token))
    }

    /// Everything after the current position, as one free-text field (clockstats and
    /// cryptostats messages contain spaces).
    pub(crate) fn rest(&mut self, field: &'static str) -> Result<&'a str, StatsError> {
        let rest = self.rest.take().ok_or(StatsError::MissingField { field })?;
        self.last = field;
        Ok(rest)
    }

    /// Fails if anything is left.
    pub(crate) fn finish(self) -> Result<(), StatsError> {
        match self.rest {
            None => Ok(()),
            Some(_) => Err(StatsError::TrailingData { after: self.last }),
        }
    }
}

/// An unsigned decimal of ASCII digits only (no sign, no spaces), or `None`.
pub(crate) fn parse_decimal_u64(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A signed decimal integer as C's `%d` prints it (`-` only, no `+`, no leading zeros
/// other than `0` itself), so that what parses also prints back identically.
pub(crate) fn parse_c_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.len() > 1 && digits.starts_with('0') || s == "-0" {
        return None;
    }
    let magnitude = parse_decimal_u64(digits)?;
    let value = i64::try_from(magnitude).ok()?;
    Some(if s.starts_with('-') { -value } else { value })
}

/// An unsigned decimal as C's `%lu` prints it (no leading zeros).
pub(crate) fn parse_c_uint(s: &str) -> Option<u64> {
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    parse_decimal_u64(s)
}
