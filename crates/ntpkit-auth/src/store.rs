//! The key store: installed keys, the trusted and revoked sets, the control and request
//! keys, the policy, and the MAC provider.
//!
//! ntp.conf(5), "Authentication Support": keys read from the key file must also be
//! activated with `trustedkey` before they authenticate anything; a key that is not trusted
//! authenticates nothing.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::fmt;

use crate::mac::sign::{compute_mac_with, write_mac};
use crate::{
    AuthError, AuthPolicy, DEFAULT_PROVIDER, Key, KeyId, KeyIdSet, KeyWarning, MacProvider,
    PreparedMac,
};

/// Installed keys with their trust state.
///
/// Each key is prepared with the provider when installed (see
/// [`MacProvider::prepare`]), so per-packet work is the MAC alone.
pub struct KeyStore {
    keys: BTreeMap<KeyId, Key>,
    prepared: BTreeMap<KeyId, Box<dyn PreparedMac>>,
    trusted: KeyIdSet,
    revoked: KeyIdSet,
    control_key: Option<KeyId>,
    request_key: Option<KeyId>,
    policy: AuthPolicy,
    provider: &'static dyn MacProvider,
}

impl Default for KeyStore {
    fn default() -> Self {
        KeyStore::new()
    }
}

impl KeyStore {
    /// An empty store with the default policy and the RustCrypto provider.
    pub fn new() -> KeyStore {
        KeyStore::with_policy(AuthPolicy::default())
    }

    /// An empty store with `policy`.
    pub fn with_policy(policy: AuthPolicy) -> KeyStore {
        KeyStore {
            keys: BTreeMap::new(),
            prepared: BTreeMap::new(),
            trusted: KeyIdSet::new(),
            revoked: KeyIdSet::new(),
            control_key: None,
            request_key: None,
            policy,
            provider: &DEFAULT_PROVIDER,
        }
    }

    /// Replaces the MAC provider (rustls-style: an embedder brings its own crypto).
    /// Keys already installed are prepared again with the new provider.
    pub fn set_provider(&mut self, provider: &'static dyn MacProvider) {
        self.provider = provider;
        self.prepared = prepare_all(provider, &self.keys);
    }

