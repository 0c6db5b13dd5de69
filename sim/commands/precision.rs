//! `run --precision 5%` (and `sweep`, per point): replications are added until the 95 % interval of every named
//! figure is within 5 % of the figure, up to `--max-replications`. Replication r always
//! has the same random streams, and the batches are decided from the results alone
//! (`sequential::next_step`), so the same seed gives the same replications and the
//! same files at any thread count. Half-widths are read from the summary's own
//! `ci95_by_stat` intervals, so they are the intervals the reports print.

use crate::analysis::sequential::{self, Precision, Step};
use crate::error::UsageError;
use crate::report::figure::figure;
use crate::report::summary::{summarize, Summary, STATS};
use crate::run::unit::{assemble, run_units, units_of, UnitOutput};
use crate::run::{RunOptions, ScenarioResult};
use crate::scenario::Scenario;

/// The flags of a run to a precision (parsed by clap in the binary).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PrecisionArgs {
    /// Adds replications until the 95 % half-width of each figure of --precision-on is
    /// within this share of the figure, e.g. 5% (above 0 %, below 100 %).
    #[arg(long, value_name = "PERCENT")]
    pub precision: Option<String>,
    /// Figures held to --precision, as `[VARIANT.]time_to_usable|time_to_pin.STAT` with
    /// STAT one of mean, p50, p90, p95, p99, max; without a variant, every variant's
    /// [default: time_to_usable.p50,time_to_usable.p95].
    #[arg(long, value_delimiter = ',', value_name = "FIGURE,...")]
    pub precision_on: Vec<String>,
    /// The most replications --precision may run [default: 100].
    #[arg(long, value_name = "N")]
    pub max_replications: Option<u32>,
}

/// Default cap on the replications of a run to a precision.
pub(crate) const DEFAULT_MAX_REPLICATIONS: u32 = 100;

/// Figures held to the target when `--precision-on` is not given.
const DEFAULT_FIGURES: [&str; 2] = ["time_to_usable.p50", "time_to_usable.p95"];

/// Time figures with an interval in the summary (field as written, field in the summary).
const FIELDS: [(&str, &str); 4] = [
    ("time_to_usable", "time_to_usable"),
    ("time_to_usable_s", "time_to_usable"),
    ("time_to_pin", "time_to_pin"),
    ("time_to_pin_s", "time_to_pin"),
];

/// A checked run to a precision.
#[derive(Debug, Clone, PartialEq)]
pub struct PrecisionPlan {
    /// Largest allowed relative half-width (0.05 for 5 %).
    pub target: f64,
    /// Cap on replications.
    pub max_replications: u32,
    /// Replications of the first batch.
    pub first: u32,
    /// Dotted figure paths, `VARIANT.FIELD.STAT`, in variant then flag order.
    pub figures: Vec<String>,
}

impl PrecisionArgs {
    /// The plan for `scenario`, or `None` without `--precision`; bad values are usage
    /// errors naming the flag, the value and what is allowed.
    pub fn plan(&self, scenario: &Scenario) -> Result<Option<PrecisionPlan>, UsageError> {
        let Some(text) = &self.precision else {
            if self.max_replications.is_some() || !self.precision_on.is_empty() {
                return Err(UsageError::new(
                    "--max-replications and --precision-on only apply with --precision",
                ));
            }
            return Ok(None);
        };
        let target = parse_target(text)?;
        let max = self.max_replications.unwrap_or(DEFAULT_MAX_REPLICATIONS);
        if !(1..=10_000).contains(&max) {
            return Err(UsageError::new(format!(
                "--max-replications {max} is not allowed; allowed: 1 to 10,000"
            )));
        }
        let asked = scenario.base.replications;
        if asked > max {
            return Err(UsageError::new(format!(
                "--max-replications {max} is below the {asked} replications asked for \
                 (--replications or `replications`); allowed: {asked} to 10,000"
            )));
        }
        let names: Vec<&str> = scenario.variants.iter().map(|v| v.name.as_str()).collect();
        let wanted: Vec<&str> = if self.precision_on.is_empty() {
            DEFAULT_FIGURES.to_vec()
        } else {
            self.precision_on.iter().map(|s| s.trim()).collect()
        };
        let mut figures = Vec::new();
        for name in &names {
            for w in &wanted {
                let (variant, field, stat) = parse_figure(w, &names)?;
                if variant.is_none_or(|v| v == *name) {
                    let path = format!("{name}.{field}.{stat}");
                    if !figures.contains(&path) {
                        figures.push(path);
                    }
                }
            }
        }
        Ok(Some(PrecisionPlan {
            target,
            max_replications: max,
            first: asked.max(sequential::FIRST_BATCH).min(max),
            figures,
        }))
    }
}

