//! NTPsec's ntpd as an independent peer: an orphan-mode stratum 1 on port 123 of a network
//! namespace (NTPsec's tools know no other port), never able to set the clock.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::{KillOnDrop, Netns, without_sys_time};

/// NTPsec's `tool` (`sbin/ntpd`, `bin/ntpq`, ...) as `.ci/install-peers` unpacks it under
/// the workspace's `target/peers/ntpsec/usr`; fails the test with that hint if it is not there.
pub fn ntpsec_tool(tool: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/peers/ntpsec/usr")
        .join(tool);
    assert!(
        path.exists(),
        "NTPsec's {tool} is not unpacked at {}: run `bash .ci/install-peers`",
        path.display()
    );
    path
}

/// Starts NTPsec's ntpd in `ns` on `tos orphan 1 orphanwait 0` (stratum 1 about a second
/// later: its local clock never synchronises once clock control is off) and `extra`
/// configuration, its drift file and log (`ntpd.log`) in `dir`, which ntpd's own user must
/// be able to write (a [`crate::TempDir`] is). The process runs without `CAP_SYS_TIME`;
/// keep the result alive for as long as the peer is wanted, and declare it after `ns` so
/// that it is killed before the namespace goes.
pub fn start_ntpsec(ns: &Netns, dir: &Path, extra: &str) -> KillOnDrop {
    let conf = dir.join("ntpsec.conf");
    let text = format!(
        "tos orphan 1 orphanwait 0\ndriftfile {d}/ntpd.drift\nlogfile {d}/ntpd.log\n{extra}\n",
        d = dir.display()
    );
    std::fs::write(&conf, text).unwrap();
    let mut c = without_sys_time("ip");
    c.args(["netns", "exec", ns.name()])
        .arg(ntpsec_tool("sbin/ntpd"))
        .args(["-n", "-c"])
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    KillOnDrop(c.spawn().expect("cannot start NTPsec's ntpd"))
}
