//! Manycast between ntpkitd instances, each in a network namespace of its own on one bridged
//! LAN (no clock is adjusted): two `manycastserver` ntpkitd (stratum 2 local references,
//! AES-128-CMAC key 6) are found by a `manycastclient ... key 6` ntpkitd, which synchronises
//! at stratum 3 (ntpdig reports s3); a third server holding another secret under key 6 (and
//! a better stratum, so it would win if taken) receives the solicitations, answers none
//! (the MAC fails) and is never used; the same over IPv6 on a site-local group.

mod common;
mod lan;

use common::{Daemon, Netns, TempDir, local_reference_conf, wait_log};
use lan::{seen, stratum};

const GROUP: &str = "239.77.2.2";
const KEYS: &str = "6 AES128CMAC 6d616e79636173742d6b65792d313238\n";
const WRONG_KEYS: &str = "6 AES128CMAC 6e6f742d7468652d6b65792d31323821\n";

/// Listening on the IPv4 wildcard.
const IPV4: [&str; 2] = ["--listen", "0.0.0.0:123"];

/// An ntpkitd in `ns` holding `keys`, trusting the ids in `trusted`, with `conf` and `listen`.
fn start(
    dir: &TempDir,
    ns: &Netns,
    (name, keys, trusted): (&str, &str, &str),
    conf: &str,
    listen: &[&str],
) -> Daemon {
    let file = dir.write(&format!("{name}.keys"), keys);
    let conf = dir.write(
        &format!("{name}.conf"),
        &format!("keys {}\ntrustedkey {trusted}\n{conf}", file.display()),
    );
    Daemon::start(&conf, listen, Some(ns))
}

/// A daemon trusting key 6 of `keys`.
fn daemon(dir: &TempDir, ns: &Netns, name: &str, keys: &str, conf: &str) -> Daemon {
    start(dir, ns, (name, keys, "6"), conf, &IPV4)
}

/// Seconds of the day of a log line's timestamp (`2026-11-22T05:04:48.524491Z ...`).
fn seconds_of(line: &str) -> f64 {
    let time = line
        .split('T')
        .nth(1)
        .and_then(|t| t.split('Z').next())
        .unwrap_or_else(|| panic!("no timestamp: {line}"));
    time.split(':')
        .map(|f| f.parse::<f64>().unwrap())
        .fold(0.0, |acc, f| acc * 60.0 + f)
}

/// Under `tos maxdynamic 1`: waits for an answer refused at the session cap and for
/// synchronisation, checks that exactly one server was taken, and returns the line that
/// took it and the refusal.
fn one_server_taken_under_the_cap(client: &mut Daemon) -> (String, String) {
    let refused = seen(client, "SessionCap", 30)
        .unwrap_or_else(|| panic!("no cap refusal: {:?}", client.log));
    assert!(
        wait_log(client, "synchronised to", 120).is_some(),
        "{:?}",
        client.log
    );
    let found: Vec<&String> = client
        .log
        .iter()
        .filter(|l| l.contains("answered at ttl"))
        .collect();
    assert_eq!(found.len(), 1, "{:?}", client.log);
    (found[0].clone(), refused)
}

