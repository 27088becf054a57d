//! Statistics files on disk: appends `ntpkit-stats` records to their file generation sets.
//!
//! Durability is the point of this module. Each record becomes one whole line handed to one
//! `write(2)` on a file opened with `O_APPEND` (no user-space buffer), so a `kill -9` at any
//! moment leaves lines already written intact. One case needs repair: Linux checks for a fatal
//! signal between the pages a `write(2)` copies, so a SIGKILL can cut a line that straddles a
//! page boundary, leaving a partial last line. Every open removes such a tail (it was never a
//! complete record), so the next record never lands behind half a line.
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
use std::os::unix::fs::{FileExt as _, MetadataExt as _, OpenOptionsExt as _};
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
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    drop_partial_tail(&file)?;
    Ok(file)
}

/// Truncates the file after its last newline: a tail without one is what a write cut by
/// SIGKILL leaves (see the module docs), never a record.
fn drop_partial_tail(file: &File) -> io::Result<()> {
    let len = file.metadata()?.len();
    let mut buf = [0u8; 4096];
    let mut end = len;
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = buf
            .get_mut(..(end - start) as usize)
            .ok_or_else(|| io::Error::other("tail chunk out of range"))?;
        file.read_exact_at(chunk, start)?;
        if end == len && chunk.last() == Some(&b'\n') {
            return Ok(());
        }
        if let Some(pos) = chunk.iter().rposition(|&b| b == b'\n') {
            return file.set_len(start + pos as u64 + 1);
        }
        end = start;
    }
    file.set_len(0)
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

#[cfg(test)]
mod tail_repair_tests {
    use super::open_append;

    fn after_open(content: &[u8]) -> Vec<u8> {
        let dir = std::env::temp_dir().join(format!(
            "ntpkit-tail-{}-{}",
            std::process::id(),
            content.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("loopstats");
        std::fs::write(&path, content).unwrap();
        drop(open_append(path.to_str().unwrap()).unwrap());
        let kept = std::fs::read(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        kept
    }

    #[test]
    fn a_cut_last_line_is_removed_on_open_and_whole_lines_are_kept() {
        assert_eq!(
            after_open(b"60000 1.0 a\n60000 2.0 b\n60000 3."),
            b"60000 1.0 a\n60000 2.0 b\n"
        );
        assert_eq!(after_open(b"60000 1.0 a\n"), b"60000 1.0 a\n");
        assert_eq!(after_open(b"no newline at all"), b"");
        // A cut line longer than the 4 KiB read-back chunk.
        let mut long = b"60000 1.0 a\n".to_vec();
        long.extend(std::iter::repeat_n(b'x', 10_000));
        assert_eq!(after_open(&long), b"60000 1.0 a\n");
    }
}
