//! NTP associations, sans-IO (RFC 5905): the server responder and the client association
//! ([`client::ClientAssociation`], client/server mode with the packet tests and poll process).
//!
//! [`Responder`] turns a client request (mode 3) into a server reply (mode 4), a
//! Kiss-o'-Death, or a counted reason for silence. It does no I/O and allocates nothing:
//! the caller (for ntpkitd, `ntpkit-runtime`) brings the request bytes with their receive
//! timestamp, the [`ServerState`], the keys, the access policy's decision and a clock to
//! read for the transmit timestamp; the reply is written into the caller's buffer.
//!
//! Rules it follows (each has a test in `tests/responder.rs`):
//! - the reply copies the request's version (1 to 4) and poll; origin = the request's
//!   transmit timestamp, receive = the receive timestamp, transmit read as late as possible;
//! - a request signed with a trusted key gets a reply signed with the same key; a request
//!   whose MAC fails gets nothing by default, or a crypto-NAK ([`FailedMacReply`]), never time that
//!   looks authenticated;
//! - kisses follow the access decision (leap 3, stratum 0, code as reference id);
//! - a reply is never larger than its request (no amplification, CVE-2013-5211);
//! - mode 7 is dropped and counted; mode 6 is dropped and counted here (the [`control`]
//!   module answers it: ntpkitd routes mode 6 there);
//! - an unsynchronised server says so (leap 3, stratum 16) unless configured as a local
//!   reference ([`ServerState::local_reference`]).
//!
//! ```
//! use ntpkit_access::{Decision, KissCode};
//! use ntpkit_assoc::{NoReplyReason, Request, Responder, ResponderOutcome, ServerState};
//! use ntpkit_auth::KeyStore;
//! use ntpkit_wire::{NtpHeader, NtpPacket, NtpTimestamp, Precision, Stratum};
//!
//! let mut request = [0u8; 48];
//! NtpHeader::client_request(NtpTimestamp::from_unix(1_700_000_000, 0)).emit(&mut request).unwrap();
//! let now = NtpTimestamp::from_unix(1_700_000_000, 1_000);
//! let from = "198.51.100.7:40000".parse().unwrap();
//! let state = ServerState::unsynchronized(Precision(-20));
//! let mut responder = Responder::default();
//! let mut out = [0u8; 48];
//!
//! // Rate limited: a RATE kiss.
//! let o = responder.respond(&Request::new(&request, from, now), &state, &KeyStore::new(),
//!     |_, _| Decision::Kiss(KissCode::Rate), &mut out, || now);
//! assert!(matches!(o, ResponderOutcome::Reply(_)));
//! assert_eq!(NtpPacket::new_checked(&out[..]).unwrap().stratum(), Stratum(0));
//! assert_eq!(&out[12..16], b"RATE");
//!
//! // Mode 7 never gets an answer.
//! request[0] = 0x17;
//! let o = responder.respond(&Request::new(&request, from, now), &state, &KeyStore::new(),
//!     |_, _| Decision::Serve, &mut out, || now);
//! assert_eq!(o, ResponderOutcome::NoReply(NoReplyReason::Private));
//! assert_eq!(responder.counters().private, 1);
//! ```
#![forbid(unsafe_code)]

pub mod broadcast;
pub mod client;
pub mod control;
pub mod host;
pub mod manycast;
mod responder;
pub mod symmetric;

pub use client::{
    ClientAssociation, ClientConfig, ClientEvent, ClientRng, ClientSample, Rejection,
};
pub use responder::{
    FailedMacReply, Inspection, NoReplyReason, ReferenceTime, Reply, ReplyKind, Request, Responder,
    ResponderConfig, ResponderCounters, ResponderOutcome, ServerState,
};
pub use symmetric::{PassivePolicy, SymmetricAssociation, SymmetricConfig, SymmetricEvent};
