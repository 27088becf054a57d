//! Printing a configuration as canonical ntp.conf: one command per line, fixed section order,
//! options in a fixed order, so that equal configurations print equal text and the parser
//! reads the text back to the same value.

use std::fmt::{self, Display, Formatter, Write};

use crate::model::NtpConfig;
use crate::model::association::{Association, LocalClock};
use crate::model::system::FLAG_NAMES;
use crate::{DiscardConfig, MruConfig};

impl Display for NtpConfig {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        files(self, f)?;
        keys(self, f)?;
        system(self, f)?;
        for r in &self.restrictions {
            writeln!(f, "{r}")?;
        }
        for a in &self.associations {
            association(a, f)?;
        }
        for l in &self.local_clocks {
            local_clock(l, f)?;
        }
        if self.broadcast_client {
            writeln!(f, "broadcastclient")?;
        }
        list(f, "manycastserver", &self.manycast_servers)?;
        list(f, "multicastclient", &self.multicast_clients)?;
        Ok(())
    }
}

fn list<T: Display>(f: &mut Formatter<'_>, command: &str, items: &[T]) -> fmt::Result {
    if items.is_empty() {
        return Ok(());
    }
    f.write_str(command)?;
    for item in items {
        write!(f, " {item}")?;
    }
    f.write_char('\n')
}

fn files(c: &NtpConfig, f: &mut Formatter<'_>) -> fmt::Result {
    if let Some(d) = &c.drift_file {
        write!(f, "driftfile {}", d.path)?;
        if let Some(w) = d.wander_threshold {
            write!(f, " {w}")?;
        }
        f.write_char('\n')?;
    }
    if let Some(p) = &c.leap_file {
        writeln!(f, "leapfile {p}")?;
    }
    if let Some(p) = &c.log_file {
        writeln!(f, "logfile {p}")?;
    }
    if let Some(p) = &c.stats.stats_dir {
        writeln!(f, "statsdir {p}")?;
    }
    let enabled: Vec<_> = c.stats.enabled.iter().collect();
    list(f, "statistics", &enabled)?;
    for g in &c.stats.filegens {
        write!(f, "filegen {}", g.kind)?;
        if let Some(file) = &g.file {
            write!(f, " file {file}")?;
        }
        if let Some(t) = g.gen_type {
            write!(f, " type {}", t.keyword())?;
        }
        if let Some(link) = g.link {
            f.write_str(if link { " link" } else { " nolink" })?;
        }
        if let Some(on) = g.enabled {
            f.write_str(if on { " enable" } else { " disable" })?;
        }
        f.write_char('\n')?;
    }
    Ok(())
}

fn keys(c: &NtpConfig, f: &mut Formatter<'_>) -> fmt::Result {
    let k = &c.keys;
    if let Some(p) = &k.keys_dir {
        writeln!(f, "keysdir {p}")?;
    }
    if let Some(p) = &k.keys_file {
        writeln!(f, "keys {p}")?;
    }
    if !k.trusted.is_empty() {
        // ntpd's range syntax `(first ... last)`: ntpd and NTPsec read it, `first-last` they
        // do not.
        f.write_str("trustedkey")?;
        for (first, last) in k.trusted.ranges() {
            if first == last {
                write!(f, " {first}")?;
            } else {
                write!(f, " ({first} ... {last})")?;
            }
        }
        f.write_char('\n')?;
    }
    if let Some(id) = k.control_key {
        writeln!(f, "controlkey {id}")?;
    }
    if let Some(id) = k.request_key {
        writeln!(f, "requestkey {id}")?;
    }
    Ok(())
}

fn system(c: &NtpConfig, f: &mut Formatter<'_>) -> fmt::Result {
    if !c.tinker.is_empty() {
        f.write_str("tinker")?;
        for (name, value) in c.tinker.fields() {
            if let Some(v) = value {
                write!(f, " {name} {v}")?;
            }
        }
        f.write_char('\n')?;
    }
    tos(c, f)?;
    for (word, on) in [("enable", true), ("disable", false)] {
        let names: Vec<&str> = FLAG_NAMES
            .iter()
            .filter(|flag| (flag.get)(&c.flags) == Some(on))
            .map(|flag| flag.name)
            .collect();
        list(f, word, &names)?;
    }
    if let Some(d) = &c.discard {
        write!(
            f,
            "discard average {} minimum {} monitor {}",
            d.average, d.minimum, d.monitor
        )?;
        if d.leak != DiscardConfig::DEFAULT.leak {
            write!(f, " leak {}", d.leak)?;
        }
        f.write_char('\n')?;
    }
    if let Some(m) = &c.mru {
        mru(m, f)?;
    }
    for rule in &c.interfaces {
        writeln!(f, "interface {} {}", rule.action.keyword(), rule.matches)?;
    }
    if let Some(d) = c.broadcast_delay {
        writeln!(f, "broadcastdelay {d}")?;
    }
    if let Some(p) = c.port {
        writeln!(f, "port {}", p.get())?;
    }
    Ok(())
}

