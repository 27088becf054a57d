//! `ntpkit-manycast client GROUP [--also ...]`: the expanding-ring search of each group and
//! the associations it mobilises (ntpkit-assoc's `ManycastClient` over a `Host`, one ring a
//! group), printing the servers found and the offset. It never adjusts the clock.

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

/// One group solicited: where, on which interface, with which settings.
pub(crate) struct Group {
    pub(crate) address: SocketAddr,
    pub(crate) interface: Option<String>,
    pub(crate) config: ManycastConfig,
}

/// What the client needs.
pub(crate) struct ClientOptions {
    /// The groups, the first one's `minclock`, `maxclock` and session cap bounding them all.
    pub(crate) groups: Vec<Group>,
    pub(crate) keys: KeyStore,
    pub(crate) clocks: Clocks,
    pub(crate) duration: Duration,
    /// Stop early once synchronised with this many servers associated.
    pub(crate) wait_for: Option<usize>,
}

type Rng = fn() -> u32;

/// Runs the search; `Ok(true)` when it ended synchronised.
pub(crate) fn run(o: ClientOptions) -> Result<bool, String> {
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    let first = o.groups.first().ok_or("no group to solicit")?;
    let mut poll = Poll::new().map_err(|e| io("poll", e))?;
    // One socket a group, in ring order: its solicitations and the polls of the servers it
    // found go out of it, so they leave by that group's interface.
    let mut sockets = Vec::with_capacity(o.groups.len());
    for (i, g) in o.groups.iter().enumerate() {
        let socket = MulticastSocket::sender(g.address, g.interface.as_deref())
            .map_err(|e| io(&format!("cannot send to {}", g.address), e))?;
        let fd = std::os::fd::AsRawFd::as_raw_fd(&socket);
        poll.registry()
            .register(&mut SourceFd(&fd), Token(i), Interest::READABLE)
            .map_err(|e| io("poll", e))?;
        sockets.push(socket);
    }
    let precision = clock_precision();
    // This client only measures: the clock is never stepped, so the discipline must not
    // believe it was (after a step the host forgets every sample); as ntpd -x, slew up to
    // 600 s.
    let mut options = ClockOptions::default();
    options.tinker.step = 600.0;
    options.tos.minclock = first.config.minclock;
    options.tos.maxclock = first.config.maxclock;
    let host = Host::new(options, precision, None, o.clocks.now()).map_err(|e| format!("{e:?}"))?;
    let rng: Rng = os_random_u32;
    let mut client = ManycastClient::new(first.config.clone(), host, rng, o.clocks.now())
        .map_err(|e| e.to_string())?;
    for g in o.groups.iter().skip(1) {
        client
            .add_ring(g.config.clone(), o.clocks.now())
            .map_err(|e| format!("--also {}: {e}", g.address))?;
    }
    let mut events = Events::with_capacity(8);
    let mut buf = [0u8; 1024];
    let mut offset = None;
    let addresses: Vec<SocketAddr> = o.groups.iter().map(|g| g.address).collect();
    for a in &addresses {
        println!("searching {a}");
    }
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
            let socket = t
                .ring
                .and_then(|r| sockets.get(r.index()))
                .unwrap_or(&sockets[0]);
            let result = match t.destination {
                Destination::Group { ttl } => {
                    println!("solicit {} ttl {ttl}", socket.group());
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
        report(&mut client, &mut offset, &addresses);
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
        for socket in &sockets {
            while let Some(d) = socket.recv(&mut buf).map_err(|e| io("receive", e))? {
                let bytes = buf.get(..d.len).unwrap_or(&[]);
                let at = o.clocks.stamp(d.received);
                if let Err(r) = client.handle_packet(o.clocks.now(), d.from, bytes, at, &o.keys) {
                    println!("ignored {}: {r}", d.from);
                }
            }
        }
        report(&mut client, &mut offset, &addresses);
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

/// Prints what the client did; `groups` are the groups' addresses in ring order.
fn report(client: &mut ManycastClient<Rng>, offset: &mut Option<f64>, groups: &[SocketAddr]) {
    while let Some(e) = client.poll_event() {
        match e {
            ManycastEvent::Mobilized {
                id, server, ttl, ..
            } => {
                let group = client
                    .ring_of(id)
                    .and_then(|r| groups.get(r.index()))
                    .map_or_else(|| "?".to_owned(), ToString::to_string);
                println!("found {server} via {group} at ttl {ttl}");
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
