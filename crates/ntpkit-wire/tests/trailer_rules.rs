//! Each RFC 7822 / SECURITY-LESSONS "Parsing" rule, with a hostile or borderline trailer and
//! the exact classification or error it must produce; plus the no-panic sweeps over every
//! truncation and every trailer length from 0 to 100.

use ntpkit_wire::{
    ControlMessage, ControlPacket, HEADER_LEN, MsSntpExtended, NtpHeader, NtpPacket, NtpPacketRepr,
    NtpTimestamp, Trailer, Version, WireError,
};

fn packet(version: Version, trailer: &[u8]) -> Vec<u8> {
    let mut header = NtpHeader::client_request(NtpTimestamp::from_bits(0x0123_4567_89ab_cdef));
    header.version = if version == Version::V4 {
        Version::V4
    } else {
        Version::V3
    };
    let mut bytes = vec![0u8; HEADER_LEN];
    header.emit(&mut bytes).unwrap();
    // NTPv1/2 cannot be emitted; patch the version bits for those.
    bytes[0] = (bytes[0] & !0b0011_1000) | (version as u8) << 3;
    bytes.extend_from_slice(trailer);
    bytes
}

fn classify(version: Version, trailer: &[u8]) -> Result<Trailer<'_>, WireError> {
    Trailer::parse(version, trailer)
}

fn ext(field_type: u16, len: usize) -> Vec<u8> {
    let mut field = vec![0xa5u8; len];
    field[..2].copy_from_slice(&field_type.to_be_bytes());
    field[2..4].copy_from_slice(&(len as u16).to_be_bytes());
    field
}

#[test]
fn empty_trailer_is_none() {
    assert_eq!(classify(Version::V4, &[]), Ok(Trailer::None));
    assert_eq!(classify(Version::V3, &[]), Ok(Trailer::None));
}

#[test]
fn four_zero_bytes_are_a_crypto_nak_and_four_other_bytes_an_error() {
    assert_eq!(classify(Version::V4, &[0; 4]), Ok(Trailer::CryptoNak));
    assert!(classify(Version::V4, &[0; 4]).unwrap().mac().is_none());
    assert_eq!(
        classify(Version::V4, &[0, 0, 0, 7]),
        Err(WireError::ShortTrailerNotCryptoNak { key_id: 7 })
    );
}

#[test]
fn twenty_and_twenty_four_bytes_are_macs() {
    let mut mac = vec![0, 0, 0, 9];
    mac.extend([0x11; 16]);
    let t = classify(Version::V4, &mac).unwrap();
    assert_eq!(
        t,
        Trailer::Mac {
            key_id: 9,
            digest: &[0x11; 16]
        }
    );
    mac.extend([0x22; 4]);
    let t = classify(Version::V4, &mac).unwrap();
    assert_eq!(t.mac().unwrap().digest.len(), 20);
}

#[test]
fn v4_lengths_that_are_nothing_name_the_rule() {
    for len in [1, 2, 3, 5, 8, 12, 15] {
        assert_eq!(
            classify(Version::V4, &vec![1u8; len]),
            Err(WireError::TrailerLength { length: len }),
            "length {len}"
        );
    }
}

