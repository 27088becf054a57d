//! The drift file (`driftfile`): the clock's frequency correction kept across restarts, read
//! once at start and written hourly (ntpkit-clock's `DriftSchedule` decides when and
//! `format_drift` what; `parse_drift` reads ntpd's and chrony's formats).
//!
//! A write goes to `<file>.TEMP` in the same directory (as ntpd's does), is fsynced, renamed
//! over the drift file, and the directory is fsynced: a crash or power cut at any point
//! leaves the old file or the new one, never a torn one, and readers never see a partial
//! write. The temporary file is created with `O_EXCL | O_NOFOLLOW`, so a symbolic link
//! planted at its name is never written through.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Longest drift file read: one number (chrony adds a second); anything longer is refused
/// rather than read without bound.
const MAX_DRIFT_FILE_LEN: u64 = 256;

/// Suffix of the temporary file a write goes through (ntpd's name for it).
const TEMP_SUFFIX: &str = ".TEMP";

/// The frequency correction (s/s) saved in the drift file at `path`, or `None` if there
/// is no such file (a first start).
///
/// # Errors
/// `InvalidData` for contents that are not one frequency within +-500 PPM (or are over 256
/// bytes), `InvalidInput` for a path that is not a regular file (a FIFO is not waited on),
/// otherwise as `open(2)`/`read(2)`.
pub fn read_drift(path: &Path) -> io::Result<Option<f64>> {
    // O_NONBLOCK: opening a FIFO put at this path must not hang the daemon's start.
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "drift file is not a regular file",
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_DRIFT_FILE_LEN + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_DRIFT_FILE_LEN {
        return Err(invalid_data("drift file is too long"));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| invalid_data("drift file is not text"))?;
    ntpkit_clock::parse_drift(text)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Replaces the drift file at `path` with `text` (from `ntpkit_clock::format_drift` or
/// `DriftSchedule::poll`) through a temporary file in the same directory.
///
/// # Errors
/// `InvalidInput` for a path with no file name; otherwise as `open(2)`, `write(2)`,
/// `fsync(2)` or `rename(2)` (for example `PermissionDenied` when the directory is not
/// writable by the user the daemon runs as). On error the old drift file is untouched and
/// the temporary file removed.
///
/// ```
/// use ntpkit_runtime::{read_drift, write_drift};
///
/// let dir = std::env::temp_dir().join(format!("ntpkit-drift-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("ntp.drift");
/// assert_eq!(read_drift(&path)?, None); // first start: no file yet
/// write_drift(&path, &ntpkit_clock::format_drift(-12.5e-6))?; // "-12.500\n", as ntpd writes
/// let restored = read_drift(&path)?.unwrap();
/// assert!((restored - -12.5e-6).abs() < 1e-12);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_drift(path: &Path, text: &str) -> io::Result<()> {
    let temp = temp_path(path)?;
    // A temporary file left by a crash (or anything else at that name, a symbolic link
    // included: removing a link never touches its target).
    match std::fs::remove_file(&temp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    if let Err(e) = write_new_file(&temp, text).and_then(|()| std::fs::rename(&temp, path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    sync_directory(path)
}

/// `<dir>/<name>.TEMP` for `<dir>/<name>`.
fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let mut name = path
        .file_name()
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "drift file path has no file name",
            )
        })?
        .to_owned();
    name.push(TEMP_SUFFIX);
    Ok(path.with_file_name(name))
}

/// Creates `path` (never an existing file, never through a link), writes `text` and
/// waits until it is on disk.
fn write_new_file(path: &Path, text: &str) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Makes the rename of the file at `path` durable by syncing its directory. Filesystems
/// that cannot sync a directory (`EINVAL`) have nothing more to offer; that is not an error.
fn sync_directory(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    match File::open(dir).and_then(|d| d.sync_all()) {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(()),
        other => other,
    }
}

