//! `server`, `pool`, `peer`, `broadcast`, `manycastclient` and the local clock driver
//! (`server 127.127.1.u`, `fudge 127.127.1.u stratum N refid XXXX`).
//!
//! Which options apply to which command follows ntp.conf(5) "Configuration Commands"; the
//! manual warns that ntpd does not always catch misapplied options ("weird and even
//! destructive behavior"), so here they are errors.

use std::net::{IpAddr, Ipv4Addr};

use super::cursor::{Cursor, LineResult, Problem, integer, key_id, once, shown};
use super::{AUTOKEY_REFUSED, Context};
use crate::diagnostic::DiagnosticKind;
use crate::lexer::Token;
use crate::model::association::{Association, AssociationMode, LocalClock};
use crate::model::bounded::{
    LocalClockUnit, PollExponent, PortNumber, StratumValue, VersionNumber,
};
use crate::model::text::{AddressFamily, Host, HostAddress, HostName, RefIdText};

/// Options of association commands and the commands each applies to.
const OPTIONS: &[(&str, &[AssociationMode])] = {
    use AssociationMode::*;
    &[
        ("key", &[Server, Peer, Broadcast, ManycastClient]),
        ("autokey", &[Server, Peer, Broadcast, ManycastClient]),
        ("burst", &[Server, Pool]),
        ("iburst", &[Server, Pool]),
        ("version", &[Server, Pool, Peer, Broadcast, ManycastClient]),
        ("prefer", &[Server, Pool, Peer, Broadcast, ManycastClient]),
        ("minpoll", &[Server, Pool, Peer, Broadcast, ManycastClient]),
        ("maxpoll", &[Server, Pool, Peer, ManycastClient]),
        ("ttl", &[Broadcast, ManycastClient]),
        ("noselect", &[Server, Pool, Peer, ManycastClient]),
        ("port", &[Server, Pool, Peer, ManycastClient]),
    ]
};

/// The options `mode` accepts, for "expected" hints.
fn options_of(mode: AssociationMode) -> String {
    let names: Vec<&str> = OPTIONS
        .iter()
        .filter(|(name, modes)| modes.contains(&mode) && *name != "autokey")
        .map(|(name, _)| *name)
        .collect();
    format!("an option of `{}`: {}", mode.keyword(), names.join(", "))
}

fn mode_of(word: &str) -> AssociationMode {
    match word {
        "pool" => AssociationMode::Pool,
        "peer" => AssociationMode::Peer,
        "broadcast" => AssociationMode::Broadcast,
        "manycastclient" => AssociationMode::ManycastClient,
        _ => AssociationMode::Server,
    }
}

/// Reads `[-4|-6] address` (ntp.conf(5): the qualifier forces DNS resolution to one family).
pub(super) fn host(c: &mut Cursor<'_, '_>, what: &str) -> LineResult<(Host, u32)> {
    let command = c.command;
    let first = c.value(command, what)?;
    let (family, token) = match first.text {
        "-4" if !first.quoted => (Some(AddressFamily::Ipv4), c.value("-4", what)?),
        "-6" if !first.quoted => (Some(AddressFamily::Ipv6), c.value("-6", what)?),
        _ => (None, first),
    };
    let position = token.column;
    if let Ok(ip) = token.text.parse::<IpAddr>() {
        if let Some(f) = family
            && !f.matches(&ip)
        {
            return Err(Problem::syntax(
                token.column,
                format!(
                    "`{ip}` is not an address of the family `{}` asks for",
                    f.flag()
                ),
            )
            .expected(format!("an address of that family, or no {}", f.flag())));
        }
        return Ok((
            Host {
                family,
                address: HostAddress::Ip(ip),
            },
            position,
        ));
    }
    let name = HostName::new(token.text).map_err(|why| {
        Problem::syntax(token.column, format!("`{}`: {why}", shown(token.text)))
            .expected(what.to_string())
    })?;
    Ok((Host::name(name, family), position))
}

/// The `t.u` of a reference clock address `127.127.t.u`.
fn refclock_parts(host: &Host) -> Option<(u8, u8)> {
    match host.address {
        HostAddress::Ip(IpAddr::V4(v4)) => {
            let [a, b, t, u] = v4.octets();
            (a == 127 && b == 127).then_some((t, u))
        }
        _ => None,
    }
}

fn is_multicast(host: &Host) -> bool {
    matches!(host.address, HostAddress::Ip(ip) if ip.is_multicast())
}

