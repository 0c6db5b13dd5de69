//! Percentiles of the pilot against the simulation's, with bootstrap intervals, and
//! whether each difference is within what the user accepts.
//!
//! The pilot's percentile is read off its Kaplan–Meier curve (users still waiting at the
//! export's end stay in as censored); the simulation's off the Kaplan–Meier curve of its
//! replications pooled, censored the same way. The 95 % intervals are percentile bootstrap
//! intervals: each draw resamples the pilot's devices and, independently, the simulated
//! replications (a replication is the simulation's independent unit), so the difference's
//! interval holds the noise of both.
//!
//! A figure is **within** when its difference's interval reaches into the accepted band
//! (± the tolerance times the observed value): the data do not show the model off by more
//! than accepted. It **departs** when the whole interval lies outside the band. A small
//! pilot gives wide intervals, so it rarely departs; the report says when an interval is
//! wider than the band (too few devices to tell).

use crate::fit::gof::{kaplan_meier, km_steps};
use crate::fit::mle::Unit;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

/// One accepted percentile: `p50=20%` is (`p50`, 0.5, 0.2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accept {
    /// The figure's name (`p50`).
    pub figure: String,
    /// Its probability.
    #[serde(skip)]
    pub p: f64,
    /// The accepted relative difference (0.2 = ±20 %).
    pub tolerance: f64,
}

/// The default accuracy: within ±20 % at the median and ±30 % at p90.
pub(crate) const DEFAULT_ACCEPT: &str = "p50=20%,p90=30%";

/// Parses `--accept`: `pNN=T%` (or `=±T%`, or a fraction `=0.2`) separated by commas.
pub(crate) fn parse_accept(text: &str) -> Result<Vec<Accept>, String> {
    let allowed = "allowed: comma-separated pNN=T% with NN from 1 to 99 and T from 0 to 1000, e.g. p50=20%,p90=30%";
    let mut out: Vec<Accept> = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || format!("`{part}` is not an accuracy; {allowed}");
        let (name, tol) = part.split_once('=').ok_or_else(bad)?;
        let name = name.trim().to_ascii_lowercase();
        let pct: u32 = name
            .strip_prefix('p')
            .and_then(|n| n.parse().ok())
            .filter(|n| (1..=99).contains(n))
            .ok_or_else(bad)?;
        let tol = tol.trim().trim_start_matches('±').trim_start_matches("+-");
        let tolerance = match tol.strip_suffix('%') {
            Some(t) => t.trim().parse::<f64>().map(|v| v / 100.0),
            None => tol.parse::<f64>(),
        }
        .ok()
        .filter(|t| t.is_finite() && (0.0..=10.0).contains(t))
        .ok_or_else(bad)?;
        if out.iter().any(|a| a.figure == format!("p{pct}")) {
            return Err(format!("p{pct} is given twice; {allowed}"));
        }
        out.push(Accept {
            figure: format!("p{pct}"),
            p: pct as f64 / 100.0,
            tolerance,
        });
    }
    if out.is_empty() {
        return Err(format!("no accuracy given; {allowed}"));
    }
    Ok(out)
}

/// One percentile compared.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// `p50`, `p90`, ….
    pub figure: String,
    /// The pilot's value, seconds (`null`: censoring keeps it out of reach).
    pub observed: Option<f64>,
    /// Its 95 % bootstrap interval.
    pub observed_ci95: Option<[f64; 2]>,
    /// The simulation's value, seconds.
    pub simulated: Option<f64>,
    /// Its 95 % bootstrap interval.
    pub simulated_ci95: Option<[f64; 2]>,
    /// Simulated − observed, seconds.
    pub difference: Option<f64>,
    /// Its 95 % bootstrap interval.
    pub ci95: Option<[f64; 2]>,
    /// The accepted relative difference.
    pub accept: f64,
    /// Whether the difference's interval reaches into ± accept × observed (`null`: not
    /// computable).
    pub within: Option<bool>,
    /// Whether the interval is wider than the accepted band (the pilot cannot tell).
    pub inconclusive: bool,
}

/// The Kaplan–Meier percentile `p` of `units`: the least time whose estimated share
/// reaches `p`; `None` when censoring keeps the curve below it.
pub(crate) fn km_quantile(km: &[(f64, f64)], p: f64) -> Option<f64> {
    km.iter().find(|(_, f)| *f >= p - 1e-12).map(|(t, _)| *t)
}

/// One bootstrap draw's (observed, simulated) percentile.
type Pair = (Option<f64>, Option<f64>);

/// Share of draws that must give a value for an interval to be given.
const MIN_DEFINED: f64 = 0.95;

