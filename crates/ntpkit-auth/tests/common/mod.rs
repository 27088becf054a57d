//! Helpers shared by the interoperability tests: scratch directories, peer processes that
//! are killed on drop, random keys, and authenticated client requests.

#![allow(dead_code, unreachable_pub)]

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::Child;

use ntpkit_auth::{AuthError, KeyId, KeyStore, append_mac};
use ntpkit_wire::{NtpHeader, NtpTimestamp};

/// A directory removed (with its contents) on drop.
pub struct ScratchDir(pub PathBuf);

impl ScratchDir {
    pub fn new(tag: &str) -> ScratchDir {
        let dir = std::env::temp_dir().join(format!(
            "ntpkit-auth-{tag}-{}-{:x}",
            std::process::id(),
            random_u64()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        ScratchDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A peer process, killed and reaped on drop (also when a test panics).
pub struct Peer(pub Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// 64 random bits from the standard library's per-process SipHash keys (random enough for
/// test keys and transmit timestamps; real keys come from a CSPRNG).
pub fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(0x6e74_706b_6974);
    h.finish()
}

pub fn random_bytes(n: usize) -> Vec<u8> {
    (0..n.div_ceil(8))
        .flat_map(|_| random_u64().to_be_bytes())
        .take(n)
        .collect()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Fails with the message the project asks for when a peer is not installed.
pub fn require(path: &str) -> PathBuf {
    let p = Path::new(path);
    assert!(
        p.exists(),
        "{path} is missing: run `bash .ci/install-peers` to install the interop peers"
    );
    p.to_path_buf()
}

/// A mode-3 NTPv4 request with a random transmit timestamp, signed with key `id`; returns
/// the packet and its transmit timestamp (to match against the reply's origin).
pub fn signed_request(store: &KeyStore, id: KeyId) -> Result<(Vec<u8>, NtpTimestamp), AuthError> {
    let transmit = NtpTimestamp::from_bits(random_u64() | 1);
    let header = NtpHeader::client_request(transmit);
    let mut buf = [0u8; 48 + 24];
    header.emit(&mut buf)?;
    let len = append_mac(store, id, &mut buf, 48)?;
    Ok((buf[..len].to_vec(), transmit))
}

/// The reply's origin timestamp (bytes 24..32).
pub fn origin_of(reply: &[u8]) -> Option<NtpTimestamp> {
    let bytes: [u8; 8] = reply.get(24..32)?.try_into().ok()?;
    Some(NtpTimestamp::from_bits(u64::from_be_bytes(bytes)))
}
