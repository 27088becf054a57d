//! The client association in simulated time: RFC 5905 arithmetic, the packet tests, and one
//! test per SECURITY-LESSONS.md "Replies and origin checks" rule, each sending the hostile
//! packet and checking that the association is exactly as it was.

use core::time::Duration;

use md5::{Digest, Md5};
use ntpkit_assoc::client::{ClientAssociation, ClientConfig, ClientEvent, KissAction, Rejection};
use ntpkit_auth::{AuthError, Key, KeyId, KeyStore, MacAlgorithm};
use ntpkit_wire::{
    LeapIndicator, Mode, NtpHeader, NtpShort, NtpTimestamp, PollInterval, ReferenceId, Stratum,
};

const BASE: i64 = 1_800_000_000;
const MD5_SECRET: &str = "client-test-key";

type Assoc = ClientAssociation<Box<dyn FnMut() -> u32>>;

fn counter_rng(seed: u32) -> Box<dyn FnMut() -> u32> {
    let mut x = seed;
    Box::new(move || {
        x = x.wrapping_mul(747_796_405).wrapping_add(2_891_336_453);
        x ^ (x >> 15)
    })
}

fn ts(secs: i64, nanos: u32) -> NtpTimestamp {
    NtpTimestamp::from_unix(BASE + secs, nanos)
}

fn keys() -> KeyStore {
    let mut store = KeyStore::new();
    let id = KeyId::new(7).unwrap();
    store
        .insert(id, Key::from_ascii(MacAlgorithm::Md5, MD5_SECRET).unwrap())
        .unwrap();
    store.trust(id);
    let other = KeyId::new(8).unwrap();
    store
        .insert(
            other,
            Key::from_ascii(MacAlgorithm::Md5, "another-key").unwrap(),
        )
        .unwrap();
    store.trust(other);
    store
}

/// MD5(secret || packet), RFC 5905 appendix (computed here, not by ntpkit-auth).
fn md5_trailer(packet: &[u8], key_id: u32, secret: &str) -> Vec<u8> {
    let mut h = Md5::new();
    h.update(secret.as_bytes());
    h.update(packet);
    let mut out = key_id.to_be_bytes().to_vec();
    out.extend_from_slice(&h.finalize());
    out
}

struct Sim {
    assoc: Assoc,
    keys: KeyStore,
    now: Duration,
    /// The request as sent.
    request: NtpHeader,
    request_bytes: Vec<u8>,
}

impl Sim {
    fn new(config: ClientConfig) -> Self {
        let keys = keys();
        let mut assoc = ClientAssociation::new(config, Duration::ZERO, counter_rng(1));
        assoc.handle_timeout(Duration::ZERO);
        let mut buf = [0u8; 68];
        let len = assoc
            .poll_transmit(Duration::ZERO, ts(0, 0), &keys, &mut buf)
            .unwrap()
            .unwrap();
        let request = NtpHeader::parse(&buf[..len]).unwrap();
        Self {
            assoc,
            keys,
            now: Duration::ZERO,
            request,
            request_bytes: buf[..len].to_vec(),
        }
    }

    fn keyed() -> Self {
        let mut c = ClientConfig::default();
        c.key = KeyId::new(7);
        Self::new(c)
    }

    /// A genuine synchronised reply to the outstanding request: server 1 ms ahead,
    /// 4 ms each way.
    fn reply(&self) -> NtpHeader {
        NtpHeader {
            leap: LeapIndicator::NoWarning,
            mode: Mode::Server,
            stratum: Stratum(2),
            poll: PollInterval(6),
            precision: ntpkit_wire::Precision(-20),
            root_delay: NtpShort::from_seconds_f64(0.01),
            root_dispersion: NtpShort::from_seconds_f64(0.01),
            reference_id: ReferenceId([192, 0, 2, 1]),
            reference_timestamp: ts(-10, 0),
            origin_timestamp: self.request.transmit_timestamp,
            receive_timestamp: ts(0, 5_000_000),
            transmit_timestamp: ts(0, 5_000_000),
            ..self.request
        }
    }

