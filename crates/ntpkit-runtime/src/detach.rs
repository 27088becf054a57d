//! Running in the background (ntpd's default without `-n`).

use std::fs::OpenOptions;
use std::io;
use std::os::fd::AsRawFd;

use crate::error::RuntimeError;

/// Detaches from the terminal: forks (the parent exits with status 0), starts a new
/// session, and points standard input, output and error at `/dev/null`.
///
/// Call it before any thread is started (fork copies only the calling thread) and after
/// everything that should report errors on the terminal (reading the configuration).
pub fn detach() -> Result<(), RuntimeError> {
    // SAFETY: `fork` has no memory-safety preconditions of its own; in the child only the
    // calling thread exists, which is sound because the caller has started no other thread.
    #[allow(unsafe_code)]
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => return Err(RuntimeError::EventLoop(io::Error::last_os_error())),
        0 => {}
        _ => std::process::exit(0),
    }
    // SAFETY: plain system call without arguments.
    #[allow(unsafe_code)]
    let sid = unsafe { libc::setsid() };
    if sid == -1 {
        return Err(RuntimeError::EventLoop(io::Error::last_os_error()));
    }
    let null = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map_err(RuntimeError::EventLoop)?;
    for target in 0..=2 {
        // SAFETY: duplicates a descriptor we own onto 0, 1 or 2; no memory is involved.
        #[allow(unsafe_code)]
        let rc = unsafe { libc::dup2(null.as_raw_fd(), target) };
        if rc == -1 {
            return Err(RuntimeError::EventLoop(io::Error::last_os_error()));
        }
    }
    Ok(())
}
