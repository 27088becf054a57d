//! Receiving and sending datagrams in batches: `recvmmsg(2)` and `sendmmsg(2)`.
//!
//! One system call moves up to [`BATCH_LEN`] datagrams, which is what lets a server keep
//! its CPU per reply near a bare UDP echo. All buffers are allocated once per worker and
//! never grow: a flood costs the same memory as silence. The only `unsafe` code is the two
//! system calls and the zeroed message headers they read.

use std::io;
use std::net::SocketAddr;
use std::ops::Range;
use std::os::fd::RawFd;

use crate::cmsg::{PacketInfo, SendControl, parse_pktinfo, parse_timestampns};
use crate::extra::{ExtraReplies, MAX_EXTRA_REPLIES};
use crate::sockaddr::{self, SOCKADDR_STORAGE_LEN, SockAddrBuf};
use crate::time::{TimestampSource, UnixTime};

/// Datagrams moved per system call.
pub const BATCH_LEN: usize = 32;

/// Largest datagram accepted; longer ones arrive truncated and are dropped. NTP requests,
/// with extension fields and a MAC, stay far below this.
pub const MAX_DATAGRAM_LEN: usize = 2048;

/// Room for the control messages a receive brings: `SCM_TIMESTAMPNS` (16-byte header +
/// 16-byte timespec) and, on wildcard sockets, `IP_PKTINFO`/`IPV6_PKTINFO` (16 + 24), with
/// space to spare for anything else the kernel adds.
const CONTROL_LEN: usize = 128;

#[repr(C, align(8))]
#[derive(Clone, Copy)]
struct ControlBuf([u8; CONTROL_LEN]);

/// One datagram as received: its bytes, who sent it, and when it arrived.
#[derive(Debug, Clone, Copy)]
pub struct Received<'a> {
    /// The datagram's payload.
    pub data: &'a [u8],
    /// The sender's address and port.
    pub source: SocketAddr,
    /// The local address the datagram was sent to: on a wildcard socket the destination
    /// in its header as the kernel's packet information gives it (one of the host's
    /// addresses, or a broadcast or multicast group), else the socket's listen address.
    pub local: SocketAddr,
    /// When it arrived, by the realtime clock.
    pub timestamp: UnixTime,
    /// Whether the kernel or the worker took [`Self::timestamp`].
    pub timestamp_source: TimestampSource,
}

/// What a batch receive produced for one slot.
#[derive(Clone, Copy)]
struct Slot {
    len: usize,
    addr_len: usize,
    source: Option<SocketAddr>,
    timestamp: UnixTime,
    kernel_stamp: bool,
    truncated: bool,
    reply_len: usize,
    /// Where it was delivered, when the socket asks for packet information (wildcards).
    info: Option<PacketInfo>,
}

const EMPTY_SLOT: Slot = Slot {
    len: 0,
    addr_len: 0,
    source: None,
    timestamp: UnixTime { secs: 0, nanos: 0 },
    kernel_stamp: false,
    truncated: false,
    reply_len: 0,
    info: None,
};

/// Buffers for one batch of requests and their replies, owned by one worker.
pub(crate) struct Batch {
    rx: Box<[[u8; MAX_DATAGRAM_LEN]]>,
    tx: Box<[[u8; MAX_DATAGRAM_LEN]]>,
    addrs: Box<[SockAddrBuf]>,
    control: Box<[ControlBuf]>,
    /// Each reply's packet information (its source address), for wildcard sockets.
    send_control: Box<[SendControl]>,
    slots: [Slot; BATCH_LEN],
    received: usize,
    /// Further datagrams of the request being served (fragmented answers).
    extra: ExtraReplies,
}

impl Batch {
    pub(crate) fn new() -> Self {
        Self {
            rx: vec![[0; MAX_DATAGRAM_LEN]; BATCH_LEN].into_boxed_slice(),
            tx: vec![[0; MAX_DATAGRAM_LEN]; BATCH_LEN].into_boxed_slice(),
            addrs: vec![SockAddrBuf::ZERO; BATCH_LEN].into_boxed_slice(),
            control: vec![ControlBuf([0; CONTROL_LEN]); BATCH_LEN].into_boxed_slice(),
            send_control: vec![SendControl::ZERO; BATCH_LEN].into_boxed_slice(),
            slots: [EMPTY_SLOT; BATCH_LEN],
            received: 0,
            extra: ExtraReplies::new(),
        }
    }

