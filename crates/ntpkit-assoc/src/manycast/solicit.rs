//! Solicitations in flight and the tests a reply to one must pass before it may mobilise
//! an association: the client/server packet tests of RFC 5905 (origin, MAC, synchronised
//! server, distance), run by the client association's own code against the solicitation it
//! answers.

use ntpkit_auth::KeyStore;
use ntpkit_wire::{NtpPacket, NtpTimestamp};

use crate::client::onwire::{Expectations, Outstanding, Verdict, check};
use crate::client::{ClientConfig, ClientSample, Rejection};

/// Solicitations remembered: a reply to the TTL-1 solicitation may arrive after the TTL-2
/// one left, and every server of the group answers the same solicitation.
pub const SOLICITATION_WINDOW: usize = 8;

/// One solicitation sent.
#[derive(Clone, Copy, Debug)]
pub(super) struct Solicitation {
    pub(super) sent: Outstanding,
    pub(super) ttl: u8,
}

/// The last [`SOLICITATION_WINDOW`] solicitations, oldest first (bounded).
#[derive(Clone, Debug, Default)]
pub(super) struct SolicitWindow {
    sent: Vec<Solicitation>,
}

impl SolicitWindow {
    pub(super) fn push(&mut self, wire_origin: NtpTimestamp, t1: NtpTimestamp, ttl: u8) {
        if self.sent.len() >= SOLICITATION_WINDOW {
            self.sent.remove(0);
        }
        self.sent.push(Solicitation {
            sent: Outstanding { wire_origin, t1 },
            ttl,
        });
    }

    /// The solicitation `bytes` claims to answer, by its origin timestamp (zero never
    /// matches: CVE-2016-7431).
    pub(super) fn find(&self, bytes: &[u8]) -> Option<Solicitation> {
        let origin = NtpPacket::new_checked(bytes).ok()?.origin_timestamp();
        if origin.is_zero() {
            return None;
        }
        self.sent
            .iter()
            .rev()
            .find(|s| s.sent.wire_origin == origin)
            .copied()
    }

    /// Every client/server test against solicitation `s`; a kiss is no offer of service.
    pub(super) fn check(
        s: Solicitation,
        bytes: &[u8],
        t4: NtpTimestamp,
        client: &ClientConfig,
        keys: &KeyStore,
    ) -> Result<ClientSample, Rejection> {
        let expectations = Expectations {
            outstanding: Some(s.sent),
            last_server_transmit: None,
            key: client.key,
            keys,
            local_precision: client.local_precision,
            max_distance: client.max_distance,
        };
        match check(&expectations, bytes, t4)? {
            Verdict::Sample(sample, _) => Ok(sample),
            Verdict::Kiss(..) => Err(Rejection::Unsynchronized),
        }
    }
}
