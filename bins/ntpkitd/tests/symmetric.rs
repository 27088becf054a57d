//! Two ntpkitd instances as authenticated symmetric peers (`peer ... key 1` on both sides):
//! A follows chronyd (stratum 1), B has only its peer A and must serve at stratum 3 with A's
//! address as reference id. A third instance peering with B without a key mobilises
//! nothing on B and never synchronises. All in one network namespace, no clock adjusted.

mod common;

use common::{Daemon, Netns, TempDir, chronyd_server, wait_log};

const KEYS: &str = "1 MD5 md5-peer-secret\n";

fn start(dir: &TempDir, ns: &Netns, name: &str, port: u16, conf: &str) -> Daemon {
    let keys = dir.write(&format!("{name}.keys"), KEYS);
    let conf = dir.write(
        &format!("{name}.conf"),
        &format!("keys {}\ntrustedkey 1\n{conf}", keys.display()),
    );
    Daemon::start(&conf, &["--listen", &format!("127.0.0.1:{port}")], Some(ns))
}

#[test]
fn two_authenticated_peers_synchronise_and_an_unkeyed_one_mobilises_nothing() {
    let dir = TempDir::new("ntpkitd");
    let ns = Netns::new("ntpkitd");
    let _chronyd = chronyd_server(&ns, &dir, 11123);
    let mut a = start(
        &dir,
        &ns,
        "a",
        12301,
        "server 127.0.0.1 port 11123 iburst minpoll 3 maxpoll 4\n\
         peer 127.0.0.1 port 12302 key 1 minpoll 3 maxpoll 4\n",
    );
    let mut b = start(
        &dir,
        &ns,
        "b",
        12302,
        "peer 127.0.0.1 port 12301 key 1 minpoll 3 maxpoll 4\n",
    );
    let mut c = start(
        &dir,
        &ns,
        "c",
        12303,
        "peer 127.0.0.1 port 12302 minpoll 3 maxpoll 4\n",
    );
    let line = wait_log(&mut a, "synchronised to", 30)
        .unwrap_or_else(|| panic!("A never synchronised to chronyd: {:?}", a.log));
    assert!(
        line.contains("11123") && line.contains("stratum 2"),
        "{line}"
    );
    let line = wait_log(&mut b, "synchronised to", 180)
        .unwrap_or_else(|| panic!("B never synchronised to its peer A: {:?}", b.log));
    assert!(
        line.contains("127.0.0.1:12301") && line.contains("stratum 3"),
        "{line}"
    );
    // C's unauthenticated symmetric active packets reached B's server port and were refused
    // (logged for the first ten, possibly all before B synchronised).
    let refused = b
        .log
        .iter()
        .find(|l| l.contains("mobilises nothing"))
        .cloned()
        .or_else(|| wait_log(&mut b, "mobilises nothing", 30))
        .unwrap_or_else(|| panic!("B did not report C's packet: {:?}", b.log));
    assert!(
        refused.contains("127.0.0.1:12303") && refused.contains("Unauthenticated"),
        "{refused}"
    );
    assert!(
        wait_log(&mut c, "synchronised to", 5).is_none(),
        "C synchronised through an unauthenticated peer: {:?}",
        c.log
    );
}
