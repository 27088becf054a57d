//! The mode 6 control responder, driven with requests built by hand from RFC 9327's layout
//! (not with ntpkit-wire's encoder) and answers decoded the same way.

use std::net::SocketAddr;

use md5::{Digest, Md5};
use ntpkit_access::{AuthStatus, Decision, DropReason, PacketKind};
use ntpkit_assoc::ServerState;
use ntpkit_assoc::control::{
    ControlConfig, ControlOutcome, ControlRequest, ControlResponder, MruRow, PeerInfo, SystemInfo,
};
use ntpkit_auth::{Key, KeyId, KeyStore, MacAlgorithm};
use ntpkit_wire::{NtpTimestamp, Precision, ReferenceId, Stratum};

const LOOPBACK: &str = "127.0.0.1:40000";

fn now() -> NtpTimestamp {
    NtpTimestamp::from_unix(1_800_000_000, 0)
}

/// A control request: LI 0, version 2 (as ntpq sends), mode 6; then R/E/M/opcode, sequence,
/// status, association id, offset, count, data, padding to 32 bits.
fn request(opcode: u8, sequence: u16, assoc: u16, data: &[u8]) -> Vec<u8> {
    let mut p = vec![(2 << 3) | 6, opcode];
    p.extend_from_slice(&sequence.to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(&assoc.to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(&(data.len() as u16).to_be_bytes());
    p.extend_from_slice(data);
    while !p.len().is_multiple_of(4) {
        p.push(0);
    }
    p
}

/// Appends an MD5 MAC (RFC 9327 section 2.5: the data padded to 64 bits, key id, MD5 of
/// key || everything before the key id).
fn sign_md5(mut p: Vec<u8>, key_id: u32, secret: &[u8]) -> Vec<u8> {
    while !p.len().is_multiple_of(8) {
        p.push(0);
    }
    let digest = Md5::new().chain_update(secret).chain_update(&p).finalize();
    p.extend_from_slice(&key_id.to_be_bytes());
    p.extend_from_slice(&digest);
    p
}

struct Answer {
    opcode_byte: u8,
    sequence: u16,
    status: u16,
    offset: u16,
    data: Vec<u8>,
    len: usize,
}

fn decode(d: &[u8]) -> Answer {
    let count = usize::from(u16::from_be_bytes([d[10], d[11]]));
    Answer {
        opcode_byte: d[1],
        sequence: u16::from_be_bytes([d[2], d[3]]),
        status: u16::from_be_bytes([d[4], d[5]]),
        offset: u16::from_be_bytes([d[8], d[9]]),
        data: d[12..12 + count].to_vec(),
        len: d.len(),
    }
}

struct Fixture {
    responder: ControlResponder,
    state: ServerState,
    keys: KeyStore,
    flags_noquery: bool,
    mru: Vec<MruRow>,
    peers: Vec<PeerInfo>,
}

impl Fixture {
    fn new(config: ControlConfig) -> Self {
        Self {
            responder: ControlResponder::new(config, [42; 32]),
            state: ServerState::local_reference(Stratum(3), ReferenceId(*b"LOCL"), Precision(-20)),
            keys: KeyStore::new(),
            flags_noquery: false,
            mru: Vec::new(),
            peers: Vec::new(),
        }
    }

    fn ask_from(
        &mut self,
        bytes: &[u8],
        from: &str,
        at: NtpTimestamp,
    ) -> (ControlOutcome, Vec<Answer>) {
        let source: SocketAddr = from.parse().unwrap();
        let mut sent = Vec::new();
        let mut info = SystemInfo::new(&self.state, at);
        info.peers = &self.peers;
        let noquery = self.flags_noquery;
        let rows = self.mru.clone();
        let outcome = self.responder.respond(
            &ControlRequest::new(bytes, source, at, source.ip().is_loopback()),
            &info,
            &self.keys,
            |kind, auth| {
                if noquery {
                    Decision::Drop(DropReason::NoQuery)
                } else if kind == PacketKind::ControlWrite && auth != AuthStatus::Valid {
                    Decision::Drop(DropReason::UnauthenticatedWrite)
                } else {
                    Decision::Serve
                }
            },
            || rows,
            |d| sent.push(decode(d)),
        );
        (outcome, sent)
    }

    fn ask(&mut self, bytes: &[u8]) -> Vec<Answer> {
        self.ask_from(bytes, LOOPBACK, now()).1
    }
}

fn text(a: &Answer) -> String {
    String::from_utf8(a.data.clone()).unwrap()
}

/// `name=value` pairs of a response, as ntpq splits them.
fn pairs(s: &str) -> Vec<(String, String)> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (n.to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn readvar_reports_the_system_variables_with_ntpd_names_and_formats() {
    let mut f = Fixture::new(ControlConfig::default());
    let answers = f.ask(&request(2, 7, 0, b""));
    assert_eq!(answers.len(), 1);
    let a = &answers[0];
    assert_eq!(a.opcode_byte, 0x80 | 2, "response bit, no error, no more");
    assert_eq!(a.sequence, 7);
    // Leap 0, clock source 5 (local).
    assert_eq!(a.status >> 14, 0);
    assert_eq!((a.status >> 8) & 0x3f, 5);
    let vars = pairs(&text(a));
    let names: Vec<_> = vars.iter().map(|(n, _)| n.as_str()).collect();
    for name in [
        "version",
        "processor",
        "system",
        "leap",
        "stratum",
        "precision",
        "rootdelay",
        "rootdisp",
        "refid",
        "reftime",
        "clock",
        "peer",
        "tc",
        "mintc",
        "offset",
        "frequency",
        "sys_jitter",
        "clk_jitter",
        "clk_wander",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    let get = |n: &str| vars.iter().find(|(k, _)| k == n).unwrap().1.clone();
    assert_eq!(get("stratum"), "3");
    assert_eq!(get("leap"), "0");
    assert_eq!(get("precision"), "-20");
    assert_eq!(get("refid"), "LOCL");
    assert_eq!(get("rootdelay"), "0.000");
    // NTP seconds = Unix seconds + 2_208_988_800 (RFC 5905 figure 4).
    assert_eq!(
        get("clock"),
        format!("0x{:08x}.00000000", 1_800_000_000u64 + 2_208_988_800)
    );
}

#[test]
fn a_variable_list_returns_those_variables_in_order_and_an_unknown_name_is_an_error() {
    let mut f = Fixture::new(ControlConfig::default());
    let a = f.ask(&request(2, 1, 0, b"stratum,offset"));
    assert_eq!(text(&a[0]), "stratum=3, offset=0.000000");
    let a = f.ask(&request(2, 2, 0, b"stratum, nosuchvar"));
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].opcode_byte, 0xc0 | 2, "response + error bits");
    assert_eq!(a[0].status >> 8, 5, "CERR_UNKNOWNVAR");
    assert!(a[0].data.is_empty());
}

#[test]
fn readstat_returns_an_empty_association_list_and_unknown_associations_are_errors() {
    let mut f = Fixture::new(ControlConfig::default());
    let a = f.ask(&request(1, 3, 0, b""));
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].opcode_byte, 0x81);
    assert!(a[0].data.is_empty());
    let a = f.ask(&request(2, 4, 1, b""));
    assert_eq!(
        a[0].status >> 8,
        4,
        "CERR_BADASSOC for rv &1 with no associations"
    );
}

