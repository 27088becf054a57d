//! Per-packet one-way delays drawn the way `tc netem delay MEAN JITTER distribution D` draws
//! them: a normal distribution, or netem's "paretonormal" mix (a quarter Pareto, three
//! quarters normal) for a WAN-like path with a long tail. The kernel here has no sch_netem,
//! so the relay applies these delays itself.

use std::time::Duration;

/// The delay distribution of one direction of the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Normal with the given standard deviation (netem `distribution normal`).
    Normal,
    /// 25 % Pareto (shape 3, scaled to the same spread) plus 75 % normal (netem's
    /// `paretonormal`): mostly bell-shaped with occasional long delays.
    ParetoNormal,
}

impl Shape {
    /// Parses a command-line name (`normal`, `paretonormal`).
    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "normal" => Some(Self::Normal),
            "paretonormal" => Some(Self::ParetoNormal),
            _ => None,
        }
    }
}

/// A delay generator: mean and jitter in seconds, with its own xorshift state so runs are
/// independent of any crate's RNG.
#[derive(Debug)]
pub(crate) struct DelayModel {
    mean: f64,
    jitter: f64,
    shape: Shape,
    state: u64,
}

impl DelayModel {
    /// A generator; `seed` must differ per direction so the two directions are independent.
    pub(crate) fn new(mean: f64, jitter: f64, shape: Shape, seed: u64) -> Self {
        Self {
            mean,
            jitter,
            shape,
            state: seed | 1,
        }
    }

    fn uniform(&mut self) -> f64 {
        // xorshift64*: plenty for delay noise.
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let x = self.state.wrapping_mul(0x2545_F491_4F6C_DD1D);
        // 53 random bits in (0, 1).
        ((x >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn standard_normal(&mut self) -> f64 {
        // Box-Muller.
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Pareto with shape 3, shifted and scaled to mean 0 and standard deviation 1.
    fn standard_pareto(&mut self) -> f64 {
        const ALPHA: f64 = 3.0;
        let x = self.uniform().powf(-1.0 / ALPHA); // Pareto(xm = 1): mean 1.5, sd sqrt(3)/2
        (x - 1.5) / (3.0f64.sqrt() / 2.0)
    }

    /// The next packet's delay (never negative).
    pub(crate) fn next(&mut self) -> Duration {
        let z = match self.shape {
            Shape::Normal => self.standard_normal(),
            Shape::ParetoNormal => {
                if self.uniform() < 0.25 {
                    self.standard_pareto()
                } else {
                    self.standard_normal()
                }
            }
        };
        Duration::from_secs_f64((self.mean + self.jitter * z).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(shape: Shape) -> (f64, f64, f64) {
        let mut m = DelayModel::new(0.020, 0.005, shape, 12345);
        let xs: Vec<f64> = (0..200_000).map(|_| m.next().as_secs_f64()).collect();
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        // Beyond mean + 4 sd: 3.2e-5 of a normal distribution.
        let tail = xs.iter().filter(|x| **x > 0.040).count() as f64 / n;
        (mean, sd, tail)
    }

    #[test]
    fn normal_delays_have_the_asked_mean_and_jitter() {
        let (mean, sd, tail) = moments(Shape::Normal);
        assert!((mean - 0.020).abs() < 0.0001, "mean {mean}");
        assert!((sd - 0.005).abs() < 0.0001, "sd {sd}");
        assert!(tail < 2e-4, "tail {tail}");
    }

    #[test]
    fn pareto_normal_keeps_mean_and_jitter_but_has_a_long_tail() {
        let (mean, sd, tail) = moments(Shape::ParetoNormal);
        assert!((mean - 0.020).abs() < 0.0002, "mean {mean}");
        assert!((sd - 0.005).abs() < 0.0005, "sd {sd}");
        assert!(tail > 1e-3, "tail {tail}");
    }
}
