//! Statistics files on disk: appends `ntpkit-stats` records to their file generation sets.
//!
//! Durability is the point of this module. Each record becomes one whole line handed to one
//! `write(2)` on a file opened with `O_APPEND` (no user-space buffer), so a `kill -9` at any
//! moment leaves every line either complete or absent, and lines already written stay.
//! A generation switch opens the new member before the old one is closed; if the open fails
//! the record goes to the old member (as ntpd does) rather than being lost, and the switch is
//! retried with the next record. The base-name link follows `ntpkit-stats`' link rule; a
//! failure there is logged and never costs a record.
//!
//! Files are opened with `O_NOFOLLOW`: the daemon may run as root, and a symbolic link
//! planted in a statistics directory must not make it append to another file.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::Path;

use ntpkit_stats::{
    BaseName, Check, FileGenSet, GenerationInput, LinkStep, StatRecord, StatsConfig, StatsKind,
};

/// Where [`StatsFiles::append`] put a record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Appended {
    /// Appended to the file at this path.
    To(String),
    /// Recording of this kind is disabled; the record was dropped.
    Disabled,
}

/// The open statistics files of a daemon, one per enabled kind.
#[derive(Debug)]
pub struct StatsFiles {
    config: StatsConfig,
    open: BTreeMap<StatsKind, (File, String)>,
    pid: u32,
    line: Vec<u8>,
}

impl StatsFiles {
    /// Files for `config`, this process's pid used for `pid` sets and saved names.
    pub fn new(config: StatsConfig) -> Self {
        Self::with_pid(config, std::process::id())
    }

    /// As [`new`](Self::new) with an explicit pid (tests, or a supervisor's pid).
    pub fn with_pid(config: StatsConfig, pid: u32) -> Self {
        Self {
            config,
            open: BTreeMap::new(),
            pid,
            line: Vec::with_capacity(256),
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &StatsConfig {
        &self.config
    }

    /// Replaces the configuration (SIGHUP): every file is closed and reopened on demand.
    pub fn reconfigure(&mut self, config: StatsConfig) {
        self.open.clear();
        self.config = config;
    }

    /// Appends `record` to the member of its set that the record's own time names;
    /// `uptime_secs` is the daemon's uptime (for `age` sets).
    ///
    /// Errors: the member cannot be opened and no earlier member is open, or the write
    /// fails (disk full). A record is never split across files or written twice.
    pub fn append(&mut self, record: &StatRecord, uptime_secs: u64) -> io::Result<Appended> {
        let kind = record.kind();
        let input = GenerationInput {
            unix_secs: record.time().unix_seconds(),
            uptime_secs,
            pid: self.pid,
        };
        let set = self.config.set_mut(kind);
        let check = set.check(&input).map_err(io::Error::other)?;
        if check == Check::Disabled {
            self.open.remove(&kind);
            return Ok(Appended::Disabled);
        }
        if check != Check::Keep || !self.open.contains_key(&kind) {
            let generation = set.generation_at(&input).map_err(io::Error::other)?;
            let path = set.path(&generation);
            match open_append(&path) {
                Ok(file) => {
                    link_base_name(set, &generation, self.pid);
                    set.opened(generation);
                    // The old member is closed only now that the new one is open.
                    self.open.insert(kind, (file, path));
                }
                Err(error) if self.open.contains_key(&kind) => {
                    tracing::warn!(%path, %error, "cannot open new statistics file; appending to the previous one");
                }
                Err(error) => return Err(io::Error::new(error.kind(), format!("{path}: {error}"))),
            }
        }
        let Some((file, path)) = self.open.get_mut(&kind) else {
            return Err(io::Error::other("no statistics file open"));
        };
        self.line.clear();
        record.write_line(&mut self.line);
        write_line_once(file, &self.line)
            .map_err(|error| io::Error::new(error.kind(), format!("{path}: {error}")))?;
        Ok(Appended::To(path.clone()))
    }
}

/// Opens `path` for appending, creating it (mode 0644 before umask), never through a
/// symbolic link.
fn open_append(path: &str) -> io::Result<File> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

/// One `write(2)` of the whole line. A short write (only possible when the disk fills)
/// is completed if the kernel lets us, so that the file does not keep half a line, and is
/// reported.
fn write_line_once(file: &mut File, line: &[u8]) -> io::Result<()> {
    let written = file.write(line)?;
    if written == line.len() {
        return Ok(());
    }
    let rest = line.get(written..).unwrap_or_default();
    file.write_all(rest)?;
    Err(io::Error::new(
        io::ErrorKind::WriteZero,
        "short write completed",
    ))
}

/// Applies the link rule for the member just opened; failures are logged, not returned.
fn link_base_name(set: &FileGenSet, generation: &ntpkit_stats::Generation, pid: u32) {
    if !set.links() {
        return;
    }
    let base = set.base_path();
    let state = match std::fs::symlink_metadata(&base) {
        Ok(meta) if meta.file_type().is_file() => BaseName::RegularFile {
            links: meta.nlink(),
        },
        Ok(_) => BaseName::Other,
        Err(error) if error.kind() == io::ErrorKind::NotFound => BaseName::Absent,
        Err(error) => {
            tracing::warn!(%base, %error, "cannot examine statistics base name");
            return;
        }
    };
    let steps = match set.link_steps(generation, state, pid, |name| {
        Path::new(name).symlink_metadata().is_ok()
    }) {
        Ok(steps) => steps,
        Err(error) => {
            tracing::warn!(%base, %error, "not linking statistics base name");
            return;
        }
    };
    for step in steps {
        let result = match &step {
            LinkStep::Rename { from, to } => std::fs::rename(from, to),
            LinkStep::HardLink { existing, new } => std::fs::hard_link(existing, new),
            LinkStep::RemoveIfPresent(path) => match std::fs::remove_file(path) {
                Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
                other => other,
            },
            other => {
                tracing::warn!(?other, "unknown link step");
                return;
            }
        };
        if let Err(error) = result {
            tracing::warn!(?step, %error, "statistics link step failed");
            return;
        }
    }
}
