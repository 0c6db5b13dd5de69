//! The comparison table: printed after a run (plain text, confidence intervals on a line
//! of their own under each variant) and in report.md (markdown, intervals in brackets).

use super::comparisons::comparison_line;
use super::summary::{Summary, TimeStats, VariantSummary, STATS};
use crate::engine::time::from_secs;
use crate::scenario::duration::format_duration;
use std::fmt::Write;

/// A duration cell; `—` when there is no value. Fractions of a second only show on
/// spans under ten seconds, where they matter.
pub(crate) fn dur(x: Option<f64>) -> String {
    x.map(|s| {
        if s <= 0.0 {
            "0s".to_string()
        } else {
            format_duration(from_secs(if s >= 10.0 { s.round() } else { s }))
        }
    })
    .unwrap_or_else(|| "—".into())
}

fn pct(n: u64, total: u64) -> String {
    if total == 0 {
        "0".into()
    } else {
        format!("{n} ({:.1}%)", 100.0 * n as f64 / total as f64)
    }
}

/// `lo–hi` of `stat`'s interval, or empty without one.
pub(crate) fn ci_cell(s: &TimeStats, stat: &str) -> String {
    s.ci95_by_stat
        .get(stat)
        .map(|[lo, hi]| format!("{}–{}", dur(Some(*lo)), dur(Some(*hi))))
        .unwrap_or_default()
}

/// The mark after a percentile that sits on a plateau of the pooled distribution.
pub(crate) const PLATEAU_MARK: &str = "*";

/// `stat`'s value, marked when it sits on a plateau.
pub(crate) fn value_cell(s: &TimeStats, stat: &str) -> String {
    let v = dur(s.get(stat));
    if s.on_plateau.contains(&stat) {
        format!("{v}{PLATEAU_MARK}")
    } else {
        v
    }
}

/// The note under a table with marked cells, or `None` when nothing is marked.
pub(crate) fn plateau_note<'a>(stats: impl IntoIterator<Item = &'a TimeStats>) -> Option<String> {
    stats.into_iter().any(|t| !t.on_plateau.is_empty()).then(|| {
        format!(
            "{PLATEAU_MARK} on a plateau of the pooled distribution: a fifth of its tail of users more or less (p95: 94%–96%) moves it by more than a factor of 2, so it is not a stable figure and its 95% interval spans the step (summary.json plateau_s has both sides; report.md says who is on each)"
        )
    })
}

/// What a run to a precision reached, as `run` prints it under its table and report.md
/// lists it (one line, two when some figure sits on a plateau).
pub(crate) fn precision_line(p: &crate::analysis::sequential::Precision) -> String {
    let pct = |x: f64| format!("{:.1} %", 100.0 * x);
    let reached = p.achieved.map_or("no interval".to_string(), pct);
    let mut line = if p.unreachable.len() == p.figures.len() {
        format!(
            "precision: target {} not pursued after {} replications: every figure held to it is on a plateau",
            pct(p.target),
            p.replications
        )
    } else if p.hit_max {
        format!(
            "precision: target {} NOT reached after {} replications (the cap): worst half-width {reached}",
            pct(p.target),
            p.replications
        )
    } else {
        format!(
            "precision: every half-width within {} of its figure after {} replications (worst {reached})",
            pct(p.target),
            p.replications
        )
    };
    if !p.unreachable.is_empty() {
        let (is, its, it) = if p.unreachable.len() == 1 {
            ("is", "its 95% interval spans", "it")
        } else {
            ("are", "their 95% intervals span", "them")
        };
        line.push_str(&format!(
            "\nprecision: {} {is} on a plateau: {its} the step of the distribution, and more replications give {it} no relative precision until they can tell which side of the step the percentile is on; not held to the target",
            p.unreachable.join(", ")
        ));
    }
    line
}