/// The refusal of `--precision` with `--shard`: a shard cannot know when the other
/// shards' replications meet the target.
pub(crate) fn with_shard() -> UsageError {
    UsageError::new(
        "--precision cannot be combined with --shard: the number of replications is decided \
         from all of them; run --precision on one machine, or shard a fixed --replications",
    )
}

/// `5%` → 0.05.
fn parse_target(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let allowed = "allowed: a percentage above 0 % and below 100 %, e.g. 5%";
    let Some(number) = t.strip_suffix('%') else {
        return Err(format!(
            "--precision `{text}`: write the largest half-width as a percentage of the \
             estimate; {allowed}"
        ));
    };
    match number.trim().parse::<f64>() {
        Ok(p) if p > 0.0 && p < 100.0 => Ok(p / 100.0),
        Ok(_) => Err(format!("--precision `{text}` is out of range; {allowed}")),
        Err(_) => Err(format!("--precision `{text}` is not a number; {allowed}")),
    }
}

/// `[VARIANT.]FIELD.STAT` → (variant, summary field, statistic).
fn parse_figure<'a>(
    text: &'a str,
    variants: &[&str],
) -> Result<(Option<&'a str>, &'static str, &'static str), String> {
    let bad = |why: &str| {
        format!(
            "--precision-on `{text}`: {why}; allowed: [VARIANT.]time_to_usable|time_to_pin.STAT \
             with STAT one of {} and VARIANT one of {}",
            STATS.join(", "),
            variants.join(", ")
        )
    };
    let parts: Vec<&str> = text.split('.').collect();
    let (variant, field, stat) = match parts[..] {
        [f, s] => (None, f, s),
        [v, f, s] => (Some(v), f, s),
        _ => return Err(bad("not a figure with an interval")),
    };
    if let Some(v) = variant {
        if !variants.contains(&v) {
            return Err(bad(&format!("no variant `{v}`")));
        }
    }
    let Some(&(_, field)) = FIELDS.iter().find(|(f, _)| *f == field) else {
        return Err(bad(&format!("no time figure `{field}`")));
    };
    let Some(&stat) = STATS.iter().find(|s| **s == stat) else {
        return Err(bad(&format!("no statistic `{stat}`")));
    };
    Ok((variant, field, stat))
}

/// What one batch reached: the worst relative half-width over the figures held to the
/// target (`None` when one of them has no interval: one replication, or nobody reached
/// it), and the figures left out because they sit on a plateau.
#[derive(Debug, Clone, PartialEq)]
pub struct Reached {
    /// The worst relative half-width of the held figures.
    pub worst: Option<f64>,
    /// Whether every figure was left out (nothing to hold to the target).
    pub none_held: bool,
    /// The figures on a plateau, as dotted paths.
    pub unreachable: Vec<String>,
}

