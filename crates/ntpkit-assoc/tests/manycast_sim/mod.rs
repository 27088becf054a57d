//! A simulated multicast network for the manycast tests: servers at known hop distances
//! and clock offsets, running the real [`ManycastServer`] on the group and the real
//! [`Responder`] on unicast, and a client whose clock is exact, so every expected figure is
//! the scenario's own numbers.

use core::time::Duration;
use std::net::SocketAddr;

use ntpkit_access::Decision;
use ntpkit_assoc::client::{ClientConfig, ClientRng};
use ntpkit_assoc::host::Host;
use ntpkit_assoc::manycast::{
    Destination, ManycastClient, ManycastConfig, ManycastEvent, ManycastRejection, ManycastServer,
    ManycastServerOutcome,
};
use ntpkit_assoc::{
    FailedMacReply, Request, Responder, ResponderConfig, ResponderOutcome, ServerState,
};
use ntpkit_auth::{KeyId, KeyStore, append_mac, parse_key_file};
use ntpkit_clock::ClockOptions;
use ntpkit_wire::{NtpDuration, NtpTimestamp, Precision, ReferenceId, Stratum};

/// Unix second the simulation starts at.
pub(crate) const EPOCH: i64 = 1_700_000_000;
/// The key id every good party uses.
pub(crate) const KEY: u32 = 7;
/// One-way delay per hop, seconds.
pub(crate) const HOP_DELAY: f64 = 0.000_5;
/// The client's address.
pub(crate) const CLIENT: &str = "10.0.0.1:40123";

/// A deterministic generator; clones continue the same sequence (the tests only need
/// unpredictability against nobody).
#[derive(Clone, Debug)]
pub(crate) struct Lcg(pub u32);

impl ClientRng for Lcg {
    fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        self.0
    }
}

/// How a simulated server behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Behaviour {
    /// Key 7 with the right secret.
    Good,
    /// Key 7 with another secret, answering a MAC it cannot verify with a crypto-NAK as
    /// ntpd does.
    WrongKey,
    /// Key 7 with another secret, signing its answers anyway (a forger that guessed the
    /// key id).
    Forger,
    /// Answers without any MAC (strips the request's before answering).
    Unauthenticated,
}

pub(crate) struct SimServer {
    pub(crate) addr: SocketAddr,
    pub(crate) hops: u8,
    /// Seconds its clock is ahead of true time.
    pub(crate) offset: f64,
    pub(crate) stratum: u8,
    pub(crate) behaviour: Behaviour,
    pub(crate) alive: bool,
    /// The client's group (ring) it listens on: 0, or one added with [`Sim::add_group`].
    pub(crate) ring: usize,
    keys: KeyStore,
    group: ManycastServer,
    unicast: Responder,
}

/// A key store with key 7 as AES-128-CMAC, trusted; `secret` picks the key bytes.
pub(crate) fn keystore(secret: &str) -> KeyStore {
    let mut keys = KeyStore::new();
    let file = parse_key_file("sim", &format!("{KEY} AES128CMAC {secret}\n")).unwrap();
    file.install(&mut keys).unwrap();
    keys.trust(KeyId::new(KEY).unwrap());
    keys
}

pub(crate) const GOOD_SECRET: &str = "000102030405060708090a0b0c0d0e0f";
pub(crate) const WRONG_SECRET: &str = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

pub(crate) fn server(index: u8, hops: u8, offset: f64, behaviour: Behaviour) -> SimServer {
    let mut nak = ResponderConfig::default();
    if behaviour == Behaviour::WrongKey {
        nak.failed_mac = FailedMacReply::CryptoNak;
    }
    SimServer {
        addr: format!("10.0.{hops}.{}:123", 10 + index).parse().unwrap(),
        hops,
        offset,
        stratum: 1,
        behaviour,
        alive: true,
        ring: 0,
        keys: keystore(
            if matches!(behaviour, Behaviour::WrongKey | Behaviour::Forger) {
                WRONG_SECRET
            } else {
                GOOD_SECRET
            },
        ),
        group: ManycastServer::new(nak),
        unicast: Responder::new(nak),
    }
}

pub(crate) fn wall(t: Duration) -> NtpTimestamp {
    NtpTimestamp::from_unix(EPOCH, 0) + NtpDuration::from_seconds_f64(t.as_secs_f64())
}

/// The client's settings in these tests: key 7, iburst, minpoll 6, maxpoll 10.
pub(crate) fn config() -> ManycastConfig {
    let mut client = ClientConfig::default();
    client.key = KeyId::new(KEY);
    client.iburst = true;
    let mut c = ManycastConfig::default();
    c.client = client;
    c
}

pub(crate) struct Sim {
    pub(crate) client: ManycastClient<Lcg>,
    pub(crate) servers: Vec<SimServer>,
    pub(crate) keys: KeyStore,
    pub(crate) now: Duration,
    /// Replies in flight: (arrival, from, bytes).
    in_flight: Vec<(Duration, SocketAddr, Vec<u8>)>,
    pub(crate) events: Vec<ManycastEvent>,
    pub(crate) rejections: Vec<(SocketAddr, ManycastRejection)>,
    /// TTL of every solicitation sent, with its time.
    pub(crate) solicitations: Vec<(Duration, u8)>,
    /// Largest number of associations seen at any time.
    pub(crate) max_associated: usize,
}