    /// Number of datagrams the last [`Self::recv`] produced.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.received
    }

    /// Receives up to [`BATCH_LEN`] datagrams without blocking. Returns how many arrived;
    /// `Ok(0)` means the socket is drained.
    pub(crate) fn recv(&mut self, fd: RawFd) -> io::Result<usize> {
        self.recv_with(fd, libc::MSG_DONTWAIT)
    }

    /// Like [`Self::recv`], but on a blocking socket waits for the first datagram, then
    /// takes whatever else is already queued (`MSG_WAITFORONE`). `Ok(0)` after the socket's
    /// receive timeout.
    pub(crate) fn recv_wait(&mut self, fd: RawFd) -> io::Result<usize> {
        self.recv_with(fd, libc::MSG_WAITFORONE)
    }

    fn recv_with(&mut self, fd: RawFd, flags: libc::c_int) -> io::Result<usize> {
        self.received = 0;
        let mut iovs: [libc::iovec; BATCH_LEN] = [libc::iovec {
            iov_base: std::ptr::null_mut(),
            iov_len: 0,
        }; BATCH_LEN];
        let mut hdrs = zeroed_headers();
        for (i, (iov, hdr)) in iovs.iter_mut().zip(hdrs.iter_mut()).enumerate() {
            iov.iov_base = self.rx[i].as_mut_ptr().cast();
            iov.iov_len = MAX_DATAGRAM_LEN;
            let m = &mut hdr.msg_hdr;
            m.msg_name = self.addrs[i].0.as_mut_ptr().cast();
            m.msg_namelen = SOCKADDR_STORAGE_LEN as libc::socklen_t;
            m.msg_iov = iov;
            m.msg_iovlen = 1;
            m.msg_control = self.control[i].0.as_mut_ptr().cast();
            m.msg_controllen = CONTROL_LEN as _;
        }
        // SAFETY: every header points into buffers owned by `self` (and `iovs` on this
        // stack frame) that stay alive and unaliased for the duration of the call; lengths
        // given match the buffers' sizes; the kernel writes at most those lengths.
        #[allow(unsafe_code)]
        let n = unsafe {
            libc::recvmmsg(
                fd,
                hdrs.as_mut_ptr(),
                BATCH_LEN as libc::c_uint,
                flags,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(0),
                _ => Err(e),
            };
        }
        let n = usize::try_from(n).unwrap_or(0).min(BATCH_LEN);
        let now = UnixTime::now();
        for (i, hdr) in hdrs.iter().take(n).enumerate() {
            let m = &hdr.msg_hdr;
            let addr_len = (m.msg_namelen as usize).min(SOCKADDR_STORAGE_LEN);
            // `msg_controllen` is `size_t` on glibc but `socklen_t` on musl.
            #[allow(clippy::unnecessary_cast)]
            let control_len = (m.msg_controllen as usize).min(CONTROL_LEN);
            let control = self.control[i].0.get(..control_len).unwrap_or_default();
            let kernel = parse_timestampns(control);
            self.slots[i] = Slot {
                len: (hdr.msg_len as usize).min(MAX_DATAGRAM_LEN),
                addr_len,
                source: sockaddr::decode(&self.addrs[i].0, addr_len),
                timestamp: kernel.unwrap_or(now),
                kernel_stamp: kernel.is_some(),
                truncated: m.msg_flags & libc::MSG_TRUNC != 0,
                reply_len: 0,
                info: parse_pktinfo(control),
            };
        }
        self.received = n;
        Ok(n)
    }

    /// The `i`th received datagram, the buffer its reply goes into and (emptied) room for
    /// further datagrams, or `None` when the slot holds nothing servable (truncated, or
    /// from a non-IP address).
    pub(crate) fn request(
        &mut self,
        i: usize,
        local: SocketAddr,
    ) -> Option<(Received<'_>, &mut [u8], &mut ExtraReplies)> {
        if i >= self.received {
            return None;
        }
        let slot = self.slots[i];
        let source = slot.source.filter(|_| !slot.truncated)?;
        let local = slot.info.map_or(local, |info| {
            SocketAddr::new(info.destination, local.port())
        });
        let received = Received {
            data: self.rx[i].get(..slot.len)?,
            source,
            local,
            timestamp: slot.timestamp,
            timestamp_source: if slot.kernel_stamp {
                TimestampSource::Kernel
            } else {
                TimestampSource::User
            },
        };
        self.extra.clear();
        Some((received, &mut self.tx[i][..], &mut self.extra))
    }

    /// Whether the request last served queued further datagrams.
    pub(crate) fn has_extra(&self) -> bool {
        !self.extra.is_empty()
    }

    /// Marks slot `i` as answered with the first `len` bytes of its reply buffer.
    pub(crate) fn set_reply(&mut self, i: usize, len: usize) {
        if let Some(slot) = self.slots.get_mut(i) {
            slot.reply_len = len.min(MAX_DATAGRAM_LEN);
        }
    }

    /// Sends the replies set in the slots `slots` (of the last receive), each to its
    /// request's source, and clears them so that no later call sends them again. Returns
    /// (sent, failed); replies the socket cannot take now are dropped, not queued.
    pub(crate) fn send_replies(&mut self, fd: RawFd, slots: Range<usize>) -> (usize, usize) {
        let mut iovs: [libc::iovec; BATCH_LEN] = [libc::iovec {
            iov_base: std::ptr::null_mut(),
            iov_len: 0,
        }; BATCH_LEN];
        let mut hdrs = zeroed_headers();
        let mut count = 0;
        for i in slots.start..slots.end.min(self.received) {
            let slot = self.slots[i];
            if slot.reply_len == 0 {
                continue;
            }
            self.slots[i].reply_len = 0;
            iovs[count].iov_base = self.tx[i].as_mut_ptr().cast();
            iovs[count].iov_len = slot.reply_len;
            let m = &mut hdrs[count].msg_hdr;
            m.msg_name = self.addrs[i].0.as_mut_ptr().cast();
            m.msg_namelen = slot.addr_len as libc::socklen_t;
            m.msg_iov = &mut iovs[count];
            m.msg_iovlen = 1;
            self.attach_source(i, m);
            count += 1;
        }
        send_headers(fd, &mut hdrs[..count])
    }

    /// Sends slot `i`'s reply (if any) and the further datagrams queued for it, in that
    /// order, to its source in one system call, then clears both so that
    /// [`Self::send_replies`] does not send the reply again. Returns (sent, failed).
    pub(crate) fn send_with_extra(&mut self, fd: RawFd, i: usize) -> (usize, usize) {
        let Some(slot) = self.slots.get(i).copied().filter(|_| i < self.received) else {
            return (0, 0);
        };
        const MAX: usize = MAX_EXTRA_REPLIES + 1;
        const _: () = assert!(MAX <= BATCH_LEN, "one header per datagram");
        let mut iovs: [libc::iovec; MAX] = [libc::iovec {
            iov_base: std::ptr::null_mut(),
            iov_len: 0,
        }; MAX];
        let mut count = 0;
        if slot.reply_len > 0 {
            iovs[0].iov_base = self.tx[i].as_mut_ptr().cast();
            iovs[0].iov_len = slot.reply_len;
            count = 1;
        }
        for ((buf, len), iov) in self.extra.queued_mut().zip(iovs.iter_mut().skip(count)) {
            iov.iov_base = buf.as_mut_ptr().cast();
            iov.iov_len = len;
            count += 1;
        }
        let mut hdrs = zeroed_headers();
        let addr = self.addrs[i].0.as_mut_ptr();
        for (hdr, iov) in hdrs.iter_mut().zip(iovs.iter_mut()).take(count) {
            let m = &mut hdr.msg_hdr;
            m.msg_name = addr.cast();
            m.msg_namelen = slot.addr_len as libc::socklen_t;
            m.msg_iov = iov;
            m.msg_iovlen = 1;
            self.attach_source(i, m);
        }
        let result = send_headers(fd, hdrs.get_mut(..count).unwrap_or_default());
        self.set_reply(i, 0);
        self.extra.clear();
        result
    }
}

