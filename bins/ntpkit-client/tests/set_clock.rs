//! `-S` (step) and `-s` (slew), run so that they can never move this machine's clock.
//!
//! CI runs the tests as root. Every client started here with `-S`/`-s` goes through
//! [`without_sys_time`]: `setpriv --bounding-set=-sys_time --inh-caps=-sys_time`, after which
//! neither the client nor anything it runs can hold `CAP_SYS_TIME` in the initial user
//! namespace, the only place where the kernel accepts it for `clock_adjtime`. Some tests
//! add `unshare --user --map-root-user` inside that: there the client holds every
//! capability of its own user namespace (so it passes its own check and really measures
//! and calls the kernel), and the kernel answers `EPERM`, which is the path under test.

mod common;

use std::net::UdpSocket;
use std::process::{Command, Output};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::Chronyd;
use ntpkit_testkit::require;

const CAP_SYS_TIME_BIT: u64 = 1 << 25;
const SETPRIV: [&str; 3] = ["--bounding-set=-sys_time", "--inh-caps=-sys_time", "--"];

/// `program args` under setpriv without CAP_SYS_TIME; panics unless the wrapper really
/// removed it (checked on every call, before anything else runs under it).
fn without_sys_time(program: &str, args: &[&str]) -> Output {
    require("setpriv");
    let probe = Command::new("setpriv")
        .args(SETPRIV)
        .args(["cat", "/proc/self/status"])
        .output()
        .unwrap();
    let caps = effective_caps(&probe);
    assert_eq!(
        caps & CAP_SYS_TIME_BIT,
        0,
        "setpriv left CAP_SYS_TIME in place: refusing to run a clock-setting client"
    );
    Command::new("setpriv")
        .args(SETPRIV)
        .arg(program)
        .args(args)
        .output()
        .unwrap()
}

/// CapEff from a `cat /proc/self/status` run.
fn effective_caps(status: &Output) -> u64 {
    assert!(status.status.success(), "{status:?}");
    let text = String::from_utf8_lossy(&status.stdout);
    let hex = text
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .expect("CapEff line");
    u64::from_str_radix(hex.trim(), 16).unwrap()
}

/// The client without CAP_SYS_TIME: it refuses `-S`/`-s` itself.
fn client(args: &[&str]) -> Output {
    without_sys_time(env!("CARGO_BIN_EXE_ntpkit-client"), args)
}

/// The client in a user namespace of its own, inside the setpriv wrapper: it holds
/// CAP_SYS_TIME there (checked), measures, and the kernel refuses the adjustment.
fn client_in_user_namespace(args: &[&str]) -> Output {
    require("unshare");
    let probe = without_sys_time(
        "unshare",
        &["--user", "--map-root-user", "cat", "/proc/self/status"],
    );
    assert!(
        probe.status.success(),
        "unshare --user --map-root-user failed (user namespaces disabled?): {}",
        String::from_utf8_lossy(&probe.stderr)
    );
    assert_ne!(
        effective_caps(&probe) & CAP_SYS_TIME_BIT,
        0,
        "inside its own user namespace the client should see CAP_SYS_TIME"
    );
    let mut all = vec![
        "--user",
        "--map-root-user",
        env!("CARGO_BIN_EXE_ntpkit-client"),
    ];
    all.extend_from_slice(args);
    without_sys_time("unshare", &all)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn step_and_slew_are_refused_without_cap_sys_time_before_anything_is_sent() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let address = server.local_addr().unwrap().to_string();
    for (flag, verb) in [
        ("-S", "step"),
        ("--step", "step"),
        ("-s", "slew"),
        ("--slew", "slew"),
    ] {
        let out = client(&["--json", flag, "-t", "0.5", &address]);
        assert_eq!(out.status.code(), Some(8), "{flag}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "refusing to {verb} the clock: this process lacks CAP_SYS_TIME"
            )),
            "{flag}: {err}"
        );
        assert!(err.contains("nothing was sent"), "{err}");
        assert!(out.stdout.is_empty(), "no report without a query");
    }
    // Nothing reached the server: the refusal came before the query.
    server
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 64];
    assert!(server.recv_from(&mut buf).is_err(), "a request was sent");
}

#[test]
fn step_and_slew_together_are_a_command_line_error() {
    for args in [["-S", "-s"], ["--slew", "--step"]] {
        let out = client(&[args[0], args[1], "127.0.0.1"]);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("cannot be used with"),
            "{}",
            stderr(&out)
        );
    }
}

