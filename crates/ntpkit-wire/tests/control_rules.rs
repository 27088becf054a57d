//! Mode 6 framing rules: every length and offset is checked (CVE-2014-9295, CVE-2015-7848,
//! CVE-2016-9310 came from trusting them). Each hostile message gets the exact error.

use ntpkit_wire::{ControlMessage, ControlOpcode, ControlPacket, WireError};

/// ntpq's READ_VARIABLES request header (version 2, mode 6, opcode 2, sequence 3).
fn header(count: u16) -> Vec<u8> {
    let mut h = vec![0x16, 0x02, 0x00, 0x03, 0, 0, 0, 0, 0, 0];
    h.extend(count.to_be_bytes());
    h
}

#[test]
fn shorter_than_a_header_is_truncated() {
    assert_eq!(
        ControlMessage::parse(&[0x16, 0x02, 0, 1]),
        Err(WireError::Truncated {
            needed: 12,
            available: 4
        })
    );
}

#[test]
fn time_packets_are_not_control_messages() {
    let mut time = vec![0u8; 48];
    time[0] = 0x23; // NTPv4 client
    assert_eq!(
        ControlMessage::parse(&time),
        Err(WireError::WrongMode {
            found: 3,
            expected: 6
        })
    );
}

#[test]
fn count_beyond_the_packet_is_refused() {
    let mut m = header(100);
    m.extend(b"stratum\0");
    assert_eq!(
        ControlMessage::parse(&m),
        Err(WireError::ControlCountOverrun {
            count: 100,
            available: 8
        })
    );
    assert!(ControlPacket::new_checked(&m[..]).is_err());
    // An unchecked view of the same bytes yields no data rather than reading past the end.
    assert!(ControlPacket::new_unchecked(&m[..]).data().is_empty());
}

#[test]
fn count_above_468_is_refused_even_if_the_bytes_are_there() {
    let mut m = header(472);
    m.extend(vec![b'a'; 472]);
    assert_eq!(
        ControlMessage::parse(&m),
        Err(WireError::ControlDataTooLong { count: 472 })
    );
}

#[test]
fn non_zero_padding_is_refused() {
    let mut m = header(3);
    m.extend(b"abc\x01");
    assert_eq!(
        ControlMessage::parse(&m),
        Err(WireError::ControlPadding { offset: 15 })
    );
}

#[test]
fn mac_must_be_20_or_24_bytes_on_a_64_bit_boundary() {
    // 12 + 4 data = 16, already 8-aligned: MAC straight after.
    let mut m = header(4);
    m.extend(b"abcd");
    m.extend([0, 0, 0, 1]);
    m.extend([0xaa; 16]);
    let parsed = ControlMessage::parse(&m).unwrap();
    assert_eq!(parsed.mac.unwrap().key_id, 1);
    assert_eq!(parsed.authenticated_len(), Some(16));
    // 12 bytes of junk after the data: neither padding nor a MAC.
    let mut junk = header(4);
    junk.extend(b"abcd");
    junk.extend([1u8; 12]);
    assert_eq!(
        ControlMessage::parse(&junk),
        Err(WireError::ControlTrailer {
            offset: 16,
            length: 12
        })
    );
}

#[test]
fn missing_final_padding_is_tolerated_and_emit_adds_it() {
    let mut m = header(3);
    m.extend(b"abc");
    let parsed = ControlMessage::parse(&m).unwrap();
    assert_eq!(parsed.data, b"abc");
    assert_eq!(parsed.opcode, ControlOpcode::READ_VARIABLES);
    let mut out = [0u8; 32];
    assert_eq!(parsed.emit(&mut out), Ok(16));
    assert_eq!(&out[12..16], b"abc\0");
}

#[test]
fn emit_checks_its_inputs() {
    let long = [0u8; 469];
    let message = ControlMessage {
        leap: ntpkit_wire::LeapIndicator::NoWarning,
        version: ntpkit_wire::Version::V2,
        response: false,
        error: false,
        more: false,
        opcode: ControlOpcode::READ_STATUS,
        sequence: 1,
        status: 0,
        association_id: 0,
        offset: 0,
        data: &long,
        mac: None,
    };
    assert_eq!(
        message.buffer_len(),
        Err(WireError::ControlDataTooLong { count: 469 })
    );
    assert_eq!(ControlOpcode::new(32), Err(WireError::ControlOpcode(32)));
    let short = ControlMessage {
        data: b"x",
        ..message
    };
    assert_eq!(
        short.emit(&mut [0u8; 8]),
        Err(WireError::BufferTooSmall {
            needed: 16,
            available: 8
        })
    );
}
