//! Randomness from the operating system, for what must be unpredictable to an off-path
//! attacker: the low bits of a client's transmit timestamp (CVE-2020-13817), poll jitter.

use std::io::Read;

/// 32 bits from `/dev/urandom`; without it (a chroot, say), the clock's nanoseconds mixed
/// with the process id, which is still distinct per packet though guessable.
pub fn os_random_u32() -> u32 {
    let mut b = [0u8; 4];
    let ok = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b));
    if ok.is_err() {
        let t = crate::UnixTime::now();
        return t.nanos.rotate_left(13) ^ std::process::id().wrapping_mul(2_654_435_761);
    }
    u32::from_ne_bytes(b)
}

#[cfg(test)]
mod tests {
    #[test]
    fn draws_differ() {
        let draws: Vec<u32> = (0..8).map(|_| super::os_random_u32()).collect();
        let mut unique = draws.clone();
        unique.sort_unstable();
        unique.dedup();
        // Eight equal 32-bit draws from a working source: probability 2^-224.
        assert!(unique.len() > 1, "{draws:?}");
    }
}
