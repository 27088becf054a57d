//! A request arriving alone is answered at once: the worker does not wait for a batch to
//! fill (its batched receive returns with the first datagram) nor for any timer.

mod echo;

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use echo::Echo;
use ntpkit_runtime::BoundServer;

/// Round-trip times of `n` requests sent one at a time to `addr`, sorted.
fn lone_round_trips(addr: SocketAddr, n: u8) -> Vec<Duration> {
    let bind = if addr.is_ipv6() {
        "[::1]:0"
    } else {
        "127.0.0.1:0"
    };
    let client = UdpSocket::bind(bind).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut times = Vec::new();
    let mut buf = [0u8; 64];
    for k in 0..n {
        // Let the worker go back to sleep in its receive call between requests.
        std::thread::sleep(Duration::from_millis(2));
        let start = Instant::now();
        client.send_to(&[k; 48], addr).unwrap();
        let (len, from) = client.recv_from(&mut buf).expect("answered");
        times.push(start.elapsed());
        assert_eq!((len, from, buf[0]), (48, addr, k));
    }
    times.sort_unstable();
    times
}

/// Both ways a worker waits: blocked in `recvmmsg` itself (one listen address) and in the
/// event loop (several). A worker that waited for a full batch, or for its receive timeout,
/// would answer each lone request after about 100 ms.
#[test]
fn a_lone_request_is_answered_without_waiting_for_a_batch_or_a_timeout() {
    for listen in [
        vec!["127.0.0.1:0".parse().unwrap()],
        vec!["127.0.0.1:0".parse().unwrap(), "[::1]:0".parse().unwrap()],
    ] {
        let bound = BoundServer::bind(&listen, 1).unwrap();
        let addrs = bound.local_addrs().to_vec();
        let server = bound.start(|_| Echo).unwrap();
        for addr in addrs {
            let times = lone_round_trips(addr, 21);
            // The median, so that a loaded test machine preempting us once does not fail it.
            let median = times[times.len() / 2];
            assert!(
                median < Duration::from_millis(20),
                "{} address(es), {addr}: median round trip {median:?} (all: {times:?})",
                listen.len()
            );
        }
        assert_eq!(server.stop().replied, 21 * listen.len() as u64);
    }
}
