//! The load generator of `server-bench` alone, against a server you started yourself (for
//! profiling it with `perf`, `strace -c` or `/proc` counters while it serves):
//! `udp-load ADDR:PORT [--rate N | --saturate] [--seconds S] [--echo]`.

use std::net::SocketAddr;
use std::time::Duration;

use ntpkit_benches::load::{self, Echoes, Rate};

fn main() {
    let mut args = std::env::args().skip(1);
    let target: SocketAddr = args
        .next()
        .and_then(|a| a.parse().ok())
        .expect("usage: udp-load ADDR:PORT [--rate N | --saturate] [--seconds S] [--echo]");
    let (mut rate, mut seconds, mut echoes) = (Rate::PerSecond(50_000), 3, Echoes::NtpOrigin);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rate" => {
                rate = Rate::PerSecond(args.next().and_then(|v| v.parse().ok()).unwrap_or(50_000))
            }
            "--saturate" => rate = Rate::Saturate,
            "--seconds" => seconds = args.next().and_then(|v| v.parse().ok()).unwrap_or(seconds),
            "--echo" => echoes = Echoes::Verbatim,
            other => panic!("unknown argument {other}"),
        }
    }
    let r = load::run(target, rate, Duration::from_secs(seconds), echoes).expect("load run");
    println!(
        "sent {} received {} replies/s {:.0} loss {:.2}% p50 {:.1} us p99 {:.1} us p99.9 {:.1} us \
         p99-of-sent {} us",
        r.sent,
        r.received,
        r.replies_per_sec(),
        r.loss() * 100.0,
        r.percentile_us(50.0),
        r.percentile_us(99.0),
        r.percentile_us(99.9),
        r.percentile_of_sent_us(99.0)
            .map_or("lost".into(), |v| format!("{v:.1}"))
    );
}
