//! Sign and verify a 48-byte NTP packet per algorithm, beside the raw RustCrypto hash or
//! CMAC over the same bytes (the baseline: what the MAC itself costs without key lookup,
//! trust checks, trailer writing and constant-time comparison).
//!
//! Times are the benchmark thread's CPU time (CLOCK_THREAD_CPUTIME_ID), not wall time: the
//! machine is shared, and CPU time does not count the time another process holds the core.

#![allow(missing_docs)] // criterion_group! generates undocumented items
#![allow(unsafe_code)] // one clock_gettime call, see cpu_time_ns
use std::hint::black_box;

use aes::{Aes128, Aes256};
use cmac::Cmac;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use ntpkit_auth::{Key, KeyId, KeyStore, MacAlgorithm, verify};
use sha2::{Digest, Sha256};

/// The calling thread's CPU time in nanoseconds.
fn cpu_time_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid, exclusive pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Criterion measurement: thread CPU time, formatted like wall time.
struct CpuTime;

static WALL: WallTime = WallTime;

impl Measurement for CpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        cpu_time_ns()
    }
    fn end(&self, start: u64) -> u64 {
        cpu_time_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, value: &u64) -> f64 {
        *value as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WALL.formatter()
    }
}

fn raw(algorithm: MacAlgorithm, key: &[u8], packet: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    match algorithm {
        MacAlgorithm::Md5 => {
            let d = md5::Md5::new()
                .chain_update(key)
                .chain_update(packet)
                .finalize();
            out[..16].copy_from_slice(&d);
        }
        MacAlgorithm::Sha1 => {
            let d = sha1::Sha1::new()
                .chain_update(key)
                .chain_update(packet)
                .finalize();
            out[..20].copy_from_slice(&d);
        }
        MacAlgorithm::Sha256 => {
            let d = Sha256::new()
                .chain_update(key)
                .chain_update(packet)
                .finalize();
            out.copy_from_slice(&d);
        }
        MacAlgorithm::HmacSha256 => {
            let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
            m.update(packet);
            out.copy_from_slice(&m.finalize().into_bytes());
        }
        MacAlgorithm::Aes128Cmac => {
            let mut m = <Cmac<Aes128> as KeyInit>::new_from_slice(key).unwrap();
            m.update(packet);
            out[..16].copy_from_slice(&m.finalize().into_bytes());
        }
        _ => {
            let mut m = <Cmac<Aes256> as KeyInit>::new_from_slice(key).unwrap();
            m.update(packet);
            out[..16].copy_from_slice(&m.finalize().into_bytes());
        }
    }
    out
}

fn secret(algorithm: MacAlgorithm) -> Vec<u8> {
    let len = algorithm.required_key_len().unwrap_or(20);
    (0..len as u8)
        .map(|b| b.wrapping_mul(37).wrapping_add(11))
        .collect()
}

fn bench(c: &mut Criterion<CpuTime>) {
    let packet = [0x23u8; 48];
    let id = KeyId::new(1).unwrap();
    for algorithm in MacAlgorithm::ALL {
        let secret = secret(algorithm);
        let mut store = KeyStore::new();
        store
            .insert(id, Key::new(algorithm, &secret).unwrap())
            .unwrap();
        store.trust(id);
        let mut trailer = [0u8; 24];
        let n = store.sign(id, &packet, &mut trailer).unwrap();

        let mut group = c.benchmark_group(algorithm.ntp_name());
        group.bench_function("raw", |b| {
            b.iter(|| raw(algorithm, black_box(&secret), black_box(&packet)))
        });
        group.bench_function("sign", |b| {
            b.iter(|| {
                let mut out = [0u8; 24];
                store.sign(id, black_box(&packet), &mut out).unwrap()
            })
        });
        group.bench_function("verify", |b| {
            b.iter(|| verify(&store, black_box(&packet), 1, black_box(&trailer[4..n])).unwrap())
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(CpuTime);
    targets = bench
}
criterion_main!(benches);
