//! The `link` rule: the current member is also reachable by the base name (no suffix).
//!
//! Seed manual: a hard link from the current member to the base name is created. When a
//! file already has the base name and its link count is one (a plain file someone left
//! there), it is renamed by appending `.C` and the daemon's pid; when the link count is
//! greater than one (the link to an earlier member) it is removed. ntpkit replaces that
//! earlier link atomically (link to a temporary name, rename over the base name) so the
//! base name never disappears; the outcome is the manual's. Anything that is not a regular
//! file (a directory, a symbolic link: examined with `lstat`, never followed, because the
//! daemon may run as root) is left alone and reported.

use crate::error::StatsError;
use crate::filegen::{FileGenSet, Generation};

/// What is at the base name now (the caller's `lstat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BaseName {
    /// Nothing.
    Absent,
    /// A regular file with this many hard links.
    RegularFile {
        /// `st_nlink`.
        links: u64,
    },
    /// A directory, symbolic link, socket, ...
    Other,
}

/// One filesystem operation of the link rule, in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LinkStep {
    /// `rename(from, to)`.
    Rename {
        /// Existing name.
        from: String,
        /// New name.
        to: String,
    },
    /// `unlink(path)`, where "not found" is fine (a stale temporary name).
    RemoveIfPresent(String),
    /// `link(existing, new)`: a hard link.
    HardLink {
        /// The member's file.
        existing: String,
        /// The new name for it.
        new: String,
    },
}

/// How many numbered alternatives to try when `.C<pid>` is taken.
const MAX_SAVE_ATTEMPTS: u32 = 1000;

impl FileGenSet {
    /// The steps that make the base name a hard link to `generation`'s file, given what is
    /// at the base name now. `taken(name)` tells whether a name already exists (so that a
    /// saved file never overwrites an earlier saved file). Empty when the set does not
    /// link.
    pub fn link_steps(
        &self,
        generation: &Generation,
        base: BaseName,
        pid: u32,
        mut taken: impl FnMut(&str) -> bool,
    ) -> Result<Vec<LinkStep>, StatsError> {
        if !self.links() {
            return Ok(Vec::new());
        }
        let base_path = self.base_path();
        let member = self.path(generation);
        match base {
            BaseName::Absent => Ok(vec![LinkStep::HardLink {
                existing: member,
                new: base_path,
            }]),
            BaseName::RegularFile { links } if links <= 1 => {
                let first = format!("{base_path}.C{pid}");
                let save = if !taken(&first) {
                    first
                } else {
                    (1..MAX_SAVE_ATTEMPTS)
                        .map(|n| format!("{first}.{n}"))
                        .find(|name| !taken(name))
                        .ok_or_else(|| StatsError::NoFreeSaveName(base_path.clone()))?
                };
                Ok(vec![
                    LinkStep::Rename {
                        from: base_path.clone(),
                        to: save,
                    },
                    LinkStep::HardLink {
                        existing: member,
                        new: base_path,
                    },
                ])
            }
            BaseName::RegularFile { .. } => {
                let temp = format!("{base_path}.L{pid}");
                Ok(vec![
                    LinkStep::RemoveIfPresent(temp.clone()),
                    LinkStep::HardLink {
                        existing: member,
                        new: temp.clone(),
                    },
                    LinkStep::Rename {
                        from: temp,
                        to: base_path,
                    },
                ])
            }
            BaseName::Other => Err(StatsError::BaseNameInUse(base_path)),
        }
    }
}
