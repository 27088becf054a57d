//! A freestanding program that uses the no_std ntpkit crates, so that linking it proves
//! they need no std (and ntpkit-wire no allocator: ntpkit-auth needs `alloc`, served here
//! by libc's malloc).
#![no_std]
#![no_main]

extern crate alloc;

use core::alloc::{GlobalAlloc, Layout};
use core::hint::black_box;
use core::panic::PanicInfo;

use ntpkit_auth::{Key, KeyId, KeyStore, MacAlgorithm, verify_packet};

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

/// libc's malloc as the global allocator (libc is linked anyway; it is not std).
struct Malloc;

unsafe extern "C" {
    fn malloc(size: usize) -> *mut u8;
    fn free(ptr: *mut u8);
}

// SAFETY: malloc returns memory aligned for any fundamental type (16 bytes on x86_64);
// larger alignments are refused with a null pointer, which GlobalAlloc permits.
unsafe impl GlobalAlloc for Malloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() > 16 {
            return core::ptr::null_mut();
        }
        // SAFETY: plain C call; a null result is reported to the caller as failure.
        unsafe { malloc(layout.size().max(1)) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: ptr came from malloc above.
        unsafe { free(ptr) }
    }
}

#[global_allocator]
static ALLOCATOR: Malloc = Malloc;

/// Signs a request with each MAC algorithm and verifies it back.
fn exercise_auth() -> usize {
    let mut total = 0;
    for (i, algorithm) in MacAlgorithm::ALL.into_iter().enumerate() {
        let Some(id) = KeyId::new(i as u32 + 1) else { continue };
        let secret = [0x5a_u8; 32];
        let len = algorithm.required_key_len().unwrap_or(20);
        let Ok(key) = Key::new(algorithm, &secret[..len]) else { continue };
        let mut store = KeyStore::new();
        if store.insert(id, key).is_err() {
            continue;
        }
        store.trust(id);
        let mut buf = [0u8; 72];
        let request = NtpHeader::client_request(NtpTimestamp::from_unix(1_800_000_000, 1));
        let _ = request.emit(&mut buf);
        if let Ok(n) = ntpkit_auth::append_mac(&store, id, black_box(&mut buf), 48) {
            if let Ok(Some(v)) = verify_packet(&store, black_box(&buf[..n])) {
                total += usize::from(v.key_id.get());
            }
        }
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
    black_box(exercise_auth());
    loop {}
}
