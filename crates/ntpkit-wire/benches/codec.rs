//! Parse and emit of a plain 48-byte packet, a MAC'd packet (NTPsec's SHA-1 reply) and a
//! packet with two extension fields, against a baseline that only copies the bytes.
//!
//! cargo bench -p ntpkit-wire --bench codec -- --warm-up-time 1 --measurement-time 3
//!
//! Each batch is timed with the thread's CPU clock rather than the wall clock: the shared
//! build machines run at a load of 10+ on 2 cores, and wall time there mostly measures how
//! long the thread waited for a core. CPU time is what one parse or emit costs.
// clock_gettime is an FFI call; it writes only into the timespec we pass.
#![allow(unsafe_code)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ntpkit_wire::{
    ExtensionField, ExtensionFields, NtpHeader, NtpPacketRepr, NtpTimestamp, Trailer,
};

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

fn two_extension_fields() -> Vec<u8> {
    let unique_id = [0x11u8; 32];
    let cookie = [0x22u8; 64];
    let fields = [
        ExtensionField {
            field_type: ExtensionField::NTS_UNIQUE_IDENTIFIER,
            value: &unique_id,
        },
        ExtensionField {
            field_type: ExtensionField::NTS_COOKIE,
            value: &cookie,
        },
    ];
    let repr = NtpPacketRepr {
        header: NtpHeader::client_request(NtpTimestamp::from_bits(0x0123_4567_89ab_cdef)),
        trailer: Trailer::Extensions {
            fields: ExtensionFields::from_fields(&fields),
            mac: None,
        },
    };
    let mut out = vec![0u8; repr.buffer_len().unwrap()];
    repr.emit(&mut out).unwrap();
    out
}

/// CPU time consumed by this thread so far.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID is always supported
    // on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0);
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Runs `f` `iters` times and returns the CPU time it took.
fn cpu_timed<R>(iters: u64, mut f: impl FnMut() -> R) -> Duration {
    let start = thread_cpu_time();
    for _ in 0..iters {
        black_box(f());
    }
    thread_cpu_time() - start
}

fn codec(c: &mut Criterion) {
    let packets = [
        (
            "plain48",
            hex(include_str!(
                "../tests/fixtures/ntpdig-to-ntpsec-01-reply.hex"
            )),
        ),
        (
            "mac",
            hex(include_str!(
                "../tests/fixtures/ntpdig-sha1-to-ntpsec-01-reply.hex"
            )),
        ),
        ("two_ext_fields", two_extension_fields()),
    ];
    let mut out = [0u8; 512];
    for (name, bytes) in &packets {
        let mut group = c.benchmark_group(*name);
        group.bench_function("baseline_copy", |b| {
            b.iter_custom(|iters| {
                cpu_timed(iters, || {
                    let bytes = black_box(&bytes[..]);
                    out[..bytes.len()].copy_from_slice(bytes);
                    black_box(&out);
                })
            })
        });
        group.bench_function("parse", |b| {
            b.iter_custom(|iters| {
                cpu_timed(iters, || {
                    NtpPacketRepr::parse(black_box(&bytes[..])).unwrap()
                })
            })
        });
        let repr = NtpPacketRepr::parse(bytes).unwrap();
        group.bench_function("emit", |b| {
            b.iter_custom(|iters| {
                cpu_timed(iters, || {
                    black_box(&repr).emit(black_box(&mut out[..])).unwrap()
                })
            })
        });
        group.finish();
    }
}

criterion_group!(benches, codec);
criterion_main!(benches);
