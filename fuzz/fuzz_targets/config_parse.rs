//! ntp.conf parser on arbitrary bytes. The input is split on NUL bytes into files: the first is
//! the main file, the others are served to `includefile f1`, `includefile f2`, ... Besides
//! "never panics", every accepted configuration must print as canonical ntp.conf that parses
//! back to the same configuration.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpkit_config::{Included, ParseOptions, parse_config, parse_config_with_includes};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut files = text.split('\0');
    let main = files.next().unwrap_or("");
    let others: Vec<&str> = files.collect();
    let mut loader = |_from: &str, path: &str| -> Result<Included, String> {
        let index: usize = path
            .strip_prefix('f')
            .and_then(|n| n.parse().ok())
            .ok_or("no such file")?;
        let text = others.get(index.wrapping_sub(1)).ok_or("no such file")?;
        Ok(Included {
            name: path.to_string(),
            text: text.to_string(),
        })
    };
    for lenient in [false, true] {
        let options = ParseOptions {
            lenient,
            max_include_depth: 4,
            ..ParseOptions::default()
        };
        if let Ok(parsed) = parse_config_with_includes("fuzz.conf", main, &options, &mut loader) {
            let printed = parsed.config.to_string();
            let again = parse_config("printed.conf", &printed, &ParseOptions::default())
                .unwrap_or_else(|e| panic!("canonical text does not parse:\n{e}\n---\n{printed}"));
            assert_eq!(again.config, parsed.config, "round trip:\n{printed}");
        }
    }
});
