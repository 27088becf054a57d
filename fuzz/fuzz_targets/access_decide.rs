//! ntpkit-access: random restrict lists and packets. Checks the compiled lookup against an
//! independent model of ntpd's search (sort by address, mask, ntpport; last match wins) and
//! the policy's decisions against the flags the model gives.
#![no_main]

use core::time::Duration;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use ntpkit_access::{
    AccessPolicy, AuthStatus, Decision, DiscardConfig, DropReason, Ingress, MruConfig, PacketKind,
    Request, RestrictEntry, RestrictFlag, RestrictFlags, RestrictList, RestrictNetwork,
};

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> Option<u8> {
        let (first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*first)
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes([self.u8()?, self.u8()?]))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes([
            self.u8()?,
            self.u8()?,
            self.u8()?,
            self.u8()?,
        ]))
    }
    /// A 128-bit value from 4 bytes spread over the top, so prefixes collide often.
    fn wide(&mut self) -> Option<u128> {
        let a = u128::from(self.u16()?);
        let b = u128::from(self.u16()?);
        Some(a << 112 | b << 48 | b)
    }
}

#[derive(Clone, Copy)]
struct Line {
    v6: bool,
    bits: u128,
    len: u8,
    ntpport: bool,
    flags: RestrictFlags,
}

fn mask(v6: bool, len: u8) -> u128 {
    let width = if v6 { 128 } else { 32 };
    let all = if v6 { u128::MAX } else { 0xffff_ffff };
    match u32::from(len) {
        0 => 0,
        l if l >= width => all,
        l => all & !(all >> l),
    }
}

fn address(v6: bool, bits: u128) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(bits))
    } else {
        IpAddr::V4(Ipv4Addr::from(bits as u32))
    }
}

fn model(lines: &[Line], v6: bool, src: u128, port: u16) -> RestrictFlags {
    let mut table: Vec<(u128, u128, bool, RestrictFlags)> =
        vec![(0, 0, false, RestrictFlags::NONE)];
    for line in lines.iter().filter(|l| l.v6 == v6) {
        let m = mask(v6, line.len);
        let key = (line.bits & m, m, line.ntpport);
        match table.iter_mut().find(|(a, mm, p, _)| (*a, *mm, *p) == key) {
            Some(existing) => existing.3 |= line.flags,
            None => table.push((key.0, key.1, key.2, line.flags)),
        }
    }
    table.sort_by_key(|(a, m, p, _)| (*a, *m, *p));
    let mut result = RestrictFlags::NONE;
    for (a, m, p, flags) in table {
        if src & m == a && (!p || port == 123) {
            result = flags;
        }
    }
    result
}

const KINDS: [PacketKind; 9] = [
    PacketKind::TimeRequest,
    PacketKind::Symmetric,
    PacketKind::Broadcast,
    PacketKind::AssociationReply,
    PacketKind::ControlQuery,
    PacketKind::ControlWrite,
    PacketKind::ControlTrap,
    PacketKind::ControlMruList,
    PacketKind::Private,
];

