//! A deterministic synthetic day of loopstats and peerstats, for demonstrations and tests
//! until the daemon writes real ones. A toy model, stated plainly: an oscillator whose
//! frequency error follows a daily temperature cycle plus a random walk, disciplined by a
//! second-order loop updated every 128 s, three servers with their own path bias and noise,
//! one of which turns falseticker for two hours at midday.

use std::f64::consts::PI;
use std::net::Ipv4Addr;

use ntpkit_stats::{LoopStats, PeerStats, PeerStatus, StatAddr, StatTime};

/// A xorshift64* generator: deterministic for a given seed, no dependencies.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    /// A standard normal deviate (Box-Muller).
    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (2.0 * PI * self.uniform()).cos()
    }
}

struct Server {
    address: Ipv4Addr,
    bias: f64,
    noise: f64,
    delay: f64,
    jitter: f64,
    dispersion: f64,
}

/// One day (MJD `mjd`) of loopstats and peerstats lines, `\n`-terminated.
pub(crate) fn synthesize_day(mjd: u32, seed: u64) -> Result<(String, String), String> {
    let mut rng = Rng(seed.max(1));
    let day_start = (i64::from(mjd) - ntpkit_stats::civil::MJD_UNIX_EPOCH) * 86_400;
    let mut servers = [
        Server {
            address: Ipv4Addr::new(192, 0, 2, 11),
            bias: 40e-6,
            noise: 60e-6,
            delay: 0.0021,
            jitter: 0.0,
            dispersion: 0.0,
        },
        Server {
            address: Ipv4Addr::new(198, 51, 100, 23),
            bias: -120e-6,
            noise: 150e-6,
            delay: 0.0143,
            jitter: 0.0,
            dispersion: 0.0,
        },
        Server {
            address: Ipv4Addr::new(203, 0, 113, 5),
            bias: 250e-6,
            noise: 300e-6,
            delay: 0.0387,
            jitter: 0.0,
            dispersion: 0.0,
        },
    ];
    let tau = 128.0;
    let (mut phase, mut freq_est, mut walk) = (1.8e-3, -12.20, 0.0);
    let (mut jitter, mut wander, mut last_offset, mut last_freq) = (0.0f64, 0.0f64, 0.0, freq_est);
    let (mut loops, mut peers) = (String::new(), String::new());
    let mut t = 37.0;
    while t < 86_400.0 {
        // True frequency error (PPM): temperature cycle peaking mid-afternoon, plus wander.
        walk += 0.004 * rng.normal();
        let freq_true = -12.45 + 0.38 * (2.0 * PI * (t - 9.0 * 3600.0) / 86_400.0).sin() + walk;
        phase += (freq_true - freq_est) * 1e-6 * tau;
        let falseticker = |i: usize| i == 2 && (11.0 * 3600.0..13.0 * 3600.0).contains(&t);
        let mut measured = Vec::new();
        for (i, server) in servers.iter_mut().enumerate() {
            let noise = server.noise * rng.normal();
            let extra = if falseticker(i) { 0.0085 } else { 0.0 };
            let offset = phase + server.bias + noise + extra;
            let delay = server.delay + server.noise * rng.normal().abs() * 2.0;
            server.jitter = (0.75 * server.jitter.powi(2) + 0.25 * noise.powi(2)).sqrt();
            server.dispersion = 0.000_9 + 0.000_3 * rng.uniform();
            if !falseticker(i) {
                measured.push((server.jitter, offset));
            }
            let selection: u16 = if falseticker(i) {
                1
            } else if i == 0 {
                6
            } else {
                4
            };
            let status = PeerStatus(0x9014 | selection << 8);
            let time = StatTime::from_unix(day_start + t as i64 + 1, (rng.uniform() * 1e9) as u32)
                .map_err(|e| e.to_string())?;
            let record = PeerStats::new(
                time,
                StatAddr::Ip(server.address.into()),
                status,
                offset,
                delay,
                server.dispersion,
                server.jitter,
            );
            peers.push_str(&format!("{record}\n"));
        }
        // Combine: weight by inverse jitter, as the combine algorithm does.
        let weight: f64 = measured.iter().map(|(j, _)| 1.0 / j.max(1e-6)).sum();
        let offset = measured.iter().map(|(j, o)| o / j.max(1e-6)).sum::<f64>() / weight;
        // Second-order loop: phase correction and a frequency integral.
        phase -= 0.125 * offset;
        freq_est += offset / (tau * 32.0) * 1e6;
        jitter = (0.875 * jitter.powi(2) + 0.125 * (offset - last_offset).powi(2)).sqrt();
        wander = (0.875 * wander.powi(2) + 0.125 * (freq_est - last_freq).powi(2)).sqrt();
        (last_offset, last_freq) = (offset, freq_est);
        let time = StatTime::from_unix(day_start + t as i64, (rng.uniform() * 1e9) as u32)
            .map_err(|e| e.to_string())?;
        loops.push_str(&format!(
            "{}\n",
            LoopStats::new(time, offset, freq_est, jitter, wander, 7)
        ));
        t += tau + 2.0 * rng.normal();
    }
    Ok((loops, peers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_deterministic_and_every_line_parses() {
        let (loops, peers) = synthesize_day(61365, 7).unwrap();
        assert_eq!(
            synthesize_day(61365, 7).unwrap(),
            (loops.clone(), peers.clone())
        );
        assert_ne!(synthesize_day(61365, 8).unwrap().0, loops);
        let n = loops.lines().count();
        assert!((600..750).contains(&n), "{n} loop updates at a 128 s poll");
        assert_eq!(peers.lines().count(), 3 * n);
        for line in loops.lines() {
            let record = LoopStats::parse(line).unwrap();
            assert_eq!(record.time.mjd(), 61365);
            // The loop keeps the clock within a few milliseconds once settled.
            assert!(record.offset.to_f64().abs() < 0.005, "{line}");
        }
        for line in peers.lines() {
            PeerStats::parse(line).unwrap();
        }
    }
}
