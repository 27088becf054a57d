//! Known-answer tests over real traffic: request and reply bytes of chronyd 4.3, NTPsec 1.2.2
//! ntpd, ntpdig and ntpq captured on loopback by `tests/fixtures/capture.sh` (each .hex file
//! says how it was made). The expected values come from the peers' configuration and from
//! the protocol itself (a reply echoes the request's transmit timestamp; a MAC recomputed
//! with the configured key must match), never from our own output.

use std::path::PathBuf;

use aes::Aes128;
use cmac::{Cmac, KeyInit, Mac as _};
use md5::{Digest as _, Md5};
use ntpkit_wire::{
    ControlMessage, ControlOpcode, ControlPacket, ExtensionField, LeapIndicator, Mode, NtpHeader,
    NtpPacket, NtpPacketRepr, ReferenceId, Stratum, Trailer, Version,
};
use sha1::Sha1;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fixture(name: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(fixture_dir().join(name))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"));
    let hex: String = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .flat_map(|line| line.trim().chars())
        .collect();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// Keys from capture.sh.
const MD5_KEY: &[u8] = b"ntpkitfixture1";
const SHA1_KEY: [u8; 20] = *b"ntpkit-fixture-sha1!";
const CMAC_KEY: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

/// The legacy NTP MAC: digest(key || authenticated bytes) (RFC 5905 appendix A.2; ntpd and
/// chrony compute MD5 and SHA-1 MACs this way).
fn keyed_md5(data: &[u8]) -> Vec<u8> {
    let mut h = Md5::new();
    h.update(MD5_KEY);
    h.update(data);
    h.finalize().to_vec()
}

fn keyed_sha1(data: &[u8]) -> Vec<u8> {
    let mut h = Sha1::new();
    h.update(SHA1_KEY);
    h.update(data);
    h.finalize().to_vec()
}

fn aes_cmac(data: &[u8]) -> Vec<u8> {
    let mut mac = <Cmac<Aes128> as KeyInit>::new_from_slice(&CMAC_KEY).expect("key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// A request and its reply, both parsed, with the checks every exchange must pass.
fn exchange(prefix: &str) -> (Vec<u8>, Vec<u8>) {
    let request = fixture(&format!("{prefix}-00-request.hex"));
    let reply = fixture(&format!("{prefix}-01-reply.hex"));
    let req = NtpPacketRepr::parse(&request).expect("request parses");
    let rep = NtpPacketRepr::parse(&reply).expect("reply parses");
    assert_eq!(req.header.mode, Mode::Client, "{prefix}");
    assert_eq!(rep.header.mode, Mode::Server, "{prefix}");
    // RFC 5905 section 9.2: the server answers in the client's version.
    assert_eq!(rep.header.version, req.header.version, "{prefix}");
    // The reply's origin timestamp is the request's transmit timestamp (RFC 5905 8).
    assert!(!req.header.transmit_timestamp.is_zero(), "{prefix}");
    assert_eq!(
        rep.header.origin_timestamp, req.header.transmit_timestamp,
        "{prefix}"
    );
    // The server received before it transmitted, less than a second apart on loopback.
    let turnaround = rep.header.transmit_timestamp - rep.header.receive_timestamp;
    assert!(
        turnaround.to_seconds_f64() >= 0.0 && turnaround.to_seconds_f64() < 1.0,
        "{prefix}: server turnaround {turnaround:?}"
    );
    // Every captured packet is the same through the checked view.
    let view = NtpPacket::new_checked(&reply[..]).expect("view");
    assert_eq!(view.header().unwrap(), rep.header);
    (request, reply)
}

#[test]
fn ntpdig_against_chronyd() {
    let (request, reply) = exchange("ntpdig-to-chronyd");
    let req = NtpHeader::parse(&request).unwrap();
    // ntpdig sends an SNTP request: NTPv4, leap "unsynchronised", nothing but a transmit time.
    assert_eq!(req.version, Version::V4);
    assert_eq!(req.leap, LeapIndicator::Unsynchronized);
    assert!(req.origin_timestamp.is_zero() && req.receive_timestamp.is_zero());
    let rep = NtpHeader::parse(&reply).unwrap();
    // chronyd with `local stratum 1` serves stratum 1, refid 127.127.1.1 (its local
    // reference id), leap "no warning".
    assert_eq!(rep.stratum, Stratum(1));
    assert_eq!(rep.reference_id, ReferenceId([127, 127, 1, 1]));
    assert_eq!(rep.leap, LeapIndicator::NoWarning);
    assert!(!rep.is_kiss());
}

#[test]
fn chronyd_client_against_chronyd() {
    let (request, reply) = exchange("chronyq-to-chronyd");
    let req = NtpHeader::parse(&request).unwrap();
    // A chrony client does not reveal its clock: only the transmit timestamp is set, and
    // it is random rather than the time (it need not be near the server's clock).
    assert_eq!(req.reference_timestamp, ntpkit_wire::NtpTimestamp::ZERO);
    assert_eq!(req.stratum, Stratum(0));
    assert_eq!(NtpPacketRepr::parse(&reply).unwrap().trailer, Trailer::None);
}

#[test]
fn ntpdig_against_ntpsec() {
    let (_, reply) = exchange("ntpdig-to-ntpsec");
    let rep = NtpHeader::parse(&reply).unwrap();
    // NTPsec in orphan mode with `tos orphan 1` is stratum 1 with refid "LOOP".
    assert_eq!(rep.stratum, Stratum(1));
    assert_eq!(rep.reference_id.as_ascii(), Some("LOOP"));
}

#[test]
fn chronyd_client_against_ntpsec() {
    let (_, reply) = exchange("chronyq-to-ntpsec");
    assert_eq!(NtpHeader::parse(&reply).unwrap().stratum, Stratum(1));
}

/// Checks a MAC'd exchange: both packets carry `key_id`, and the digest recomputed over
/// `authenticated_len()` bytes with the configured key equals the one on the wire.
fn check_mac_exchange(prefix: &str, key_id: u32, digest_len: usize, mac: fn(&[u8]) -> Vec<u8>) {
    let (request, reply) = exchange(prefix);
    for bytes in [&request, &reply] {
        let packet = NtpPacket::new_checked(&bytes[..]).unwrap();
        let trailer = packet.trailer().unwrap();
        let Trailer::Mac { key_id: id, digest } = trailer else {
            panic!("{prefix}: expected a MAC, got {trailer:?}");
        };
        assert_eq!(id, key_id, "{prefix}");
        assert_eq!(digest.len(), digest_len, "{prefix}");
        let covered = packet.authenticated_len().unwrap();
        assert_eq!(covered, 48, "{prefix}");
        assert_eq!(
            mac(&bytes[..covered]),
            digest,
            "{prefix}: MAC does not verify"
        );
    }
}

#[test]
fn md5_macs_from_chronyd_and_ntpsec_verify() {
    check_mac_exchange("chronyq-md5-to-chronyd", 1, 16, keyed_md5);
    check_mac_exchange("ntpdig-md5-to-ntpsec", 1, 16, keyed_md5);
}

#[test]
fn sha1_macs_from_chronyd_and_ntpsec_verify() {
    check_mac_exchange("chronyq-sha1-to-chronyd", 2, 20, keyed_sha1);
    check_mac_exchange("ntpdig-sha1-to-ntpsec", 2, 20, keyed_sha1);
}

#[test]
fn aes_cmac_from_ntpsec_verifies() {
    check_mac_exchange("ntpdig-cmac-to-ntpsec", 3, 16, aes_cmac);
}

#[test]
fn chrony_extension_field_f323() {
    let (request, reply) = exchange("chronyq-ef-to-chronyd");
    for bytes in [&request, &reply] {
        let packet = NtpPacket::new_checked(&bytes[..]).unwrap();
        let trailer = packet.trailer().unwrap();
        let fields = trailer.extension_fields().expect("extension fields");
        let all: Vec<ExtensionField<'_>> = fields.iter().collect();
        // chrony's experimental field 0xF323 (`extfield F323`), 28 bytes with its header.
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].field_type, 0xF323);
        assert_eq!(all[0].value.len(), 24);
        assert_eq!(trailer.mac(), None);
        assert_eq!(packet.authenticated_len().unwrap(), bytes.len());
    }
}

#[test]
fn chrony_extension_field_then_md5_mac_verifies() {
    let (request, reply) = exchange("chronyq-ef-md5-to-chronyd");
    for bytes in [&request, &reply] {
        let packet = NtpPacket::new_checked(&bytes[..]).unwrap();
        let Trailer::Extensions { fields, mac } = packet.trailer().unwrap() else {
            panic!("expected extension fields");
        };
        assert_eq!(fields.count(), 1);
        let mac = mac.expect("MAC after the field");
        assert_eq!(mac.key_id, 1);
        // The MAC covers the header and the extension field: 48 + 28 bytes.
        let covered = packet.authenticated_len().unwrap();
        assert_eq!(covered, 76);
        assert_eq!(keyed_md5(&bytes[..covered]), mac.digest);
    }
}

#[test]
fn ntpq_read_variables_against_ntpsec() {
    let request = fixture("ntpq-rv-to-ntpsec-02-request.hex");
    let reply = fixture("ntpq-rv-to-ntpsec-03-reply.hex");
    let req = ControlMessage::parse(&request).unwrap();
    let rep = ControlMessage::parse(&reply).unwrap();
    assert_eq!(req.opcode, ControlOpcode::READ_VARIABLES);
    assert!(!req.response);
    assert_eq!(req.data, b"leap,stratum,refid");
    assert_eq!(rep.opcode, ControlOpcode::READ_VARIABLES);
    assert!(rep.response && !rep.error && !rep.more);
    assert_eq!(rep.sequence, req.sequence);
    assert_eq!(rep.association_id, 0);
    assert_eq!(rep.offset, 0);
    // The same server's time reply said stratum 1 and refid LOOP; its control answer agrees.
    assert_eq!(rep.data, b"leap=0, stratum=1, refid=LOOP\r\n");
    assert_eq!(rep.mac, None);
    let view = ControlPacket::new_checked(&reply[..]).unwrap();
    assert_eq!(view.data(), rep.data);
    assert_eq!(view.sequence(), req.sequence);
}

#[test]
fn ntpq_read_status_and_full_read_against_ntpsec() {
    let status_req_bytes = fixture("ntpq-rv-to-ntpsec-00-request.hex");
    let status_rep_bytes = fixture("ntpq-rv-to-ntpsec-01-reply.hex");
    let status_req = ControlMessage::parse(&status_req_bytes).unwrap();
    let status_rep = ControlMessage::parse(&status_rep_bytes).unwrap();
    assert_eq!(status_req.opcode, ControlOpcode::READ_STATUS);
    assert!(status_req.data.is_empty());
    assert_eq!(status_rep.sequence, status_req.sequence);
    // No associations are configured, so the status reply lists none.
    assert!(status_rep.data.is_empty());
    let full_bytes = fixture("ntpq-rv-all-to-ntpsec-01-reply.hex");
    let full = ControlMessage::parse(&full_bytes).unwrap();
    let text = core::str::from_utf8(full.data).unwrap();
    assert!(text.contains("version=\"ntpd ntpsec-1.2.2"), "{text}");
    assert!(text.contains("stratum=1"), "{text}");
}

#[test]
fn ntpq_authenticated_config_against_ntpsec() {
    for name in [
        "ntpq-md5-config-to-ntpsec-00-request.hex",
        "ntpq-md5-config-to-ntpsec-01-reply.hex",
    ] {
        let bytes = fixture(name);
        let message = ControlMessage::parse(&bytes).unwrap();
        assert_eq!(message.opcode, ControlOpcode::CONFIGURE, "{name}");
        let mac = message.mac.expect("MAC");
        assert_eq!(mac.key_id, 1, "{name}");
        // ntpd and NTPsec put the MAC on the first 64-bit boundary after the data.
        let covered = message.authenticated_len().unwrap();
        assert_eq!(covered % 8, 0);
        assert_eq!(keyed_md5(&bytes[..covered]), mac.digest, "{name}");
    }
    let request = fixture("ntpq-md5-config-to-ntpsec-00-request.hex");
    assert_eq!(
        ControlMessage::parse(&request).unwrap().data,
        b"tos minclock 3"
    );
    let reply = fixture("ntpq-md5-config-to-ntpsec-01-reply.hex");
    assert_eq!(
        ControlMessage::parse(&reply).unwrap().data,
        b"Config Succeeded\r\n"
    );
}

/// Every fixture parses, and re-emitting the parsed value gives the captured bytes back.
#[test]
fn every_fixture_parses_and_reemits_byte_for_byte() {
    let mut seen = 0;
    for entry in std::fs::read_dir(fixture_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("hex") {
            continue;
        }
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let bytes = fixture(&name);
        let mut out = [0u8; 1024];
        let written = if ntpkit_wire::peek_mode(&bytes).unwrap() == Mode::Control {
            ControlMessage::parse(&bytes)
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .emit(&mut out)
                .unwrap()
        } else {
            NtpPacketRepr::parse(&bytes)
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .emit(&mut out)
                .unwrap()
        };
        assert_eq!(&out[..written], &bytes[..], "{name}");
        seen += 1;
    }
    assert!(seen >= 30, "only {seen} fixtures found");
}
