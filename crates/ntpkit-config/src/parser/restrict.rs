//! `restrict`, `discard`, `mru` (ntp.conf(5) "Access Control Commands"). Flag names and the
//! entry, discard and MRU types are `ntpkit-access`'s.

use std::net::IpAddr;

use ipnet::IpNet;

use super::Context;
use super::cursor::{Cursor, LineResult, Problem, integer, shown};
use crate::diagnostic::DiagnosticKind;
use crate::model::restrict::Restriction;
use crate::model::text::{AddressFamily, Host, HostName};
use crate::{
    DiscardConfig, MruConfig, RestrictEntry, RestrictFlag, RestrictFlags, RestrictNetwork,
};

const FLAGS_HINT: &str = "restrict flags: ignore, kod, limited, lowpriotrap, nomodify, noquery, nopeer, noserve, notrap, notrust, ntpport, version, ...";

/// `restrict [-4|-6] default|source|address [mask m] [flag ...]`.
pub(super) fn restrict(cx: &mut Context<'_>, c: &mut Cursor<'_, '_>) -> LineResult {
    let what = "default, source, an address or a host name";
    let first = c.value("restrict", what)?;
    let (family, target) = match first.text {
        "-4" if !first.quoted => (Some(AddressFamily::Ipv4), c.value("-4", what)?),
        "-6" if !first.quoted => (Some(AddressFamily::Ipv6), c.value("-6", what)?),
        _ => (None, first),
    };
    enum Target {
        Network(RestrictNetwork),
        Host(Host),
    }
    let family_mismatch = |ip: IpAddr, f: AddressFamily| {
        Problem::syntax(
            target.column,
            format!(
                "`{ip}` is not an address of the family `{}` asks for",
                f.flag()
            ),
        )
        .expected(format!("an address of that family, or no {}", f.flag()))
    };
    let mut parsed = match target.text {
        "default" if !target.quoted => Target::Network(match family {
            None => RestrictNetwork::Default,
            Some(AddressFamily::Ipv4) => RestrictNetwork::DefaultV4,
            Some(AddressFamily::Ipv6) => RestrictNetwork::DefaultV6,
        }),
        "source" if !target.quoted => {
            if let Some(f) = family {
                return Err(Problem::syntax(
                    first.column,
                    format!("`restrict source` takes no {}", f.flag()),
                )
                .expected("`restrict source` followed by flags"));
            }
            Target::Network(RestrictNetwork::Source)
        }
        text => {
            if let Ok(ip) = text.parse::<IpAddr>() {
                if let Some(f) = family.filter(|f| !f.matches(&ip)) {
                    return Err(family_mismatch(ip, f));
                }
                Target::Network(RestrictNetwork::host(ip))
            } else if let Ok(net) = text.parse::<IpNet>() {
                if let Some(f) = family.filter(|f| !f.matches(&net.addr())) {
                    return Err(family_mismatch(net.addr(), f));
                }
                Target::Network(RestrictNetwork::Net(net.trunc()))
            } else {
                let name = HostName::new(text).map_err(|why| {
                    Problem::syntax(target.column, format!("`{}`: {why}", shown(text)))
                        .expected(what)
                })?;
                Target::Host(Host::name(name, family))
            }
        }
    };
    let mut flags = RestrictFlags::NONE;
    let mut mask_seen = false;
    while let Some(token) = c.next_token() {
        if token.text == "mask" && !token.quoted {
            let mask = c.value("mask", "a netmask")?;
            let address = match &parsed {
                Target::Network(RestrictNetwork::Net(net))
                    if !mask_seen
                        && net.prefix_len() == net.max_prefix_len()
                        && flags.is_empty() =>
                {
                    net.addr()
                }
                _ => {
                    return Err(Problem::syntax(
                        token.column,
                        "`mask` goes right after a numeric address",
                    )
                    .expected("restrict ADDRESS mask MASK flags..."));
                }
            };
            let network = mask
                .text
                .parse::<IpAddr>()
                .ok()
                .and_then(|m| RestrictNetwork::with_mask(address, m).ok())
                .ok_or_else(|| {
                    Problem::syntax(
                        mask.column,
                        format!(
                            "`{}` is not a contiguous netmask of the address's family",
                            shown(mask.text)
                        ),
                    )
                    .expected("a netmask such as 255.255.255.0 or ffff:ffff:ffff:ffff::")
                })?;
            parsed = Target::Network(network);
            mask_seen = true;
            continue;
        }
        if token.text.eq_ignore_ascii_case("none") && !token.quoted {
            continue;
        }
        let flag: RestrictFlag = token
            .text
            .parse()
            .ok()
            .filter(|_| !token.quoted)
            .ok_or_else(|| {
                Problem::syntax(
                    token.column,
                    format!("unknown restrict flag `{}`", shown(token.text)),
                )
                .expected(FLAGS_HINT)
            })?;
        flags.insert(flag);
    }
    let entry = match parsed {
        Target::Network(network) => Restriction::Entry(RestrictEntry::new(network, flags)),
        Target::Host(host) => Restriction::Host {
            host,
            flags: flags.difference(RestrictFlags::NTPPORT),
            ntpport: flags.contains(RestrictFlags::NTPPORT),
        },
    };
    cx.config.restrictions.push(entry);
    Ok(())
}

