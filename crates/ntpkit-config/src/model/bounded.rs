//! Integers with the limits the manual gives, as types: a value that exists is in range,
//! whether it came from the parser, from code or from serde.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! bounded_int {
    ($(#[$doc:meta])* $name:ident, $repr:ty, $min:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "i64", into = "i64")]
        pub struct $name($repr);

        impl $name {
            /// Smallest accepted value.
            pub const MIN: $repr = $min;
            /// Largest accepted value.
            pub const MAX: $repr = $max;

            /// The value, if it is within [`Self::MIN`]..=[`Self::MAX`].
            pub fn new(value: i64) -> Option<Self> {
                let v = <$repr>::try_from(value).ok()?;
                (Self::MIN..=Self::MAX).contains(&v).then_some($name(v))
            }

            /// The value.
            pub fn get(self) -> $repr {
                self.0
            }
        }

        impl TryFrom<i64> for $name {
            type Error = String;
            fn try_from(value: i64) -> Result<Self, Self::Error> {
                $name::new(value).ok_or_else(|| {
                    format!("{value} is outside {}..={}", Self::MIN, Self::MAX)
                })
            }
        }

        impl From<$name> for i64 {
            fn from(value: $name) -> i64 {
                i64::from(value.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

bounded_int!(
    /// A poll interval exponent (log2 seconds) for `minpoll`/`maxpoll`: 3 (8 s) to 17 (36.4 h).
    PollExponent,
    u8,
    3,
    17
);

bounded_int!(
    /// An NTP version number for the `version` option: 1 to 4.
    VersionNumber,
    u8,
    1,
    4
);

bounded_int!(
    /// A stratum as a configuration value (`fudge stratum`, `tos ceiling/floor/orphan`): 0 to 16.
    StratumValue,
    u8,
    0,
    16
);

bounded_int!(
    /// A UDP port for the router-style `port` option: 1 to 65535.
    PortNumber,
    u16,
    1,
    65535
);

bounded_int!(
    /// The unit number of the local clock driver, the `u` in `127.127.1.u`: 0 to 3.
    LocalClockUnit,
    u8,
    0,
    3
);
