//! Manycast between ntpkitd instances, each in a network namespace of its own on one bridged
//! LAN (no clock is adjusted): two `manycastserver` ntpkitd (stratum 2 local references,
//! AES-128-CMAC key 6) are found by a `manycastclient ... key 6` ntpkitd, which synchronises
//! at stratum 3 (ntpdig reports s3); a third server holding another secret under key 6 (and
//! a better stratum, so it would win if taken) receives the solicitations, answers none
//! (the MAC fails) and is never used; the same over IPv6 on a site-local group.

mod common;
mod lan;

use std::time::Duration;

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

/// A host on two LANs solicits on both, as ntpd sends multicast out of every multicast
/// interface: the server on the second LAN, which the host's multicast route (to its first
/// LAN) never reaches, is found too.
#[test]
fn a_multi_homed_client_solicits_out_of_every_interface() {
    let dir = TempDir::new("ntpkitd");
    let mut first = lan::lan();
    let mut second = lan::lan();
    let s1 = first.host(1);
    let c = first.host(9);
    let s2 = second.host(2);
    let c_on_second = second.attach(&c, 9, "eth1");
    let conf = local_reference_conf(2, &format!("manycastserver {GROUP}\n"));
    let _s1 = daemon(&dir, &s1.ns, "s1", KEYS, &conf);
    let _s2 = daemon(&dir, &s2.ns, "s2", KEYS, &conf);
    let mut client = daemon(
        &dir,
        &c.ns,
        "c",
        KEYS,
        &format!("manycastclient {GROUP} key 6 ttl 1 minpoll 3 maxpoll 4\n"),
    );
    for (server, via) in [(&s1.addr, &c.addr), (&s2.addr, &c_on_second)] {
        let found = format!("manycast: {server}:123 answered at ttl 1");
        assert!(
            seen(&mut client, &found, 30).is_some(),
            "{found} (solicited from {via}): {:?}",
            client.log
        );
    }
}

/// SECURITY-LESSONS rule 13 at the daemon: an insider holding the key answers every
/// solicitation from forty addresses; `tos maxdynamic 3` lets three be mobilised, each with
/// its own socket, and nothing more: no more associations, sockets or log lines whatever
/// more it sends (CVE-2016-1549).
#[test]
fn forty_keyed_answers_to_each_solicitation_mobilise_no_more_than_the_cap() {
    let dir = TempDir::new("ntpkitd");
    let mut lan = lan::lan();
    let f = lan.host(1);
    let c = lan.host(9);
    let sources = lan::forty_sources(&lan, &f);
    // From before the client starts, for 24 s: the first solicitation is let pass (so the
    // daemon's descriptors can be counted before any answer), and every later one (ttl 1
    // again after `maxpoll 4`, 16 s) is answered from each of the forty addresses: a signed
    // mode 4 reply, stratum 2, whose origin is the solicitation's transmit time.
    let mut flood = lan::spawn_python(
        &f.ns,
        &format!(
            "g=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n\
             g.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n\
             g.bind(('{GROUP}',123))\n\
             g.setsockopt(socket.IPPROTO_IP,socket.IP_ADD_MEMBERSHIP,\
             socket.inet_aton('{GROUP}')+socket.inet_aton('{}'))\n\
             socks=[]\n\
             for a in {sources:?}:\n\
             \x20   s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n\
             \x20   s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n\
             \x20   s.bind((a,123)); socks.append(s)\n\
             print('ready',flush=True)\n\
             end=time.time()+24; heard=0; answered=0\n\
             while time.time()<end:\n\
             \x20   g.settimeout(max(0.1,end-time.time()))\n\
             \x20   try: req,src=g.recvfrom(1024)\n\
             \x20   except socket.timeout: break\n\
             \x20   if len(req)<48 or req[0]&7!=3: continue\n\
             \x20   heard+=1\n\
             \x20   if heard==1: continue\n\
             \x20   for s in socks:\n\
             \x20       t=ntp_now()\n\
             \x20       hdr=bytes([0x24,2,3,0xec])+bytes(8)+b'GPS\\0'+t+req[40:48]+t+t\n\
             \x20       s.sendto(signed(hdr,1),src)\n\
             \x20   answered+=1\n\
             assert answered>=1, 'no solicitation heard'\n",
            f.addr
        ),
    );
    // The script has joined the group when it says so; only then may the client solicit.
    let mut ready = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(flood.stdout.as_mut().unwrap()),
        &mut ready,
    )
    .unwrap();
    assert_eq!(ready.trim(), "ready");
    let mut client = start(
        &dir,
        &c.ns,
        ("c", &lan::flood_keys(1), "1"),
        &format!("manycastclient {GROUP} key 1 ttl 1 minpoll 3 maxpoll 4\ntos maxdynamic 3\n"),
        &IPV4,
    );
    let fds_before = lan::open_fds(&client);
    lan::python_done(flood);
    // Let the daemon read what is left of the flood.
    while client.next_line(Duration::from_secs(2)).is_some() {}
    let count = |needle: &str| client.log.iter().filter(|l| l.contains(needle)).count();
    assert_eq!(count("answered at ttl"), 3, "{:?}", client.log);
    assert!(count("SessionCap") >= 1, "{:?}", client.log);
    // Refusals (37 a solicitation at least) are logged a bounded number of times.
    assert!(count("refused") <= 12, "{:?}", client.log);
    // One socket per server mobilised, nothing per refused answer.
    let fds_after = lan::open_fds(&client);
    assert!(
        fds_after <= fds_before + 3,
        "{fds_before} fds before the flood, {fds_after} after"
    );
    assert!(client.child.try_wait().unwrap().is_none(), "ntpkitd died");
    let _ = stratum(&c.ns);
}