/// Whether the percentile at `path` (`VARIANT.FIELD.STAT`) sits on a plateau in `summary`.
fn on_plateau(summary: &Summary, path: &str) -> bool {
    let mut parts = path.split('.');
    let (Some(name), Some(field), Some(stat)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    summary
        .variants
        .iter()
        .find(|v| v.name == name)
        .map(|v| match field {
            "time_to_usable" => &v.time_to_usable_s,
            _ => &v.time_to_pin_s,
        })
        .is_some_and(|t| t.on_plateau.contains(&stat))
}

/// The worst relative half-width over `figures` in `summary`, leaving out (and naming)
/// percentiles on a plateau: their valid interval spans the step, so its width says how
/// far apart the two sides are, not how many replications are missing.
pub fn achieved(summary: &Summary, figures: &[String]) -> Reached {
    let mut worst: Option<f64> = Some(0.0);
    let mut unreachable = Vec::new();
    for f in figures {
        if on_plateau(summary, f) {
            unreachable.push(f.clone());
            continue;
        }
        let half = (|| {
            let (head, stat) = f.rsplit_once('.')?;
            let estimate = figure(summary, f).ok()??;
            let lo = figure(summary, &format!("{head}.ci95_by_stat.{stat}.0")).ok()??;
            let hi = figure(summary, &format!("{head}.ci95_by_stat.{stat}.1")).ok()??;
            sequential::relative_half_width(estimate, [lo, hi])
        })();
        worst = match (worst, half) {
            (Some(w), Some(h)) => Some(w.max(h)),
            _ => None,
        };
    }
    Reached {
        worst,
        none_held: unreachable.len() == figures.len(),
        unreachable,
    }
}

/// `scenario` with `n` replications.
pub(crate) fn with_replications(scenario: &Scenario, n: u32) -> Scenario {
    let mut s = scenario.clone();
    s.base.replications = n;
    for v in &mut s.variants {
        v.spec.replications = n;
    }
    s
}

/// Fits `plan` to the cost limits (docs/limits.md): `admits(n)` says whether a run of
/// `n` replications is admitted. The first batch must be (its refusal is the error); the
/// cap is lowered to the most that are, since every replication's results are kept and
/// written. Returns a note for the user when it lowered the cap.
pub(crate) fn fit_to_limits(
    plan: &mut PrecisionPlan,
    admits: impl Fn(u32) -> Result<(), UsageError>,
) -> Result<Option<String>, UsageError> {
    admits(plan.first)?;
    if admits(plan.max_replications).is_ok() {
        return Ok(None);
    }
    // Estimates grow with replications: the largest admitted count by bisection.
    let (mut ok, mut over) = (plan.first, plan.max_replications);
    while over - ok > 1 {
        let mid = ok + (over - ok) / 2;
        if admits(mid).is_ok() {
            ok = mid;
        } else {
            over = mid;
        }
    }
    let note = format!(
        "note: --precision: at most {ok} replications instead of {} fit the cost limits (docs/limits.md; --allow-large raises them)",
        plan.max_replications
    );
    plan.max_replications = ok;
    Ok(Some(note))
}

/// Runs `scenario` as sweep point `opts.point` (0 for `run`) in batches until `plan` is met
/// or its cap reached; returns the result of every replication run and what was reached.
pub(crate) fn run_to_precision(
    scenario: &Scenario,
    plan: &PrecisionPlan,
    opts: &RunOptions<'_>,
) -> anyhow::Result<(ScenarioResult, Precision)> {
    let point = opts.point;
    let horizon_s = scenario.base.horizon.secs();
    // Real keys and requests are built once, not once per batch.
    let mut opts = opts.clone();
    opts.materials.get_or_insert_with(Default::default);
    let opts = &opts;
    let mut units: Vec<UnitOutput> = Vec::new();
    let mut done = 0;
    let mut to = plan.first;
    loop {
        let sized = with_replications(scenario, to);
        let batch: Vec<_> = units_of(point, &sized)
            .into_iter()
            .filter(|u| u.replication >= done)
            .collect();
        units.extend(run_units(&sized, &batch, opts, &Ok)?);
        done = to;
        let result = assemble(&sized, units.clone())?;
        let reached = achieved(&summarize(&result, horizon_s), &plan.figures);
        // With every figure on a plateau there is nothing more replications could meet.
        let step = if reached.none_held {
            Step::Stop
        } else {
            sequential::next_step(done, reached.worst, plan.target, plan.max_replications)
        };
        match step {
            Step::RunTo(n) => to = n,
            Step::Stop => {
                let held = !reached.none_held;
                let precision = Precision {
                    target: plan.target,
                    achieved: reached.worst.filter(|_| held),
                    replications: done,
                    hit_max: held && !reached.worst.is_some_and(|a| a <= plan.target),
                    figures: plan.figures.clone(),
                    unreachable: reached.unreachable,
                };
                return Ok((result, precision));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_is_lowered_to_what_the_cost_limits_admit() {
        let mut p = PrecisionPlan {
            target: 0.05,
            max_replications: 100,
            first: 10,
            figures: vec![],
        };
        let under = |limit: u32| {
            move |n: u32| {
                if n <= limit {
                    Ok(())
                } else {
                    Err(UsageError::new("too large"))
                }
            }
        };
        let note = fit_to_limits(&mut p, under(37)).unwrap().unwrap();
        assert_eq!(p.max_replications, 37);
        assert!(
            note.contains("at most 37 replications instead of 100"),
            "{note}"
        );
        assert_eq!(fit_to_limits(&mut p, under(500)).unwrap(), None);
        assert_eq!(p.max_replications, 37);
        assert!(fit_to_limits(&mut p, under(9)).is_err());
    }

    fn scenario() -> Scenario {
        Scenario::load_default(&["users=40".into(), "pki.mode=off".into()]).expect("scenario")
    }

    fn args(precision: &str, on: &[&str], max: Option<u32>) -> PrecisionArgs {
        PrecisionArgs {
            precision: Some(precision.into()),
            precision_on: on.iter().map(|s| s.to_string()).collect(),
            max_replications: max,
        }
    }

    fn usage(a: &PrecisionArgs) -> String {
        match a.plan(&scenario()) {
            Err(e) => e.to_string(),
            Ok(p) => panic!("expected a usage error, got {p:?}"),
        }
    }

    #[test]
    fn plan_defaults_to_p50_and_p95_of_every_variant() {
        let p = args("5%", &[], None).plan(&scenario()).unwrap().unwrap();
        assert_eq!(p.target, 0.05);
        assert_eq!(p.max_replications, 100);
        assert_eq!(p.first, 10);
        assert_eq!(
            p.figures,
            [
                "pre-kb.time_to_usable.p50",
                "pre-kb.time_to_usable.p95",
                "post-kb.time_to_usable.p50",
                "post-kb.time_to_usable.p95"
            ]
        );
        let p = args(" 2.5 % ", &["post-kb.time_to_pin_s.mean"], Some(4))
            .plan(&scenario())
            .unwrap()
            .unwrap();
        assert_eq!((p.target, p.first), (0.025, 4));
        assert_eq!(p.figures, ["post-kb.time_to_pin.mean"]);
    }

    #[test]
    fn bad_values_name_the_flag_and_what_is_allowed() {
        for (value, says) in [
            ("0", "write the largest half-width as a percentage"),
            ("0%", "out of range"),
            ("150%", "out of range"),
            ("abc", "as a percentage"),
            ("abc%", "not a number"),
        ] {
            let m = usage(&args(value, &[], None));
            assert!(
                m.contains("--precision") && m.contains(says),
                "{value}: {m}"
            );
            assert!(m.contains("above 0 % and below 100 %"), "{m}");
        }
        let m = usage(&args("5%", &[], Some(0)));
        assert!(
            m.contains("--max-replications 0") && m.contains("1 to 10,000"),
            "{m}"
        );
        for (fig, says) in [
            ("time_to_usable.p42", "no statistic `p42`"),
            ("queue.p50", "no time figure `queue`"),
            ("mid-kb.time_to_usable.p50", "no variant `mid-kb`"),
            ("p50", "not a figure"),
        ] {
            let m = usage(&args("5%", &[fig], None));
            assert!(m.contains(fig) && m.contains(says), "{m}");
            assert!(m.contains("pre-kb, post-kb") && m.contains("p95"), "{m}");
        }
        let alone = PrecisionArgs {
            max_replications: Some(5),
            ..PrecisionArgs::default()
        };
        assert!(usage(&alone).contains("only apply with --precision"));
        assert!(PrecisionArgs::default()
            .plan(&scenario())
            .unwrap()
            .is_none());
    }
}
