//! The calendar dates a scenario's PKI writes into certificates, envelopes and CRLs,
//! checked against what X.509 and this tool can write, so that a date out of range is a
//! validation error naming its key rather than a failed encoding (or a panic) mid-run.
//!
//! RFC 5280 §4.1.2.5 allows 1950 to 9999 (UTCTime before 2050, GeneralizedTime after);
//! the `der` crate this tool encodes with counts dates from 1970, so the range here is
//! 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z.

use super::duration::Duration;
use super::keypath::KeyPath;
use super::schema::Spec;
use super::validate::Problem;

/// The first second a certificate date may hold: 1970-01-01T00:00:00Z.
pub(crate) const EARLIEST_UNIX: i64 = 0;
/// The last second a certificate date may hold: 9999-12-31T23:59:59Z.
pub(crate) const LATEST_UNIX: i64 = 253_402_300_799;

const DAY_S: i64 = 86_400;
const YEAR_S: i64 = 365 * DAY_S;
/// How long before the epoch the CA's certificate starts: the agent certificate is
/// issued 30 days before time 0 (`run::pki_backend`), the CA one day before that
/// (`pki::material`).
pub(crate) const CA_LEAD_S: i64 = 31 * DAY_S;
/// The CA's certificate lasts at least 20 years from its start, and a year past the
/// agent certificate's end (`pki::material`).
const CA_MIN_SPAN_S: i64 = 20 * YEAR_S;
const CA_PAST_AGENT_S: i64 = YEAR_S;
/// An agent certificate enrolled mid-run (after an `agent_revoked` fault) lasts two
/// years (`pki::material::enroll_agent`).
const REENROLLED_AGENT_S: i64 = 2 * YEAR_S;

/// A Unix second as `YYYY-MM-DDTHH:MM:SSZ`, or in words when it is out of that range.
pub fn show(unix_s: i64) -> String {
    if unix_s > LATEST_UNIX {
        format!("a date after the year 9999 (Unix second {unix_s})")
    } else if unix_s < EARLIEST_UNIX {
        format!("a date before 1970 (Unix second {unix_s})")
    } else {
        crate::pki::time::rfc3339(unix_s)
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.0 / 1_000_000).unwrap_or(i64::MAX)
}

/// Every date problem of `spec` when its time 0 is the Unix second `epoch_unix`; each
/// names the key that pushes a date out of range and the range.
pub fn problems(epoch_unix: i64, spec: &Spec) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut fail = |key: &str, msg: String| {
        out.push((KeyPath::parse(key).unwrap_or_default(), msg));
    };
    let range = format!("{} to {}", show(EARLIEST_UNIX), show(LATEST_UNIX));
    let ca_start = epoch_unix.saturating_sub(CA_LEAD_S);
    if ca_start < EARLIEST_UNIX {
        fail(
            "pki.epoch",
            format!(
                "{} is too early; allowed: from {} (the CA's certificate starts 31 days before the epoch, and certificate dates must lie in {range})",
                show(epoch_unix),
                show(EARLIEST_UNIX + CA_LEAD_S)
            ),
        );
        return out;
    }
    if ca_start.saturating_add(CA_MIN_SPAN_S) > LATEST_UNIX {
        fail(
            "pki.epoch",
            format!(
                "{} is too late; allowed: up to {} (the CA's certificate lasts 20 years, and certificate dates must lie in {range})",
                show(epoch_unix),
                show(LATEST_UNIX - CA_MIN_SPAN_S + CA_LEAD_S)
            ),
        );
        return out;
    }
    let horizon_end = epoch_unix.saturating_add(secs(spec.horizon));
    let ends = [
        (
            "pki.agent_expires",
            epoch_unix
                .saturating_add(secs(spec.pki.agent_expires))
                .saturating_add(CA_PAST_AGENT_S),
            spec.pki.agent_expires,
            "the CA's certificate outlives the agent's by a year",
        ),
        (
            "pki.cert_validity",
            horizon_end.saturating_add(secs(spec.pki.cert_validity)),
            spec.pki.cert_validity,
            "a certificate issued at the horizon lasts this long",
        ),
        (
            "pki.crl_validity",
            horizon_end.saturating_add(secs(spec.pki.crl_validity)),
            spec.pki.crl_validity,
            "a CRL published at the horizon has its nextUpdate this much later",
        ),
        (
            "horizon",
            horizon_end.saturating_add(REENROLLED_AGENT_S),
            spec.horizon,
            "an agent certificate enrolled at the horizon lasts two years",
        ),
    ];
    for (key, end, value, why) in ends {
        if end > LATEST_UNIX {
            fail(
                key,
                format!(
                    "{value} puts a certificate date at {} with pki.epoch = {}; allowed: dates up to {} ({why}; horizon = {})",
                    show(end),
                    show(epoch_unix),
                    show(LATEST_UNIX),
                    spec.horizon
                ),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::DAY;
    use crate::scenario::calendar::parse_epoch;

    fn keys(epoch: &str, spec: &Spec) -> Vec<String> {
        let e = parse_epoch(epoch).expect("epoch");
        problems(e, spec)
            .iter()
            .map(|(k, _)| k.to_string())
            .collect()
    }

    #[test]
    fn default_dates_fit() {
        assert!(keys("2026-01-05T00:00:00Z", &Spec::default()).is_empty());
    }

    #[test]
    fn each_key_that_pushes_a_date_out_is_named() {
        let s = Spec::default();
        assert_eq!(keys("1970-01-01T00:00:00Z", &s), ["pki.epoch"]);
        assert!(keys("1970-02-01T00:00:00Z", &s).is_empty());
        assert_eq!(keys("9999-01-01T00:00:00Z", &s), ["pki.epoch"]);
        let mut big = Spec::default();
        big.pki.cert_validity = Duration(2_913_000 * DAY);
        big.pki.agent_expires = Duration(3_000_000 * DAY);
        assert_eq!(
            keys("2026-01-05T00:00:00Z", &big),
            ["pki.agent_expires", "pki.cert_validity"]
        );
    }

    #[test]
    fn the_bounds_are_writable_as_x509_times() {
        // The first and last seconds this module allows encode; one past each does not.
        assert!(crate::pki::time::x509_time(EARLIEST_UNIX).is_ok());
        assert!(crate::pki::time::x509_time(LATEST_UNIX).is_ok());
        assert!(crate::pki::time::x509_time(EARLIEST_UNIX - 1).is_err());
        assert!(crate::pki::time::x509_time(LATEST_UNIX + 1).is_err());
    }
}
