//! The monitoring directives of ntp.conf: `statsdir`, `statistics` and `filegen`.

use std::collections::BTreeMap;

use crate::error::StatsError;
use crate::filegen::{FileGenSet, FileGenType};
use crate::record::StatsKind;

/// Statistics ntpd also knows but ntpkit does not record: accepted in `statistics` and
/// `filegen` (their options still checked) so that an existing ntp.conf loads unchanged.
pub const IGNORED_STATISTICS: [&str; 2] = ["protostats", "timingstats"];

/// The file generation sets of all six statistics, configured by directives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsConfig {
    sets: BTreeMap<StatsKind, FileGenSet>,
}

impl Default for StatsConfig {
    fn default() -> Self {
        Self {
            sets: StatsKind::ALL
                .into_iter()
                .map(|kind| (kind, FileGenSet::new(kind)))
                .collect(),
        }
    }
}

impl StatsConfig {
    /// ntpd's defaults: every set of type `day` with `link`, disabled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies one directive, its keyword and arguments already split on whitespace:
    /// `statsdir DIR`, `statistics NAME...`, `filegen NAME [file F] [type T] [link|nolink]
    /// [enable|disable]`. Returns an error for anything else, changing nothing.
    pub fn apply(&mut self, keyword: &str, args: &[&str]) -> Result<(), StatsError> {
        match keyword {
            "statsdir" => {
                let [dir] = args else {
                    return Err(StatsError::InvalidFileName(
                        args.join(" ").chars().take(256).collect(),
                    ));
                };
                self.sets.values_mut().for_each(|set| set.set_dir(dir));
                Ok(())
            }
            "statistics" => {
                let kinds = args
                    .iter()
                    .filter(|&&name| !IGNORED_STATISTICS.contains(&name))
                    .map(|name| name.parse())
                    .collect::<Result<Vec<StatsKind>, _>>()?;
                for kind in kinds {
                    self.set_mut(kind).set_enabled(true);
                }
                Ok(())
            }
            "filegen" => self.apply_filegen(args),
            other => Err(StatsError::UnknownDirective(
                other.chars().take(64).collect(),
            )),
        }
    }

    fn apply_filegen(&mut self, args: &[&str]) -> Result<(), StatsError> {
        let (name, options) = args.split_first().ok_or(StatsError::MissingField {
            field: "filegen name",
        })?;
        let ignored = IGNORED_STATISTICS.contains(name);
        let kind: StatsKind = if ignored {
            StatsKind::SysStats
        } else {
            name.parse()?
        };
        // Validate into a copy so that a bad option changes nothing.
        let mut set = self.set_mut(kind).clone();
        let mut options = options.iter();
        while let Some(&option) = options.next() {
            match option {
                "file" => set.set_file(
                    options
                        .next()
                        .ok_or(StatsError::MissingField { field: "file" })?,
                )?,
                "type" => set.set_type(
                    options
                        .next()
                        .ok_or(StatsError::MissingField { field: "type" })?
                        .parse::<FileGenType>()?,
                ),
                "link" => set.set_link(true),
                "nolink" => set.set_link(false),
                "enable" => set.set_enabled(true),
                "disable" => set.set_enabled(false),
                other => {
                    return Err(StatsError::UnknownFileGenOption(
                        other.chars().take(64).collect(),
                    ));
                }
            }
        }
        if !ignored {
            *self.set_mut(kind) = set;
        }
        Ok(())
    }

    /// The set of `kind`.
    pub fn set(&self, kind: StatsKind) -> &FileGenSet {
        // Every kind is inserted by `default` and never removed.
        self.sets
            .get(&kind)
            .unwrap_or_else(|| unreachable!("all kinds present"))
    }

    /// The set of `kind`, mutable (the runtime tracks the open member here).
    pub fn set_mut(&mut self, kind: StatsKind) -> &mut FileGenSet {
        self.sets
            .entry(kind)
            .or_insert_with(|| FileGenSet::new(kind))
    }

    /// All sets.
    pub fn sets(&self) -> impl Iterator<Item = &FileGenSet> {
        self.sets.values()
    }
}
