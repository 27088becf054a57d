//! Speed of the simulator: one client, three LAN servers, one simulated day per iteration.
//! Real-time factor = 86400 s / time per iteration (the issue asks for >= 10,000x).
use criterion::{Criterion, criterion_group, criterion_main};
use ntpkit_sim::{Simulation, library};

fn one_day(c: &mut Criterion) {
    c.bench_function("1 client x 3 servers, 1 simulated day", |b| {
        b.iter(|| {
            Simulation::new(library::lan(1))
                .expect("valid")
                .run()
                .events
        })
    });
}

criterion_group!(benches, one_day);
criterion_main!(benches);
