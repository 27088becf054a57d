//! Address and free-text fields.

use core::fmt::{self, Write as _};
use std::net::IpAddr;

use crate::error::StatsError;

/// The longest address token kept verbatim (an IPv6 address with a zone is at most ~60).
const MAX_ADDR_TEXT: usize = 64;

/// An address field: ntpd's `stoa()` output (dotted quad, RFC 5952 IPv6, reference clock
/// pseudo-addresses such as `127.127.4.1`), or `-` where rawstats has no address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatAddr {
    /// An IP address in its canonical text form.
    Ip(IpAddr),
    /// ntpd's `-` for a missing address (rawstats only).
    Missing,
    /// Any other address token (e.g. an IPv6 address with a `%zone`), kept verbatim.
    Other(String),
}

impl StatAddr {
    pub(crate) fn parse(token: &str, field: &'static str) -> Result<Self, StatsError> {
        if token == "-" {
            return Ok(Self::Missing);
        }
        if let Ok(ip) = token.parse::<IpAddr>() {
            // Only the canonical spelling becomes `Ip`, so printing gives the same bytes.
            if ip.to_string() == token {
                return Ok(Self::Ip(ip));
            }
        }
        if token.len() > MAX_ADDR_TEXT || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(StatsError::InvalidField { field });
        }
        Ok(Self::Other(token.to_owned()))
    }
}

impl From<IpAddr> for StatAddr {
    fn from(ip: IpAddr) -> Self {
        Self::Ip(ip)
    }
}

impl fmt::Display for StatAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ip(ip) => ip.fmt(f),
            Self::Missing => f.write_str("-"),
            // Parsed tokens are printable ASCII; one built by hand could hold a space or a
            // line end, which would forge fields or records, so those print as `?`.
            Self::Other(text) => {
                for c in text.chars() {
                    f.write_char(if c.is_ascii_graphic() { c } else { '?' })?;
                }
                Ok(())
            }
        }
    }
}

/// The free-text tail of a clockstats or cryptostats line (a refclock timecode, a crypto
/// message). Guaranteed free of control characters: a `\n` in a timecode received from a
/// device or a peer would otherwise forge a whole record in the file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatText(String);

impl StatText {
    /// The text, if it has no control characters and fits a line.
    pub fn new(text: &str) -> Result<Self, StatsError> {
        if text.len() > crate::MAX_LINE_LEN / 2 {
            return Err(StatsError::LineTooLong {
                len: text.len(),
                max: crate::MAX_LINE_LEN / 2,
            });
        }
        if text.chars().any(char::is_control) {
            return Err(StatsError::ControlCharacter);
        }
        Ok(Self(text.to_owned()))
    }

    /// The text with every control character replaced by `?` and cut to fit a line; for
    /// text that comes from a device or the network.
    pub fn sanitized(text: &str) -> Self {
        let mut out = String::with_capacity(text.len().min(crate::MAX_LINE_LEN / 2));
        for c in text.chars() {
            if out.len() + c.len_utf8() > crate::MAX_LINE_LEN / 2 {
                break;
            }
            out.push(if c.is_control() { '?' } else { c });
        }
        Self(out)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StatText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
