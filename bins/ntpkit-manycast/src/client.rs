//! `ntpkit-manycast client GROUP`: the expanding-ring search and the associations it
//! mobilises (ntpkit-assoc's `ManycastClient` over a `Host`), printing the servers found
//! and the offset. It never adjusts the clock.

use std::net::SocketAddr;
use std::time::Duration;

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use ntpkit_assoc::host::{Host, HostEvent};
use ntpkit_assoc::manycast::{Destination, ManycastClient, ManycastConfig, ManycastEvent};
use ntpkit_auth::KeyStore;
use ntpkit_clock::ClockOptions;
use ntpkit_runtime::{MulticastSocket, clock_precision, os_random_u32};

use crate::clock::Clocks;

/// What the client needs.
pub(crate) struct ClientOptions {
    pub(crate) group: SocketAddr,
    pub(crate) interface: Option<String>,
    pub(crate) keys: KeyStore,
    pub(crate) config: ManycastConfig,
    pub(crate) clocks: Clocks,
    pub(crate) duration: Duration,
    /// Stop early once synchronised with this many servers associated.
    pub(crate) wait_for: Option<usize>,
}

type Rng = fn() -> u32;

/// Runs the search; `Ok(true)` when it ended synchronised.
pub(crate) fn run(o: ClientOptions) -> Result<bool, String> {
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    let socket = MulticastSocket::sender(o.group, o.interface.as_deref())
        .map_err(|e| io(&format!("cannot send to {}", o.group), e))?;
    let mut poll = Poll::new().map_err(|e| io("poll", e))?;
    let fd = std::os::fd::AsRawFd::as_raw_fd(&socket);
    poll.registry()
        .register(&mut SourceFd(&fd), Token(0), Interest::READABLE)
        .map_err(|e| io("poll", e))?;
    let precision = clock_precision();
    // This client only measures: the clock is never stepped, so the discipline must not
    // believe it was (after a step the host forgets every sample); as ntpd -x, slew up to
    // 600 s.
    let mut options = ClockOptions::default();
    options.tinker.step = 600.0;
    options.tos.minclock = o.config.minclock;
    options.tos.maxclock = o.config.maxclock;
    let host = Host::new(options, precision, None, o.clocks.now()).map_err(|e| format!("{e:?}"))?;
    let rng: Rng = os_random_u32;
    let mut client =
        ManycastClient::new(o.config, host, rng, o.clocks.now()).map_err(|e| e.to_string())?;
    let mut events = Events::with_capacity(8);
    let mut buf = [0u8; 1024];
    let mut offset = None;
    println!("searching {}", o.group);
    while o.clocks.now() < o.duration {
        let now = o.clocks.now();
        client.handle_timeout(now, o.clocks.wall());
        loop {
            let sent = client.poll_transmit(now, o.clocks.wall(), &o.keys, &mut buf);
            let t = match sent {
                Ok(Some(t)) => t,
                Ok(None) => break,
                Err(e) => return Err(format!("cannot sign: {e}")),
            };
            let bytes = buf.get(..t.len).unwrap_or(&[]);
            let result = match t.destination {
                Destination::Group { ttl } => {
                    println!("solicit ttl {ttl}");
                    socket
                        .set_ttl(ttl)
                        .and_then(|()| socket.send_to_group(bytes))
                }
                Destination::Server(addr) => socket.send_to(bytes, addr),
                _ => Ok(()),
            };
            if let Err(e) = result {
                eprintln!("send failed: {e}");
            }
        }
        report(&mut client, &mut offset);
        if o.wait_for.is_some_and(|n| client.servers().len() >= n)
            && client.host().system_peer().is_some()
            && offset.is_some()
        {
            break;
        }
        let wait = client
            .poll_timeout()
            .saturating_sub(o.clocks.now())
            .clamp(Duration::from_millis(1), Duration::from_millis(200));
        poll.poll(&mut events, Some(wait))
            .map_err(|e| io("poll", e))?;
        while let Some(d) = socket.recv(&mut buf).map_err(|e| io("receive", e))? {
            let bytes = buf.get(..d.len).unwrap_or(&[]);
            let at = o.clocks.stamp(d.received);
            if let Err(r) = client.handle_packet(o.clocks.now(), d.from, bytes, at, &o.keys) {
                println!("ignored {}: {r}", d.from);
            }
        }
        report(&mut client, &mut offset);
    }
    let mut servers: Vec<String> = client
        .servers()
        .iter()
        .map(|(_, a)| a.to_string())
        .collect();
    servers.sort();
    println!("servers found: {} ({})", servers.len(), servers.join(", "));
    let peer = client.host().system_peer().and_then(|id| {
        client
            .servers()
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, a)| *a)
    });
    match (peer, offset) {
        (Some(peer), Some(offset)) => {
            println!("synchronised to {peer}, offset {offset:+.6} s");
            Ok(true)
        }
        _ => {
            println!("not synchronised");
            Ok(false)
        }
    }
}

fn report(client: &mut ManycastClient<Rng>, offset: &mut Option<f64>) {
    while let Some(e) = client.poll_event() {
        match e {
            ManycastEvent::Mobilized { server, ttl, .. } => {
                println!("found {server} at ttl {ttl}");
            }
            ManycastEvent::Demobilized { server, reason, .. } => {
                println!("dropped {server}: {reason:?}");
            }
            ManycastEvent::Host(HostEvent::ClockUpdate { offset: o, .. }) => {
                println!("offset {o:+.6} s");
                *offset = Some(o);
            }
            ManycastEvent::Host(HostEvent::SystemPeer(p)) => {
                let addr = p.and_then(|id| {
                    client
                        .servers()
                        .iter()
                        .find(|(i, _)| *i == id)
                        .map(|(_, a)| *a)
                });
                match addr {
                    Some(a) => println!("system peer {a}"),
                    None => println!("no system peer"),
                }
            }
            _ => {}
        }
    }
}
