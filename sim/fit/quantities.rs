//! What a pilot's exports measure, quantity by quantity, each with the scenario keys it
//! informs: stage durations fitted to a family (or left as data where no family fits,
//! or where the clock is too coarse to say anything), the share of devices ready at the
//! first sign-in, and the sync scheduler's interval, phase and cost per cycle.

use super::gof::{kaplan_meier, rank, Candidate};
use super::mle::Unit;
use super::timeline::{timelines, Timelines};
use crate::error::UsageError;
use crate::exports::load::Exports;
use crate::exports::run_history::cycles;
use crate::exports::time::UnixMicros;
use serde::Serialize;

/// A goodness-of-fit p-value under this rejects the family.
pub(crate) const REJECT_BELOW: f64 = 0.05;

/// One fitted duration.
#[derive(Debug, Clone, Serialize)]
pub struct Quantity {
    /// Its name (`user_steps`, `key_creation`, …).
    pub quantity: &'static str,
    /// The scenario keys it sets (empty: reported, not applied).
    pub keys: Vec<&'static str>,
    /// Units of data (users or cycles), censored ones included.
    pub n: usize,
    /// Units still running at the export's end.
    pub censored: usize,
    /// The family chosen: the best by AIC whose bootstrap p-value is not under
    /// `REJECT_BELOW`; `empirical` when none passes; null when nothing was fitted.
    pub family: Option<&'static str>,
    /// The chosen fit (null when empirical or not fitted).
    pub chosen: Option<Candidate>,
    /// The chosen family's maximum-likelihood parameters (as in `chosen`).
    pub params: Option<Vec<f64>>,
    /// Their 95 % bootstrap intervals (refitted on every bootstrap sample).
    pub params_ci95: Option<Vec<[f64; 2]>>,
    /// The chosen family's AIC.
    pub aic: Option<f64>,
    /// The chosen family's BIC.
    pub bic: Option<f64>,
    /// The chosen family's goodness of fit.
    pub gof: Option<Gof>,
    /// Its median and 95th percentile, seconds (of the data when empirical).
    pub median_s: Option<f64>,
    /// See `median_s`.
    pub p95_s: Option<f64>,
    /// Every family tried, best AIC first.
    pub candidates: Vec<Candidate>,
    /// What a reader must know (how keys were set from it, why it was not fitted).
    pub note: String,
    /// The data, for charts (not written to fit.json).
    #[serde(skip)]
    pub units: Vec<Unit>,
}

/// A goodness-of-fit test's result: the statistic on the data and its parametric
/// bootstrap p-value (each bootstrap sample refitted, so the p-value holds for estimated
/// parameters).
#[derive(Debug, Clone, Serialize)]
pub struct Gof {
    /// The statistic (`anderson_darling`, or the Kaplan–Meier distance with censoring).
    pub statistic: &'static str,
    /// Its value on the data.
    pub value: f64,
    /// Its bootstrap p-value (null without a bootstrap).
    pub p_value: Option<f64>,
    /// Bootstrap samples.
    pub bootstrap: usize,
}

/// A share with its Wilson 95 % interval.
#[derive(Debug, Clone, Serialize)]
pub struct Share {
    /// Its name.
    pub quantity: &'static str,
    /// The scenario key it sets.
    pub key: &'static str,
    /// Devices counted.
    pub n: usize,
    /// The share.
    pub value: f64,
    /// Wilson 95 % interval.
    pub ci95: [f64; 2],
}

/// The sync scheduler as the run history shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SyncFigures {
    /// Cycles found.
    pub cycles: usize,
    /// Median time between cycle starts, seconds.
    pub interval_s: f64,
    /// First cycle start after the policy start, seconds from it.
    pub phase_s: Option<f64>,
    /// Least-squares cycle duration at zero changes, seconds, with a bootstrap interval.
    pub overhead_s: f64,
    /// See `overhead_s`.
    pub overhead_ci95: [f64; 2],
    /// Least-squares cost per changed object, seconds, with a bootstrap interval.
    pub per_object_s: f64,
    /// See `per_object_s`.
    pub per_object_ci95: [f64; 2],
    /// Median changes per cycle.
    pub median_changes: f64,
}