#[test]
fn a_manycast_client_finds_two_keyed_servers_and_ignores_a_wrong_key() {
    let dir = TempDir::new("ntpkitd");
    let mut lan = lan::lan();
    let s1 = lan.host(1);
    let s2 = lan.host(2);
    let s3 = lan.host(3);
    let c = lan.host(9);
    let server = |name: &str, ns: &Netns, keys: &str, stratum: u8| {
        let mut d = daemon(
            &dir,
            ns,
            name,
            keys,
            &local_reference_conf(stratum, &format!("manycastserver {GROUP}\n")),
        );
        assert!(
            seen(
                &mut d,
                &format!("answering manycast clients on {GROUP}:123"),
                20
            )
            .is_some(),
            "{name}: {:?}",
            d.log
        );
        d
    };
    let _good1 = server("s1", &s1.ns, KEYS, 2);
    let _good2 = server("s2", &s2.ns, KEYS, 2);
    let wrong = server("s3", &s3.ns, WRONG_KEYS, 1);
    let stats = dir.path().join("stats");
    std::fs::create_dir_all(&stats).unwrap();
    let mut client = daemon(
        &dir,
        &c.ns,
        "c",
        KEYS,
        &format!(
            "manycastclient {GROUP} key 6 ttl 2 minpoll 3 maxpoll 4\ntos minclock 2 maxclock 4\n\
             statsdir {}/\nstatistics peerstats rawstats\nfilegen peerstats type none\n\
             filegen rawstats type none\n",
            stats.display()
        ),
    );
    let mut found = Vec::new();
    while found.len() < 2 {
        let line = wait_log(&mut client, "answered at ttl", 60)
            .unwrap_or_else(|| panic!("found only {found:?}: {:?}", client.log));
        found.push(line);
    }
    for s in [&s1, &s2] {
        let addr = format!("manycast: {}:123 answered at ttl 1", s.addr);
        assert!(found.iter().any(|l| l.contains(&addr)), "{addr}: {found:?}");
    }
    // One answer per server and solicitation: a second copy of the first answer (every
    // worker socket of a server receives the group datagram) would be refused as
    // AlreadyAssociated within the same second; later solicitations are 8 s apart.
    let first = seconds_of(&found[0]);
    for l in client
        .log
        .iter()
        .filter(|l| l.contains("AlreadyAssociated"))
    {
        assert!(
            (seconds_of(l) - first).abs() > 2.0,
            "a duplicate answer: {l}"
        );
    }
    let line = wait_log(&mut client, "synchronised to", 120)
        .unwrap_or_else(|| panic!("never synchronised: {:?}", client.log));
    assert!(
        line.contains("manycast server (10.88.") && line.contains("stratum 3"),
        "{line}"
    );
    assert_eq!(stratum(&c.ns), "s3");
    // Each server found is polled from a socket of its own (RFC 9109), not the group's.
    for s in [&s1, &s2] {
        let own = format!("polling manycast server ({}:123) (ephemeral)", s.addr);
        assert!(
            client.log.iter().any(|l| l.contains(&own)),
            "{own}: {:?}",
            client.log
        );
    }
    // peerstats has the servers found, as ephemeral (not configured) associations, with
    // the offset between namespaces of one host's clock: far under a millisecond.
    let peerstats = std::fs::read_to_string(stats.join("peerstats")).unwrap_or_default();
    let records: Vec<ntpkit_stats::PeerStats> = peerstats
        .lines()
        .map(|l| ntpkit_stats::PeerStats::parse(l).unwrap())
        .collect();
    for s in [&s1, &s2] {
        assert!(
            records.iter().any(|r| r.address.to_string() == s.addr),
            "{} not in peerstats: {peerstats}",
            s.addr
        );
    }
    for r in &records {
        assert!(
            r.status.reachable() && !r.status.configured(),
            "{peerstats}"
        );
        assert!(r.offset.to_f64().abs() < 1e-3, "{peerstats}");
    }
    // rawstats: the replies of both servers found, each with our true T1 (not the packet's
    // randomised origin) and its timestamps in causal order.
    let raw = lan::raw_records(&stats.join("rawstats"));
    for s in [&s1, &s2] {
        let from: Vec<_> = raw
            .iter()
            .filter(|r| r.source.to_string() == s.addr)
            .collect();
        lan::assert_replies_in_order(&from);
    }
    // ntpq lists both servers found, one of them as the system peer, as client (`u`)
    // associations at stratum 2.
    let peers = common::ntpq(&c.ns, &["peers"]);
    for s in [&s1, &s2] {
        let line = peers
            .lines()
            .find(|l| l.get(1..).is_some_and(|rest| rest.starts_with(&s.addr)))
            .unwrap_or_else(|| panic!("{} not listed: {peers}", s.addr));
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!((fields[2], fields[3]), ("2", "u"), "{line}");
    }
    assert!(
        peers.lines().any(|l| l.starts_with('*')),
        "no system peer: {peers}"
    );
    // The stratum 1 server with the wrong secret got the solicitations and answered none.
    let wrong_addr = format!("{}:123", s3.addr);
    assert!(
        !client.log.iter().any(|l| l.contains(&wrong_addr)),
        "{:?}",
        client.log
    );
    let mut wrong = wrong;
    wrong.signal("TERM");
    let stopped = wait_log(&mut wrong, "stopped:", 20)
        .unwrap_or_else(|| panic!("no stop line: {:?}", wrong.log));
    let received: u64 = stopped
        .split("stopped: ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stopped}"));
    assert!(received >= 1, "{stopped}");
    assert!(stopped.contains(", 0 replies"), "{stopped}");
}

#[test]
fn tos_maxdynamic_caps_the_manycast_servers_mobilised() {
    let dir = TempDir::new("ntpkitd");
    let mut lan = lan::lan();
    let s1 = lan.host(1);
    let s2 = lan.host(2);
    let c = lan.host(9);
    let conf = local_reference_conf(2, &format!("manycastserver {GROUP}\n"));
    let _a = daemon(&dir, &s1.ns, "s1", KEYS, &conf);
    let _b = daemon(&dir, &s2.ns, "s2", KEYS, &conf);
    let mut client = daemon(
        &dir,
        &c.ns,
        "c",
        KEYS,
        &format!("manycastclient {GROUP} key 6 ttl 1 minpoll 3 maxpoll 4\ntos maxdynamic 1\n"),
    );
    let (found, refused) = one_server_taken_under_the_cap(&mut client);
    // The refused answer came from the server not taken.
    let taken = [&s1, &s2]
        .into_iter()
        .find(|s| found.contains(&format!("{}:123", s.addr)))
        .unwrap_or_else(|| panic!("{}", found));
    let other = if taken.addr == s1.addr { &s2 } else { &s1 };
    assert!(
        refused.contains(&format!("{}:123", other.addr)),
        "{refused}"
    );
}

