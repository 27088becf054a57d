//! Live interoperability with chronyd: requests emitted by this crate are sent to a real
//! chronyd serving on a loopback port, and its replies are parsed. chronyd runs with `-x`
//! and without CAP_SYS_TIME, and is killed when the test ends. Needs `chronyd` and `setpriv`
//! (`bash .ci/install-peers`).

use md5::{Digest as _, Md5};
use ntpkit_testkit::LocalChronyd;
use ntpkit_wire::{
    ExtensionField, ExtensionFields, Mac, Mode, NtpHeader, NtpPacket, NtpPacketRepr, NtpTimestamp,
    ReferenceId, Stratum, Trailer,
};

const KEY: &[u8] = b"ntpkitinterop1";

fn request(transmit: u64) -> NtpHeader {
    NtpHeader::client_request(NtpTimestamp::from_bits(transmit))
}

fn keyed_md5(data: &[u8]) -> [u8; 16] {
    let mut h = Md5::new();
    h.update(KEY);
    h.update(data);
    h.finalize().into()
}

#[test]
fn chronyd_answers_our_requests() {
    let key_line = format!("1 MD5 {}\n", std::str::from_utf8(KEY).unwrap());
    let server = LocalChronyd::start("wire", &[("keys", &key_line)], "keyfile {dir}/keys");

    // Plain request.
    let mut out = [0u8; 256];
    let n = request(0x1111_2222_3333_4444).emit(&mut out).unwrap();
    let reply = server.exchange(&out[..n]);
    let rep = NtpPacketRepr::parse(&reply).unwrap();
    assert_eq!(rep.header.mode, Mode::Server);
    assert_eq!(rep.header.origin_timestamp.to_bits(), 0x1111_2222_3333_4444);
    assert_eq!(rep.header.stratum, Stratum(1));
    assert_eq!(rep.header.reference_id, ReferenceId([127, 127, 1, 1]));
    assert_eq!(rep.trailer, Trailer::None);

    // MD5-authenticated request: chronyd answers only if our MAC is right, and signs its
    // reply with the same key over the first 48 bytes.
    let header = request(0x5555_6666_7777_8888);
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
    assert_eq!(n, 68);
    let reply = server.exchange(&out[..n]);
    let view = NtpPacket::new_checked(&reply[..]).unwrap();
    assert_eq!(view.origin_timestamp().to_bits(), 0x5555_6666_7777_8888);
    let Trailer::Mac { key_id, digest } = view.trailer().unwrap() else {
        panic!("chronyd's reply to a signed request is signed");
    };
    assert_eq!(key_id, 1);
    let covered = view.authenticated_len().unwrap();
    assert_eq!(keyed_md5(&reply[..covered]), digest);

    // An extension field (chrony's experimental 0xF323, whose value starts with the magic
    // number seen in chrony's own requests), then a MAC over header and field.
    let mut value = [0u8; 24];
    value[..4].copy_from_slice(&0xF5BE_DD9Au32.to_be_bytes());
    let fields = [ExtensionField {
        field_type: 0xF323,
        value: &value,
    }];
    let header = request(0x9999_aaaa_bbbb_cccc);
    let unsigned = NtpPacketRepr {
        header,
        trailer: Trailer::Extensions {
            fields: ExtensionFields::from_fields(&fields),
            mac: None,
        },
    };
    let n = unsigned.emit(&mut out).unwrap();
    assert_eq!(n, 76);
    let digest = keyed_md5(&out[..76]);
    let signed = NtpPacketRepr {
        header,
        trailer: Trailer::Extensions {
            fields: ExtensionFields::from_fields(&fields),
            mac: Some(Mac {
                key_id: 1,
                digest: &digest,
            }),
        },
    };
    let n = signed.emit(&mut out).unwrap();
    assert_eq!(n, 96);
    let reply = server.exchange(&out[..n]);
    let view = NtpPacket::new_checked(&reply[..]).unwrap();
    assert_eq!(view.origin_timestamp().to_bits(), 0x9999_aaaa_bbbb_cccc);
    let trailer = view.trailer().unwrap();
    let field = trailer.extension_fields().unwrap().iter().next().unwrap();
    assert_eq!(field.field_type, 0xF323);
    assert_eq!(&field.value[..4], &0xF5BE_DD9Au32.to_be_bytes());
    let mac = trailer.mac().expect("signed reply");
    assert_eq!(
        keyed_md5(&reply[..view.authenticated_len().unwrap()]),
        mac.digest
    );
}