/// How many replications the intervals rest on, as a sentence fragment.
pub(crate) fn replications_note(s: &Summary) -> String {
    if s.replications <= 1 {
        "1 replication: no confidence intervals (run with --replications N, N ≥ 2, for 95% intervals)".to_string()
    } else {
        let fewer: Vec<String> = s
            .variants
            .iter()
            .filter(|v| {
                let c = v.time_to_usable_s.ci_replications;
                c > 0 && c < s.replications
            })
            .map(|v| format!("{}: {}", v.name, v.time_to_usable_s.ci_replications))
            .collect();
        let mut note = format!(
            "{} replications; each figure is over the pooled users of all replications, with its 95% interval from the spread of the replications (Student t, {} degrees of freedom: for the mean, of the replications' means; for a percentile, of their shares of users at or below each time, inverted; none for the max)",
            s.replications,
            s.replications - 1
        );
        if !fewer.is_empty() {
            let _ = write!(
                note,
                "; intervals rest on fewer replications where some had no usable user ({})",
                fewer.join(", ")
            );
        }
        note
    }
}

const OUTCOME_HEADERS: [&str; 6] = [
    "variant", "usable", "pending", "gave_up", "no_tpm", "rejected",
];

fn outcome_cells(v: &VariantSummary) -> Vec<String> {
    let total: u64 = v.outcomes.values().sum();
    let get = |k: &str| v.outcomes.get(k).copied().unwrap_or(0);
    vec![
        v.name.clone(),
        pct(get("usable"), total),
        get("pending").to_string(),
        get("gave_up").to_string(),
        get("no_tpm").to_string(),
        get("rejected").to_string(),
    ]
}