    fn send(&mut self, h: &NtpHeader) -> Result<ClientEvent, Rejection> {
        let mut out = [0u8; 48];
        h.emit(&mut out).unwrap();
        self.send_bytes(&out)
    }

    fn send_signed(
        &mut self,
        h: &NtpHeader,
        key_id: u32,
        secret: &str,
    ) -> Result<ClientEvent, Rejection> {
        let mut out = [0u8; 48];
        h.emit(&mut out).unwrap();
        let mut packet = out.to_vec();
        packet.extend(md5_trailer(&out, key_id, secret));
        self.send_bytes(&packet)
    }

    fn send_bytes(&mut self, bytes: &[u8]) -> Result<ClientEvent, Rejection> {
        self.assoc
            .handle_response(self.now, bytes, ts(0, 8_000_000), &self.keys)
    }

    /// Everything observable about the association except the drop counter.
    fn observable(&self) -> (Option<Duration>, u8, i8, bool, bool, u64, u64, u64) {
        let c = self.assoc.counters();
        (
            self.assoc.poll_timeout(),
            self.assoc.reach(),
            self.assoc.poll_exponent(),
            self.assoc.awaiting_reply(),
            self.assoc.is_stopped(),
            c.sent,
            c.accepted,
            c.kisses,
        )
    }

    /// Sends a hostile packet and checks: the expected rejection, nothing changed but the
    /// drop counter, and the genuine reply still accepted afterwards.
    fn hostile(&mut self, packet: &[u8], expected: Rejection) {
        let before = self.observable();
        let dropped = self.assoc.counters().dropped;
        assert_eq!(self.send_bytes(packet), Err(expected));
        assert_eq!(
            self.observable(),
            before,
            "a rejected packet changed the association"
        );
        assert_eq!(self.assoc.counters().dropped, dropped + 1);
    }

    fn accept_genuine(&mut self) {
        let r = self.reply();
        let event = if self.assoc.config().key.is_some() {
            self.send_signed(&r, 7, MD5_SECRET)
        } else {
            self.send(&r)
        };
        assert!(matches!(event, Ok(ClientEvent::Sample(_))), "{event:?}");
    }
}

fn bytes(h: &NtpHeader) -> Vec<u8> {
    let mut out = [0u8; 48];
    h.emit(&mut out).unwrap();
    out.to_vec()
}

#[test]
fn request_is_mode_3_with_our_version_and_random_low_bits() {
    let sim = Sim::new(ClientConfig::default());
    assert_eq!(sim.request.mode, Mode::Client);
    assert_eq!(sim.request.version, ntpkit_wire::Version::V4);
    assert_eq!(sim.request.transmit_timestamp.seconds(), ts(0, 0).seconds());
    assert_ne!(
        sim.request.transmit_timestamp,
        ts(0, 0),
        "the clock read verbatim (CVE-2020-13817)"
    );
    let other = {
        let keys = KeyStore::new();
        let mut a =
            ClientAssociation::new(ClientConfig::default(), Duration::ZERO, counter_rng(99));
        a.handle_timeout(Duration::ZERO);
        let mut buf = [0u8; 48];
        a.poll_transmit(Duration::ZERO, ts(0, 0), &keys, &mut buf)
            .unwrap()
            .unwrap();
        NtpHeader::parse(&buf).unwrap().transmit_timestamp
    };
    assert_ne!(other, sim.request.transmit_timestamp);
    let mut c = ClientConfig::default();
    c.version = ntpkit_wire::Version::V3;
    assert_eq!(Sim::new(c).request.version, ntpkit_wire::Version::V3);
}

#[test]
fn keyed_request_carries_an_md5_mac_over_the_header() {
    let sim = Sim::keyed();
    assert_eq!(sim.request_bytes.len(), 48 + 4 + 16);
    let header = sim.request_bytes.get(..48).unwrap();
    assert_eq!(
        &sim.request_bytes[48..],
        md5_trailer(header, 7, MD5_SECRET).as_slice()
    );
}

