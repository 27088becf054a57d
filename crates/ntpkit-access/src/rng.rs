//! The policy's own small random source, seeded by the caller (sans-IO: no OS entropy here).
//!
//! Used for the leak of over-limit requests, MRU preemption under `discard monitor`, and
//! `flake`. Outcomes only need to be unpredictable to a remote sender who does not know the
//! seed; xoshiro256** seeded through splitmix64 is ample for that.

#[derive(Clone, Debug)]
pub(crate) struct Rng {
    s: [u64; 4],
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        let mut state = seed;
        Rng {
            s: [
                splitmix(&mut state),
                splitmix(&mut state),
                splitmix(&mut state),
                splitmix(&mut state),
            ],
        }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// True with probability 1/n (never when n is 0).
    pub(crate) fn one_in(&mut self, n: u32) -> bool {
        n != 0 && self.below(u64::from(n)) == 0
    }

    /// True with probability numerator/denominator (clamped to 1).
    pub(crate) fn chance(&mut self, numerator: u64, denominator: u64) -> bool {
        denominator != 0 && (numerator >= denominator || self.below(denominator) < numerator)
    }

    /// Uniform in 0..n (n > 0), by multiply-shift (bias below 2^-32 for n < 2^32).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn one_in_four_is_about_a_quarter() {
        let mut rng = Rng::new(7);
        let hits = (0..40_000).filter(|_| rng.one_in(4)).count();
        assert!((9_000..11_000).contains(&hits), "{hits}");
    }

    #[test]
    fn zero_never_and_certain_always() {
        let mut rng = Rng::new(1);
        assert!((0..1000).all(|_| !rng.one_in(0)));
        assert!((0..1000).all(|_| rng.chance(5, 5)));
        assert!((0..1000).all(|_| !rng.chance(0, 5)));
    }
}
