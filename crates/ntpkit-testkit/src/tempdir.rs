//! A temporary directory for a peer's configuration, keys and logs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A directory under the system temporary directory, world-writable (chronyd drops root to
/// its own user and must still write its logs there), removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TempDir {
    /// Creates `ntpkit-TAG-PID-N`.
    pub fn new(tag: &str) -> Self {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("ntpkit-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        let _ = Command::new("chmod").arg("777").arg(&path).status();
        Self(path)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `text` to `name` in the directory and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The contents of `name`, or a description of what the directory holds instead.
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.0.join(name)).unwrap_or_else(|e| {
            let files: Vec<_> = std::fs::read_dir(&self.0)
                .map(|d| d.flatten().map(|e| e.file_name()).collect())
                .unwrap_or_default();
            format!("no {name} ({e}); files {files:?}")
        })
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
