//! An in-test network for symmetric associations: two nodes whose clocks are off true time
//! by known amounts, joined by a path with a known delay each way, in simulated time that
//! jumps from one event to the next. The true offsets and delays are the simulation's
//! parameters, so the tests can check each node's samples against them independently.

#![allow(dead_code, unreachable_pub)] // each test file uses part of it

use core::time::Duration;

use ntpkit_access::Decision;
use ntpkit_assoc::ServerState;
use ntpkit_assoc::client::{ClientRng, ClientSample, Rejection};
use ntpkit_assoc::symmetric::{
    MobilizeRefusal, PassivePolicy, SymmetricAssociation, SymmetricConfig, SymmetricEvent,
};
use ntpkit_auth::{Key, KeyId, KeyStore, MacAlgorithm};
use ntpkit_wire::{NtpTimestamp, Precision, ReferenceId, Stratum};

pub mod fixture;

/// Unix seconds at simulated time zero.
pub const BASE: i64 = 1_800_000_000;
/// The MD5 key both peers share (id 7) in keyed runs.
pub const MD5_ID: u32 = 7;
pub const MD5_SECRET: &str = "symmetric-md5-key";
/// Another trusted MD5 key (id 8) that is not the association's.
pub const OTHER_ID: u32 = 8;
pub const OTHER_SECRET: &str = "another-trusted-key";
/// An AES-128-CMAC key (id 9), 16 bytes as 32 hex digits in key files.
pub const AES_ID: u32 = 9;
pub const AES_SECRET: [u8; 16] = *b"0123456789abcdef";

/// A small deterministic generator that can be cloned with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lcg(pub u32);

impl ClientRng for Lcg {
    fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(747_796_405).wrapping_add(2_891_336_453);
        self.0 ^ (self.0 >> 15)
    }
}

pub type Assoc = SymmetricAssociation<Lcg>;

pub fn key(id: u32) -> KeyId {
    KeyId::new(id).unwrap()
}

/// A key store with the MD5 keys 7 and 8 and the AES key 9, all trusted.
pub fn keys() -> KeyStore {
    let mut store = KeyStore::new();
    store
        .insert(
            key(MD5_ID),
            Key::from_ascii(MacAlgorithm::Md5, MD5_SECRET).unwrap(),
        )
        .unwrap();
    store
        .insert(
            key(OTHER_ID),
            Key::from_ascii(MacAlgorithm::Md5, OTHER_SECRET).unwrap(),
        )
        .unwrap();
    store
        .insert(
            key(AES_ID),
            Key::new(MacAlgorithm::Aes128Cmac, &AES_SECRET).unwrap(),
        )
        .unwrap();
    for id in [MD5_ID, OTHER_ID, AES_ID] {
        store.trust(key(id));
    }
    store
}

/// The wall clock of a node `offset_ns` ahead of true time, at true time `now`.
pub fn wall(now: Duration, offset_ns: i64) -> NtpTimestamp {
    let total = now.as_nanos() as i64 + offset_ns;
    NtpTimestamp::from_unix(
        BASE + total.div_euclid(1_000_000_000),
        total.rem_euclid(1_000_000_000) as u32,
    )
}

/// A synchronised node's system variables (stratum 2 from a local reference).
pub fn synced() -> ServerState {
    ServerState::local_reference(Stratum(2), ReferenceId(*b"LOCL"), Precision(-20))
}

pub fn config(key_id: Option<u32>) -> SymmetricConfig {
    let mut c = SymmetricConfig::default();
    c.key = key_id.map(key);
    c
}

/// One host: an association (or none yet), its clock error and what it says about itself.
pub struct Node {
    pub assoc: Option<Assoc>,
    pub offset_ns: i64,
    pub system: ServerState,
    pub keys: KeyStore,
    /// Mobilise a passive association from an unknown peer's packet with this policy.
    pub passive: Option<(PassivePolicy, SymmetricConfig)>,
    pub events: Vec<(Duration, SymmetricEvent)>,
    pub rejections: Vec<Rejection>,
    pub refusals: Vec<MobilizeRefusal>,
    pub seed: u32,
}

impl Node {
    pub fn active(config: SymmetricConfig, offset_ns: i64, seed: u32) -> Self {
        Self {
            assoc: Some(Assoc::new(config, Duration::ZERO, Lcg(seed))),
            ..Self::empty(offset_ns, seed)
        }
    }

    pub fn passive(
        policy: PassivePolicy,
        config: SymmetricConfig,
        offset_ns: i64,
        seed: u32,
    ) -> Self {
        Self {
            passive: Some((policy, config)),
            ..Self::empty(offset_ns, seed)
        }
    }

    fn empty(offset_ns: i64, seed: u32) -> Self {
        Self {
            assoc: None,
            offset_ns,
            system: synced(),
            keys: keys(),
            passive: None,
            events: Vec::new(),
            rejections: Vec::new(),
            refusals: Vec::new(),
            seed,
        }
    }

