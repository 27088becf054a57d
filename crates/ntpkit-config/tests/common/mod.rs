//! What the corpus tests share: reading a good corpus file with its includes.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use ntpkit_config::{Included, ParseOptions, Parsed, parse_config_with_includes};

/// `tests/corpus/<kind>` (`good` or `bad`).
pub(crate) fn corpus_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(kind)
}

/// Includes are served from tests/corpus/good/include/<basename>.
pub(crate) fn loader(_from: &str, path: &str) -> Result<Included, String> {
    let base = Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    fs::read_to_string(corpus_dir("good").join("include").join(base))
        .map(|text| Included {
            name: path.to_string(),
            text,
        })
        .map_err(|e| e.to_string())
}

/// The good corpus file `name`, parsed with its includes; fails the test if it does not
/// parse.
pub(crate) fn parse_good(name: &str) -> Parsed {
    let text = fs::read_to_string(corpus_dir("good").join(name)).unwrap_or_default();
    parse_config_with_includes(name, &text, &ParseOptions::default(), &mut loader)
        .unwrap_or_else(|e| panic!("{name} should parse:\n{e}"))
}