#[test]
fn sample_follows_rfc_5905_section_8() {
    let mut sim = Sim::new(ClientConfig::default());
    let mut r = sim.reply();
    // Server 250 ms ahead; 30 ms out, 10 ms back, 2 ms in the server.
    r.receive_timestamp = ts(0, 280_000_000);
    r.transmit_timestamp = ts(0, 282_000_000);
    let mut out = [0u8; 48];
    r.emit(&mut out).unwrap();
    let t4 = ts(0, 42_000_000);
    let Ok(ClientEvent::Sample(s)) = sim.assoc.handle_response(sim.now, &out, t4, &sim.keys) else {
        panic!("not accepted");
    };
    // theta = ((T2-T1) + (T3-T4)) / 2 = (0.280 + 0.240) / 2; delta = 0.042 - 0.002.
    assert!(
        (s.sample.offset - 0.260).abs() < 1e-6,
        "{}",
        s.sample.offset
    );
    assert!((s.sample.delay - 0.040).abs() < 1e-6, "{}", s.sample.delay);
    // epsilon = 2^-20 + 2^-20 + 15e-6 x 0.042.
    let eps = 2.0 * 2f64.powi(-20) + 15e-6 * 0.042;
    assert!(
        (s.sample.dispersion - eps).abs() < 1e-9,
        "{}",
        s.sample.dispersion
    );
    assert_eq!(s.sample.time, t4);
    assert_eq!(s.server.stratum, 2);
    assert_eq!(s.server.reference_time, ts(-10, 0));
    assert_eq!((s.server_precision, s.server_poll), (-20, 6));
    assert_eq!(sim.assoc.reach(), 1);
    assert!(!sim.assoc.awaiting_reply());
}

// SECURITY-LESSONS "Replies and origin checks", rule 1: origin must equal our random transmit.

#[test]
fn origin_equal_to_the_clock_reading_is_refused_cve_2015_8138() {
    let mut sim = Sim::new(ClientConfig::default());
    let mut r = sim.reply();
    // An attacker who knows our clock guesses T1 but not the random low bits.
    r.origin_timestamp = ts(0, 0);
    sim.hostile(&bytes(&r), Rejection::BogusOrigin);
    sim.accept_genuine();
}

#[test]
fn zero_origin_is_refused_cve_2016_7431() {
    let mut sim = Sim::new(ClientConfig::default());
    let mut r = sim.reply();
    r.origin_timestamp = NtpTimestamp::ZERO;
    sim.hostile(&bytes(&r), Rejection::ZeroOrigin);
    sim.accept_genuine();
}

#[test]
fn replayed_reply_is_refused_as_duplicate() {
    let mut sim = Sim::new(ClientConfig::default());
    let genuine = bytes(&sim.reply());
    sim.accept_genuine();
    sim.hostile(&genuine, Rejection::Duplicate);
}

#[test]
fn reply_with_no_request_outstanding_is_refused() {
    let mut sim = Sim::new(ClientConfig::default());
    sim.accept_genuine();
    let mut r = sim.reply();
    r.transmit_timestamp = ts(0, 6_000_000);
    sim.hostile(&bytes(&r), Rejection::NotExpected);
}

// Rule 2: a failing packet has zero side effects.

#[test]
fn spoofed_replies_neither_reschedule_nor_reset_the_origin_cve_2016_9042_cve_2020_11868() {
    let mut sim = Sim::new(ClientConfig::default());
    let base = sim.reply();
    for i in 0..50u32 {
        let mut r = base;
        r.origin_timestamp =
            NtpTimestamp::from_bits(base.origin_timestamp.to_bits() ^ u64::from(i + 1));
        sim.hostile(&bytes(&r), Rejection::BogusOrigin);
    }
    let mut wrong_mode = base;
    wrong_mode.mode = Mode::SymmetricPassive;
    sim.hostile(&bytes(&wrong_mode), Rejection::WrongMode);
    sim.hostile(&[0x24; 20], Rejection::Malformed);
    assert_eq!(sim.assoc.counters().dropped, 52);
    sim.accept_genuine();
}

