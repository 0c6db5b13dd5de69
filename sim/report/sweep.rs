//! Outputs of a sweep: `sweep.csv` (one row per point × variant), `summary.json` (per
//! point the swept values and the same per-variant summary as `run`), the charts of
//! p50/p95/p99 time to usable against the swept values, `report.md`, and the table
//! printed on the terminal.

use super::atomic::FileList;
use super::charts::sweep::SweepCharts;
use super::clock::{prose_duration, short_duration};
use super::comparisons::{Comparison, COMPARED};
use super::markdown::crypto_sentence;
use super::summary::{summarize, VariantSummary, STATS};
use super::table::{
    ci_cell, markdown, plateau_note, text_columns, value_cell, with_ci, PLATEAU_MARK,
};
use crate::model::{Outcome, ResourceId};
use crate::run::sweep::{SweepPlan, SweepPoint};
use crate::run::ScenarioResult;
use crate::scenario::Scenario;
use serde::Serialize;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// What is kept of one point once it has run: its summary, not its users.
#[derive(Debug, Clone)]
pub struct PointSummary {
    /// For each axis, the index of the point's value.
    pub index: Vec<usize>,
    /// Users per replication at this point.
    pub users: u32,
    /// Replications at this point.
    pub replications: u32,
    /// Whether real cryptography ran.
    pub pki_real: bool,
    /// One summary per variant, in scenario order.
    pub variants: Vec<VariantSummary>,
    /// Each variant after the first against the first (as in `run`'s summary).
    pub comparisons: Vec<Comparison>,
    /// What `--precision` reached at this point; `None` without it.
    pub precision: Option<crate::analysis::sequential::Precision>,
}

/// Reduces a point's results to its summary (what `run_sweep` keeps).
pub fn summarize_point(point: &SweepPoint, result: ScenarioResult) -> PointSummary {
    let s = summarize(&result, point.scenario.base.horizon.secs());
    PointSummary {
        index: point.index.clone(),
        users: s.users,
        replications: s.replications,
        pki_real: result.pki_real,
        variants: s.variants,
        comparisons: s.comparisons,
        precision: None,
    }
}

/// `summary.json` of a sweep.
#[derive(Debug, Clone, Serialize)]
pub struct SweepSummary {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Users per replication (of the base; a point that sweeps `users` says its own).
    pub users: u32,
    /// Replications per point and variant asked for; with `--precision`, what each point
    /// started from (`points[].replications` is what each ran).
    pub replications: u32,
    /// `"real"` or `"off"`.
    pub pki_mode: &'static str,
    /// Simulated horizon, seconds.
    pub horizon_s: f64,
    /// The swept keys and their values, in order.
    pub swept: Vec<SweptKey>,
    /// One entry per combination, first swept key outermost.
    pub points: Vec<PointJson>,
    /// What a reader must know about the points, e.g. a farm left partly patched.
    pub notes: Vec<String>,
}

/// A swept key.
#[derive(Debug, Clone, Serialize)]
pub struct SweptKey {
    /// Dotted key.
    pub key: String,
    /// Its values, as in the scenario (strings, numbers, ...).
    pub values: Vec<serde_json::Value>,
}

/// One point of `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct PointJson {
    /// `key=value, key=value`.
    pub label: String,
    /// Swept key → value at this point.
    pub values: serde_json::Map<String, serde_json::Value>,
    /// Users per replication.
    pub users: u32,
    /// Replications.
    pub replications: u32,
    /// The same per-variant summary as `whfb-sim run` writes.
    pub variants: Vec<VariantSummary>,
    /// The same comparisons as `whfb-sim run` writes, at this point.
    pub comparisons: Vec<Comparison>,
    /// What `--precision` reached at this point; absent without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<crate::analysis::sequential::Precision>,
}