const DISCARD_OPTIONS: &str = "average LOG2SECONDS, minimum SECONDS, monitor DIVISOR, leak N";

/// `discard [average avg] [minimum min] [monitor prob] [leak n]`. As in ntpd each option sets
/// one global value, so several lines merge (`leak` is ntpkit-access's CVE-2016-7426
/// extension).
pub(super) fn discard(cx: &mut Context<'_>, c: &mut Cursor<'_, '_>) -> LineResult {
    if c.at_end() {
        return Err(
            Problem::syntax(c.end_column(), "`discard` needs an option").expected(DISCARD_OPTIONS)
        );
    }
    let mut config = cx.config.discard.unwrap_or_default();
    while let Some(option) = c.next_token() {
        let name = if option.quoted { "" } else { option.text };
        match name {
            "average" => {
                let v = c.value(name, "a log2 interval")?;
                config.average = integer(v, 0, u64::from(DiscardConfig::MAX_AVERAGE), name)? as u8;
            }
            "minimum" => {
                let v = c.value(name, "seconds")?;
                config.minimum = integer(v, 0, 86_400, name)? as u32;
            }
            "monitor" => {
                let v = c.value(name, "a divisor")?;
                config.monitor = integer(v, 1, u64::from(u32::MAX), name)? as u32;
            }
            "leak" => {
                let v = c.value(name, "a count")?;
                config.leak = integer(v, 0, u64::from(u32::MAX), name)? as u32;
            }
            _ => {
                return Err(Problem::syntax(
                    option.column,
                    format!("unknown discard option `{}`", shown(option.text)),
                )
                .expected(DISCARD_OPTIONS));
            }
        }
    }
    cx.config.discard = Some(config);
    Ok(())
}

const MRU_OPTIONS: &str =
    "maxdepth, maxmem, mindepth, maxage, initalloc, initmem, incalloc, incmem";

/// `mru option value ...`. Lines merge as in ntpd, and of each pair (maxdepth/maxmem,
/// initalloc/initmem, incalloc/incmem) the one written last controls.
pub(super) fn mru(cx: &mut Context<'_>, c: &mut Cursor<'_, '_>) -> LineResult {
    if c.at_end() {
        return Err(Problem::syntax(c.end_column(), "`mru` needs an option").expected(MRU_OPTIONS));
    }
    let mut config = cx.config.mru.unwrap_or_default();
    while let Some(option) = c.next_token() {
        let name = if option.quoted { "" } else { option.text };
        if !MRU_OPTIONS.split(", ").any(|o| o == name) {
            return Err(Problem::syntax(
                option.column,
                format!("unknown mru option `{}`", shown(option.text)),
            )
            .expected(MRU_OPTIONS));
        }
        let v = c.value(name, "a count")?;
        let max = if name == "maxdepth" {
            u64::from(MruConfig::MAX_DEPTH)
        } else {
            u64::from(u32::MAX)
        };
        let n = integer(v, 0, max, name)? as u32;
        match name {
            "maxdepth" => config.set_maxdepth(n),
            "maxmem" => config.set_maxmem(n),
            "mindepth" => config.mindepth = n,
            "maxage" => config.maxage = n,
            "initalloc" => config.set_initalloc(n),
            "initmem" => config.set_initmem(n),
            "incalloc" => config.set_incalloc(n),
            _ => config.set_incmem(n),
        }
        if config.validate().is_err() {
            return Err(Problem::new(
                DiagnosticKind::Range,
                v.column,
                format!(
                    "mru {name} {n} allows more than {} entries",
                    MruConfig::MAX_DEPTH
                ),
            )
            .expected("a smaller value"));
        }
    }
    cx.config.mru = Some(config);
    Ok(())
}
