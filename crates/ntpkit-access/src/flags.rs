//! Restriction flags: the words after `restrict <address>` in ntp.conf.
//!
//! Names and meanings follow ntpd's access control documentation (accopt) and the ntp.conf(5)
//! `restrict` section; the effect of each flag on each kind of packet is the table in the
//! crate documentation.

use core::fmt;
use core::str::FromStr;

use crate::AccessError;

/// Generates the flag enum, its bit constants and the name table from one list, so the three
/// can never disagree.
macro_rules! restrict_flags {
    ($($variant:ident = $bit:literal, $name:literal, $doc:literal;)*) => {
        /// One restriction flag, as written in ntp.conf (`restrict 10.0.0.0/8 nomodify`).
        ///
        /// Parse with [`str::parse`] (case-insensitive, ntpd spellings); combine into
        /// [`RestrictFlags`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum RestrictFlag {
            $(#[doc = $doc] $variant,)*
        }

        impl RestrictFlag {
            /// Every flag, in ntp.conf documentation order.
            pub const ALL: &'static [RestrictFlag] = &[$(RestrictFlag::$variant,)*];

            /// The ntp.conf spelling of the flag.
            pub const fn name(self) -> &'static str {
                match self {
                    $(RestrictFlag::$variant => $name,)*
                }
            }

            /// The flag as a one-element set.
            pub const fn as_flags(self) -> RestrictFlags {
                match self {
                    $(RestrictFlag::$variant => RestrictFlags(1 << $bit),)*
                }
            }

            fn from_name(name: &str) -> Option<Self> {
                $(if name.eq_ignore_ascii_case($name) {
                    return Some(RestrictFlag::$variant);
                })*
                None
            }
        }

        impl RestrictFlags {
            $(#[doc = $doc] pub const $variant: RestrictFlags = RestrictFlags(1 << $bit);)*
        }
    };
}

restrict_flags! {
    IGNORE = 0, "ignore", "Deny packets of every kind, control queries included; never answered, never kissed.";
    NOSERVE = 1, "noserve", "Deny every packet except control (mode 6) queries.";
    NOQUERY = 2, "noquery", "Deny control (mode 6) queries; time service is not affected.";
    NOMODIFY = 3, "nomodify", "Deny control messages that would modify the server; read-only queries pass.";
    NOPEER = 4, "nopeer", "Deny unauthenticated packets that would mobilize a new association (symmetric active, broadcast).";
    NOEPEER = 5, "noepeer", "Deny ephemeral symmetric associations even when authenticated (ntpd 4.2.8p6).";
    NOTRUST = 6, "notrust", "Deny time-service packets that are not cryptographically authenticated.";
    LIMITED = 7, "limited", "Deny time service to sources that exceed the `discard` rate limits.";
    KOD = 8, "kod", "Send a Kiss-o'-Death instead of dropping silently (RATE when limited, DENY when denied).";
    NOTRAP = 9, "notrap", "Decline mode 6 trap service.";
    LOWPRIOTRAP = 10, "lowpriotrap", "Traps set by matching hosts are low priority (may be overridden).";
    NTPPORT = 11, "ntpport", "Match modifier: the entry matches only packets from source port 123.";
    VERSION = 12, "version", "Deny time-service packets whose NTP version is not the current one (4).";
    NOMRULIST = 13, "nomrulist", "Deny the mode 6 MRU list query.";
    MSSNTP = 14, "mssntp", "Allow Microsoft MS-SNTP authentication (signing is outside this crate).";
    FLAKE = 15, "flake", "Drop one time-service packet in ten at random (ntpd's testing aid).";
}

/// A set of [`RestrictFlag`]s: the restrictions that apply to one source.
///
/// The empty set means unrestricted access, as in ntpd (`restrict default` with no flags).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RestrictFlags(u32);

impl RestrictFlags {
    /// No restrictions.
    pub const NONE: RestrictFlags = RestrictFlags(0);