fn invalid_data(message: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    /// A fresh directory under the system temporary directory, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let dir =
                std::env::temp_dir().join(format!("ntpkit-driftfile-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }

        fn join(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }

        fn names(&self) -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(&self.0)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            names.sort();
            names
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn read_text(dir: &TempDir, text: &str) -> io::Result<Option<f64>> {
        let path = dir.join("drift");
        std::fs::write(&path, text).unwrap();
        read_drift(&path)
    }

    #[test]
    fn a_missing_file_is_a_first_start() {
        let dir = TempDir::new();
        assert_eq!(read_drift(&dir.join("ntp.drift")).unwrap(), None);
    }

    #[test]
    fn reads_ntpd_and_chrony_drift_files_in_ppm() {
        let dir = TempDir::new();
        // ntpd writes "%.3f\n" (PPM); chrony writes "<ppm> <skew ppm>\n".
        let ntpd = read_text(&dir, "-12.345\n").unwrap().unwrap();
        assert!((ntpd - -12.345e-6).abs() < 1e-15, "{ntpd}");
        let chrony = read_text(&dir, "           3.140000            0.051230\n")
            .unwrap()
            .unwrap();
        assert!((chrony - 3.14e-6).abs() < 1e-15, "{chrony}");
    }

    #[test]
    fn refuses_contents_that_are_not_a_sane_frequency() {
        let dir = TempDir::new();
        for bad in ["", "abc\n", "600.0\n", "-500.5\n", "NaN\n", "inf\n"] {
            let e = read_text(&dir, bad).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{bad:?}");
        }
        let e = read_text(&dir, "1.0\u{0}\u{ff}").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn refuses_an_oversized_file_even_when_it_starts_with_a_number() {
        let dir = TempDir::new();
        // A valid number followed by padding: read in full it would parse, so only the
        // length bound refuses it.
        let long = format!("1.000{}\n", " ".repeat(300));
        let e = read_text(&dir, &long).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        let huge = "7".repeat(1 << 20);
        assert_eq!(
            read_text(&dir, &huge).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
    }

    #[test]
    fn a_fifo_or_directory_is_refused_without_waiting() {
        let dir = TempDir::new();
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Without O_NONBLOCK this open would wait for a writer forever.
        let e = read_drift(&fifo).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        let sub = dir.join("sub");
        std::fs::create_dir(&sub).unwrap();
        assert!(read_drift(&sub).is_err());
    }

    #[test]
    fn written_frequency_reads_back_and_no_temporary_file_remains() {
        let dir = TempDir::new();
        let path = dir.join("ntp.drift");
        write_drift(&path, &ntpkit_clock::format_drift(-7.25e-6)).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "-7.250\n");
        let back = read_drift(&path).unwrap().unwrap();
        assert!((back - -7.25e-6).abs() < 1e-15);
        assert_eq!(dir.names(), ["ntp.drift"]);
    }

    #[test]
    fn a_shorter_value_replaces_a_longer_one_entirely() {
        let dir = TempDir::new();
        let path = dir.join("ntp.drift");
        std::fs::write(&path, "-123.456 0.789\n").unwrap();
        write_drift(&path, "1.000\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "1.000\n");
        assert_eq!(dir.names(), ["ntp.drift"]);
    }

    #[test]
    fn a_link_planted_at_the_temporary_name_is_not_written_through() {
        let dir = TempDir::new();
        let victim = dir.join("victim");
        std::fs::write(&victim, "precious\n").unwrap();
        let path = dir.join("ntp.drift");
        std::os::unix::fs::symlink(&victim, dir.join("ntp.drift.TEMP")).unwrap();
        write_drift(&path, "2.500\n").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "2.500\n");
        assert_eq!(dir.names(), ["ntp.drift", "victim"]);
    }

    #[test]
    fn a_stale_temporary_file_from_a_crash_is_replaced() {
        let dir = TempDir::new();
        let path = dir.join("ntp.drift");
        std::fs::write(dir.join("ntp.drift.TEMP"), "9").unwrap();
        write_drift(&path, "3.000\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "3.000\n");
        assert_eq!(dir.names(), ["ntp.drift"]);
    }

    #[test]
    fn a_failed_write_leaves_the_old_state_and_no_temporary_file() {
        let dir = TempDir::new();
        // Missing directory: nothing can be created.
        let e = write_drift(&dir.join("no/such/dir/ntp.drift"), "1.000\n").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        // The path is a non-empty directory: the rename fails after the temporary file
        // was written; it is removed and the directory left as it was.
        let occupied = dir.join("ntp.drift");
        std::fs::create_dir(&occupied).unwrap();
        std::fs::write(occupied.join("inside"), "x").unwrap();
        assert!(write_drift(&occupied, "1.000\n").is_err());
        assert_eq!(dir.names(), ["ntp.drift"]);
        assert_eq!(
            std::fs::read_to_string(occupied.join("inside")).unwrap(),
            "x"
        );
        // No file name at all.
        let e = write_drift(Path::new("/"), "1.000\n").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn a_reader_racing_the_writer_sees_only_whole_files() {
        let dir = TempDir::new();
        let path = dir.join("ntp.drift");
        let (short, long) = ("1.000\n", "-123.456 0.789 and a much longer line\n");
        write_drift(&path, long).unwrap();
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            let reader = s.spawn(|| {
                let mut reads = 0u32;
                while !done.load(Ordering::Relaxed) {
                    let text = std::fs::read_to_string(&path).unwrap();
                    // Rewriting in place (truncate, write) would show "" or a mix here.
                    assert!(text == short || text == long, "torn read: {text:?}");
                    reads += 1;
                }
                reads
            });
            for i in 0..200 {
                write_drift(&path, if i % 2 == 0 { short } else { long }).unwrap();
            }
            done.store(true, Ordering::Relaxed);
            assert!(reader.join().unwrap() > 0);
        });
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        #[test]
        fn any_file_contents_read_as_a_sane_frequency_or_an_error(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
        ) {
            let dir = TempDir::new();
            let path = dir.join("drift");
            std::fs::write(&path, &bytes).unwrap();
            match read_drift(&path) {
                Ok(Some(f)) => proptest::prop_assert!(f.abs() <= 500e-6, "{f}"),
                Ok(None) => proptest::prop_assert!(false, "the file exists"),
                Err(e) => proptest::prop_assert_eq!(e.kind(), io::ErrorKind::InvalidData),
            }
        }

        #[test]
        fn any_frequency_written_reads_back(ppm in -500.0f64..=500.0) {
            let dir = TempDir::new();
            let path = dir.join("ntp.drift");
            write_drift(&path, &ntpkit_clock::format_drift(ppm * 1e-6)).unwrap();
            let back = read_drift(&path).unwrap().unwrap();
            // format_drift keeps three decimals of PPM.
            proptest::prop_assert!((back * 1e6 - ppm).abs() <= 0.0005 + 1e-9);
        }
    }
}
