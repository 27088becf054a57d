//! Broadcast and multicast mode between ntpkitd instances, each in a network namespace of
//! its own on one bridged LAN (no clock is adjusted): a broadcast server with a local
//! reference (stratum 3) signing with key 5 feeds a `multicastclient` and a `broadcastclient`
//! ntpkitd, which calibrate the delay with a volley and synchronise to it (stratum 4, as
//! ntpdig then reports); a client holding another secret under key 5 refuses every broadcast
//! and never synchronises, as do two clients whose `restrict` ignores the server; an unsigned
//! broadcast is refused unless `disable auth`; the same over IPv6 (ff05::77); chronyd's
//! (unsigned) broadcasts are followed by a `disable auth` client; a `broadcastclient` bound
//! to its unicast address only listens on its interface's broadcast address itself.

mod common;
mod lan;

use std::time::Duration;

use common::{Daemon, Netns, TempDir, local_reference_conf, require, wait_log};
use lan::{seen, stratum};

const GROUP: &str = "239.77.1.1";
const KEYS: &str = "5 SHA1 4c616e2d62726f6164636173742d6b6579\n";
const WRONG_KEYS: &str = "5 SHA1 4e6f742d7468652d7269676874206b6579\n";

/// Long enough for the volley (four replies 2 s apart) and the four or so broadcasts, 8 s
/// apart, the clock filter needs before selection takes a source (root distance under
/// 1.5 s), on a loaded machine.
const SYNC_SECS: u64 = 150;

fn daemon(dir: &TempDir, ns: &Netns, name: &str, keys: Option<&str>, conf: &str) -> Daemon {
    daemon_on(dir, ns, name, keys, conf, "0.0.0.0:123")
}

/// [`daemon`], listening on `listen` only.
fn daemon_on(
    dir: &TempDir,
    ns: &Netns,
    name: &str,
    keys: Option<&str>,
    conf: &str,
    listen: &str,
) -> Daemon {
    let mut text = String::new();
    if let Some(keys) = keys {
        let file = dir.write(&format!("{name}.keys"), keys);
        text.push_str(&format!("keys {}\ntrustedkey 5\n", file.display()));
    }
    text.push_str(conf);
    let conf = dir.write(&format!("{name}.conf"), &text);
    Daemon::start(&conf, &["--listen", listen], Some(ns))
}