#[test]
fn long_answers_are_fragmented_at_468_bytes_with_offsets_and_the_more_bit() {
    let mut f = Fixture::new(ControlConfig::default());
    let list = vec!["version"; 50].join(",");
    let answers = f.ask(&request(2, 9, 0, list.as_bytes()));
    assert!(answers.len() >= 2, "{} fragments", answers.len());
    let mut whole = Vec::new();
    for (i, a) in answers.iter().enumerate() {
        let last = i + 1 == answers.len();
        assert_eq!(
            a.opcode_byte & 0x20 != 0,
            !last,
            "M bit on all but the last"
        );
        assert_eq!(usize::from(a.offset), whole.len(), "offsets are contiguous");
        if !last {
            assert_eq!(a.data.len(), 468);
        }
        assert!(a.len <= 12 + 468);
        whole.extend_from_slice(&a.data);
    }
    let vars = pairs(&String::from_utf8(whole).unwrap());
    assert_eq!(vars.len(), 50);
    assert!(
        vars.iter()
            .all(|(n, v)| n == "version" && v.starts_with('"'))
    );
}

#[test]
fn a_noquery_source_gets_nothing_for_any_opcode() {
    let mut f = Fixture::new(ControlConfig::default());
    f.flags_noquery = true;
    for op in 0..=31u8 {
        let (outcome, sent) = f.ask_from(&request(op, 1, 0, b""), "198.51.100.9:123", now());
        assert!(sent.is_empty(), "opcode {op} answered");
        assert!(matches!(outcome, ControlOutcome::Silent(_)));
    }
}

