//! rawstats: one line per received packet, timestamps as received.
//!
//! The seed manual (ntpd 4.2.7) gives `MJD SECS source destination t1 t2 t3 t4`; ntpd 4.2.8
//! appends the packet header (`leap version mode stratum poll precision root-delay(%.6f)
//! root-dispersion(%.6f) refid`) and, when the packet carried extension fields or a legacy
//! MAC, ` LEN: HEX`. Both shapes parse and print back as they were; timestamps are
//! `ulfptoa(t, 9)`: unsigned NTP seconds and nine decimals.

use core::fmt::{self, Write as _};

use crate::addr::StatAddr;
use crate::decimal::Decimal;
use crate::error::StatsError;
use crate::fields::{Fields, parse_c_int, parse_decimal_u64};
use crate::time::StatTime;
use ntpkit_wire::{NtpHeader, NtpTimestamp};

/// `ulfptoa(t, 9)`: unsigned NTP seconds and nine decimals of a timestamp as received.
struct RawTimestamp(NtpTimestamp);

impl RawTimestamp {
    fn parse(token: &str, field: &'static str) -> Result<NtpTimestamp, StatsError> {
        let bad = StatsError::InvalidField { field };
        let (secs, frac) = token.split_once('.').ok_or(bad.clone())?;
        if frac.len() != 9 || (secs.len() > 1 && secs.starts_with('0')) {
            return Err(bad);
        }
        let secs = parse_decimal_u64(secs)
            .and_then(|s| u32::try_from(s).ok())
            .ok_or(bad.clone())?;
        let nanos = parse_decimal_u64(frac).ok_or(bad)?;
        // Nearest 2^-32 fraction (nanos < 10^9, so this stays below 2^32); printing rounds
        // back to the same nine digits because a nanosecond spans more than four units.
        let fraction = (((u128::from(nanos) << 32) + 500_000_000) / 1_000_000_000) as u32;
        Ok(NtpTimestamp::from_parts(secs, fraction))
    }
}

impl fmt::Display for RawTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = u64::from(self.0.seconds());
        let nanos = (u64::from(self.0.fraction()) * 1_000_000_000 + (1 << 31)) >> 32;
        // A fraction within half a nanosecond of the next second carries, as ntpd's
        // decimal conversion does.
        let (secs, nanos) = if nanos == 1_000_000_000 {
            (secs + 1, 0)
        } else {
            (secs, nanos)
        };
        write!(f, "{secs}.{nanos:09}")
    }
}

/// The header fields ntpd 4.2.8 appends to a rawstats line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawHeader {
    /// Leap indicator, 0..=3.
    pub leap: u8,
    /// Version number, 0..=7.
    pub version: u8,
    /// Association mode, 0..=7.
    pub mode: u8,
    /// Stratum.
    pub stratum: u8,
    /// Poll interval, log2 seconds.
    pub poll: i8,
    /// Precision, log2 seconds.
    pub precision: i8,
    /// Root delay, seconds (`%.6f`).
    pub root_delay: Decimal,
    /// Root dispersion, seconds (`%.6f`).
    pub root_dispersion: Decimal,
    /// Reference id as the writer printed it: ntpd prints four ASCII characters at stratum 0
    /// and 1 and a dotted quad above; NTPsec 1.2.2 prints a non-ASCII stratum-1 refid's raw
    /// bytes between dots (control bytes included), which is kept verbatim.
    pub refid: String,
}

impl RawHeader {
    /// ntpd's text for a reference id: the ASCII code at stratum 0/1 (NULs dropped, other
    /// unprintable bytes as `.`), a dotted quad otherwise.
    pub fn refid_text(refid: [u8; 4], stratum: u8) -> String {
        if stratum > 1 {
            return format!("{}.{}.{}.{}", refid[0], refid[1], refid[2], refid[3]);
        }
        let text: String = refid
            .iter()
            .take_while(|&&b| b != 0)
            .map(|&b| {
                if b.is_ascii_graphic() {
                    char::from(b)
                } else {
                    '.'
                }
            })
            .collect();
        if text.is_empty() {
            String::from(".")
        } else {
            text
        }
    }

