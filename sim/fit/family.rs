//! The positive families a duration is fitted to, as input-modelling tools offer them
//! (fitdistrplus, SciPy, Arena's Input Analyzer): lognormal, gamma, Weibull and
//! exponential. Densities, distribution functions and quantiles come from statrs; draws
//! from rand_distr (the simulator's own random crate).

use rand::Rng;
use rand_distr::Distribution as _;
use statrs::distribution::{Continuous, ContinuousCDF, Exp, Gamma, LogNormal, Weibull};

/// A family of positive distributions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// `ln X` normal: parameters (μ, σ) of the log.
    Lognormal,
    /// Parameters (shape k, scale θ).
    Gamma,
    /// Parameters (shape k, scale λ).
    Weibull,
    /// Parameter (mean).
    Exponential,
}

impl Family {
    /// Every family, in the order reports list them.
    pub(crate) const ALL: [Family; 4] = [
        Family::Lognormal,
        Family::Gamma,
        Family::Weibull,
        Family::Exponential,
    ];

    /// The name as reports and scenario files write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Lognormal => "lognormal",
            Family::Gamma => "gamma",
            Family::Weibull => "weibull",
            Family::Exponential => "exponential",
        }
    }

    /// The parameters' names, in order.
    pub(crate) fn param_names(self) -> &'static [&'static str] {
        match self {
            Family::Lognormal => &["mu", "sigma"],
            Family::Gamma => &["shape", "scale"],
            Family::Weibull => &["shape", "scale"],
            Family::Exponential => &["mean"],
        }
    }

    /// How many parameters the family has (for AIC/BIC).
    pub fn k(self) -> usize {
        self.param_names().len()
    }
}

/// A member of a family: the family and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    /// The family.
    pub family: Family,
    /// Its parameters, in `Family::param_names` order.
    pub params: Vec<f64>,
}

enum Stat {
    Lognormal(LogNormal),
    Gamma(Gamma),
    Weibull(Weibull),
    Exp(Exp),
}

impl Fitted {
    fn stat(&self) -> Option<Stat> {
        let p = &self.params;
        let ok = p.iter().all(|x| x.is_finite());
        if !ok {
            return None;
        }
        match self.family {
            Family::Lognormal => LogNormal::new(p[0], p[1]).ok().map(Stat::Lognormal),
            Family::Gamma => Gamma::new(p[0], 1.0 / p[1]).ok().map(Stat::Gamma),
            Family::Weibull => Weibull::new(p[0], p[1]).ok().map(Stat::Weibull),
            Family::Exponential => Exp::new(1.0 / p[0]).ok().map(Stat::Exp),
        }
    }

    /// Whether the parameters describe a distribution.
    pub(crate) fn is_valid(&self) -> bool {
        self.stat().is_some()
    }

    /// Σ ln f(x) over the observed `xs` plus Σ ln S(c) over the censored `cs`, building
    /// the distribution once (−∞ for invalid parameters).
    pub(crate) fn log_likelihood(
        &self,
        xs: impl Iterator<Item = Option<f64>>,
        limits: impl Iterator<Item = f64>,
    ) -> f64 {
        fn sum<D: Continuous<f64, f64> + ContinuousCDF<f64, f64>>(
            d: &D,
            xs: impl Iterator<Item = Option<f64>>,
            limits: impl Iterator<Item = f64>,
        ) -> f64 {
            xs.zip(limits)
                .map(|(x, c)| match x {
                    Some(x) => d.ln_pdf(x),
                    None => d.sf(c).max(1e-300).ln(),
                })
                .sum()
        }
        match self.stat() {
            Some(Stat::Lognormal(d)) => sum(&d, xs, limits),
            Some(Stat::Gamma(d)) => sum(&d, xs, limits),
            Some(Stat::Weibull(d)) => sum(&d, xs, limits),
            Some(Stat::Exp(d)) => sum(&d, xs, limits),
            None => f64::NEG_INFINITY,
        }
    }