    /// The MAC provider in use.
    pub fn provider(&self) -> &'static dyn MacProvider {
        self.provider
    }

    /// The policy in use.
    pub fn policy(&self) -> &AuthPolicy {
        &self.policy
    }

    /// Installs (or replaces) a key after checking it against the policy; returns the
    /// warnings to log. The key is not trusted until [`trust`](Self::trust) is called.
    pub fn insert(&mut self, id: KeyId, key: Key) -> Result<Vec<KeyWarning>, AuthError> {
        let warnings = self.policy.check_key(id, &key)?;
        match self.provider.prepare(key.algorithm(), key.expose_secret()) {
            Some(p) => self.prepared.insert(id, p),
            None => self.prepared.remove(&id),
        };
        self.keys.insert(id, key);
        Ok(warnings)
    }

    /// Removes a key.
    pub fn remove(&mut self, id: KeyId) -> Option<Key> {
        self.prepared.remove(&id);
        self.keys.remove(&id)
    }

    /// The key with this id, trusted or not.
    pub fn get(&self, id: KeyId) -> Option<&Key> {
        self.keys.get(&id)
    }

    /// Number of installed keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is installed.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Installed key ids in ascending order.
    pub fn key_ids(&self) -> impl Iterator<Item = KeyId> + '_ {
        self.keys.keys().copied()
    }

    /// Marks a key id trusted (`trustedkey`).
    pub fn trust(&mut self, id: KeyId) {
        self.trusted.insert(id);
    }

    /// Marks every id of a set trusted (`trustedkey 1 2 10-20`).
    pub fn trust_set(&mut self, ids: &KeyIdSet) {
        for (first, last) in ids.ranges() {
            self.trusted.insert_range(first, last);
        }
    }

    /// Withdraws trust from a key id (ntpdc's `untrustedkey`).
    pub fn untrust(&mut self, id: KeyId) {
        self.trusted.remove(id);
    }

    /// Revokes a key id: it authenticates nothing from now on, whatever the trusted set
    /// says, until [`unrevoke`](Self::unrevoke).
    pub fn revoke(&mut self, id: KeyId) {
        self.revoked.insert(id);
    }

    /// Lifts a revocation.
    pub fn unrevoke(&mut self, id: KeyId) {
        self.revoked.remove(id);
    }

    /// The trusted set as configured (ids may lack a key).
    pub fn trusted(&self) -> &KeyIdSet {
        &self.trusted
    }

    /// The revoked set.
    pub fn revoked(&self) -> &KeyIdSet {
        &self.revoked
    }

    /// Whether the id is revoked.
    pub fn is_revoked(&self, id: KeyId) -> bool {
        self.revoked.contains(id)
    }

    /// Whether the key can authenticate: installed, trusted, not revoked, and allowed by
    /// the policy.
    pub fn is_trusted(&self, id: KeyId) -> bool {
        self.keys
            .get(&id)
            .is_some_and(|k| self.policy.allows(k.algorithm()))
            && self.trusted.contains(id)
            && !self.revoked.contains(id)
    }

    /// Sets the key ntpq must use for mode 6 writes (`controlkey`).
    pub fn set_control_key(&mut self, id: Option<KeyId>) {
        self.control_key = id;
    }

    /// The `controlkey`, if any.
    pub fn control_key(&self) -> Option<KeyId> {
        self.control_key
    }

    /// Sets the `requestkey` (ntpdc's mode 7 password; kept for configuration fidelity,
    /// ntpkit does not implement mode 7).
    pub fn set_request_key(&mut self, id: Option<KeyId>) {
        self.request_key = id;
    }

    /// The `requestkey`, if any.
    pub fn request_key(&self) -> Option<KeyId> {
        self.request_key
    }

    /// Signs with an installed key, which must be trusted: writes the trailer (key id and
    /// MAC) to `out` and returns its length.
    pub fn sign(
        &self,
        id: KeyId,
        authenticated: &[u8],
        out: &mut [u8],
    ) -> Result<usize, AuthError> {
        let key = self.usable_key(id)?;
        let needed = 4 + key.algorithm().mac_len();
        let available = out.len();
        let (id_field, mac_field) = out
            .get_mut(..needed)
            .map(|t| t.split_at_mut(4))
            .ok_or(AuthError::BufferTooSmall { needed, available })?;
        id_field.copy_from_slice(&id.to_be_bytes());
        self.mac_with_key(id, key, authenticated, mac_field)?;
        Ok(needed)
    }

    /// Computes an installed, trusted key's MAC (without the key id) into `out`.
    pub fn compute_mac(
        &self,
        id: KeyId,
        message: &[u8],
        out: &mut [u8],
    ) -> Result<usize, AuthError> {
        let key = self.usable_key(id)?;
        self.mac_with_key(id, key, message, out)
    }

    /// The MAC of `message` under `key` (installed as `id`), through its prepared state
    /// when the provider made one.
    pub(crate) fn mac_with_key(
        &self,
        id: KeyId,
        key: &Key,
        message: &[u8],
        out: &mut [u8],
    ) -> Result<usize, AuthError> {
        match self.prepared.get(&id) {
            Some(p) => write_mac(key.algorithm(), out, |buf| p.compute(message, buf)),
            None => compute_mac_with(self.provider, key, message, out),
        }
    }

    fn usable_key(&self, id: KeyId) -> Result<&Key, AuthError> {
        let key = self.keys.get(&id).ok_or(AuthError::UnknownKey {
            key_id: u32::from(id),
        })?;
        if self.revoked.contains(id) {
            return Err(AuthError::Revoked { key_id: id });
        }
        if !self.trusted.contains(id) {
            return Err(AuthError::Untrusted { key_id: id });
        }
        if !self.policy.allows(key.algorithm()) {
            return Err(AuthError::WeakAlgorithmRefused {
                key_id: id,
                algorithm: key.algorithm(),
            });
        }
        Ok(key)
    }
}

fn prepare_all(
    provider: &dyn MacProvider,
    keys: &BTreeMap<KeyId, Key>,
) -> BTreeMap<KeyId, Box<dyn PreparedMac>> {
    keys.iter()
        .filter_map(|(&id, key)| {
            Some((id, provider.prepare(key.algorithm(), key.expose_secret())?))
        })
        .collect()
}

impl Clone for KeyStore {
    fn clone(&self) -> Self {
        KeyStore {
            keys: self.keys.clone(),
            prepared: prepare_all(self.provider, &self.keys),
            trusted: self.trusted.clone(),
            revoked: self.revoked.clone(),
            control_key: self.control_key,
            request_key: self.request_key,
            policy: self.policy,
            provider: self.provider,
        }
    }
}

impl fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyStore")
            .field("keys", &self.keys)
            .field("trusted", &self.trusted)
            .field("revoked", &self.revoked)
            .field("control_key", &self.control_key)
            .field("request_key", &self.request_key)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}
