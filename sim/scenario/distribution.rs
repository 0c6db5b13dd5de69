//! Distributions as scenario files write them: inline tables such as
//! `{ dist = "lognormal", median = "15s", p95 = "60s" }`, or a bare duration string as
//! shorthand for a fixed value.

use super::duration::{Duration, DURATION_HELP};
use crate::engine::Dist;
use serde::de::value::MapAccessDeserializer;
use serde::{Deserialize, Deserializer};
use std::fmt;

/// What a distribution may look like, for error messages.
pub(crate) const DIST_HELP: &str = "an inline table with `dist` = \"lognormal\" (median, p95), \"exponential\" (mean), \"gamma\" (shape, scale), \"weibull\" (shape, scale), \"normal\" (mean, sd), \"uniform\" (min, max), \"fixed\" (value) or \"empirical\" (values, optional weights); or a duration string for a fixed value";

#[derive(Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
enum RawDist {
    Lognormal {
        median: Duration,
        p95: Duration,
    },
    Exponential {
        mean: Duration,
    },
    Gamma {
        shape: f64,
        scale: Duration,
    },
    Weibull {
        shape: f64,
        scale: Duration,
    },
    Normal {
        mean: Duration,
        sd: Duration,
    },
    Uniform {
        min: Duration,
        max: Duration,
    },
    Fixed {
        value: Duration,
    },
    Empirical {
        values: Vec<Duration>,
        #[serde(default)]
        weights: Option<Vec<f64>>,
    },
}

impl RawDist {
    fn build(self) -> Result<Dist, String> {
        Ok(match self {
            RawDist::Lognormal { median, p95 } => {
                if median.0 == 0 {
                    return Err("lognormal `median` must be above zero".into());
                }
                if p95 <= median {
                    return Err(format!(
                        "lognormal `p95` ({p95}) must be above `median` ({median})"
                    ));
                }
                Dist::lognormal_from_median_p95(median.0, p95.0)
            }
            RawDist::Exponential { mean } => {
                if mean.0 == 0 {
                    return Err("exponential `mean` must be above zero".into());
                }
                Dist::Exponential {
                    mean: mean.0 as f64,
                }
            }
            RawDist::Gamma { shape, scale } | RawDist::Weibull { shape, scale }
                if !(shape > 0.0 && shape.is_finite()) || scale.0 == 0 =>
            {
                return Err(format!(
                    "`shape` ({shape}) and `scale` ({scale}) must be above zero"
                ))
            }
            RawDist::Gamma { shape, scale } => Dist::Gamma {
                shape,
                scale: scale.0 as f64,
            },
            RawDist::Weibull { shape, scale } => Dist::Weibull {
                shape,
                scale: scale.0 as f64,
            },
            RawDist::Normal { mean, sd } => Dist::Normal {
                mean: mean.0 as f64,
                sd: sd.0 as f64,
            },
            RawDist::Uniform { min, max } => {
                if max < min {
                    return Err(format!(
                        "uniform `max` ({max}) must not be below `min` ({min})"
                    ));
                }
                Dist::Uniform {
                    min: min.0,
                    max: max.0,
                }
            }
            RawDist::Fixed { value } => Dist::Fixed(value.0),
            RawDist::Empirical { values, weights } => {
                if values.is_empty() {
                    return Err("empirical `values` must list at least one duration".into());
                }
                if let Some(w) = &weights {
                    if w.len() != values.len() {
                        return Err(format!(
                            "empirical `weights` has {} entries but `values` has {}",
                            w.len(),
                            values.len()
                        ));
                    }
                    if w.iter().any(|x| !x.is_finite() || *x < 0.0) {
                        return Err("empirical `weights` must be non-negative numbers".into());
                    }
                    if w.iter().sum::<f64>() <= 0.0 {
                        return Err("empirical `weights` must not all be zero".into());
                    }
                }
                Dist::empirical(values.iter().map(|d| d.0).collect(), weights.as_deref())
            }
        })
    }
}

/// A validated distribution read from a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct DistSpec(pub Dist);

impl DistSpec {
    /// A lognormal given by median and p95 (µs), for defaults.
    pub fn lognormal(median: u64, p95: u64) -> Self {
        DistSpec(Dist::lognormal_from_median_p95(median, p95))
    }

    /// A fixed value (µs), for defaults.
    pub fn fixed(v: u64) -> Self {
        DistSpec(Dist::Fixed(v))
    }

