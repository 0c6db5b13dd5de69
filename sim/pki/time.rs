//! Mapping simulated time (microseconds since the scenario's origin) to the calendar
//! time that goes into certificates.
//!
//! X.509 validity has one-second resolution, so simulated instants are floored to the
//! second; every validity check (real and off) uses the same floored second so the two
//! modes agree at the boundaries.

use std::time::Duration;

use der::asn1::{GeneralizedTime, UtcTime};
use der::DateTime;
use x509_cert::time::{Time, Validity};

use super::PkiError;

/// Seconds since the Unix epoch of the simulated instant `now_us`.
pub(crate) fn unix_seconds(epoch_unix: i64, now_us: u64) -> i64 {
    // now_us / 1e6 fits an i64 for any u64; saturate rather than wrap on absurd epochs.
    epoch_unix.saturating_add((now_us / 1_000_000) as i64)
}

/// The X.509 `Time` for a Unix second: UTCTime through 2049 and GeneralizedTime after, as
/// RFC 5280 §4.1.2.5 requires.
pub(crate) fn x509_time(unix_s: i64) -> Result<Time, PkiError> {
    let secs = u64::try_from(unix_s)
        .map_err(|_| PkiError::Settings(format!("calendar time {unix_s} is before 1970")))?;
    let dt = DateTime::from_unix_duration(Duration::from_secs(secs))?;
    if dt.year() < 2050 {
        Ok(Time::UtcTime(UtcTime::from_date_time(dt)?))
    } else {
        Ok(Time::GeneralTime(GeneralizedTime::from_date_time(dt)))
    }
}

/// A Unix second as `YYYY-MM-DDTHH:MM:SSZ` (the form `pki.epoch` takes); the number
/// itself when it is outside what X.509 can write.
pub(crate) fn rfc3339(unix_s: i64) -> String {
    u64::try_from(unix_s)
        .ok()
        .and_then(|s| DateTime::from_unix_duration(Duration::from_secs(s)).ok())
        .map_or_else(|| unix_s.to_string(), |dt| dt.to_string())
}

/// A validity period from `not_before` (Unix seconds) lasting `duration_s` seconds.
pub fn validity(not_before: i64, duration_s: u64) -> Result<Validity, PkiError> {
    let dur = i64::try_from(duration_s)
        .map_err(|_| PkiError::Settings(format!("validity of {duration_s}s is too long")))?;
    Ok(Validity {
        not_before: x509_time(not_before)?,
        not_after: x509_time(not_before.saturating_add(dur))?,
    })
}

/// `true` when the Unix second `unix_s` lies inside `v` (both ends inclusive, as RFC 5280
/// §4.1.2.5 defines it).
pub fn within(v: &Validity, unix_s: i64) -> bool {
    let nb = v.not_before.to_unix_duration().as_secs();
    let na = v.not_after.to_unix_duration().as_secs();
    match u64::try_from(unix_s) {
        Ok(t) => nb <= t && t <= na,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_before_2050_generalized_after() {
        assert!(matches!(x509_time(1_767_225_600), Ok(Time::UtcTime(_))));
        // 2050-01-01T00:00:00Z
        assert!(matches!(x509_time(2_524_608_000), Ok(Time::GeneralTime(_))));
        assert!(x509_time(-1).is_err());
    }

    #[test]
    fn validity_bounds_are_inclusive() {
        let v = validity(1_000_000, 10).expect("validity");
        assert!(!within(&v, 999_999));
        assert!(within(&v, 1_000_000));
        assert!(within(&v, 1_000_010));
        assert!(!within(&v, 1_000_011));
        assert_eq!(unix_seconds(1_000_000, 10_999_999), 1_000_010);
    }
}
