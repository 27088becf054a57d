//! The client association on arbitrary replies: never panics, and a rejected reply leaves the
//! association exactly as it was but for the drop counter (CVE-2016-9042, CVE-2020-11868).
//! The first input byte picks keyed/unkeyed and whether the reply's origin is patched to the
//! one we sent (so the fuzzer also reaches the MAC, kiss and sample code behind the origin
//! check); the rest is the reply.
#![no_main]

use core::time::Duration;

use libfuzzer_sys::fuzz_target;
use ntpkit_assoc::client::{ClientAssociation, ClientConfig};
use ntpkit_fuzz::{Lcg, md5_keys};
use ntpkit_wire::NtpTimestamp;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, reply)) = data.split_first() else {
        return;
    };
    let (keys, id) = md5_keys();
    let mut config = ClientConfig::default();
    config.key = (selector & 1 == 1).then_some(id);
    let rng = Lcg::START;
    let mut assoc = ClientAssociation::new(config, Duration::ZERO, rng);
    assoc.handle_timeout(Duration::ZERO);
    let mut request = [0u8; 68];
    let t1 = NtpTimestamp::from_unix(1_800_000_000, 0);
    let Ok(Some(_)) = assoc.poll_transmit(Duration::ZERO, t1, &keys, &mut request) else {
        return;
    };
    let mut reply = reply.to_vec();
    if selector & 2 == 2 {
        if let Some(origin) = reply.get_mut(24..32) {
            origin.copy_from_slice(&request[40..48]);
        }
    }
    let observe = |a: &ClientAssociation<_>| {
        let c = a.counters();
        (
            a.poll_timeout(),
            a.reach(),
            a.poll_exponent(),
            a.awaiting_reply(),
            a.is_stopped(),
            c.sent,
            c.accepted,
            c.kisses,
            c.dropped,
        )
    };
    let before = observe(&assoc);
    let t4 = NtpTimestamp::from_unix(1_800_000_000, 1_000_000);
    if assoc
        .handle_response(Duration::from_millis(1), &reply, t4, &keys)
        .is_err()
    {
        let after = observe(&assoc);
        assert_eq!(
            (
                after.0, after.1, after.2, after.3, after.4, after.5, after.6, after.7
            ),
            (
                before.0, before.1, before.2, before.3, before.4, before.5, before.6, before.7
            )
        );
        assert_eq!(after.8, before.8 + 1);
    }
});
