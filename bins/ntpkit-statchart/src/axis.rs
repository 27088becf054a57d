//! Axis ranges, "nice" tick steps (1, 2, 5 times a power of ten) and display units.

/// A value axis: the range shown, its ticks, and the unit values are displayed in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Axis {
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) ticks: Vec<f64>,
    /// Multiply a value by this to display it in `unit`.
    pub(crate) scale: f64,
    pub(crate) unit: &'static str,
}

/// The smallest of 1, 2, 5 × 10^k that is at least `raw`.
pub(crate) fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let mantissa = raw / power;
    let nice = if mantissa <= 1.0 {
        1.0
    } else if mantissa <= 2.0 {
        2.0
    } else if mantissa <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

impl Axis {
    /// An axis covering `values` (non-finite ones ignored) with about five ticks. Seconds
    /// are shown in s, ms, µs or ns, whichever keeps the labels short; other quantities
    /// (`unit` given) as they are.
    pub(crate) fn covering(
        values: impl Iterator<Item = f64>,
        seconds: bool,
        unit: &'static str,
    ) -> Self {
        let (mut lo, mut hi) = values
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        if !lo.is_finite() {
            (lo, hi) = (-1.0, 1.0);
        }
        if hi - lo < f64::EPSILON * lo.abs().max(1e-12) {
            let pad = if lo == 0.0 { 1e-6 } else { lo.abs() * 0.1 };
            (lo, hi) = (lo - pad, hi + pad);
        }
        let step = nice_step((hi - lo) / 5.0);
        let min = (lo / step).floor() * step;
        let max = (hi / step).ceil() * step;
        let count = ((max - min) / step).round() as usize;
        let ticks = (0..=count.min(20)).map(|i| min + i as f64 * step).collect();
        let (scale, unit) = if !seconds {
            (1.0, unit)
        } else {
            let magnitude = min.abs().max(max.abs());
            if magnitude >= 1.0 {
                (1.0, "s")
            } else if magnitude >= 1e-3 {
                (1e3, "ms")
            } else if magnitude >= 1e-6 {
                (1e6, "µs")
            } else {
                (1e9, "ns")
            }
        };
        Self {
            min,
            max,
            ticks,
            scale,
            unit,
        }
    }

    /// Where `value` falls, 0.0 at `min` and 1.0 at `max`.
    pub(crate) fn fraction(&self, value: f64) -> f64 {
        (value - self.min) / (self.max - self.min)
    }

    /// A tick label in the display unit, with as many decimals as the step needs.
    pub(crate) fn label(&self, value: f64) -> String {
        let step = self
            .ticks
            .get(1)
            .zip(self.ticks.first())
            .map_or(1.0, |(b, a)| (b - a) * self.scale);
        let decimals = if step >= 1.0 {
            0
        } else {
            (-step.log10().floor()) as usize
        };
        let shown = value * self.scale;
        // Avoid "-0".
        let shown = if shown.abs() < step * 1e-9 {
            0.0
        } else {
            shown
        };
        format!("{shown:.decimals$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_one_two_five() {
        assert_eq!(nice_step(0.13), 0.2);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(1e-4), 1e-4);
    }

    #[test]
    fn offsets_in_microseconds_get_round_ticks() {
        let axis = Axis::covering([-0.000_23, 0.000_41].into_iter(), true, "");
        assert_eq!(axis.unit, "µs");
        assert!(axis.min <= -0.000_23 && axis.max >= 0.000_41);
        let labels: Vec<String> = axis.ticks.iter().map(|&t| axis.label(t)).collect();
        // 640 µs / 5 = 128 µs, so the step is 200 µs.
        assert_eq!(labels, ["-400", "-200", "0", "200", "400", "600"]);
    }

    #[test]
    fn empty_and_flat_data_still_give_an_axis() {
        let empty = Axis::covering(std::iter::empty(), false, "PPM");
        assert!(empty.max > empty.min);
        let flat = Axis::covering([5.0, 5.0].into_iter(), false, "PPM");
        assert!(flat.min < 5.0 && flat.max > 5.0);
        let nan = Axis::covering([f64::NAN, 1.0].into_iter(), false, "PPM");
        assert!(nan.max >= 1.0);
    }
}