#[test]
fn extension_field_rules() {
    // Length field below 16 (CVE-2015-7691 class).
    let mut t = ext(0x0104, 28);
    t[2..4].copy_from_slice(&12u16.to_be_bytes());
    assert_eq!(
        classify(Version::V4, &t),
        Err(WireError::ExtensionTooShort {
            offset: 48,
            length: 12
        })
    );
    // Not a multiple of 4.
    t[2..4].copy_from_slice(&18u16.to_be_bytes());
    assert_eq!(
        classify(Version::V4, &t),
        Err(WireError::ExtensionMisaligned {
            offset: 48,
            length: 18
        })
    );
    // Runs past the end of the packet.
    t[2..4].copy_from_slice(&64u16.to_be_bytes());
    assert_eq!(
        classify(Version::V4, &t),
        Err(WireError::ExtensionOverrun {
            offset: 48,
            length: 64,
            available: 28
        })
    );
    // Last field without a MAC must be at least 28 bytes.
    let mut two = ext(0x0104, 16);
    two.extend(ext(0x0204, 16));
    assert_eq!(
        classify(Version::V4, &two),
        Err(WireError::LastExtensionTooShort {
            offset: 64,
            length: 16
        })
    );
    // A single 16-byte field with no MAC is too short as the last field.
    assert_eq!(
        classify(Version::V4, &ext(0x0104, 16)),
        Err(WireError::LastExtensionTooShort {
            offset: 48,
            length: 16
        })
    );
    // Second field's header truncated: 16 + 2 stray bytes... then the 2 bytes are an error.
    let mut stray = ext(0x0104, 28);
    stray.extend([0, 0]);
    assert_eq!(
        classify(Version::V4, &stray),
        Err(WireError::ExtensionHeaderTruncated {
            offset: 76,
            available: 2
        })
    );
}

#[test]
fn extension_fields_then_mac() {
    // Two 16-byte fields then a 20-byte MAC: 16-byte fields are fine when a MAC follows.
    let mut t = ext(0x0104, 16);
    t.extend(ext(0x0204, 16));
    t.extend([0, 0, 0, 5]);
    t.extend([0x33; 16]);
    let trailer = classify(Version::V4, &t).unwrap();
    let Trailer::Extensions { fields, mac } = trailer else {
        panic!("{trailer:?}")
    };
    let types: Vec<u16> = fields.iter().map(|f| f.field_type).collect();
    assert_eq!(types, [0x0104, 0x0204]);
    assert_eq!(mac.unwrap().key_id, 5);
    let bytes = packet(Version::V4, &t);
    let view = NtpPacket::new_checked(&bytes[..]).unwrap();
    assert_eq!(view.authenticated_len(), Ok(48 + 32));
}

#[test]
fn unknown_extension_types_are_skipped_not_rejected() {
    let mut t = ext(0xfeed, 16);
    t.extend(ext(0x7777, 32));
    let trailer = classify(Version::V4, &t).unwrap();
    assert_eq!(trailer.extension_fields().unwrap().count(), 2);
}

#[test]
fn legacy_and_ms_sntp_trailers() {
    // RFC 1305 DES MAC: key id + 8 bytes, NTPv3.
    let mut des = vec![0, 0, 0, 3];
    des.extend([0x44; 8]);
    assert_eq!(
        classify(Version::V3, &des),
        Ok(Trailer::LegacyMac {
            key_id: 3,
            digest: &[0x44; 8]
        })
    );
    // The same 12 bytes in NTPv4 are not allowed.
    assert_eq!(
        classify(Version::V4, &des),
        Err(WireError::TrailerLength { length: 12 })
    );
    // chrony's SHA-512 MAC to an NTPv3 peer: 4 + 64 bytes.
    let mut long = vec![0, 0, 0, 4];
    long.extend([0x55; 64]);
    assert!(matches!(
        classify(Version::V3, &long),
        Ok(Trailer::LegacyMac { key_id: 4, .. })
    ));
    // MS-SNTP request: NTPv3, RID in the key id, zero checksum.
    let mut ms = vec![0x80, 0, 0x04, 0x51];
    ms.extend([0; 16]);
    assert_eq!(
        classify(Version::V3, &ms),
        Ok(Trailer::MsSntp {
            key_id: 0x8000_0451
        })
    );
    // The same bytes in NTPv4 are an ordinary MAC.
    assert!(matches!(
        classify(Version::V4, &ms),
        Ok(Trailer::Mac { .. })
    ));
    // MS-SNTP extended authenticator: 72 bytes, little-endian RID.
    let mut ext_auth = vec![0x51, 0x04, 0, 0, 0, 1, 1, 0];
    ext_auth.extend([0; 64]);
    let Ok(Trailer::MsSntpExtended(auth)) = classify(Version::V3, &ext_auth) else {
        panic!("expected MS-SNTP extended authenticator");
    };
    assert_eq!(auth.rid(), 0x0451);
    assert_eq!(auth.flags, 1);
    assert_eq!(auth.client_hash_id_hints, 1);
    assert_eq!(auth.checksum.len(), MsSntpExtended::LEN - 8);
    // Odd legacy lengths are errors naming the rule.
    assert_eq!(
        classify(Version::V3, &[1; 13]),
        Err(WireError::LegacyTrailerLength {
            version: 3,
            length: 13
        })
    );
}

