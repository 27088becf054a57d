//! An idle server does not wake up: its workers sleep in the kernel until a datagram comes
//! or the server is stopped (no polling timeout, which on an idle laptop or VM is a
//! wake-up every few milliseconds to nobody's benefit), and a stop still ends them at once.

mod echo;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use echo::Echo;
use ntpkit_runtime::BoundServer;

/// (state, voluntary context switches) of this process's worker threads, found by name.
fn workers() -> Vec<(char, u64)> {
    let mut out = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").unwrap() {
        let dir = task.unwrap().path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if !comm.starts_with("ntpkit-worker") {
            continue;
        }
        let status = std::fs::read_to_string(dir.join("status")).unwrap();
        let field = |name: &str| {
            let line = status.lines().find(|l| l.starts_with(name)).unwrap();
            line.split_whitespace().nth(1).unwrap().to_string()
        };
        let state = field("State:").chars().next().unwrap();
        out.push((state, field("voluntary_ctxt_switches:").parse().unwrap()));
    }
    out
}

/// Waits (bounded) until `n` worker threads exist, named, and all sleep in the kernel.
fn all_asleep(n: usize) -> Vec<u64> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let w = workers();
        if w.len() == n && w.iter().all(|(state, _)| *state == 'S') {
            return w.into_iter().map(|(_, switches)| switches).collect();
        }
        assert!(Instant::now() < deadline, "workers never all asleep: {w:?}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn idle_workers_sleep_until_a_datagram_or_a_stop() {
    // Two addresses for one server: the first worker per address layout uses the
    // event loop, a single address uses the blocking receive; check both.
    for addrs in [vec!["127.0.0.1:0"], vec!["127.0.0.1:0", "[::1]:0"]] {
        let addrs: Vec<_> = addrs.iter().map(|a| a.parse().unwrap()).collect();
        let bound = BoundServer::bind(&addrs, 2).unwrap();
        let target = bound.local_addrs()[0];
        let server = bound.start(|_| Echo).unwrap();
        // Serve one request so every worker has surely reached its wait.
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        client.send_to(b"x", target).unwrap();
        client.recv_from(&mut [0u8; 8]).unwrap();
        let before = all_asleep(2);
        // Not waiting for the server: this is the idle period being observed.
        std::thread::sleep(Duration::from_millis(600));
        let after: Vec<u64> = workers().into_iter().map(|(_, s)| s).collect();
        let woken: Vec<u64> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
        assert!(
            woken.iter().all(|&w| w == 0),
            "idle workers woke up {woken:?} times in 600 ms ({} addresses)",
            addrs.len()
        );
        let asked = Instant::now();
        let counters = server.stop();
        assert_eq!(counters.replied, 1);
        assert!(
            asked.elapsed() < Duration::from_secs(2),
            "stop took {:?}",
            asked.elapsed()
        );
    }
}
