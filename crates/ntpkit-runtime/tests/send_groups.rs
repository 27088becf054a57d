//! Replies leave while the rest of their batch is still being served: a reply's transmit
//! timestamp is taken when it is made, so one that waited for the whole batch of 32 to be
//! served and sent before it would leave tens of microseconds after the time it carries.

use std::net::UdpSocket;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ntpkit_runtime::{BoundServer, Received, Service};

/// Echoes; on the last request of a batch, first waits (up to 5 s) until the client has
/// received a reply, and records how many requests the batch held.
struct WaitsForEarlierReplies {
    client: UdpSocket,
    in_batch: usize,
    seen: Arc<Mutex<Vec<(usize, bool)>>>,
}

impl Service for WaitsForEarlierReplies {
    fn begin_batch(&mut self) {
        self.in_batch = 0;
    }

    fn handle(&mut self, request: &Received<'_>, reply: &mut [u8]) -> Option<usize> {
        self.in_batch += 1;
        if request.data[0] == 31 {
            // `peek` leaves the reply for the test to count.
            let deadline = Instant::now() + Duration::from_secs(5);
            let mut buf = [0u8; 64];
            let arrived = loop {
                if self.client.peek(&mut buf).is_ok() {
                    break true;
                }
                if Instant::now() > deadline {
                    break false;
                }
                std::thread::sleep(Duration::from_millis(1));
            };
            self.seen.lock().unwrap().push((self.in_batch, arrived));
        }
        reply[..request.data.len()].copy_from_slice(request.data);
        Some(request.data.len())
    }
}

#[test]
fn replies_leave_before_the_last_request_of_a_full_batch_is_served() {
    let bound = BoundServer::bind(&["127.0.0.1:0".parse().unwrap()], 1).unwrap();
    let addr = bound.local_addrs()[0];
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    // Queued before the worker starts, so that its first receive takes all 32 at once.
    for k in 0..32u8 {
        client.send_to(&[k; 48], addr).unwrap();
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let peer = client.try_clone().unwrap();
    peer.set_nonblocking(true).unwrap();
    let service = WaitsForEarlierReplies {
        client: peer,
        in_batch: 0,
        seen: seen.clone(),
    };
    let mut service = Some(service);
    let server = bound.start(|_| service.take().unwrap()).unwrap();
    // The socket is non-blocking for the service's clone too (one open file): poll.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 64];
    let mut tags = Vec::new();
    while tags.len() < 32 && Instant::now() < deadline {
        match client.recv_from(&mut buf) {
            Ok((n, from)) => {
                assert_eq!((n, from), (48, addr));
                tags.push(buf[0]);
            }
            Err(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    }
    server.stop();
    assert_eq!(
        *seen.lock().unwrap(),
        [(32, true)],
        "the 32nd request of one batch was served after earlier replies had arrived"
    );
    tags.sort_unstable();
    assert_eq!(
        tags,
        (0..32).collect::<Vec<u8>>(),
        "every request answered once"
    );
}
