//! Values a key takes between its low and its high: a number, a duration, or a
//! distribution of durations given by its shape's own figures (a lognormal's median and
//! p95, an exponential's mean, a fixed value). `sensitivity` sets a key to its low, its
//! high, or (Morris) a level of a grid between them, always as TOML text for `--set`, so
//! the runs are the very runs a `sweep` of the key would make.

use crate::error::UsageError;
use crate::scenario::duration::{compact, parse_duration};
use toml::Value;

/// A value of a variable key, parsed from TOML.
#[derive(Debug, Clone, PartialEq)]
pub enum Level {
    /// A number (shares, counts, factors).
    Number(f64),
    /// A duration, microseconds.
    Duration(u64),
    /// A distribution: its kind and its figures in microseconds, in the order the scenario
    /// writes them (`lognormal`: median, p95; `exponential`: mean; `fixed`: value).
    Dist(&'static str, Vec<u64>),
}

/// The figures each distribution a level may be has, in order.
const SHAPES: [(&str, &[&str]); 3] = [
    ("lognormal", &["median", "p95"]),
    ("exponential", &["mean"]),
    ("fixed", &["value"]),
];

impl Level {
    /// Parses a value as TOML writes it (`0.9`, `"30m"`, `{ dist = "lognormal", median =
    /// "6h", p95 = "30h" }`); an error says what is allowed.
    pub fn parse(text: &str) -> Result<Level, UsageError> {
        let doc: toml::Table = toml::from_str(&format!("v = {text}"))
            .map_err(|e| format!("`{text}` is not a TOML value: {}", e.message()))?;
        match &doc["v"] {
            Value::Integer(i) => Ok(Level::Number(*i as f64)),
            Value::Float(x) if x.is_finite() => Ok(Level::Number(*x)),
            Value::String(s) => parse_duration(s).map(Level::Duration),
            Value::Table(t) => {
                let kind = t.get("dist").and_then(Value::as_str).unwrap_or_default();
                let Some((name, figures)) = SHAPES.iter().find(|(n, _)| *n == kind) else {
                    return Err(format!(
                        "`{text}`: only a lognormal (median, p95), exponential (mean) or fixed (value) distribution can be varied"
                    ).into());
                };
                let mut out = Vec::new();
                for f in *figures {
                    let v = t
                        .get(*f)
                        .and_then(Value::as_str)
                        .ok_or_else(|| format!("`{text}`: a {name} needs `{f}`"))?;
                    out.push(parse_duration(v)?);
                }
                if t.len() != figures.len() + 1 {
                    return Err(
                        format!("`{text}`: a {name} has only {}", figures.join(", ")).into(),
                    );
                }
                Ok(Level::Dist(name, out))
            }
            _ => Err(format!(
                "`{text}` cannot be varied; allowed: a number, a duration or a distribution"
            )
            .into()),
        }
    }

    /// The value as TOML text for `--set` (integers without a decimal point when
    /// `integer`).
    pub(crate) fn to_toml(&self, integer: bool) -> String {
        match self {
            Level::Number(x) if integer => format!("{}", x.round() as i64),
            Level::Number(x) => {
                // Enough digits to round-trip, none that are noise.
                let s = format!("{x:.6}");
                let s = s.trim_end_matches('0');
                if s.ends_with('.') {
                    format!("{s}0")
                } else {
                    s.to_string()
                }
            }
            Level::Duration(us) => format!("\"{}\"", compact(*us)),
            Level::Dist(name, figures) => {
                let (_, names) = SHAPES.iter().find(|(n, _)| n == name).expect("a shape");
                let parts: Vec<String> = names
                    .iter()
                    .zip(figures)
                    .map(|(n, us)| format!("{n} = \"{}\"", compact(*us)))
                    .collect();
                format!("{{ dist = \"{name}\", {} }}", parts.join(", "))
            }
        }
    }

    /// The point a share `t` (0 to 1) of the way from `low` to `high`, figure by figure;
    /// `None` when the two are not of the same shape. Durations are rounded to the
    /// millisecond (to the microsecond under one), so the text stays readable.
    pub fn between(low: &Level, high: &Level, t: f64) -> Option<Level> {
        let mix = |a: f64, b: f64| a + (b - a) * t;
        let mix_us = |a: u64, b: u64| {
            let x = mix(a as f64, b as f64).max(0.0);
            if x >= 1_000.0 {
                ((x / 1_000.0).round() * 1_000.0) as u64
            } else {
                x.round() as u64
            }
        };
        match (low, high) {
            (Level::Number(a), Level::Number(b)) => Some(Level::Number(mix(*a, *b))),
            (Level::Duration(a), Level::Duration(b)) => Some(Level::Duration(mix_us(*a, *b))),
            (Level::Dist(n, a), Level::Dist(m, b)) if n == m && a.len() == b.len() => Some(
                Level::Dist(n, a.iter().zip(b).map(|(x, y)| mix_us(*x, *y)).collect()),
            ),
            _ => None,
        }
    }

    /// A single number standing for the level, for charts and ranking (a share or count;
    /// seconds for a duration; a distribution's first figure, in seconds).
    pub fn scalar(&self) -> f64 {
        match self {
            Level::Number(x) => *x,
            Level::Duration(us) => *us as f64 / 1e6,
            Level::Dist(_, f) => f.first().copied().unwrap_or(0) as f64 / 1e6,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_print_and_mix() {
        let lo = Level::parse(r#"{ dist = "lognormal", median = "6h", p95 = "30h" }"#).unwrap();
        let hi = Level::parse(r#"{ dist = "lognormal", median = "30h", p95 = "70h" }"#).unwrap();
        let mid = Level::between(&lo, &hi, 0.5).unwrap();
        assert_eq!(
            mid.to_toml(false),
            r#"{ dist = "lognormal", median = "18h", p95 = "50h" }"#
        );
        assert_eq!(Level::parse(&mid.to_toml(false)).unwrap(), mid);
        let a = Level::parse("0.9").unwrap();
        let b = Level::parse("0.99").unwrap();
        assert_eq!(
            Level::between(&a, &b, 1.0 / 3.0).unwrap().to_toml(false),
            "0.93"
        );
        assert_eq!(Level::parse("2").unwrap().to_toml(true), "2");
        assert_eq!(
            Level::between(&Level::Number(1.0), &Level::Number(8.0), 0.5)
                .unwrap()
                .to_toml(true),
            "5"
        );
        assert_eq!(
            Level::parse(r#""30m""#).unwrap(),
            Level::Duration(1_800_000_000)
        );
        assert!(Level::between(&a, &lo, 0.5).is_none());
        assert!(Level::parse("true").is_err());
        assert!(Level::parse(r#"{ dist = "uniform", min = "1s", max = "2s" }"#).is_err());
        assert!(Level::parse(r#"{ dist = "lognormal", median = "1s" }"#).is_err());
    }
}