#[test]
fn loopback_only_silences_outside_sources_and_answers_loopback() {
    let mut config = ControlConfig::default();
    config.loopback_only = true;
    let mut f = Fixture::new(config);
    let (_, sent) = f.ask_from(&request(2, 1, 0, b""), "198.51.100.9:123", now());
    assert!(sent.is_empty());
    let (_, sent) = f.ask_from(&request(2, 1, 0, b""), "[::1]:5000", now());
    assert_eq!(sent.len(), 1);
}

#[test]
fn the_mru_list_needs_a_fresh_nonce_issued_to_the_same_address() {
    let mut f = Fixture::new(ControlConfig::default());
    f.mru = vec![MruRow::new(
        "192.0.2.44:123".parse().unwrap(),
        now(),
        now(),
        5,
    )];
    // Without a nonce: an error no larger than the request.
    let req = request(10, 1, 0, b"frags=32");
    let (_, sent) = f.ask_from(&req, "192.0.2.1:1000", now());
    assert_eq!(sent.len(), 1);
    assert!(sent[0].len <= req.len());
    assert_ne!(sent[0].opcode_byte & 0x40, 0);

    let (_, sent) = f.ask_from(&request(12, 2, 0, b""), "192.0.2.1:1000", now());
    let nonce = text(&sent[0]);
    assert!(nonce.starts_with("nonce="), "{nonce}");
    let mru_req = request(10, 3, 0, format!("{nonce}, frags=32").as_bytes());

    // Another address cannot use it.
    let (_, sent) = f.ask_from(&mru_req, "192.0.2.2:1000", now());
    assert_ne!(sent[0].opcode_byte & 0x40, 0);
    // Nor can its owner after 16 s.
    let later = NtpTimestamp::from_unix(1_800_000_016, 0);
    let (_, sent) = f.ask_from(&mru_req, "192.0.2.1:1000", later);
    assert_ne!(sent[0].opcode_byte & 0x40, 0);
    // Its owner within the lifetime gets the list.
    let soon = NtpTimestamp::from_unix(1_800_000_003, 0);
    let (_, sent) = f.ask_from(&mru_req, "192.0.2.1:1000", soon);
    let body: String = sent.iter().map(text).collect();
    let vars = pairs(&body);
    assert!(
        vars.contains(&("addr.0".into(), "192.0.2.44:123".into())),
        "{body}"
    );
    assert!(vars.contains(&("ct.0".into(), "5".into())));
    assert!(vars.iter().any(|(n, _)| n == "now"), "end marker");
    assert!(vars.iter().any(|(n, _)| n == "nonce"), "next nonce");
}

#[test]
fn a_one_datagram_responder_cuts_the_mru_list_at_whole_rows_and_still_ends_it() {
    let mut config = ControlConfig::default();
    config.max_fragments = 1;
    let mut f = Fixture::new(config);
    f.mru = (0..100u8)
        .map(|i| MruRow::new(format!("192.0.2.{i}:123").parse().unwrap(), now(), now(), 1))
        .collect();
    let (_, sent) = f.ask_from(&request(12, 1, 0, b""), "192.0.2.1:1000", now());
    let nonce = text(&sent[0]);
    let req = request(10, 2, 0, format!("{nonce}, frags=32").as_bytes());
    let (_, sent) = f.ask_from(&req, "192.0.2.1:1000", now());
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].opcode_byte & 0x20, 0, "no M bit");
    let vars = pairs(&text(&sent[0]));
    assert!(vars.iter().any(|(n, _)| n == "now"), "end marker");
    let rows = vars.iter().filter(|(n, _)| n.starts_with("addr.")).count();
    let counts = vars.iter().filter(|(n, _)| n.starts_with("ct.")).count();
    assert!(rows > 0 && rows < 100, "{rows} rows");
    assert_eq!(rows, counts, "whole rows only");
}

