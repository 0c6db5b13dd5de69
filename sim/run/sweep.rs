//! Sweeps: every combination of the swept values (the file's `[sweep]` table, with
//! `--param KEY=V1,V2,...` replacing or adding keys) × every variant × every replication.
//! Each combination is the scenario with one more layer of overrides, validated like a
//! `--set`; points run in parallel on rayon and come back in plan order, so the outputs
//! do not depend on the number of threads.

use super::{with_threads, RunOptions, Stage};
use crate::error::UsageError;
use crate::model::TraceFilter;
use crate::scenario::duration::parse_duration;
use crate::scenario::keypath::{KeyPath, Seg};
use crate::scenario::overrides::parse_value;
use crate::scenario::schema::Patched;
use crate::scenario::{Override, Scenario, ScenarioError, SweepParam};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use toml::Value;

/// Where a swept key's values came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AxisOrigin {
    /// The scenario file's `[sweep]` table.
    File(String),
    /// A `--param` flag.
    Flag,
    /// Another command's flag, e.g. `plan`'s `--search`.
    Named(&'static str),
}

/// One swept key and its values, in order.
#[derive(Debug, Clone)]
pub struct Axis {
    /// Dotted key.
    pub key: String,
    /// The values.
    pub values: Vec<Value>,
    /// Each value as written (`30m`, `4`, `"round_robin"` without quotes), for tables and
    /// chart labels.
    pub labels: Vec<String>,
    /// Where the values came from.
    pub origin: AxisOrigin,
}

/// One combination of swept values.
#[derive(Debug, Clone)]
pub struct SweepPoint {
    /// For each axis, the index of its value at this point.
    pub index: Vec<usize>,
    /// The scenario with the point's values applied (validated).
    pub scenario: Scenario,
}

/// Every point of a sweep, first axis outermost.
#[derive(Debug, Clone)]
pub struct SweepPlan {
    /// The swept keys, in order (the file's first, then new `--param` keys).
    pub axes: Vec<Axis>,
    /// The points, in order.
    pub points: Vec<SweepPoint>,
}

impl SweepPlan {
    /// `key=value, key=value` of a point, for messages.
    pub(crate) fn describe(&self, index: &[usize]) -> String {
        self.axes
            .iter()
            .zip(index)
            .map(|(a, &i)| format!("{}={}", a.key, a.labels[i]))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Points where a variant that the file left fully patched with a number
    /// (`adfs.patched = N` with `N = adfs.servers`) is only partly patched because the
    /// point raised `adfs.servers`: (point index, variant name, patched, servers). Empty
    /// when `adfs.patched` itself is swept (the points then say what they mean).
    pub(crate) fn partly_patched(&self, base: &Scenario) -> Vec<(usize, String, u32, u32)> {
        if self.axes.iter().any(|a| a.key == "adfs.patched") {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (pi, p) in self.points.iter().enumerate() {
            for (b, v) in base.variants.iter().zip(&p.scenario.variants) {
                let (was, now) = (&b.spec.adfs, &v.spec.adfs);
                if let Patched::Count(n) = was.patched {
                    if n > 0 && n == was.servers && now.patched_servers() < now.servers {
                        out.push((pi, v.name.clone(), now.patched_servers(), now.servers));
                    }
                }
            }
        }
        out
    }

    /// One sentence per variant listing the points of [`SweepPlan::partly_patched`].
    pub(crate) fn partly_patched_notes(&self, base: &Scenario) -> Vec<String> {
        let found = self.partly_patched(base);
        let mut names: Vec<&str> = found.iter().map(|(_, n, _, _)| n.as_str()).collect();
        names.dedup();
        names
            .iter()
            .map(|name| {
                let at: Vec<String> = found
                    .iter()
                    .filter(|(_, n, _, _)| n == name)
                    .map(|(pi, _, patched, servers)| {
                        format!(
                            "{} ({patched} of {servers} patched)",
                            self.describe(&self.points[*pi].index)
                        )
                    })
                    .collect();
                format!(
                    "note: variant {name} sets adfs.patched to a number equal to its servers (a fully patched farm), so at {} the farm is only partly patched; write adfs.patched = \"all\" to keep every server patched",
                    at.join(", ")
                )
            })
            .collect()
    }

    /// Simulations in all: points × variants × replications.
    pub fn simulations(&self) -> usize {
        self.points
            .iter()
            .map(|p| p.scenario.variants.len() * p.scenario.base.replications as usize)
            .sum()
    }
}

/// A value as a person wrote it: strings without quotes, everything else as TOML.
pub(crate) fn value_label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Splits `a,b,[c,d],{e = 1, f = 2},"g,h"` at the commas that are not inside brackets,
/// braces or quotes.
fn split_values(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut cur = String::new();
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                cur.push(c);
            }
            (None, '[' | '{') => {
                depth += 1;
                cur.push(c);
            }
            (None, ']' | '}') => {
                depth -= 1;
                cur.push(c);
            }
            (None, ',') if depth == 0 => out.push(std::mem::take(&mut cur)),
            (None, c) => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|v| v.trim().to_string()).collect()
}

