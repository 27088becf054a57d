//! One `recvmsg(2)` with the sender's address and the kernel's receive timestamp, shared by
//! the sockets that receive one datagram at a time (upstream and multicast; the server
//! workers batch with `recvmmsg`).

use std::io;
use std::os::fd::RawFd;

use crate::cmsg::parse_timestampns;
use crate::sockaddr::SockAddrBuf;
use crate::time::UnixTime;

/// Room for one `SCM_TIMESTAMPNS` control message (and a spare one).
const CONTROL_LEN: usize = 64;

/// A datagram received into the caller's buffer.
pub(crate) struct Stamped {
    /// Bytes in the buffer (a longer datagram is truncated to the buffer).
    pub(crate) len: usize,
    /// Bytes of the sender's address written into the `name` buffer.
    pub(crate) name_len: usize,
    /// The kernel's receive timestamp, else the clock read after the call.
    pub(crate) received: UnixTime,
}

/// Receives one datagram without blocking; `None` when nothing is queued. With `name`, the
/// sender's address is written there.
pub(crate) fn recv_stamped(
    fd: RawFd,
    buf: &mut [u8],
    name: Option<&mut SockAddrBuf>,
) -> io::Result<Option<Stamped>> {
    let mut control = [0u8; CONTROL_LEN];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: an all-zero `msghdr` is a valid empty header (null name, no control).
    #[allow(unsafe_code)]
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    if let Some(name) = name {
        msg.msg_name = name.0.as_mut_ptr().cast();
        msg.msg_namelen = name.0.len() as libc::socklen_t;
    }
    msg.msg_iov = &raw mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = CONTROL_LEN;
    // SAFETY: `msg` points at `iov` (covering exactly `buf`), `control` and, when given, the
    // caller's `name`, all of which outlive the call; the kernel writes at most their stated
    // lengths.
    #[allow(unsafe_code)]
    let n = unsafe { libc::recvmsg(fd, &raw mut msg, libc::MSG_DONTWAIT) };
    if n < 0 {
        let e = io::Error::last_os_error();
        return match e.kind() {
            io::ErrorKind::WouldBlock => Ok(None),
            _ => Err(e),
        };
    }
    let used = control
        .get(..msg.msg_controllen.min(CONTROL_LEN))
        .unwrap_or(&[]);
    Ok(Some(Stamped {
        len: usize::try_from(n).unwrap_or(0).min(buf.len()),
        name_len: msg.msg_namelen as usize,
        received: parse_timestampns(used).unwrap_or_else(UnixTime::now),
    }))
}
