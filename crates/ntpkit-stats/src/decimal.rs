//! Fixed-point decimal numbers as C's `printf("%.Nf")` writes them.
//!
//! Each statistics field has the precision ntpd prints it with (`%.9f` for seconds, `%.3f`
//! for the loopstats frequency, ...). Older ntpd versions used other precisions (the
//! manual's own loopstats example has six decimals of frequency), so a parsed value keeps
//! its number of decimals and prints back exactly as it was read.

use core::fmt;

use crate::error::StatsError;

/// A decimal number with a fixed number of fraction digits, or C's `nan`/`inf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal(Repr);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Repr {
    /// `±units / 10^scale`; the sign is kept apart so that `-0.000` survives.
    Finite {
        negative: bool,
        units: u128,
        scale: u8,
    },
    /// `nan` or `-nan` (glibc prints the sign bit).
    NaN { negative: bool },
    /// `inf` or `-inf`.
    Infinite { negative: bool },
}

/// The most fraction digits a field may have (C prints any number; ntpd uses at most 9).
pub const MAX_SCALE: u8 = 18;

impl Decimal {
    /// `value` rounded to `scale` decimals exactly as `printf("%.*f", scale, value)` would
    /// print it (round-half-even on the exact binary value, which is what both glibc and
    /// Rust's formatter do). Magnitudes beyond 10^20 saturate; no NTP quantity comes close.
    pub fn from_f64(value: f64, scale: u8) -> Self {
        let scale = scale.min(MAX_SCALE);
        let negative = value.is_sign_negative();
        if value.is_nan() {
            return Self(Repr::NaN { negative });
        }
        if value.is_infinite() {
            return Self(Repr::Infinite { negative });
        }
        let mut buf = StackText::default();
        if fmt::write(
            &mut buf,
            format_args!("{:.*}", usize::from(scale), value.abs()),
        )
        .is_err()
        {
            return Self(Repr::Finite {
                negative,
                units: u128::MAX,
                scale,
            });
        }
        match Self::parse_finite(buf.as_str()) {
            Some((units, parsed_scale)) if parsed_scale == scale => Self(Repr::Finite {
                negative,
                units,
                scale,
            }),
            _ => Self(Repr::Finite {
                negative,
                units: u128::MAX,
                scale,
            }),
        }
    }

    /// An exact value `units / 10^scale` with the given sign.
    pub fn from_parts(negative: bool, units: u128, scale: u8) -> Self {
        Self(Repr::Finite {
            negative,
            units,
            scale: scale.min(MAX_SCALE),
        })
    }

    /// The value as a float (nearest representable).
    pub fn to_f64(self) -> f64 {
        match self.0 {
            Repr::Finite {
                negative,
                units,
                scale,
            } => {
                let v = units as f64 / 10f64.powi(i32::from(scale));
                if negative { -v } else { v }
            }
            Repr::NaN { .. } => f64::NAN,
            Repr::Infinite { negative: true } => f64::NEG_INFINITY,
            Repr::Infinite { negative: false } => f64::INFINITY,
        }
    }

    /// Number of fraction digits printed (0 for `nan`/`inf`).
    pub fn scale(self) -> u8 {
        match self.0 {
            Repr::Finite { scale, .. } => scale,
            _ => 0,
        }
    }

    /// Parses C `%f` output: `-?digits(.digits)?`, `nan`, `-nan`, `inf`, `-inf`.
    pub fn parse(s: &str, field: &'static str) -> Result<Self, StatsError> {
        let bad = StatsError::InvalidField { field };
        let (negative, body) = match s.strip_prefix('-') {
            Some(body) => (true, body),
            None => (false, s),
        };
        match body {
            "nan" => return Ok(Self(Repr::NaN { negative })),
            "inf" => return Ok(Self(Repr::Infinite { negative })),
            _ => {}
        }
        let (units, scale) = Self::parse_finite(body).ok_or(bad)?;
        Ok(Self(Repr::Finite {
            negative,
            units,
            scale,
        }))
    }

    /// Parses unsigned `digits(.digits)?` with C's shape (no superfluous leading zero).
    fn parse_finite(body: &str) -> Option<(u128, u8)> {
        let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
        let frac_present = body.contains('.');
        if whole.is_empty() || (whole.len() > 1 && whole.starts_with('0')) {
            return None;
        }
        if frac_present && frac.is_empty() {
            return None;
        }
        let scale = u8::try_from(frac.len()).ok().filter(|&s| s <= MAX_SCALE)?;
        let mut units: u128 = 0;
        for b in whole.bytes().chain(frac.bytes()) {
            if !b.is_ascii_digit() {
                return None;
            }
            units = units.checked_mul(10)?.checked_add(u128::from(b - b'0'))?;
        }
        Some((units, scale))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::Finite {
                negative,
                units,
                scale,
            } => {
                let sign = if negative { "-" } else { "" };
                if scale == 0 {
                    return write!(f, "{sign}{units}");
                }
                let pow = 10u128.pow(u32::from(scale));
                let width = usize::from(scale);
                write!(f, "{sign}{}.{:0width$}", units / pow, units % pow)
            }
            Repr::NaN { negative } => f.write_str(if negative { "-nan" } else { "nan" }),
            Repr::Infinite { negative } => f.write_str(if negative { "-inf" } else { "inf" }),
        }
    }
}

/// A small fixed buffer for formatting one float without allocating.
struct StackText {
    buf: [u8; 48],
    len: usize,
}

impl Default for StackText {
    fn default() -> Self {
        Self {
            buf: [0; 48],
            len: 0,
        }
    }
}

impl StackText {
    fn as_str(&self) -> &str {
        // Only ASCII from the float formatter is ever written.
        core::str::from_utf8(self.buf.get(..self.len).unwrap_or(&[])).unwrap_or("")
    }
}

impl fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        self.buf
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected strings are what C printf prints for these doubles, checked with Python's
    // `'%.*f' % (scale, value)` (correctly rounded, as glibc is; coreutils' printf is not a
    // valid oracle because it formats long doubles).
    #[test]
    fn formats_like_printf() {
        let cases: &[(f64, u8, &str)] = &[
            (0.000006019, 9, "0.000006019"),
            (-0.001605376, 9, "-0.001605376"),
            (13.77819, 3, "13.778"),
            (-1e-12, 9, "-0.000000000"),
            (0.0, 9, "0.000000000"),
            (2.5, 0, "2"),
            (0.0005, 3, "0.001"),
            (123456.789, 6, "123456.789000"),
        ];
        for &(value, scale, expected) in cases {
            assert_eq!(
                Decimal::from_f64(value, scale).to_string(),
                expected,
                "{value} {scale}"
            );
        }
        assert_eq!(Decimal::from_f64(f64::NAN, 9).to_string(), "nan");
        assert_eq!(Decimal::from_f64(f64::NEG_INFINITY, 9).to_string(), "-inf");
    }

    #[test]
    fn parse_keeps_precision_and_sign() {
        for s in [
            "0.0133806",
            "13.778190",
            "-0.000",
            "0",
            "-nan",
            "inf",
            "1.5",
        ] {
            assert_eq!(Decimal::parse(s, "x").unwrap().to_string(), s);
        }
        for s in [
            "",
            "-",
            "1.",
            ".5",
            "01.5",
            "+1.0",
            "1e3",
            "1.2.3",
            "1,5",
            "0.0000000000000000001",
        ] {
            assert!(Decimal::parse(s, "x").is_err(), "{s:?}");
        }
    }
}