/// The same over IPv6: a `manycastclient` on the site-local group ff05::77:2 finds a keyed
/// server by its IPv6 address and synchronises to it.
#[test]
fn an_ipv6_manycast_client_finds_a_keyed_server_on_a_site_local_group() {
    const GROUP6: &str = "ff05::77:2";
    let dir = TempDir::new("ntpkitd");
    let mut lan = lan::lan();
    let s = lan.host(1);
    let c = lan.host(9);
    let both = ["--listen", "0.0.0.0:123", "--listen", "[::]:123"];
    let mut server = start(
        &dir,
        &s.ns,
        ("s", KEYS, "6"),
        &local_reference_conf(2, &format!("manycastserver {GROUP6}\n")),
        &both,
    );
    let answering = format!("answering manycast clients on [{GROUP6}]:123");
    assert!(
        seen(&mut server, &answering, 20).is_some(),
        "{:?}",
        server.log
    );
    let mut client = start(
        &dir,
        &c.ns,
        ("c", KEYS, "6"),
        &format!("manycastclient {GROUP6} key 6 ttl 1 minpoll 3 maxpoll 4\ntos minclock 1\n"),
        &both,
    );
    let found = wait_log(&mut client, "answered at ttl", 60)
        .unwrap_or_else(|| panic!("nothing found: {:?}", client.log));
    let from = format!("manycast: [{}]:123 answered at ttl 1", s.addr6);
    assert!(found.contains(&from), "{from}: {found}");
    let line = wait_log(&mut client, "synchronised to", 120)
        .unwrap_or_else(|| panic!("never synchronised: {:?}", client.log));
    assert!(
        line.contains(&format!("manycast server ([{}]:123)", s.addr6))
            && line.contains("stratum 3"),
        "{line}"
    );
}

/// Keys 6 and 8 as the servers of groups A and B hold them; key 7 as the client holds it.
const GROUP_KEYS: &str = "6 AES128CMAC 6d616e79636173742d6b65792d313238\n\
                          7 AES128CMAC 6b65792d736576656e2d666f722d4321\n\
                          8 AES128CMAC 6b65792d65696768742d666f722d4221\n";
/// Key 7 under another secret: group C's server.
const OTHER_KEY_7: &str = "7 AES128CMAC 6e6f742d7468652d6b65792d31323821\n";

/// A daemon trusting keys 6, 7 and 8 of `keys`.
fn keyed_daemon(dir: &TempDir, ns: &Netns, name: &str, keys: &str, conf: &str) -> Daemon {
    start(dir, ns, (name, keys, "6 7 8"), conf, &IPV4)
}

