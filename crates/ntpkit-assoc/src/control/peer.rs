//! An association's variables as `ntpq -c "rv &1"` and `ntpq -p` read them (READVAR with a
//! non-zero association id), with ntpd's names and formats (ntp_control.c `ctl_putpeer`):
//! times in milliseconds, reach and flash in hex, the filter register as eight numbers.

use std::net::SocketAddr;

use ntpkit_wire::{LeapIndicator, NtpTimestamp, ReferenceId, Stratum};

use super::system::{ms, put_refid, put_ts};
use super::text::Text;

/// Stages of the clock filter register shown by `filtdelay`, `filtoffset` and `filtdisp`.
pub const FILTER_STAGES: usize = 8;

/// What the daemon tells `ntpq` about one association.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct PeerInfo {
    /// The association id (`ntpq -c as` lists it; `rv &N` picks the N-th).
    pub id: u16,
    /// The peer status word (configured, auth, reachable bits and selection code).
    pub status: u16,
    /// `srcadr`/`srcport`: the server.
    pub source: SocketAddr,
    /// `dstadr`/`dstport`: our end.
    pub destination: SocketAddr,
    /// `leap` of the server's last packet.
    pub leap: LeapIndicator,
    /// `stratum` of the server.
    pub stratum: Stratum,
    /// `precision` of the server, log2 s.
    pub precision: i8,
    /// `rootdelay`, seconds.
    pub root_delay: f64,
    /// `rootdisp`, seconds.
    pub root_dispersion: f64,
    /// `refid` of the server.
    pub reference_id: ReferenceId,
    /// `reftime` of the server.
    pub reference_time: NtpTimestamp,
    /// `rec`: when its last packet arrived (zero: never).
    pub received: NtpTimestamp,
    /// `reach` register.
    pub reach: u8,
    /// `unreach`: polls without an answer.
    pub unreach: u32,
    /// `hmode`: our mode (3 client, 1 symmetric active...).
    pub host_mode: u8,
    /// `pmode`: the peer's mode in its last packet.
    pub peer_mode: u8,
    /// `hpoll`: our poll exponent.
    pub host_poll: i8,
    /// `ppoll`: the peer's poll exponent.
    pub peer_poll: i8,
    /// `flash`: the packet-test bits of the last packet (0: all passed).
    pub flash: u16,
    /// `keyid`: the association's key (0: none).
    pub key_id: u16,
    /// `offset`, `delay`, `dispersion`, `jitter`: the clock filter's output, seconds.
    pub offset: f64,
    /// See `offset`.
    pub delay: f64,
    /// See `offset`.
    pub dispersion: f64,
    /// See `offset`.
    pub jitter: f64,
    /// The filter register, newest first: (offset, delay, dispersion) seconds.
    pub filter: [(f64, f64, f64); FILTER_STAGES],
}

impl PeerInfo {
    /// Association `id` with `source` seen from `destination`, nothing heard yet: the
    /// server's fields read as unsynchronised (leap 3, stratum 16), the filter empty.
    pub fn new(id: u16, source: SocketAddr, destination: SocketAddr) -> Self {
        Self {
            id,
            status: 0,
            source,
            destination,
            leap: LeapIndicator::Unsynchronized,
            stratum: Stratum::UNSYNCHRONIZED,
            precision: 0,
            root_delay: 0.0,
            root_dispersion: 0.0,
            reference_id: ReferenceId([0; 4]),
            reference_time: NtpTimestamp::ZERO,
            received: NtpTimestamp::ZERO,
            reach: 0,
            unreach: 0,
            host_mode: 3,
            peer_mode: 0,
            host_poll: 6,
            peer_poll: 0,
            flash: 0,
            key_id: 0,
            offset: 0.0,
            delay: 0.0,
            dispersion: 16.0,
            jitter: 0.0,
            filter: [(0.0, 16.0, 16.0); FILTER_STAGES],
        }
    }
}

/// The names, in ntpd's order.
pub(crate) const PEER_VARIABLES: &[&str] = &[
    "srcadr",
    "srcport",
    "dstadr",
    "dstport",
    "leap",
    "stratum",
    "precision",
    "rootdelay",
    "rootdisp",
    "refid",
    "reftime",
    "rec",
    "reach",
    "unreach",
    "hmode",
    "pmode",
    "hpoll",
    "ppoll",
    "headway",
    "flash",
    "keyid",
    "offset",
    "delay",
    "dispersion",
    "jitter",
    "filtdelay",
    "filtoffset",
    "filtdisp",
];

/// Appends variable `name`; `Some(false)` on overflow, `None` if no such variable.
pub(crate) fn put(text: &mut Text, p: &PeerInfo, name: &str) -> Option<bool> {
    let filter = |pick: fn(&(f64, f64, f64)) -> f64| {
        let mut out = [0.0; FILTER_STAGES];
        for (o, stage) in out.iter_mut().zip(&p.filter) {
            *o = ms(pick(stage));
        }
        out
    };
    Some(match name {
        "srcadr" => text.pair(name, format_args!("{}", p.source.ip())),
        "srcport" => text.pair(name, format_args!("{}", p.source.port())),
        "dstadr" => text.pair(name, format_args!("{}", p.destination.ip())),
        "dstport" => text.pair(name, format_args!("{}", p.destination.port())),
        "leap" => text.pair(name, format_args!("{:02b}", p.leap.to_bits())),
        "stratum" => text.pair(name, format_args!("{}", p.stratum.0)),
        "precision" => text.pair(name, format_args!("{}", p.precision)),
        "rootdelay" => text.pair(name, format_args!("{:.3}", ms(p.root_delay))),
        "rootdisp" => text.pair(name, format_args!("{:.3}", ms(p.root_dispersion))),
        "refid" => put_refid(text, p.reference_id, p.stratum),
        "reftime" => put_ts(text, name, p.reference_time),
        "rec" => put_ts(text, name, p.received),
        "reach" => text.pair(name, format_args!("0x{:x}", p.reach)),
        "unreach" => text.pair(name, format_args!("{}", p.unreach)),
        "hmode" => text.pair(name, format_args!("{}", p.host_mode)),
        "pmode" => text.pair(name, format_args!("{}", p.peer_mode)),
        "hpoll" => text.pair(name, format_args!("{}", p.host_poll)),
        "ppoll" => text.pair(name, format_args!("{}", p.peer_poll)),
        "headway" => text.pair(name, format_args!("0")),
        "flash" => text.pair(name, format_args!("0x{:x}", p.flash)),
        "keyid" => text.pair(name, format_args!("{}", p.key_id)),
        "offset" => text.pair(name, format_args!("{:.6}", ms(p.offset))),
        "delay" => text.pair(name, format_args!("{:.6}", ms(p.delay))),
        "dispersion" => text.pair(name, format_args!("{:.6}", ms(p.dispersion))),
        "jitter" => text.pair(name, format_args!("{:.6}", ms(p.jitter))),
        "filtdelay" => put_array(text, name, filter(|s| s.1)),
        "filtoffset" => put_array(text, name, filter(|s| s.0)),
        "filtdisp" => put_array(text, name, filter(|s| s.2)),
        _ => return None,
    })
}

/// ntpd's `ctl_putarray`: the values space separated, two decimals, in quotes.
fn put_array(text: &mut Text, name: &str, values: [f64; FILTER_STAGES]) -> bool {
    let [a, b, c, d, e, f, g, h] = values;
    text.pair(
        name,
        format_args!("\"{a:.2} {b:.2} {c:.2} {d:.2} {e:.2} {f:.2} {g:.2} {h:.2}\""),
    )
}