    /// The log density at `x` (−∞ outside the support or for invalid parameters).
    pub fn ln_pdf(&self, x: f64) -> f64 {
        match self.stat() {
            Some(Stat::Lognormal(d)) => d.ln_pdf(x),
            Some(Stat::Gamma(d)) => d.ln_pdf(x),
            Some(Stat::Weibull(d)) => d.ln_pdf(x),
            Some(Stat::Exp(d)) => d.ln_pdf(x),
            None => f64::NEG_INFINITY,
        }
    }

    /// P(X ≤ x).
    pub fn cdf(&self, x: f64) -> f64 {
        match self.stat() {
            Some(Stat::Lognormal(d)) => d.cdf(x),
            Some(Stat::Gamma(d)) => d.cdf(x),
            Some(Stat::Weibull(d)) => d.cdf(x),
            Some(Stat::Exp(d)) => d.cdf(x),
            None => f64::NAN,
        }
    }

    /// The log of P(X > x), kept finite far in the tail.
    pub fn ln_sf(&self, x: f64) -> f64 {
        let sf = match self.stat() {
            Some(Stat::Lognormal(d)) => d.sf(x),
            Some(Stat::Gamma(d)) => d.sf(x),
            Some(Stat::Weibull(d)) => d.sf(x),
            Some(Stat::Exp(d)) => d.sf(x),
            None => return f64::NEG_INFINITY,
        };
        sf.max(1e-300).ln()
    }

    /// The `p` quantile.
    pub fn quantile(&self, p: f64) -> f64 {
        match self.stat() {
            Some(Stat::Lognormal(d)) => d.inverse_cdf(p),
            Some(Stat::Gamma(d)) => d.inverse_cdf(p),
            Some(Stat::Weibull(d)) => d.inverse_cdf(p),
            Some(Stat::Exp(d)) => d.inverse_cdf(p),
            None => f64::NAN,
        }
    }

    /// One draw.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let p = &self.params;
        match self.family {
            Family::Lognormal => rand_distr::LogNormal::new(p[0], p[1])
                .map(|d| d.sample(rng))
                .unwrap_or(f64::NAN),
            Family::Gamma => rand_distr::Gamma::new(p[0], p[1])
                .map(|d| d.sample(rng))
                .unwrap_or(f64::NAN),
            Family::Weibull => rand_distr::Weibull::new(p[1], p[0])
                .map(|d| d.sample(rng))
                .unwrap_or(f64::NAN),
            Family::Exponential => rand_distr::Exp::new(1.0 / p[0])
                .map(|d| d.sample(rng))
                .unwrap_or(f64::NAN),
        }
    }

    /// The median and the 95th percentile, as scenario files give a lognormal.
    pub(crate) fn median_p95(&self) -> (f64, f64) {
        (self.quantile(0.5), self.quantile(0.95))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_agree_with_their_closed_forms() {
        let ln = Fitted {
            family: Family::Lognormal,
            params: vec![2.0, 0.5],
        };
        assert!((ln.quantile(0.5) - 2f64.exp()).abs() < 1e-9);
        let ex = Fitted {
            family: Family::Exponential,
            params: vec![10.0],
        };
        assert!((ex.cdf(10.0) - (1.0 - (-1f64).exp())).abs() < 1e-12);
        assert!((ex.ln_sf(30.0) + 3.0).abs() < 1e-9);
        let ga = Fitted {
            family: Family::Gamma,
            params: vec![1.0, 10.0],
        };
        assert!((ga.cdf(10.0) - ex.cdf(10.0)).abs() < 1e-9);
        let wb = Fitted {
            family: Family::Weibull,
            params: vec![1.0, 10.0],
        };
        assert!((wb.cdf(7.0) - ex.cdf(7.0)).abs() < 1e-9);
        // Draws follow the same parametrisation as the CDF.
        let mut rng = rand_pcg::Pcg64Mcg::new(7);
        for f in [&ln, &ex, &ga, &wb] {
            let n = 20_000;
            let below = (0..n)
                .filter(|_| f.sample(&mut rng) <= f.quantile(0.3))
                .count();
            let share = below as f64 / n as f64;
            assert!((share - 0.3).abs() < 0.015, "{:?}: {share}", f.family);
        }
        assert!(!Fitted {
            family: Family::Gamma,
            params: vec![-1.0, 1.0]
        }
        .is_valid());
    }
}
