//! `ntpkit-manycast server GROUP`: listen on the group, answer by unicast when the
//! manycast rule allows (ntpkit-assoc's `ManycastServer`), and serve the polls of the
//! clients that then associate (a plain `Responder`).

use std::net::SocketAddr;

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use ntpkit_access::Decision;
use ntpkit_assoc::manycast::{ManycastServer, ManycastServerOutcome};
use ntpkit_assoc::{Request, Responder, ResponderOutcome, ServerState};
use ntpkit_auth::KeyStore;
use ntpkit_runtime::{MulticastDatagram, MulticastSocket, clock_precision};
use ntpkit_wire::{Precision, ReferenceId, Stratum};

use crate::clock::Clocks;

const GROUP: Token = Token(0);
const UNICAST: Token = Token(1);

/// What the server needs.
pub(crate) struct ServerOptions {
    pub(crate) group: SocketAddr,
    pub(crate) interface: Option<String>,
    pub(crate) keys: KeyStore,
    pub(crate) stratum: u8,
    pub(crate) clocks: Clocks,
    pub(crate) duration: Option<std::time::Duration>,
}

/// Runs until `duration` (or for ever).
pub(crate) fn run(o: &ServerOptions) -> Result<(), String> {
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    let group = MulticastSocket::join(o.group, o.interface.as_deref())
        .map_err(|e| io(&format!("cannot join {}", o.group), e))?;
    let unicast = MulticastSocket::answerer(o.group).map_err(|e| io("cannot open socket", e))?;
    let mut poll = Poll::new().map_err(|e| io("poll", e))?;
    for (socket, token) in [(&group, GROUP), (&unicast, UNICAST)] {
        let fd = std::os::fd::AsRawFd::as_raw_fd(socket);
        poll.registry()
            .register(&mut SourceFd(&fd), token, Interest::READABLE)
            .map_err(|e| io("poll", e))?;
    }
    println!(
        "serving manycast on {} (answers from {}), stratum {}",
        o.group,
        unicast.local_addr().map_err(|e| io("socket", e))?,
        o.stratum
    );
    let state = ServerState::local_reference(
        Stratum(o.stratum),
        ReferenceId(*b"LOCL"),
        Precision(clock_precision()),
    );
    let mut manycast = ManycastServer::default();
    let mut responder = Responder::default();
    let mut events = Events::with_capacity(8);
    let mut buf = [0u8; 1024];
    let mut out = [0u8; 1024];
    loop {
        if o.duration.is_some_and(|d| o.clocks.now() >= d) {
            return Ok(());
        }
        poll.poll(&mut events, Some(std::time::Duration::from_millis(200)))
            .map_err(|e| io("poll", e))?;
        while let Some(d) = group.recv(&mut buf).map_err(|e| io("receive", e))? {
            let req = request(&buf, &d, &o.clocks);
            let outcome =
                manycast.respond(&req, &state, &o.keys, serve, &mut out, || o.clocks.wall());
            match outcome {
                ManycastServerOutcome::Reply(r) => {
                    send(&unicast, out.get(..r.len).unwrap_or(&[]), d.from);
                }
                ManycastServerOutcome::Silent(why) => println!("silent to {}: {why:?}", d.from),
            }
        }
        while let Some(d) = unicast.recv(&mut buf).map_err(|e| io("receive", e))? {
            let req = request(&buf, &d, &o.clocks);
            if let ResponderOutcome::Reply(r) =
                responder.respond(&req, &state, &o.keys, serve, &mut out, || o.clocks.wall())
            {
                send(&unicast, out.get(..r.len).unwrap_or(&[]), d.from);
            }
        }
    }
}

fn request<'a>(buf: &'a [u8], d: &MulticastDatagram, clocks: &Clocks) -> Request<'a> {
    Request::new(
        buf.get(..d.len).unwrap_or(&[]),
        d.from,
        clocks.stamp(d.received),
    )
}

/// No access control in this small server: every well-formed request is served.
fn serve(_: &Request<'_>, _: &ntpkit_assoc::Inspection) -> Decision {
    Decision::Serve
}

fn send(socket: &MulticastSocket, bytes: &[u8], to: SocketAddr) {
    if let Err(e) = socket.send_to(bytes, to) {
        eprintln!("cannot answer {to}: {e}");
    }
}
