//! The table a sweep prints on the terminal, and the cells and lines `report.md` shares
//! with it.

use super::summary::SweepSummary;
use super::PointSummary;
use crate::report::summary::VariantSummary;
use crate::report::table::{ci_cell, plateau_note, text_columns, value_cell};
use crate::run::sweep::SweepPlan;
use std::fmt::Write;

/// The percentiles of time to usable the table and report.md show.
pub(super) const TABLE_STATS: [&str; 4] = ["p50", "p90", "p95", "p99"];

/// The share of users that became usable.
pub(super) fn usable_cell(v: &VariantSummary) -> String {
    let total: u64 = v.outcomes.values().sum();
    let usable = v.outcomes.get("usable").copied().unwrap_or(0);
    if total == 0 {
        "0".into()
    } else {
        format!("{:.1}%", 100.0 * usable as f64 / total as f64)
    }
}

/// The headers of the time-to-usable table: swept keys, variant, outcomes, percentiles.
pub(super) fn table_headers(plan: &SweepPlan) -> Vec<String> {
    let mut h: Vec<String> = plan.axes.iter().map(|a| a.key.clone()).collect();
    h.extend(["variant", "usable", "pending"].map(String::from));
    h.extend(TABLE_STATS.iter().map(|s| s.to_string()));
    h
}

/// The swept values of point `p`, as labelled in the plan.
pub(super) fn value_cells(plan: &SweepPlan, p: &PointSummary) -> Vec<String> {
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
pub(super) fn replications_line(points: &[PointSummary], asked: u32) -> String {
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
pub(super) fn precision_lines(plan: &SweepPlan, points: &[PointSummary]) -> Vec<String> {
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
