//! The transmit timestamp of each request carries 32 bits from the OS's random source in
//! its fraction (CVE-2020-13817: an off-path attacker who can predict our origin timestamp
//! can forge replies; chrony and ntpd randomise the low bits). Checked on the wire: a UDP
//! socket on the loopback stands in for the server, takes the requests and never answers.

use std::net::UdpSocket;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds from 1900 to 1970 (RFC 5905 figure 4).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

#[test]
fn request_transmit_fractions_are_random_not_the_clock() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    server
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let addr = server.local_addr().unwrap().to_string();
    let client = std::thread::spawn(move || {
        Command::new(env!("CARGO_BIN_EXE_ntpkit-client"))
            .args([addr.as_str(), "-c", "4", "--spacing", "0.2", "-t", "0.3"])
            .output()
            .unwrap()
    });
    let mut requests = Vec::new();
    let mut buf = [0u8; 512];
    while requests.len() < 4 {
        let Ok((n, _)) = server.recv_from(&mut buf) else {
            break;
        };
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        assert_eq!(n, 48, "an unauthenticated request is a bare header");
        let seconds = u32::from_be_bytes(buf[40..44].try_into().unwrap());
        let fraction = u32::from_be_bytes(buf[44..48].try_into().unwrap());
        requests.push((seconds, fraction, now));
    }
    let out = client.join().unwrap();
    assert!(!out.status.success(), "no server answered: {out:?}");
    assert_eq!(requests.len(), 4, "{out:?}");
    // The seconds are the clock's (a server may check them; RFC 5905 leaves the fraction's
    // low bits to us) ...
    for &(seconds, _, now) in &requests {
        let ours = (now.as_secs() + NTP_UNIX_OFFSET) as u32;
        assert!(ours.wrapping_sub(seconds) <= 1, "{seconds} vs {ours}");
    }
    // ... and the fraction is not: a clock's fraction would be within a millisecond of the
    // arrival time's on the loopback. A random one is, by chance, once in 500 draws, so two
    // of four (probability 2.4e-5) fail the test.
    let near_the_clock = requests
        .iter()
        .filter(|&&(_, fraction, now)| {
            let clock = ((u64::from(now.subsec_nanos()) << 32) / 1_000_000_000) as u32;
            let apart = fraction
                .wrapping_sub(clock)
                .min(clock.wrapping_sub(fraction));
            f64::from(apart) / 2f64.powi(32) < 1e-3
        })
        .count();
    assert!(near_the_clock < 2, "{requests:?}");
    let mut fractions: Vec<u32> = requests.iter().map(|r| r.1).collect();
    fractions.sort_unstable();
    fractions.dedup();
    assert_eq!(fractions.len(), 4, "{requests:?}");
}
