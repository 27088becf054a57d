//! The jittery path's delay element: a UDP relay in the server's namespace that holds every
//! datagram for a random one-way delay in each direction before passing it on, as `tc netem`
//! would (this kernel has no sch_netem: `tc qdisc add ... netem` answers "Specified qdisc kind
//! is unknown"). Clients send to the relay's address on the veth; the relay forwards to the
//! server on loopback from one socket and routes each reply back by its origin timestamp,
//! which echoes the request's transmit timestamp (RFC 5905 section 8), so a client that
//! changes source port per request (chronyd does) costs no state beyond the pending request.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::delay::DelayModel;

/// Requests awaiting a reply at most (older ones are forgotten first).
const MAX_PENDING: usize = 4096;

/// A datagram held until `due`.
struct Held {
    due: Instant,
    seq: u64,
    to_client: bool,
    dest: SocketAddr,
    bytes: Vec<u8>,
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.seq) == (other.due, other.seq)
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Held {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.due, self.seq).cmp(&(other.due, other.seq))
    }
}

#[derive(Default)]
struct Queue {
    heap: BinaryHeap<Reverse<Held>>,
    seq: u64,
}

type Shared = Arc<(Mutex<Queue>, Condvar)>;

/// Request transmit timestamp -> client, with insertion order for the bound.
type Pending = Arc<Mutex<(HashMap<[u8; 8], SocketAddr>, VecDeque<[u8; 8]>)>>;

fn hold(queue: &Shared, delay: Duration, to_client: bool, dest: SocketAddr, bytes: Vec<u8>) {
    let (lock, ready) = &**queue;
    let mut q = lock.lock().unwrap_or_else(|e| e.into_inner());
    q.seq += 1;
    let seq = q.seq;
    q.heap.push(Reverse(Held {
        due: Instant::now() + delay,
        seq,
        to_client,
        dest,
        bytes,
    }));
    ready.notify_one();
}

/// Runs the relay until killed: `listen` faces the clients, `server` is the real server.
pub(crate) fn run(
    listen: SocketAddr,
    server: SocketAddr,
    mut up: DelayModel,
    mut down: DelayModel,
) -> std::io::Result<()> {
    let front = Arc::new(UdpSocket::bind(listen)?);
    let back = Arc::new(UdpSocket::bind("127.0.0.1:0")?);
    back.connect(server)?;
    let queue: Shared = Arc::default();
    let pending: Pending = Arc::default();

    let (q, p, f) = (queue.clone(), pending.clone(), front.clone());
    thread::spawn(move || {
        let mut buf = [0u8; 2048];
        loop {
            // Errors are transient here (e.g. ECONNREFUSED from an ICMP of an earlier send):
            // a reader that gave up would silently cut the path.
            let Ok((n, from)) = f.recv_from(&mut buf) else {
                continue;
            };
            let Some(xmt) = buf.get(40..48).filter(|_| n >= 48) else {
                continue;
            };
            let mut key = [0u8; 8];
            key.copy_from_slice(xmt);
            {
                let mut p = p.lock().unwrap_or_else(|e| e.into_inner());
                if p.0.insert(key, from).is_none() {
                    p.1.push_back(key);
                }
                while p.1.len() > MAX_PENDING {
                    if let Some(old) = p.1.pop_front() {
                        p.0.remove(&old);
                    }
                }
            }
            hold(&q, up.next(), false, server, buf[..n].to_vec());
        }
    });

    let (q, p, b) = (queue.clone(), pending, back.clone());
    thread::spawn(move || {
        let mut buf = [0u8; 2048];
        loop {
            // A request forwarded before the server had bound its port comes back as an
            // ICMP port unreachable, which the connected socket reports as ECONNREFUSED on
            // the next recv: skip it, or the reader would stop and no reply would pass.
            let Ok(n) = b.recv(&mut buf) else {
                continue;
            };
            let Some(org) = buf.get(24..32).filter(|_| n >= 48) else {
                continue;
            };
            let client = p.lock().unwrap_or_else(|e| e.into_inner()).0.remove(org);
            if let Some(client) = client {
                hold(&q, down.next(), true, client, buf[..n].to_vec());
            }
        }
    });

    let (lock, ready) = &*queue;
    let mut q = lock.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let now = Instant::now();
        match q.heap.peek() {
            Some(Reverse(first)) if first.due <= now => {
                if let Some(Reverse(held)) = q.heap.pop() {
                    drop(q);
                    let sent = if held.to_client {
                        front.send_to(&held.bytes, held.dest)
                    } else {
                        back.send(&held.bytes)
                    };
                    if let Err(e) = sent {
                        eprintln!("relay: send to {}: {e}", held.dest);
                    }
                    q = lock.lock().unwrap_or_else(|e| e.into_inner());
                }
            }
            Some(Reverse(first)) => {
                let wait = first.due - now;
                q = ready
                    .wait_timeout(q, wait)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            None => q = ready.wait(q).unwrap_or_else(|e| e.into_inner()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delay::Shape;

    #[test]
    fn a_server_that_starts_late_still_gets_through() {
        // The relay forwards the first request to a port nobody has bound yet: the ICMP
        // port unreachable turns into ECONNREFUSED on the relay's next recv.
        let server_addr = UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let listen = UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let (up, down) = (
            DelayModel::new(0.0, 0.0, Shape::Normal, 1),
            DelayModel::new(0.0, 0.0, Shape::Normal, 2),
        );
        thread::spawn(move || run(listen, server_addr, up, down));
        thread::sleep(Duration::from_millis(100));
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut request = [0u8; 48];
        client.send_to(&request, listen).unwrap();
        let mut reply = [0u8; 48];
        assert!(client.recv_from(&mut reply).is_err(), "no server yet");

        // Now the server: replies with the request's transmit timestamp as origin.
        let server = UdpSocket::bind(server_addr).unwrap();
        thread::spawn(move || {
            let mut buf = [0u8; 48];
            while let Ok((_, from)) = server.recv_from(&mut buf) {
                let mut answer = [0u8; 48];
                answer[24..32].copy_from_slice(&buf[40..48]);
                let _ = server.send_to(&answer, from);
            }
        });
        request[40] = 7;
        client
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        client.send_to(&request, listen).unwrap();
        let (n, _) = client.recv_from(&mut reply).unwrap();
        assert_eq!((n, reply[24]), (48, 7));
    }

    #[test]
    fn replies_come_back_to_the_sender_after_both_delays() {
        // A stand-in server: replies with the request's transmit timestamp as origin.
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let server_addr = server.local_addr().unwrap();
        thread::spawn(move || {
            let mut buf = [0u8; 48];
            while let Ok((_, from)) = server.recv_from(&mut buf) {
                let mut reply = [0u8; 48];
                reply[24..32].copy_from_slice(&buf[40..48]);
                let _ = server.send_to(&reply, from);
            }
        });
        let listen = UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let (up, down) = (
            DelayModel::new(0.030, 0.0, Shape::Normal, 1),
            DelayModel::new(0.030, 0.0, Shape::Normal, 2),
        );
        thread::spawn(move || run(listen, server_addr, up, down));
        thread::sleep(Duration::from_millis(100));

        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        for id in 1u8..=3 {
            let mut request = [0u8; 48];
            request[40] = id;
            let sent = Instant::now();
            client.send_to(&request, listen).unwrap();
            let mut reply = [0u8; 48];
            let (n, from) = client.recv_from(&mut reply).unwrap();
            let rtt = sent.elapsed();
            assert_eq!((n, from, reply[24]), (48, listen, id));
            assert!(rtt >= Duration::from_millis(60), "round trip {rtt:?}");
        }
    }
}