#[test]
fn every_manycastclient_line_runs_its_own_group_and_key() {
    // Groups in 224/8: NTPsec's ntpq shows a client association whose address starts with
    // "224." as `a` (manycast client), as ntpd's did for every multicast group.
    const A: &str = "224.0.1.1";
    const B: &str = "224.77.2.8";
    const C: &str = "224.77.2.9";
    let dir = TempDir::new("ntpkitd");
    let mut lan = lan::lan();
    let (sa, sb, sc, c) = (lan.host(1), lan.host(2), lan.host(3), lan.host(9));
    let server = |name: &str, ns: &Netns, keys: &str, group: &str| {
        let conf = local_reference_conf(2, &format!("manycastserver {group}\n"));
        let mut d = keyed_daemon(&dir, ns, name, keys, &conf);
        let listening = format!("answering manycast clients on {group}:123");
        assert!(
            seen(&mut d, &listening, 20).is_some(),
            "{name}: {:?}",
            d.log
        );
        d
    };
    // Each server answers on its own group only: A's under key 6, B's under key 8, and C's
    // holds another secret under key 7, the key the client's line for C uses.
    let _a = server("sa", &sa.ns, GROUP_KEYS, A);
    let _b = server("sb", &sb.ns, GROUP_KEYS, B);
    let mut other = server("sc", &sc.ns, OTHER_KEY_7, C);
    let mut client = keyed_daemon(
        &dir,
        &c.ns,
        "c",
        GROUP_KEYS,
        &format!(
            "manycastclient {A} key 6 ttl 2 minpoll 3 maxpoll 4\n\
             manycastclient {B} key 8 ttl 2 minpoll 3 maxpoll 4\n\
             manycastclient {C} key 7 ttl 2 minpoll 3 maxpoll 4\n\
             tos minclock 3 maxclock 6\n"
        ),
    );
    for (group, key) in [(A, 6), (B, 8), (C, 7)] {
        let line = format!("manycast: soliciting {group}:123 (ttl 1..2, key {key})");
        assert!(
            seen(&mut client, &line, 20).is_some(),
            "{line}: {:?}",
            client.log
        );
    }
    let mut found = Vec::new();
    while found.len() < 2 {
        let line = wait_log(&mut client, "answered at ttl", 60)
            .unwrap_or_else(|| panic!("found only {found:?}: {:?}", client.log));
        found.push(line);
    }
    // Each server was found by the line of its own group.
    for (s, group) in [(&sa, A), (&sb, B)] {
        let addr = format!(
            "manycast: {}:123 answered at ttl 1 (group {group}:123)",
            s.addr
        );
        assert!(found.iter().any(|l| l.contains(&addr)), "{addr}: {found:?}");
    }
    let line = wait_log(&mut client, "synchronised to", 120)
        .unwrap_or_else(|| panic!("never synchronised: {:?}", client.log));
    assert!(line.contains("stratum 3"), "{line}");
    assert_eq!(stratum(&c.ns), "s3");
    // NTPsec's ntpq lists both servers, found by different lines, in the one selection, as
    // client associations (`u`), and each line as ntpd shows a manycastclient association:
    // the group, refid .ACST., stratum 16, type `a`.
    let peers = common::ntpq(&c.ns, &["peers"]);
    let listed = |addr: &str| -> Vec<String> {
        let line = peers
            .lines()
            .find(|l| {
                l.get(1..)
                    .is_some_and(|rest| rest.starts_with(&format!("{addr} ")))
            })
            .unwrap_or_else(|| panic!("{addr} not listed: {peers}"));
        line.split_whitespace().map(str::to_owned).collect()
    };
    for s in [&sa, &sb] {
        let fields = listed(&s.addr);
        assert_eq!((&*fields[2], &*fields[3]), ("2", "u"), "{peers}");
    }
    for group in [A, B, C] {
        let fields = listed(group);
        // The poll column: the search step, 2^minpoll s.
        assert_eq!(
            (&*fields[1], &*fields[2], &*fields[3], &*fields[5]),
            (".ACST.", "16", "a", "8"),
            "{peers}"
        );
    }
    // Group C's server got the solicitations under key 7, could not verify them, answered
    // none, and nothing was found there.
    let c_addr = format!("{}:123", sc.addr);
    assert!(
        !client.log.iter().any(|l| l.contains(&c_addr)),
        "{:?}",
        client.log
    );
    other.signal("TERM");
    let stopped = wait_log(&mut other, "stopped:", 20)
        .unwrap_or_else(|| panic!("no stop line: {:?}", other.log));
    let received: u64 = stopped
        .split("stopped: ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stopped}"));
    assert!(
        received >= 1 && stopped.contains(", 0 replies"),
        "{stopped}"
    );
}

#[test]
fn tos_maxdynamic_caps_the_servers_of_all_manycastclient_lines_together() {
    const A: &str = "239.77.2.5";
    const B: &str = "239.77.2.6";
    let dir = TempDir::new("ntpkitd");
    let mut lan = lan::lan();
    let (sa, sb, c) = (lan.host(1), lan.host(2), lan.host(9));
    let _a = keyed_daemon(
        &dir,
        &sa.ns,
        "sa",
        GROUP_KEYS,
        &local_reference_conf(2, &format!("manycastserver {A}\n")),
    );
    let _b = keyed_daemon(
        &dir,
        &sb.ns,
        "sb",
        GROUP_KEYS,
        &local_reference_conf(2, &format!("manycastserver {B}\n")),
    );
    // Two lines under two keys: a cap per line (or per key) would let both servers in.
    let mut client = keyed_daemon(
        &dir,
        &c.ns,
        "c",
        GROUP_KEYS,
        &format!(
            "manycastclient {A} key 6 ttl 1 minpoll 3 maxpoll 4\n\
             manycastclient {B} key 8 ttl 1 minpoll 3 maxpoll 4\ntos maxdynamic 1\n"
        ),
    );
    let (found, refused) = one_server_taken_under_the_cap(&mut client);
    let (taken, other) = if found.contains(&format!("{}:123", sa.addr)) {
        (&sa, &sb)
    } else {
        (&sb, &sa)
    };
    assert!(found.contains(&format!("{}:123", taken.addr)), "{}", found);
    assert!(
        refused.contains(&format!("{}:123", other.addr)),
        "{refused}"
    );
}
