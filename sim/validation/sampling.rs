//! Distribution sampling: every kind a scenario can name, read through the scenario
//! parser exactly as a file writes it, sampled with the engine's streams, and compared
//! with values computed here from the written parameters (not from [`Dist::mean`] or
//! [`Dist::quantile`], which are what is being checked).
//!
//! [`Dist::mean`]: crate::engine::Dist::mean
//! [`Dist::quantile`]: crate::engine::Dist::quantile

use super::{check_confidence, replicate_each, Check, Config, Unit};
use crate::engine::stats::quantile_sorted;
use crate::engine::time::to_secs;
use crate::engine::{Dist, StreamFactory};
use crate::scenario::distribution::DistSpec;
use serde::Deserialize;
use statrs::distribution::{ContinuousCDF, Normal};

/// What is measured on each replication's draws (seconds).
#[derive(Debug, Clone, Copy)]
enum Stat {
    Mean,
    Quantile(f64),
    /// Share of draws equal to this value.
    ShareOf(f64),
}

/// z with Φ(z) = p.
fn z(p: f64) -> f64 {
    Normal::new(0.0, 1.0)
        .map(|n| n.inverse_cdf(p))
        .unwrap_or(f64::NAN)
}

/// Parses a distribution as a scenario file writes it.
fn parse(text: &str) -> Dist {
    #[derive(Deserialize)]
    struct W {
        d: DistSpec,
    }
    toml::from_str::<W>(&format!("d = {text}"))
        .unwrap_or_else(|e| panic!("validation distribution {text}: {e}"))
        .d
        .0
}

/// (scenario text, [(statistic, theory value in seconds, label)]).
type Case = (&'static str, Vec<(Stat, f64, String)>);

fn cases() -> Vec<Case> {
    // Lognormal from median m and p95: σ = ln(p95/m)/z₀.₉₅, mean = m·e^{σ²/2}.
    let (m, p95) = (15.0_f64, 60.0_f64);
    let sigma = (p95 / m).ln() / z(0.95);
    // Exponential with mean θ: quantile −θ ln(1 − p).
    let theta = 2.0_f64;
    let (nm, nsd) = (10.0, 2.0);
    vec![
        (
            r#"{ dist = "exponential", mean = "2s" }"#,
            vec![
                (Stat::Mean, theta, "mean = θ".into()),
                (
                    Stat::Quantile(0.5),
                    theta * 2f64.ln(),
                    "p50 = θ ln 2".into(),
                ),
                (
                    Stat::Quantile(0.95),
                    theta * 20f64.ln(),
                    "p95 = θ ln 20".into(),
                ),
            ],
        ),
        (
            r#"{ dist = "lognormal", median = "15s", p95 = "60s" }"#,
            vec![
                (Stat::Quantile(0.5), m, "p50 = median".into()),
                (Stat::Quantile(0.95), p95, "p95 as written".into()),
                (
                    Stat::Mean,
                    m * (sigma * sigma / 2.0).exp(),
                    "mean = median·e^{σ²/2}".into(),
                ),
            ],
        ),
        (
            r#"{ dist = "normal", mean = "10s", sd = "2s" }"#,
            vec![
                (Stat::Mean, nm, "mean".into()),
                (
                    Stat::Quantile(0.9),
                    nm + nsd * z(0.9),
                    "p90 = μ + 1.2816σ".into(),
                ),
            ],
        ),
        (
            r#"{ dist = "uniform", min = "1s", max = "9s" }"#,
            vec![
                (Stat::Mean, 5.0, "mean = (a+b)/2".into()),
                (Stat::Quantile(0.1), 1.8, "p10 = a + 0.1(b−a)".into()),
                (Stat::Quantile(0.9), 8.2, "p90 = a + 0.9(b−a)".into()),
            ],
        ),
        (
            r#"{ dist = "empirical", values = ["10s", "20s", "40s"], weights = [1, 2, 1] }"#,
            vec![
                (Stat::Mean, 22.5, "mean = Σ wᵢvᵢ".into()),
                (Stat::ShareOf(40.0), 0.25, "share of 40s = 1/4".into()),
            ],
        ),
    ]
}

/// The sampling checks: each statistic's per-replication estimate against its theory
/// value, plus an exact check that a fixed distribution never varies.
pub fn checks(cfg: &Config) -> Vec<Check> {
    let size = cfg.size;
    let cases = cases();
    let dists: Vec<Dist> = cases.iter().map(|(t, _)| parse(t)).collect();
    // One sorted sample per (case, replication); every statistic reads it.
    let samples = replicate_each(cases.len(), size.replications, |i, r| {
        let mut rng = StreamFactory::new(cfg.seed_for(700 + i as u64), r).stream(0, 0);
        let mut v: Vec<f64> = (0..size.draws)
            .map(|_| to_secs(dists[i].sample(&mut rng)))
            .collect();
        v.sort_unstable_by(f64::total_cmp);
        v
    });
    let mut out = Vec::new();
    for ((text, stats), reps) in cases.iter().zip(&samples) {
        let kind = text.split('"').nth(1).unwrap_or("?").to_string();
        for (stat, want, label) in stats {
            let per_rep: Vec<f64> = reps
                .iter()
                .map(|v| match *stat {
                    Stat::Mean => v.iter().sum::<f64>() / v.len() as f64,
                    Stat::Quantile(p) => quantile_sorted(v, p),
                    Stat::ShareOf(x) => {
                        v.iter().filter(|&&y| y == x).count() as f64 / v.len() as f64
                    }
                })
                .collect();
            let unit = match stat {
                Stat::ShareOf(_) => Unit::Share,
                _ => Unit::Seconds,
            };
            out.push(
                Check::interval(
                    "sampling",
                    format!("{kind}: {label}"),
                    unit,
                    *want,
                    &per_rep,
                    check_confidence(),
                )
                .with_note(format!("{text}; {} draws per replication", size.draws)),
            );
        }
    }
    let fixed = parse(r#"{ dist = "fixed", value = "7s" }"#);
    let mut rng = StreamFactory::new(cfg.seed_for(799), 0).stream(0, 0);
    let n = size.draws;
    let hits = (0..n)
        .filter(|_| fixed.sample(&mut rng) == 7_000_000)
        .count();
    out.push(Check::exact(
        "sampling",
        "fixed: every draw is the value",
        n,
        hits,
        r#"{ dist = "fixed", value = "7s" }"#.into(),
    ));
    out
}
