//! What report.md says about fault windows: per variant and window, the users it hit,
//! the calls that failed, and the delay it caused against the same users without it (a
//! shadow run of the variant on common random numbers).

use super::clock::{clock_minutes, prose_duration};
use super::summary::{FaultSummary, Summary, VariantSummary};
use super::table::markdown;

/// `drs_down Mon 08:15–08:35` (with the server or factor where the kind has one).
pub(crate) fn window_label(f: &FaultSummary) -> String {
    let what = &f.effect;
    let (from, to) = (clock_minutes(f.start_s), clock_minutes(f.end_s));
    // `Mon 08:15–08:35` when the window ends on the day it starts.
    let to = match (from.rsplit_once(' '), to.rsplit_once(' ')) {
        (Some((d0, _)), Some((d1, t))) if d0 == d1 => t.to_string(),
        _ => to,
    };
    format!("{what} {from}–{to}")
}

fn delays(f: &FaultSummary) -> String {
    let d = &f.delay_s;
    match (d.mean, d.p50, d.p95) {
        (Some(m), Some(p50), Some(p95)) => format!(
            "delayed them by {} on average (median {}, p95 {})",
            signed(m),
            signed(p50),
            signed(p95)
        ),
        _ => "none of them became usable both with and without it, so there is no delay to measure"
            .into(),
    }
}

fn signed(s: f64) -> String {
    if s < 0.0 {
        format!("−{}", prose_duration(-s))
    } else {
        prose_duration(s)
    }
}

/// One sentence per fault window of `v`.
pub(crate) fn fault_sentences(v: &VariantSummary, replications: u32) -> Vec<String> {
    let summed = if replications > 1 {
        format!(" (summed over {replications} replications)")
    } else {
        String::new()
    };
    v.faults
        .iter()
        .map(|f| {
            let lost = if f.not_usable > 0 {
                format!(
                    "; {} of them became usable without it but not with it",
                    f.not_usable
                )
            } else {
                String::new()
            };
            format!(
                "In {}, the fault window {} hit {} users{summed} and made {} calls fail; against the same users without it (a shadow run of {} on common random numbers) it {}{lost}.",
                v.name,
                window_label(f),
                f.users_hit,
                f.failed_calls,
                v.name,
                delays(f)
            )
        })
        .collect()
}

/// The fault windows of every variant as a table; `None` when there are none.
pub(crate) fn fault_table(s: &Summary) -> Option<String> {
    let headers: Vec<String> = [
        "variant",
        "fault window",
        "users hit",
        "failed calls",
        "delay: mean",
        "p50",
        "p95",
        "not usable",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    let cell = |x: Option<f64>| x.map(signed).unwrap_or_else(|| "—".into());
    let rows: Vec<Vec<String>> = s
        .variants
        .iter()
        .flat_map(|v| {
            v.faults.iter().map(move |f| {
                vec![
                    v.name.clone(),
                    window_label(f),
                    f.users_hit.to_string(),
                    f.failed_calls.to_string(),
                    cell(f.delay_s.mean),
                    cell(f.delay_s.p50),
                    cell(f.delay_s.p95),
                    f.not_usable.to_string(),
                ]
            })
        })
        .collect();
    (!rows.is_empty()).then(|| markdown(&headers, &rows))
}
