//! `ntpkit-keygen` from outside: keys that read back, differ, look random, land in a
//! private file, and authenticate between NTPsec's ntpd and ntpdig, and between chronyd
//! and its one-shot client (independent readers of both key-file formats).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use ntpkit_auth::{KeyStore, MacAlgorithm, parse_key_file};
use ntpkit_testkit::{Netns, TempDir, require, start_ntpsec, without_sys_time};

fn keygen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ntpkit-keygen"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// (id, algorithm, secret) of every key in a generated file, through our own parser.
fn keys(text: &str) -> Vec<(u32, MacAlgorithm, Vec<u8>)> {
    let mut store = KeyStore::new();
    parse_key_file("generated", text)
        .unwrap()
        .install(&mut store)
        .unwrap();
    parse_key_file("generated", text)
        .unwrap()
        .entries
        .iter()
        .map(|e| {
            (
                u32::from(e.id.get()),
                e.key.algorithm(),
                e.key.expose_secret().to_vec(),
            )
        })
        .collect()
}

#[test]
fn default_is_ten_aes_cmac_keys_and_every_run_differs() {
    let a = keys(&stdout(&keygen(&[])));
    let ids: Vec<u32> = a.iter().map(|k| k.0).collect();
    assert_eq!(ids, (1..=10).collect::<Vec<_>>());
    assert!(
        a.iter()
            .all(|k| k.1 == MacAlgorithm::Aes128Cmac && k.2.len() == 16)
    );
    let b = keys(&stdout(&keygen(&[])));
    let mut secrets: Vec<&Vec<u8>> = a.iter().chain(&b).map(|k| &k.2).collect();
    secrets.sort();
    secrets.dedup();
    assert_eq!(secrets.len(), 20, "twenty 128-bit keys, all different");
}

#[test]
fn secrets_look_uniformly_random() {
    // 200 AES-256 keys: 51,200 bits. A fair source gives 25,600 ones, standard deviation
    // 113; 6 sigma (679) is never reached by chance but is by a constant, counting, or
    // byte-biased generator (ASCII-only secrets would miss by thousands).
    let text = stdout(&keygen(&["-t", "aes256cmac", "-n", "200"]));
    let all: Vec<u8> = keys(&text).into_iter().flat_map(|k| k.2).collect();
    assert_eq!(all.len(), 200 * 32);
    let ones: u32 = all.iter().map(|b| b.count_ones()).sum();
    assert!(
        (i64::from(ones) - 25_600).abs() < 679,
        "{ones} ones of 51,200 bits"
    );
    // Every byte value appears (6,400 draws of 256 values: a miss has probability ~1e-9).
    let mut seen = [false; 256];
    all.iter().for_each(|&b| seen[usize::from(b)] = true);
    assert!(seen.iter().all(|&s| s), "some byte values never drawn");
}

