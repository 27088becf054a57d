//! ntpkit-wire mode 6 control messages: parsing never panics, the view agrees with the
//! parsed value, and emit/parse round-trips and is stable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpkit_wire::{ControlMessage, ControlPacket};

fuzz_target!(|data: &[u8]| {
    let view = ControlPacket::new_checked(data);
    let Ok(message) = ControlMessage::parse(data) else {
        assert!(view.is_err());
        return;
    };
    let view = view.expect("view accepts what the Repr accepts");
    assert_eq!(view.data(), message.data);
    assert_eq!(view.mac(), message.mac);
    assert_eq!(view.sequence(), message.sequence);

    let mut first = [0u8; 512];
    let written = message.emit(&mut first).expect("a parsed message emits");
    assert!(written <= data.len() + 7);
    let again = ControlMessage::parse(&first[..written]).expect("re-parse");
    assert_eq!(again, message);
    let mut second = [0u8; 512];
    let written_again = again.emit(&mut second).expect("emit again");
    assert_eq!(&first[..written], &second[..written_again]);
});
