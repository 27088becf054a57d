//! The MRU list answer (`ntpq mrulist`), in ntpd's `addr.N=`, `last.N=`... form, ended by
//! `now=` and `last.newest=` (ntpq's end-of-list markers).

use std::net::SocketAddr;

use ntpkit_wire::NtpTimestamp;

use super::system::put_ts;
use super::text::Text;

/// Room kept for `, now=0x........ ........, last.newest=0x........ ........`.
const END_MARKERS_LEN: usize = 64;

/// One MRU row as the caller converts it from its rate limiter's list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MruRow {
    /// Source address and port of the latest packet.
    pub source: SocketAddr,
    /// When the first packet arrived.
    pub first: NtpTimestamp,
    /// When the latest packet arrived.
    pub last: NtpTimestamp,
    /// Packets seen.
    pub count: u32,
    /// Mode and version of the latest packet (`mode | version << 3`, as ntpd's `mv`).
    pub mode_version: u8,
}

impl MruRow {
    /// A row for `source`, seen `count` times between `first` and `last`.
    pub fn new(source: SocketAddr, first: NtpTimestamp, last: NtpTimestamp, count: u32) -> Self {
        Self {
            source,
            first,
            last,
            count,
            mode_version: 3 | (4 << 3),
        }
    }
}

/// Writes as many rows as fit (newest first), then the end markers. Returns `false` if the
/// markers themselves did not fit.
pub(crate) fn put_rows(text: &mut Text, rows: &[MruRow], limit: usize, now: NtpTimestamp) -> bool {
    let mut newest = NtpTimestamp::ZERO;
    for (i, row) in rows.iter().take(limit).enumerate() {
        let mark = text.as_bytes().len();
        let ok = text.pair(&format!("addr.{i}"), format_args!("{}", row.source))
            && put_ts(text, &format!("last.{i}"), row.last)
            && put_ts(text, &format!("first.{i}"), row.first)
            && text.pair(&format!("ct.{i}"), format_args!("{}", row.count))
            && text.pair(&format!("mv.{i}"), format_args!("{}", row.mode_version))
            && text.pair(&format!("rs.{i}"), format_args!("0x0"))
            && text.remaining() >= END_MARKERS_LEN;
        if !ok {
            text.truncate(mark);
            break;
        }
        if row.last.to_bits() > newest.to_bits() {
            newest = row.last;
        }
    }
    put_ts(text, "now", now) && put_ts(text, "last.newest", newest)
}