#[test]
fn unsynchronised_servers_are_refused_without_side_effects() {
    let mut sim = Sim::new(ClientConfig::default());
    let mut leap3 = sim.reply();
    leap3.leap = LeapIndicator::Unsynchronized;
    sim.hostile(&bytes(&leap3), Rejection::Unsynchronized);
    let mut s16 = sim.reply();
    s16.stratum = Stratum(16);
    sim.hostile(&bytes(&s16), Rejection::Unsynchronized);
    let mut s0 = sim.reply();
    s0.stratum = Stratum(0);
    s0.reference_id = ReferenceId([0, 0, 0, 0]);
    sim.hostile(&bytes(&s0), Rejection::Unsynchronized);
    let mut zero_rx = sim.reply();
    zero_rx.receive_timestamp = NtpTimestamp::ZERO;
    sim.hostile(&bytes(&zero_rx), Rejection::ZeroTimestamp);
    sim.accept_genuine();
}

#[test]
fn servers_beyond_maxdist_are_refused() {
    let mut sim = Sim::new(ClientConfig::default());
    let mut far = sim.reply();
    far.root_dispersion = NtpShort::from_seconds_f64(1.6);
    sim.hostile(&bytes(&far), Rejection::Distance);
    let mut far_delay = sim.reply();
    far_delay.root_delay = NtpShort::from_seconds_f64(3.2);
    sim.hostile(&bytes(&far_delay), Rejection::Distance);
    sim.accept_genuine();
}

#[test]
fn keyed_association_refuses_unsigned_wrongly_keyed_bad_and_nak_replies() {
    let mut sim = Sim::keyed();
    let r = sim.reply();
    let expected = KeyId::new(7).unwrap();
    sim.hostile(
        &bytes(&r),
        Rejection::Authentication(AuthError::MissingMac { expected }),
    );
    let mut other_key = bytes(&r);
    other_key.extend(md5_trailer(&bytes(&r), 8, "another-key"));
    sim.hostile(
        &other_key,
        Rejection::Authentication(AuthError::UnexpectedKeyId {
            expected,
            actual: 8,
        }),
    );
    let mut bad = bytes(&r);
    bad.extend(md5_trailer(&bytes(&r), 7, "not-the-secret"));
    sim.hostile(
        &bad,
        Rejection::Authentication(AuthError::BadMac {
            key_id: expected,
            algorithm: MacAlgorithm::Md5,
        }),
    );
    let mut nak = bytes(&r);
    nak.extend([0, 0, 0, 0]);
    sim.hostile(&nak, Rejection::Authentication(AuthError::CryptoNak));
    sim.accept_genuine();
    assert!(matches!(sim.assoc.counters().accepted, 1));
}

// Rule 4: kisses only after the origin (and MAC) checks; RATE raises; DENY/RSTR.

fn kiss(sim: &Sim, code: &[u8; 4], poll: i8) -> NtpHeader {
    let mut r = sim.reply();
    r.leap = LeapIndicator::Unsynchronized;
    r.stratum = Stratum(0);
    r.reference_id = ReferenceId(*code);
    r.poll = PollInterval(poll);
    r
}

#[test]
fn kiss_with_a_bogus_origin_is_ignored_cve_2015_7704() {
    let mut sim = Sim::new(ClientConfig::default());
    for code in [b"RATE", b"DENY", b"RSTR"] {
        let mut k = kiss(&sim, code, 17);
        k.origin_timestamp = ts(0, 0);
        sim.hostile(&bytes(&k), Rejection::BogusOrigin);
    }
    assert_eq!(sim.assoc.poll_exponent(), 6);
    sim.accept_genuine();
}

#[test]
fn unsigned_kiss_to_a_keyed_association_is_ignored_cve_2015_7705() {
    let mut sim = Sim::keyed();
    let expected = KeyId::new(7).unwrap();
    for code in [b"DENY", b"RATE"] {
        let k = kiss(&sim, code, 12);
        sim.hostile(
            &bytes(&k),
            Rejection::Authentication(AuthError::MissingMac { expected }),
        );
    }
    assert!(!sim.assoc.is_stopped());
    sim.accept_genuine();
}