impl Batch {
    /// Makes slot `i`'s reply leave from the address its request was sent to, when the
    /// request came with packet information (a wildcard socket); see [`crate::cmsg`].
    fn attach_source(&mut self, i: usize, m: &mut libc::msghdr) {
        let (Some(info), Some(source)) = (self.slots[i].info, self.slots[i].source) else {
            return;
        };
        let control = &mut self.send_control[i];
        let len = control.encode(&info, source.ip());
        if len > 0 {
            m.msg_control = control.0.as_mut_ptr().cast();
            m.msg_controllen = len as _;
        }
    }
}

/// Sends prepared message headers with `sendmmsg`, as many calls as the kernel needs.
/// Returns (sent, failed); what the socket cannot take now is dropped, not queued.
fn send_headers(fd: RawFd, hdrs: &mut [libc::mmsghdr]) -> (usize, usize) {
    let count = hdrs.len();
    let (mut sent, mut failed, mut at) = (0, 0, 0);
    while at < count {
        let rest = hdrs.get_mut(at..count).unwrap_or_default();
        // SAFETY: every header points at reply buffers, addresses and iovecs that the
        // caller keeps alive and unmoved for the whole call (they live in its `Batch` and
        // on its stack frame); lengths match those buffers; the kernel only reads them.
        #[allow(unsafe_code)]
        let n = unsafe {
            libc::sendmmsg(
                fd,
                rest.as_mut_ptr(),
                rest.len() as libc::c_uint,
                libc::MSG_DONTWAIT,
            )
        };
        if n > 0 {
            let n = n as usize;
            sent += n;
            at += n;
        } else {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            if e.kind() == io::ErrorKind::WouldBlock {
                // The socket's send buffer is full: drop the rest rather than queue.
                failed += count - at;
                break;
            }
            // This destination failed (for example unreachable): skip it, send the rest.
            failed += 1;
            at += 1;
        }
    }
    (sent, failed)
}

