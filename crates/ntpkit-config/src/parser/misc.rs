//! `broadcastclient`, `manycastserver`, `multicastclient`, `interface`/`nic`, and the
//! one-argument file commands (`driftfile`, `leapfile`, `logfile`) plus `broadcastdelay`.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use super::Context;
use super::cursor::{Cursor, LineResult, Problem, float, shown};
use crate::lexer::Token;
use crate::model::DriftFile;
use crate::model::interface::{InterfaceAction, InterfaceMatch, InterfaceRule};
use crate::model::text::ConfigText;

/// The IANA NTP multicast group, `multicastclient`'s default (ntp.conf(5)).
const NTP_MULTICAST: Ipv4Addr = Ipv4Addr::new(224, 0, 1, 1);

pub(super) fn broadcast_client(cx: &mut Context<'_>, c: &mut Cursor<'_, '_>) -> LineResult {
    c.finish()?;
    cx.config.broadcast_client = true;
    Ok(())
}

/// `manycastserver address ...` / `multicastclient [address ...]`: multicast group addresses.
pub(super) fn group_addresses(
    cx: &mut Context<'_>,
    command: Token<'_>,
    c: &mut Cursor<'_, '_>,
) -> LineResult {
    let mut groups = Vec::new();
    while let Some(token) = c.next_token() {
        match token.text.parse::<IpAddr>() {
            Ok(ip) if ip.is_multicast() => groups.push(ip),
            _ => {
                return Err(Problem::syntax(
                    token.column,
                    format!("`{}` is not a multicast group address", shown(token.text)),
                )
                .expected("a multicast address such as 224.0.1.1 or ff05::101"));
            }
        }
    }
    if command.text == "multicastclient" {
        if groups.is_empty() {
            groups.push(IpAddr::V4(NTP_MULTICAST));
        }
        cx.config.multicast_clients.extend(groups);
    } else {
        if groups.is_empty() {
            return Err(Problem::syntax(
                c.end_column(),
                "`manycastserver` needs at least one group address",
            )
            .expected("a multicast address such as 239.1.1.1"));
        }
        cx.config.manycast_servers.extend(groups);
    }
    Ok(())
}

/// `interface listen|ignore|drop all|ipv4|ipv6|wildcard|name|address[/prefixlen]`.
pub(super) fn interface(cx: &mut Context<'_>, c: &mut Cursor<'_, '_>) -> LineResult {
    let command = c.command;
    let action_token = c.value(command, "listen, ignore or drop")?;
    let action = match action_token.text {
        "listen" if !action_token.quoted => InterfaceAction::Listen,
        "ignore" if !action_token.quoted => InterfaceAction::Ignore,
        "drop" if !action_token.quoted => InterfaceAction::Drop,
        other => {
            return Err(Problem::syntax(
                action_token.column,
                format!("unknown interface action `{}`", shown(other)),
            )
            .expected("listen, ignore or drop"));
        }
    };
    let what = c.value(
        action_token.text,
        "all, ipv4, ipv6, wildcard, an interface name or an address",
    )?;
    let matches = match what.text {
        _ if what.quoted => name(what)?,
        "all" => InterfaceMatch::All,
        "ipv4" => InterfaceMatch::Ipv4,
        "ipv6" => InterfaceMatch::Ipv6,
        "wildcard" => InterfaceMatch::Wildcard,
        text => {
            if let Ok(ip) = text.parse::<IpAddr>() {
                InterfaceMatch::Network(IpNet::from(ip))
            } else if let Ok(net) = text.parse::<IpNet>() {
                InterfaceMatch::Network(net)
            } else if text.contains('/') {
                return Err(Problem::syntax(
                    what.column,
                    format!("`{}` is not an address/prefix", shown(text)),
                )
                .expected("an address such as 192.0.2.0/24"));
            } else {
                name(what)?
            }
        }
    };
    c.finish()?;
    cx.config.interfaces.push(InterfaceRule { action, matches });
    Ok(())
}

fn name(token: Token<'_>) -> LineResult<InterfaceMatch> {
    let valid = !token.text.is_empty()
        && token.text.len() <= 64
        && token
            .text
            .chars()
            .all(|ch| ch.is_ascii_graphic() && ch != '"' && ch != '#');
    if !valid {
        return Err(Problem::syntax(
            token.column,
            format!("`{}` is not an interface name", shown(token.text)),
        )
        .expected("an interface name such as eth0"));
    }
    ConfigText::new(token.text)
        .map(InterfaceMatch::Name)
        .map_err(|why| Problem::syntax(token.column, why))
}

pub(super) fn file_command(
    cx: &mut Context<'_>,
    command: Token<'_>,
    c: &mut Cursor<'_, '_>,
) -> LineResult {
    let config = &mut cx.config;
    match command.text {
        "driftfile" => {
            let path = c.text("driftfile", "a file name")?;
            let wander_threshold = match c.next_token() {
                Some(t) => Some(float(t, 0.0, 1000.0, "wander threshold")?),
                None => None,
            };
            config.drift_file = Some(DriftFile {
                path,
                wander_threshold,
            });
        }
        "leapfile" => config.leap_file = Some(c.text("leapfile", "a file name")?),
        "logfile" => config.log_file = Some(c.text("logfile", "a file name")?),
        _ => {
            let v = c.value("broadcastdelay", "a delay in seconds")?;
            config.broadcast_delay = Some(float(v, 0.0, 1.0, "broadcastdelay")?);
        }
    }
    c.finish()
}
