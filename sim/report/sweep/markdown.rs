//! The sweep's `report.md`: what the numbers say, time to usable and peak load at each
//! point, the charts.

use super::summary::SweepSummary;
use super::table::{
    precision_lines, replications_line, table_headers, usable_cell, value_cells, TABLE_STATS,
};
use super::PointSummary;
use crate::model::ResourceId;
use crate::report::clock::{prose_duration, short_duration};
use crate::report::markdown::crypto_sentence;
use crate::report::table::{markdown, plateau_note, with_ci, PLATEAU_MARK};
use crate::run::sweep::SweepPlan;
use crate::scenario::Scenario;
use std::fmt::Write;

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
                        let u = |r: &&crate::report::summary::ResourceSummary| {
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
