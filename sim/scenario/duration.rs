//! Durations as scenario files write them: a number with a unit (`"250ms"`, `"45s"`,
//! `"30m"`, `"8h"`, `"2d"`), compounds of those (`"1h30m"`, `"1d7h30m"`), or a clock time
//! on the first day (`"07:30"`, `"07:30:15"`).

use crate::engine::time::{SimTime, DAY, HOUR, MINUTE, SECOND};
use crate::error::UsageError;
use serde::{Deserialize, Deserializer};
use std::fmt;

/// What a duration string may look like, for error messages.
pub(crate) const DURATION_HELP: &str =
    "a string with units: us, ms, s, m, h, d (e.g. \"250ms\", \"45s\", \"1h30m\", \"2d\") or a clock time \"HH:MM\"";

/// A non-negative span of simulated time, parsed from a string with units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Duration(pub SimTime);

impl Duration {
    /// The span in microseconds.
    pub fn us(self) -> SimTime {
        self.0
    }

    /// The span in seconds.
    pub fn secs(self) -> f64 {
        crate::engine::time::to_secs(self.0)
    }
}

/// Parses a duration string; the error says what is allowed.
pub(crate) fn parse_duration(text: &str) -> Result<SimTime, UsageError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(format!("empty duration; expected {DURATION_HELP}").into());
    }
    if s.contains(':') {
        return Ok(parse_clock(s)?);
    }
    let bad = || format!("`{text}` is not a duration; expected {DURATION_HELP}");
    let mut total: f64 = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| {
                format!("`{text}` has a number without a unit; expected {DURATION_HELP}")
            })?;
        if num_len == 0 {
            return Err(bad().into());
        }
        let value: f64 = rest[..num_len].parse().map_err(|_| bad())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match rest[..unit_len].trim() {
            "us" | "µs" => 1,
            "ms" => 1_000,
            "s" | "sec" => SECOND,
            "m" | "min" => MINUTE,
            "h" => HOUR,
            "d" => DAY,
            _ => return Err(bad().into()),
        };
        total += value * unit as f64;
        rest = &rest[unit_len..];
    }
    if !total.is_finite() || total > 1e18 {
        return Err(format!("`{text}` is too long a duration").into());
    }
    Ok(total.round() as SimTime)
}

fn parse_clock(s: &str) -> Result<SimTime, String> {
    let bad = || {
        format!("`{s}` is not a clock time; expected \"HH:MM\" or \"HH:MM:SS\" (00:00 to 23:59:59)")
    };
    let parts: Vec<&str> = s.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(bad());
    }
    let nums: Vec<u64> = parts
        .iter()
        .map(|p| {
            if p.len() == 2 && p.chars().all(|c| c.is_ascii_digit()) {
                p.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        })
        .collect::<Result<_, _>>()?;
    let (h, m, sec) = (nums[0], nums[1], nums.get(2).copied().unwrap_or(0));
    if h > 23 || m > 59 || sec > 59 {
        return Err(bad());
    }
    Ok(h * HOUR + m * MINUTE + sec * SECOND)
}

/// Formats a span the way a person reads it: `1h 05m`, `12.5s`, `350ms`.
pub(crate) fn format_duration(us: SimTime) -> String {
    let s = us as f64 / SECOND as f64;
    if us < SECOND {
        format!("{}ms", trim_float(us as f64 / 1000.0))
    } else if us < MINUTE {
        format!("{}s", trim_float(s))
    } else if us < HOUR {
        format!("{}m {:02}s", us / MINUTE, (us % MINUTE) / SECOND)
    } else if us < DAY {
        format!("{}h {:02}m", us / HOUR, (us % HOUR) / MINUTE)
    } else {
        format!("{}d {:02}h", us / DAY, (us % DAY) / HOUR)
    }
}

fn trim_float(x: f64) -> String {
    let t = format!("{x:.3}");
    t.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(DURATION_HELP)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
                parse_duration(v).map(Duration).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Duration, E> {
                if v == 0 {
                    Ok(Duration(0))
                } else {
                    Err(E::custom(format!(
                        "a bare number ({v}) has no unit; write it as a string with units: {DURATION_HELP}"
                    )))
                }
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Duration, E> {
                self.visit_i64(v as i64)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "a bare number ({v}) has no unit; write it as a string with units: {DURATION_HELP}"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&compact(self.0))
    }
}

/// The shortest exact unit string for a span (`"90s"`, `"1500ms"`), parseable back.
pub(crate) fn compact(us: SimTime) -> String {
    for (unit, name) in [
        (DAY, "d"),
        (HOUR, "h"),
        (MINUTE, "m"),
        (SECOND, "s"),
        (1_000, "ms"),
    ] {
        if us.is_multiple_of(unit) && us > 0 {
            return format!("{}{}", us / unit, name);
        }
    }
    format!("{us}us")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_compounds_and_clock_times() {
        assert_eq!(parse_duration("250ms"), Ok(250_000));
        assert_eq!(parse_duration("45s"), Ok(45 * SECOND));
        assert_eq!(parse_duration("30m"), Ok(30 * MINUTE));
        assert_eq!(parse_duration("8h"), Ok(8 * HOUR));
        assert_eq!(parse_duration("2d"), Ok(2 * DAY));
        assert_eq!(parse_duration("1h30m"), Ok(90 * MINUTE));
        assert_eq!(parse_duration("1d7h30m"), Ok(DAY + 7 * HOUR + 30 * MINUTE));
        assert_eq!(parse_duration("1.5s"), Ok(1_500_000));
        assert_eq!(parse_duration("850us"), Ok(850));
        assert_eq!(parse_duration("07:30"), Ok(7 * HOUR + 30 * MINUTE));
        assert_eq!(parse_duration("23:59:59"), Ok(DAY - SECOND));
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in [
            "",
            "10",
            "ten s",
            "5 parsecs",
            "s",
            "24:00",
            "7:30",
            "1h30",
            "--1s",
        ] {
            let e = parse_duration(bad).unwrap_err();
            assert!(
                e.to_string().contains("expected") || e.to_string().contains("unit"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn formats_and_round_trips() {
        assert_eq!(format_duration(350_000), "350ms");
        assert_eq!(format_duration(12_500_000), "12.5s");
        assert_eq!(format_duration(65 * MINUTE), "1h 05m");
        for us in [1, 1500, 90 * SECOND, 3 * HOUR, 2 * DAY] {
            assert_eq!(parse_duration(&compact(us)), Ok(us));
        }
    }
}