/// Everything fitted.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// The policy start used, UTC microseconds.
    pub policy_start: UnixMicros,
    /// The end of the export: its last record, UTC microseconds.
    pub export_end: UnixMicros,
    /// Devices with a first sign-in after the policy start.
    pub devices: usize,
    /// Devices still not usable at the export's end.
    pub censored_devices: usize,
    /// Events dropped as duplicates, and as earlier than the policy start.
    pub duplicate_events: u64,
    /// See `duplicate_events`.
    pub events_before_policy: u64,
    /// Fitted durations.
    pub quantities: Vec<Quantity>,
    /// Fitted shares.
    pub shares: Vec<Share>,
    /// The sync scheduler, when the run history was given.
    pub sync: Option<SyncFigures>,
    /// Kaplan–Meier of time to usable: (seconds, share usable by then).
    pub time_to_usable_km: Vec<(f64, f64)>,
    /// The devices' timelines (for the sign-in trace).
    #[serde(skip)]
    pub timelines: Timelines,
}

fn wilson(k: usize, n: usize) -> [f64; 2] {
    if n == 0 {
        return [0.0, 1.0];
    }
    let (z, nf) = (1.959_964, n as f64);
    let p = k as f64 / nf;
    let c = (p + z * z / (2.0 * nf)) / (1.0 + z * z / nf);
    let h = z * (p * (1.0 - p) / nf + z * z / (4.0 * nf * nf)).sqrt() / (1.0 + z * z / nf);
    [(c - h).max(0.0), (c + h).min(1.0)]
}

/// Fits one duration from its units: the best family by AIC that the bootstrap does not
/// reject, else the empirical distribution; too few observations, or a clock too coarse
/// (`resolution_s`: a median under two ticks), give no fit and say why.
pub fn quantity(
    name: &'static str,
    keys: Vec<&'static str>,
    units: Vec<Unit>,
    resolution_s: f64,
    bootstrap: usize,
    seed: u64,
) -> Quantity {
    let n = units.len();
    let censored = units.iter().filter(|u| u.value.is_none()).count();
    let mut q = Quantity {
        quantity: name,
        keys,
        n,
        censored,
        family: None,
        chosen: None,
        params: None,
        params_ci95: None,
        aic: None,
        bic: None,
        gof: None,
        median_s: None,
        p95_s: None,
        candidates: Vec::new(),
        note: String::new(),
        units: Vec::new(),
    };
    let km = kaplan_meier(&units);
    let km_at = |p: f64| km.iter().find(|(_, f)| *f >= p).map(|(t, _)| *t);
    if n - censored < 5 {
        q.note = format!(
            "{} observed: too few to fit; the keys stay as they were",
            n - censored
        );
        q.keys.clear();
        q.units = units;
        return q;
    }
    if km_at(0.5).is_some_and(|m| m < 2.0 * resolution_s) {
        q.note = format!(
            "the median ({}) is under two ticks of the export's {resolution_s} s clock: below its resolution, not fitted; the keys stay as they were",
            km_at(0.5).unwrap_or_default()
        );
        q.keys.clear();
        q.units = units;
        return q;
    }
    q.candidates = rank(&units, bootstrap, seed);
    let pass = q
        .candidates
        .iter()
        .find(|c| c.p_value.is_none_or(|p| p >= REJECT_BELOW));
    match pass {
        Some(c) => {
            let f = c.fitted();
            q.family = Some(c.family.as_str());
            q.median_s = Some(f.quantile(0.5));
            q.p95_s = Some(f.quantile(0.95));
            q.params = Some(c.params.clone());
            q.params_ci95 = Some(c.params_ci95.clone());
            q.aic = Some(c.aic);
            q.bic = Some(c.bic);
            q.gof = Some(Gof {
                statistic: c.statistic,
                value: c.value,
                p_value: c.p_value,
                bootstrap: c.bootstrap,
            });
            q.chosen = Some(c.clone());
        }
        None => {
            q.family = Some("empirical");
            q.median_s = km_at(0.5);
            q.p95_s = km_at(0.95);
            q.note = format!(
                "no family passes the bootstrap goodness-of-fit test at {REJECT_BELOW}: the data's own (Kaplan–Meier) distribution is offered instead"
            );
        }
    }
    q.units = units;
    q
}

