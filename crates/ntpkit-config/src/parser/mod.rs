//! The parse driver: lines, bounds, `includefile`, and dispatch to one module per command
//! family.

mod association;
mod cursor;
mod keys;
mod listen_port;
mod misc;
mod monitoring;
mod restrict;
mod system;

use crate::diagnostic::{ConfigError, Diagnostic, DiagnosticKind, Severity};
use crate::lexer::{self, Token};
use crate::model::NtpConfig;
use crate::options::{IncludeLoader, ParseOptions, Parsed};
use cursor::{Cursor, LineResult, Problem, shown};

/// One sentence used wherever Autokey shows up.
pub(crate) const AUTOKEY_REFUSED: &str = "Autokey is refused by design: the protocol has \
    vulnerabilities that cannot be patched (NTPsec removed it); use symmetric keys instead \
    (`keys`, `trustedkey`, and `key N` on the association)";

/// Commands named in "expected" hints for an unknown command.
const SOME_COMMANDS: &str = "a command: server, pool, peer, broadcast, manycastclient, \
    restrict, driftfile, keys, trustedkey, tos, tinker, enable, disable, statistics, filegen, ...";

/// Where the parser is and what it has found so far.
pub(crate) struct Parser<'o> {
    options: &'o ParseOptions,
    loader: Option<&'o mut dyn IncludeLoader>,
    config: NtpConfig,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    include_stack: Vec<String>,
    lines_read: u32,
    bytes_read: usize,
    stopped: bool,
}

/// What a command handler sees: the configuration being built and a place for warnings.
pub(crate) struct Context<'p> {
    pub(crate) config: &'p mut NtpConfig,
    /// Warnings raised by the line (column, kind, message).
    pub(crate) warnings: Vec<Problem>,
}

impl<'o> Parser<'o> {
    pub(crate) fn new(
        options: &'o ParseOptions,
        loader: Option<&'o mut dyn IncludeLoader>,
    ) -> Self {
        Parser {
            options,
            loader,
            config: NtpConfig::default(),
            errors: Vec::new(),
            warnings: Vec::new(),
            include_stack: Vec::new(),
            lines_read: 0,
            bytes_read: 0,
            stopped: false,
        }
    }

    pub(crate) fn finish(self) -> Result<Parsed, ConfigError> {
        if self.errors.is_empty() {
            Ok(Parsed {
                config: self.config,
                warnings: self.warnings,
            })
        } else {
            Err(ConfigError::Invalid {
                diagnostics: self.errors,
            })
        }
    }

    fn report(&mut self, severity: Severity, file: &str, line_no: u32, line: &str, p: Problem) {
        let diagnostic = Diagnostic {
            severity,
            kind: p.kind,
            file: file.to_owned(),
            line: line_no,
            column: p.column,
            source_line: line.to_owned(),
            message: p.message,
            expected: p.expected,
        };
        match severity {
            Severity::Warning => {
                if self.warnings.len() < self.options.max_errors {
                    self.warnings.push(diagnostic);
                }
            }
            _ => {
                self.errors.push(diagnostic);
                if self.errors.len() >= self.options.max_errors {
                    self.stopped = true;
                }
            }
        }
    }

    /// Parses one file (the main file at depth 0, an included one deeper).
    pub(crate) fn parse_file(&mut self, name: &str, text: &str, depth: u32) {
        self.bytes_read = self.bytes_read.saturating_add(text.len());
        if self.bytes_read > self.options.max_total_bytes {
            let p = Problem::new(DiagnosticKind::Limit, 0, "configuration too large").expected(
                format!("at most {} bytes in all", self.options.max_total_bytes),
            );
            self.report(Severity::Error, name, 0, "", p);
            self.stopped = true;
            return;
        }
        self.include_stack.push(name.to_owned());
        let mut tokens: Vec<Token<'_>> = Vec::new();
        let mut line_no: u32 = 0;
        // `lines` drops the empty piece after a final newline and a `\r` before each `\n`.
        for line in text.lines() {
            if self.stopped {
                break;
            }
            line_no = line_no.saturating_add(1);
            self.lines_read = self.lines_read.saturating_add(1);
            if self.lines_read > self.options.max_lines {
                let p = Problem::new(DiagnosticKind::Limit, 1, "too many lines")
                    .expected(format!("at most {} lines in all", self.options.max_lines));
                self.report(Severity::Error, name, line_no, "", p);
                self.stopped = true;
                break;
            }
            if line.len() > self.options.max_line_len {
                let mut cut = self.options.max_line_len.min(120);
                while !line.is_char_boundary(cut) {
                    cut -= 1;
                }
                let p = Problem::new(DiagnosticKind::Limit, 1, "line too long").expected(format!(
                    "at most {} bytes per line",
                    self.options.max_line_len
                ));
                self.report(
                    Severity::Error,
                    name,
                    line_no,
                    line.get(..cut).unwrap_or(""),
                    p,
                );
                continue;
            }
            if let Err(e) = lexer::tokenize(line, &mut tokens) {
                let p = Problem::syntax(e.column, e.message).expected(e.expected);
                self.report(Severity::Error, name, line_no, line, p);
                continue;
            }
            let Some((command, args)) = tokens.split_first() else {
                continue;
            };
            if command.text == "includefile" && !command.quoted {
                let result = self.include(name, args, command, depth);
                if let Err(p) = result {
                    self.report(Severity::Error, name, line_no, line, p);
                }
                continue;
            }
            let mut context = Context {
                config: &mut self.config,
                warnings: Vec::new(),
            };
            let result = dispatch(&mut context, *command, args, self.options.lenient);
            let warnings = std::mem::take(&mut context.warnings);
            for w in warnings {
                self.report(Severity::Warning, name, line_no, line, w);
            }
            if let Err(p) = result {
                self.report(Severity::Error, name, line_no, line, p);
            }
        }
        self.include_stack.pop();
    }

