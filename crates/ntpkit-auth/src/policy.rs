//! Key policy from the router manuals: refuse weak algorithms (MD5, SHA-1) on request, an
//! optional password complexity check, and a warning for keys under 80 bits
//! (CVE-2014-9293/9294 were about guessable keys).

use alloc::vec::Vec;
use core::fmt;

use crate::{AuthError, Key, KeyId, MacAlgorithm};

/// What to do with keys that use a weak algorithm (MD5, SHA-1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum WeakAlgorithms {
    /// Accept them and report a [`KeyWarning::WeakAlgorithm`] (ntpd compatibility; the
    /// default).
    #[default]
    AllowWithWarning,
    /// Refuse them (the router's `crypto weak-algorithm disable`).
    Refuse,
}

/// Key policy applied when keys are installed in a [`KeyStore`](crate::KeyStore).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
#[non_exhaustive]
pub struct AuthPolicy {
    /// Whether MD5 and SHA-1 keys are accepted.
    pub weak_algorithms: WeakAlgorithms,
    /// Refuse keys that fail the complexity check (at least 8 characters from at least two
    /// of upper case, lower case, digits and symbols). Off by default, as on the routers.
    pub complexity_check: bool,
    /// Keys whose estimated strength is below this many bits get a
    /// [`KeyWarning::ShortKey`]. Default 80.
    pub min_key_bits: u32,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        AuthPolicy {
            weak_algorithms: WeakAlgorithms::AllowWithWarning,
            complexity_check: false,
            min_key_bits: 80,
        }
    }
}

/// Something a caller should log about an accepted key. Never holds key material.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyWarning {
    /// The key uses MD5 or SHA-1.
    WeakAlgorithm {
        /// The key.
        key_id: KeyId,
        /// Its algorithm.
        algorithm: MacAlgorithm,
    },
    /// The key is estimated weaker than the policy's `min_key_bits`.
    ShortKey {
        /// The key.
        key_id: KeyId,
        /// Its estimated strength (see [`Key::strength_bits`]).
        bits: u32,
        /// The policy's threshold.
        min_bits: u32,
    },
}

impl fmt::Display for KeyWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyWarning::WeakAlgorithm { key_id, algorithm } => write!(
                f,
                "key {key_id} uses {algorithm}, a weak algorithm; prefer AES128CMAC or HMAC-SHA256"
            ),
            KeyWarning::ShortKey {
                key_id,
                bits,
                min_bits,
            } => write!(
                f,
                "key {key_id} has about {bits} bits of strength, less than {min_bits}; use a longer random key"
            ),
        }
    }
}

impl AuthPolicy {
    /// The policy with weak algorithms handled as `weak`.
    pub const fn with_weak_algorithms(mut self, weak: WeakAlgorithms) -> Self {
        self.weak_algorithms = weak;
        self
    }

    /// The policy with the complexity check switched on or off.
    pub const fn with_complexity_check(mut self, on: bool) -> Self {
        self.complexity_check = on;
        self
    }

    /// The policy with another strength threshold for [`KeyWarning::ShortKey`].
    pub const fn with_min_key_bits(mut self, bits: u32) -> Self {
        self.min_key_bits = bits;
        self
    }

    /// Checks a key against the policy: `Err` if it must be refused, otherwise the warnings
    /// to log.
    pub fn check_key(&self, key_id: KeyId, key: &Key) -> Result<Vec<KeyWarning>, AuthError> {
        let algorithm = key.algorithm();
        let mut warnings = Vec::new();
        if algorithm.is_weak() {
            if self.weak_algorithms == WeakAlgorithms::Refuse {
                return Err(AuthError::WeakAlgorithmRefused { key_id, algorithm });
            }
            warnings.push(KeyWarning::WeakAlgorithm { key_id, algorithm });
        }
        if self.complexity_check && !is_complex(key) {
            return Err(AuthError::KeyTooSimple { key_id });
        }
        let bits = key.strength_bits();
        if bits < self.min_key_bits {
            warnings.push(KeyWarning::ShortKey {
                key_id,
                bits,
                min_bits: self.min_key_bits,
            });
        }
        Ok(warnings)
    }

    /// Whether a packet may be authenticated with `algorithm` under this policy.
    pub fn allows(&self, algorithm: MacAlgorithm) -> bool {
        !(algorithm.is_weak() && self.weak_algorithms == WeakAlgorithms::Refuse)
    }
}

/// The router's password complexity rule: at least 8 characters and at least two of the
/// classes upper case, lower case, digit, symbol. A binary (hex-written) key is judged on
/// its bytes: any byte that is not an ASCII letter or digit counts as a symbol.
pub fn is_complex(key: &Key) -> bool {
    let secret = key.expose_secret();
    if secret.len() < 8 {
        return false;
    }
    let (mut upper, mut lower, mut digit, mut symbol) = (false, false, false, false);
    for &b in secret {
        match b {
            b'A'..=b'Z' => upper = true,
            b'a'..=b'z' => lower = true,
            b'0'..=b'9' => digit = true,
            _ => symbol = true,
        }
    }
    [upper, lower, digit, symbol].iter().filter(|&&c| c).count() >= 2
}
