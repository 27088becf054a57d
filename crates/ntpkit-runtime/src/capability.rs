//! Whether this process may set the system clock (Linux capability `CAP_SYS_TIME`).
//!
//! Read from `/proc/self/status` rather than with a capability library: one line, no
//! `unsafe`, and the answer decides only a default (whether `--no-clock-adjust` is implied).

/// Bit number of `CAP_SYS_TIME` in the capability sets (`<linux/capability.h>`).
const CAP_SYS_TIME: u32 = 25;

/// True when the effective capability set holds `CAP_SYS_TIME`. False when it does not,
/// or when it cannot be told (no `/proc`), which errs on the side of leaving the clock be.
pub fn can_set_clock() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| effective_caps_allow_clock(&s))
}

fn effective_caps_allow_clock(status: &str) -> bool {
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << CAP_SYS_TIME) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_capeff_line() {
        let root = "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n";
        let dropped = "CapEff:\t000001fffdffffff\n"; // bit 25 cleared
        assert!(effective_caps_allow_clock(root));
        assert!(!effective_caps_allow_clock(dropped));
        assert!(!effective_caps_allow_clock("CapEff:\tzz\n"));
        assert!(!effective_caps_allow_clock(""));
    }
}