/// Lays out rows as aligned text columns (first `left` columns left-aligned).
pub(crate) fn text_columns(headers: &[String], rows: &[Vec<String>], left: usize) -> String {
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .chain([headers[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i < left {
                    format!("{c:<w$}", w = widths[i])
                } else {
                    format!("{c:>w$}", w = widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}", line(headers));
    let total: usize = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    let _ = writeln!(out, "{}", "-".repeat(total));
    for r in rows {
        let _ = writeln!(out, "{}", line(r));
    }
    out
}

/// Renders the terminal table and the notes a reader needs (crypto mode, horizon,
/// replications).
pub fn comparison_table(s: &Summary, crypto: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} users, seed {}; crypto: {}",
        s.scenario, s.users, s.seed, crypto
    );
    let _ = writeln!(out, "{}", replications_note(s));
    let _ = writeln!(
        out,
        "time to usable (first sign-in → PIN works on-prem), over the users that became usable:"
    );
    let headers: Vec<String> = OUTCOME_HEADERS
        .iter()
        .map(|h| h.to_string())
        .chain(STATS.iter().map(|h| h.to_string()))
        .collect();
    let mut rows = Vec::new();
    for v in &s.variants {
        let t = &v.time_to_usable_s;
        let mut row = outcome_cells(v);
        row.extend(STATS.iter().map(|st| value_cell(t, st)));
        rows.push(row);
        if !t.ci95_by_stat.is_empty() {
            let mut ci = vec!["  95% CI".to_string()];
            ci.extend(std::iter::repeat_n(
                String::new(),
                OUTCOME_HEADERS.len() - 1,
            ));
            ci.extend(STATS.iter().map(|st| ci_cell(t, st)));
            rows.push(ci);
        }
    }
    out.push_str(&text_columns(&headers, &rows, 1));
    if let Some(n) = plateau_note(s.variants.iter().map(|v| &v.time_to_usable_s)) {
        let _ = writeln!(out, "{n}");
    }
    if !s.comparisons.is_empty() {
        let _ = writeln!(
            out,
            "paired differences of time to usable, over the users who became usable (common random numbers){}:",
            if s.replications > 1 {
                ", 95% intervals in brackets"
            } else {
                "; one replication: no intervals"
            }
        );
        for c in &s.comparisons {
            let _ = writeln!(out, "  {}", comparison_line(c));
        }
    }
    out.push_str(&notes(s));
    out
}

/// The notes under a table: users left pending at the horizon, security refusals.
pub fn notes(s: &Summary) -> String {
    let mut out = String::new();
    for v in &s.variants {
        if v.hit_horizon {
            let _ = writeln!(
                out,
                "note: {}: {} users still pending at the horizon ({}); their times are not in the percentiles",
                v.name,
                v.outcomes.get("pending").copied().unwrap_or(0),
                format_duration(from_secs(s.horizon_s))
            );
        }
        let rejected = super::summary::nonzero_counts(&v.rejected_by);
        if !rejected.is_empty() {
            let _ = writeln!(
                out,
                "note: {}: rejected by security checks: {rejected}",
                v.name
            );
        }
    }
    out
}

/// Escapes a markdown table cell.
pub(crate) fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// A markdown table from headers and rows (first column left-aligned, others right).
pub fn markdown(headers: &[String], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| {} |",
        headers
            .iter()
            .map(|h| md_cell(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(
        out,
        "|{}|",
        headers
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { ":---" } else { "---:" })
            .collect::<Vec<_>>()
            .join("|")
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} |",
            r.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ")
        );
    }
    out
}

/// A figure with its interval in brackets, for markdown cells.
pub(crate) fn with_ci(t: &TimeStats, stat: &str) -> String {
    let ci = ci_cell(t, stat);
    let v = value_cell(t, stat).replace(PLATEAU_MARK, "\\*");
    if ci.is_empty() {
        v
    } else {
        format!("{v} [{ci}]")
    }
}

/// The comparison table in markdown (95% intervals in brackets when there are some).
pub(crate) fn markdown_table(s: &Summary) -> String {
    let headers: Vec<String> = OUTCOME_HEADERS
        .iter()
        .map(|h| h.to_string())
        .chain(STATS.iter().map(|h| h.to_string()))
        .collect();
    let rows: Vec<Vec<String>> = s
        .variants
        .iter()
        .map(|v| {
            let mut row = outcome_cells(v);
            row.extend(STATS.iter().map(|st| with_ci(&v.time_to_usable_s, st)));
            row
        })
        .collect();
    markdown(&headers, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn summary(reps: u32, ci: bool) -> Summary {
        let mut t = TimeStats {
            n: 10,
            mean: Some(100.0),
            p50: Some(90.0),
            p90: Some(150.0),
            p95: Some(160.0),
            p99: Some(170.0),
            max: Some(180.0),
            ..TimeStats::default()
        };
        if ci {
            for st in STATS {
                t.ci95_by_stat.insert(st, [80.0, 120.0]);
            }
            t.ci95 = Some([80.0, 120.0]);
            t.ci_replications = reps;
        }
        let outcomes: BTreeMap<&'static str, u64> = [
            ("usable", 10),
            ("pending", 0),
            ("gave_up", 0),
            ("no_tpm", 0),
            ("rejected", 0),
        ]
        .into_iter()
        .collect();
        Summary {
            scenario: "t".into(),
            seed: 1,
            users: 10,
            replications: reps,
            pki_mode: "off",
            horizon_s: 86_400.0,
            precision: None,
            variants: vec![VariantSummary {
                name: "pre-kb".into(),
                outcomes,
                rejected_by: BTreeMap::new(),
                time_to_usable_s: t.clone(),
                time_to_pin_s: t,
                resources: BTreeMap::new(),
                sync_cycles: 0,
                hit_horizon: false,
                events: 0,
                ..VariantSummary::default()
            }],
            comparisons: Vec::new(),
        }
    }

    #[test]
    fn one_replication_says_there_is_no_interval() {
        let out = comparison_table(&summary(1, false), "off");
        assert!(out.contains("no confidence intervals"), "{out}");
        assert!(!out.contains("95% CI"), "{out}");
        assert!(out.contains("mean"), "{out}");
    }

    #[test]
    fn intervals_go_on_their_own_line_and_in_brackets() {
        let s = summary(5, true);
        let out = comparison_table(&s, "off");
        assert!(out.contains("5 replications"), "{out}");
        let ci_line = out.lines().find(|l| l.contains("95% CI")).unwrap();
        assert!(ci_line.contains("1m 20s–2m 00s"), "{out}");
        let md = markdown_table(&s);
        assert!(md.contains("1m 40s [1m 20s–2m 00s]"), "{md}");
        assert!(md.lines().nth(1).unwrap().starts_with("|:---|"), "{md}");
    }
}