fn interval(mut xs: Vec<f64>, draws: usize) -> Option<[f64; 2]> {
    if draws == 0 || (xs.len() as f64) < MIN_DEFINED * draws as f64 {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let at = |q: f64| xs[((q * xs.len() as f64).ceil() as usize).clamp(1, xs.len()) - 1];
    Some([at(0.025), at(0.975)])
}

/// Compares the pilot's `observed` units with the simulated replications' units (`pooled`:
/// all of them together) for every accepted percentile, with `draws` bootstrap draws
/// seeded by `seed`.
pub fn compare(
    observed: &[Unit],
    simulated: &[Vec<Unit>],
    pooled: &[Unit],
    accept: &[Accept],
    draws: usize,
    seed: u64,
) -> Vec<Figure> {
    let (km_obs, km_sim) = (kaplan_meier(observed), kaplan_meier(pooled));
    // Each draw: per figure (observed, simulated) percentiles of the resampled data.
    let boot: Vec<Vec<Pair>> = (0..draws)
        .into_par_iter()
        .map(|i| {
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(
                seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let obs: Vec<Unit> = (0..observed.len())
                .map(|_| observed[rng.random_range(0..observed.len())])
                .collect();
            let sim: Vec<Unit> = (0..simulated.len())
                .flat_map(|_| {
                    simulated[rng.random_range(0..simulated.len())]
                        .iter()
                        .copied()
                })
                .collect();
            let (ko, ks) = (kaplan_meier(&obs), kaplan_meier(&sim));
            accept
                .iter()
                .map(|a| (km_quantile(&ko, a.p), km_quantile(&ks, a.p)))
                .collect()
        })
        .collect();
    accept
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let column = |f: &dyn Fn(&Pair) -> Option<f64>| {
                boot.iter().filter_map(|b| f(&b[k])).collect::<Vec<f64>>()
            };
            let observed_v = km_quantile(&km_obs, a.p);
            let simulated_v = km_quantile(&km_sim, a.p);
            let difference = observed_v.zip(simulated_v).map(|(o, s)| s - o);
            let ci95 = interval(column(&|b| b.0.zip(b.1).map(|(o, s)| s - o)), draws);
            let band = observed_v.map(|o| a.tolerance * o);
            let within = ci95.zip(band).map(|([lo, hi], b)| lo <= b && hi >= -b);
            Figure {
                figure: a.figure.clone(),
                observed: observed_v,
                observed_ci95: interval(column(&|b| b.0), draws),
                simulated: simulated_v,
                simulated_ci95: interval(column(&|b| b.1), draws),
                difference,
                ci95,
                accept: a.tolerance,
                within,
                inconclusive: ci95
                    .zip(band)
                    .is_some_and(|([lo, hi], b)| hi - lo > 2.0 * b),
            }
        })
        .collect()
}

/// The Kaplan–Meier curve with Greenwood's pointwise 95 % band: (t, share, low, high).
pub fn km_band(units: &[Unit]) -> Vec<(f64, f64, f64, f64)> {
    let (mut surv, mut green) = (1.0f64, 0.0f64);
    let mut out = Vec::new();
    km_steps(units, |t, d, at_risk| {
        surv *= 1.0 - d / at_risk;
        if at_risk > d {
            green += d / (at_risk * (at_risk - d));
        }
        let half = 1.96 * surv * green.sqrt();
        let f = 1.0 - surv;
        out.push((t, f, (f - half).max(0.0), (f + half).min(1.0)));
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracies_parse_and_bad_ones_say_what_is_allowed() {
        let a = parse_accept("p50=20%, p90=±30%,p99=0.5").unwrap();
        assert_eq!(
            a.iter()
                .map(|a| (a.figure.as_str(), a.p, a.tolerance))
                .collect::<Vec<_>>(),
            [("p50", 0.5, 0.2), ("p90", 0.9, 0.3), ("p99", 0.99, 0.5)]
        );
        for bad in [
            "",
            "p50",
            "p0=10%",
            "p100=10%",
            "x50=1%",
            "p50=-1%",
            "p50=abc",
            "p50=1%,p50=2%",
            "p50=NaN",
        ] {
            let e = parse_accept(bad).unwrap_err();
            assert!(e.contains("allowed: comma-separated pNN=T%"), "{bad}: {e}");
        }
    }

    fn pool(reps: &[Vec<Unit>]) -> Vec<Unit> {
        reps.iter().flatten().copied().collect()
    }

    fn units(xs: impl Iterator<Item = f64>) -> Vec<Unit> {
        xs.map(|x| Unit::observed(x, f64::INFINITY)).collect()
    }

    #[test]
    fn a_like_simulation_is_within_and_a_slower_one_departs() {
        let obs = units((1..=400).map(|i| i as f64));
        let like: Vec<Vec<Unit>> = (0..10)
            .map(|r| units((1..=400).map(move |i| i as f64 + (r as f64 - 4.5) * 0.3)))
            .collect();
        let slower: Vec<Vec<Unit>> = (0..10)
            .map(|_| units((1..=400).map(|i| 2.0 * i as f64)))
            .collect();
        let accept = parse_accept(DEFAULT_ACCEPT).unwrap();
        let same = compare(&obs, &like, &pool(&like), &accept, 200, 1);
        assert!(same.iter().all(|f| f.within == Some(true)), "{same:?}");
        let off = compare(&obs, &slower, &pool(&slower), &accept, 200, 1);
        assert!(off.iter().all(|f| f.within == Some(false)), "{off:?}");
        let p50 = &off[0];
        assert_eq!((p50.observed, p50.simulated), (Some(200.0), Some(400.0)));
        let [lo, hi] = p50.observed_ci95.unwrap();
        assert!(lo < 200.0 && hi > 200.0);
    }

    #[test]
    fn a_percentile_beyond_the_censoring_is_not_given() {
        let mut obs = units((1..=50).map(|i| i as f64));
        obs.extend((0..50).map(|_| Unit::censored(60.0)));
        let sim = vec![units((1..=100).map(|i| i as f64)); 3];
        let f = compare(
            &obs,
            &sim,
            &pool(&sim),
            &parse_accept("p90=10%").unwrap(),
            50,
            3,
        );
        assert_eq!(f[0].observed, None);
        assert_eq!(f[0].within, None);
    }

    #[test]
    fn the_band_holds_the_curve() {
        let b = km_band(&units((1..=100).map(|i| i as f64)));
        assert_eq!(b.len(), 100);
        assert!(b.iter().all(|&(_, f, lo, hi)| lo <= f && f <= hi));
        assert!((b[49].1 - 0.5).abs() < 1e-12);
    }
}
