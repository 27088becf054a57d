//! `--keys FILE`: an ntpd or chrony key file; every key in it is trusted (the operator
//! named the file). Weak algorithms (MD5, SHA-1) are accepted with a warning, as the
//! router does until `crypto weak-algorithm disable`.

use std::path::Path;

use ntpkit_auth::{KeyId, KeyStore, read_key_file};

/// The loaded keys and the warnings to print (never key material).
pub(crate) struct LoadedKeys {
    pub(crate) store: KeyStore,
    pub(crate) warnings: Vec<String>,
}

/// Loads `path`, trusting every key; each of `required` must be among them.
pub(crate) fn load(path: &Path, required: &[u32]) -> Result<LoadedKeys, String> {
    let shown = path.display().to_string();
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read key file {shown}: {e}"))?;
    let parsed = read_key_file(&shown, file).map_err(|e| e.to_string())?;
    let mut store = KeyStore::new();
    let warnings = parsed
        .install(&mut store)
        .map_err(|e| e.to_string())?
        .iter()
        .map(ToString::to_string)
        .collect();
    for entry in &parsed.entries {
        store.trust(entry.id);
    }
    for &id in required {
        let key = KeyId::new(id).ok_or_else(|| format!("key id {id} is not in 1..=65534"))?;
        if store.get(key).is_none() {
            return Err(format!("key {id} is not in {shown}"));
        }
    }
    Ok(LoadedKeys { store, warnings })
}