    /// An exponential with mean `mean` (µs), for defaults.
    pub fn exponential(mean: u64) -> Self {
        DistSpec(Dist::Exponential { mean: mean as f64 })
    }
}

impl std::ops::Deref for DistSpec {
    type Target = Dist;
    fn deref(&self) -> &Dist {
        &self.0
    }
}

impl<'de> Deserialize<'de> for DistSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = DistSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(DIST_HELP)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DistSpec, E> {
                super::duration::parse_duration(v)
                    .map(|us| DistSpec(Dist::Fixed(us)))
                    .map_err(|e| E::custom(format!("{e} (or {DIST_HELP})")))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<DistSpec, A::Error> {
                let raw = RawDist::deserialize(MapAccessDeserializer::new(map))?;
                raw.build().map(DistSpec).map_err(serde::de::Error::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<DistSpec, E> {
                Err(E::custom(format!(
                    "a bare number ({v}) is not a distribution; expected {DIST_HELP}; durations are {DURATION_HELP}"
                )))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<DistSpec, E> {
                self.visit_i64(v as i64)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<DistSpec, String> {
        #[derive(Deserialize)]
        struct W {
            d: DistSpec,
        }
        toml::from_str::<W>(&format!("d = {s}"))
            .map(|w| w.d)
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn reads_every_kind() {
        assert_eq!(
            parse(r#"{ dist = "fixed", value = "2s" }"#).unwrap().0,
            Dist::Fixed(2_000_000)
        );
        assert_eq!(parse(r#""1500ms""#).unwrap().0, Dist::Fixed(1_500_000));
        let ln = parse(r#"{ dist = "lognormal", median = "15s", p95 = "60s" }"#).unwrap();
        assert!((ln.quantile(0.5).unwrap() - 15e6).abs() < 1.0);
        assert_eq!(
            parse(r#"{ dist = "exponential", mean = "43ms" }"#)
                .unwrap()
                .mean(),
            43_000.0
        );
        assert!(parse(r#"{ dist = "normal", mean = "5s", sd = "1s" }"#).is_ok());
        let g = parse(r#"{ dist = "gamma", shape = 2.5, scale = "30s" }"#).unwrap();
        assert_eq!(g.mean(), 75_000_000.0);
        let w = parse(r#"{ dist = "weibull", shape = 1, scale = "10s" }"#).unwrap();
        assert!((w.mean() - 10_000_000.0).abs() < 1.0);
        assert!((w.quantile(0.5).unwrap() - 10e6 * 2f64.ln()).abs() < 1.0);
        assert!(parse(r#"{ dist = "gamma", shape = 0, scale = "30s" }"#)
            .unwrap_err()
            .contains("above zero"));
        assert!(parse(r#"{ dist = "weibull", shape = 2 }"#).is_err());
        assert!(parse(r#"{ dist = "uniform", min = "1s", max = "5s" }"#).is_ok());
        let e =
            parse(r#"{ dist = "empirical", values = ["1s", "3s"], weights = [3, 1] }"#).unwrap();
        assert_eq!(e.mean(), 1_500_000.0);
    }

    #[test]
    fn refuses_bad_tables_with_reasons() {
        let cases = [
            (
                r#"{ dist = "lognormal", median = "60s", p95 = "15s" }"#,
                "must be above `median`",
            ),
            (
                r#"{ dist = "lognormal", median = "1s" }"#,
                "missing field `p95`",
            ),
            (
                r#"{ dist = "lognormal", median = "1s", p99 = "3s" }"#,
                "unknown field `p99`",
            ),
            (r#"{ dist = "beta", a = "1s" }"#, "unknown variant `beta`"),
            (
                r#"{ dist = "gamma", shape = "1s", scale = "1s" }"#,
                "expected f64",
            ),
            (
                r#"{ dist = "uniform", min = "5s", max = "1s" }"#,
                "must not be below",
            ),
            (r#"{ dist = "empirical", values = [] }"#, "at least one"),
            (
                r#"{ dist = "empirical", values = ["1s"], weights = [1, 2] }"#,
                "has 2 entries",
            ),
            (r#"{ dist = "exponential", mean = "0s" }"#, "above zero"),
            (r#"{ dist = "fixed", value = 5 }"#, "has no unit"),
            ("12", "not a distribution"),
        ];
        for (text, want) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}
