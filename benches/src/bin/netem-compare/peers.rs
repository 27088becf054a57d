//! The three NTP daemons of the comparison and the relay, with their configurations: chronyd
//! as a `local stratum 1` server in S, and in C chronyd (`-x`) and ntpkitd
//! (`--no-clock-adjust`) as clients of the same server with the same poll settings.

use std::fs;
use std::path::{Path, PathBuf};

use crate::lab::{Lab, SERVER_SIDE};

/// The chronyd server's port on S's loopback (the relay forwards to it).
pub(crate) const SERVER_PORT: u16 = 11123;

/// Where each daemon writes, under the run's work directory.
pub(crate) struct Dirs {
    /// The server chronyd's files.
    pub(crate) server: PathBuf,
    /// The client chronyd's logdir (tracking.log, measurements.log).
    pub(crate) chrony: PathBuf,
    /// ntpkitd's statsdir (loopstats, peerstats, rawstats).
    pub(crate) ntpkit: PathBuf,
}

/// What to run and how.
pub(crate) struct Setup<'a> {
    /// The ntpkitd binary.
    pub(crate) ntpkitd: &'a Path,
    /// This program (re-run as the relay inside S).
    pub(crate) me: &'a Path,
    /// minpoll = maxpoll for both clients, log2 seconds.
    pub(crate) poll: u8,
    /// The relay's arguments after `relay LISTEN SERVER`.
    pub(crate) relay_args: Vec<String>,
    /// A frequency (PPM) both clients start from, as if from a drift file; `None`: no drift
    /// file, so each starts by measuring the frequency (ntpkitd then holds its filter on
    /// newest samples through the stepout interval twice, as ntpd does).
    pub(crate) drift_ppm: Option<f64>,
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn make_dir(dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // chronyd drops root for _chrony: let it write its logs.
    std::process::Command::new("chmod")
        .arg("777")
        .arg(dir)
        .status()
        .map_err(|e| e.to_string())
        .map(drop)
}

/// Starts server, relay and both clients; returns where they write.
pub(crate) fn start(lab: &mut Lab, work: &Path, setup: &Setup<'_>) -> Result<Dirs, String> {
    let dirs = Dirs {
        server: work.join("server"),
        chrony: work.join("chronyd"),
        ntpkit: work.join("ntpkitd"),
    };
    for d in [&dirs.server, &dirs.chrony, &dirs.ntpkit] {
        make_dir(d)?;
    }
    let chronyd = PathBuf::from("chronyd");
    let (s_ns, c_ns) = (lab.server_ns.clone(), lab.client_ns.clone());

    let conf = dirs.server.join("chrony.conf");
    write(
        &conf,
        &format!(
            "local stratum 1\nallow 127.0.0.1\nbindaddress 127.0.0.1\nport {SERVER_PORT}\n\
             cmdport 0\npidfile {d}/chronyd.pid\n",
            d = dirs.server.display()
        ),
    )?;
    let args = vec![
        "-x".into(),
        "-d".into(),
        "-f".into(),
        conf.display().to_string(),
    ];
    lab.spawn(
        "server chronyd",
        &s_ns,
        &chronyd,
        &args,
        &dirs.server.join("out.log"),
    )?;

    let mut args = vec![
        "relay".to_owned(),
        format!("{SERVER_SIDE}:123"),
        format!("127.0.0.1:{SERVER_PORT}"),
    ];
    args.extend(setup.relay_args.iter().cloned());
    lab.spawn("relay", &s_ns, setup.me, &args, &work.join("relay.log"))?;

    let p = setup.poll;
    let server_line = format!("server {SERVER_SIDE} iburst minpoll {p} maxpoll {p}\n");
    let (mut chrony_drift, mut ntpkit_drift) = (String::new(), String::new());
    if let Some(ppm) = setup.drift_ppm {
        // chrony's drift file: frequency and its skew (PPM); ntpd's: the frequency alone.
        let (c, n) = (
            dirs.chrony.join("chrony.drift"),
            dirs.ntpkit.join("ntp.drift"),
        );
        write(&c, &format!("{ppm:.6} 1.000000\n"))?;
        write(&n, &format!("{ppm:.3}\n"))?;
        chrony_drift = format!("driftfile {}\n", c.display());
        ntpkit_drift = format!("driftfile {}\n", n.display());
    }
    let conf = dirs.chrony.join("chrony.conf");
    write(
        &conf,
        &format!(
            "{server_line}{chrony_drift}port 0\ncmdport 0\npidfile {d}/chronyd.pid\nlogdir {d}\n\
             log tracking measurements statistics\n",
            d = dirs.chrony.display()
        ),
    )?;
    let args = vec![
        "-x".into(),
        "-d".into(),
        "-f".into(),
        conf.display().to_string(),
    ];
    lab.spawn(
        "client chronyd",
        &c_ns,
        &chronyd,
        &args,
        &dirs.chrony.join("out.log"),
    )?;

    let conf = dirs.ntpkit.join("ntp.conf");
    write(
        &conf,
        &format!(
            "{server_line}{ntpkit_drift}statsdir {d}/\nstatistics loopstats peerstats rawstats\n\
             filegen loopstats type none\nfilegen peerstats type none\nfilegen rawstats type none\n",
            d = dirs.ntpkit.display()
        ),
    )?;
    let args = vec![
        "-n".into(),
        "-c".into(),
        conf.display().to_string(),
        "--listen".into(),
        "127.0.0.1:12300".into(),
        "--no-clock-adjust".into(),
    ];
    lab.spawn(
        "ntpkitd",
        &c_ns,
        setup.ntpkitd,
        &args,
        &dirs.ntpkit.join("out.log"),
    )?;
    Ok(dirs)
}