#[test]
fn rate_kiss_raises_the_poll_and_never_lowers_it() {
    let mut sim = Sim::new(ClientConfig::default());
    let before = sim.assoc.poll_timeout().unwrap();
    let k = kiss(&sim, b"RATE", 3);
    assert_eq!(
        sim.send(&k),
        Ok(ClientEvent::Kiss {
            code: ntpkit_wire::KissCode::Rate,
            action: KissAction::PollRaised(7)
        })
    );
    assert_eq!(sim.assoc.poll_exponent(), 7);
    assert!(sim.assoc.poll_timeout().unwrap() >= before.max(Duration::from_secs(128)));
    // The discipline's poll adaptation cannot bring the refused rate back (ntpd raises
    // minpoll); found by the simulator, where every selection lowered it again.
    sim.assoc.set_poll(6);
    assert_eq!(sim.assoc.poll_exponent(), 7);
    // A new exchange, then a RATE asking for poll 10: raised to 10.
    sim.now = sim.assoc.poll_timeout().unwrap();
    sim.assoc.handle_timeout(sim.now);
    let mut buf = [0u8; 48];
    sim.assoc
        .poll_transmit(sim.now, ts(200, 0), &sim.keys, &mut buf)
        .unwrap()
        .unwrap();
    sim.request = NtpHeader::parse(&buf).unwrap();
    let k = kiss(&sim, b"RATE", 10);
    assert!(matches!(
        sim.send(&k),
        Ok(ClientEvent::Kiss {
            action: KissAction::PollRaised(10),
            ..
        })
    ));
    // The kiss used up the exchange: a replay of it is a duplicate/unexpected, not another raise.
    sim.hostile(&bytes(&k), Rejection::NotExpected);
    assert_eq!(sim.assoc.poll_exponent(), 10);
}

#[test]
fn unauthenticated_deny_marks_unreachable_only_after_repeats() {
    let mut sim = Sim::new(ClientConfig::default());
    sim.accept_genuine();
    for n in 1..=3u8 {
        sim.now += Duration::from_secs(100);
        sim.assoc.handle_timeout(sim.now);
        let mut buf = [0u8; 48];
        sim.assoc
            .poll_transmit(sim.now, ts(i64::from(n) * 100, 0), &sim.keys, &mut buf)
            .unwrap()
            .unwrap();
        sim.request = NtpHeader::parse(&buf).unwrap();
        let code = if n == 2 { b"RSTR" } else { b"DENY" };
        let mut k = kiss(&sim, code, 6);
        k.transmit_timestamp = ts(i64::from(n) * 100, 5_000_000);
        let event = sim.send(&k).unwrap();
        let ClientEvent::Kiss {
            action: KissAction::DenyCounted { count, unreachable },
            ..
        } = event
        else {
            panic!("{event:?}");
        };
        assert_eq!(count, n);
        assert_eq!(unreachable, n == 3);
        assert!(
            !sim.assoc.is_stopped(),
            "an unauthenticated kiss stopped the association"
        );
    }
    assert_eq!(sim.assoc.reach(), 0);
    assert_eq!(sim.assoc.poll_exponent(), 10);
    assert!(
        sim.assoc.poll_timeout().is_some(),
        "still polling, at maxpoll"
    );
}

#[test]
fn authenticated_deny_stops_the_association() {
    let mut sim = Sim::keyed();
    let k = kiss(&sim, b"DENY", 6);
    let event = sim.send_signed(&k, 7, MD5_SECRET);
    assert!(
        matches!(
            event,
            Ok(ClientEvent::Kiss {
                action: KissAction::Stopped,
                ..
            })
        ),
        "{event:?}"
    );
    assert!(sim.assoc.is_stopped());
    assert_eq!(sim.assoc.poll_timeout(), None);
    sim.assoc.handle_timeout(Duration::from_secs(10_000));
    let mut buf = [0u8; 68];
    assert_eq!(
        sim.assoc
            .poll_transmit(Duration::from_secs(10_000), ts(1, 0), &sim.keys, &mut buf),
        Ok(None)
    );
}

// The poll process.

