//! Clock filter, selection and discipline fed arbitrary numbers (NaN, infinities, huge
//! values) as a hostile or broken peer could produce: nothing may panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ntpkit_clock::{
    Candidate, ClockFilter, ClockOptions, FilterSample, FilterVerdict, ServerInfo, SourceId,
    SystemProcess,
};
use ntpkit_wire::{LeapIndicator, NtpTimestamp, ReferenceId};

fuzz_target!(|data: &[u8]| {
    let mut system = match SystemProcess::new(ClockOptions::default(), -20, None) {
        Ok(s) => s,
        Err(_) => return,
    };
    let mut filters = [
        ClockFilter::new(-20),
        ClockFilter::new(-20),
        ClockFilter::new(-20),
    ];
    let mut servers = [None; 3];
    for (n, chunk) in data.chunks_exact(34).enumerate() {
        let f = |i: usize| f64::from_le_bytes(chunk[i..i + 8].try_into().unwrap_or([0; 8]));
        let which = usize::from(chunk[32]) % 3;
        let now = NtpTimestamp::from_bits(u64::from(n as u32) << 36);
        let sample = FilterSample {
            offset: f(0),
            delay: f(8),
            dispersion: f(16),
            time: now,
            phase: f(24),
        };
        servers[which] = Some(ServerInfo {
            leap: LeapIndicator::from_bits(chunk[33]),
            stratum: chunk[33] >> 2,
            root_delay: f(8).abs(),
            root_dispersion: f(16).abs(),
            reference_id: ReferenceId([chunk[33]; 4]),
            reference_time: now,
        });
        if let FilterVerdict::Updated(_) =
            filters[which].add(sample, now, (chunk[33] % 18) as i8, n % 2 == 0)
        {
            let candidates: Vec<Candidate> = (0..3)
                .filter_map(|i| {
                    Some(Candidate {
                        id: SourceId(i as u64),
                        stats: filters[i].statistics()?,
                        server: servers[i]?,
                        source_refid: ReferenceId([10, 0, 0, i as u8]),
                        reachable: true,
                        noselect: false,
                        prefer: i == 2,
                        poll_bounds: (3 + (chunk[33] % 8) as i8, 10),
                    })
                })
                .collect();
            let _ = system.update(now, &candidates);
        }
        let _ = system.tick(now);
        let _ = system.system_variables(now);
    }
});
