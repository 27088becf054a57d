//! Statistics lines of every kind on arbitrary bytes (first byte picks the kind). Besides
//! "never panics", every accepted line must print back byte for byte (the promise scripts
//! written for ntpd rely on) and reparse to the same record. The filegen directives get the
//! same bytes split into words.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpkit_stats::{StatRecord, StatsConfig, StatsKind};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(line) = std::str::from_utf8(rest) else {
        return;
    };
    let kind = StatsKind::ALL[usize::from(selector) % StatsKind::ALL.len()];
    if let Ok(record) = StatRecord::parse(kind, line) {
        let printed = record.to_string();
        assert_eq!(
            printed,
            line.strip_suffix('\n').unwrap_or(line),
            "print-back differs"
        );
        assert_eq!(StatRecord::parse(kind, &printed).as_ref(), Ok(&record));
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    if let Some((keyword, args)) = words.split_first() {
        let mut config = StatsConfig::new();
        let before = config.clone();
        if config.apply(keyword, args).is_err() {
            assert_eq!(
                config, before,
                "a refused directive changed the configuration"
            );
        }
    }
});
