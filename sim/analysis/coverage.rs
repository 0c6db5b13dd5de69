//! Coverage of the reported 95 % intervals on synthetic data with known answers: many
//! replicate sets are drawn, each set gets its interval, and the share of sets whose
//! interval holds the true value must lie in a binomial band around 0.95. One case has a
//! plateau (a few people wait hours while most are done in seconds, as users whose device
//! was not ready at the first sign-in do), one is smooth. The harness is shown able to
//! fail: sectioning the per-replication quantiles, the estimator the reports used before,
//! falls below the band on the plateau.

use super::paired::{quantile_difference, replication_difference, DifferenceMethod};
use super::quantile;
use super::sectioning;
use crate::engine::stats::quantile_sorted;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// Replicate sets drawn per check.
const SETS: usize = 400;
/// Replications per set and people per replication, as a short run would have.
const REPS: usize = 10;
const PEOPLE: usize = 300;

/// The samples of one replicate set: per replication, sorted, for variants a and b. Person
/// i of replication r is drawn from the same two uniforms in both variants (common random
/// numbers), so a and b are paired.
type Draws = (Vec<Vec<f64>>, Vec<Vec<f64>>);

/// 94.5 % of people fast (0–100 s) and 5.5 % slow (20,000–40,000 s): the p95 lies just
/// past the step, where each replication's p95 lands on either side of it.
fn plateau(u: f64, w: f64) -> f64 {
    if u < 0.945 {
        100.0 * w
    } else {
        20_000.0 + 20_000.0 * w
    }
}

/// The true `p` quantile of [`plateau`].
fn plateau_quantile(p: f64) -> f64 {
    if p < 0.945 {
        100.0 * p / 0.945
    } else {
        20_000.0 + 20_000.0 * (p - 0.945) / 0.055
    }
}

/// A smooth, skewed spread: 600 s to 24,600 s, increasing in `u`.
fn smooth(u: f64, _w: f64) -> f64 {
    600.0 * (1.0 + 40.0 * u * u)
}

/// The true `p` quantile of [`smooth`].
fn smooth_quantile(p: f64) -> f64 {
    600.0 * (1.0 + 40.0 * p * p)
}

/// A second smooth variant, paired with [`smooth`]: a little faster, more so in the tail.
fn smooth_faster(u: f64, w: f64) -> f64 {
    0.8 * smooth(u, w) + 100.0
}

fn draw(a: fn(f64, f64) -> f64, b: fn(f64, f64) -> f64, rng: &mut Pcg64Mcg) -> Draws {
    let (mut xs, mut ys) = (Vec::with_capacity(REPS), Vec::with_capacity(REPS));
    for _ in 0..REPS {
        let (mut va, mut vb) = (Vec::with_capacity(PEOPLE), Vec::with_capacity(PEOPLE));
        for _ in 0..PEOPLE {
            let (u, w) = (rng.random::<f64>(), rng.random::<f64>());
            va.push(a(u, w));
            vb.push(b(u, w));
        }
        va.sort_unstable_by(f64::total_cmp);
        vb.sort_unstable_by(f64::total_cmp);
        xs.push(va);
        ys.push(vb);
    }
    (xs, ys)
}

/// Share of [`SETS`] replicate sets of (`a`, `b`) whose interval (by `method`) holds
/// `truth`.
fn coverage(
    a: fn(f64, f64) -> f64,
    b: fn(f64, f64) -> f64,
    truth: f64,
    seed: u64,
    method: impl Fn(&Draws) -> Option<[f64; 2]>,
) -> f64 {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let hits = (0..SETS)
        .filter(|_| {
            let d = draw(a, b, &mut rng);
            method(&d).is_some_and(|[lo, hi]| lo <= truth && truth <= hi)
        })
        .count();
    hits as f64 / SETS as f64
}

/// The band a correct 95 % interval's coverage over [`SETS`] sets falls in with
/// probability about 0.9995 (3.5 binomial standard errors each side); the inverted
/// interval may be somewhat conservative, so the top is allowed 3 points more.
fn band() -> (f64, f64) {
    let se = (0.95 * 0.05 / SETS as f64).sqrt();
    (0.95 - 3.5 * se, (0.95 + 3.5 * se + 0.03).min(1.0))
}

fn pooled_quantile(reps: &[Vec<f64>], p: f64) -> f64 {
    let mut v: Vec<f64> = reps.iter().flatten().copied().collect();
    v.sort_unstable_by(f64::total_cmp);
    quantile_sorted(&v, p)
}