fn zeroed_headers() -> [libc::mmsghdr; BATCH_LEN] {
    // SAFETY: `mmsghdr` is a plain C struct of integers and raw pointers, for which all
    // zero bytes is a valid (empty) value; some libc targets have private padding fields,
    // so a struct literal is not portable.
    #[allow(unsafe_code)]
    unsafe {
        std::mem::zeroed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::bind_udp;
    use std::os::fd::AsRawFd;

    fn wait_readable(fd: RawFd) {
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd on the stack; a 5 s bound keeps a broken test finite.
        #[allow(unsafe_code)]
        let rc = unsafe { libc::poll(&mut pfd, 1, 5000) };
        assert_eq!(rc, 1, "datagram did not arrive");
    }

    #[test]
    fn batch_round_trip_with_kernel_timestamps() {
        let (server, stamps) = bind_udp("127.0.0.1:0".parse().unwrap(), true).unwrap();
        assert!(stamps);
        let local = server.local_addr().unwrap();
        let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let before = UnixTime::now();
        for k in 0..5u8 {
            client.send_to(&[k; 48], local).unwrap();
        }
        let mut batch = Batch::new();
        let mut got = 0;
        while got < 5 {
            wait_readable(server.as_raw_fd());
            got += batch.recv(server.as_raw_fd()).unwrap();
            for i in 0..batch.len() {
                let (rx, reply, _) = batch.request(i, local).unwrap();
                assert_eq!(rx.source, client.local_addr().unwrap());
                assert_eq!(rx.data.len(), 48);
                assert_eq!(rx.timestamp_source, TimestampSource::Kernel);
                assert!(
                    rx.timestamp >= before,
                    "kernel stamp {:?} before send {:?}",
                    rx.timestamp,
                    before
                );
                let tag = rx.data[0];
                reply[..3].copy_from_slice(&[tag, tag, tag]);
                batch.set_reply(i, 3);
            }
            let all = 0..batch.len();
            assert_eq!(
                batch.send_replies(server.as_raw_fd(), all.clone()),
                (all.len(), 0)
            );
            assert_eq!(
                batch.send_replies(server.as_raw_fd(), all),
                (0, 0),
                "sent once"
            );
        }
        let mut tags = Vec::new();
        for _ in 0..5 {
            let mut buf = [0u8; 16];
            let (n, from) = client.recv_from(&mut buf).unwrap();
            assert_eq!((n, from), (3, local));
            tags.push(buf[0]);
        }
        tags.sort_unstable();
        assert_eq!(tags, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn oversized_datagram_is_not_served() {
        let (server, _) = bind_udp("[::1]:0".parse().unwrap(), true).unwrap();
        let local = server.local_addr().unwrap();
        let client = std::net::UdpSocket::bind("[::1]:0").unwrap();
        client
            .send_to(&vec![7u8; MAX_DATAGRAM_LEN + 1], local)
            .unwrap();
        client.send_to(&[1u8; 48], local).unwrap();
        let mut batch = Batch::new();
        let mut seen = Vec::new();
        while seen.len() < 2 {
            wait_readable(server.as_raw_fd());
            batch.recv(server.as_raw_fd()).unwrap();
            for i in 0..batch.len() {
                seen.push(batch.request(i, local).map(|(rx, _, _)| rx.data.len()));
            }
        }
        assert_eq!(seen, [None, Some(48)]);
    }
}