/// Parses `--param KEY=V1,V2,...`. Each value is read like a `--set` value (TOML, or a
/// plain string such as `3h`); a bracketed TOML array gives the values too.
pub(crate) fn parse_param(text: &str) -> Result<SweepParam, UsageError> {
    let Some((key, rest)) = text.split_once('=') else {
        return Err(format!(
            "--param `{text}` is not KEY=V1,V2,... (e.g. --param aad_connect.interval=30m,1h,2h)"
        )
        .into());
    };
    let key = key.trim();
    let path = KeyPath::parse(key).map_err(|m| format!("--param {key}: {m}"))?;
    if path.0.first() == Some(&Seg::Key("variants".into())) {
        return Err(format!(
            "--param {key}: swept keys apply to every variant; do not start them with `variants.`"
        )
        .into());
    }
    let rest = rest.trim();
    let values: Vec<Value> = match parse_value(rest) {
        Value::Array(a) if rest.starts_with('[') => a,
        _ => {
            let parts = split_values(rest);
            if parts.iter().any(|p| p.is_empty()) {
                return Err(if parts.len() == 1 {
                    format!("--param {key}: no values; give them as {key}=V1,V2,...").into()
                } else {
                    format!("--param {key}: an empty value in `{rest}`; separate values with single commas").into()
                });
            }
            parts.iter().map(|p| parse_value(p)).collect()
        }
    };
    if values.is_empty() {
        return Err(format!("--param {key}: no values; give them as {key}=V1,V2,...").into());
    }
    Ok(SweepParam {
        key: key.to_string(),
        values,
    })
}

/// Says what is wrong with a swept value, naming the key and where it came from.
fn value_error(axis: &Axis, label: &str, e: &ScenarioError) -> String {
    let whence = whence(axis);
    let inner = match &e.key {
        Some(k) if k != &axis.key => format!("key `{k}`: {}", e.message),
        _ => e.message.clone(),
    };
    format!("{whence}: value `{label}` is not valid: {inner}")
}

/// The override that puts `value` at `key`.
fn override_for(key: &str, value: &Value) -> Result<Override, String> {
    let path = KeyPath::parse(key).map_err(|e| e.to_string())?;
    Ok(Override {
        text: format!("{key}={}", value_label(value)),
        path,
        value: value.clone(),
    })
}

/// Whether two swept values set the same thing: equal as TOML, or two strings that are the
/// same duration (`30m` and `1800s`).
fn same_value(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    match (a, b) {
        (Value::String(x), Value::String(y)) => {
            matches!((parse_duration(x), parse_duration(y)), (Ok(p), Ok(q)) if p == q)
        }
        _ => false,
    }
}

/// Where `axis`'s values came from, as a message starts.
fn whence(axis: &Axis) -> String {
    match &axis.origin {
        AxisOrigin::Flag => format!("--param {}", axis.key),
        AxisOrigin::Named(flag) => format!("{flag} {}", axis.key),
        AxisOrigin::File(f) => format!("{f}: [sweep] key `{}`", axis.key),
    }
}

/// Refuses a value given twice for one key: the point would run twice, and the sweep's
/// table and charts would show it twice.
fn check_distinct(axis: &Axis) -> Result<(), String> {
    for (i, v) in axis.values.iter().enumerate() {
        if let Some(j) = axis.values[..i].iter().position(|w| same_value(v, w)) {
            return Err(format!(
                "{}: value `{}` is given twice (as `{}` and `{}`); give each value once",
                whence(axis),
                axis.labels[i],
                axis.labels[j],
                axis.labels[i]
            ));
        }
    }
    Ok(())
}

