//! Leap-seconds file and drift file parsers: arbitrary text must give Ok or Err, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = core::str::from_utf8(data) {
        if let Ok(table) = ntpkit_clock::leap::LeapTable::parse(text) {
            let _ = table.next_leap(table.updated);
            let _ = table.tai_offset(table.expires);
        }
        let _ = ntpkit_clock::parse_drift(text);
    }
});
