//! The pid file (`-p`): written at start, removed at a clean stop.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::RuntimeError;

/// A pid file holding this process's id; removed when dropped.
#[derive(Debug)]
pub struct PidFile {
    path: PathBuf,
}

impl PidFile {
    /// Writes the current process id and a newline to `path`, replacing any stale file
    /// (written to a temporary name first, so readers never see a half-written file).
    pub fn create(path: &Path) -> Result<Self, RuntimeError> {
        let err = |source| RuntimeError::PidFile {
            path: path.to_owned(),
            source,
        };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let mut file = std::fs::File::create(&tmp).map_err(err)?;
        writeln!(file, "{}", std::process::id()).map_err(err)?;
        std::fs::rename(&tmp, path).map_err(err)?;
        Ok(Self {
            path: path.to_owned(),
        })
    }

    /// Where the pid file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        // The file may already be gone, or we may have lost the right to remove it after
        // dropping privileges; neither is worth failing a shutdown for.
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_our_pid_and_goes_away_on_drop() {
        let path =
            std::env::temp_dir().join(format!("ntpkit-runtime-test-{}.pid", std::process::id()));
        let pid = PidFile::create(&path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{}\n", std::process::id())
        );
        drop(pid);
        assert!(!path.exists());
    }

    #[test]
    fn unwritable_directory_is_an_error() {
        let err = PidFile::create(Path::new("/nonexistent-dir/x.pid")).unwrap_err();
        assert!(matches!(err, RuntimeError::PidFile { .. }));
    }
}
