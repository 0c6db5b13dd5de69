//! Duration distributions, sampled in whole microseconds.

use super::time::SimTime;
use rand::Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};

/// z such that P(Z <= z) = 0.95 for a standard normal: links a lognormal's p95 to its sigma.
pub(crate) const Z95: f64 = 1.644_853_626_951_472_2;

/// A distribution of durations. Parameters are in microseconds.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// Always the same value.
    Fixed(SimTime),
    /// Exponential with the given mean.
    Exponential {
        /// Mean, µs.
        mean: f64,
    },
    /// Lognormal: ln(X) ~ N(mu, sigma²), X in µs.
    LogNormal {
        /// Mean of ln(X).
        mu: f64,
        /// Standard deviation of ln(X).
        sigma: f64,
    },
    /// Normal, truncated at zero by redrawing (a duration cannot be negative).
    Normal {
        /// Mean, µs.
        mean: f64,
        /// Standard deviation, µs.
        sd: f64,
    },
    /// Uniform on [min, max].
    Uniform {
        /// Lower bound, µs.
        min: SimTime,
        /// Upper bound, µs.
        max: SimTime,
    },
    /// Gamma with shape k and scale θ (mean kθ).
    Gamma {
        /// Shape k.
        shape: f64,
        /// Scale θ, µs.
        scale: f64,
    },
    /// Weibull with shape k and scale λ: P(X > x) = exp(−(x/λ)^k).
    Weibull {
        /// Shape k.
        shape: f64,
        /// Scale λ, µs.
        scale: f64,
    },
    /// One of the listed values, with the given cumulative weights (last one is 1).
    Empirical {
        /// The possible values, µs.
        values: Vec<SimTime>,
        /// Cumulative probabilities, same length as `values`, ending at 1.
        cumulative: Vec<f64>,
    },
}

impl Dist {
    /// The lognormal whose median and 95th percentile are the given values (µs); requires
    /// `0 < median < p95`.
    pub(crate) fn lognormal_from_median_p95(median: SimTime, p95: SimTime) -> Dist {
        let mu = (median as f64).ln();
        let sigma = ((p95 as f64).ln() - mu) / Z95;
        Dist::LogNormal { mu, sigma }
    }

    /// An empirical distribution from values and optional weights (equal when `None`).
    /// Weights must be non-negative with a positive sum; checked by the scenario layer.
    pub fn empirical(values: Vec<SimTime>, weights: Option<&[f64]>) -> Dist {
        let w: Vec<f64> = match weights {
            Some(w) => w.to_vec(),
            None => vec![1.0; values.len()],
        };
        let total: f64 = w.iter().sum();
        let mut acc = 0.0;
        let mut cumulative: Vec<f64> = w
            .iter()
            .map(|x| {
                acc += x / total;
                acc
            })
            .collect();
        if let Some(last) = cumulative.last_mut() {
            *last = 1.0;
        }
        Dist::Empirical { values, cumulative }
    }

    /// Draws one duration.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimTime {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                round(e * mean)
            }
            Dist::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                round((mu + sigma * z).exp())
            }
            Dist::Normal { mean, sd } => {
                // Redraw negatives; after many misses the parameters make zero the honest answer.
                for _ in 0..64 {
                    let z: f64 = StandardNormal.sample(rng);
                    let x = mean + sd * z;
                    if x >= 0.0 {
                        return round(x);
                    }
                }
                0
            }
            Dist::Uniform { min, max } => {
                if max <= min {
                    *min
                } else {
                    rng.random_range(*min..=*max)
                }
            }
            Dist::Gamma { shape, scale } => rand_distr::Gamma::new(*shape, *scale)
                .map(|d| round(d.sample(rng)))
                .unwrap_or(0),
            Dist::Weibull { shape, scale } => rand_distr::Weibull::new(*scale, *shape)
                .map(|d| round(d.sample(rng)))
                .unwrap_or(0),
            Dist::Empirical { values, cumulative } => {
                let u: f64 = rng.random();
                let i = cumulative.partition_point(|c| *c < u).min(values.len() - 1);
                values[i]
            }
        }
    }

    /// The distribution's mean in µs (the untruncated mean for `Normal`).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(v) => *v as f64,
            Dist::Exponential { mean } => *mean,
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Normal { mean, .. } => *mean,
            Dist::Uniform { min, max } => (*min as f64 + *max as f64) / 2.0,
            Dist::Gamma { shape, scale } => shape * scale,
            Dist::Weibull { shape, scale } => {
                scale * statrs::function::gamma::gamma(1.0 + 1.0 / shape)
            }
            Dist::Empirical { values, cumulative } => {
                let mut prev = 0.0;
                values
                    .iter()
                    .zip(cumulative)
                    .map(|(v, c)| {
                        let p = c - prev;
                        prev = *c;
                        *v as f64 * p
                    })
                    .sum()
            }
        }
    }

    /// The p-quantile in µs where it has a closed form (not for `Normal`, truncated).
    pub fn quantile(&self, p: f64) -> Option<f64> {
        match self {
            Dist::Fixed(v) => Some(*v as f64),
            Dist::Exponential { mean } => Some(-mean * (1.0 - p).ln()),
            Dist::LogNormal { mu, sigma } => {
                use statrs::distribution::{ContinuousCDF, Normal};
                let n = Normal::new(0.0, 1.0).ok()?;
                Some((mu + sigma * n.inverse_cdf(p)).exp())
            }
            Dist::Uniform { min, max } => Some(*min as f64 + p * (*max as f64 - *min as f64)),
            Dist::Gamma { shape, scale } => {
                use statrs::distribution::{ContinuousCDF, Gamma};
                Some(Gamma::new(*shape, 1.0 / scale).ok()?.inverse_cdf(p))
            }
            Dist::Weibull { shape, scale } => Some(scale * (-(1.0 - p).ln()).powf(1.0 / shape)),
            Dist::Empirical { values, cumulative } => {
                let i = cumulative.partition_point(|c| *c < p).min(values.len() - 1);
                Some(values[i] as f64)
            }
            Dist::Normal { .. } => None,
        }
    }

    /// The same distribution stretched by `factor` (e.g. a "DRS slow" fault).
    pub fn scaled(&self, factor: f64) -> Dist {
        let s = |v: SimTime| round(v as f64 * factor);
        match self {
            Dist::Fixed(v) => Dist::Fixed(s(*v)),
            Dist::Exponential { mean } => Dist::Exponential {
                mean: mean * factor,
            },
            Dist::LogNormal { mu, sigma } => Dist::LogNormal {
                mu: mu + factor.ln(),
                sigma: *sigma,
            },
            Dist::Normal { mean, sd } => Dist::Normal {
                mean: mean * factor,
                sd: sd * factor,
            },
            Dist::Uniform { min, max } => Dist::Uniform {
                min: s(*min),
                max: s(*max),
            },
            Dist::Gamma { shape, scale } => Dist::Gamma {
                shape: *shape,
                scale: scale * factor,
            },
            Dist::Weibull { shape, scale } => Dist::Weibull {
                shape: *shape,
                scale: scale * factor,
            },
            Dist::Empirical { values, cumulative } => Dist::Empirical {
                values: values.iter().map(|v| s(*v)).collect(),
                cumulative: cumulative.clone(),
            },
        }
    }
}

