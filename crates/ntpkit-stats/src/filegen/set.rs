//! A file generation set: where records of one kind go, and when to move to a new file.

use crate::error::StatsError;
use crate::filegen::{FileGenType, Generation, GenerationInput};
use crate::record::StatsKind;

/// ntpd's compiled-in statistics directory (`NTP_VAR`), used until `statsdir` is given.
pub const DEFAULT_STATSDIR: &str = "/var/NTP/";

/// The configuration and current member of one file generation set (`filegen NAME ...`).
///
/// Pure bookkeeping: [`check`](Self::check) says whether the caller's open file is still
/// the right one, the caller opens the file [`path`](Self::path) names, and reports back
/// with [`opened`](Self::opened). If opening fails the caller keeps writing to the file it
/// has (as ntpd does: a record in the "wrong" file is better than a lost one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileGenSet {
    kind: StatsKind,
    dir: String,
    file: String,
    gen_type: FileGenType,
    link: bool,
    enabled: bool,
    current: Option<Generation>,
}

/// What the caller should do before writing a record made at a given instant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Check {
    /// Recording is disabled: drop the record and close any open file.
    Disabled,
    /// The open file is the current member: append to it.
    Keep,
    /// Open (append, create) the file of this member and call [`FileGenSet::opened`].
    Open(Generation),
}

impl FileGenSet {
    /// The set for `kind` with ntpd's defaults: file name = the statistics name, type
    /// `day`, `link`, disabled, in [`DEFAULT_STATSDIR`].
    pub fn new(kind: StatsKind) -> Self {
        Self {
            kind,
            dir: DEFAULT_STATSDIR.to_owned(),
            file: kind.name().to_owned(),
            gen_type: FileGenType::Day,
            link: true,
            enabled: false,
            current: None,
        }
    }

    /// Which statistics this set records.
    pub fn kind(&self) -> StatsKind {
        self.kind
    }

    /// The generation type.
    pub fn gen_type(&self) -> FileGenType {
        self.gen_type
    }

    /// Whether records are written.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Whether the current member is hard-linked from the base name.
    pub fn links(&self) -> bool {
        self.link && self.gen_type != FileGenType::None
    }

    /// Sets the directory (`statsdir`); a trailing `/` is added as ntpd does.
    pub fn set_dir(&mut self, dir: &str) {
        let mut dir = dir.to_owned();
        if !dir.is_empty() && !dir.ends_with('/') {
            dir.push('/');
        }
        if dir != self.dir {
            self.dir = dir;
            self.current = None;
        }
    }

    /// Sets the file name (`filegen NAME file F`). Like ntpd, refuses a name with a `..`
    /// component, which would write outside the statistics directory.
    pub fn set_file(&mut self, file: &str) -> Result<(), StatsError> {
        if file.is_empty() || file.split('/').any(|part| part == "..") || file.contains('\0') {
            return Err(StatsError::InvalidFileName(
                file.chars().take(256).collect(),
            ));
        }
        if file != self.file {
            self.file = file.to_owned();
            self.current = None;
        }
        Ok(())
    }

    /// Sets the type (`filegen NAME type T`).
    pub fn set_type(&mut self, gen_type: FileGenType) {
        if gen_type != self.gen_type {
            self.gen_type = gen_type;
            self.current = None;
        }
    }

    /// Sets `link` (true) or `nolink`.
    pub fn set_link(&mut self, link: bool) {
        self.link = link;
    }

    /// Sets `enable` (true) or `disable`.
    pub fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
        if !enabled {
            self.current = None;
        }
    }

    /// The name without suffix: directory and file name.
    pub fn base_path(&self) -> String {
        format!("{}{}", self.dir, self.file)
    }

    /// The full name of a member.
    pub fn path(&self, generation: &Generation) -> String {
        format!("{}{}{}", self.dir, self.file, generation.suffix())
    }

    /// The member records made at `input` belong to.
    pub fn generation_at(&self, input: &GenerationInput) -> Result<Generation, StatsError> {
        Generation::at(self.gen_type, input)
    }

    /// Whether to keep writing to the open member, open another, or drop the record.
    pub fn check(&self, input: &GenerationInput) -> Result<Check, StatsError> {
        if !self.enabled {
            return Ok(Check::Disabled);
        }
        match &self.current {
            Some(current) if current.contains(input) => Ok(Check::Keep),
            _ => Ok(Check::Open(self.generation_at(input)?)),
        }
    }

    /// Records that the caller has opened `generation`'s file and writes there now.
    pub fn opened(&mut self, generation: Generation) {
        self.current = Some(generation);
    }

    /// Forgets the open member (the caller closed its file), so the next record opens one.
    pub fn closed(&mut self) {
        self.current = None;
    }

    /// The member the caller has open.
    pub fn current(&self) -> Option<&Generation> {
        self.current.as_ref()
    }
}
