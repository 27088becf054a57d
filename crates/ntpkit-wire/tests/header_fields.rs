//! Header field types: kiss codes (RFC 5905 section 7.4), reference id interpretation, and
//! the header's own checks.

use core::net::Ipv4Addr;

use ntpkit_wire::{
    HEADER_LEN, KissCode, Mode, NtpHeader, NtpPacket, ReferenceId, ReferenceIdKind, Stratum,
    Version, WireError,
};

#[test]
fn registered_kiss_codes_map_both_ways() {
    let registered: [(&[u8; 4], KissCode); 15] = [
        (b"ACST", KissCode::Acst),
        (b"AUTH", KissCode::Auth),
        (b"AUTO", KissCode::Auto),
        (b"BCST", KissCode::Bcst),
        (b"CRYP", KissCode::Cryp),
        (b"DENY", KissCode::Deny),
        (b"DROP", KissCode::Drop),
        (b"RSTR", KissCode::Rstr),
        (b"INIT", KissCode::Init),
        (b"MCST", KissCode::Mcst),
        (b"NKEY", KissCode::Nkey),
        (b"NTSN", KissCode::Ntsn),
        (b"RATE", KissCode::Rate),
        (b"RMOT", KissCode::Rmot),
        (b"STEP", KissCode::Step),
    ];
    for (bytes, code) in registered {
        assert_eq!(KissCode::from_bytes(*bytes), code);
        assert_eq!(code.to_bytes(), *bytes);
        assert_eq!(code.to_string().as_bytes(), bytes);
    }
    assert_eq!(KissCode::from_bytes(*b"XYZW"), KissCode::Other(*b"XYZW"));
    assert!(KissCode::Deny.is_access_denied() && KissCode::Rstr.is_access_denied());
    assert!(!KissCode::Rate.is_access_denied());
}

#[test]
fn a_stratum_zero_reply_is_a_kiss() {
    let mut bytes = [0u8; HEADER_LEN];
    bytes[0] = 0xe4; // leap 3, NTPv4, server
    bytes[12..16].copy_from_slice(b"RATE");
    let header = NtpHeader::parse(&bytes).unwrap();
    assert!(header.is_kiss());
    assert_eq!(header.kiss_code(), Some(KissCode::Rate));
    bytes[1] = 2;
    assert_eq!(NtpHeader::parse(&bytes).unwrap().kiss_code(), None);
}

#[test]
fn reference_id_depends_on_stratum() {
    let id = ReferenceId(*b"GPS\0");
    assert_eq!(
        id.classify(Stratum(1), false),
        ReferenceIdKind::Source(*b"GPS\0")
    );
    assert_eq!(id.as_ascii(), Some("GPS"));
    let addr = ReferenceId::from_ipv4(Ipv4Addr::new(192, 0, 2, 1));
    assert_eq!(
        addr.classify(Stratum(2), false),
        ReferenceIdKind::Ipv4(Ipv4Addr::new(192, 0, 2, 1))
    );
    assert_eq!(
        addr.classify(Stratum(2), true),
        ReferenceIdKind::Ipv6Hash([192, 0, 2, 1])
    );
    assert_eq!(
        ReferenceId(*b"DENY").classify(Stratum(0), false),
        ReferenceIdKind::Kiss(KissCode::Deny)
    );
    assert_eq!(ReferenceId([0xc0, 0, 2, 1]).as_ascii(), None);
}

#[test]
fn versions_outside_1_to_4_are_refused_and_only_3_and_4_emitted() {
    let mut bytes = [0u8; HEADER_LEN];
    for version in [0u8, 5, 6, 7] {
        bytes[0] = (version << 3) | 3;
        assert_eq!(
            NtpHeader::parse(&bytes),
            Err(WireError::UnsupportedVersion(version))
        );
        assert!(NtpPacket::new_checked(&bytes[..]).is_err());
    }
    bytes[0] = (1 << 3) | 3;
    let v1 = NtpHeader::parse(&bytes).unwrap();
    assert_eq!(v1.version, Version::V1);
    assert_eq!(v1.mode, Mode::Client);
    assert_eq!(
        v1.emit(&mut [0u8; 48]),
        Err(WireError::VersionNotEmittable(1))
    );
    let v4 = NtpHeader {
        version: Version::V4,
        ..v1
    };
    assert_eq!(
        v4.emit(&mut [0u8; 47]),
        Err(WireError::BufferTooSmall {
            needed: 48,
            available: 47
        })
    );
}

#[test]
fn view_setters_write_in_place() {
    let mut buf = [0u8; HEADER_LEN];
    buf[0] = 0x23;
    let mut packet = NtpPacket::new_checked(&mut buf[..]).unwrap();
    let t = ntpkit_wire::NtpTimestamp::from_bits(0x1122_3344_5566_7788);
    packet.set_transmit_timestamp(t);
    packet.set_origin_timestamp(t);
    assert_eq!(packet.transmit_timestamp(), t);
    assert_eq!(
        &buf[40..48],
        &[0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]
    );
    assert_eq!(
        &buf[24..32],
        &[0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]
    );
}