fn round(x: f64) -> SimTime {
    if x.is_finite() && x > 0.0 {
        x.round().min(u64::MAX as f64 / 2.0) as SimTime
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::StreamFactory;

    #[test]
    fn gamma_and_weibull_draw_their_means() {
        let mut rng = rand_pcg::Pcg64Mcg::new(9);
        for d in [
            Dist::Gamma {
                shape: 2.5,
                scale: 30e6,
            },
            Dist::Weibull {
                shape: 1.7,
                scale: 120e6,
            },
        ] {
            let n = 40_000;
            let mean = (0..n).map(|_| d.sample(&mut rng) as f64).sum::<f64>() / n as f64;
            assert!((mean / d.mean() - 1.0).abs() < 0.02, "{d:?}: {mean}");
            let q = d.quantile(0.9).unwrap();
            let below = (0..n).filter(|_| (d.sample(&mut rng) as f64) <= q).count();
            assert!((below as f64 / n as f64 - 0.9).abs() < 0.01, "{d:?}");
            assert!((d.scaled(2.0).mean() / d.mean() - 2.0).abs() < 1e-9);
        }
    }

    fn mean_of(d: &Dist, n: usize) -> f64 {
        let mut r = StreamFactory::new(9, 0).stream(0, 0);
        (0..n).map(|_| d.sample(&mut r) as f64).sum::<f64>() / n as f64
    }

    #[test]
    fn lognormal_hits_median_and_p95() {
        let d = Dist::lognormal_from_median_p95(15_000_000, 60_000_000);
        let mut r = StreamFactory::new(3, 0).stream(0, 0);
        let mut v: Vec<u64> = (0..100_000).map(|_| d.sample(&mut r)).collect();
        v.sort_unstable();
        let med = v[50_000] as f64;
        let p95 = v[95_000] as f64;
        assert!((med / 15e6 - 1.0).abs() < 0.02, "median {med}");
        assert!((p95 / 60e6 - 1.0).abs() < 0.03, "p95 {p95}");
        assert!((d.quantile(0.95).unwrap() / 60e6 - 1.0).abs() < 1e-9);
    }

    #[test]
    fn means_match_parameters() {
        for d in [
            Dist::Exponential { mean: 2e6 },
            Dist::Uniform {
                min: 1_000,
                max: 9_000,
            },
            Dist::Normal { mean: 5e6, sd: 1e6 },
            Dist::empirical(vec![10, 20, 40], Some(&[1.0, 2.0, 1.0])),
        ] {
            let m = mean_of(&d, 200_000);
            assert!((m / d.mean() - 1.0).abs() < 0.01, "{d:?}: {m}");
        }
        assert_eq!(mean_of(&Dist::Fixed(7), 10), 7.0);
    }

    #[test]
    fn scaling_multiplies_the_mean() {
        let d = Dist::lognormal_from_median_p95(1_000_000, 5_000_000);
        assert!((d.scaled(3.0).mean() / d.mean() - 3.0).abs() < 1e-9);
        assert_eq!(Dist::Fixed(10).scaled(2.5), Dist::Fixed(25));
    }
}
