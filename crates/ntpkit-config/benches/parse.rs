//! Parsing speed: a 10,000-line configuration must parse in under 10 ms (issue 5).
//!
//! The file is built from the lines of real-world configurations (Debian, FreeBSD, a busy
//! public server) repeated; as a baseline in the same run, the tokenizer-free cost of walking
//! the same text line by line (`str::lines` + `split_whitespace`) is measured too, so the
//! parser's cost can be stated as a ratio.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ntpkit_config::{ParseOptions, parse_config};

/// Lines cycled through to build the big file: every command family appears.
const LINES: &[&str] = &[
    "# a comment line, as real files have many",
    "server 192.0.2.1 iburst minpoll 4 maxpoll 10 key 7",
    "pool 0.debian.pool.ntp.org iburst",
    "peer -6 peer.example.net key 9 version 4",
    "restrict -4 default kod notrap nomodify nopeer noquery limited",
    "restrict 192.168.0.0 mask 255.255.0.0 nomodify notrap",
    "restrict 2001:db8:: mask ffff:ffff:: nopeer",
    "statistics loopstats peerstats clockstats",
    "filegen loopstats file loopstats type day enable",
    "tos minclock 3 maxclock 6 maxdynamic 50",
    "tinker panic 0 stepout 300",
    "enable kod monitor",
    "interface listen 192.0.2.10",
    "trustedkey 1 2 10-20",
    "",
];

fn big_file(lines: usize) -> String {
    let mut text = String::with_capacity(lines * 48);
    for line in LINES.iter().cycle().take(lines) {
        text.push_str(line);
        text.push('\n');
    }
    text
}

fn bench(c: &mut Criterion) {
    let text = big_file(10_000);
    assert!(parse_config("bench.conf", &text, &ParseOptions::default()).is_ok());
    let mut group = c.benchmark_group("parse_10k_lines");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("parse_config", |b| {
        b.iter(|| parse_config("bench.conf", black_box(&text), &ParseOptions::default()))
    });
    group.bench_function("baseline_split_whitespace", |b| {
        b.iter(|| {
            black_box(&text)
                .lines()
                .map(|l| l.split_whitespace().count())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
