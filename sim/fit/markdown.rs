//! `fit.md`: what was read, what each quantity's fit is (family, parameters with
//! intervals, AIC, goodness of fit, and every family tried), the shares and the sync
//! scheduler, the keys set, and the estimates the exports could not inform.

use super::apply::Setting;
use super::quantities::Analysis;
use crate::exports::load::SourceFile;
use std::fmt::Write;

fn secs(x: Option<f64>) -> String {
    x.map_or("—".into(), |s| {
        if s < 1.0 {
            format!("{:.0} ms", s * 1e3)
        } else if s < 600.0 {
            format!("{s:.1} s")
        } else {
            format!("{:.1} min", s / 60.0)
        }
    })
}

/// Text from an export made safe for a table cell: a `|` would end the cell and a line
/// break the row (a skip reason quotes what the file held).
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The report.
pub(crate) fn fit_md(
    a: &Analysis,
    sources: &[SourceFile],
    settings: &[Setting],
    not_fitted: &[(String, String)],
    charts: &[(String, String)],
) -> String {
    let mut md = String::from("# Fitted from a pilot\n\n");
    let _ = writeln!(
        md,
        "{} devices signed in after the policy start; {} were not usable when the export ended (right-censored, counted in every fit, not dropped). {} duplicate events were dropped, and {} from before the policy start.\n",
        a.devices, a.censored_devices, a.duplicate_events, a.events_before_policy
    );
    let _ = writeln!(
        md,
        "## Files read\n\n| file | kind | records | used | skipped |\n|---|---|---:|---:|---|"
    );
    for s in sources {
        let skipped: Vec<String> = s
            .skipped
            .iter()
            .map(|k| format!("{} × {}", k.count, cell(&k.reason)))
            .collect();
        let _ = writeln!(
            md,
            "| `{}` | {:?} | {} | {} | {} |",
            s.file.replace('`', "'").replace('|', "\\|"),
            s.kind,
            s.records,
            s.used,
            skipped.join("; ")
        );
    }
    let _ = writeln!(
        md,
        "\n## Durations\n\nMaximum likelihood over the observed and the censored units; families ranked by AIC; goodness of fit by a parametric bootstrap that refits every sample (its p-value is valid with estimated parameters); parameter intervals are the bootstrap's 2.5 % and 97.5 % points. A family with a p-value under 0.05 is not chosen.\n"
    );
    let _ = writeln!(md, "| quantity | n | censored | chosen | median | p95 | parameters [95 %] | p-value | note |\n|---|---:|---:|---|---:|---:|---|---:|---|");
    for q in &a.quantities {
        let params = q.chosen.as_ref().map_or(String::new(), |c| c.params_text());
        let p = q
            .chosen
            .as_ref()
            .and_then(|c| c.p_value)
            .map_or("—".into(), |p| format!("{p:.3}"));
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            q.quantity,
            q.n,
            q.censored,
            q.family.unwrap_or("not fitted"),
            secs(q.median_s),
            secs(q.p95_s),
            params,
            p,
            q.note
        );
    }
    let _ = writeln!(
        md,
        "\nEvery family tried, per quantity (AIC: lower is better):\n"
    );
    for q in a.quantities.iter().filter(|q| !q.candidates.is_empty()) {
        let tried: Vec<String> = q
            .candidates
            .iter()
            .map(|c| {
                format!(
                    "{} AIC {:.1}, p {}",
                    c.family.as_str(),
                    c.aic,
                    c.p_value.map_or("—".into(), |p| format!("{p:.3}"))
                )
            })
            .collect();
        let _ = writeln!(md, "- **{}**: {}", q.quantity, tried.join("; "));
    }
    if !charts.is_empty() {
        let _ = writeln!(md, "\n### How well each family fits\n");
        for (path, caption) in charts {
            let _ = writeln!(md, "![{caption}]({path})\n");
        }
    }
    if !a.shares.is_empty() || a.sync.is_some() {
        let _ = writeln!(md, "\n## Shares and the sync scheduler\n");
    }
    for s in &a.shares {
        let _ = writeln!(
            md,
            "- **{}** ({}): {:.4}, Wilson 95 % [{:.4}, {:.4}], over {} devices",
            s.quantity, s.key, s.value, s.ci95[0], s.ci95[1], s.n
        );
    }
    if let Some(s) = &a.sync {
        let _ = writeln!(
            md,
            "- **sync cycles** ({}): interval {}, first cycle {} after the policy start, overhead {} [{:.1}, {:.1}] s, {:.2} ms per changed object [{:.2}, {:.2}], median {} changes per cycle",
            s.cycles,
            secs(Some(s.interval_s)),
            secs(s.phase_s),
            secs(Some(s.overhead_s)),
            s.overhead_ci95[0],
            s.overhead_ci95[1],
            s.per_object_s * 1e3,
            s.per_object_ci95[0] * 1e3,
            s.per_object_ci95[1] * 1e3,
            s.median_changes
        );
    }
    let _ = writeln!(
        md,
        "\n## Keys set in scenario.toml\n\n| key | value | from |\n|---|---|---|"
    );
    for s in settings {
        let _ = writeln!(
            md,
            "| `{}` | `{}` | {} |",
            s.key,
            s.value.replace('|', "\\|"),
            s.comment
        );
    }
    let _ = writeln!(
        md,
        "\n## Still estimates\n\nThese keys keep the base scenario's value: the exports say nothing about them. `whfb-sim sensitivity` on the fitted scenario says which of them still matter.\n"
    );
    for (k, why) in not_fitted {
        let _ = writeln!(md, "- `{k}`: {why}");
    }
    md
}
