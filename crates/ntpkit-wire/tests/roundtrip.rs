//! Property tests: parse(emit(x)) == x for every Repr and every trailer kind, and emit is
//! stable for fields whose values need padding.

use ntpkit_wire::{
    ControlMessage, ControlOpcode, ControlPacket, ExtensionField, ExtensionFields, LeapIndicator,
    Mac, Mode, MsSntpExtended, NtpDuration, NtpHeader, NtpPacket, NtpPacketRepr, NtpShort,
    NtpTimestamp, PollInterval, Precision, ReferenceId, Stratum, Trailer, Version,
};
use proptest::prelude::*;

fn header(version: Version) -> impl Strategy<Value = NtpHeader> {
    (
        (0u8..4, 0u8..8, any::<u8>(), any::<i8>(), any::<i8>()),
        (any::<u32>(), any::<u32>(), any::<[u8; 4]>()),
        any::<[u64; 4]>(),
    )
        .prop_map(
            move |((leap, mode, stratum, poll, precision), (delay, disp, refid), ts)| NtpHeader {
                leap: LeapIndicator::from_bits(leap),
                version,
                mode: Mode::from_bits(mode),
                stratum: Stratum(stratum),
                poll: PollInterval(poll),
                precision: Precision(precision),
                root_delay: NtpShort::from_bits(delay),
                root_dispersion: NtpShort::from_bits(disp),
                reference_id: ReferenceId(refid),
                reference_timestamp: NtpTimestamp::from_bits(ts[0]),
                origin_timestamp: NtpTimestamp::from_bits(ts[1]),
                receive_timestamp: NtpTimestamp::from_bits(ts[2]),
                transmit_timestamp: NtpTimestamp::from_bits(ts[3]),
            },
        )
}

fn digest(lengths: &'static [usize]) -> impl Strategy<Value = Vec<u8>> {
    proptest::sample::select(lengths)
        .prop_flat_map(|len| proptest::collection::vec(any::<u8>(), len))
        // An all-zero 16-byte digest in NTPv3 is an MS-SNTP request by definition.
        .prop_filter("non-zero digest", |d| d.iter().any(|&b| b != 0))
}

/// Extension field values that need no padding: a multiple of 4, at least 12 bytes.
fn aligned_value(min: usize) -> impl Strategy<Value = Vec<u8>> {
    (min / 4..=20usize).prop_flat_map(|words| proptest::collection::vec(any::<u8>(), words * 4))
}

fn emit_parse(repr: &NtpPacketRepr<'_>) -> Vec<u8> {
    let len = repr.buffer_len().unwrap();
    let mut out = vec![0u8; len];
    assert_eq!(repr.emit(&mut out).unwrap(), len);
    out
}