#[test]
fn a_keyed_broadcast_server_feeds_multicast_and_broadcast_clients_and_a_wrong_key_none() {
    let dir = TempDir::new("ntpkitd");
    let mut lan = lan::lan();
    let s = lan.host(1);
    let m = lan.host(2);
    let b = lan.host(3);
    let w = lan.host(4);
    let rm = lan.host(5);
    let rb = lan.host(6);
    let mut server = daemon(
        &dir,
        &s.ns,
        "s",
        Some(KEYS),
        &local_reference_conf(
            3,
            &format!(
                "broadcast {GROUP} key 5 minpoll 3 ttl 1\nbroadcast {} key 5 minpoll 3\n\
                 broadcast 224.0.1.1 key 5 minpoll 4 ttl 1\n",
                lan.broadcast_address()
            ),
        ),
    );
    let sending = format!("broadcasting to {GROUP}:123 every 8 s signed with key 5");
    assert!(
        seen(&mut server, &sending, 20).is_some(),
        "{:?}",
        server.log
    );
    let stats = dir.path().join("stats");
    std::fs::create_dir_all(&stats).unwrap();
    let mut mc = daemon(
        &dir,
        &m.ns,
        "m",
        Some(KEYS),
        &format!(
            "multicastclient {GROUP}\nstatsdir {}/\nstatistics peerstats rawstats\n\
             filegen peerstats type none\nfilegen rawstats type none\n",
            stats.display()
        ),
    );
    let stats_b = dir.path().join("stats_b");
    std::fs::create_dir_all(&stats_b).unwrap();
    let mut bc = daemon(
        &dir,
        &b.ns,
        "b",
        Some(KEYS),
        &format!(
            "broadcastclient\nstatsdir {}/\nstatistics rawstats\nfilegen rawstats type none\n",
            stats_b.display()
        ),
    );
    let mut wrong = daemon(
        &dir,
        &w.ns,
        "w",
        Some(WRONG_KEYS),
        &format!("multicastclient {GROUP}\n"),
    );
    // Keyed right, but `restrict ... ignore` names the server: on the group socket (read by
    // the upstream thread) and at the workers (broadcastclient) alike.
    let restricted = format!("restrict {} ignore\n", s.addr);
    let mut rmc = daemon(
        &dir,
        &rm.ns,
        "rm",
        Some(KEYS),
        &format!("multicastclient {GROUP}\n{restricted}"),
    );
    let mut rbc = daemon(
        &dir,
        &rb.ns,
        "rb",
        Some(KEYS),
        &format!("broadcastclient\n{restricted}"),
    );
    let server_addr = format!("{}:123", s.addr);
    for (name, client) in [("multicastclient", &mut mc), ("broadcastclient", &mut bc)] {
        let line = wait_log(client, "one-way delay", 60)
            .unwrap_or_else(|| panic!("{name}: never calibrated: {:?}", client.log));
        assert!(
            line.contains(&server_addr) && line.contains("measured by the volley"),
            "{name}: {line}"
        );
        let line = wait_log(client, "synchronised to", SYNC_SECS)
            .unwrap_or_else(|| panic!("{name}: never synchronised: {:?}", client.log));
        assert!(
            line.contains(&server_addr) && line.contains("stratum 4"),
            "{name}: {line}"
        );
        assert!(
            client
                .log
                .iter()
                .any(|l| l.contains(&format!("following broadcast server {server_addr} (key 5)"))),
            "{name}: {:?}",
            client.log
        );
    }
    // An independent client sees the synchronised clients one stratum below the server.
    assert_eq!(stratum(&m.ns), "s4");
    // peerstats: the server followed, an ephemeral (not configured) association, reachable,
    // its offset (one host's clock in two namespaces, delay from the volley) under 1 ms.
    let peerstats = std::fs::read_to_string(stats.join("peerstats")).unwrap_or_default();
    let records: Vec<ntpkit_stats::PeerStats> = peerstats
        .lines()
        .map(|l| ntpkit_stats::PeerStats::parse(l).unwrap())
        .collect();
    assert!(!records.is_empty(), "no peerstats");
    for r in &records {
        assert_eq!(r.address.to_string(), s.addr, "{peerstats}");
        assert!(
            r.status.reachable() && !r.status.configured(),
            "{peerstats}"
        );
        assert!(r.offset.to_f64().abs() < 1e-3, "{peerstats}");
    }
    assert_eq!(stratum(&b.ns), "s4");
    // rawstats (ntpd writes a line for every valid packet of an association, broadcast
    // included): the server's broadcasts, to the group for the multicast client and to the
    // LAN's broadcast address for the broadcast client, and the volley's replies.
    let lan_broadcast = lan.broadcast_address();
    for (dir, to) in [(&stats, GROUP), (&stats_b, lan_broadcast.as_str())] {
        let raw = lan::raw_records(&dir.join("rawstats"));
        let from_server: Vec<_> = raw
            .iter()
            .filter(|r| r.source.to_string() == s.addr)
            .collect();
        assert_eq!(from_server.len(), raw.len(), "{raw:?}");
        let mode = |r: &ntpkit_stats::RawStats| r.header.as_ref().map(|h| h.mode);
        let broadcasts: Vec<_> = from_server.iter().filter(|r| mode(r) == Some(5)).collect();
        assert!(!broadcasts.is_empty(), "no broadcast in rawstats: {raw:?}");
        for r in &broadcasts {
            assert_eq!(r.destination.to_string(), to, "{r:?}");
            // Sent from the same kernel clock (another namespace) just before arrival.
            let flight = (r.destination_time - r.transmit).to_seconds_f64();
            assert!((-1e-3..0.1).contains(&flight), "{r:?}");
            assert_eq!(r.header.as_ref().map(|h| h.stratum), Some(3), "{r:?}");
        }
        lan::assert_replies_in_order(&from_server);
    }
    // The server's ntpq lists each broadcast line as ntpd shows its broadcast associations:
    // the address, refid .MCST. for a group and .BCST. otherwise, stratum 16, type `M` or
    // `B`. NTPsec's ntpq says `M` only for addresses starting "224.", so 239.77.1.1 is `B`.
    let peers = common::ntpq(&s.ns, &["peers"]);
    for (to, refid, kind, poll) in [
        (GROUP, ".MCST.", "B", "8"),
        ("224.0.1.1", ".MCST.", "M", "16"),
        (lan_broadcast.as_str(), ".BCST.", "B", "8"),
    ] {
        let line = peers
            .lines()
            .find(|l| {
                l.get(1..)
                    .is_some_and(|rest| rest.starts_with(&format!("{to} ")))
            })
            .unwrap_or_else(|| panic!("{to} not listed: {peers}"));
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            (fields[1], fields[2], fields[3], fields[5]),
            (refid, "16", kind, poll),
            "{peers}"
        );
    }
    // NTPsec's ntpq lists the server as the system peer, of type `b` (our host mode 6,
    // ntpd's broadcast client), at stratum 3.
    for ns in [&m.ns, &b.ns] {
        let peers = common::ntpq(ns, &["peers"]);
        let line = peers
            .lines()
            .find(|l| l.starts_with(&format!("*{}", s.addr)))
            .unwrap_or_else(|| panic!("no system peer {}: {peers}", s.addr));
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!((fields[2], fields[3]), ("3", "b"), "{line}");
    }
    // The client with the wrong secret refused what the others took, and follows nobody.
    let refused =
        seen(&mut wrong, "refused", 20).unwrap_or_else(|| panic!("no refusal: {:?}", wrong.log));
    // The access policy sees the failed MAC first (the same check the workers make).
    assert!(
        refused.contains(&server_addr) && refused.contains("AuthFailed"),
        "{refused}"
    );
    assert!(
        wait_log(&mut wrong, "synchronised to", 5).is_none(),
        "{:?}",
        wrong.log
    );
    assert!(
        !wrong.log.iter().any(|l| l.contains("following")),
        "{:?}",
        wrong.log
    );
    assert_eq!(stratum(&w.ns), "unsynchronised");
    for (name, client) in [("multicastclient", &mut rmc), ("broadcastclient", &mut rbc)] {
        let refused = seen(client, "refused by the access policy: Drop(Ignored)", 20)
            .unwrap_or_else(|| panic!("restricted {name}: no refusal: {:?}", client.log));
        assert!(refused.contains(&server_addr), "{refused}");
        assert!(
            !client
                .log
                .iter()
                .any(|l| l.contains("following") || l.contains("synchronised to")),
            "restricted {name}: {:?}",
            client.log
        );
    }
}

