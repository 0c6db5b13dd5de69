//! The short comparison table printed after a run.

use super::summary::{Summary, TimeStats};
use crate::engine::time::from_secs;
use crate::scenario::duration::format_duration;
use std::fmt::Write;

fn dur(x: Option<f64>) -> String {
    x.map(|s| format_duration(from_secs(s)))
        .unwrap_or_else(|| "—".into())
}

fn pct(n: u64, total: u64) -> String {
    if total == 0 {
        "0".into()
    } else {
        format!("{n} ({:.1}%)", 100.0 * n as f64 / total as f64)
    }
}

fn with_ci(s: &TimeStats, stat: &str, v: Option<f64>) -> String {
    match s.ci95_by_stat.get(stat) {
        Some([lo, hi]) => format!("{} [{}–{}]", dur(v), dur(Some(*lo)), dur(Some(*hi))),
        None => dur(v),
    }
}

/// Renders the table and the notes a reader needs (crypto mode, horizon, replications).
pub fn comparison_table(s: &Summary, crypto: &str) -> String {
    let mut out = String::new();
    let reps = if s.replications == 1 {
        "1 replication (no confidence intervals)".to_string()
    } else {
        format!("{} replications (95% CI in brackets)", s.replications)
    };
    let _ = writeln!(
        out,
        "{}: {} users, seed {}, {}; crypto: {}",
        s.scenario, s.users, s.seed, reps, crypto
    );
    let headers = [
        "variant", "usable", "pending", "gave_up", "no_tpm", "rejected", "p50", "p90", "p95",
        "p99", "max",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for v in &s.variants {
        let total: u64 = v.outcomes.values().sum();
        let t = &v.time_to_usable_s;
        rows.push(vec![
            v.name.clone(),
            pct(v.outcomes["usable"], total),
            v.outcomes["pending"].to_string(),
            v.outcomes["gave_up"].to_string(),
            v.outcomes["no_tpm"].to_string(),
            v.outcomes["rejected"].to_string(),
            with_ci(t, "p50", t.p50),
            with_ci(t, "p90", t.p90),
            with_ci(t, "p95", t.p95),
            with_ci(t, "p99", t.p99),
            with_ci(t, "max", t.max),
        ]);
    }
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([headers[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    format!("{c:<w$}", w = widths[i])
                } else {
                    format!("{c:>w$}", w = widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let _ = writeln!(
        out,
        "time to usable (first sign-in → certificate installed):"
    );
    let _ = writeln!(
        out,
        "{}",
        line(headers.iter().map(|h| h.to_string()).collect())
    );
    for r in rows {
        let _ = writeln!(out, "{}", line(r));
    }
    for v in &s.variants {
        if v.hit_horizon {
            let _ = writeln!(
                out,
                "note: {}: {} users still pending at the horizon ({}); their times are not in the percentiles",
                v.name,
                v.outcomes["pending"],
                format_duration(from_secs(s.horizon_s))
            );
        }
        let rejected: Vec<String> = v
            .rejected_by
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        if !rejected.is_empty() {
            let _ = writeln!(
                out,
                "note: {}: rejected by security checks: {}",
                v.name,
                rejected.join(", ")
            );
        }
    }
    out
}
