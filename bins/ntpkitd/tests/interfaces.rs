//! Which addresses ntpkitd serves: `interface` rules by name and address, and wildcard
//! sockets that answer from the address asked. In a network namespace with two veth ends
//! as a host's two interfaces; NTPsec's `ntpdig` (port 123 only) and chrony's one-shot
//! client are the independent clients.

mod common;

use std::process::{Command, Output};

use common::{
    Daemon, Netns, TempDir, local_reference_conf, require, run_ok, wait_log, without_sys_time,
};

/// A namespace whose "host" has interface `nic0` with 10.77.0.1 and 10.77.0.2 and
/// interface `nic1` with 10.77.1.1 (the two ends of a veth pair, both kept here).
fn two_interfaces() -> Netns {
    let ns = Netns::new("ntpkitd");
    let ip = |args: &[&str]| run_ok(Command::new("ip").arg("-n").arg(ns.name()).args(args));
    ip(&[
        "link", "add", "nic0", "type", "veth", "peer", "name", "nic1",
    ]);
    ip(&["addr", "add", "10.77.0.1/24", "dev", "nic0"]);
    ip(&["addr", "add", "10.77.0.2/24", "dev", "nic0"]);
    ip(&["addr", "add", "10.77.1.1/24", "dev", "nic1"]);
    ip(&["link", "set", "nic0", "up"]);
    ip(&["link", "set", "nic1", "up"]);
    ns
}

fn ntpdig(ns: &Netns, server: &str) -> Output {
    require("ntpdig");
    let mut c = ns.command("ntpdig");
    c.args(["-t", "2", server]);
    without_sys_time(c).output().unwrap()
}

fn answered(out: &Output, server: &str) -> bool {
    let text = String::from_utf8_lossy(&out.stdout);
    out.status.success() && text.contains(&format!("{server} s5"))
}

#[test]
fn interface_rules_serve_the_named_interface_only() {
    let ns = two_interfaces();
    let dir = TempDir::new("ntpkitd");
    // ntpd's idiom: ignore everything, then name what to serve.
    let rules = "interface ignore all\ninterface listen nic0\n";
    let conf = dir.write("ntp.conf", &local_reference_conf(5, rules));
    let mut daemon = Daemon::start(&conf, &[], Some(&ns));
    for addr in ["10.77.0.1:123", "10.77.0.2:123"] {
        let needle = format!("listening on {addr}");
        let seen = daemon.log.iter().any(|l| l.contains(&needle))
            || wait_log(&mut daemon, &needle, 20).is_some();
        assert!(seen, "{needle}: {:?}", daemon.log);
    }
    for server in ["10.77.0.1", "10.77.0.2"] {
        let out = ntpdig(&ns, server);
        assert!(answered(&out, server), "{server}: {out:?}");
    }
    // nic1's address and the loopback are not served.
    for server in ["10.77.1.1", "127.0.0.1"] {
        let out = ntpdig(&ns, server);
        assert!(!answered(&out, server), "{server} answered: {out:?}");
    }
    assert!(daemon.stop().success());
}

#[test]
fn a_wildcard_socket_answers_each_address_from_that_address() {
    require("chronyd");
    let ns = two_interfaces();
    let dir = TempDir::new("ntpkitd");
    let conf = dir.write("ntp.conf", &local_reference_conf(5, ""));
    let daemon = Daemon::start(&conf, &["--listen", "0.0.0.0:123"], Some(&ns));
    // chronyd's client socket is connected to the server's address: the kernel drops a
    // reply from any other source, so an answer proves the source was the address asked.
    for server in ["10.77.0.2", "10.77.1.1", "127.0.0.1"] {
        let mut c = ns.command("chronyd");
        c.args(["-Q", "-f", "/dev/null"])
            .arg(format!("server {server} iburst maxsamples 1"))
            .arg("cmdport 0")
            .arg(format!("pidfile {}/chronyd.pid", dir.path().display()));
        let out = without_sys_time(c).output().unwrap();
        let text = String::from_utf8_lossy(&out.stderr).to_string()
            + &String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("System clock wrong by"), "{server}: {text}");
        // ntpdig, which checks the source address of what it reads too.
        let out = ntpdig(&ns, server);
        assert!(answered(&out, server), "{server}: {out:?}");
    }
    assert!(daemon.stop().success());
}
