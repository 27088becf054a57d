//! `--check`: validate the configuration and key files offline and print every problem.

use std::path::Path;
use std::process::ExitCode;

use ntpkit_wire::Precision;

use crate::setup::{self, Mode};

/// Prints every error and warning to standard output; exit status 1 when there is an
/// error. Resolves no name, binds nothing, writes nothing.
pub(crate) fn run(config: &Path) -> ExitCode {
    match setup::load(config, Mode::Check, Precision(-20)) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                println!("{w}");
            }
            println!(
                "{}: configuration OK ({} warning(s)); would serve as {}",
                config.display(),
                loaded.warnings.len(),
                loaded.role
            );
            ExitCode::SUCCESS
        }
        Err(problems) => {
            for e in problems.errors.iter().chain(&problems.warnings) {
                println!("{e}");
            }
            println!(
                "{}: {} error(s), {} warning(s)",
                config.display(),
                problems.errors.len(),
                problems.warnings.len()
            );
            ExitCode::FAILURE
        }
    }
}