fn inverted(p: f64, second: bool) -> impl Fn(&Draws) -> Option<[f64; 2]> {
    move |d: &Draws| {
        let s = if second { &d.1 } else { &d.0 };
        quantile::interval(s, p, 0.95, pooled_quantile(s, p))
    }
}

fn sectioned(p: f64, second: bool) -> impl Fn(&Draws) -> Option<[f64; 2]> {
    move |d: &Draws| {
        let s = if second { &d.1 } else { &d.0 };
        sectioning::pooled_estimate(s, 0.95, |v| quantile_sorted(v, p)).and_then(|e| e.interval)
    }
}

fn difference(p: f64) -> impl Fn(&Draws) -> Option<[f64; 2]> {
    move |d: &Draws| quantile_difference(&d.0, &d.1, p, 0.95, 60.0).and_then(|(e, _)| e.interval)
}

fn assert_in_band(name: &str, c: f64) {
    let (lo, hi) = band();
    eprintln!("{name}: coverage {c:.3}");
    assert!(
        lo <= c && c <= hi,
        "{name}: coverage {c} outside [{lo:.3}, {hi:.3}]"
    );
}

#[test]
fn quantile_intervals_hold_their_coverage_on_a_plateau_and_off_it() {
    let checks = [
        (
            "plateau p95",
            plateau_quantile(0.95),
            inverted(0.95, true),
            11,
        ),
        (
            "plateau p50",
            plateau_quantile(0.5),
            inverted(0.5, true),
            12,
        ),
        (
            "smooth p95",
            smooth_quantile(0.95),
            inverted(0.95, false),
            13,
        ),
        ("smooth p50", smooth_quantile(0.5), inverted(0.5, false), 14),
    ];
    for (name, truth, method, seed) in checks {
        assert_in_band(name, coverage(smooth, plateau, truth, seed, method));
    }
}

#[test]
fn quantile_differences_hold_their_coverage_on_a_plateau_and_off_it() {
    let truth = plateau_quantile(0.95) - smooth_quantile(0.95);
    assert_in_band(
        "plateau − smooth, p95",
        coverage(smooth, plateau, truth, 21, difference(0.95)),
    );
    let truth = plateau_quantile(0.5) - smooth_quantile(0.5);
    assert_in_band(
        "plateau − smooth, p50",
        coverage(smooth, plateau, truth, 22, difference(0.5)),
    );
    // Off any plateau the difference stays paired, and pairing is what keeps it narrow.
    let truth = (0.8 * smooth_quantile(0.95) + 100.0) - smooth_quantile(0.95);
    assert_in_band(
        "smooth − smooth, p95",
        coverage(smooth, smooth_faster, truth, 23, difference(0.95)),
    );
    let mut rng = Pcg64Mcg::seed_from_u64(24);
    let d = draw(smooth, smooth_faster, &mut rng);
    let (_, method) = quantile_difference(&d.0, &d.1, 0.95, 0.95, 60.0).unwrap();
    assert_eq!(method, DifferenceMethod::Paired);
    let d = draw(smooth, plateau, &mut rng);
    let (_, method) = quantile_difference(&d.0, &d.1, 0.95, 0.95, 60.0).unwrap();
    assert_eq!(method, DifferenceMethod::Marginal);
}

#[test]
fn sectioning_quantiles_falls_short_on_a_plateau() {
    // The estimators the reports used before this harness existed: each must fail it.
    let (lo, _) = band();
    let c = coverage(
        smooth,
        plateau,
        plateau_quantile(0.95),
        11,
        sectioned(0.95, true),
    );
    eprintln!("sectioned plateau p95: coverage {c:.3}");
    assert!(c < lo, "sectioned plateau p95 covered {c}");
    let truth = plateau_quantile(0.95) - smooth_quantile(0.95);
    let paired = |d: &Draws| {
        replication_difference(&d.0, &d.1, 0.95, |v| quantile_sorted(v, 0.95))
            .and_then(|e| e.interval)
    };
    let c = coverage(smooth, plateau, truth, 21, paired);
    eprintln!("sectioned plateau p95 difference: coverage {c:.3}");
    assert!(c < lo, "sectioned plateau p95 difference covered {c}");
    // Off the plateau sectioning holds, which is why it was trusted.
    assert_in_band(
        "sectioned smooth p50",
        coverage(
            smooth,
            plateau,
            smooth_quantile(0.5),
            14,
            sectioned(0.5, false),
        ),
    );
}