/// Fits everything the exports show. `policy_start`: the given one, or the first
/// prerequisite event's time.
pub fn analyse(
    exports: &Exports,
    policy_start: Option<UnixMicros>,
    bootstrap: usize,
    seed: u64,
) -> Result<Analysis, UsageError> {
    let (policy_start, export_end) = span(exports, policy_start)?;
    let t = timelines(&exports.events, policy_start, export_end);
    let mut quantities = Vec::new();
    let stage = |name: &'static str, keys: Vec<&'static str>, res: f64, k: u64| {
        quantity(name, keys, t.units(name), res, bootstrap, seed ^ k)
    };
    // Event times have sub-microsecond resolution; 8225's ProcessingTime whole seconds.
    quantities.push(stage(
        "user_steps",
        vec!["pin_page.think", "mfa.response", "pin.entry"],
        1e-6,
        1,
    ));
    quantities.push(stage(
        "key_creation",
        vec![
            "key.firmware",
            "key.discrete",
            "key.software",
            "key.pregen_share",
        ],
        1.0,
        2,
    ));
    quantities.push(stage("key_registration", vec!["drs.latency"], 1e-6, 3));
    quantities.push(stage("enrollment", vec![], 1e-6, 4));
    let ca_units: Vec<Unit> = exports
        .ca
        .iter()
        .map(|r| {
            Unit::observed(
                ((r.resolved - r.submitted) as f64 / 1e6).max(1e-6),
                f64::INFINITY,
            )
        })
        .collect();
    if !ca_units.is_empty() {
        quantities.push(quantity(
            "ca_issue",
            vec!["ca.issue"],
            ca_units,
            1.0,
            bootstrap,
            seed ^ 5,
        ));
    }
    for q in &mut quantities {
        if q.quantity == "user_steps" && !q.keys.is_empty() {
            q.note = "the events show the PIN page, MFA and PIN entry only as one sum (358 → 3225): pin_page.think, mfa.response and pin.entry keep their shapes, scaled by one factor so that their medians add up to the fitted median; how the sum splits stays an estimate".into();
        }
        if q.quantity == "key_creation" && !q.keys.is_empty() {
            q.note = "the events do not say whether a key came from the pre-generated pool, a firmware or a discrete TPM or software: the fitted distribution is set for every source and key.pregen_share to 0, so the simulated key creation is the observed one".into();
        }
        if q.quantity == "enrollment" {
            q.note = "a synchronous enrollment (3066 → 8066) is AD FS, the RA, the CA and the network together; no one key holds it, so it is reported and compared, not applied".into();
        }
    }
    let ready = t.devices.iter().filter(|d| d.ready_at_first).count();
    let shares = if t.devices.is_empty() {
        Vec::new()
    } else {
        vec![Share {
            quantity: "device_ready_share",
            key: "prerequisites.joined_share",
            n: t.devices.len(),
            value: ready as f64 / t.devices.len() as f64,
            ci95: wilson(ready, t.devices.len()),
        }]
    };
    let sync = sync_figures(exports, policy_start, bootstrap, seed);
    let ttu = t.units("time_to_usable");
    let km = kaplan_meier(&ttu);
    let km_at = |p: f64| km.iter().find(|(_, f)| *f >= p).map(|(t, _)| *t);
    quantities.push(Quantity {
        quantity: "time_to_usable",
        keys: Vec::new(),
        n: ttu.len(),
        censored: ttu.iter().filter(|u| u.value.is_none()).count(),
        family: Some("kaplan_meier"),
        chosen: None,
        params: None,
        params_ci95: None,
        aic: None,
        bic: None,
        gof: None,
        median_s: km_at(0.5),
        p95_s: km_at(0.95),
        candidates: Vec::new(),
        note: "the observed outcome, not a key: its Kaplan–Meier estimate (a percentile the censored users keep out of reach is null)".into(),
        units: ttu.clone(),
    });
    Ok(Analysis {
        policy_start,
        export_end,
        devices: t.devices.len(),
        censored_devices: ttu.iter().filter(|u| u.value.is_none()).count(),
        duplicate_events: t.duplicates,
        events_before_policy: t.before_policy,
        quantities,
        shares,
        sync,
        time_to_usable_km: km,
        timelines: t,
    })
}

/// When the pilot began (`policy_start`, or the first prerequisite event) and when its
/// exports end (the last time any of them shows).
pub fn span(
    exports: &Exports,
    policy_start: Option<UnixMicros>,
) -> Result<(UnixMicros, UnixMicros), UsageError> {
    let first_signin = exports
        .events
        .iter()
        .filter(|e| e.id == 358 || e.id == 360)
        .map(|e| e.time)
        .min();
    let policy_start = policy_start.or(first_signin).ok_or(
        "no prerequisite event (358 or 360) in the exports, and no --policy-start: nothing says when the pilot began",
    )?;
    let export_end = exports
        .events
        .iter()
        .map(|e| e.time)
        .chain(exports.runs.iter().map(|r| r.end))
        .chain(exports.ca.iter().map(|r| r.resolved))
        .chain(exports.signins.iter().map(|s| s.time))
        .max()
        .unwrap_or(policy_start);
    Ok((policy_start, export_end))
}

