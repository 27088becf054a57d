//! Parsing and emitting allocate nothing: a counting global allocator sees zero allocations
//! on this thread while every parser and emitter runs over real fixtures.
// A GlobalAlloc implementation needs `unsafe impl`; it only forwards to the system allocator.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ntpkit_wire::{
    ControlMessage, ControlPacket, ExtensionField, ExtensionFields, Mac, NtpHeader, NtpPacket,
    NtpPacketRepr, NtpTimestamp, Trailer,
};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call unchanged to `System`, which upholds the GlobalAlloc contract;
// the thread-local counter is const-initialised and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: same layout the caller gave us.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

fn hex(text: &str) -> Vec<u8> {
    let hex: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(|l| l.trim().chars())
        .collect();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn parse_and_emit_allocate_nothing() {
    // Load everything first (this allocates), then measure only the codec.
    let plain = hex(include_str!("fixtures/ntpdig-to-ntpsec-01-reply.hex"));
    let mac = hex(include_str!("fixtures/ntpdig-sha1-to-ntpsec-01-reply.hex"));
    let ef_mac = hex(include_str!(
        "fixtures/chronyq-ef-md5-to-chronyd-01-reply.hex"
    ));
    let control = hex(include_str!(
        "fixtures/ntpq-md5-config-to-ntpsec-01-reply.hex"
    ));
    let mut out = [0u8; 512];
    let digest = [1u8; 20];
    let value = [2u8; 24];

    let count = allocations_during(|| {
        for bytes in [&plain, &mac, &ef_mac] {
            let repr = NtpPacketRepr::parse(bytes).unwrap();
            let n = repr.emit(&mut out).unwrap();
            assert_eq!(&out[..n], &bytes[..]);
            let view = NtpPacket::new_checked(&bytes[..]).unwrap();
            let trailer = view.trailer().unwrap();
            if let Some(fields) = trailer.extension_fields() {
                for field in &fields {
                    assert!(field.value.len() >= 12);
                }
            }
            view.authenticated_len().unwrap();
            NtpHeader::parse(bytes).unwrap().emit(&mut out).unwrap();
        }
        let message = ControlMessage::parse(&control).unwrap();
        message.emit(&mut out).unwrap();
        let view = ControlPacket::new_checked(&control[..]).unwrap();
        assert!(view.mac().is_some());

        // Building a packet from scratch: two extension fields and a MAC.
        let fields = [
            ExtensionField {
                field_type: 0x0104,
                value: &value,
            },
            ExtensionField {
                field_type: 0x0204,
                value: &value,
            },
        ];
        let repr = NtpPacketRepr {
            header: NtpHeader::client_request(NtpTimestamp::from_bits(42)),
            trailer: Trailer::Extensions {
                fields: ExtensionFields::from_fields(&fields),
                mac: Some(Mac {
                    key_id: 1,
                    digest: &digest,
                }),
            },
        };
        repr.emit(&mut out).unwrap();
        // Errors allocate nothing either.
        assert!(NtpPacketRepr::parse(&ef_mac[..60]).is_err());
    });
    assert_eq!(count, 0, "parse/emit allocated {count} times");
}

#[test]
fn the_counter_sees_allocations() {
    // Guards the test above against a counter that never counts.
    let count = allocations_during(|| {
        let v: Vec<u8> = std::hint::black_box(vec![1, 2, 3]);
        drop(v);
    });
    assert!(count >= 1);
}