/// Prints the pairs with the member that is set (the parser's setters keep exactly one).
fn mru(m: &MruConfig, f: &mut Formatter<'_>) -> fmt::Result {
    f.write_str("mru")?;
    let pairs = [
        (("maxdepth", m.maxdepth), ("maxmem", m.maxmem)),
        (("initalloc", m.initalloc), ("initmem", m.initmem)),
        (("incalloc", m.incalloc), ("incmem", m.incmem)),
    ];
    for ((count_name, count), (kib_name, kib)) in pairs {
        if let Some(v) = count {
            write!(f, " {count_name} {v}")?;
        } else if let Some(v) = kib {
            write!(f, " {kib_name} {v}")?;
        }
    }
    writeln!(f, " mindepth {} maxage {}", m.mindepth, m.maxage)
}

fn tos(c: &NtpConfig, f: &mut Formatter<'_>) -> fmt::Result {
    let t = &c.tos;
    if t.is_empty() {
        return Ok(());
    }
    f.write_str("tos")?;
    let mut item = |name: &str, value: Option<String>| match value {
        Some(v) => write!(f, " {name} {v}"),
        None => Ok(()),
    };
    let s = |v: Option<u32>| v.map(|v| v.to_string());
    item("beacon", s(t.beacon))?;
    item("ceiling", t.ceiling.map(|v| v.to_string()))?;
    item("cohort", t.cohort.map(|v| u8::from(v).to_string()))?;
    item("floor", t.floor.map(|v| v.to_string()))?;
    item("maxclock", s(t.maxclock))?;
    item("maxdist", t.maxdist.map(|v| v.to_string()))?;
    item("minclock", s(t.minclock))?;
    item("mindist", t.mindist.map(|v| v.to_string()))?;
    item("minsane", s(t.minsane))?;
    item("orphan", t.orphan.map(|v| v.to_string()))?;
    item("orphanwait", s(t.orphanwait))?;
    item("bcpollbstep", s(t.bcpollbstep))?;
    item("maxdynamic", s(t.maxdynamic))?;
    f.write_char('\n')
}

fn association(a: &Association, f: &mut Formatter<'_>) -> fmt::Result {
    write!(f, "{} {}", a.mode.keyword(), a.host)?;
    if let Some(k) = a.key {
        write!(f, " key {k}")?;
    }
    for (on, word) in [
        (a.burst, "burst"),
        (a.iburst, "iburst"),
        (a.prefer, "prefer"),
        (a.noselect, "noselect"),
    ] {
        if on {
            write!(f, " {word}")?;
        }
    }
    if let Some(v) = a.version {
        write!(f, " version {v}")?;
    }
    if let Some(v) = a.minpoll {
        write!(f, " minpoll {v}")?;
    }
    if let Some(v) = a.maxpoll {
        write!(f, " maxpoll {v}")?;
    }
    if let Some(v) = a.ttl {
        write!(f, " ttl {v}")?;
    }
    if let Some(v) = a.port {
        write!(f, " port {v}")?;
    }
    f.write_char('\n')
}

fn local_clock(l: &LocalClock, f: &mut Formatter<'_>) -> fmt::Result {
    write!(f, "server 127.127.1.{}", l.unit)?;
    if l.prefer {
        f.write_str(" prefer")?;
    }
    if l.noselect {
        f.write_str(" noselect")?;
    }
    if let Some(v) = l.minpoll {
        write!(f, " minpoll {v}")?;
    }
    if let Some(v) = l.maxpoll {
        write!(f, " maxpoll {v}")?;
    }
    f.write_char('\n')?;
    if l.stratum.is_some() || l.refid.is_some() {
        write!(f, "fudge 127.127.1.{}", l.unit)?;
        if let Some(s) = l.stratum {
            write!(f, " stratum {s}")?;
        }
        if let Some(r) = &l.refid {
            write!(f, " refid {r}")?;
        }
        f.write_char('\n')?;
    }
    Ok(())
}
