//! Timestamps as the exports write them: ISO 8601 in UTC with 0 to 9 fractional digits
//! (`2017-05-02T03:07:16.642559000Z` in Windows events, `2022-04-08T20:13:31.163` with no
//! zone in Azure AD Connect's run history, which records UTC), read into microseconds
//! since the Unix epoch. Finer digits than a microsecond are cut, not rounded, so a time
//! never moves past the next event's.

use crate::error::UsageError;
/// Microseconds since 1970-01-01T00:00:00Z.
pub(crate) type UnixMicros = i64;

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    // Howard Hinnant's algorithm: years start in March so the leap day is last.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.f…][Z]` (a space may stand for the `T`; no zone means
/// UTC, as the run history records it). An offset other than `Z` is refused: the
/// exports this reads write UTC, and a local time would shift every duration.
pub(crate) fn parse_utc(text: &str) -> Result<UnixMicros, UsageError> {
    let bad = || {
        format!(
            "`{text}` is not a UTC time; allowed: YYYY-MM-DDTHH:MM:SS with up to 9 fractional digits and an optional Z"
        )
    };
    let s = text.trim();
    let s = s.strip_suffix('Z').unwrap_or(s);
    let b = s.as_bytes();
    // Fields are taken by byte position, so the date and time part must be ASCII (a
    // multi-byte character there would put a position inside it).
    if b.len() < 19
        || !b[..19].is_ascii()
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(bad().into());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, String> {
        let t = &s[r];
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60
    {
        return Err(bad().into());
    }
    let mut micros = 0i64;
    if b.len() > 19 {
        let frac = &s[19..];
        let digits = frac.strip_prefix('.').ok_or_else(bad)?;
        if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad().into());
        }
        let mut six: String = digits.chars().take(6).collect();
        while six.len() < 6 {
            six.push('0');
        }
        micros = six.parse().map_err(|_| bad())?;
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + se;
    Ok(secs * 1_000_000 + micros)
}

/// `t` as `YYYY-MM-DDTHH:MM:SSZ` (whole seconds, rounded down): the inverse of
/// [`parse_utc`], for what `fit` writes.
pub(crate) fn format_utc(t: UnixMicros) -> String {
    let secs = t.div_euclid(1_000_000);
    let (days, tod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil-from-days, the inverse of `days_from_civil`.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        tod / 3_600,
        tod % 3_600 / 60,
        tod % 60
    )
}

/// `t` as `YYYY-MM-DDTHH:MM:SS.f…` with `digits` (1 to 6) fractional digits, truncated,
/// and no zone: the stem each export writer finishes in its own format.
pub fn format_utc_fraction(t: UnixMicros, digits: u32) -> String {
    let digits = digits.clamp(1, 6);
    let whole = format_utc(t.div_euclid(1_000_000) * 1_000_000);
    let fraction = t.rem_euclid(1_000_000) / 10i64.pow(6 - digits);
    format!(
        "{}.{fraction:0width$}",
        whole.trim_end_matches('Z'),
        width = digits as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_utc_round_trips_parse_utc() {
        for t in [
            "2017-05-02T03:07:16Z",
            "2024-02-29T23:59:59Z",
            "1970-01-01T00:00:00Z",
        ] {
            assert_eq!(format_utc(parse_utc(t).unwrap()), t);
        }
    }

    #[test]
    fn reads_the_exports_time_formats() {
        // 2017-05-02T03:07:16Z is 1493694436 s after the epoch.
        assert_eq!(
            parse_utc("2017-05-02T03:07:16.642559000Z"),
            Ok(1_493_694_436_642_559)
        );
        assert_eq!(
            parse_utc("2017-05-02T03:07:16.6425591Z"),
            Ok(1_493_694_436_642_559)
        );
        assert_eq!(
            parse_utc("2017-05-02T03:07:16.642559Z"),
            Ok(1_493_694_436_642_559)
        );
        assert_eq!(parse_utc("2017-05-02T03:07:16Z"), Ok(1_493_694_436_000_000));
        assert_eq!(
            parse_utc("2022-04-08T20:13:31.163"),
            Ok(1_649_448_811_163_000)
        );
        assert_eq!(parse_utc("1970-01-01 00:00:00"), Ok(0));
        assert_eq!(
            parse_utc("2024-02-29T00:00:00Z").map(|x| x % 1_000_000),
            Ok(0)
        );
        for bad in [
            "2023-02-29T00:00:00Z",
            "2017-05-02T03:07:16+02:00",
            "2017-05-02T03:07:16.Z",
            "2017-05-02T03:07:16.1234567890Z",
            "2017-13-02T03:07:16Z",
            "yesterday",
            "",
            // A multi-byte character where a digit is (this panicked once).
            "2025-12-01T08:00:0\u{e9}0",
            "20\u{e9}-12-01T08:00:00Z",
            "2025-12-01T08:00:00\u{e9}",
        ] {
            assert!(parse_utc(bad).is_err(), "{bad}");
        }
    }
}
