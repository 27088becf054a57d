//! An open-loop UDP load generator. A sender thread sends 48-byte NTP client requests (as
//! fast as it can, or at a fixed rate); a receiver thread matches replies by the
//! sequence/time stamp carried in the request's transmit timestamp, which an NTP server
//! echoes as origin (offset 24) and an echo server returns in place (offset 40).

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Requests in flight at saturation.
pub const WINDOW: u64 = 64;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where the reply carries the request's transmit timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echoes {
    /// An NTP server: origin timestamp (bytes 24..32).
    NtpOrigin,
    /// A datagram echo: the request itself (bytes 40..48).
    Verbatim,
}

/// How fast to send.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    /// As fast as the server answers: at most `WINDOW` requests outstanding (closed loop), so
    /// the load generator's own receive queue never overflows.
    Saturate,
    /// This many requests per second (sent in small bursts every 200 us).
    PerSecond(u64),
}

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct LoadResult {
    /// Requests sent.
    pub sent: u64,
    /// Replies received.
    pub received: u64,
    /// Length of the sending phase.
    pub elapsed: Duration,
    /// Round-trip latencies of the replies, in nanoseconds, sorted.
    pub latencies_ns: Vec<u32>,
    /// NTP servers only: the clock offset each reply implies, in nanoseconds, sorted. Server
    /// and load generator read the same clock, so anything but zero is an error of the
    /// server's timestamps, chiefly a transmit timestamp taken long before the reply left
    /// (RFC 5905: offset = ((T2 - T1) + (T3 - T4)) / 2).
    pub offsets_ns: Vec<i64>,
}

impl LoadResult {
    /// Replies per second over the sending phase.
    pub fn replies_per_sec(&self) -> f64 {
        self.received as f64 / self.elapsed.as_secs_f64()
    }

    /// Fraction of requests without a reply.
    pub fn loss(&self) -> f64 {
        if self.sent == 0 {
            0.0
        } else {
            1.0 - self.received as f64 / self.sent as f64
        }
    }

    /// The `p`th percentile latency in microseconds (0 when nothing came back).
    pub fn percentile_us(&self, p: f64) -> f64 {
        if self.latencies_ns.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies_ns.len() - 1) as f64 * p / 100.0).round() as usize;
        f64::from(self.latencies_ns[i]) / 1000.0
    }

    /// The `p`th percentile of the offsets' magnitudes in microseconds (`None` without any).
    pub fn offset_magnitude_percentile_us(&self, p: f64) -> Option<f64> {
        let mut magnitudes: Vec<u64> = self.offsets_ns.iter().map(|o| o.unsigned_abs()).collect();
        magnitudes.sort_unstable();
        let last = magnitudes.len().checked_sub(1)?;
        let i = (last as f64 * p / 100.0).round() as usize;
        magnitudes.get(i).map(|&ns| ns as f64 / 1000.0)
    }

    /// The `p`th percentile latency over every request sent, a lost request counting as
    /// slower than any reply: `None` when more than `100 - p` percent were lost. A server
    /// that drops what it cannot answer soon otherwise looks faster than one that queues it
    /// and answers late, though a client waits far longer for a lost reply (its timeout).
    pub fn percentile_of_sent_us(&self, p: f64) -> Option<f64> {
        if self.sent == 0 {
            return None;
        }
        let i = ((self.sent - 1) as f64 * p / 100.0).round() as usize;
        self.latencies_ns.get(i).map(|&ns| f64::from(ns) / 1000.0)
    }
}

/// Sends to `target` for `duration` at `rate` and collects the replies (waiting 200 ms after
/// the last send for stragglers).
pub fn run(
    target: SocketAddr,
    rate: Rate,
    duration: Duration,
    echoes: Echoes,
) -> std::io::Result<LoadResult> {
    let socket = UdpSocket::bind("127.0.0.1:0")?;
    socket.connect(target)?;
    socket.set_read_timeout(Some(Duration::from_millis(50)))?;
    let receiver = socket.try_clone()?;
    let start = Instant::now();
    let wall_start = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let done = Arc::new(AtomicBool::new(false));
    let rx_done = done.clone();
    let answered = Arc::new(AtomicU64::new(0));
    let rx_answered = answered.clone();
    let rx = std::thread::spawn(move || {
        let mut latencies = Vec::with_capacity(8 << 20);
        let mut offsets = Vec::with_capacity(if echoes == Echoes::NtpOrigin {
            8 << 20
        } else {
            0
        });
        let mut buf = [0u8; 256];
        let at = if echoes == Echoes::NtpOrigin { 24 } else { 40 };
        loop {
            match receiver.recv(&mut buf) {
                Ok(n) if n >= 48 => {
                    let now = start.elapsed().as_nanos() as u64;
                    let sent_at = u64::from_be_bytes(buf[at..at + 8].try_into().unwrap_or([0; 8]));
                    rx_answered.fetch_add(1, Ordering::Release);
                    if offsets.len() < offsets.capacity() {
                        offsets.push(offset_ns(&buf, sent_at, now, wall_start));
                    }
                    if latencies.len() < latencies.capacity() {
                        latencies
                            .push(u32::try_from(now.saturating_sub(sent_at)).unwrap_or(u32::MAX));
                    }
                }
                Ok(_) => {}
                Err(_) if rx_done.load(Ordering::Acquire) => break,
                Err(_) => {}
            }
        }
        (latencies, offsets)
    });
    let mut request = [0u8; 48];
    request[0] = 0x23; // version 4, mode 3
    let mut count = 0u64;
    let end = start + duration;
    match rate {
        Rate::Saturate => {
            let mut lost = 0u64;
            let mut stalled_since = Instant::now();
            while Instant::now() < end {
                let done = answered.load(Ordering::Acquire);
                if count - done - lost >= WINDOW {
                    // A request lost for 20 ms frees its window slot.
                    if stalled_since.elapsed() > Duration::from_millis(20) {
                        lost += 1;
                        stalled_since = Instant::now();
                    }
                    std::thread::yield_now();
                    continue;
                }
                stalled_since = Instant::now();
                let t = start.elapsed().as_nanos() as u64;
                request[40..48].copy_from_slice(&t.to_be_bytes());
                if socket.send(&request).is_ok() {
                    count += 1;
                }
            }
        }
        Rate::PerSecond(per_sec) => {
            let tick = Duration::from_micros(200);
            let mut next = start;
            while next < end {
                let due = (next - start).as_nanos() as u64 * per_sec / 1_000_000_000;
                while count < due {
                    let t = start.elapsed().as_nanos() as u64;
                    request[40..48].copy_from_slice(&t.to_be_bytes());
                    let _ = socket.send(&request);
                    count += 1;
                }
                next += tick;
                if let Some(wait) = next.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
            }
        }
    }
    let elapsed = start.elapsed();
    std::thread::sleep(Duration::from_millis(200));
    done.store(true, Ordering::Release);
    let (mut latencies, mut offsets) = rx.join().unwrap_or_default();
    latencies.sort_unstable();
    offsets.sort_unstable();
    Ok(LoadResult {
        sent: count,
        received: latencies.len() as u64,
        elapsed,
        latencies_ns: latencies,
        offsets_ns: offsets,
    })
}