impl Sim {
    pub(crate) fn new(config: ManycastConfig, servers: Vec<SimServer>) -> Self {
        let host = Host::new(ClockOptions::default(), -20, None, Duration::ZERO).unwrap();
        Self {
            client: ManycastClient::new(config, host, Lcg(11), Duration::ZERO).unwrap(),
            servers,
            keys: keystore(GOOD_SECRET),
            now: Duration::ZERO,
            in_flight: Vec::new(),
            events: Vec::new(),
            rejections: Vec::new(),
            solicitations: Vec::new(),
            max_associated: 0,
        }
    }

    /// The client solicits another group (the servers whose `ring` is its index hear it).
    pub(crate) fn add_group(&mut self, config: ManycastConfig) {
        self.client.add_ring(config, self.now).unwrap();
    }

    pub(crate) fn server_mut(&mut self, addr: SocketAddr) -> &mut SimServer {
        self.servers.iter_mut().find(|s| s.addr == addr).unwrap()
    }

    /// Runs until `until`.
    pub(crate) fn run(&mut self, until: Duration) {
        let mut buf = [0u8; 128];
        while self.now < until {
            let arrival = self.in_flight.iter().map(|(t, _, _)| *t).min();
            let timeout = self.client.poll_timeout();
            self.now = arrival.map_or(timeout, |a| a.min(timeout)).max(self.now);
            while let Some(i) = self.in_flight.iter().position(|(t, _, _)| *t <= self.now) {
                let (_, from, bytes) = self.in_flight.swap_remove(i);
                if let Err(r) =
                    self.client
                        .handle_packet(self.now, from, &bytes, wall(self.now), &self.keys)
                {
                    self.rejections.push((from, r));
                }
            }
            self.client.handle_timeout(self.now, wall(self.now));
            while let Some(t) = self
                .client
                .poll_transmit(self.now, wall(self.now), &self.keys, &mut buf)
                .unwrap()
            {
                let request = buf[..t.len].to_vec();
                match t.destination {
                    Destination::Group { ttl } => {
                        self.solicitations.push((self.now, ttl));
                        let ring = t.ring.map_or(0, |r| r.index());
                        for i in 0..self.servers.len() {
                            let s = &self.servers[i];
                            if s.alive && s.hops <= ttl && s.ring == ring {
                                self.answer(i, &request, true);
                            }
                        }
                    }
                    Destination::Server(addr) => {
                        if let Some(i) = self.servers.iter().position(|s| s.addr == addr)
                            && self.servers[i].alive
                        {
                            self.answer(i, &request, false);
                        }
                    }
                    _ => unreachable!(),
                }
            }
            while let Some(e) = self.client.poll_event() {
                self.events.push(e);
            }
            self.max_associated = self.max_associated.max(self.client.servers().len());
            if self.now >= until {
                break;
            }
        }
    }

    /// Server `i` answers `request` (on the group or by unicast); the reply is queued.
    fn answer(&mut self, i: usize, request: &[u8], on_group: bool) {
        let now = self.now;
        let s = &mut self.servers[i];
        let one_way = HOP_DELAY * f64::from(s.hops);
        let received = wall(now) + NtpDuration::from_seconds_f64(one_way + s.offset);
        let sent = received + NtpDuration::from_seconds_f64(0.000_01);
        let mut forged = request[..48].to_vec();
        forged.resize(128, 0);
        let request = match s.behaviour {
            Behaviour::Unauthenticated => &request[..48],
            // Signs the request itself so that its responder signs the answer.
            Behaviour::Forger => {
                let len = append_mac(&s.keys, KeyId::new(KEY).unwrap(), &mut forged, 48).unwrap();
                &forged[..len]
            }
            _ => request,
        };
        let state = ServerState::local_reference(
            Stratum(s.stratum),
            ReferenceId(*b"GPS\0"),
            Precision(-20),
        );
        let client: SocketAddr = CLIENT.parse().unwrap();
        let req = Request::new(request, client, received);
        let mut out = [0u8; 128];
        let len = if on_group {
            match s.group.respond(
                &req,
                &state,
                &s.keys,
                |_, _| Decision::Serve,
                &mut out,
                || sent,
            ) {
                ManycastServerOutcome::Reply(r) => r.len,
                ManycastServerOutcome::Silent(_) => return,
            }
        } else {
            match s.unicast.respond(
                &req,
                &state,
                &s.keys,
                |_, _| Decision::Serve,
                &mut out,
                || sent,
            ) {
                ResponderOutcome::Reply(r) => r.len,
                ResponderOutcome::NoReply(_) => return,
            }
        };
        let back = now + Duration::from_secs_f64(2.0 * one_way + 0.000_01);
        self.in_flight.push((back, s.addr, out[..len].to_vec()));
    }

    /// Addresses mobilised, in order, with the TTL of the solicitation each answered.
    pub(crate) fn mobilized(&self) -> Vec<(SocketAddr, u8)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ManycastEvent::Mobilized { server, ttl, .. } => Some((*server, *ttl)),
                _ => None,
            })
            .collect()
    }

    /// Addresses associated now, sorted.
    pub(crate) fn associated(&self) -> Vec<SocketAddr> {
        let mut v: Vec<_> = self.client.servers().iter().map(|(_, a)| *a).collect();
        v.sort();
        v
    }

    /// The server the host currently uses as system peer.
    pub(crate) fn system_peer(&self) -> Option<SocketAddr> {
        let id = self.client.host().system_peer()?;
        self.client
            .servers()
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, a)| *a)
    }

    /// Combined offsets the discipline was given.
    pub(crate) fn clock_update_offsets(&self) -> Vec<f64> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ManycastEvent::Host(ntpkit_assoc::host::HostEvent::ClockUpdate {
                    offset, ..
                }) => Some(*offset),
                _ => None,
            })
            .collect()
    }
}