#[test]
fn types_ids_and_weak_algorithm_warning() {
    let out = keygen(&[
        "-t",
        "md5",
        "-t",
        "hmac-sha256",
        "-n",
        "3",
        "--first-id",
        "100",
    ]);
    let k = keys(&stdout(&out));
    let got: Vec<(u32, MacAlgorithm, usize)> = k.iter().map(|k| (k.0, k.1, k.2.len())).collect();
    let want: Vec<(u32, MacAlgorithm, usize)> = (100..103)
        .map(|i| (i, MacAlgorithm::Md5, 20))
        .chain((103..106).map(|i| (i, MacAlgorithm::HmacSha256, 32)))
        .collect();
    assert_eq!(got, want);
    assert!(String::from_utf8_lossy(&out.stderr).contains("MD5 is weak"));
    // Ids past 65534 are refused before anything is written.
    let out = keygen(&["-n", "5", "--first-id", "65532"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn output_file_is_private_and_never_overwritten() {
    let dir = TempDir::new("keygen");
    let path = dir.path().join("ntp.keys");
    let p = path.to_str().unwrap();
    stdout(&keygen(&["-o", p]));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let before = std::fs::read_to_string(&path).unwrap();
    assert_eq!(keys(&before).len(), 10);
    let again = keygen(&["-o", p]);
    assert!(
        !again.status.success(),
        "an existing key file is not replaced"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
}

/// NTPsec's ntpd (orphan stratum 1, trusting keys 1-3) and ntpdig, both reading the
/// generated file, in a network namespace of their own (both use port 123).
#[test]
fn ntpsec_ntpd_and_ntpdig_authenticate_with_generated_keys() {
    let dir = TempDir::new("keygen");
    let keys_path = dir.path().join("ntp.keys");
    let mut text = String::new();
    for (t, id) in [("md5", "1"), ("sha1", "2"), ("aes128cmac", "3")] {
        text += &stdout(&keygen(&["-t", t, "-n", "1", "--first-id", id]));
    }
    std::fs::write(&keys_path, &text).unwrap();
    let ns = Netns::new("keygen");
    let server = start_ntpsec(
        &ns,
        dir.path(),
        &format!("keys {}\ntrustedkey 1 2 3", keys_path.display()),
    );
    let dig = |key_file: &Path, id: &str| {
        without_sys_time("ip")
            .args(["netns", "exec", ns.name(), "ntpdig", "-t", "1", "-k"])
            .arg(key_file)
            .args(["-a", id, "127.0.0.1"])
            .output()
            .unwrap()
    };
    // Readiness: the server answers (NTPsec takes a moment to bind).
    let answered = |o: &Output| {
        o.status.success() && String::from_utf8_lossy(&o.stdout).contains("127.0.0.1 s")
    };
    let ready = (0..20).any(|_| answered(&dig(&keys_path, "3")));
    let mut results = Vec::new();
    for id in ["1", "2", "3"] {
        results.push((id, ready && answered(&dig(&keys_path, id))));
    }
    // Control: the same ids with other secrets (another generation) are refused.
    let other = dir.path().join("other.keys");
    let mut other_text = String::new();
    for (t, id) in [("md5", "1"), ("sha1", "2"), ("aes128cmac", "3")] {
        other_text += &stdout(&keygen(&["-t", t, "-n", "1", "--first-id", id]));
    }
    std::fs::write(&other, other_text).unwrap();
    let refused: Vec<bool> = ["1", "2", "3"]
        .iter()
        .map(|id| !answered(&dig(&other, id)))
        .collect();
    drop(server);
    assert!(ready, "NTPsec's ntpd never answered with key 3");
    assert!(
        results.iter().all(|r| r.1),
        "accepted per key id: {results:?}"
    );
    assert_eq!(refused, [true, true, true], "wrong secrets refused");
}

/// chronyd as a keyed server and chronyd -Q as its client, both reading a chrony-format
/// file we generated, in a network namespace of their own; a client with another
/// generation's secrets gets no sample.
#[test]
fn chronyd_server_and_client_authenticate_with_generated_chrony_keys() {
    require("chronyd");
    let dir = TempDir::new("keygen");
    let generate = |name: &str| {
        let text = stdout(&keygen(&[
            "--format",
            "chrony",
            "-t",
            "aes128cmac",
            "-t",
            "sha256",
            "-n",
            "1",
        ]));
        let path = dir.path().join(name);
        std::fs::write(&path, &text).unwrap();
        // Readable by chronyd after it drops root to its own user.
        Command::new("chmod")
            .arg("644")
            .arg(&path)
            .status()
            .unwrap();
        (path, text)
    };
    let (ours, text) = generate("ours.keys");
    let (other, _) = generate("other.keys");
    // Our own chrony-dialect parser reads what chronyd reads.
    let parsed = ntpkit_auth::parse_chrony_keys("ours.keys", &text).unwrap();
    let algorithms: Vec<MacAlgorithm> = parsed.entries.iter().map(|e| e.key.algorithm()).collect();
    assert_eq!(algorithms, [MacAlgorithm::Aes128Cmac, MacAlgorithm::Sha256]);

    let ns = Netns::new("keygen");
    let in_ns = |args: &[&str]| {
        let mut c = ns.command("setpriv");
        c.args([
            "--bounding-set=-sys_time",
            "--inh-caps=-sys_time",
            "--",
            "chronyd",
        ])
        .args(args);
        c
    };
    let d = dir.path().display();
    let server_conf = format!(
        "local stratum 1\nallow 127.0.0.1\nport 11123\nbindaddress 127.0.0.1\ncmdport 0\n\
         keyfile {}\npidfile {d}/server.pid\n",
        ours.display()
    );
    let mut server = in_ns(&["-x", "-d"])
        .args(server_conf.lines())
        .arg("-f")
        .arg("/dev/null")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let query = |keys: &Path, id: &str, pid: &str| {
        let out = in_ns(&["-Q", "-t", "8", "-f", "/dev/null"])
            .arg(format!(
                "server 127.0.0.1 port 11123 key {id} iburst maxsamples 1"
            ))
            .arg(format!("keyfile {}", keys.display()))
            .arg("cmdport 0")
            .arg(format!("pidfile {d}/{pid}.pid"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout)
    };
    let good: Vec<String> = ["1", "2"]
        .iter()
        .map(|id| query(&ours, id, &format!("q{id}")))
        .collect();
    let bad = query(&other, "1", "bad");
    let _ = server.kill();
    let _ = server.wait();
    for (id, text) in ["1", "2"].iter().zip(&good) {
        assert!(text.contains("System clock wrong by"), "key {id}: {text}");
    }
    assert!(
        !bad.contains("System clock wrong by"),
        "another secret was accepted: {bad}"
    );
}