pub(super) fn association(
    cx: &mut Context<'_>,
    command: Token<'_>,
    c: &mut Cursor<'_, '_>,
) -> LineResult {
    let mode = mode_of(command.text);
    let (host, at) = host(c, "an address or host name")?;
    if let Some((t, u)) = refclock_parts(&host) {
        if mode != AssociationMode::Server || t != 1 {
            return Err(refused_refclock(at, t, u));
        }
        let unit = LocalClockUnit::new(i64::from(u)).ok_or_else(|| {
            Problem::new(
                DiagnosticKind::Range,
                at,
                format!("local clock unit {u} is out of range"),
            )
            .expected("127.127.1.0 to 127.127.1.3")
        })?;
        return local_clock(cx, unit, at, c);
    }
    match mode {
        AssociationMode::Broadcast if !matches!(host.address, HostAddress::Ip(_)) => {
            return Err(Problem::syntax(
                at,
                "`broadcast` needs a numeric broadcast or multicast address",
            )
            .expected("a local broadcast address or a multicast group such as 224.0.1.1"));
        }
        AssociationMode::ManycastClient if !is_multicast(&host) => {
            return Err(
                Problem::syntax(at, "`manycastclient` needs a multicast group address")
                    .expected("a multicast address such as 239.1.1.1 or ff05::101"),
            );
        }
        _ => {}
    }
    let mut a = Association::new(mode, host);
    let mut minpoll_at = 0;
    while let Some(option) = c.next_token() {
        let applies = OPTIONS
            .iter()
            .find(|(name, _)| *name == option.text && !option.quoted)
            .map(|(_, modes)| modes.contains(&mode));
        match applies {
            None => {
                return Err(Problem::syntax(
                    option.column,
                    format!(
                        "unknown option `{}` for `{}`",
                        shown(option.text),
                        mode.keyword()
                    ),
                )
                .expected(options_of(mode)));
            }
            Some(false) if option.text != "autokey" => {
                return Err(Problem::syntax(
                    option.column,
                    format!("`{}` does not apply to `{}`", option.text, mode.keyword()),
                )
                .expected(options_of(mode)));
            }
            _ => {}
        }
        match option.text {
            "autokey" => {
                return Err(Problem::new(
                    DiagnosticKind::Refused,
                    option.column,
                    AUTOKEY_REFUSED,
                ));
            }
            "key" => {
                once(&a.key, option)?;
                let v = c.value("key", "a key id")?;
                a.key = Some(key_id(v, "key id")?);
            }
            "burst" => flag(&mut a.burst, option)?,
            "iburst" => flag(&mut a.iburst, option)?,
            "prefer" => flag(&mut a.prefer, option)?,
            "noselect" => flag(&mut a.noselect, option)?,
            "version" => {
                once(&a.version, option)?;
                let v = c.value("version", "a version number")?;
                a.version = VersionNumber::new(integer(v, 1, 4, "version")? as i64);
            }
            "minpoll" => {
                once(&a.minpoll, option)?;
                a.minpoll = Some(poll(c, "minpoll")?);
                minpoll_at = option.column;
            }
            "maxpoll" => {
                once(&a.maxpoll, option)?;
                a.maxpoll = Some(poll(c, "maxpoll")?);
                minpoll_at = minpoll_at.max(option.column);
            }
            "ttl" => {
                once(&a.ttl, option)?;
                let v = c.value("ttl", "a time to live")?;
                a.ttl = Some(integer(v, 0, 255, "ttl")? as u8);
            }
            _ => {
                once(&a.port, option)?;
                let v = c.value("port", "a UDP port")?;
                a.port = PortNumber::new(integer(v, 1, 65535, "port")? as i64);
            }
        }
    }
    check_poll_order(a.minpoll, a.maxpoll, minpoll_at)?;
    cx.config.associations.push(a);
    Ok(())
}

fn flag(slot: &mut bool, option: Token<'_>) -> LineResult {
    if *slot {
        return Err(Problem::syntax(
            option.column,
            format!("`{}` is given twice on this line", option.text),
        )
        .expected("each option at most once"));
    }
    *slot = true;
    Ok(())
}

/// `minpoll`/`maxpoll` value: 3 (8 s) to 17 (36.4 h).
fn poll(c: &mut Cursor<'_, '_>, what: &str) -> LineResult<PollExponent> {
    let v = c.value(what, "a poll exponent")?;
    let n = integer(
        v,
        u64::from(PollExponent::MIN),
        u64::from(PollExponent::MAX),
        what,
    )?;
    PollExponent::new(n as i64)
        .ok_or_else(|| Problem::new(DiagnosticKind::Range, v.column, "poll out of range"))
}

fn check_poll_order(
    min: Option<PollExponent>,
    max: Option<PollExponent>,
    column: u32,
) -> LineResult {
    if let (Some(lo), Some(hi)) = (min, max)
        && lo > hi
    {
        return Err(Problem::new(
            DiagnosticKind::Range,
            column,
            format!("minpoll {lo} is larger than maxpoll {hi}"),
        )
        .expected("minpoll <= maxpoll"));
    }
    Ok(())
}

