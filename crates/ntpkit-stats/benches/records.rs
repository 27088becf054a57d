//! Cost of formatting and parsing statistics lines, against a baseline that only splits the
//! same line into its fields (the least any parser must do).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ntpkit_stats::{LoopStats, PeerStats, StatRecord, StatTime};

const PEER_LINE: &str =
    "48773 10847.650 127.127.4.1 9714 -0.001605376 0.000000000 0.001424877 0.000958674";

fn records(c: &mut Criterion) {
    let time = StatTime::from_unix(1_795_262_400, 250_000_000).unwrap();
    let record = StatRecord::Loop(LoopStats::new(
        time,
        0.000_006_019,
        13.778_19,
        0.000_351_733,
        0.013_38,
        6,
    ));
    let mut buf = Vec::with_capacity(128);
    c.bench_function("loopstats write_line", |b| {
        b.iter(|| {
            buf.clear();
            black_box(&record).write_line(&mut buf);
            black_box(buf.len())
        })
    });
    c.bench_function("peerstats parse", |b| {
        b.iter(|| PeerStats::parse(black_box(PEER_LINE)).unwrap())
    });
    c.bench_function("baseline: split peerstats line", |b| {
        b.iter(|| black_box(PEER_LINE).split(' ').count())
    });
}

criterion_group!(benches, records);
criterion_main!(benches);