fn run(data: &[u8]) -> Option<()> {
    let mut input = Bytes(data);
    let rule_count = input.u8()? % 64;
    let mut lines = Vec::new();
    for _ in 0..rule_count {
        let head = input.u8()?;
        let v6 = head & 1 != 0;
        let raw = input.wide()?;
        let bits = if v6 { raw } else { raw >> 96 };
        let len = input.u8()? % if v6 { 129 } else { 33 };
        let flag_bits = input.u16()?;
        let flags: RestrictFlags = RestrictFlag::ALL
            .iter()
            .enumerate()
            .filter(|(i, f)| flag_bits & (1 << i) != 0 && **f != RestrictFlag::NTPPORT)
            .map(|(_, f)| *f)
            .collect();
        lines.push(Line {
            v6,
            bits: bits & mask(v6, len),
            len,
            ntpport: head & 2 != 0,
            flags,
        });
    }
    let entries = lines.iter().map(|l| {
        let net =
            RestrictNetwork::with_mask(address(l.v6, l.bits), address(l.v6, mask(l.v6, l.len)))
                .ok()?;
        let mut entry = RestrictEntry::new(net, l.flags);
        entry.ntpport = l.ntpport;
        Some(entry)
    });
    let entries: Option<Vec<_>> = entries.collect();
    let list = RestrictList::from_entries(entries?);

    let mut discard = DiscardConfig::default();
    discard.leak = u32::from(input.u8()? % 5);
    let mut mru = MruConfig::default();
    mru.set_maxdepth(u32::from(input.u8()?) + 1);
    mru.mindepth = u32::from(input.u8()?);
    let kod_global = input.u8()? & 1 != 0;
    let mut policy = AccessPolicy::new(list.clone(), discard, &mru, u64::from(input.u32()?));
    policy.set_kod_enabled(kod_global);

    let mut now = Duration::from_secs(1_000);
    while let Some(head) = input.u8() {
        let v6 = head & 1 != 0;
        let pick = usize::from(input.u8()?);
        let noise = input.wide()?;
        // Probe near an entry's network half of the time.
        let src = match lines.get(pick % 64).filter(|l| l.v6 == v6 && head & 2 != 0) {
            Some(l) => {
                l.bits | (noise & !mask(v6, l.len) & if v6 { u128::MAX } else { 0xffff_ffff })
            }
            None => {
                if v6 {
                    noise
                } else {
                    noise >> 96
                }
            }
        };
        let addr = address(v6, src);
        if matches!(addr, IpAddr::V6(a) if a.to_ipv4_mapped().is_some()) {
            continue; // mapped sources match IPv4 entries by design; the model is per family
        }
        let port = if head & 4 != 0 { 123 } else { input.u16()? };
        let expected = model(&lines, v6, src, port);
        assert_eq!(list.lookup(addr, port), expected, "{addr}:{port}");
        assert_eq!(list.lookup_linear(addr, port), expected, "{addr}:{port}");

        let kind = KINDS[usize::from(head >> 3) % KINDS.len()];
        let auth = match input.u8()? % 3 {
            0 => AuthStatus::None,
            1 => AuthStatus::Valid,
            _ => AuthStatus::Failed,
        };
        let ingress = if head & 0x80 != 0 {
            Ingress::Loopback
        } else {
            Ingress::Network
        };
        let version = input.u8()? % 8;
        now += Duration::from_millis(u64::from(input.u16()?));
        let request = Request::new(addr, port, kind, ingress)
            .with_auth(auth)
            .with_version(version);
        let decision = policy.decide(now, &request);

        let flags = expected;
        let loopback_spoof = addr.is_loopback() && ingress == Ingress::Network;
        if loopback_spoof {
            assert_eq!(decision, Decision::Drop(DropReason::LoopbackSpoof));
            continue;
        }
        if flags.contains(RestrictFlags::IGNORE) {
            assert_eq!(decision, Decision::Drop(DropReason::Ignored));
            continue;
        }
        if let Decision::Kiss(_) = decision {
            assert!(kod_global || flags.contains(RestrictFlags::KOD));
            assert!(matches!(
                kind,
                PacketKind::TimeRequest | PacketKind::Symmetric
            ));
        }
        if decision == Decision::Serve {
            assert_ne!(kind, PacketKind::Private);
            if kind.is_control() {
                assert!(!flags.contains(RestrictFlags::NOQUERY));
            }
            if kind == PacketKind::ControlWrite {
                assert!(!flags.contains(RestrictFlags::NOMODIFY) && auth == AuthStatus::Valid);
            }
            if kind.is_time_service() {
                assert!(!flags.contains(RestrictFlags::NOSERVE));
                assert!(auth != AuthStatus::Failed);
                assert!(!flags.contains(RestrictFlags::NOTRUST) || auth == AuthStatus::Valid);
                assert!((1..=4).contains(&version));
            }
        }
        assert!(policy.limiter().mru().len() <= policy.limiter().mru().capacity());
    }
    Some(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
