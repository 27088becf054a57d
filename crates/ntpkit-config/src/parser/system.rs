//! `tinker`, `tos`, `enable`/`disable` (ntp.conf(5) "Miscellaneous Options"; ntpd's
//! miscopt page for the limits).

use super::Context;
use super::cursor::{Cursor, LineResult, Problem, float, integer, shown};
use crate::diagnostic::DiagnosticKind;
use crate::lexer::Token;
use crate::model::bounded::StratumValue;
use crate::model::system::FLAG_NAMES;

/// Largest accepted value for time thresholds (seconds): ten years, far beyond any sane use.
const MAX_SECONDS: f64 = 315_360_000.0;

const TINKER_OPTIONS: &str =
    "allan, dispersion, freq, huffpuff, panic, step, stepback, stepfwd, stepout";

pub(super) fn tinker(cx: &mut Context<'_>, c: &mut Cursor<'_, '_>) -> LineResult {
    if c.at_end() {
        return Err(
            Problem::syntax(c.end_column(), "`tinker` needs an option").expected(TINKER_OPTIONS)
        );
    }
    while let Some(option) = c.next_token() {
        let Some(slot) = cx
            .config
            .tinker
            .slot(option.text)
            .filter(|_| !option.quoted)
        else {
            return Err(Problem::syntax(
                option.column,
                format!("unknown tinker option `{}`", shown(option.text)),
            )
            .expected(TINKER_OPTIONS));
        };
        let v = c.value(option.text, "a number")?;
        // ntpd clamps the frequency to +-500 PPM (the kernel's limit).
        let (min, max) = if option.text == "freq" {
            (-500.0, 500.0)
        } else {
            (0.0, MAX_SECONDS)
        };
        *slot = Some(float(v, min, max, option.text)?);
    }
    Ok(())
}

const TOS_OPTIONS: &str = "beacon, ceiling, cohort, floor, maxclock, maxdist, minclock, mindist, minsane, orphan, orphanwait, bcpollbstep, maxdynamic";

pub(super) fn tos(cx: &mut Context<'_>, c: &mut Cursor<'_, '_>) -> LineResult {
    if c.at_end() {
        return Err(Problem::syntax(c.end_column(), "`tos` needs an option").expected(TOS_OPTIONS));
    }
    let tos = &mut cx.config.tos;
    while let Some(option) = c.next_token() {
        let name = if option.quoted { "" } else { option.text };
        let known = TOS_OPTIONS.split(", ").any(|o| o == name);
        if !known {
            return Err(Problem::syntax(
                option.column,
                format!("unknown tos option `{}`", shown(option.text)),
            )
            .expected(TOS_OPTIONS));
        }
        let v = c.value(name, "a value")?;
        let count = |min: u64| integer(v, min, u64::from(u32::MAX), name).map(|n| Some(n as u32));
        let stratum = |min: u64| integer(v, min, 16, name).map(|n| StratumValue::new(n as i64));
        match name {
            "beacon" => tos.beacon = count(1)?,
            "ceiling" => tos.ceiling = stratum(1)?,
            "cohort" => tos.cohort = Some(integer(v, 0, 1, name)? == 1),
            "floor" => tos.floor = stratum(0)?,
            "maxclock" => tos.maxclock = count(1)?,
            "maxdist" => tos.maxdist = Some(float(v, 0.0, MAX_SECONDS, name)?),
            "minclock" => tos.minclock = count(1)?,
            "mindist" => tos.mindist = Some(float(v, 0.0, MAX_SECONDS, name)?),
            "minsane" => tos.minsane = count(0)?,
            "orphan" => tos.orphan = stratum(1)?,
            "orphanwait" => tos.orphanwait = count(0)?,
            "bcpollbstep" => tos.bcpollbstep = Some(integer(v, 0, 4, name)? as u32),
            _ => tos.maxdynamic = count(0)?,
        }
    }
    if let (Some(floor), Some(ceiling)) = (tos.floor, tos.ceiling)
        && floor > ceiling
    {
        return Err(Problem::new(
            DiagnosticKind::Range,
            1,
            format!("tos floor {floor} is above ceiling {ceiling}"),
        )
        .expected("floor <= ceiling"));
    }
    if let (Some(min), Some(max)) = (tos.minclock, tos.maxclock)
        && min > max
    {
        return Err(Problem::new(
            DiagnosticKind::Range,
            1,
            format!("tos minclock {min} is above maxclock {max}"),
        )
        .expected("minclock <= maxclock"));
    }
    Ok(())
}

pub(super) fn flags(
    cx: &mut Context<'_>,
    command: Token<'_>,
    c: &mut Cursor<'_, '_>,
) -> LineResult {
    let enable = command.text == "enable";
    let names = || {
        let list: Vec<&str> = FLAG_NAMES
            .iter()
            .map(|f| f.name)
            .filter(|n| *n != "mode7")
            .collect();
        list.join(", ")
    };
    if c.at_end() {
        return Err(
            Problem::syntax(c.end_column(), format!("`{}` needs a flag", command.text))
                .expected(names()),
        );
    }
    while let Some(token) = c.next_token() {
        let Some(flag) = FLAG_NAMES
            .iter()
            .find(|f| f.name == token.text && !token.quoted)
        else {
            return Err(Problem::syntax(
                token.column,
                format!("unknown flag `{}`", shown(token.text)),
            )
            .expected(names()));
        };
        if flag.name == "mode7" && enable {
            return Err(Problem::new(
                DiagnosticKind::Refused,
                token.column,
                "mode 7 (ntpdc) is refused by design: its amplification and parsing flaws (CVE-2013-5211, CVE-2015-7848) led NTPsec to remove it; use mode 6 (ntpq)",
            ));
        }
        if flag.name == "calibrate" {
            cx.warnings.push(Problem::new(
                DiagnosticKind::NoEffect,
                token.column,
                "calibrate has no effect: ntpkit drives no hardware reference clocks",
            ));
        }
        (flag.set)(&mut cx.config.flags, enable);
    }
    Ok(())
}
