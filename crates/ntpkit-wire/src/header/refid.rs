//! The reference identifier (RFC 5905 section 7.3) and the Kiss-o'-Death codes it carries in
//! stratum-0 packets (RFC 5905 section 7.4, RFC 8915 section 5.7 for NTSN).

use core::net::Ipv4Addr;

/// The 32-bit reference identifier, kept as the four bytes on the wire.
///
/// What the bytes mean depends on the stratum (see [`ReferenceId::classify`]): a kiss code at
/// stratum 0, a four-character ASCII source name at stratum 1, and at stratum 2 and above the
/// upstream server's IPv4 address or the first four bytes of the MD5 hash of its IPv6 address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReferenceId(pub [u8; 4]);

/// What a [`ReferenceId`] denotes, given the stratum of the packet it came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReferenceIdKind {
    /// Stratum 0: a Kiss-o'-Death code.
    Kiss(KissCode),
    /// Stratum 1: a reference clock name such as `GPS`, `PPS` or `LOCL` (NUL-padded ASCII).
    Source([u8; 4]),
    /// Stratum 2 or higher with an upstream reached over IPv4: its address.
    Ipv4(Ipv4Addr),
    /// Stratum 2 or higher with an upstream reached over IPv6: the first four bytes of the
    /// MD5 hash of its address (indistinguishable on the wire from an IPv4 address).
    Ipv6Hash([u8; 4]),
}

impl ReferenceId {
    /// The reference id for an upstream IPv4 server.
    pub const fn from_ipv4(addr: Ipv4Addr) -> Self {
        Self(addr.octets())
    }

    /// The reference id for a kiss code.
    pub const fn from_kiss(code: KissCode) -> Self {
        Self(code.to_bytes())
    }

    /// The four wire bytes.
    pub const fn to_bytes(self) -> [u8; 4] {
        self.0
    }

    /// Interprets the bytes for a packet of `stratum`. At stratum 2 and above the bytes could
    /// be an IPv4 address or an IPv6 hash; `upstream_is_ipv6` (known from the association, not
    /// from the packet) decides which.
    pub const fn classify(
        self,
        stratum: super::Stratum,
        upstream_is_ipv6: bool,
    ) -> ReferenceIdKind {
        match stratum.0 {
            0 => ReferenceIdKind::Kiss(KissCode::from_bytes(self.0)),
            1 => ReferenceIdKind::Source(self.0),
            _ if upstream_is_ipv6 => ReferenceIdKind::Ipv6Hash(self.0),
            _ => {
                let [a, b, c, d] = self.0;
                ReferenceIdKind::Ipv4(Ipv4Addr::new(a, b, c, d))
            }
        }
    }

    /// The bytes as ASCII text if every byte is printable ASCII or trailing NUL padding
    /// (`"GPS"`, `"LOCL"`, `"DENY"`), else `None`.
    pub fn as_ascii(&self) -> Option<&str> {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(4);
        let (text, padding) = self.0.split_at(end);
        let printable = text.iter().all(|b| b.is_ascii_graphic() || *b == b' ');
        if printable && padding.iter().all(|&b| b == 0) {
            core::str::from_utf8(text).ok()
        } else {
            None
        }
    }
}

impl core::fmt::Debug for ReferenceId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.as_ascii() {
            Some(text) if !text.is_empty() => write!(f, "ReferenceId({text:?})"),
            _ => {
                let [a, b, c, d] = self.0;
                write!(f, "ReferenceId({a}.{b}.{c}.{d})")
            }
        }
    }
}

/// Generates the registered kiss codes once, so the byte mapping cannot drift apart.
macro_rules! kiss_codes {
    ($($variant:ident = $bytes:literal, $doc:literal;)*) => {
        /// A Kiss-o'-Death code: the ASCII reference id of a stratum-0 packet (RFC 5905
        /// section 7.4 registry, plus NTSN from RFC 8915).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[non_exhaustive]
        pub enum KissCode {
            $(#[doc = $doc] $variant,)*
            /// Any other four bytes (unregistered codes are legal and must be tolerated).
            Other([u8; 4]),
        }

        impl KissCode {
            /// The code for four reference-id bytes.
            pub const fn from_bytes(bytes: [u8; 4]) -> Self {
                match &bytes {
                    $($bytes => Self::$variant,)*
                    _ => Self::Other(bytes),
                }
            }

            /// The four wire bytes.
            pub const fn to_bytes(self) -> [u8; 4] {
                match self {
                    $(Self::$variant => *$bytes,)*
                    Self::Other(bytes) => bytes,
                }
            }
        }
    };
}

kiss_codes! {
    Acst = b"ACST", "The association belongs to a unicast server.";
    Auth = b"AUTH", "Server authentication failed.";
    Auto = b"AUTO", "Autokey sequence failed.";
    Bcst = b"BCST", "The association belongs to a broadcast server.";
    Cryp = b"CRYP", "Cryptographic authentication or identification failed.";
    Deny = b"DENY", "Access denied by remote server: stop sending.";
    Drop = b"DROP", "Lost peer in symmetric mode.";
    Rstr = b"RSTR", "Access denied due to local policy: stop sending.";
    Init = b"INIT", "The association has not yet synchronised for the first time.";
    Mcst = b"MCST", "The association belongs to a dynamically discovered server.";
    Nkey = b"NKEY", "No key found: not yet received or not configured.";
    Ntsn = b"NTSN", "NTS negative acknowledgement: the cookie could not be used (RFC 8915).";
    Rate = b"RATE", "Rate exceeded: reduce the polling rate (increase the poll interval).";
    Rmot = b"RMOT", "Alteration of association from a remote host running ntpdc.";
    Step = b"STEP", "A step change in system time has occurred, not yet verified.";
}

impl KissCode {
    /// Whether the code tells a client to stop sending to this server (DENY, RSTR; RFC 5905
    /// section 7.4). Honour it only after the origin check (CVE-2015-7704).
    pub const fn is_access_denied(self) -> bool {
        matches!(self, Self::Deny | Self::Rstr)
    }
}

impl core::fmt::Display for KissCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let bytes = self.to_bytes();
        for byte in bytes {
            if byte.is_ascii_graphic() {
                write!(f, "{}", byte as char)?;
            } else {
                write!(f, "\\x{byte:02x}")?;
            }
        }
        Ok(())
    }
}