    fn parse(f: &mut Fields<'_>, leap: &str) -> Result<Self, StatsError> {
        fn small(token: &str, field: &'static str, max: i64) -> Result<i64, StatsError> {
            parse_c_int(token)
                .filter(|v| (-128..=max).contains(v))
                .ok_or(StatsError::InvalidField { field })
        }
        let unsigned = |token: &str, field: &'static str, max: i64| -> Result<u8, StatsError> {
            small(token, field, max)
                .and_then(|v| u8::try_from(v).map_err(|_| StatsError::InvalidField { field }))
        };
        let signed = |token: &str, field: &'static str| -> Result<i8, StatsError> {
            small(token, field, 127).map(|v| v as i8)
        };
        let leap = unsigned(leap, "leap", 3)?;
        let version = unsigned(f.next("version")?, "version", 7)?;
        let mode = unsigned(f.next("mode")?, "mode", 7)?;
        let stratum = unsigned(f.next("stratum")?, "stratum", 255)?;
        let poll = signed(f.next("poll")?, "poll")?;
        let precision = signed(f.next("precision")?, "precision")?;
        let root_delay = Decimal::parse(f.next("root delay")?, "root delay")?;
        let root_dispersion = Decimal::parse(f.next("root dispersion")?, "root dispersion")?;
        // Kept verbatim (at most 16 bytes): ntpd writes ASCII or a dotted quad, NTPsec the
        // raw bytes of a non-ASCII stratum-1 refid between dots.
        let refid = f.next_verbatim("refid")?;
        if refid.len() > 16 {
            return Err(StatsError::InvalidField { field: "refid" });
        }
        Ok(Self {
            leap,
            version,
            mode,
            stratum,
            poll,
            precision,
            root_delay,
            root_dispersion,
            refid: refid.to_owned(),
        })
    }
}

/// A refid as printed: the public `refid` field could be set to anything, so a space or a
/// line end (which would split the field or forge a record) prints as `?`. Parsed refids
/// never contain them, so parsed lines still print back unchanged.
struct RefIdText<'a>(&'a str);

impl fmt::Display for RefIdText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            f.write_char(if matches!(c, ' ' | '\n' | '\r') {
                '?'
            } else {
                c
            })?;
        }
        Ok(())
    }
}

impl fmt::Display for RawHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {} {} {} {}",
            self.leap,
            self.version,
            self.mode,
            self.stratum,
            self.poll,
            self.precision,
            self.root_delay,
            self.root_dispersion,
            RefIdText(&self.refid)
        )
    }
}

/// A rawstats record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawStats {
    /// When the packet was processed.
    pub time: StatTime,
    /// Remote (source) address, or [`StatAddr::Missing`].
    pub source: StatAddr,
    /// Local (destination) address, or [`StatAddr::Missing`].
    pub destination: StatAddr,
    /// Originate timestamp (t1).
    pub originate: NtpTimestamp,
    /// Receive timestamp (t2).
    pub receive: NtpTimestamp,
    /// Transmit timestamp (t3).
    pub transmit: NtpTimestamp,
    /// Destination timestamp (t4).
    pub destination_time: NtpTimestamp,
    /// Header fields (ntpd 4.2.8 and later), if present.
    pub header: Option<RawHeader>,
    /// Bytes after the 48-byte header (extension fields, MAC), if any; requires `header`.
    pub trailer: Option<Vec<u8>>,
    /// Further integer fields after the refid, kept verbatim. NTPsec 1.2.2 writes three
    /// (seen as `0 0 0` on every line it wrote here); ntpd writes none. Requires `header`
    /// and excludes `trailer`.
    pub extra_fields: Vec<i64>,
}

