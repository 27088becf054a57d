//! ntpkit-wire time packets: parsing never panics, the checked view agrees with the parsed
//! value, and re-encoding a parsed packet (NTPv3/v4) gives back exactly the input bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpkit_wire::{NtpPacket, NtpPacketRepr, Version, WireError};

fuzz_target!(|data: &[u8]| {
    let view = NtpPacket::new_checked(data);
    let Ok(repr) = NtpPacketRepr::parse(data) else {
        // The view may accept a header whose trailer is malformed, never the reverse.
        if let Ok(view) = view {
            assert!(view.trailer().is_err());
        }
        return;
    };
    let view = view.expect("view accepts what the Repr accepts");
    assert_eq!(view.header(), Ok(repr.header));
    assert_eq!(view.trailer(), Ok(repr.trailer));
    let covered = view.authenticated_len().expect("authenticated_len");
    assert!((48..=data.len()).contains(&covered));

    let mut out = vec![0u8; data.len()];
    match repr.emit(&mut out) {
        Ok(written) => {
            assert_eq!(&out[..written], data, "re-encoding changed the bytes");
            assert_eq!(NtpPacketRepr::parse(&out[..written]), Ok(repr));
        }
        Err(WireError::VersionNotEmittable(_)) => {
            assert!(matches!(repr.header.version, Version::V1 | Version::V2));
        }
        Err(e) => panic!("parsed packet failed to emit: {e}"),
    }
});
