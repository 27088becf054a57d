//! `-k KEYFILE -a KEYID`: load the key file (ntpd or chrony format) and check the id.

use std::path::Path;

use ntpkit_auth::{KeyId, KeyStore, read_key_file};

use crate::error::ClientError;

/// The key store and key id for a keyed query; every key of the file is trusted (the user
/// named it on the command line).
pub(crate) fn load(path: &Path, key_id: u32) -> Result<(KeyStore, KeyId), ClientError> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|e| ClientError::Keys(format!("cannot read key file {shown}: {e}")))?;
    let parsed = read_key_file(&shown, file).map_err(|e| ClientError::Keys(e.to_string()))?;
    let mut store = KeyStore::new();
    parsed
        .install(&mut store)
        .map_err(|e| ClientError::Keys(e.to_string()))?;
    let id = KeyId::new(key_id)
        .ok_or_else(|| ClientError::Keys(format!("key id {key_id} is not in 1..=65534")))?;
    if store.get(id).is_none() {
        return Err(ClientError::Keys(format!("key {key_id} is not in {shown}")));
    }
    store.trust(id);
    Ok((store, id))
}