impl RawStats {
    /// The record of a received packet: its header as parsed by `ntpkit-wire`, the
    /// destination (arrival) timestamp, and the bytes after the 48-byte header.
    pub fn from_packet(
        time: StatTime,
        source: StatAddr,
        destination: StatAddr,
        header: &NtpHeader,
        destination_time: NtpTimestamp,
        trailer: &[u8],
    ) -> Self {
        Self {
            time,
            source,
            destination,
            originate: header.origin_timestamp,
            receive: header.receive_timestamp,
            transmit: header.transmit_timestamp,
            destination_time,
            header: Some(RawHeader {
                leap: header.leap.to_bits(),
                version: header.version.to_bits(),
                mode: header.mode.to_bits(),
                stratum: header.stratum.0,
                poll: header.poll.0,
                precision: header.precision.0,
                root_delay: Decimal::from_f64(header.root_delay.to_seconds_f64(), 6),
                root_dispersion: Decimal::from_f64(header.root_dispersion.to_seconds_f64(), 6),
                refid: RawHeader::refid_text(header.reference_id.0, header.stratum.0),
            }),
            trailer: (!trailer.is_empty()).then(|| trailer.to_vec()),
            extra_fields: Vec::new(),
        }
    }

    /// Parses one line (with or without its `\n`).
    pub fn parse(line: &str) -> Result<Self, StatsError> {
        let mut f = Fields::new(line)?;
        let time = StatTime::parse_fields(f.next("day")?, f.next("seconds")?)?;
        let source = StatAddr::parse(f.next("source")?, "source")?;
        let destination = StatAddr::parse(f.next("destination")?, "destination")?;
        let originate = RawTimestamp::parse(f.next("t1")?, "t1")?;
        let receive = RawTimestamp::parse(f.next("t2")?, "t2")?;
        let transmit = RawTimestamp::parse(f.next("t3")?, "t3")?;
        let destination_time = RawTimestamp::parse(f.next("t4")?, "t4")?;
        let header = match f.next_opt("leap")? {
            None => None,
            Some(leap) => Some(RawHeader::parse(&mut f, leap)?),
        };
        let mut trailer = None;
        let mut extra_fields = Vec::new();
        if header.is_some() {
            while let Some(token) = f.next_opt("trailer length")? {
                if token.ends_with(':') && extra_fields.is_empty() {
                    trailer = Some(parse_trailer(token, f.next("trailer")?)?);
                    break;
                }
                extra_fields.push(parse_c_int(token).ok_or(StatsError::InvalidField {
                    field: "extra field",
                })?);
            }
        }
        f.finish()?;
        Ok(Self {
            time,
            source,
            destination,
            originate,
            receive,
            transmit,
            destination_time,
            header,
            trailer,
            extra_fields,
        })
    }
}

fn parse_trailer(len: &str, hex: &str) -> Result<Vec<u8>, StatsError> {
    let bad_len = StatsError::InvalidField {
        field: "trailer length",
    };
    // ntpd prints the length with `%d`: a leading zero is not its output, and accepting one
    // would break the print-back promise (found by the stats_parse fuzz target).
    let len = len
        .strip_suffix(':')
        .filter(|digits| !digits.starts_with('0'))
        .and_then(parse_decimal_u64)
        .ok_or(bad_len.clone())?;
    if len == 0 || len.checked_mul(2) != Some(hex.len() as u64) {
        return Err(bad_len);
    }
    let bad = StatsError::InvalidField { field: "trailer" };
    let nibble = |b: u8| match b {
        b'0'..=b'9' => Ok(b - b'0'),
        b'a'..=b'f' => Ok(b - b'a' + 10),
        _ => Err(bad.clone()),
    };
    hex.as_bytes()
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Ok(nibble(*hi)? << 4 | nibble(*lo)?),
            _ => Err(bad.clone()),
        })
        .collect()
}

impl fmt::Display for RawStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {} {}",
            self.time,
            self.source,
            self.destination,
            RawTimestamp(self.originate),
            RawTimestamp(self.receive),
            RawTimestamp(self.transmit),
            RawTimestamp(self.destination_time)
        )?;
        if let Some(header) = &self.header {
            write!(f, " {header}")?;
            for field in &self.extra_fields {
                write!(f, " {field}")?;
            }
            if let Some(trailer) = self.trailer.as_deref().filter(|t| !t.is_empty()) {
                write!(f, " {}: ", trailer.len())?;
                for byte in trailer {
                    write!(f, "{byte:02x}")?;
                }
            }
        }
        Ok(())
    }
}