fn refused_refclock(column: u32, t: u8, u: u8) -> Problem {
    Problem::new(
        DiagnosticKind::Refused,
        column,
        format!("reference clock 127.127.{t}.{u} is refused: ntpkit drives no hardware reference clocks, only the local clock driver (`server 127.127.1.u`)"),
    )
    .expected("127.127.1.0 to 127.127.1.3 on a `server` line, or a network address")
}

fn local_clock(
    cx: &mut Context<'_>,
    unit: LocalClockUnit,
    column: u32,
    c: &mut Cursor<'_, '_>,
) -> LineResult {
    if cx.config.local_clocks.iter().any(|l| l.unit == unit) {
        return Err(Problem::new(
            DiagnosticKind::Conflict,
            column,
            format!("local clock 127.127.1.{unit} is configured twice"),
        )
        .expected("one `server 127.127.1.u` line per unit"));
    }
    let mut clock = LocalClock::new(unit);
    let mut order_at = 0;
    while let Some(option) = c.next_token() {
        match option.text {
            "prefer" if !option.quoted => flag(&mut clock.prefer, option)?,
            "noselect" if !option.quoted => flag(&mut clock.noselect, option)?,
            "minpoll" if !option.quoted => {
                once(&clock.minpoll, option)?;
                clock.minpoll = Some(poll(c, "minpoll")?);
                order_at = option.column;
            }
            "maxpoll" if !option.quoted => {
                once(&clock.maxpoll, option)?;
                clock.maxpoll = Some(poll(c, "maxpoll")?);
                order_at = order_at.max(option.column);
            }
            _ => {
                return Err(Problem::syntax(
                    option.column,
                    format!(
                        "`{}` does not apply to the local clock driver",
                        shown(option.text)
                    ),
                )
                .expected("prefer, noselect, minpoll, maxpoll"));
            }
        }
    }
    check_poll_order(clock.minpoll, clock.maxpoll, order_at)?;
    cx.config.local_clocks.push(clock);
    Ok(())
}

/// `fudge 127.127.1.u [stratum N] [refid XXXX]`.
pub(super) fn fudge(
    cx: &mut Context<'_>,
    _command: Token<'_>,
    c: &mut Cursor<'_, '_>,
) -> LineResult {
    let address = c.value("fudge", "a reference clock address")?;
    let Ok(v4) = address.text.parse::<Ipv4Addr>() else {
        return Err(Problem::syntax(
            address.column,
            format!("`{}` is not a reference clock address", shown(address.text)),
        )
        .expected("127.127.1.u (the local clock driver)"));
    };
    let [a, b, t, u] = v4.octets();
    if a != 127 || b != 127 {
        return Err(Problem::syntax(
            address.column,
            format!("`{v4}` is not a reference clock address"),
        )
        .expected("127.127.1.u (the local clock driver)"));
    }
    if t != 1 {
        return Err(refused_refclock(address.column, t, u));
    }
    let Some(index) = cx
        .config
        .local_clocks
        .iter()
        .position(|l| i64::from(l.unit.get()) == i64::from(u))
    else {
        return Err(Problem::new(
            DiagnosticKind::Conflict,
            address.column,
            format!("`fudge {v4}` has no `server {v4}` line before it"),
        )
        .expected(format!("a `server {v4}` line earlier in the configuration")));
    };
    let mut stratum = None;
    let mut refid = None;
    while let Some(option) = c.next_token() {
        match option.text {
            "stratum" if !option.quoted => {
                once(&stratum, option)?;
                let v = c.value("stratum", "a stratum")?;
                stratum = StratumValue::new(integer(v, 0, 15, "stratum")? as i64);
            }
            "refid" if !option.quoted => {
                once(&refid, option)?;
                let v = c.value("refid", "a reference id")?;
                refid = Some(RefIdText::new(v.text).map_err(|why| {
                    Problem::syntax(v.column, why).expected("1 to 4 printable ASCII characters")
                })?);
            }
            "time1" | "time2" | "flag1" | "flag2" | "flag3" | "flag4" if !option.quoted => {
                return Err(Problem::new(
                    DiagnosticKind::Refused,
                    option.column,
                    format!(
                        "`fudge {}` tunes hardware reference clocks, which ntpkit does not drive",
                        option.text
                    ),
                )
                .expected("stratum N or refid XXXX"));
            }
            _ => {
                return Err(Problem::syntax(
                    option.column,
                    format!("unknown fudge option `{}`", shown(option.text)),
                )
                .expected("stratum N or refid XXXX"));
            }
        }
    }
    if stratum.is_none() && refid.is_none() {
        return Err(Problem::syntax(c.end_column(), "`fudge` sets nothing")
            .expected("stratum N or refid XXXX"));
    }
    if let Some(clock) = cx.config.local_clocks.get_mut(index) {
        if stratum.is_some() {
            clock.stratum = stratum;
        }
        if refid.is_some() {
            clock.refid = refid;
        }
    }
    Ok(())
}