/// A real measurement against chronyd, then the kernel's EPERM, reported as such, in the
/// JSON report and the exit code.
#[test]
fn the_kernel_refusing_a_step_is_reported_with_the_measurement() {
    let chrony = Chronyd::start();
    let out = client_in_user_namespace(&[
        "--json",
        "-S",
        "-c",
        "2",
        "--spacing",
        "0.1",
        &chrony.server(),
    ]);
    assert_eq!(out.status.code(), Some(8), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the kernel refused to step the clock"),
        "{}",
        stderr(&out)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stratum"], 1);
    assert_eq!(v["samples"].as_array().unwrap().len(), 2);
    let adjustment = &v["adjustment"];
    assert_eq!(adjustment["action"], "step");
    assert_eq!(adjustment["applied"], false);
    // The offset handed to the kernel is the reported one (lowest delay sample).
    assert_eq!(adjustment["offset"], v["offset"]);
    assert!(
        adjustment["error"]
            .as_str()
            .unwrap()
            .contains("CAP_SYS_TIME in the host's initial user namespace"),
        "{adjustment}"
    );
}

#[test]
fn the_kernel_refusing_a_slew_is_reported_in_the_text_output() {
    let chrony = Chronyd::start();
    let out = client_in_user_namespace(&["-s", &chrony.server()]);
    assert_eq!(out.status.code(), Some(8), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("stratum 1, refid 127.127.1.1"), "{text}");
    assert!(
        text.contains("did not slew the clock: the kernel refused to slew the clock"),
        "{text}"
    );
}

/// Seconds since 1900 as an NTP timestamp, `ahead` seconds from now.
fn ntp_now(ahead: f64) -> [u8; 8] {
    let unix = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let seconds = unix.as_secs_f64() + ahead + 2_208_988_800.0;
    ((seconds * 4_294_967_296.0) as u64).to_be_bytes()
}

/// A mode 4 reply to `request` built by hand (RFC 5905 figure 8), from a server whose clock
/// is `ahead` seconds ahead of ours.
fn reply(request: &[u8], leap: u8, stratum: u8, refid: [u8; 4], ahead: f64) -> [u8; 48] {
    let mut r = [0u8; 48];
    r[0] = (leap << 6) | (4 << 3) | 4;
    r[1] = stratum;
    r[2] = request[2];
    r[3] = (-20i8) as u8;
    // Root delay 0, root dispersion 2^-10 s.
    r[8..12].copy_from_slice(&64u32.to_be_bytes());
    r[12..16].copy_from_slice(&refid);
    r[16..24].copy_from_slice(&ntp_now(ahead - 1.0));
    r[24..32].copy_from_slice(&request[40..48]);
    r[32..40].copy_from_slice(&ntp_now(ahead));
    r[40..48].copy_from_slice(&ntp_now(ahead));
    r
}

/// Answers every request for 10 s with `answer(request)`; returns how many it answered.
fn fake_server(answer: fn(&[u8]) -> [u8; 48]) -> (String, JoinHandle<usize>) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let address = socket.local_addr().unwrap().to_string();
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let handle = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut answered = 0;
        let mut buf = [0u8; 128];
        while Instant::now() < deadline {
            if let Ok((n, from)) = socket.recv_from(&mut buf)
                && n >= 48
            {
                socket.send_to(&answer(&buf[..n]), from).unwrap();
                answered += 1;
            }
        }
        answered
    });
    (address, handle)
}

#[test]
fn a_kiss_never_reaches_the_clock() {
    let (address, _server) = fake_server(|req| reply(req, 3, 0, *b"RATE", 0.0));
    let out = client_in_user_namespace(&["-S", "-t", "1", &address]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("Kiss-o'-Death"), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("refused to step"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn an_unsynchronised_server_never_reaches_the_clock() {
    // Leap 3 (alarm) at stratum 2, 100 s ahead: a clock that must not be followed.
    let (address, server) = fake_server(|req| reply(req, 3, 2, [127, 0, 0, 2], 100.0));
    let out = client_in_user_namespace(&["-s", "-t", "0.5", &address]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("no reply from") && err.contains("dropped"),
        "{err}"
    );
    assert!(!err.contains("refused to slew"), "{err}");
    drop(server);
}

#[test]
fn the_reported_offset_is_what_would_be_stepped_and_too_far_to_slew() {
    // A synchronised server 1000 s ahead: the step is attempted by that much (and refused
    // by the kernel).
    let (address, _server) = fake_server(|req| reply(req, 0, 2, [127, 0, 0, 2], 1000.0));
    let out = client_in_user_namespace(&["--json", "-S", &address]);
    assert_eq!(out.status.code(), Some(8), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let offset = v["adjustment"]["offset"].as_f64().unwrap();
    assert!((offset - 1000.0).abs() < 0.01, "{v}");
    assert_eq!(v["adjustment"]["offset"], v["offset"]);

    // 3000 s behind is beyond what adjtime(3) takes (2145 s): refused before any call.
    let (address, _server) = fake_server(|req| reply(req, 0, 2, [127, 0, 0, 2], -3000.0));
    let out = client_in_user_namespace(&["-s", &address]);
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("cannot slew that far") && err.contains("use -S to step"),
        "{err}"
    );
    assert!(
        stdout(&out).contains("did not slew the clock"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn without_flags_a_measurement_adjusts_nothing_and_says_nothing_about_it() {
    let (address, _server) = fake_server(|req| reply(req, 0, 2, [127, 0, 0, 2], 0.25));
    let out = client(&["--json", &address]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["adjustment"].is_null(), "{v}");
    assert!((v["offset"].as_f64().unwrap() - 0.25).abs() < 0.01, "{v}");
}