/// Checks each of `axis`'s values on its own, so that an error names the key, the value
/// and where it came from.
pub(crate) fn check_axis(scenario: &Scenario, axis: &Axis) -> Result<(), UsageError> {
    for (v, label) in axis.values.iter().zip(&axis.labels) {
        let o = override_for(&axis.key, v).map_err(|m| format!("{}: {m}", axis.key))?;
        scenario
            .with_overrides(&[o])
            .map_err(|e| value_error(axis, label, &e))?;
    }
    Ok(())
}

/// The scenario at one combination of the axes' values (`index`: each axis's value), as
/// a validated point; the error names the combination.
pub(crate) fn point_at(
    scenario: &Scenario,
    axes: &[Axis],
    index: &[usize],
) -> Result<SweepPoint, UsageError> {
    let overrides = axes
        .iter()
        .zip(index)
        .map(|(a, &i)| override_for(&a.key, &a.values[i]))
        .collect::<Result<Vec<_>, _>>()?;
    let point = scenario.with_overrides(&overrides).map_err(|e| {
        let plan = SweepPlan {
            axes: axes.to_vec(),
            points: Vec::new(),
        };
        format!(
            "sweep point {} is not valid: {}",
            plan.describe(index),
            match &e.key {
                Some(k) => format!("key `{k}`: {}", e.message),
                None => e.message.clone(),
            }
        )
    })?;
    Ok(SweepPoint {
        index: index.to_vec(),
        scenario: point,
    })
}

/// Builds the plan: the file's `[sweep]` keys with `--param` ones replacing or adding,
/// each value checked on its own (so an error names the key and the value), then every
/// combination validated.
pub(crate) fn plan_sweep(scenario: &Scenario, params: &[String]) -> Result<SweepPlan, UsageError> {
    let mut axes: Vec<Axis> = scenario
        .sweep
        .iter()
        .map(|p| Axis {
            key: p.key.clone(),
            labels: p.values.iter().map(value_label).collect(),
            values: p.values.clone(),
            origin: AxisOrigin::File(scenario.source().to_string()),
        })
        .collect();
    let mut flagged: Vec<String> = Vec::new();
    for text in params {
        let p = parse_param(text)?;
        // A second --param for a key would silently drop the first one's values.
        if flagged.contains(&p.key) {
            return Err(format!(
                "--param {}: given twice; give all its values in one --param {}=V1,V2,...",
                p.key, p.key
            )
            .into());
        }
        flagged.push(p.key.clone());
        let axis = Axis {
            key: p.key.clone(),
            labels: p.values.iter().map(value_label).collect(),
            values: p.values,
            origin: AxisOrigin::Flag,
        };
        match axes.iter_mut().find(|a| a.key == axis.key) {
            Some(a) => *a = axis,
            None => axes.push(axis),
        }
    }
    if axes.is_empty() {
        return Err(format!(
            "{}: nothing to sweep; add a [sweep] table (e.g. \"aad_connect.interval\" = [\"30m\", \"1h\"]) or --param KEY=V1,V2,...",
            scenario.source()
        ).into());
    }
    for a in &axes {
        check_distinct(a)?;
        check_axis(scenario, a)?;
    }
    let count = axes
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()));
    if count.is_none_or(|n| n > super::cost::MAX_SWEEP_POINTS) {
        let keys: Vec<String> = axes
            .iter()
            .map(|a| format!("{} ({} values)", a.key, a.values.len()))
            .collect();
        return Err(format!(
            "the sweep has {} points; allowed: at most {} (the product of the swept keys' value counts: {})",
            count.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string()),
            super::cost::MAX_SWEEP_POINTS,
            keys.join(" × ")
        ).into());
    }
    let mut index = vec![0usize; axes.len()];
    let mut points = Vec::new();
    loop {
        points.push(point_at(scenario, &axes, &index)?);
        // Odometer, last axis fastest.
        let mut k = axes.len();
        loop {
            if k == 0 {
                return Ok(SweepPlan { axes, points });
            }
            k -= 1;
            index[k] += 1;
            if index[k] < axes[k].values.len() {
                break;
            }
            index[k] = 0;
        }
    }
}

/// What a sweep does with each point: given the point and the options to run it with
/// (its index as `point`, the sweep's progress and PKI material), runs it (plainly with
/// [`run_scenario`], or e.g. adding replications until a precision is met) and reduces
/// the result to what the sweep keeps.
///
/// [`run_scenario`]: super::run_scenario
pub(crate) type EachPoint<'a, T> =
    &'a (dyn Fn(&SweepPoint, &RunOptions<'_>) -> anyhow::Result<T> + Sync);

