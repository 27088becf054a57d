//! A router-style manycast client on a std UDP socket: solicit a group with a growing TTL
//! (the expanding ring), take time only from servers whose answers carry our key's MAC, and
//! report what was found. The router's `ntp manycast client GROUP key K ttl T`, in about 90
//! lines.
//!
//! ```sh
//! cargo run -p ntpkit-assoc --example manycast_client -- 239.255.1.1:123 KEYFILE KEYID [SECONDS]
//! ```
//!
//! Servers: `ntpkit-manycast server 239.255.1.1 --keys KEYFILE`, or an ntpkitd/ntpd with
//! `manycastserver`. The example never touches the clock; it prints the offset.

use std::net::{SocketAddr, SocketAddrV4, UdpSocket};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ntpkit_assoc::host::{Host, HostEvent};
use ntpkit_assoc::manycast::{Destination, ManycastClient, ManycastConfig, ManycastEvent};
use ntpkit_auth::{KeyId, KeyStore, parse_key_file};
use ntpkit_clock::ClockOptions;
use ntpkit_wire::NtpTimestamp;

fn wall() -> NtpTimestamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    NtpTimestamp::from_unix(d.as_secs() as i64, d.subsec_nanos())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, group, key_file, key_id, rest @ ..] = args.as_slice() else {
        return Err("usage: manycast_client GROUP:PORT KEYFILE KEYID [SECONDS]".into());
    };
    let group: SocketAddrV4 = group.parse()?;
    let seconds: u64 = rest.first().map_or(Ok(60), |s| s.parse())?;
    let mut keys = KeyStore::new();
    parse_key_file(key_file, &std::fs::read_to_string(key_file)?)?.install(&mut keys)?;
    let key = KeyId::new(key_id.parse()?).ok_or("key id 1..=65534")?;
    keys.trust(key);

    let mut config = ManycastConfig::default();
    config.client.key = Some(key);
    config.client.minpoll = 3; // solicit every 8 s while searching
    let host = Host::new(ClockOptions::default(), -20, None, Duration::ZERO)?;
    // Production code uses an OS random source (ntpkit_runtime::os_random_u32).
    let mut seed = std::process::id();
    let rng = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        seed
    };
    let mut client = ManycastClient::new(config, host, rng, Duration::ZERO)?;

    let socket = UdpSocket::bind("0.0.0.0:0")?;
    let start = Instant::now();
    let mut buf = [0u8; 1024];
    while start.elapsed() < Duration::from_secs(seconds) {
        let now = start.elapsed();
        client.handle_timeout(now, wall());
        while let Some(t) = client.poll_transmit(now, wall(), &keys, &mut buf)? {
            let to: SocketAddr = match t.destination {
                Destination::Group { ttl } => {
                    socket.set_multicast_ttl_v4(u32::from(ttl))?;
                    println!("soliciting {group} with TTL {ttl}");
                    group.into()
                }
                Destination::Server(server) => server,
                _ => continue,
            };
            socket.send_to(&buf[..t.len], to)?;
        }
        while let Some(event) = client.poll_event() {
            match event {
                ManycastEvent::Mobilized { server, ttl, .. } => {
                    println!("found {server} within {ttl} hop(s)")
                }
                ManycastEvent::Host(HostEvent::ClockUpdate { offset, .. }) => {
                    println!("offset {offset:+.6} s")
                }
                // Samples and the once-a-second clock adjustments: a daemon's business.
                ManycastEvent::Host(_) => {}
                other => println!("{other:?}"),
            }
        }
        let wait = client.poll_timeout().saturating_sub(start.elapsed());
        socket.set_read_timeout(Some(wait.max(Duration::from_millis(1))))?;
        if let Ok((n, from)) = socket.recv_from(&mut buf) {
            let t4 = wall();
            if let Err(why) = client.handle_packet(start.elapsed(), from, &buf[..n], t4, &keys) {
                println!("ignored a datagram from {from}: {why:?}");
            }
        }
    }
    let state = client.host().server_state(wall());
    println!(
        "servers: {:?}; we would serve at stratum {}",
        client.servers(),
        state.stratum.0
    );
    Ok(())
}