    /// The raw bit pattern (stable only within one version of this crate).
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every flag in `other` is set.
    pub const fn contains(self, other: RestrictFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any flag in `other` is set.
    pub const fn intersects(self, other: RestrictFlags) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether no flag is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The union of both sets.
    pub const fn union(self, other: RestrictFlags) -> RestrictFlags {
        RestrictFlags(self.0 | other.0)
    }

    /// This set without the flags in `other`.
    pub const fn difference(self, other: RestrictFlags) -> RestrictFlags {
        RestrictFlags(self.0 & !other.0)
    }

    /// Adds one flag.
    pub fn insert(&mut self, flag: RestrictFlag) {
        self.0 |= flag.as_flags().0;
    }

    /// Removes one flag.
    pub fn remove(&mut self, flag: RestrictFlag) {
        self.0 &= !flag.as_flags().0;
    }

    /// The flags in the set, in documentation order.
    pub fn iter(self) -> impl Iterator<Item = RestrictFlag> {
        RestrictFlag::ALL
            .iter()
            .copied()
            .filter(move |flag| self.contains(flag.as_flags()))
    }
}

impl core::ops::BitOr for RestrictFlags {
    type Output = RestrictFlags;
    fn bitor(self, rhs: RestrictFlags) -> RestrictFlags {
        self.union(rhs)
    }
}

impl core::ops::BitOrAssign for RestrictFlags {
    fn bitor_assign(&mut self, rhs: RestrictFlags) {
        self.0 |= rhs.0;
    }
}

impl From<RestrictFlag> for RestrictFlags {
    fn from(flag: RestrictFlag) -> Self {
        flag.as_flags()
    }
}

impl FromIterator<RestrictFlag> for RestrictFlags {
    fn from_iter<I: IntoIterator<Item = RestrictFlag>>(iter: I) -> Self {
        let mut flags = RestrictFlags::NONE;
        for flag in iter {
            flags.insert(flag);
        }
        flags
    }
}

impl FromStr for RestrictFlag {
    type Err = AccessError;

    /// Parses one flag name, case-insensitively. `none` is not a flag (it means "no flags" in
    /// some ntpd examples); parse a whole flag list with [`RestrictFlags::from_str`].
    fn from_str(name: &str) -> Result<Self, AccessError> {
        RestrictFlag::from_name(name).ok_or_else(|| AccessError::UnknownFlag(name.into()))
    }
}

impl FromStr for RestrictFlags {
    type Err = AccessError;

    /// Parses a whitespace-separated flag list (`"nomodify notrap nopeer"`); `none` and the
    /// empty string are the empty set.
    fn from_str(text: &str) -> Result<Self, AccessError> {
        let mut flags = RestrictFlags::NONE;
        for word in text.split_ascii_whitespace() {
            if word.eq_ignore_ascii_case("none") {
                continue;
            }
            flags.insert(word.parse()?);
        }
        Ok(flags)
    }
}

impl fmt::Display for RestrictFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for RestrictFlags {
    /// The ntp.conf spelling: flag names separated by spaces; `none` for the empty set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        for (index, flag) in self.iter().enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            f.write_str(flag.name())?;
        }
        Ok(())
    }
}

impl fmt::Debug for RestrictFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RestrictFlags({self})")
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::{RestrictFlag, RestrictFlags};

    impl serde::Serialize for RestrictFlag {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_str(self.name())
        }
    }

    impl<'de> serde::Deserialize<'de> for RestrictFlag {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
            name.parse().map_err(serde::de::Error::custom)
        }
    }

    /// Serialized as a list of flag names, e.g. `["nomodify", "nopeer"]`.
    impl serde::Serialize for RestrictFlags {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(self.iter())
        }
    }

    impl<'de> serde::Deserialize<'de> for RestrictFlags {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let flags = Vec::<RestrictFlag>::deserialize(deserializer)?;
            Ok(flags.into_iter().collect())
        }
    }
}
