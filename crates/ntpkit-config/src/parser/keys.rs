//! `keys`, `keysdir`, `trustedkey`, `controlkey`, `requestkey` (ntp.conf(5), "Authentication
//! Commands"). Key ids are 1..=65534.

use super::Context;
use super::cursor::{Cursor, LineResult, Problem, key_id, shown};
use crate::diagnostic::DiagnosticKind;
use crate::lexer::Token;

pub(super) fn key_command(
    cx: &mut Context<'_>,
    command: Token<'_>,
    c: &mut Cursor<'_, '_>,
) -> LineResult {
    let keys = &mut cx.config.keys;
    match command.text {
        "keys" => keys.keys_file = Some(c.text("keys", "a key file name")?),
        "keysdir" => keys.keys_dir = Some(c.text("keysdir", "a directory")?),
        "controlkey" => {
            let v = c.value("controlkey", "a key id")?;
            keys.control_key = Some(key_id(v, "controlkey")?);
        }
        "requestkey" => {
            let v = c.value("requestkey", "a key id")?;
            keys.request_key = Some(key_id(v, "requestkey")?);
            cx.warnings.push(Problem::new(
                DiagnosticKind::NoEffect,
                command.column,
                "requestkey has no effect: ntpkit does not serve mode 7 (ntpdc)",
            ));
        }
        _ => return trusted_keys(cx, c),
    }
    c.finish()
}

/// `trustedkey 1 2 10-20` and ntpd 4.2.8's `trustedkey (10 ... 20)`.
fn trusted_keys(cx: &mut Context<'_>, c: &mut Cursor<'_, '_>) -> LineResult {
    if c.at_end() {
        return Err(
            Problem::syntax(c.end_column(), "`trustedkey` needs at least one key id")
                .expected("key ids or ranges such as 1 2 10-20"),
        );
    }
    let trusted = &mut cx.config.keys.trusted;
    while let Some(token) = c.next_token() {
        if let Some(rest) = token.text.strip_prefix('(') {
            let first = if rest.is_empty() {
                c.value("(", "a key id")?
            } else {
                Token {
                    text: rest,
                    column: token.column + 1,
                    quoted: false,
                }
            };
            let first = key_id(first, "key id")?;
            let dots = c.value("(", "`...`")?;
            if dots.text != "..." {
                return Err(Problem::syntax(
                    dots.column,
                    format!("`{}` in a key range", shown(dots.text)),
                )
                .expected("`...` as in (10 ... 20)"));
            }
            let last_token = c.value("...", "a key id")?;
            let last_text = match last_token.text.strip_suffix(')') {
                Some(text) => text,
                None => {
                    let close = c.value("(", "`)`")?;
                    if close.text != ")" {
                        return Err(Problem::syntax(close.column, "a key range is not closed")
                            .expected("`)`"));
                    }
                    last_token.text
                }
            };
            let last = key_id(
                Token {
                    text: last_text,
                    ..last_token
                },
                "key id",
            )?;
            range(trusted, first, last, token.column)?;
        } else if let Some((a, b)) = token.text.split_once('-') {
            let first = key_id(Token { text: a, ..token }, "key id")?;
            let b_column = token.column + a.chars().count() as u32 + 1;
            let last = key_id(
                Token {
                    text: b,
                    column: b_column,
                    quoted: false,
                },
                "key id",
            )?;
            range(trusted, first, last, token.column)?;
        } else {
            trusted.insert(key_id(token, "key id")?);
        }
    }
    Ok(())
}

fn range(
    set: &mut crate::KeyIdSet,
    first: crate::KeyId,
    last: crate::KeyId,
    column: u32,
) -> LineResult {
    if first > last {
        return Err(Problem::new(
            DiagnosticKind::Range,
            column,
            format!("key range {first}-{last} is empty"),
        )
        .expected("first <= last"));
    }
    set.insert_range(first, last);
    Ok(())
}
