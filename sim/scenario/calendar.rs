//! Calendar time of the scenario's time origin, for certificate validity periods.

use crate::error::UsageError;
/// Parses an RFC 3339 UTC timestamp `YYYY-MM-DDTHH:MM:SSZ` into Unix seconds.
pub(crate) fn parse_epoch(s: &str) -> Result<i64, UsageError> {
    let bad = || {
        format!("`{s}` is not a UTC timestamp; expected \"YYYY-MM-DDTHH:MM:SSZ\" (years 1970–9999)")
    };
    let b = s.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return Err(bad().into());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, String> {
        let t = &s[r];
        if t.chars().all(|c| c.is_ascii_digit()) {
            t.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // der's calendar (the crate that writes the certificates' times) checks the month,
    // the day of that month, the time of day and years 1970–9999. Certificates take
    // UTCTime through 2049 and GeneralizedTime after (RFC 5280); the dates a scenario's
    // PKI writes are checked in `pki_dates`.
    let small = |x: i64| u8::try_from(x).map_err(|_| bad());
    let year = u16::try_from(y).map_err(|_| bad())?;
    der::DateTime::new(
        year,
        small(mo)?,
        small(d)?,
        small(h)?,
        small(mi)?,
        small(se)?,
    )
    .map(|t| t.unix_duration().as_secs() as i64)
    .map_err(|_| bad().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_instants() {
        assert_eq!(parse_epoch("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_epoch("2026-01-05T00:00:00Z"), Ok(1_767_571_200));
        assert_eq!(parse_epoch("2024-02-29T12:30:15Z"), Ok(1_709_209_815));
    }

    #[test]
    fn rejects_malformed_or_out_of_range() {
        for bad in [
            "2026-01-05",
            "2026-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2026-01-05T00:00:00+01:00",
        ] {
            assert!(parse_epoch(bad).is_err(), "{bad}");
        }
    }
}