fn json_value(v: &toml::Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// Builds the sweep's summary.json contents.
pub fn sweep_summary(plan: &SweepPlan, points: &[PointSummary], base: &Scenario) -> SweepSummary {
    SweepSummary {
        scenario: base.name().to_string(),
        seed: base.base.seed,
        users: base.base.users,
        replications: base.base.replications,
        pki_mode: if points.iter().any(|p| p.pki_real) {
            "real"
        } else {
            "off"
        },
        horizon_s: base.base.horizon.secs(),
        swept: plan
            .axes
            .iter()
            .map(|a| SweptKey {
                key: a.key.clone(),
                values: a.values.iter().map(json_value).collect(),
            })
            .collect(),
        points: points
            .iter()
            .map(|p| PointJson {
                label: plan.describe(&p.index),
                values: plan
                    .axes
                    .iter()
                    .zip(&p.index)
                    .map(|(a, &i)| (a.key.clone(), json_value(&a.values[i])))
                    .collect(),
                users: p.users,
                replications: p.replications,
                variants: p.variants.clone(),
                comparisons: p.comparisons.clone(),
                precision: p.precision.clone(),
            })
            .collect(),
        notes: plan.partly_patched_notes(base),
    }
}

fn secs_cell(x: Option<f64>) -> String {
    x.map(|s| format!("{s:.3}")).unwrap_or_default()
}

/// `sweep.csv`: one row per point × variant with the swept values, outcome counts and
/// time to usable (mean, p50, p90, p95, p99, max) with 95 % interval bounds (empty with
/// one replication).
pub fn sweep_csv(plan: &SweepPlan, points: &[PointSummary]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let resources = resource_names(points);
    w.write_record(sweep_csv_header(plan, &resources))?;
    for p in points {
        for v in &p.variants {
            let t = &v.time_to_usable_s;
            let mut row: Vec<String> = plan
                .axes
                .iter()
                .zip(&p.index)
                .map(|(a, &i)| a.labels[i].clone())
                .collect();
            row.push(v.name.clone());
            row.push(p.replications.to_string());
            row.push(p.users.to_string());
            for o in Outcome::ALL {
                row.push(v.outcomes.get(o.as_str()).copied().unwrap_or(0).to_string());
            }
            row.push(t.n.to_string());
            row.push(t.ci_replications.to_string());
            for st in STATS {
                let ci = t.ci95_by_stat.get(st);
                row.push(secs_cell(t.get(st)));
                row.push(secs_cell(ci.map(|c| c[0])));
                row.push(secs_cell(ci.map(|c| c[1])));
            }
            row.extend(comparison_cells(p, &v.name));
            row.extend(capacity_cells(v, &resources));
            w.write_record(&row)?;
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}

/// The comparison columns of `variant`'s row at `p`: the variant it is compared with and,
/// per compared figure, the paired difference and its interval (empty on the first
/// variant's row, which the others are compared with).
fn comparison_cells(p: &PointSummary, variant: &str) -> Vec<String> {
    let mine: Vec<&Comparison> = p
        .comparisons
        .iter()
        .filter(|c| c.variant == variant)
        .collect();
    let mut row = vec![mine.first().map(|c| c.against.clone()).unwrap_or_default()];
    for st in COMPARED {
        let c = mine.iter().find(|c| c.figure == st);
        row.push(secs_cell(c.and_then(|c| c.difference)));
        row.push(secs_cell(c.and_then(|c| c.ci95).map(|x| x[0])));
        row.push(secs_cell(c.and_then(|c| c.ci95).map(|x| x[1])));
    }
    row
}

/// Every resource of any point, in report order (`adfs-2` before `adfs-10`).
pub fn resource_names(points: &[PointSummary]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for v in points.iter().flat_map(|p| p.variants.iter()) {
        for n in v.resources.keys() {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
    }
    let key = |n: &String| {
        let (stem, num) = match n.rsplit_once('-') {
            Some((a, b)) if b.chars().all(|c| c.is_ascii_digit()) => {
                (a.to_string(), b.parse().unwrap_or(0))
            }
            _ => (n.clone(), 0u64),
        };
        (stem, num)
    };
    names.sort_by_key(key);
    names
}

/// The capacity columns of one row: the bottleneck, requests and failures, then per
/// resource the peak utilisation and peak mean wait (empty where absent or undefined).
fn capacity_cells(v: &VariantSummary, resources: &[String]) -> Vec<String> {
    let num = |x: Option<f64>| x.map(|x| format!("{x}")).unwrap_or_default();
    let mut row = vec![
        v.bottleneck
            .as_ref()
            .map(|b| b.resource.to_string())
            .unwrap_or_default(),
        num(v.bottleneck.as_ref().map(|b| b.share)),
        format!("{}", v.capacity_waiting.per_request_s),
        v.enrollment_requests.to_string(),
        v.enrollment_failures.values().sum::<u64>().to_string(),
    ];
    for name in resources {
        let r = v.resources.get(name);
        row.push(num(r.and_then(|r| r.peak.utilization)));
        row.push(num(r.and_then(|r| r.peak.mean_wait_s)));
    }
    row
}

/// The header of `sweep.csv`: the swept keys, then fixed columns, then two peak columns
/// per resource in `resources`.
pub fn sweep_csv_header(plan: &SweepPlan, resources: &[String]) -> Vec<String> {
    let mut h: Vec<String> = plan.axes.iter().map(|a| a.key.clone()).collect();
    h.extend(["variant", "replications", "users"].map(String::from));
    h.extend(Outcome::ALL.iter().map(|o| o.as_str().to_string()));
    h.push("ttu_n".into());
    h.push("ttu_ci_replications".into());
    for st in STATS {
        h.push(format!("ttu_{st}_s"));
        h.push(format!("ttu_{st}_ci_lo_s"));
        h.push(format!("ttu_{st}_ci_hi_s"));
    }
    h.push("against".into());
    for st in COMPARED {
        h.push(format!("ttu_{st}_diff_s"));
        h.push(format!("ttu_{st}_diff_ci_lo_s"));
        h.push(format!("ttu_{st}_diff_ci_hi_s"));
    }
    h.extend(
        [
            "bottleneck",
            "bottleneck_share",
            "capacity_wait_per_request_s",
            "enrollment_requests",
            "enrollment_failures",
        ]
        .map(String::from),
    );
    for r in resources {
        h.push(format!("{r}_peak_utilization"));
        h.push(format!("{r}_peak_mean_wait_s"));
    }
    h
}

const TABLE_STATS: [&str; 4] = ["p50", "p90", "p95", "p99"];

fn usable_cell(v: &VariantSummary) -> String {
    let total: u64 = v.outcomes.values().sum();
    let usable = v.outcomes.get("usable").copied().unwrap_or(0);
    if total == 0 {
        "0".into()
    } else {
        format!("{:.1}%", 100.0 * usable as f64 / total as f64)
    }
}

fn table_headers(plan: &SweepPlan) -> Vec<String> {
    let mut h: Vec<String> = plan.axes.iter().map(|a| a.key.clone()).collect();
    h.extend(["variant", "usable", "pending"].map(String::from));
    h.extend(TABLE_STATS.iter().map(|s| s.to_string()));
    h
}

fn value_cells(plan: &SweepPlan, p: &PointSummary) -> Vec<String> {
    plan.axes
        .iter()
        .zip(&p.index)
        .map(|(a, &i)| a.labels[i].clone())
        .collect()
}

/// The terminal table: one row per point × variant, 95 % intervals on the line below.
pub fn sweep_table(plan: &SweepPlan, points: &[PointSummary], summary: &SweepSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} sweep: {} points × {} variants, {} users, seed {}; crypto: {}",
        summary.scenario,
        points.len(),
        points.first().map_or(0, |p| p.variants.len()),
        summary.users,
        summary.seed,
        if summary.pki_mode == "real" {
            "real"
        } else {
            "OFF (pki.mode = \"off\")"
        }
    );
    let _ = writeln!(out, "{}", replications_line(points, summary.replications));
    let _ = writeln!(
        out,
        "time to usable (first sign-in → PIN works on-prem), over the users that became usable:"
    );
    let n_axes = plan.axes.len();
    let mut rows = Vec::new();
    for p in points {
        for v in &p.variants {
            let t = &v.time_to_usable_s;
            let mut row = value_cells(plan, p);
            row.push(v.name.clone());
            row.push(usable_cell(v));
            row.push(v.outcomes.get("pending").copied().unwrap_or(0).to_string());
            row.extend(TABLE_STATS.iter().map(|st| value_cell(t, st)));
            rows.push(row);
            if !t.ci95_by_stat.is_empty() {
                let mut ci = vec![String::new(); n_axes];
                ci.push("  95% CI".into());
                ci.push(String::new());
                ci.push(String::new());
                ci.extend(TABLE_STATS.iter().map(|st| ci_cell(t, st)));
                rows.push(ci);
            }
        }
    }
    out.push_str(&text_columns(&table_headers(plan), &rows, n_axes + 1));
    if let Some(n) = plateau_note(
        points
            .iter()
            .flat_map(|p| p.variants.iter().map(|v| &v.time_to_usable_s)),
    ) {
        let _ = writeln!(out, "{n}");
    }
    let precision = precision_lines(plan, points);
    if !precision.is_empty() {
        let _ = writeln!(out, "precision per point:");
        for l in &precision {
            let _ = writeln!(out, "  {l}");
        }
    }
    for n in &summary.notes {
        let _ = writeln!(out, "{n}");
    }
    out
}

/// How many replications the points ran and the degrees of freedom their intervals rest
/// on: one count for every point, or (with `--precision`) the range, since each point ran
/// its own.
fn replications_line(points: &[PointSummary], asked: u32) -> String {
    let lo = points.iter().map(|p| p.replications).min().unwrap_or(asked);
    let hi = points.iter().map(|p| p.replications).max().unwrap_or(asked);
    let how = "each figure is over the pooled users of all its replications, with its 95% interval from their spread (Student t: for the mean, of the replications' means; for a percentile, of their shares of users at or below each time, inverted)";
    if hi <= 1 {
        "1 replication per point: no confidence intervals (run with --replications N, N ≥ 2, for 95% intervals)".into()
    } else if lo == hi {
        format!(
            "{hi} replications per point ({} degrees of freedom); {how}",
            hi - 1
        )
    } else {
        format!(
            "{lo} to {hi} replications per point, as --precision ran each ({} to {} degrees of freedom; each point's count below); {how}",
            lo.saturating_sub(1),
            hi - 1
        )
    }
}

/// With `--precision`, one line per point: the replications it ran, their degrees of
/// freedom, and the worst half-width it reached against the target (or that the cap
/// stopped it); empty without.
fn precision_lines(plan: &SweepPlan, points: &[PointSummary]) -> Vec<String> {
    let pct = |x: f64| format!("{:.1} %", 100.0 * x);
    points
        .iter()
        .filter_map(|p| {
            let r = p.precision.as_ref()?;
            let reached = r.achieved.map_or_else(|| "no interval".to_string(), pct);
            let verdict = if r.hit_max {
                format!("target {} NOT reached, stopped at the cap", pct(r.target))
            } else {
                format!("within the {} target", pct(r.target))
            };
            let mut line = format!(
                "{}: {} replications ({} degrees of freedom), worst half-width {reached}, {verdict}",
                plan.describe(&p.index),
                r.replications,
                r.replications.saturating_sub(1)
            );
            if !r.unreachable.is_empty() {
                line.push_str(&format!(
                    "; not held to it, on a plateau: {}",
                    r.unreachable.join(", ")
                ));
            }
            Some(line)
        })
        .collect()
}

/// Sentences drawn from the numbers: for each variant and percentile, the best and the
/// worst point; points that left users pending.
fn findings(plan: &SweepPlan, points: &[PointSummary], horizon_s: f64) -> Vec<String> {
    let mut out = Vec::new();
    let Some(first) = points.first() else {
        return out;
    };
    for (vi, v) in first.variants.iter().enumerate() {
        let mut parts = Vec::new();
        for st in ["p50", "p95"] {
            let vals: Vec<(&PointSummary, f64)> = points
                .iter()
                .filter_map(|p| Some((p, p.variants.get(vi)?.time_to_usable_s.get(st)?)))
                .collect();
            let lo = vals.iter().min_by(|a, b| a.1.total_cmp(&b.1));
            let hi = vals.iter().max_by(|a, b| a.1.total_cmp(&b.1));
            if let (Some(lo), Some(hi)) = (lo, hi) {
                if hi.1 <= lo.1 * 1.05 {
                    parts.push(format!(
                        "{st} (over the users who became usable) stays at {} at every point",
                        prose_duration(lo.1)
                    ));
                    continue;
                }
                parts.push(format!(
                    "{st} (over the users who became usable) from {} ({}) to {} ({})",
                    prose_duration(lo.1),
                    plan.describe(&lo.0.index),
                    prose_duration(hi.1),
                    plan.describe(&hi.0.index)
                ));
            }
        }
        if !parts.is_empty() {
            out.push(format!(
                "**{}**: time to usable {}.",
                v.name,
                parts.join("; ")
            ));
        }
    }
    let pending: Vec<String> = points
        .iter()
        .flat_map(|p| {
            p.variants.iter().filter_map(move |v| {
                let n = v.outcomes.get("pending").copied().unwrap_or(0);
                (n > 0).then(|| format!("{} at {} ({n})", v.name, plan.describe(&p.index)))
            })
        })
        .collect();
    if pending.is_empty() {
        out.push(format!(
            "No point left users pending at the {} horizon.",
            short_duration(horizon_s)
        ));
    } else {
        out.push(format!(
            "Users still pending at the {} horizon (not in the percentiles): {}.",
            short_duration(horizon_s),
            pending.join("; ")
        ));
    }
    out
}

/// The sweep's report.md.
pub fn sweep_report(
    plan: &SweepPlan,
    points: &[PointSummary],
    summary: &SweepSummary,
    base: &Scenario,
    charts: &[(String, String)],
) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# {} — sweep report\n", summary.scenario);
    if !base.base.description.is_empty() {
        let _ = writeln!(md, "{}\n", base.base.description);
    }
    let variants: Vec<&str> = base.variants.iter().map(|v| v.name.as_str()).collect();
    let _ = writeln!(md, "| | |\n|:---|:---|");
    let _ = writeln!(
        md,
        "| scenario | `{}` from `{}` |",
        summary.scenario,
        base.source_name()
    );
    for a in &plan.axes {
        let _ = writeln!(md, "| swept `{}` | {} |", a.key, a.labels.join(", "));
    }
    let _ = writeln!(
        md,
        "| points | {} combinations × {} variants ({}) |",
        points.len(),
        variants.len(),
        variants.join(", ")
    );
    let _ = writeln!(md, "| users | {} per replication |", summary.users);
    let _ = writeln!(md, "| seed | {} |", summary.seed);
    let _ = writeln!(
        md,
        "| replications | {} |",
        replications_line(points, summary.replications)
    );
    let _ = writeln!(
        md,
        "| horizon | {} from Monday 00:00 |",
        short_duration(summary.horizon_s)
    );
    let _ = writeln!(
        md,
        "| cryptography | {} |\n",
        crypto_sentence(summary.pki_mode)
    );
    let _ = writeln!(md, "## What the numbers say\n");
    for f in findings(plan, points, summary.horizon_s) {
        let _ = writeln!(md, "- {f}");
    }
    for n in &summary.notes {
        let _ = writeln!(md, "- **{}", n.replacen("note:", "Note:**", 1));
    }
    let _ = writeln!(md, "\n## Time to usable at each point\n");
    let _ = writeln!(
        md,
        "From first sign-in to the PIN working on-prem, over the users that became usable{}.\n",
        if summary.replications > 1 {
            "; 95 % confidence intervals in brackets"
        } else {
            ""
        }
    );
    let rows: Vec<Vec<String>> = points
        .iter()
        .flat_map(|p| {
            p.variants.iter().map(move |v| {
                let mut row = value_cells(plan, p);
                row.push(v.name.clone());
                row.push(usable_cell(v));
                row.push(v.outcomes.get("pending").copied().unwrap_or(0).to_string());
                row.extend(
                    TABLE_STATS
                        .iter()
                        .map(|st| with_ci(&v.time_to_usable_s, st)),
                );
                row
            })
        })
        .collect();
    md.push_str(&markdown(&table_headers(plan), &rows));
    if let Some(n) = plateau_note(
        points
            .iter()
            .flat_map(|p| p.variants.iter().map(|v| &v.time_to_usable_s)),
    ) {
        let _ = writeln!(md, "\n{}", n.replacen(PLATEAU_MARK, "\\*", 1));
    }
    let precision = precision_lines(plan, points);
    if !precision.is_empty() {
        let _ = writeln!(md, "\n## Replications to a precision\n");
        let _ = writeln!(
            md,
            "Each point ran replications until the 95 % interval of every figure held to the target was within it (or the cap was reached):\n"
        );
        for l in &precision {
            let _ = writeln!(md, "- {l}");
        }
    }
    let _ = writeln!(md, "\n## Peak load and bottleneck at each point\n");
    let _ = writeln!(
        md,
        "Each resource's busiest `report.peak_window` (utilisation and the mean wait of the requests whose wait ended in it; AD FS: the busiest server), the bottleneck with the share of the capacity-caused waiting it explains, and the enrollment attempts that failed (timeouts, outages, an unpatched server refusing a key not yet in AD). `sweep.csv` has the peak figures of every resource.\n"
    );
    md.push_str(&peak_table(plan, points));
    let _ = writeln!(md, "\n## Charts\n");
    let _ = writeln!(
        md,
        "Each chart is in `charts/` as SVG (linked here) and PNG; `sweep.csv` and `summary.json` hold every figure.\n"
    );
    for (stem, title) in charts {
        let _ = writeln!(md, "### {title}\n\n![{title}](charts/{stem}.svg)\n");
    }
    md
}

/// Per point × variant: the bottleneck, the busiest AD FS server's and the CA's peak
/// utilisation and wait, failed enrollment attempts.
fn peak_table(plan: &SweepPlan, points: &[PointSummary]) -> String {
    let mut headers: Vec<String> = plan.axes.iter().map(|a| a.key.clone()).collect();
    headers.extend(
        [
            "variant",
            "bottleneck",
            "AD FS peak util.",
            "AD FS peak wait",
            "CA peak util.",
            "CA peak wait",
            "failed / requests",
        ]
        .map(String::from),
    );
    let util = |x: Option<f64>| {
        x.map(|u| format!("{:.1} %", 100.0 * u))
            .unwrap_or_else(|| "—".into())
    };
    let wait = |x: Option<f64>| x.map(short_duration).unwrap_or_else(|| "—".into());
    let rows: Vec<Vec<String>> = points
        .iter()
        .flat_map(|p| {
            p.variants.iter().map(move |v| {
                let adfs = v
                    .resources_by_id()
                    .filter(|(id, _)| id.is_adfs_server())
                    .map(|(_, r)| r)
                    .max_by(|a, b| {
                        let u = |r: &&super::summary::ResourceSummary| {
                            r.peak.utilization.unwrap_or(0.0)
                        };
                        u(a).total_cmp(&u(b))
                    });
                let ca = v.resource(ResourceId::Ca);
                let mut row = value_cells(plan, p);
                row.push(v.name.clone());
                row.push(
                    v.bottleneck
                        .as_ref()
                        .map(|b| format!("{} ({:.0} %)", b.resource, 100.0 * b.share))
                        .unwrap_or_else(|| "none".into()),
                );
                row.push(util(adfs.and_then(|r| r.peak.utilization)));
                row.push(wait(adfs.and_then(|r| r.peak.mean_wait_s)));
                row.push(util(ca.and_then(|r| r.peak.utilization)));
                row.push(wait(ca.and_then(|r| r.peak.mean_wait_s)));
                row.push(format!(
                    "{} / {}",
                    v.enrollment_failures.values().sum::<u64>(),
                    v.enrollment_requests
                ));
                row
            })
        })
        .collect();
    markdown(&headers, &rows)
}

/// What a sweep wrote.
#[derive(Debug, Clone)]
pub struct WrittenSweep {
    /// The summary.
    pub summary: SweepSummary,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// Writes every output of a sweep into `out_dir`.
pub fn write_sweep_outputs(
    plan: &SweepPlan,
    points: &[PointSummary],
    base: &Scenario,
    out_dir: &Path,
) -> anyhow::Result<WrittenSweep> {
    let summary = sweep_summary(plan, points, base);
    let mut files = FileList::new(out_dir);
    files.put("sweep.csv", sweep_csv(plan, points)?)?;
    let mut json = serde_json::to_vec_pretty(&summary)?;
    json.push(b'\n');
    files.put("summary.json", json)?;
    let charts = SweepCharts::new(plan, points, summary.replications);
    let list = charts.list();
    files.put(
        "report.md",
        sweep_report(plan, points, &summary, base, &list).into_bytes(),
    )?;
    files.extend(charts.write(&out_dir.join("charts"))?);
    Ok(WrittenSweep {
        summary,
        files: files.into_files(),
    })
}