/// Seconds from the Unix epoch to the NTP epoch's era 0 (1900), RFC 5905 figure 4.
const NTP_UNIX_OFFSET: i64 = 2_208_988_800;

/// An NTP timestamp (era 0) as nanoseconds after `wall_start` (time since the Unix epoch).
fn ntp_after(bytes: &[u8], wall_start: Duration) -> i64 {
    let secs = i64::from(u32::from_be_bytes(bytes[..4].try_into().unwrap_or([0; 4])));
    let frac = u64::from(u32::from_be_bytes(bytes[4..8].try_into().unwrap_or([0; 4])));
    let unix_ns = (secs - NTP_UNIX_OFFSET) * 1_000_000_000 + ((frac * 1_000_000_000) >> 32) as i64;
    unix_ns - wall_start.as_nanos() as i64
}

/// The offset a reply implies, in nanoseconds: T1 and T4 are our send and receive times
/// (`sent_at`, `now`: nanoseconds after the run's start), T2 and T3 the server's receive and
/// transmit timestamps (bytes 32..40 and 40..48).
fn offset_ns(reply: &[u8], sent_at: u64, now: u64, wall_start: Duration) -> i64 {
    let t2 = ntp_after(&reply[32..40], wall_start);
    let t3 = ntp_after(&reply[40..48], wall_start);
    ((t2 - sent_at as i64) + (t3 - now as i64)) / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(sent: u64, latencies_us: impl Iterator<Item = u32>) -> LoadResult {
        let latencies_ns: Vec<u32> = latencies_us.map(|us| us * 1000).collect();
        LoadResult {
            sent,
            received: latencies_ns.len() as u64,
            elapsed: Duration::from_secs(1),
            latencies_ns,
            offsets_ns: Vec::new(),
        }
    }

    /// An NTP timestamp for `unix_ns` nanoseconds after the Unix epoch (RFC 5905 era 0).
    fn ntp(unix_ns: u64) -> [u8; 8] {
        let secs = (unix_ns / 1_000_000_000) as u32 + 2_208_988_800;
        let frac = (((unix_ns % 1_000_000_000) << 32) + 500_000_000) / 1_000_000_000;
        let mut out = [0; 8];
        out[..4].copy_from_slice(&secs.to_be_bytes());
        out[4..].copy_from_slice(&(frac as u32).to_be_bytes());
        out
    }

    #[test]
    fn offset_of_a_reply_follows_rfc_5905() {
        // Run started at 1,700,000,000.25 s; request sent 1 ms in, reply back 9 ms in.
        let start = Duration::new(1_700_000_000, 250_000_000);
        let at = |ms: u64| start.as_nanos() as u64 + ms * 1_000_000;
        let mut reply = [0u8; 48];
        // The server stamped receive at 3 ms and transmit at 4 ms: a server 0 ms off would
        // stamp between; the path took 2 ms out and 5 ms back, so offset = (2 - 5) / 2.
        reply[32..40].copy_from_slice(&ntp(at(3)));
        reply[40..48].copy_from_slice(&ntp(at(4)));
        let offset = offset_ns(&reply, 1_000_000, 9_000_000, start);
        assert!((offset + 1_500_000).abs() <= 1, "offset {offset} ns");
    }

    #[test]
    fn lost_requests_count_as_the_slowest() {
        // 1,000 sent, all answered in 1..=1000 us: the 99th percentile is the 990th reply.
        let all = result(1000, 1..=1000);
        assert_eq!(all.percentile_of_sent_us(99.0), Some(990.0));
        assert_eq!(all.percentile_us(99.0), 990.0);
        // The same fastest 995 replies with 5 requests lost (0.5%): unchanged.
        let few_lost = result(1000, 1..=995);
        assert_eq!(few_lost.percentile_of_sent_us(99.0), Some(990.0));
        // 20 lost (2%): the slowest 1% of requests got no answer at all, whereas the
        // percentile of the replies alone looks better than when everything was answered.
        let many_lost = result(1000, 1..=980);
        assert_eq!(many_lost.percentile_of_sent_us(99.0), None);
        assert!(many_lost.percentile_us(99.0) < 990.0);
    }
}
