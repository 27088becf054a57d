//! Keyed hashing of source addresses for the MRU index.
//!
//! Keys come from the caller's seed, so an attacker who picks source addresses cannot aim them
//! at one bucket chain (hash flooding). SipHash-1-3 over the fixed 16-byte address; the
//! `ROUNDS` parameters exist so the test can check the construction against std's SipHash-2-4.

#[derive(Clone, Copy, Debug)]
pub(crate) struct SipKey {
    pub(crate) k0: u64,
    pub(crate) k1: u64,
}

#[inline(always)]
fn round(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(13) ^ v[0];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(16) ^ v[2];
    v[0] = v[0].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(21) ^ v[0];
    v[2] = v[2].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(17) ^ v[2];
    v[2] = v[2].rotate_left(32);
}

/// SipHash-c-d of exactly 16 bytes (`value` in little-endian byte order).
#[inline]
pub(crate) fn siphash16<const C: usize, const D: usize>(key: SipKey, value: u128) -> u64 {
    let mut v = [
        key.k0 ^ 0x736f_6d65_7073_6575,
        key.k1 ^ 0x646f_7261_6e64_6f6d,
        key.k0 ^ 0x6c79_6765_6e65_7261,
        key.k1 ^ 0x7465_6462_7974_6573,
    ];
    let words = [value as u64, (value >> 64) as u64, 16u64 << 56];
    for m in words {
        v[3] ^= m;
        for _ in 0..C {
            round(&mut v);
        }
        v[0] ^= m;
    }
    v[2] ^= 0xff;
    for _ in 0..D {
        round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

/// The hash the MRU index uses.
#[inline]
pub(crate) fn address_hash(key: SipKey, value: u128) -> u64 {
    siphash16::<1, 3>(key, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(deprecated)] // std's SipHasher is the independent reference for SipHash-2-4.
    fn matches_std_siphash_2_4() {
        use std::hash::Hasher;
        for (k0, k1, value) in [
            (0u64, 0u64, 0u128),
            (
                0x0706050403020100,
                0x0f0e0d0c0b0a0908,
                0x0f0e0d0c0b0a09080706050403020100,
            ),
            (u64::MAX, 1, u128::MAX - 12345),
        ] {
            let mut reference = std::hash::SipHasher::new_with_keys(k0, k1);
            reference.write(&value.to_le_bytes());
            assert_eq!(
                siphash16::<2, 4>(SipKey { k0, k1 }, value),
                reference.finish()
            );
        }
    }

    #[test]
    fn keys_change_the_hash() {
        let a = address_hash(SipKey { k0: 1, k1: 2 }, 42);
        let b = address_hash(SipKey { k0: 3, k1: 4 }, 42);
        assert_ne!(a, b);
    }
}