#[test]
fn an_unsigned_broadcast_is_refused_unless_auth_is_disabled() {
    let dir = TempDir::new("ntpkitd");
    let mut lan = lan::lan();
    let s = lan.host(1);
    let r = lan.host(2);
    let d = lan.host(3);
    let mut server = daemon(
        &dir,
        &s.ns,
        "s",
        None,
        &local_reference_conf(3, &format!("broadcast {GROUP} minpoll 3 ttl 1\n")),
    );
    assert!(
        seen(&mut server, "broadcasting to", 20).is_some(),
        "{:?}",
        server.log
    );
    assert!(
        server.log.iter().any(|l| l.contains("has no key")),
        "the unkeyed broadcast line is not warned about: {:?}",
        server.log
    );
    let mut strict = daemon(
        &dir,
        &r.ns,
        "r",
        Some(KEYS),
        &format!("multicastclient {GROUP}\n"),
    );
    let mut lax = daemon(
        &dir,
        &d.ns,
        "d",
        None,
        &format!("multicastclient {GROUP}\ndisable auth\n"),
    );
    assert!(
        seen(&mut lax, "unsigned broadcasts are accepted", 5).is_some(),
        "no warning for disable auth: {:?}",
        lax.log
    );
    let server_addr = format!("{}:123", s.addr);
    let line = wait_log(&mut lax, "synchronised to", SYNC_SECS)
        .unwrap_or_else(|| panic!("disable auth: never synchronised: {:?}", lax.log));
    assert!(
        line.contains(&server_addr) && line.contains("stratum 4"),
        "{line}"
    );
    let refused =
        seen(&mut strict, "refused", 20).unwrap_or_else(|| panic!("no refusal: {:?}", strict.log));
    assert!(refused.contains("not signed"), "{refused}");
    assert!(
        !strict.log.iter().any(|l| l.contains("synchronised to")),
        "{:?}",
        strict.log
    );
    assert_eq!(stratum(&r.ns), "unsynchronised");
}