/// Least squares of duration on changes: (intercept, slope).
fn least_squares(xy: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = xy.len() as f64;
    let mx = xy.iter().map(|p| p.0).sum::<f64>() / n;
    let my = xy.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx <= 0.0 {
        return Some((my, 0.0));
    }
    let b = sxy / sxx;
    Some((my - b * mx, b))
}

fn sync_figures(
    exports: &Exports,
    policy_start: UnixMicros,
    bootstrap: usize,
    seed: u64,
) -> Option<SyncFigures> {
    use rand::{Rng, SeedableRng};
    let c = cycles(&exports.runs);
    if c.len() < 3 {
        return None;
    }
    let mut gaps: Vec<f64> = c
        .windows(2)
        .map(|w| (w[1].start - w[0].start) as f64 / 1e6)
        .collect();
    gaps.sort_unstable_by(f64::total_cmp);
    let interval_s = crate::engine::stats::quantile_sorted(&gaps, 0.5);
    let xy: Vec<(f64, f64)> = c
        .iter()
        .map(|k| (k.changes as f64, (k.end - k.start) as f64 / 1e6))
        .collect();
    let (overhead_s, per_object_s) = least_squares(&xy)?;
    // Pairs bootstrap of the regression.
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed ^ 0x5_0000);
    let mut a = Vec::with_capacity(bootstrap);
    let mut b = Vec::with_capacity(bootstrap);
    for _ in 0..bootstrap {
        let s: Vec<(f64, f64)> = (0..xy.len())
            .map(|_| xy[rng.random_range(0..xy.len())])
            .collect();
        if let Some((i, sl)) = least_squares(&s) {
            a.push(i);
            b.push(sl);
        }
    }
    let ci = |mut v: Vec<f64>, x: f64| {
        if v.len() < 2 {
            return [x, x];
        }
        v.sort_unstable_by(f64::total_cmp);
        let q = |p| crate::engine::stats::quantile_sorted(&v, p);
        [q(0.025), q(0.975)]
    };
    let mut changes: Vec<f64> = c.iter().map(|k| k.changes as f64).collect();
    changes.sort_unstable_by(f64::total_cmp);
    Some(SyncFigures {
        cycles: c.len(),
        interval_s,
        phase_s: c
            .iter()
            .find(|k| k.start >= policy_start)
            .map(|k| (k.start - policy_start) as f64 / 1e6),
        overhead_s,
        overhead_ci95: ci(a, overhead_s),
        per_object_s,
        per_object_ci95: ci(b, per_object_s),
        median_changes: crate::engine::stats::quantile_sorted(&changes, 0.5),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::family::{Family, Fitted};
    use rand::SeedableRng;

    #[test]
    fn a_lognormal_stage_is_fitted_and_a_coarse_one_is_not() {
        let truth = Fitted {
            family: Family::Lognormal,
            params: vec![70f64.ln(), 0.5],
        };
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(4);
        let units: Vec<Unit> = (0..300)
            .map(|_| Unit::observed(truth.sample(&mut rng), f64::INFINITY))
            .collect();
        let q = quantity("user_steps", vec!["pin.entry"], units, 1e-6, 99, 1);
        assert_eq!(q.family, Some("lognormal"), "{q:#?}");
        assert!((q.median_s.unwrap() / 70.0 - 1.0).abs() < 0.1);
        let ca: Vec<Unit> = (0..300)
            .map(|i| Unit::observed(if i % 3 == 0 { 1.0 } else { 1e-6 }, f64::INFINITY))
            .collect();
        let q = quantity("ca_issue", vec!["ca.issue"], ca, 1.0, 99, 1);
        assert!(
            q.family.is_none() && q.keys.is_empty() && q.note.contains("resolution"),
            "{q:#?}"
        );
        let few = quantity(
            "x",
            vec!["k"],
            vec![Unit::observed(1.0, 9.0); 3],
            1e-6,
            9,
            1,
        );
        assert!(few.note.contains("too few"));
    }

    #[test]
    fn wilson_holds_the_share() {
        let [lo, hi] = wilson(95, 100);
        assert!(
            lo < 0.95 && 0.95 < hi && lo > 0.88 && hi < 0.98,
            "{lo} {hi}"
        );
        assert_eq!(
            least_squares(&[(0.0, 120.0), (100.0, 126.0), (200.0, 132.0)]),
            Some((120.0, 0.06))
        );
    }
}
