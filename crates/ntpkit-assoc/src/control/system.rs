//! The system variables `ntpq -c rv` reads (association 0), with ntpd's names and number
//! formats: times in milliseconds, frequencies in ppm, timestamps as hex NTP timestamps
//! (`0xe9b2c4a0.00000000`; ntpq adds the date when it prints them).

use ntpkit_wire::{LeapIndicator, NtpTimestamp, ReferenceId, Stratum};

use super::text::Text;
use crate::ServerState;

/// What the daemon knows about itself beyond the [`ServerState`] every reply carries.
///
/// Build one with [`SystemInfo::new`] and set what the daemon has; the defaults are what a
/// server without a clock discipline reports (zero offset, jitter and frequency).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct SystemInfo<'a> {
    /// The time variables of every reply (leap, stratum, root delay/dispersion, refid...).
    pub state: &'a ServerState,
    /// `version`: the software, e.g. "ntpkitd 0.1.0".
    pub version: &'a str,
    /// `processor`: the machine type, e.g. "x86_64".
    pub processor: &'a str,
    /// `system`: the operating system, e.g. "Linux".
    pub system: &'a str,
    /// `clock`: the current time.
    pub clock: NtpTimestamp,
    /// `peer`: the association id of the system peer (0 = none).
    pub peer: u16,
    /// `tc`: the clock discipline's time constant (log2 s).
    pub tc: i8,
    /// `mintc`: the smallest time constant allowed.
    pub mintc: i8,
    /// `offset`: the last clock offset, milliseconds.
    pub offset_ms: f64,
    /// `frequency`: the frequency correction, ppm.
    pub frequency_ppm: f64,
    /// `sys_jitter`: the selected sources' combined jitter, milliseconds.
    pub sys_jitter_ms: f64,
    /// `clk_jitter`: the clock's jitter, milliseconds.
    pub clk_jitter_ms: f64,
    /// `clk_wander`: the frequency wander, ppm.
    pub clk_wander_ppm: f64,
    /// The associations (`ntpq -c as`, `ntpq -p`, `rv &N`), in id order.
    pub peers: &'a [super::PeerInfo],
}

impl<'a> SystemInfo<'a> {
    /// System information for `state` at time `clock`, with no discipline running.
    pub fn new(state: &'a ServerState, clock: NtpTimestamp) -> Self {
        Self {
            state,
            version: concat!("ntpkit ", env!("CARGO_PKG_VERSION")),
            processor: std::env::consts::ARCH,
            system: std::env::consts::OS,
            clock,
            peer: 0,
            tc: 3,
            mintc: 3,
            offset_ms: 0.0,
            frequency_ppm: 0.0,
            sys_jitter_ms: 0.0,
            clk_jitter_ms: 0.0,
            clk_wander_ppm: 0.0,
            peers: &[],
        }
    }

    /// The system status word (RFC 9327 section 2.3.1): leap (2 bits), clock source (6),
    /// event counter (4), last event (4). The source is "local" for a server that is its own
    /// reference, "unspecified" when unsynchronised.
    pub fn status_word(&self) -> u16 {
        let leap = u16::from(self.state.leap.to_bits());
        let source: u16 = if self.state.leap == LeapIndicator::Unsynchronized {
            0
        } else if self.state.stratum.0 <= 1 || self.peer == 0 {
            5 // CTL_SST_TS_LOCAL
        } else {
            6 // CTL_SST_TS_NTP
        };
        (leap << 14) | (source << 8)
    }
}

/// The names, in ntpd's order.
pub(crate) const SYSTEM_VARIABLES: &[&str] = &[
    "version",
    "processor",
    "system",
    "leap",
    "stratum",
    "precision",
    "rootdelay",
    "rootdisp",
    "refid",
    "reftime",
    "clock",
    "peer",
    "tc",
    "mintc",
    "offset",
    "frequency",
    "sys_jitter",
    "clk_jitter",
    "clk_wander",
];

/// Appends variable `name`; `Some(false)` on overflow, `None` if no such variable.
pub(crate) fn put(text: &mut Text, info: &SystemInfo<'_>, name: &str) -> Option<bool> {
    let s = info.state;
    Some(match name {
        "version" => text.pair(name, format_args!("\"{}\"", info.version)),
        "processor" => text.pair(name, format_args!("\"{}\"", info.processor)),
        "system" => text.pair(name, format_args!("\"{}\"", info.system)),
        "leap" => text.pair(name, format_args!("{}", s.leap.to_bits())),
        "stratum" => text.pair(name, format_args!("{}", s.stratum.0)),
        "precision" => text.pair(name, format_args!("{}", s.precision.0)),
        "rootdelay" => text.pair(
            name,
            format_args!("{:.3}", ms(s.root_delay.to_seconds_f64())),
        ),
        "rootdisp" => text.pair(
            name,
            format_args!("{:.3}", ms(s.root_dispersion.to_seconds_f64())),
        ),
        "refid" => put_refid(text, s.reference_id, s.stratum),
        "reftime" => put_ts(text, name, s.reference_timestamp(info.clock)),
        "clock" => put_ts(text, name, info.clock),
        "peer" => text.pair(name, format_args!("{}", info.peer)),
        "tc" => text.pair(name, format_args!("{}", info.tc)),
        "mintc" => text.pair(name, format_args!("{}", info.mintc)),
        "offset" => text.pair(name, format_args!("{:.6}", info.offset_ms)),
        "frequency" => text.pair(name, format_args!("{:.3}", info.frequency_ppm)),
        "sys_jitter" => text.pair(name, format_args!("{:.6}", info.sys_jitter_ms)),
        "clk_jitter" => text.pair(name, format_args!("{:.3}", info.clk_jitter_ms)),
        "clk_wander" => text.pair(name, format_args!("{:.3}", info.clk_wander_ppm)),
        _ => return None,
    })
}

/// Seconds to milliseconds, the unit ntpq shows delays, offsets and dispersions in.
pub(crate) fn ms(seconds: f64) -> f64 {
    seconds * 1000.0
}

pub(crate) fn put_ts(text: &mut Text, name: &str, t: NtpTimestamp) -> bool {
    text.pair(
        name,
        format_args!("0x{:08x}.{:08x}", t.seconds(), t.fraction()),
    )
}

/// ntpd prints a reference id as text (a four-letter code) at stratum 0/1 and as a dotted
/// address above. A local reference above stratum 1 still has a code ("LOCL"), so text is
/// used whenever the id is printable letters/digits, NUL padded.
pub(crate) fn put_refid(text: &mut Text, id: ReferenceId, stratum: Stratum) -> bool {
    let bytes = id.0;
    let len = bytes.iter().position(|&b| b == 0).unwrap_or(4);
    let code = bytes.get(..len).unwrap_or_default();
    let printable = !code.is_empty()
        && code.iter().all(|b| b.is_ascii_alphanumeric())
        && bytes.get(len..).unwrap_or_default().iter().all(|&b| b == 0);
    if printable && (stratum.0 <= 1 || code.iter().any(u8::is_ascii_alphabetic)) {
        let code = core::str::from_utf8(code).unwrap_or("");
        text.pair("refid", format_args!("{code}"))
    } else {
        let [a, b, c, d] = bytes;
        text.pair("refid", format_args!("{a}.{b}.{c}.{d}"))
    }
}