proptest! {
    #[test]
    fn header_round_trips(h in prop_oneof![header(Version::V3), header(Version::V4)]) {
        let mut buf = [0u8; 48];
        prop_assert_eq!(h.emit(&mut buf), Ok(48));
        prop_assert_eq!(NtpHeader::parse(&buf), Ok(h));
        let view = NtpPacket::new_checked(&buf[..]).unwrap();
        prop_assert_eq!(view.header(), Ok(h));
        prop_assert_eq!(view.transmit_timestamp(), h.transmit_timestamp);
        prop_assert_eq!(view.stratum(), h.stratum);
    }

    #[test]
    fn plain_crypto_nak_and_mac_round_trip(
        h in prop_oneof![header(Version::V3), header(Version::V4)],
        kind in 0..3u8,
        key_id in any::<u32>(),
        d in digest(&[16, 20]),
    ) {
        let trailer = match kind {
            0 => Trailer::None,
            1 => Trailer::CryptoNak,
            _ => Trailer::Mac { key_id, digest: &d },
        };
        let repr = NtpPacketRepr { header: h, trailer };
        let bytes = emit_parse(&repr);
        prop_assert_eq!(NtpPacketRepr::parse(&bytes), Ok(repr));
        let view = NtpPacket::new_checked(&bytes[..]).unwrap();
        prop_assert_eq!(view.authenticated_len(), Ok(48));
    }

    #[test]
    fn extension_fields_with_and_without_mac_round_trip(
        h in header(Version::V4),
        fields in proptest::collection::vec((any::<u16>(), aligned_value(12)), 1..5),
        last in aligned_value(24),
        mac in proptest::option::of((any::<u32>(), digest(&[16, 20]))),
    ) {
        let mut list: Vec<ExtensionField<'_>> = fields
            .iter()
            .map(|(t, v)| ExtensionField { field_type: *t, value: v })
            .collect();
        if mac.is_none() {
            // Without a MAC the last field must be at least 28 bytes (RFC 7822 7.5).
            list.push(ExtensionField { field_type: 0x0404, value: &last });
        }
        let mac = mac.as_ref().map(|(key_id, d)| Mac { key_id: *key_id, digest: d });
        let repr = NtpPacketRepr {
            header: h,
            trailer: Trailer::Extensions { fields: ExtensionFields::from_fields(&list), mac },
        };
        let bytes = emit_parse(&repr);
        let parsed = NtpPacketRepr::parse(&bytes).unwrap();
        prop_assert_eq!(parsed, repr);
        let fields_len: usize = list.iter().map(|f| 4 + f.value.len()).sum();
        let view = NtpPacket::new_checked(&bytes[..]).unwrap();
        prop_assert_eq!(view.authenticated_len(), Ok(48 + fields_len));
    }

    #[test]
    fn unaligned_extension_values_are_padded_and_stable(
        h in header(Version::V4),
        values in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..70), 1..4),
        with_mac in any::<bool>(),
    ) {
        let list: Vec<ExtensionField<'_>> = values
            .iter()
            .map(|v| ExtensionField { field_type: 0x1234, value: v })
            .collect();
        let digest = [7u8; 16];
        let mac = with_mac.then_some(Mac { key_id: 1, digest: &digest });
        let repr = NtpPacketRepr {
            header: h,
            trailer: Trailer::Extensions { fields: ExtensionFields::from_fields(&list), mac },
        };
        let bytes = emit_parse(&repr);
        let parsed = NtpPacketRepr::parse(&bytes).unwrap();
        let fields = parsed.trailer.extension_fields().unwrap();
        prop_assert_eq!(fields.count(), values.len());
        for (field, original) in fields.iter().zip(&values) {
            // The value comes back with zero padding after it, to a multiple of 4.
            prop_assert!(field.value.starts_with(original));
            prop_assert!(field.value[original.len()..].iter().all(|&b| b == 0));
            prop_assert_eq!((4 + field.value.len()) % 4, 0);
        }
        prop_assert_eq!(parsed.trailer.mac(), mac);
        // Emitting the parsed packet is stable.
        prop_assert_eq!(emit_parse(&parsed), bytes);
    }

    #[test]
    fn legacy_and_ms_sntp_trailers_round_trip(
        h in header(Version::V3),
        kind in 0..3u8,
        key_id in 1..=u32::MAX,
        d in digest(&[8, 12, 24, 28, 32, 44, 48, 64]),
        raw in any::<[u8; 8]>(),
        checksum in proptest::collection::vec(any::<u8>(), 64),
    ) {
        let trailer = match kind {
            0 => Trailer::LegacyMac { key_id, digest: &d },
            1 => Trailer::MsSntp { key_id },
            _ => Trailer::MsSntpExtended(MsSntpExtended {
                key_identifier: [raw[0], raw[1], raw[2], raw[3]],
                reserved: raw[4],
                flags: raw[5],
                client_hash_id_hints: raw[6],
                signature_hash_id: raw[7],
                checksum: &checksum,
            }),
        };
        let repr = NtpPacketRepr { header: h, trailer };
        let bytes = emit_parse(&repr);
        prop_assert_eq!(NtpPacketRepr::parse(&bytes), Ok(repr));
        // None of these exist in NTPv4: emitting them under a v4 header is refused.
        let v4 = NtpPacketRepr { header: NtpHeader { version: Version::V4, ..h }, trailer };
        prop_assert!(v4.emit(&mut [0u8; 200]).is_err());
    }

    #[test]
    fn control_messages_round_trip(
        (leap, version) in (0u8..4, 1u8..=4),
        (response, error, more) in any::<(bool, bool, bool)>(),
        opcode in 0u8..32,
        (sequence, status, association_id, offset) in any::<(u16, u16, u16, u16)>(),
        data in proptest::collection::vec(any::<u8>(), 0..=468),
        mac in proptest::option::of((any::<u32>(), digest(&[16, 20]))),
    ) {
        let message = ControlMessage {
            leap: LeapIndicator::from_bits(leap),
            version: Version::from_bits(version).unwrap(),
            response,
            error,
            more,
            opcode: ControlOpcode::new(opcode).unwrap(),
            sequence,
            status,
            association_id,
            offset,
            data: &data,
            mac: mac.as_ref().map(|(key_id, d)| Mac { key_id: *key_id, digest: d }),
        };
        let len = message.buffer_len().unwrap();
        let mut out = vec![0u8; len];
        prop_assert_eq!(message.emit(&mut out), Ok(len));
        prop_assert_eq!(len % 4, 0);
        prop_assert_eq!(ControlMessage::parse(&out), Ok(message));
        let view = ControlPacket::new_checked(&out[..]).unwrap();
        prop_assert_eq!(view.data(), &data[..]);
        prop_assert_eq!(view.is_response(), response);
        prop_assert_eq!(view.opcode().value(), opcode);
    }

    #[test]
    fn unix_time_round_trips_within_68_years_of_the_pivot(
        pivot in -2_208_988_800i64..10_000_000_000,
        delta in -(1i64 << 31)..(1i64 << 31),
        nanos in 0u32..1_000_000_000,
    ) {
        let secs = pivot + delta;
        prop_assert_eq!(NtpTimestamp::from_unix(secs, nanos).to_unix(pivot), (secs, nanos));
    }

    #[test]
    fn timestamp_difference_inverts_addition(a in any::<u64>(), d in any::<i64>()) {
        let t = NtpTimestamp::from_bits(a);
        let duration = NtpDuration::from_bits(d);
        prop_assert_eq!((t + duration) - t, duration);
        prop_assert_eq!((t + duration) - duration, t);
    }
}