/// Every truncation of every kind of valid packet returns a value or an error, never a panic,
/// and never claims more authenticated bytes than it has.
#[test]
fn every_truncation_of_valid_packets_is_handled() {
    let mut mac = vec![0, 0, 0, 1];
    mac.extend([9; 20]);
    let mut ef_mac = ext(0x0104, 16);
    ef_mac.extend(ext(0x0404, 40));
    ef_mac.extend(&mac);
    let mut ms_ext = vec![1, 0, 0, 0, 0, 0, 1, 0];
    ms_ext.extend([0; 64]);
    let samples = [
        packet(Version::V4, &[]),
        packet(Version::V4, &[0; 4]),
        packet(Version::V4, &mac),
        packet(Version::V4, &ef_mac),
        packet(Version::V3, &ms_ext),
        packet(Version::V1, &mac[..12]),
    ];
    for sample in &samples {
        for len in 0..=sample.len() {
            let cut = &sample[..len];
            let _ = NtpHeader::parse(cut);
            let _ = NtpPacketRepr::parse(cut);
            if let Ok(view) = NtpPacket::new_checked(cut) {
                let _ = view.trailer();
                if let Ok(covered) = view.authenticated_len() {
                    assert!(covered <= len);
                }
            }
            // Unchecked views must not panic either.
            let view = NtpPacket::new_unchecked(cut);
            let _ = (
                view.transmit_timestamp(),
                view.trailer(),
                view.authenticated_len(),
            );
            let _ = ControlMessage::parse(cut);
            let control = ControlPacket::new_unchecked(cut);
            let _ = (control.data(), control.mac(), control.count());
        }
    }
}

/// Every trailer length from 0 to 100, in every version, with several fill patterns that
/// exercise the extension-field length field, returns a value or an error.
#[test]
fn every_trailer_length_0_to_100_is_handled() {
    let fills: [fn(usize) -> u8; 5] = [
        |_| 0,
        |_| 0xff,
        |i| i as u8,
        |i| if i % 4 == 3 { 16 } else { 0 },
        |i| if i % 4 == 3 { 28 } else { 0 },
    ];
    for version in [Version::V1, Version::V2, Version::V3, Version::V4] {
        for len in 0..=100 {
            for fill in fills {
                let trailer: Vec<u8> = (0..len).map(fill).collect();
                let bytes = packet(version, &trailer);
                match NtpPacketRepr::parse(&bytes) {
                    Ok(repr) => {
                        let covered = NtpPacket::new_checked(&bytes[..])
                            .unwrap()
                            .authenticated_len()
                            .unwrap();
                        assert!((HEADER_LEN..=bytes.len()).contains(&covered));
                        // What parses re-encodes to the same bytes (v3/v4).
                        if version >= Version::V3 {
                            let mut out = vec![0u8; bytes.len()];
                            let n = repr.emit(&mut out).unwrap();
                            assert_eq!(out[..n], bytes[..], "v{version:?} len {len}");
                        }
                    }
                    Err(e) => {
                        // Errors render a message naming the rule.
                        assert!(!e.to_string().is_empty());
                    }
                }
            }
        }
    }
}
