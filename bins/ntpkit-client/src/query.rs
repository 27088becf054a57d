//! The query loop: one client association over a connected UDP socket, in real time.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use ntpkit_assoc::client::{
    ClientAssociation, ClientConfig, ClientEvent, ClientSample, KissAction, Rejection,
};
use ntpkit_auth::{KeyId, KeyStore};
use ntpkit_runtime::{UnixTime, os_random_u32};
use ntpkit_wire::{KissCode, NtpTimestamp};

use crate::error::ClientError;

/// What to ask and how.
pub(crate) struct QueryOptions {
    pub(crate) server: SocketAddr,
    pub(crate) samples: u8,
    pub(crate) spacing: Duration,
    pub(crate) timeout: Duration,
    pub(crate) key: Option<(KeyStore, KeyId)>,
}

fn wall_clock() -> NtpTimestamp {
    let t = UnixTime::now();
    NtpTimestamp::from_unix(t.secs, t.nanos)
}

/// Sends up to `samples` requests and collects the accepted replies.
pub(crate) fn run(opts: &QueryOptions) -> Result<Vec<ClientSample>, ClientError> {
    let io = |e: std::io::Error| ClientError::Io(format!("{}: {e}", opts.server));
    let bind: SocketAddr = if opts.server.is_ipv4() {
        "0.0.0.0:0"
            .parse()
            .map_err(|_| ClientError::Io("bind".into()))?
    } else {
        "[::]:0"
            .parse()
            .map_err(|_| ClientError::Io("bind".into()))?
    };
    // A fresh ephemeral port per query (RFC 9109); connect() filters other sources.
    let socket = UdpSocket::bind(bind).map_err(io)?;
    socket.connect(opts.server).map_err(io)?;

    let mut config = ClientConfig::default();
    config.iburst = true;
    config.burst_spacing = opts.spacing;
    config.local_precision = ntpkit_runtime::clock_precision();
    config.key = opts.key.as_ref().map(|(_, id)| *id);
    let empty = KeyStore::new();
    let keys = opts.key.as_ref().map_or(&empty, |(k, _)| k);

    let start = Instant::now();
    let mut assoc = ClientAssociation::new(config, Duration::ZERO, os_random_u32);
    let mut samples = Vec::new();
    let mut sent = 0u8;
    let mut last_rejection: Option<Rejection> = None;
    let mut last_sent = Duration::ZERO;
    let mut buf = [0u8; 1024];
    loop {
        let now = start.elapsed();
        if sent < opts.samples && assoc.poll_timeout().is_some_and(|at| at <= now) {
            assoc.handle_timeout(now);
            // T1 is read as late as possible, right before the send.
            let t1 = wall_clock();
            if let Some(len) = assoc
                .poll_transmit(now, t1, keys, &mut buf)
                .map_err(|e| ClientError::Keys(e.to_string()))?
            {
                socket.send(buf.get(..len).unwrap_or(&[])).map_err(io)?;
                sent += 1;
                last_sent = now;
            }
        }
        let done_sending = sent >= opts.samples;
        let reply_deadline = last_sent + opts.timeout;
        if done_sending && (!assoc.awaiting_reply() || now >= reply_deadline) {
            break;
        }
        let next_send = if done_sending {
            reply_deadline
        } else {
            assoc.poll_timeout().unwrap_or(reply_deadline)
        };
        let wait = next_send
            .min(reply_deadline)
            .saturating_sub(now)
            .max(Duration::from_millis(1));
        socket.set_read_timeout(Some(wait)).map_err(io)?;
        let n = match socket.recv(&mut buf) {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            // ICMP port unreachable surfaces here on a connected socket: the server is not there.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => continue,
            Err(e) => return Err(io(e)),
        };
        let t4 = wall_clock();
        let bytes = buf.get(..n).unwrap_or(&[]);
        match assoc.handle_response(start.elapsed(), bytes, t4, keys) {
            Ok(ClientEvent::Sample(s)) => samples.push(s),
            // INIT, STEP and other codes say "not synchronised (yet)", not "go away": keep
            // waiting for a usable reply (NTPsec answers INIT until it has a source).
            Ok(ClientEvent::Kiss {
                action: KissAction::Ignored,
                ..
            }) => last_rejection = Some(Rejection::Unsynchronized),
            Ok(ClientEvent::Kiss { code, .. }) => {
                return Err(ClientError::Kiss {
                    server: opts.server.to_string(),
                    code,
                    meaning: kiss_meaning(code),
                });
            }
            Ok(_) => {}
            Err(r) => last_rejection = Some(r),
        }
    }
    if samples.is_empty() {
        return Err(match last_rejection {
            Some(r @ Rejection::Authentication(_)) => ClientError::BadMac {
                server: opts.server.to_string(),
                rejection: r,
            },
            rejected => ClientError::Timeout {
                server: opts.server.to_string(),
                seconds: opts.timeout.as_secs_f64(),
                rejected,
                key_id: opts.key.as_ref().map(|(_, id)| u32::from(*id)),
            },
        });
    }
    Ok(samples)
}

fn kiss_meaning(code: KissCode) -> &'static str {
    match code {
        KissCode::Rate => "rate limited: query less often",
        KissCode::Deny => "access denied by the server",
        KissCode::Rstr => "access restricted by the server's policy",
        KissCode::Auth | KissCode::Cryp | KissCode::Nkey => "the server refused our authentication",
        _ => "see RFC 5905 section 7.4",
    }
}