#[test]
fn poll_defaults_and_bounds_follow_ntpd() {
    let c = ClientConfig::default();
    assert_eq!((c.minpoll, c.maxpoll), (6, 10));
    let mut wild = ClientConfig::default();
    wild.minpoll = 1;
    wild.maxpoll = 30;
    assert_eq!(wild.poll_bounds(), (3, 17));
    wild.minpoll = 12;
    wild.maxpoll = 8;
    assert_eq!(wild.poll_bounds(), (12, 12));
}

/// Runs the association for `until`, answering every request when `answer` says so;
/// returns the send times.
fn run(assoc: &mut Assoc, keys: &KeyStore, until: Duration, answer: bool) -> Vec<Duration> {
    let mut sent = Vec::new();
    while let Some(at) = assoc.poll_timeout() {
        if at > until {
            break;
        }
        assoc.handle_timeout(at);
        let mut buf = [0u8; 48];
        let t1 = ts(i64::try_from(at.as_secs()).unwrap(), 0);
        if assoc
            .poll_transmit(at, t1, keys, &mut buf)
            .unwrap()
            .is_some()
        {
            sent.push(at);
            if answer {
                let req = NtpHeader::parse(&buf).unwrap();
                let reply = NtpHeader {
                    mode: Mode::Server,
                    leap: LeapIndicator::NoWarning,
                    stratum: Stratum(1),
                    reference_id: ReferenceId(*b"GPS\0"),
                    origin_timestamp: req.transmit_timestamp,
                    receive_timestamp: t1,
                    transmit_timestamp: NtpTimestamp::from_bits(t1.to_bits() + 1000),
                    ..req
                };
                let mut out = [0u8; 48];
                reply.emit(&mut out).unwrap();
                assoc.handle_response(at, &out, t1, keys).unwrap();
            }
        }
    }
    sent
}

#[test]
fn iburst_sends_six_packets_two_seconds_apart_then_polls_at_minpoll() {
    let keys = KeyStore::new();
    let mut c = ClientConfig::default();
    c.iburst = true;
    let mut a: Assoc = ClientAssociation::new(c, Duration::ZERO, counter_rng(3));
    let sent = run(&mut a, &keys, Duration::from_secs(200), true);
    let gaps: Vec<u64> = sent.windows(2).map(|w| (w[1] - w[0]).as_secs()).collect();
    assert_eq!(&gaps[..5], &[2, 2, 2, 2, 2]);
    // After the burst: 2^6 s stretched by at most 1/16.
    assert!(gaps[5] >= 64 && gaps[5] < 68, "{gaps:?}");
    // The burst is one poll for the reach register: polls at 0, ~64+10, ~128+10 s.
    assert_eq!(sent.len(), 8);
    assert_eq!(a.reach(), 0b111);
}

#[test]
fn reach_register_shifts_per_poll_and_unreachable_server_backs_off() {
    let keys = KeyStore::new();
    let mut a: Assoc =
        ClientAssociation::new(ClientConfig::default(), Duration::ZERO, counter_rng(4));
    run(&mut a, &keys, Duration::from_secs(64 * 3), true);
    assert_eq!(a.reach(), 0b111);
    // Now the server goes silent: the register empties, then the poll backs off to maxpoll.
    let start = a.poll_timeout().unwrap();
    let sent = run(&mut a, &keys, start + Duration::from_secs(40_000), false);
    assert_eq!(a.reach(), 0);
    assert_eq!(a.poll_exponent(), 10);
    let last_gap = sent
        .windows(2)
        .last()
        .map(|w| (w[1] - w[0]).as_secs())
        .unwrap();
    assert!((1024..1088).contains(&last_gap), "{last_gap}");
}

#[test]
fn set_poll_stays_within_bounds() {
    let mut a: Assoc =
        ClientAssociation::new(ClientConfig::default(), Duration::ZERO, counter_rng(5));
    a.set_poll(2);
    assert_eq!(a.poll_exponent(), 6);
    a.set_poll(14);
    assert_eq!(a.poll_exponent(), 10);
    a.set_poll(8);
    assert_eq!(a.poll_exponent(), 8);
}
