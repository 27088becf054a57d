//! Embedding a [`ClientAssociation`] in a tokio service: the association decides when to
//! poll and checks every reply; the service owns the socket and the timer, and hands the
//! association the time and the datagrams. One `tokio::select!` over "a datagram arrived"
//! and "the association's poll timeout passed" is the whole event loop.
//!
//! ```text
//! cargo run -p ntpkit-assoc --example tokio_client -- 127.0.0.1:12300 4
//! ```
//!
//! Arguments: the server as HOST:PORT, and how many samples to take (default 4, sent as an
//! iburst). It prints each sample's offset and delay and exits; it never sets the clock.

use std::io::Read;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ntpkit_assoc::client::{ClientAssociation, ClientConfig, ClientEvent};
use ntpkit_auth::KeyStore;
use ntpkit_wire::NtpTimestamp;
use tokio::net::UdpSocket;
use tokio::time::{Instant, sleep_until};

/// How long to wait for the reply to the last request before giving up.
const LAST_REPLY_TIMEOUT: Duration = Duration::from_secs(2);

type Error = Box<dyn std::error::Error>;

/// The host's wall clock as an NTP timestamp (T1 and T4; the association reads no clock).
fn wall_clock() -> NtpTimestamp {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    NtpTimestamp::from_unix(i64::try_from(t.as_secs()).unwrap_or(0), t.subsec_nanos())
}

/// The association's randomness (unpredictable transmit timestamps, CVE-2020-13817) must
/// come from a secure source: here the OS's, through /dev/urandom.
fn os_rng() -> Result<impl FnMut() -> u32, Error> {
    let mut urandom = std::fs::File::open("/dev/urandom")?;
    Ok(move || {
        let mut b = [0u8; 4];
        // /dev/urandom does not fail once open; a zero would only weaken spoofing resistance.
        let _ = urandom.read_exact(&mut b);
        u32::from_ne_bytes(b)
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let server = args
        .next()
        .ok_or("usage: tokio_client HOST:PORT [SAMPLES]")?;
    let wanted: u32 = args.next().map_or(Ok(4), |n| n.parse())?;
    let server = tokio::net::lookup_host(&server)
        .await?
        .next()
        .ok_or("no address")?;
    let bind = if server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let socket = UdpSocket::bind(bind).await?;
    socket.connect(server).await?; // Only the server's datagrams reach us.

    let mut config = ClientConfig::default();
    config.iburst = true;
    let keys = KeyStore::new();
    // The association's time is a Duration since an epoch we pick: the start of the loop.
    let start = Instant::now();
    let mut assoc = ClientAssociation::new(config, Duration::ZERO, os_rng()?);
    let (mut tx, mut rx) = ([0u8; 128], [0u8; 1024]);
    let (mut sent, mut received) = (0u32, 0u32);
    let mut give_up = None;

    while received < wanted {
        // Stop polling once `wanted` requests are out; then wait a little for the last reply.
        let wake = match (sent < wanted, assoc.poll_timeout(), give_up) {
            (true, Some(due), _) => start + due,
            (_, _, Some(deadline)) => deadline,
            _ => break,
        };
        tokio::select! {
            result = socket.recv(&mut rx) => {
                let len = match result {
                    Ok(len) => len,
                    // ICMP port unreachable for an earlier request: nobody there (yet).
                    Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => continue,
                    Err(e) => return Err(e.into()),
                };
                let t4 = wall_clock(); // The destination timestamp, as early as possible.
                let bytes = rx.get(..len).unwrap_or(&[]);
                match assoc.handle_response(start.elapsed(), bytes, t4, &keys) {
                    Ok(ClientEvent::Sample(s)) => {
                        received += 1;
                        println!(
                            "{server}: offset {:+.6} s, delay {:.6} s, stratum {}",
                            s.sample.offset, s.sample.delay, s.server.stratum
                        );
                    }
                    Ok(other) => println!("{server}: {other:?}"),
                    Err(rejection) => println!("{server}: rejected: {rejection:?}"),
                }
            }
            () = sleep_until(wake) => {
                if sent >= wanted {
                    break; // The last reply never came.
                }
                let now = start.elapsed();
                assoc.handle_timeout(now);
                // T1 is read as late as possible, right before the send.
                if let Some(len) = assoc.poll_transmit(now, wall_clock(), &keys, &mut tx)? {
                    socket.send(tx.get(..len).unwrap_or(&[])).await?;
                    sent += 1;
                    if sent == wanted {
                        give_up = Some(Instant::now() + LAST_REPLY_TIMEOUT);
                    }
                }
            }
        }
    }
    println!("{received} of {wanted} samples from {server}");
    if received == 0 {
        return Err(format!("no usable reply from {server}").into());
    }
    Ok(())
}