#[test]
fn an_ipv6_multicast_server_feeds_an_ipv6_multicastclient() {
    const GROUP6: &str = "ff05::77";
    let dir = TempDir::new("ntpkitd");
    let mut lan = lan::lan();
    let s = lan.host(1);
    let m = lan.host(2);
    let both = ["--listen", "0.0.0.0:123", "--listen", "[::]:123"];
    let start = |name: &str, ns: &Netns, conf: &str| {
        let keys = dir.write(&format!("{name}.keys"), KEYS);
        let conf = dir.write(
            &format!("{name}.conf"),
            &format!("keys {}\ntrustedkey 5\n{conf}", keys.display()),
        );
        Daemon::start(&conf, &both, Some(ns))
    };
    let mut server = start(
        "s",
        &s.ns,
        &local_reference_conf(3, &format!("broadcast {GROUP6} key 5 minpoll 3 ttl 1\n")),
    );
    let sending = format!("broadcasting to [{GROUP6}]:123 every 8 s signed with key 5");
    assert!(
        seen(&mut server, &sending, 20).is_some(),
        "{:?}",
        server.log
    );
    let mut client = start("m", &m.ns, &format!("multicastclient {GROUP6}\n"));
    let server_addr = format!("[{}]:123", s.addr6);
    let line = wait_log(&mut client, "one-way delay", 60)
        .unwrap_or_else(|| panic!("never calibrated: {:?}", client.log));
    assert!(
        line.contains(&server_addr) && line.contains("measured by the volley"),
        "{line}"
    );
    let line = wait_log(&mut client, "synchronised to", SYNC_SECS)
        .unwrap_or_else(|| panic!("never synchronised: {:?}", client.log));
    assert!(
        line.contains(&server_addr) && line.contains("stratum 4"),
        "{line}"
    );
}

#[test]
fn tos_maxdynamic_caps_the_broadcast_servers_followed() {
    let dir = TempDir::new("ntpkitd");
    let mut lan = lan::lan();
    let s1 = lan.host(1);
    let s2 = lan.host(2);
    let c = lan.host(3);
    let conf = local_reference_conf(3, &format!("broadcast {GROUP} key 5 minpoll 3 ttl 1\n"));
    let _a = daemon(&dir, &s1.ns, "s1", Some(KEYS), &conf);
    let _b = daemon(&dir, &s2.ns, "s2", Some(KEYS), &conf);
    let mut client = daemon(
        &dir,
        &c.ns,
        "c",
        Some(KEYS),
        &format!("multicastclient {GROUP}\ntos maxdynamic 1\n"),
    );
    // Both servers broadcast every 8 s: within 20 s each was heard at least once.
    let refused = seen(&mut client, "dynamic-session cap reached", 30)
        .unwrap_or_else(|| panic!("no cap refusal: {:?}", client.log));
    let following = seen(&mut client, "following broadcast server", 5)
        .unwrap_or_else(|| panic!("follows nobody: {:?}", client.log));
    let followed = [&s1, &s2]
        .into_iter()
        .find(|s| following.contains(&format!("{}:123", s.addr)))
        .unwrap_or_else(|| panic!("{following}"));
    let other = if followed.addr == s1.addr { &s2 } else { &s1 };
    assert!(
        refused.contains(&format!("{}:123", other.addr)),
        "{refused}"
    );
    assert!(wait_log(&mut client, "synchronised to", SYNC_SECS).is_some());
    assert_eq!(
        client
            .log
            .iter()
            .filter(|l| l.contains("following broadcast server"))
            .count(),
        1,
        "{:?}",
        client.log
    );
}