/// Runs every point of `plan` on `opts.threads` worker threads (all cores when `None`)
/// through `each`, which reduces each point as soon as it is done so that only the
/// reduced results are kept; they come back in plan order. This is the sweep's entry
/// point, besides [`run_scenario`] for one scenario kept whole: a sweep cannot keep every
/// point's users in memory. `opts.progress` gets (simulations done, simulations in all)
/// over the whole sweep; real PKI material is built once for every point, before they
/// run, into `opts.materials` (several batches of points, `plan`'s search rounds, share
/// it) or a fresh cache. Sweeps trace no one, whatever `opts.trace` says.
///
/// [`run_scenario`]: super::run_scenario
pub fn run_sweep<T: Send>(
    plan: &SweepPlan,
    opts: &RunOptions<'_>,
    each: EachPoint<'_, T>,
) -> anyhow::Result<Vec<T>> {
    let progress = opts.progress;
    let materials = opts.materials.clone().unwrap_or_default();
    let total = plan.simulations();
    let done = AtomicUsize::new(0);
    let tick = |stage: Stage, _: usize, _: usize| {
        if stage == Stage::Simulations {
            progress(
                Stage::Simulations,
                done.fetch_add(1, Ordering::Relaxed) + 1,
                total,
            );
        }
    };
    // Points run in the sweep's pool; each point's own variants × replications run in the
    // same pool (a run uses the current pool when given no thread count).
    let inner = RunOptions {
        threads: None,
        trace: TraceFilter::Off,
        materials: Some(std::sync::Arc::clone(&materials)),
        point: 0,
        progress: &tick,
    };
    let work = || -> anyhow::Result<Vec<T>> {
        // Real keys and requests are built once per distinct PKI settings and population,
        // before the points run, rather than once per point.
        for p in &plan.points {
            for v in &p.scenario.variants {
                materials.material_for(&v.spec, &|s, d, t| progress(Stage::Pki(s), d, t))?;
            }
        }
        plan.points
            .par_iter()
            .enumerate()
            .map(|(i, p)| {
                let opts = RunOptions {
                    point: i as u32,
                    ..inner.clone()
                };
                each(p, &opts)
            })
            .collect()
    };
    with_threads(opts.threads, work)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(extra: &str) -> Scenario {
        let text = format!(
            "users = 50\npki.mode = \"off\"\n[variants.pre-kb]\nadfs.patched = 0\n[variants.post-kb]\nadfs.patched = 2\n{extra}"
        );
        Scenario::load_str(&text, "t.toml", "t", &[]).unwrap()
    }

    #[test]
    fn splits_values_at_top_level_commas() {
        assert_eq!(split_values("30m, 1h,2h"), vec!["30m", "1h", "2h"]);
        assert_eq!(
            split_values("{ dist = \"fixed\", value = \"1s\" },\"a,b\""),
            vec!["{ dist = \"fixed\", value = \"1s\" }", "\"a,b\""]
        );
        let p = parse_param("aad_connect.interval=[\"30m\", \"1h\"]").unwrap();
        assert_eq!(p.values.len(), 2);
    }

    #[test]
    fn bad_params_name_the_key() {
        for (text, want) in [
            ("adfs.servers", "not KEY=V1"),
            ("adfs.servers=", "no values"),
            ("adfs.servers=1,,2", "empty value"),
            ("variants.pre-kb.adfs.patched=1,2", "every variant"),
        ] {
            let e = parse_param(text).unwrap_err();
            assert!(e.to_string().contains(want), "{text}: {e}");
        }
        let s = scenario("");
        let e = plan_sweep(&s, &["adfs.nosuch=1,2".into()]).unwrap_err();
        assert!(
            e.to_string().contains("adfs.nosuch") && e.to_string().contains("unknown key"),
            "{e}"
        );
        let e = plan_sweep(&s, &["ca.workers=2,0".into()]).unwrap_err();
        assert!(
            e.to_string().contains("--param ca.workers") && e.to_string().contains("`0`"),
            "{e}"
        );
        let e = plan_sweep(&s, &[]).unwrap_err();
        assert!(e.to_string().contains("nothing to sweep"), "{e}");
        // post-kb patches 2 servers: one server is not valid for it.
        let e = plan_sweep(&s, &["adfs.servers=2,1".into()]).unwrap_err();
        assert!(
            e.to_string().contains("`1`") && e.to_string().contains("adfs.patched"),
            "{e}"
        );
        // Each value is fine alone, one combination is not.
        let plain =
            Scenario::load_str("users = 50\npki.mode = \"off\"\n", "t.toml", "t", &[]).unwrap();
        let e = plan_sweep(
            &plain,
            &["adfs.servers=1,2".into(), "adfs.patched=0,2".into()],
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("sweep point adfs.servers=1, adfs.patched=2")
                && e.to_string().contains("adfs.patched"),
            "{e}"
        );
    }

    #[test]
    fn a_key_or_a_value_given_twice_is_refused() {
        let s = scenario("");
        let e = plan_sweep(
            &s,
            &[
                "aad_connect.interval=1h,2h".into(),
                "aad_connect.interval=3h".into(),
            ],
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("--param aad_connect.interval: given twice"),
            "{e}"
        );
        for values in ["1,1", "30m,1800s", "\"a\",\"a\""] {
            let key = if values.contains('a') {
                "adfs.balancing"
            } else if values.contains('m') {
                "aad_connect.interval"
            } else {
                "ca.workers"
            };
            let e = plan_sweep(&s, &[format!("{key}={values}")]).unwrap_err();
            assert!(
                e.to_string().contains(&format!("--param {key}: value"))
                    && e.to_string().contains("given twice"),
                "{values}: {e}"
            );
        }
        let file = scenario("[sweep]\n\"ca.workers\" = [2, 3, 2]\n");
        let e = plan_sweep(&file, &[]).unwrap_err();
        assert!(
            e.to_string()
                .contains("t.toml: [sweep] key `ca.workers`: value `2` is given twice"),
            "{e}"
        );
        // A --param still replaces the file's values for its key.
        let plan = plan_sweep(&file, &["ca.workers=4,5".into()]).unwrap();
        assert_eq!(plan.points.len(), 2);
    }

    #[test]
    fn a_numbered_full_patch_left_behind_by_more_servers_is_noted() {
        // post-kb says 2 of 2; sweeping servers to 3 leaves 2 of 3.
        let s = scenario("");
        let plan = plan_sweep(&s, &["adfs.servers=2,3".into()]).unwrap();
        let found = plan.partly_patched(&s);
        assert_eq!(found, vec![(1, "post-kb".to_string(), 2, 3)]);
        let notes = plan.partly_patched_notes(&s);
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].contains("adfs.servers=3 (2 of 3 patched)") && notes[0].contains("\"all\""),
            "{}",
            notes[0]
        );
        // "all" follows the farm: nothing to say.
        let all = Scenario::load_str(
            "users = 50\npki.mode = \"off\"\n[variants.post-kb]\nadfs.patched = \"all\"\n",
            "t.toml",
            "t",
            &[],
        )
        .unwrap();
        let plan = plan_sweep(&all, &["adfs.servers=2,3,4".into()]).unwrap();
        assert!(plan.partly_patched(&all).is_empty());
        assert_eq!(
            plan.points[2].scenario.variants[0]
                .spec
                .adfs
                .patched_servers(),
            4
        );
        // Sweeping adfs.patched itself says what each point means.
        let plan = plan_sweep(&s, &["adfs.servers=3".into(), "adfs.patched=1,2".into()]);
        assert!(plan.unwrap().partly_patched(&s).is_empty());
    }

    #[test]
    fn params_replace_file_values_and_combine_in_order() {
        let s = scenario(
            "[sweep]\n\"aad_connect.interval\" = [\"30m\", \"1h\"]\n\"ca.workers\" = [1, 2]\n",
        );
        let plan =
            plan_sweep(&s, &["ca.workers=2,4,8".into(), "adfs.workers=4,16".into()]).unwrap();
        let keys: Vec<&str> = plan.axes.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(keys, ["aad_connect.interval", "ca.workers", "adfs.workers"]);
        assert_eq!(plan.points.len(), 2 * 3 * 2);
        assert_eq!(plan.points[1].index, vec![0, 0, 1]);
        assert_eq!(
            plan.describe(&plan.points[1].index),
            "aad_connect.interval=30m, ca.workers=2, adfs.workers=16"
        );
        let last = &plan.points.last().unwrap().scenario;
        assert_eq!(last.variants[0].spec.ca.workers, 8);
        assert_eq!(last.variants[1].spec.aad_connect.interval.0, 3_600_000_000);
        assert_eq!(plan.simulations(), 12 * 2);
    }
}