#[test]
fn writes_need_the_controlkey() {
    let key_id = KeyId::new(7).unwrap();
    let mut config = ControlConfig::default();
    config.control_key = Some(key_id);
    let mut f = Fixture::new(config);
    f.keys
        .insert(
            key_id,
            Key::from_ascii(MacAlgorithm::Md5, "sesame").unwrap(),
        )
        .unwrap();
    f.keys.trust(key_id);
    for op in [3u8, 5, 8, 9] {
        let unsigned = request(op, 1, 0, b"stratum=1");
        let a = f.ask(&unsigned);
        assert_eq!(a.len(), 1);
        assert_eq!(
            a[0].status >> 8,
            1,
            "CERR_PERMISSION without a MAC, opcode {op}"
        );
        assert!(a[0].len <= unsigned.len());

        let wrong = sign_md5(request(op, 1, 0, b"stratum=1"), 7, b"wrong");
        assert_eq!(f.ask(&wrong)[0].status >> 8, 1, "bad MAC, opcode {op}");

        let signed = sign_md5(request(op, 1, 0, b"stratum=1"), 7, b"sesame");
        let a = f.ask(&signed);
        // Authorised, but writes are not implemented: "bad operation", not "permission".
        assert_eq!(a[0].status >> 8, 3, "opcode {op}");
    }
}

#[test]
fn responses_fragments_and_garbage_are_dropped() {
    let mut f = Fixture::new(ControlConfig::default());
    let mut response = request(2, 1, 0, b"");
    response[1] |= 0x80;
    assert!(f.ask(&response).is_empty());
    let mut fragment = request(2, 1, 0, b"");
    fragment[1] |= 0x20;
    assert!(f.ask(&fragment).is_empty());
    let mut lying_count = request(2, 1, 0, b"stratum");
    lying_count[11] = 200;
    assert!(f.ask(&lying_count).is_empty());
    assert!(f.ask(&[0x16, 2]).is_empty());
    assert_eq!(f.responder.counters().received, 4);
    assert_eq!(f.responder.counters().replied, 0);
}

#[test]
fn readstat_lists_associations_and_readvar_reads_one_with_ntpd_names() {
    let mut f = Fixture::new(ControlConfig::default());
    let mut peer = PeerInfo::new(
        1,
        "192.0.2.1:123".parse().unwrap(),
        "192.0.2.9:40000".parse().unwrap(),
    );
    peer.status = 0x9614;
    peer.stratum = Stratum(1);
    peer.reach = 0xff;
    peer.offset = 0.000_25;
    peer.delay = 0.0123;
    peer.filter[0] = (0.000_25, 0.0123, 0.000_01);
    let mut second = PeerInfo::new(
        2,
        "192.0.2.2:123".parse().unwrap(),
        "192.0.2.9:40001".parse().unwrap(),
    );
    second.status = 0x9014;
    f.peers = vec![peer, second];

    // READSTAT, association 0: (id, status) pairs, big-endian (RFC 9327 section 3.2).
    let a = f.ask(&request(1, 3, 0, b""));
    assert_eq!(a[0].data, [0, 1, 0x96, 0x14, 0, 2, 0x90, 0x14]);
    // READSTAT of one association: its status word.
    let a = f.ask(&request(1, 4, 2, b""));
    assert_eq!(a[0].status, 0x9014);

    // READVAR of association 1: its variables in ntpd's units (ms, hex reach).
    let a = f.ask(&request(2, 5, 1, b""));
    assert_eq!(a[0].status, 0x9614);
    let vars = pairs(&text(&a[0]));
    let get = |name: &str| {
        vars.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{name} missing: {vars:?}"))
    };
    assert_eq!(get("srcadr"), "192.0.2.1");
    assert_eq!(get("srcport"), "123");
    assert_eq!(get("dstport"), "40000");
    assert_eq!(get("stratum"), "1");
    assert_eq!(get("reach"), "0xff");
    assert_eq!(get("offset"), "0.250000");
    assert_eq!(get("delay"), "12.300000");
    // Eight stages, newest first, in ms; empty stages read 16000 (MAXDISP).
    assert!(get("filtdelay").starts_with("\"12.30 16000.00"), "{vars:?}");

    // A named variable of association 2, and an unknown association.
    let a = f.ask(&request(2, 6, 2, b"srcadr"));
    assert_eq!(text(&a[0]), "srcadr=192.0.2.2");
    let a = f.ask(&request(2, 7, 3, b""));
    assert_eq!(a[0].status >> 8, 4, "CERR_BADASSOC");
}