    pub fn samples(&self) -> Vec<ClientSample> {
        self.events
            .iter()
            .filter_map(|(_, e)| match e {
                SymmetricEvent::Sample(s) => Some(*s),
                _ => None,
            })
            .collect()
    }

    pub fn samples_after(&self, t: Duration) -> usize {
        self.events
            .iter()
            .filter(|(at, e)| *at >= t && matches!(e, SymmetricEvent::Sample(_)))
            .count()
    }
}

/// Two nodes and the path between them.
pub struct Net {
    pub now: Duration,
    pub nodes: [Node; 2],
    /// One-way delay from node i to the other, nanoseconds.
    pub delay_ns: [u64; 2],
    /// Packets from node i are lost while set.
    pub silent: [bool; 2],
    /// Every packet sent, with its sender (for replays).
    pub tap: Vec<(usize, Vec<u8>)>,
    in_flight: Vec<(Duration, usize, Vec<u8>)>,
}

impl Net {
    pub fn new(a: Node, b: Node, delay_ab_ns: u64, delay_ba_ns: u64) -> Self {
        Self {
            now: Duration::ZERO,
            nodes: [a, b],
            delay_ns: [delay_ab_ns, delay_ba_ns],
            silent: [false, false],
            tap: Vec::new(),
            in_flight: Vec::new(),
        }
    }

    /// Runs every timer and delivery up to `end` (simulated time).
    pub fn run_until(&mut self, end: Duration) {
        loop {
            let timer = self
                .nodes
                .iter()
                .filter_map(|n| n.assoc.as_ref()?.poll_timeout())
                .min();
            let arrival = self.in_flight.iter().map(|p| p.0).min();
            let next = match (timer, arrival) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(t) => t,
                    None => break,
                },
            };
            if next > end {
                break;
            }
            self.now = self.now.max(next);
            while let Some(i) = self.in_flight.iter().position(|p| p.0 <= self.now) {
                let (_, to, bytes) = self.in_flight.swap_remove(i);
                self.deliver(to, &bytes);
            }
            for i in 0..2 {
                self.tick(i);
            }
        }
        self.now = end;
    }

    /// Hands `bytes` to node `to` as if it arrived now.
    pub fn deliver(&mut self, to: usize, bytes: &[u8]) {
        let now = self.now;
        let node = &mut self.nodes[to];
        let t4 = wall(now, node.offset_ns);
        match node.assoc.as_mut() {
            Some(assoc) => match assoc.handle_packet(now, bytes, t4, &node.keys) {
                Ok(event) => node.events.push((now, event)),
                Err(r) => node.rejections.push(r),
            },
            None => {
                if let Some((policy, config)) = node.passive.as_mut() {
                    match policy.admit(bytes, &node.keys, Decision::Serve) {
                        Ok(grant) => {
                            let lcg = Lcg(node.seed);
                            node.assoc = Some(Assoc::passive(grant, config.clone(), now, lcg, t4));
                        }
                        Err(r) => node.refusals.push(r),
                    }
                }
            }
        }
    }

    fn tick(&mut self, i: usize) {
        let now = self.now;
        let node = &mut self.nodes[i];
        let Some(assoc) = node.assoc.as_mut() else {
            return;
        };
        if assoc.poll_timeout().is_none_or(|t| t > now) {
            return;
        }
        if let Some(event) = assoc.handle_timeout(now) {
            if let (SymmetricEvent::Demobilized(_), Some((policy, _))) = (&event, &mut node.passive)
            {
                policy.release(assoc.key().unwrap());
            }
            node.events.push((now, event));
            if assoc.is_demobilized() {
                node.assoc = None;
            }
            return;
        }
        let mut buf = [0u8; 128];
        let t1 = wall(now, node.offset_ns);
        let sent = assoc
            .poll_transmit(now, t1, &node.system, &node.keys, &mut buf)
            .unwrap();
        if let Some(len) = sent {
            let bytes = buf[..len].to_vec();
            self.tap.push((i, bytes.clone()));
            if !self.silent[i] {
                let at = now + Duration::from_nanos(self.delay_ns[i]);
                self.in_flight.push((at, 1 - i, bytes));
            }
        }
    }

    /// The offset node `i` should measure: the other clock minus its own, plus half the
    /// path asymmetry (RFC 5905 section 8: the error of the offset is (d_out - d_back)/2).
    pub fn expected_offset(&self, i: usize) -> f64 {
        let j = 1 - i;
        let clocks = (self.nodes[j].offset_ns - self.nodes[i].offset_ns) as f64 * 1e-9;
        let asymmetry = (self.delay_ns[i] as f64 - self.delay_ns[j] as f64) * 1e-9 / 2.0;
        clocks + asymmetry
    }

    pub fn expected_delay(&self) -> f64 {
        (self.delay_ns[0] + self.delay_ns[1]) as f64 * 1e-9
    }

    /// The last packet node `i` sent.
    pub fn last_sent_by(&self, i: usize) -> Vec<u8> {
        self.tap
            .iter()
            .rev()
            .find(|(from, _)| *from == i)
            .unwrap()
            .1
            .clone()
    }
}
