//! Validated strings: file paths, host names and reference ids.
//!
//! Each is a newtype whose constructor (and serde deserialisation, through `try_from`) refuses
//! what could not be written back into an ntp.conf line, so that `Display` of any value that
//! exists prints text the parser reads back to the same value.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Longest path or free-text argument accepted (bytes).
pub const MAX_TEXT_LEN: usize = 1024;

/// A free-text argument such as a file path: non-empty, at most [`MAX_TEXT_LEN`] bytes,
/// without control characters or double quotes (ntp.conf has no escapes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConfigText(String);

impl ConfigText {
    /// Validates `text`; the error says what is wrong with it.
    pub fn new(text: &str) -> Result<Self, &'static str> {
        if text.is_empty() {
            return Err("an empty string is not allowed here");
        }
        if text.len() > MAX_TEXT_LEN {
            return Err("text longer than 1024 bytes");
        }
        if text.chars().any(|c| c.is_control() || c == '"') {
            return Err("control characters and double quotes cannot be written in ntp.conf");
        }
        Ok(ConfigText(text.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether printing needs quotes (blanks or `#` inside).
    pub(crate) fn needs_quotes(&self) -> bool {
        self.0.contains([' ', '\t', '#'])
    }
}

impl TryFrom<String> for ConfigText {
    type Error = &'static str;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ConfigText::new(&value)
    }
}

impl From<ConfigText> for String {
    fn from(value: ConfigText) -> Self {
        value.0
    }
}

impl fmt::Display for ConfigText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.needs_quotes() {
            write!(f, "\"{}\"", self.0)
        } else {
            f.write_str(&self.0)
        }
    }
}

/// A DNS name as written in the configuration (never resolved by this crate): letters, digits,
/// `-`, `_` and `.`, at most 253 bytes, labels of at most 63 bytes, not starting with `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HostName(String);

impl HostName {
    /// Validates `name` as a host name. An IP address literal is not a host name.
    pub fn new(name: &str) -> Result<Self, &'static str> {
        if name.is_empty() || name.len() > 253 {
            return Err("a host name has 1 to 253 characters");
        }
        if name.parse::<IpAddr>().is_ok() {
            return Err("this is an IP address, not a host name");
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err("a host name has only letters, digits, '-', '_' and '.'");
        }
        if name.starts_with(['-', '.']) || name.contains("..") {
            return Err("a host name cannot start with '-' or '.' or have an empty label");
        }
        if name.split('.').any(|label| label.len() > 63) {
            return Err("a host name label has at most 63 characters");
        }
        Ok(HostName(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for HostName {
    type Error = &'static str;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        HostName::new(&value)
    }
}

impl From<HostName> for String {
    fn from(value: HostName) -> Self {
        value.0
    }
}

impl fmt::Display for HostName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The `-4` / `-6` qualifier that restricts DNS resolution (or a `restrict` line) to one
/// address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AddressFamily {
    /// `-4`: IPv4 only.
    Ipv4,
    /// `-6`: IPv6 only.
    Ipv6,
}

impl AddressFamily {
    /// The qualifier as written (`-4` or `-6`).
    pub fn flag(self) -> &'static str {
        match self {
            AddressFamily::Ipv4 => "-4",
            AddressFamily::Ipv6 => "-6",
        }
    }

    /// Whether `addr` belongs to this family.
    pub fn matches(self, addr: &IpAddr) -> bool {
        matches!(
            (self, addr),
            (AddressFamily::Ipv4, IpAddr::V4(_)) | (AddressFamily::Ipv6, IpAddr::V6(_))
        )
    }
}

/// The address part of a host: a literal address or a name to resolve later.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum HostAddress {
    /// A numeric IPv4 or IPv6 address.
    Ip(IpAddr),
    /// A DNS name, kept as written.
    Name(HostName),
}

/// A remote host as written on a command line: an optional `-4`/`-6` qualifier and an address
/// or name. The parser refuses a qualifier that contradicts a literal address.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Host {
    /// The `-4`/`-6` qualifier, if written.
    pub family: Option<AddressFamily>,
    /// The address or name.
    pub address: HostAddress,
}

impl Host {
    /// A host given by a literal address, without qualifier.
    pub fn ip(addr: IpAddr) -> Self {
        Host {
            family: None,
            address: HostAddress::Ip(addr),
        }
    }

    /// A host given by name, with an optional qualifier.
    pub fn name(name: HostName, family: Option<AddressFamily>) -> Self {
        Host {
            family,
            address: HostAddress::Name(name),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(family) = self.family {
            write!(f, "{} ", family.flag())?;
        }
        match &self.address {
            HostAddress::Ip(ip) => write!(f, "{ip}"),
            HostAddress::Name(name) => write!(f, "{name}"),
        }
    }
}

/// A reference id a local clock announces (`fudge ... refid XXXX`): 1 to 4 printable ASCII
/// characters without blanks, `#` or quotes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RefIdText(String);

impl RefIdText {
    /// Validates `text` as a reference id.
    pub fn new(text: &str) -> Result<Self, &'static str> {
        if text.is_empty() || text.len() > 4 {
            return Err("a reference id has 1 to 4 characters");
        }
        if !text
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'#' && b != b'"')
        {
            return Err("a reference id has printable ASCII characters only");
        }
        Ok(RefIdText(text.to_owned()))
    }

    /// The four bytes sent in the reference id field, padded with NULs.
    pub fn to_bytes(&self) -> [u8; 4] {
        let mut out = [0u8; 4];
        for (slot, b) in out.iter_mut().zip(self.0.bytes()) {
            *slot = b;
        }
        out
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RefIdText {
    type Error = &'static str;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        RefIdText::new(&value)
    }
}

impl From<RefIdText> for String {
    fn from(value: RefIdText) -> Self {
        value.0
    }
}

impl fmt::Display for RefIdText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
