//! Dropping root after the sockets are bound (`-u user[:group]`, as ntpd does).

use std::ffi::CString;
use std::io;

use crate::error::RuntimeError;

/// The numeric identity to switch to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// User id.
    pub uid: u32,
    /// Primary (and only) group id.
    pub gid: u32,
}

/// Resolves `user` or `user:group` (names or numbers) through the system's user database.
pub fn lookup_identity(spec: &str) -> Result<Identity, RuntimeError> {
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let unknown = || RuntimeError::UnknownUser(spec.to_owned());
    let (uid, user_gid) = match user.parse::<u32>() {
        Ok(uid) => (uid, None),
        Err(_) => {
            let (uid, gid) = getpwnam(user).ok_or_else(unknown)?;
            (uid, Some(gid))
        }
    };
    let gid = match group {
        Some(g) => match g.parse::<u32>() {
            Ok(gid) => gid,
            Err(_) => getgrnam(g).ok_or_else(unknown)?,
        },
        None => user_gid.unwrap_or(uid),
    };
    Ok(Identity { uid, gid })
}

/// Switches the whole process (all threads) to `id`: supplementary groups cleared, then
/// group, then user (in that order: after `setuid` the right to change groups is gone).
pub fn drop_privileges(id: Identity, name: &str) -> Result<(), RuntimeError> {
    let fail = |source| RuntimeError::PrivilegeDrop {
        user: name.to_owned(),
        source,
    };
    let gid = id.gid as libc::gid_t;
    // SAFETY: plain system calls on integers and a pointer to one local gid_t.
    #[allow(unsafe_code)]
    let rcs = unsafe {
        [
            libc::setgroups(1, &gid),
            libc::setgid(gid),
            libc::setuid(id.uid as libc::uid_t),
        ]
    };
    if rcs.iter().any(|&rc| rc != 0) {
        return Err(fail(io::Error::last_os_error()));
    }
    Ok(())
}

fn getpwnam(name: &str) -> Option<(u32, u32)> {
    let cname = CString::new(name).ok()?;
    let mut buf = vec![0u8; 16 * 1024];
    // SAFETY: `passwd` is a C struct of integers and pointers, valid when zeroed.
    #[allow(unsafe_code)]
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    let mut out: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer refers to a live local; `buf.len()` is the buffer's true size;
    // the strings the call stores in `pw` point into `buf`, and we read only integers.
    #[allow(unsafe_code)]
    let rc = unsafe {
        libc::getpwnam_r(
            cname.as_ptr(),
            &mut pw,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut out,
        )
    };
    (rc == 0 && !out.is_null()).then_some((pw.pw_uid, pw.pw_gid))
}

fn getgrnam(name: &str) -> Option<u32> {
    let cname = CString::new(name).ok()?;
    let mut buf = vec![0u8; 16 * 1024];
    // SAFETY: `group` is a C struct of integers and pointers, valid when zeroed.
    #[allow(unsafe_code)]
    let mut gr: libc::group = unsafe { std::mem::zeroed() };
    let mut out: *mut libc::group = std::ptr::null_mut();
    // SAFETY: as in `getpwnam`.
    #[allow(unsafe_code)]
    let rc = unsafe {
        libc::getgrnam_r(
            cname.as_ptr(),
            &mut gr,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut out,
        )
    };
    (rc == 0 && !out.is_null()).then_some(gr.gr_gid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_root_and_nobody() {
        assert_eq!(
            lookup_identity("root").unwrap(),
            Identity { uid: 0, gid: 0 }
        );
        assert_eq!(lookup_identity("0:0").unwrap(), Identity { uid: 0, gid: 0 });
        let nobody = lookup_identity("nobody").unwrap();
        assert_eq!(nobody.uid, 65534);
        assert_eq!(lookup_identity("nobody:root").unwrap().gid, 0);
    }

    #[test]
    fn unknown_names_are_errors() {
        assert!(matches!(
            lookup_identity("no-such-user-ntpkit"),
            Err(RuntimeError::UnknownUser(_))
        ));
        assert!(matches!(
            lookup_identity("root:no-such-group-ntpkit"),
            Err(RuntimeError::UnknownUser(_))
        ));
        assert!(matches!(
            lookup_identity("nul\0byte"),
            Err(RuntimeError::UnknownUser(_))
        ));
    }
}
