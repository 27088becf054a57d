//! The whole client side (ntpkit-assoc's Host: associations, clock filters, selection,
//! discipline) driven by arbitrary commands and packets: never panics, its event queue stays
//! bounded, and whatever the packets say, it serves either unsynchronised (stratum 16,
//! leap 3) or at a stratum above 1 (a server's stratum + 1; it is never a primary itself).
//!
//! Input: a sequence of commands, each one byte then its operands:
//! `0 n` advance n seconds; `1 s p len bytes` a packet for source s, origin patched to our
//! last request when p is odd; `2` add a pool source; `3 s` remove source s.
#![no_main]

use core::time::Duration;

use libfuzzer_sys::fuzz_target;
use ntpkit_assoc::client::ClientConfig;
use ntpkit_assoc::host::{Host, MAX_QUEUED_EVENTS, SourceConfig};
use ntpkit_auth::KeyStore;
use ntpkit_clock::{ClockOptions, SourceId};
use ntpkit_fuzz::Lcg;
use ntpkit_wire::{LeapIndicator, NtpDuration, NtpTimestamp, ReferenceId, Stratum};

fuzz_target!(|data: &[u8]| {
    let keys = KeyStore::new();
    let Ok(mut host) = Host::<Lcg>::new(ClockOptions::default(), -20, Some(0.0), Duration::ZERO)
    else {
        return;
    };
    let mut ids: Vec<SourceId> = Vec::new();
    let mut last_request: Vec<(SourceId, [u8; 8])> = Vec::new();
    let add = |host: &mut Host<Lcg>, ids: &mut Vec<SourceId>, ephemeral: bool| {
        let mut config = SourceConfig::new(ClientConfig::default(), ReferenceId([10, 0, 0, 1]));
        config.ephemeral = ephemeral;
        ids.push(host.add_source(config, Duration::ZERO, Lcg(ids.len() as u32)));
    };
    for _ in 0..3 {
        add(&mut host, &mut ids, false);
    }
    let mut now = Duration::ZERO;
    let wall = |t: Duration| {
        NtpTimestamp::from_unix(1_800_000_000, 0) + NtpDuration::from_seconds_f64(t.as_secs_f64())
    };
    let mut input = data.iter().copied();
    let mut buf = [0u8; 128];
    let mut steps = 0;
    while let Some(op) = input.next() {
        steps += 1;
        if steps > 256 {
            break;
        }
        match op % 4 {
            0 => now += Duration::from_secs(u64::from(input.next().unwrap_or(1))),
            1 => {
                let (Some(s), Some(patch), Some(len)) = (input.next(), input.next(), input.next())
                else {
                    break;
                };
                let mut packet: Vec<u8> = input.by_ref().take(usize::from(len % 96)).collect();
                let Some(&id) = ids.get(usize::from(s) % ids.len().max(1)) else {
                    continue;
                };
                if patch & 1 == 1
                    && let Some((_, origin)) = last_request.iter().rev().find(|(i, _)| *i == id)
                    && let Some(field) = packet.get_mut(24..32)
                {
                    field.copy_from_slice(origin);
                }
                let _ = host.handle_packet(id, now, &packet, wall(now), &keys);
            }
            2 => add(&mut host, &mut ids, true),
            _ => {
                if let Some(&id) = input
                    .next()
                    .and_then(|s| ids.get(usize::from(s) % ids.len().max(1)))
                {
                    host.remove_source(id);
                }
            }
        }
        host.handle_timeout(now, wall(now));
        while let Ok(Some(t)) = host.poll_transmit(now, wall(now), &keys, &mut buf) {
            let mut origin = [0u8; 8];
            origin.copy_from_slice(&buf[40..48]);
            last_request.push((t.id, origin));
            if last_request.len() > 64 {
                last_request.remove(0);
            }
        }
        let mut events = 0;
        while host.poll_event().is_some() {
            events += 1;
        }
        assert!(events <= MAX_QUEUED_EVENTS);
        let state = host.server_state(wall(now));
        if state.leap == LeapIndicator::Unsynchronized {
            assert_eq!(state.stratum, Stratum::UNSYNCHRONIZED);
        } else {
            assert!((2..16).contains(&state.stratum.0), "{state:?}");
        }
    }
});