/// A server bound to its unicast address never receives broadcasts; `broadcastclient` then
/// listens on that interface's broadcast address itself, as ntpd does.
#[test]
fn a_broadcastclient_listening_on_its_own_address_only_hears_the_subnet_broadcast() {
    let dir = TempDir::new("ntpkitd");
    let mut lan = lan::lan();
    let s = lan.host(1);
    let c = lan.host(2);
    let bcast = lan.broadcast_address();
    let mut server = daemon(
        &dir,
        &s.ns,
        "s",
        Some(KEYS),
        &local_reference_conf(3, &format!("broadcast {bcast} key 5 minpoll 3\n")),
    );
    assert!(
        seen(&mut server, "broadcasting to", 20).is_some(),
        "{:?}",
        server.log
    );
    let mut client = daemon_on(
        &dir,
        &c.ns,
        "c",
        Some(KEYS),
        "broadcastclient\n",
        &format!("{}:123", c.addr),
    );
    let listening = format!("listening for broadcast servers on {bcast}:123");
    assert!(
        seen(&mut client, &listening, 10).is_some(),
        "{:?}",
        client.log
    );
    let line = wait_log(&mut client, "synchronised to", SYNC_SECS)
        .unwrap_or_else(|| panic!("never synchronised: {:?}", client.log));
    assert!(
        line.contains(&format!("{}:123", s.addr)) && line.contains("stratum 4"),
        "{line}"
    );
    assert!(
        !client
            .log
            .iter()
            .any(|l| l.contains("will not be received")),
        "{:?}",
        client.log
    );
}

#[test]
fn broadcastclient_without_a_wildcard_listen_address_is_warned_about() {
    let dir = TempDir::new("ntpkitd");
    let ns = Netns::new("ntpkitd");
    let keys = dir.write("k.keys", KEYS);
    let conf = dir.write(
        "k.conf",
        &format!("keys {}\ntrustedkey 5\nbroadcastclient\n", keys.display()),
    );
    let mut d = Daemon::start(&conf, &["--listen", "127.0.0.1:123"], Some(&ns));
    assert!(
        seen(&mut d, "broadcasts will not be received", 5).is_some(),
        "{:?}",
        d.log
    );
}

/// chronyd 4.x (an independent implementation; its `broadcast` directive has no key) as a
/// stratum 1 broadcast server in `ns`, every 2 s to `to`, killed on drop.
fn chronyd_broadcaster(dir: &TempDir, ns: &Netns, to: &str) -> common::Peer {
    require("chronyd");
    let conf = dir.write(
        "chrony.conf",
        &format!(
            "local stratum 1\nallow all\nport 123\ncmdport 0\npidfile {d}/chronyd.pid\n\
             driftfile {d}/chrony.drift\nbroadcast 2 {to}\n",
            d = dir.path().display()
        ),
    );
    let mut c = ns.command("setpriv");
    c.args(["--bounding-set=-sys_time", "--inh-caps=-sys_time", "--"])
        .args(["chronyd", "-x", "-d", "-f"])
        .arg(conf)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    common::Peer(c.spawn().unwrap())
}

#[test]
fn a_broadcastclient_with_auth_disabled_follows_chronyd_broadcasts() {
    let dir = TempDir::new("ntpkitd");
    let mut lan = lan::lan();
    let s = lan.host(1);
    let c = lan.host(2);
    let _chronyd = chronyd_broadcaster(&dir, &s.ns, &lan.broadcast_address());
    let mut client = daemon(&dir, &c.ns, "c", None, "broadcastclient\ndisable auth\n");
    let server_addr = format!("{}:123", s.addr);
    let line = seen(&mut client, "following broadcast server", 30)
        .unwrap_or_else(|| panic!("chronyd's broadcasts not followed: {:?}", client.log));
    assert!(
        line.contains(&format!("{server_addr} (unsigned)")),
        "{line}"
    );
    let line = wait_log(&mut client, "one-way delay", 60)
        .unwrap_or_else(|| panic!("never calibrated: {:?}", client.log));
    assert!(line.contains("measured by the volley"), "{line}");
    let line = wait_log(&mut client, "synchronised to", SYNC_SECS)
        .unwrap_or_else(|| panic!("never synchronised: {:?}", client.log));
    assert!(
        line.contains(&server_addr) && line.contains("stratum 2"),
        "{line}"
    );
    assert_eq!(stratum(&c.ns), "s2");
}

