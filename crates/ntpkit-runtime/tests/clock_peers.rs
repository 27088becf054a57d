//! The system clock and the drift file against independent implementations.
//!
//! - NTPsec's `ntptime` reads the kernel's clock state through its own `ntp_adjtime` call;
//!   [`SystemClock::kernel_state`] must read the same frequency, status and error bounds.
//! - NTPsec's ntpd restores its frequency from a drift file [`write_drift`] wrote (`ntpq`
//!   shows it); chronyd rewrites its drift file in its own format at exit, and
//!   [`read_drift`] reads it.
//!
//! Nothing here sets the clock: only read-only calls are made by this process, and every
//! peer runs without `CAP_SYS_TIME` (`setpriv`), chronyd also with `-x`. Needs root (network
//! namespaces), chrony (`/usr/sbin/chronyd`) and `bash .ci/install-peers` (NTPsec).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ntpkit_runtime::{SystemClock, read_drift, write_drift};
use ntpkit_testkit::{
    KillOnDrop, Netns, TempDir, ntpsec_tool, run_ok, start_ntpsec, without_sys_time,
};

const CHRONYD: &str = "/usr/sbin/chronyd";

fn json_number(json: &str, key: &str) -> f64 {
    let at = json.rfind(&format!("\"{key}\":")).expect(key) + key.len() + 3;
    let rest = &json[at..];
    let end = rest.find([',', '}']).unwrap();
    rest[..end].trim().parse().unwrap()
}

#[test]
fn kernel_state_agrees_with_ntpsec_ntptime() {
    let ntptime = ntpsec_tool("sbin/ntptime");
    let clock = SystemClock::new();
    // A daemon disciplining this machine's clock (the host's, in a container) may change
    // it at any moment: compare within a window in which our two reads agree.
    let quiet = |a: &ntpkit_runtime::KernelClockState, b: &ntpkit_runtime::KernelClockState| {
        (a.frequency, a.leap, a.synchronized, a.kernel_discipline)
            == (b.frequency, b.leap, b.synchronized, b.kernel_discipline)
            && (a.estimated_error, a.tai_offset) == (b.estimated_error, b.tai_offset)
    };
    let (before, json, after) = (0..10)
        .map(|_| {
            let before = clock.kernel_state().unwrap();
            // No option but -j: ntptime only reads (modes 0); without CAP_SYS_TIME anyway.
            let out = without_sys_time(&ntptime).arg("-j").output().unwrap();
            let after = clock.kernel_state().unwrap();
            assert!(out.status.success(), "{out:?}");
            (before, String::from_utf8(out.stdout).unwrap(), after)
        })
        .find(|(before, _, after)| quiet(before, after))
        .expect("the kernel clock state changed during every one of 10 reads");

    // Frequency in PPM with three decimals.
    let ppm = json_number(&json, "frequency");
    assert!(
        (ppm - before.frequency * 1e6).abs() <= 0.0005,
        "{json} vs {before:?}"
    );
    assert_eq!(before.frequency, after.frequency);
    // Status word as hex: "0x40 (UNSYNC)".
    let status_at = json.find("\"status\":\"0x").unwrap() + 12;
    let hex: String = json[status_at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    let status = u32::from_str_radix(&hex, 16).unwrap();
    assert_eq!(status & 0x40 == 0, before.synchronized, "{json}");
    assert_eq!(status & 0x1 != 0, before.kernel_discipline, "{json}");
    let leap = match status & 0x30 {
        0x10 => ntpkit_wire::LeapIndicator::InsertSecond,
        0x20 => ntpkit_wire::LeapIndicator::DeleteSecond,
        _ => ntpkit_wire::LeapIndicator::NoWarning,
    };
    assert_eq!(leap, before.leap, "{json}");
    // Error bounds in microseconds; the maximum grows by 500 us/s while synchronised, so
    // ntptime's lies between our two reads.
    let max_us = json_number(&json, "maximum-error");
    assert!(
        max_us >= before.max_error * 1e6 - 0.5 && max_us <= after.max_error * 1e6 + 0.5,
        "{json} vs {before:?} / {after:?}"
    );
    assert_eq!(
        json_number(&json, "estimated-error"),
        before.estimated_error * 1e6
    );
    assert_eq!(
        json_number(&json, "TAI-offset"),
        f64::from(before.tai_offset)
    );
}

#[test]
fn ntpsec_restores_its_frequency_from_the_drift_file_we_write() {
    let ntpq = ntpsec_tool("bin/ntpq");
    let dir = TempDir::new("drift-ntpsec");
    // The drift file start_ntpsec names, written by us before ntpd starts.
    let drift = dir.path().join("ntpd.drift");
    write_drift(&drift, &ntpkit_clock::format_drift(-12.345e-6)).unwrap();
    let ns = Netns::new("drift-ntpsec");
    // NTPsec answers mode 6 only with explicit restrict lines.
    let _ntpd = start_ntpsec(&ns, dir.path(), "restrict default\nrestrict 127.0.0.1");

    // ntpq (under the interpreter its #! names) until ntpd answers.
    let deadline = Instant::now() + Duration::from_secs(20);
    let text = loop {
        let out = ns
            .command("/usr/bin/python3")
            .arg(&ntpq)
            .args(["-n", "-c", "rv 0 frequency", "127.0.0.1"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        if text.contains("frequency=") || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    assert!(text.contains("frequency=-12.345"), "ntpq says: {text:?}");
}

#[test]
fn we_read_the_drift_file_chronyd_writes() {
    assert!(
        Path::new(CHRONYD).exists(),
        "chronyd not found at {CHRONYD}: run `bash .ci/install-peers`"
    );
    let dir = TempDir::new("drift-chrony");
    let drift = dir.path().join("drift");
    // Seeded in chrony's own "frequency skew" form (chrony refuses ntpd's single number);
    // chronyd rewrites it in its fixed-width format when it exits.
    let seed = "-12.345 0.321\n";
    std::fs::write(&drift, seed).unwrap();
    let conf = format!(
        "server 127.0.0.1 port 9\ncmdport 0\npidfile {}\ndriftfile {}\n",
        dir.path().join("chronyd.pid").display(),
        drift.display()
    );
    std::fs::write(dir.path().join("chrony.conf"), conf).unwrap();
    let child = without_sys_time(CHRONYD)
        .args(["-x", "-d", "-u", "root", "-f"])
        .arg(dir.path().join("chrony.conf"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut chronyd = KillOnDrop(child);
    // Wait until chronyd has read the file (it logs the frequency), then stop it cleanly.
    let mut stderr = chronyd.0.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut log = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut log).unwrap();
        log
    });
    std::thread::sleep(Duration::from_millis(1500));
    run_ok(Command::new("kill").args(["-TERM", &chronyd.0.id().to_string()]));
    let status = chronyd.0.wait().unwrap();
    let log = reader.join().unwrap();
    assert!(status.success(), "chronyd: {log}");
    assert!(
        log.contains("Frequency -12.345 +/- 0.321 ppm read"),
        "{log}"
    );

    let written = std::fs::read_to_string(&drift).unwrap();
    assert_ne!(
        written, seed,
        "chronyd did not rewrite the drift file: {log}"
    );
    let frequency = read_drift(&drift).unwrap().unwrap();
    assert!(
        (frequency - -12.345e-6).abs() < 1e-12,
        "{written:?} -> {frequency}"
    );
}