    fn include(
        &mut self,
        from: &str,
        args: &[Token<'_>],
        command: &Token<'_>,
        depth: u32,
    ) -> LineResult {
        let mut cursor = Cursor::new(*command, args);
        let path_token = cursor.value("includefile", "a file name")?;
        cursor.finish()?;
        let include_problem =
            |message: String| Problem::new(DiagnosticKind::Include, path_token.column, message);
        if depth.saturating_add(1) > self.options.max_include_depth {
            return Err(include_problem(format!(
                "includefile nests deeper than {} levels",
                self.options.max_include_depth
            ))
            .expected("fewer nested includefile levels"));
        }
        let Some(loader) = self.loader.as_mut() else {
            return Err(include_problem(
                "includefile needs an include loader (use parse_config_with_includes)".into(),
            ));
        };
        let included = loader.load(from, path_token.text).map_err(|why| {
            include_problem(format!(
                "cannot include `{}`: {}",
                shown(path_token.text),
                shown(&why)
            ))
        })?;
        if self.include_stack.contains(&included.name) {
            return Err(include_problem(format!(
                "includefile `{}` includes itself (cycle through {})",
                shown(path_token.text),
                self.include_stack.join(" -> ")
            ))
            .expected("an include chain without cycles"));
        }
        self.parse_file(&included.name, &included.text, depth.saturating_add(1));
        Ok(())
    }
}

/// Runs the handler for one command line.
fn dispatch(
    cx: &mut Context<'_>,
    command: Token<'_>,
    args: &[Token<'_>],
    lenient: bool,
) -> LineResult {
    let mut cursor = Cursor::new(command, args);
    let c = &mut cursor;
    match command.text {
        _ if command.quoted => unknown(cx, command, false),
        "server" | "pool" | "peer" | "broadcast" | "manycastclient" => {
            association::association(cx, command, c)
        }
        "fudge" => association::fudge(cx, command, c),
        "broadcastclient" => misc::broadcast_client(cx, c),
        "manycastserver" | "multicastclient" => misc::group_addresses(cx, command, c),
        "keys" | "keysdir" | "trustedkey" | "controlkey" | "requestkey" => {
            keys::key_command(cx, command, c)
        }
        "autokey" | "crypto" | "revoke" => Err(Problem::new(
            DiagnosticKind::Refused,
            command.column,
            AUTOKEY_REFUSED,
        )),
        "statistics" | "statsdir" | "filegen" => monitoring::stats_command(cx, command, c),
        "restrict" => restrict::restrict(cx, c),
        "discard" => restrict::discard(cx, c),
        "mru" => restrict::mru(cx, c),
        "tinker" => system::tinker(cx, c),
        "tos" => system::tos(cx, c),
        "enable" | "disable" => system::flags(cx, command, c),
        "interface" | "nic" => misc::interface(cx, c),
        "port" => listen_port::listen_port(cx, c),
        "driftfile" | "leapfile" | "logfile" | "broadcastdelay" => {
            misc::file_command(cx, command, c)
        }
        _ => unknown(cx, command, lenient),
    }
}

fn unknown(cx: &mut Context<'_>, command: Token<'_>, lenient: bool) -> LineResult {
    let problem = Problem::new(
        DiagnosticKind::UnknownCommand,
        command.column,
        format!("unknown command `{}`", shown(command.text)),
    )
    .expected(SOME_COMMANDS);
    if lenient {
        let mut warning = problem;
        warning.message.push_str(" (line ignored: lenient mode)");
        cx.warnings.push(warning);
        Ok(())
    } else {
        Err(problem)
    }
}
