//! Time formats: era handling around the 2036 rollover, wrapping differences (RFC 5905
//! section 6), and conversions. Expected values are computed from the calendar, not from
//! our own code.

use core::time::Duration;

use ntpkit_wire::{NtpDuration, NtpShort, NtpTimestamp, UNIX_EPOCH_OFFSET};

/// 2036-02-07 06:28:16 UTC as Unix seconds: 2^32 - 2208988800.
const ROLLOVER_UNIX: i64 = 4_294_967_296 - 2_208_988_800;

#[test]
fn unix_epoch_is_2208988800_ntp_seconds() {
    assert_eq!(UNIX_EPOCH_OFFSET, 2_208_988_800);
    let t = NtpTimestamp::from_unix(0, 0);
    assert_eq!(t.seconds(), 2_208_988_800);
    assert_eq!(t.fraction(), 0);
}

#[test]
fn rollover_instant_has_seconds_zero_and_resolves_into_era_one() {
    assert_eq!(ROLLOVER_UNIX, 2_085_978_496);
    let t = NtpTimestamp::from_unix(ROLLOVER_UNIX, 0);
    assert_eq!(t.to_bits(), 0, "2036-02-07 06:28:16 wraps to seconds 0");
    // Zero is also "unknown"; exactly this instant cannot be sent, which RFC 5905 accepts.
    let just_after = NtpTimestamp::from_unix(ROLLOVER_UNIX + 1, 0);
    assert_eq!(just_after.seconds(), 1);
    // With a pivot in 2036 the timestamp lands after the rollover, not in 1900.
    assert_eq!(just_after.to_unix(ROLLOVER_UNIX), (ROLLOVER_UNIX + 1, 0));
    assert_eq!(just_after.era(ROLLOVER_UNIX), 1);
    // With a pivot in 1950 the same bits mean 1900-01-01 00:00:01.
    assert_eq!(just_after.to_unix(-631_152_000), (1 - UNIX_EPOCH_OFFSET, 0));
    assert_eq!(just_after.era(-631_152_000), 0);
}

#[test]
fn to_unix_picks_the_era_nearest_the_pivot() {
    let last_second_of_era0 = NtpTimestamp::from_parts(u32::MAX, 0);
    // Pivot a few seconds after the rollover: still resolves to just before it.
    assert_eq!(
        last_second_of_era0.to_unix(ROLLOVER_UNIX + 10),
        (ROLLOVER_UNIX - 1, 0)
    );
    // Pivot 2026-11-21 (1795305600): 68 years each way covers 1958..2094.
    let now = 1_795_305_600;
    let t = NtpTimestamp::from_unix(now + 5, 250_000_000);
    assert_eq!(t.to_unix(now), (now + 5, 250_000_000));
    let far = NtpTimestamp::from_unix(ROLLOVER_UNIX + 86_400 * 365, 0);
    assert_eq!(far.to_unix(now), (ROLLOVER_UNIX + 86_400 * 365, 0));
}

#[test]
fn difference_across_the_rollover_is_small_and_signed() {
    let before = NtpTimestamp::from_unix(ROLLOVER_UNIX - 2, 500_000_000);
    let after = NtpTimestamp::from_unix(ROLLOVER_UNIX + 1, 0);
    assert_eq!((after - before).to_seconds_f64(), 2.5);
    assert_eq!((before - after).to_seconds_f64(), -2.5);
    assert_eq!(before + NtpDuration::from_seconds_f64(2.5), after);
    assert_eq!(after - NtpDuration::from_seconds_f64(2.5), before);
}

#[test]
fn fraction_is_nanoseconds_scaled_by_two_to_the_32() {
    // 0.5 s is exactly 2^31.
    assert_eq!(NtpTimestamp::from_unix(0, 500_000_000).fraction(), 1 << 31);
    // 1 ns is 4.294967296 units, rounded to 4.
    assert_eq!(NtpTimestamp::from_unix(0, 1).fraction(), 4);
    // Nanoseconds survive the round trip exactly (2^-32 s is finer than 1 ns).
    for nanos in [0, 1, 999_999_999, 123_456_789, 500_000_000] {
        assert_eq!(
            NtpTimestamp::from_unix(1_700_000_000, nanos)
                .to_unix(1_700_000_000)
                .1,
            nanos
        );
    }
}

#[test]
fn short_format_is_16_16() {
    assert_eq!(NtpShort::from_seconds_f64(1.5).to_bits(), 0x0001_8000);
    assert_eq!(NtpShort::from_bits(0x0002_4000).to_seconds_f64(), 2.25);
    assert_eq!(NtpShort::from_seconds_f64(-1.0), NtpShort::ZERO);
    assert_eq!(NtpShort::from_seconds_f64(1e9), NtpShort::MAX);
    assert_eq!(
        NtpShort::from_bits(0x0001_8000).to_duration(),
        Duration::from_millis(1500)
    );
    assert_eq!(
        NtpShort::from_duration(Duration::from_millis(250)).to_bits(),
        0x4000
    );
    assert_eq!(
        NtpShort::from_duration(Duration::from_secs(70_000)),
        NtpShort::MAX
    );
}

#[test]
fn duration_conversions() {
    let d = NtpDuration::from_seconds_f64(-0.25);
    assert_eq!(d.to_bits(), -(1 << 30));
    assert!(d.is_negative());
    assert_eq!(d.abs().to_seconds_f64(), 0.25);
    assert!(Duration::try_from(d).is_err());
    assert_eq!(Duration::try_from(-d).unwrap(), Duration::from_millis(250));
    assert_eq!(
        NtpDuration::try_from(Duration::from_millis(1500))
            .unwrap()
            .to_bits(),
        3 << 31
    );
    assert!(NtpDuration::try_from(Duration::from_secs(1 << 31)).is_err());
    assert_eq!(NtpDuration::from_seconds(-3).to_seconds_f64(), -3.0);
    assert_eq!(NtpDuration::from_seconds_f64(f64::NAN), NtpDuration::ZERO);
    assert_eq!(NtpDuration::from_seconds_f64(1e30), NtpDuration::MAX);
    let (negative, magnitude) = NtpDuration::from_seconds_f64(-1.5).to_signed_duration();
    assert!(negative);
    assert_eq!(magnitude, Duration::from_millis(1500));
}

#[test]
fn zero_means_unknown() {
    assert!(NtpTimestamp::ZERO.is_zero());
    assert!(!NtpTimestamp::from_bits(1).is_zero());
    assert_eq!(
        format!("{}", NtpTimestamp::from_parts(0xeeac_a24e, 0xd116_4800)),
        "eeaca24e.d1164800"
    );
}
