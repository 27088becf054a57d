//! A freestanding program that uses the no_std ntpkit crates, so that linking it proves
//! they need neither std nor an allocator.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::panic::PanicInfo;

use ntpkit_wire::{ControlMessage, NtpHeader, NtpPacket, NtpPacketRepr, NtpTimestamp};

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {}
}

/// Parses and emits one packet of each kind; returns something the optimiser cannot drop.
fn exercise_wire() -> usize {
    let mut buf = [0u8; 128];
    let request = NtpHeader::client_request(NtpTimestamp::from_unix(1_800_000_000, 1));
    let mut total = request.emit(black_box(&mut buf)).unwrap_or(0);
    if let Ok(packet) = NtpPacket::new_checked(black_box(&buf[..48])) {
        total += packet.authenticated_len().unwrap_or(0);
    }
    if let Ok(repr) = NtpPacketRepr::parse(black_box(&buf[..48])) {
        total += repr.buffer_len().unwrap_or(0);
    }
    let control = [0x16, 0x02, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    if let Ok(message) = ControlMessage::parse(black_box(&control)) {
        total += message.emit(&mut buf).unwrap_or(0);
    }
    total
}

/// core's precompiled objects refer to the unwinding personality even under panic = "abort";
/// nothing unwinds here, so an empty one satisfies the linker.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}

/// The entry point the (start-file-less) link uses.
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    black_box(exercise_wire());
    loop {}
}