/// A server on two LANs multicasts on both, as ntpd sends multicast out of every multicast
/// interface: a `multicastclient` on the second LAN, which the server's multicast route (to
/// its first LAN) never reaches, follows it too, by its address there.
#[test]
fn a_multi_homed_server_multicasts_out_of_every_interface() {
    let dir = TempDir::new("ntpkitd");
    let mut first = lan::lan();
    let mut second = lan::lan();
    let s = first.host(1);
    let a = first.host(2);
    let b = second.host(2);
    let s_on_second = second.attach(&s, 1, "eth1");
    let mut server = daemon(
        &dir,
        &s.ns,
        "s",
        Some(KEYS),
        &local_reference_conf(3, &format!("broadcast {GROUP} key 5 minpoll 3 ttl 1\n")),
    );
    assert!(
        seen(&mut server, "via eth0, eth1", 10).is_some(),
        "{:?}",
        server.log
    );
    let client_conf = format!("multicastclient {GROUP}\n");
    let mut on_first = daemon(&dir, &a.ns, "a", Some(KEYS), &client_conf);
    let mut on_second = daemon(&dir, &b.ns, "b", Some(KEYS), &client_conf);
    for (client, addr) in [(&mut on_first, &s.addr), (&mut on_second, &s_on_second)] {
        let following = format!("following broadcast server {addr}:123");
        assert!(
            seen(client, &following, 30).is_some(),
            "{following}: {:?}",
            client.log
        );
    }
}

/// SECURITY-LESSONS rule 13 at the daemon: forty sources broadcasting under eight trusted
/// keys (one `BroadcastClient` per key) get `tos maxdynamic 3` followers in all, each with
/// its calibration socket, and nothing more: no more followers, sockets or log lines
/// whatever more the flood sends (CVE-2016-1549: ephemeral associations capped in total).
#[test]
fn a_flood_of_signed_broadcasts_from_forty_sources_under_eight_keys_stays_capped() {
    let dir = TempDir::new("ntpkitd");
    let mut lan = lan::lan();
    let f = lan.host(1);
    let c = lan.host(2);
    let sources = lan::forty_sources(&lan, &f);
    let key_file = dir.write("c.keys", &lan::flood_keys(8));
    let conf = format!(
        "keys {}\ntrustedkey 1-8\nmulticastclient {GROUP}\ntos maxdynamic 3\n",
        key_file.display()
    );
    let mut client = daemon(&dir, &c.ns, "c", None, &conf);
    let fds_before = lan::open_fds(&client);
    // Three rounds, 2 s apart, of one broadcast per source, source i signing with key
    // i % 8 + 1: mode 5, stratum 2, synchronised, transmit time now.
    let flood = lan::spawn_python(
        &f.ns,
        &format!(
            "socks=[]\n\
             for a in {sources:?}:\n\
             \x20   s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n\
             \x20   s.setsockopt(socket.IPPROTO_IP,socket.IP_MULTICAST_TTL,1)\n\
             \x20   s.bind((a,123)); socks.append(s)\n\
             for r in range(3):\n\
             \x20   for i,s in enumerate(socks):\n\
             \x20       tx=ntp_now()\n\
             \x20       hdr=bytes([0x25,2,6,0xec])+bytes(8)+b'GPS\\0'+tx+bytes(16)+tx\n\
             \x20       s.sendto(signed(hdr,i%8+1),('{GROUP}',123))\n\
             \x20   time.sleep(2)\n"
        ),
    );
    lan::python_done(flood);
    assert!(
        seen(&mut client, "dynamic-session cap reached", 10).is_some(),
        "{:?}",
        client.log
    );
    // Let the daemon read what is left of the flood.
    while client.next_line(Duration::from_secs(2)).is_some() {}
    let followed: Vec<&String> = client
        .log
        .iter()
        .filter(|l| l.contains("following broadcast server"))
        .collect();
    assert_eq!(followed.len(), 3, "{followed:?}");
    // One calibration socket per follower, nothing per refused source.
    let fds_after = lan::open_fds(&client);
    assert!(
        fds_after <= fds_before + 3,
        "{fds_before} fds before the flood, {fds_after} after"
    );
    // Refusals (117 at least) are logged a bounded number of times.
    let refusals = client.log.iter().filter(|l| l.contains("refused")).count();
    assert!(refusals <= 12, "{refusals} refusal lines: {:?}", client.log);
    // And the daemon still serves.
    assert!(client.child.try_wait().unwrap().is_none(), "ntpkitd died");
    let _ = stratum(&c.ns);
}
