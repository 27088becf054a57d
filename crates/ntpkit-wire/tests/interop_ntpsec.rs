//! Live interoperability with NTPsec 1.2.2's ntpd, which only serves port 123: the test
//! creates its own network namespace, runs ntpd there (no CAP_SYS_TIME), and sends the bytes
//! this crate emits from inside the namespace with a two-line python3 UDP client. Time
//! requests (plain and MD5-signed) and a mode 6 READ_VARIABLES request are answered and
//! parsed. Needs root, iproute2, python3 and `bash .ci/install-peers` (target/peers/ntpsec).

use md5::{Digest as _, Md5};
use ntpkit_testkit::{KillOnDrop, Netns, TempDir, start_ntpsec};
use ntpkit_wire::{
    ControlMessage, ControlOpcode, LeapIndicator, Mode, NtpHeader, NtpPacket, NtpPacketRepr,
    NtpTimestamp, Stratum, Trailer, Version,
};

const KEY: &[u8] = b"ntpkitinterop2";

/// Field order is drop order: ntpd dies before its namespace and directory go.
struct Ntpd {
    _ntpd: KillOnDrop,
    ns: Netns,
    _dir: TempDir,
}

impl Ntpd {
    fn start() -> Ntpd {
        let dir = TempDir::new("wire-ntpsec");
        let keys = dir.write(
            "ntp.keys",
            &format!("1 MD5 {}\n", std::str::from_utf8(KEY).unwrap()),
        );
        let ns = Netns::new("wire-ntpsec");
        // NTPsec answers mode 6 only with an explicit restrict line.
        let ntpd = start_ntpsec(
            &ns,
            dir.path(),
            &format!(
                "restrict default\nrestrict 127.0.0.1\nkeys {}\ntrustedkey 1",
                keys.display()
            ),
        );
        Ntpd {
            _ntpd: ntpd,
            ns,
            _dir: dir,
        }
    }

    /// Sends `request` to 127.0.0.1:123 inside the namespace; returns the reply.
    fn exchange(&self, request: &[u8]) -> Vec<u8> {
        let client = "import socket,sys\n\
            s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(0.25)\n\
            for _ in range(40):\n\
            \x20 s.sendto(bytes.fromhex(sys.argv[1]),('127.0.0.1',123))\n\
            \x20 try: print(s.recv(2048).hex()); break\n\
            \x20 except socket.timeout: pass\n";
        let hex: String = request.iter().map(|b| format!("{b:02x}")).collect();
        let output = self
            .ns
            .command("python3")
            .args(["-c", client, &hex])
            .output()
            .expect("python3 client");
        let text = String::from_utf8(output.stdout).unwrap();
        let text = text.trim();
        assert!(!text.is_empty(), "ntpd did not answer within 10 s");
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }
}

fn keyed_md5(data: &[u8]) -> [u8; 16] {
    let mut h = Md5::new();
    h.update(KEY);
    h.update(data);
    h.finalize().into()
}

#[test]
fn ntpsec_answers_our_time_and_control_requests() {
    let server = Ntpd::start();
    let mut out = [0u8; 128];

    // Plain client request.
    let header = NtpHeader::client_request(NtpTimestamp::from_bits(0x0102_0304_0506_0708));
    let n = header.emit(&mut out).unwrap();
    let reply = server.exchange(&out[..n]);
    let rep = NtpPacketRepr::parse(&reply).unwrap();
    assert_eq!(rep.header.mode, Mode::Server);
    assert_eq!(rep.header.version, Version::V4);
    assert_eq!(rep.header.origin_timestamp.to_bits(), 0x0102_0304_0506_0708);
    assert_eq!(rep.trailer, Trailer::None);

    // MD5-signed request: NTPsec answers with a reply signed by the same key.
    let header = NtpHeader::client_request(NtpTimestamp::from_bits(0x1112_1314_1516_1718));
    header.emit(&mut out).unwrap();
    let digest = keyed_md5(&out[..48]);
    let signed = NtpPacketRepr {
        header,
        trailer: Trailer::Mac {
            key_id: 1,
            digest: &digest,
        },
    };
    let n = signed.emit(&mut out).unwrap();
    let reply = server.exchange(&out[..n]);
    let view = NtpPacket::new_checked(&reply[..]).unwrap();
    assert_eq!(view.origin_timestamp().to_bits(), 0x1112_1314_1516_1718);
    let mac = view.trailer().unwrap().mac().expect("signed reply");
    assert_eq!(mac.key_id, 1);
    assert_eq!(
        keyed_md5(&reply[..view.authenticated_len().unwrap()]),
        mac.digest
    );

    // Mode 6 READ_VARIABLES for the system, as ntpq would send it.
    let request = ControlMessage {
        leap: LeapIndicator::NoWarning,
        version: Version::V2,
        response: false,
        error: false,
        more: false,
        opcode: ControlOpcode::READ_VARIABLES,
        sequence: 0x4242,
        status: 0,
        association_id: 0,
        offset: 0,
        data: b"stratum,version",
        mac: None,
    };
    let n = request.emit(&mut out).unwrap();
    let reply = server.exchange(&out[..n]);
    let answer = ControlMessage::parse(&reply).unwrap();
    assert!(answer.response && !answer.error);
    assert_eq!(answer.opcode, ControlOpcode::READ_VARIABLES);
    assert_eq!(answer.sequence, 0x4242);
    let text = std::str::from_utf8(answer.data).unwrap();
    assert!(text.contains("version=\"ntpd ntpsec-1.2.2"), "{text}");
    assert!(text.contains("stratum="), "{text}");
    assert!(rep.header.stratum <= Stratum::UNSYNCHRONIZED);
}
