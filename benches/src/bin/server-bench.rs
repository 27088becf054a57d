//! ntpkitd against a raw UDP echo (and chronyd) in the same run: each server pinned to CPU 1,
//! this load generator to CPU 0; replies/s, loss, latency percentiles and the server's CPU
//! time per reply, at saturation and at a fixed request rate.
//!
//! ```sh
//! cargo build --release -p ntpkitd -p ntpkit-benches
//! taskset -c 0 target/release/server-bench [--seconds 3] [--rate 50000] [--rounds 3] [--no-chrony]
//!     [--ntpkitd PATH] [--ntpkitd-b PATH]   (B: a second build in the same rounds, for an A/B)
//! ```

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ntpkit_benches::cpu::{process_cpu_ns, process_switches, rss_kib};
use ntpkit_benches::load::{self, Echoes, Rate};

struct Server {
    name: &'static str,
    child: Child,
    addr: SocketAddr,
    echoes: Echoes,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pinned(program: &Path) -> Command {
    let mut c = Command::new("taskset");
    c.arg("-c").arg("1").arg(program);
    c
}

/// Reads lines from `reader` until one says "listening on ADDR".
fn listening_addr(reader: impl std::io::Read) -> SocketAddr {
    for line in BufReader::new(reader).lines().map_while(Result::ok) {
        if let Some(addr) = line.split("listening on ").nth(1) {
            return addr.trim().parse().expect("address in the readiness line");
        }
    }
    panic!("server exited before it was ready")
}

fn start_echo(dir: &Path) -> Server {
    let mut child = pinned(&dir.join("udp-echo"))
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = listening_addr(child.stdout.take().unwrap());
    Server {
        name: "udp-echo (1 datagram/syscall)",
        child,
        addr,
        echoes: Echoes::Verbatim,
    }
}

fn start_ntpkitd(ntpkitd: &Path, work: &Path, name: &'static str) -> Server {
    let conf = work.join("ntpkitd.conf");
    std::fs::write(&conf, "server 127.127.1.0\nfudge 127.127.1.0 stratum 1\n").unwrap();
    let mut child = pinned(ntpkitd)
        .args(["-n", "--workers", "1", "--listen", "127.0.0.1:0", "-c"])
        .arg(&conf)
        .env("NTPKITD_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(listening_addr(stderr));
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("ntpkitd ready");
    Server {
        name,
        child,
        addr,
        echoes: Echoes::NtpOrigin,
    }
}

fn start_chronyd(work: &Path) -> Option<Server> {
    let port = 12500 + (std::process::id() % 1000) as u16;
    let conf = work.join("chrony.conf");
    std::fs::write(
        &conf,
        format!(
            "local stratum 1\nallow 127.0.0.1\nport {port}\nbindaddress 127.0.0.1\ncmdport 0\n\
             pidfile {0}/chronyd.pid\ndriftfile {0}/chrony.drift\n",
            work.display()
        ),
    )
    .ok()?;
    let child = Command::new("taskset")
        .args([
            "-c",
            "1",
            "setpriv",
            "--bounding-set=-sys_time",
            "--inh-caps=-sys_time",
            "--",
            "chronyd",
            "-x",
            "-d",
            "-f",
        ])
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().ok()?;
    let server = Server {
        name: "chronyd (local stratum 1)",
        child,
        addr,
        echoes: Echoes::NtpOrigin,
    };
    // Ready when it answers (bounded: 10 s of 100 ms receive timeouts).
    let probe = UdpSocket::bind("127.0.0.1:0").ok()?;
    probe
        .set_read_timeout(Some(Duration::from_millis(100)))
        .ok()?;
    let mut req = [0u8; 48];
    req[0] = 0x23;
    req[40] = 1;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let _ = probe.send_to(&req, addr);
        let mut buf = [0u8; 128];
        if probe.recv_from(&mut buf).is_ok() {
            return Some(server);
        }
    }
    None
}

struct Row {
    replies_per_sec: f64,
    loss: f64,
    p50: f64,
    p99: f64,
    p999: f64,
    /// p99 over every request sent, a lost one counting as the slowest (`None`: > 1% lost).
    p99_of_sent: Option<f64>,
    /// NTP servers: median offset and 99th percentile of its magnitude (truth: zero).
    offset_median: Option<f64>,
    offset_p99: Option<f64>,
    cpu_us_per_reply: f64,
    /// Server context switches per reply (1 / requests served per wake-up).
    switches_per_reply: f64,
}

fn measure(server: &Server, rate: Rate, seconds: u64) -> Row {
    let pid = server.child.id();
    let cpu0 = process_cpu_ns(pid).unwrap_or(0);
    let switches0 = process_switches(pid).unwrap_or(0);
    let r = load::run(
        server.addr,
        rate,
        Duration::from_secs(seconds),
        server.echoes,
    )
    .unwrap();
    let cpu1 = process_cpu_ns(pid).unwrap_or(0);
    let switches1 = process_switches(pid).unwrap_or(0);
    let switches_per_reply = switches1.saturating_sub(switches0) as f64 / r.received.max(1) as f64;
    let cpu_us_per_reply = if r.received == 0 {
        0.0
    } else {
        (cpu1 - cpu0) as f64 / 1000.0 / r.received as f64
    };
    Row {
        replies_per_sec: r.replies_per_sec(),
        loss: r.loss(),
        p50: r.percentile_us(50.0),
        p99: r.percentile_us(99.0),
        p999: r.percentile_us(99.9),
        p99_of_sent: r.percentile_of_sent_us(99.0),
        offset_median: r
            .offsets_ns
            .get(r.offsets_ns.len() / 2)
            .map(|&ns| ns as f64 / 1000.0),
        offset_p99: r.offset_magnitude_percentile_us(99.0),
        cpu_us_per_reply,
        switches_per_reply,
    }
}

fn rate_name(rate: Rate) -> String {
    match rate {
        Rate::Saturate => "saturate".to_string(),
        Rate::PerSecond(n) => format!("{n}/s"),
    }
}

fn print_row(server: &Server, label: &str, row: &Row) {
    println!(
        "| {} | {} | {:.0} | {:.2}% | {:.1} | {:.1} | {:.1} | {} | {} | {} | {:.3} | {:.3} | {} |",
        server.name,
        label,
        row.replies_per_sec,
        row.loss * 100.0,
        row.p50,
        row.p99,
        row.p999,
        row.p99_of_sent.map_or("lost".into(), |v| format!("{v:.1}")),
        row.offset_median.map_or("-".into(), |v| format!("{v:.1}")),
        row.offset_p99.map_or("-".into(), |v| format!("{v:.1}")),
        row.cpu_us_per_reply,
        row.switches_per_reply,
        rss_kib(server.child.id()).map_or("-".into(), |k| format!("{k} KiB")),
    );
}

/// Median, smallest and largest of `values` (which must not be empty).
fn spread(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    (median, values[0], values[n - 1])
}

/// CPU per reply of server `a` over server `b`, round by round: each round runs the servers
/// back to back, so a ratio within a round sees the same background load on both.
fn print_ratios(servers: &[Server], rows: &[Vec<Row>], a: usize, b: usize, load: Rate) {
    let (Some(sa), Some(sb)) = (servers.get(a), servers.get(b)) else {
        return;
    };
    let ratios: Vec<f64> = rows[a]
        .iter()
        .zip(&rows[b])
        .map(|(x, y)| x.cpu_us_per_reply / y.cpu_us_per_reply)
        .collect();
    let listed: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
    let (median, lo, hi) = spread(ratios);
    println!(
        "| {} / {} | {} | {median:.3} | {lo:.2} .. {hi:.2} | {} |",
        sa.name,
        sb.name,
        rate_name(load),
        listed.join(" "),
    );
}

fn main() {
    let mut seconds = 3;
    let mut rate = 50_000;
    let mut chrony = true;
    let mut rounds = 3;
    let mut ntpkitd: Option<PathBuf> = None;
    let mut ntpkitd_b: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => seconds = args.next().and_then(|v| v.parse().ok()).unwrap_or(seconds),
            "--rate" => rate = args.next().and_then(|v| v.parse().ok()).unwrap_or(rate),
            "--no-chrony" => chrony = false,
            "--rounds" => rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(rounds),
            "--ntpkitd" => ntpkitd = args.next().map(PathBuf::from),
            // A second build, run in the same rounds: an A/B of a change, paired by round.
            "--ntpkitd-b" => ntpkitd_b = args.next().map(PathBuf::from),
            other => panic!("unknown argument {other}"),
        }
    }
    let dir = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let ntpkitd = ntpkitd.unwrap_or_else(|| dir.join("ntpkitd"));
    let work = std::env::temp_dir().join(format!("ntpkit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let _ = Command::new("chmod").arg("777").arg(&work).status();

    let mut servers = vec![
        start_echo(&dir),
        start_ntpkitd(&ntpkitd, &work, "ntpkitd (1 worker)"),
    ];
    if chrony {
        match start_chronyd(&work) {
            Some(s) => servers.push(s),
            None => eprintln!("chronyd did not start (run `bash .ci/install-peers`); skipped"),
        }
    }
    if let Some(b) = &ntpkitd_b {
        servers.push(start_ntpkitd(b, &work, "ntpkitd B (1 worker)"));
    }
    if let Some(n) = servers.get(1) {
        eprintln!(
            "ntpkitd idle RSS: {} KiB",
            rss_kib(n.child.id()).unwrap_or(0)
        );
    }
    // Rounds interleave the servers, so that load from elsewhere on the machine hits all
    // of them alike.
    let loads = [Rate::Saturate, Rate::PerSecond(rate)];
    let mut all: Vec<Vec<Vec<Row>>> = Vec::new();
    for load in loads {
        let mut rows: Vec<Vec<Row>> = servers.iter().map(|_| Vec::new()).collect();
        for _ in 0..rounds.max(1) {
            for (i, s) in servers.iter().enumerate() {
                rows[i].push(measure(s, load, seconds));
            }
        }
        all.push(rows);
    }
    let header = "| server | load | replies/s | loss | p50 us | p99 us | p99.9 us | \
                  p99 of sent us | offset p50 us | abs offset p99 us | CPU us/reply | switches/reply | RSS |";
    println!("Every round:\n\n{header}\n|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (load, rows) in loads.iter().zip(&all) {
        for (s, r) in servers.iter().zip(rows) {
            for (k, row) in r.iter().enumerate() {
                print_row(s, &format!("{} #{}", rate_name(*load), k + 1), row);
            }
        }
    }
    println!("\nThe round with the median CPU per reply:\n\n{header}");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (load, rows) in loads.iter().zip(&all) {
        for (s, r) in servers.iter().zip(rows) {
            let mut sorted: Vec<&Row> = r.iter().collect();
            sorted.sort_by(|a, b| a.cpu_us_per_reply.total_cmp(&b.cpu_us_per_reply));
            print_row(s, &rate_name(*load), sorted[sorted.len() / 2]);
        }
    }
    println!("\nCPU per reply ratios, paired by round:\n");
    println!("| servers | load | median | range | every round |\n|---|---|---|---|---|");
    for (load, rows) in loads.iter().zip(&all) {
        print_ratios(&servers, rows, 1, 0, *load);
        let chronyd = servers.iter().position(|s| s.name.starts_with("chronyd"));
        if let Some(c) = chronyd {
            print_ratios(&servers, rows, 1, c, *load);
        }
        if let Some(b) = servers.iter().position(|s| s.name.starts_with("ntpkitd B")) {
            print_ratios(&servers, rows, b, 1, *load);
            print_ratios(&servers, rows, b, 0, *load);
            if let Some(c) = chronyd {
                print_ratios(&servers, rows, b, c, *load);
            }
        }
    }
    drop(servers);
    let _ = std::fs::remove_dir_all(&work);
}
