//! `statistics`, `statsdir`, `filegen` (ntp.conf(5), "Monitoring Commands").

use super::Context;
use super::cursor::{Cursor, LineResult, Problem, once, shown};
use crate::lexer::Token;
use crate::model::monitoring::{FileGen, FileGenType, StatsKind};

const KINDS: &str =
    "clockstats, cryptostats, loopstats, peerstats, rawstats, sysstats, protostats, timingstats";

fn kind(token: Token<'_>) -> LineResult<StatsKind> {
    StatsKind::from_keyword(token.text)
        .filter(|_| !token.quoted)
        .ok_or_else(|| {
            Problem::syntax(
                token.column,
                format!("unknown statistics `{}`", shown(token.text)),
            )
            .expected(KINDS)
        })
}

pub(super) fn stats_command(
    cx: &mut Context<'_>,
    command: Token<'_>,
    c: &mut Cursor<'_, '_>,
) -> LineResult {
    let stats = &mut cx.config.stats;
    match command.text {
        "statsdir" => {
            stats.stats_dir = Some(c.text("statsdir", "a directory")?);
            c.finish()
        }
        "statistics" => {
            if c.at_end() {
                return Err(Problem::syntax(
                    c.end_column(),
                    "`statistics` needs at least one name",
                )
                .expected(KINDS));
            }
            while let Some(token) = c.next_token() {
                stats.enabled.insert(kind(token)?);
            }
            Ok(())
        }
        _ => {
            let name = c.value("filegen", "a statistics name")?;
            let mut filegen = FileGen::new(kind(name)?);
            while let Some(option) = c.next_token() {
                match option.text {
                    "file" if !option.quoted => {
                        once(&filegen.file, option)?;
                        filegen.file = Some(c.text("file", "a file name")?);
                    }
                    "type" if !option.quoted => {
                        once(&filegen.gen_type, option)?;
                        let v = c.value("type", "a file set type")?;
                        let found = FileGenType::ALL
                            .iter()
                            .find(|(_, n)| *n == v.text && !v.quoted);
                        filegen.gen_type = Some(found.map(|(t, _)| *t).ok_or_else(|| {
                            Problem::syntax(
                                v.column,
                                format!("unknown file set type `{}`", shown(v.text)),
                            )
                            .expected("none, pid, day, week, month, year or age")
                        })?);
                    }
                    "link" | "nolink" if !option.quoted => {
                        once(&filegen.link, option)?;
                        filegen.link = Some(option.text == "link");
                    }
                    "enable" | "disable" if !option.quoted => {
                        once(&filegen.enabled, option)?;
                        filegen.enabled = Some(option.text == "enable");
                    }
                    _ => {
                        return Err(Problem::syntax(
                            option.column,
                            format!("unknown filegen option `{}`", shown(option.text)),
                        )
                        .expected("file NAME, type TYPE, link, nolink, enable or disable"));
                    }
                }
            }
            stats.filegens.push(filegen);
            Ok(())
        }
    }
}
