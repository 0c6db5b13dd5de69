//! `report.md`: a run's report, readable on its own: what was simulated (and whether real
//! cryptography ran), a few sentences drawn from the numbers, the comparison table, where
//! the time goes, the shared resources, and the charts.

use super::charts::RUN_CHARTS;
use super::clock::{prose_duration, short_duration};
use super::comparisons::{comparison_line, verdict};
use super::plateau_findings::plateau_sentences;
use super::stages::{mean_stages, mean_stages_within, STAGES, STAGE_COUNT};
use super::summary::{time_to_usable, Summary, VariantSummary};
use super::table::{
    markdown, markdown_table, notes, plateau_note, replications_note, PLATEAU_MARK,
};
use super::RunInfo;
use super::{capacity_findings, fault_findings};
use crate::run::{ScenarioResult, VariantResult};
use crate::scenario::schema::Trust;
use std::fmt::Write;

/// What report.md says about cryptography.
pub(crate) fn crypto_sentence(pki_mode: &str) -> &'static str {
    if pki_mode == "real" {
        "**real** — every user had a real key pair; every PKCS#10 request, RA envelope (CMS) and certificate was built and every signature checked, and a failed check changed the outcome."
    } else {
        "**OFF** (`pki.mode = \"off\"`) — no keys, requests, signatures or certificates were made. The security checks were decided on identities instead of verified signatures, and crypto steps took their configured simulated durations. Timings are as valid as with real crypto; the PKI itself was not exercised."
    }
}

/// The time by which `share` of *all* users (not only the usable ones) were usable,
/// pooled over replications; `None` when fewer than that became usable.
pub(crate) fn time_for_share(v: &VariantResult, share: f64) -> Option<f64> {
    let mut t: Vec<f64> = v
        .replications
        .iter()
        .flat_map(|r| r.users.iter().filter_map(time_to_usable))
        .collect();
    let total: usize = v.replications.iter().map(|r| r.users.len()).sum();
    let k = (share * total as f64).ceil() as usize;
    if k == 0 || k > t.len() {
        return None;
    }
    t.sort_unstable_by(f64::total_cmp);
    Some(t[k - 1])
}

fn usable_share(v: &VariantSummary) -> f64 {
    let total: u64 = v.outcomes.values().sum();
    if total == 0 {
        0.0
    } else {
        100.0 * v.outcomes.get("usable").copied().unwrap_or(0) as f64 / total as f64
    }
}

/// The sentences of "What the numbers say".
pub(crate) fn findings(result: &ScenarioResult, s: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    let pooled = if s.replications > 1 {
        format!(" (pooled over {} replications)", s.replications)
    } else {
        String::new()
    };
    let horizon = short_duration(s.horizon_s);
    for (vr, vs) in result.variants.iter().zip(&s.variants) {
        let median = vs.time_to_usable_s.p50.map(prose_duration);
        let sentence = match (time_for_share(vr, 0.95), median) {
            (Some(t95), Some(m)) => format!(
                "**{}** makes 95 % of all users usable within **{}** of their first sign-in{pooled}; the median of the users who became usable waits {m}.",
                vs.name,
                prose_duration(t95)
            ),
            (None, Some(m)) => format!(
                "**{}** makes only {:.1} % of all users usable before the {horizon} horizon, so it never reaches 95 % of them; the median of the users who became usable waits {m}.",
                vs.name,
                usable_share(vs)
            ),
            _ => format!("**{}**: no user became usable before the {horizon} horizon.", vs.name),
        };
        out.push(sentence);
    }
    if s.variants.len() > 1 {
        let base = &s.variants[0];
        for v in &s.variants[1..] {
            if let (Some(a), Some(b)) = (base.time_to_usable_s.p50, v.time_to_usable_s.p50) {
                let (a95, b95) = (base.time_to_usable_s.p95, v.time_to_usable_s.p95);
                let p50 = s
                    .comparisons
                    .iter()
                    .find(|c| c.variant == v.name && c.figure == "p50");
                let mut how = p50.and_then(verdict).unwrap_or_default();
                // A ratio only where it says more than the difference does.
                let about_same = how.starts_with("about the same");
                if !about_same && a > 0.0 && b > 0.0 && (a / b >= 1.5 || b / a >= 1.5) {
                    let r = if a >= b { a / b } else { b / a };
                    let r = if r >= 10.0 {
                        format!("{r:.0}")
                    } else {
                        format!("{r:.1}")
                    };
                    how = format!("{how}, a factor of {r}");
                }
                let how = if how.is_empty() {
                    String::new()
                } else {
                    format!(" ({how})")
                };
                out.push(format!(
                    "Against {}, over the users who became usable in each: {}'s median time to usable is {} vs {}{how}, its p95 {} vs {}.",
                    base.name,
                    v.name,
                    prose_duration(b),
                    prose_duration(a),
                    b95.map(prose_duration).unwrap_or_else(|| "—".into()),
                    a95.map(prose_duration).unwrap_or_else(|| "—".into()),
                ));
            }
        }
    }
    let pending: Vec<String> = s
        .variants
        .iter()
        .filter(|v| v.outcomes.get("pending").copied().unwrap_or(0) > 0)
        .map(|v| format!("{} {} users", v.name, v.outcomes["pending"]))
        .collect();
    if pending.is_empty() {
        out.push(format!(
            "No user was left pending at the {horizon} horizon."
        ));
    } else {
        out.push(format!(
            "Still pending at the {horizon} horizon: {}{}; they are not in the percentiles, so the real tail is longer than the table shows.",
            pending.join(", "),
            if s.replications > 1 { " (summed over replications)" } else { "" }
        ));
    }
    for v in &s.variants {
        let other: Vec<String> = ["gave_up", "no_tpm", "rejected"]
            .iter()
            .filter_map(|k| {
                let n = v.outcomes.get(k).copied().unwrap_or(0);
                (n > 0).then(|| format!("{n} {k}"))
            })
            .collect();
        if !other.is_empty() {
            out.push(format!("{} also has {}.", v.name, other.join(", ")));
        }
    }
    for (vr, vs) in result.variants.iter().zip(&s.variants) {
        if let Some((st, _)) = mean_stages(&vr.replications) {
            let total: f64 = st.iter().sum();
            if let Some((i, x)) = st
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .filter(|(_, x)| **x > 0.0)
            {
                out.push(format!(
                    "In {}, the largest share of the mean time to usable ({}) goes to *{}*: {}, {:.0} %.",
                    vs.name,
                    prose_duration(total),
                    STAGES[i].1,
                    prose_duration(*x),
                    100.0 * x / total.max(1e-9)
                ));
            }
        }
        out.extend(capacity_findings::peak_sentence(vs));
        out.push(capacity_findings::bottleneck_sentence(vs));
        out.extend(capacity_findings::failures_sentence(vs));
        out.extend(fault_findings::fault_sentences(vs, s.replications));
    }
    out
}

fn stage_table(result: &ScenarioResult) -> Option<String> {
    let mut means: Vec<Option<([f64; STAGE_COUNT], u64)>> = Vec::new();
    let mut headers = vec!["stage (mean per usable user)".to_string()];
    for v in &result.variants {
        means.push(mean_stages(&v.replications));
        means.push(mean_stages_within(&v.replications, 0.9));
        headers.push(format!("{}: all", v.name));
        headers.push(format!("{}: fastest 90 %", v.name));
    }
    if means.iter().all(|m| m.is_none()) {
        return None;
    }
    let mut rows: Vec<Vec<String>> = STAGES
        .iter()
        .enumerate()
        .map(|(i, (_, label))| {
            std::iter::once(label.to_string())
                .chain(means.iter().map(|m| match m {
                    Some((st, _)) => {
                        let total: f64 = st.iter().sum();
                        format!(
                            "{} ({:.0} %)",
                            short_duration(st[i]),
                            100.0 * st[i] / total.max(1e-9)
                        )
                    }
                    None => "—".into(),
                }))
                .collect()
        })
        .collect();
    rows.push(
        std::iter::once("**total = mean time to usable**".to_string())
            .chain(means.iter().map(|m| match m {
                Some((st, n)) => format!("**{}** (n = {n})", short_duration(st.iter().sum())),
                None => "—".into(),
            }))
            .collect(),
    );
    Some(markdown(&headers, &rows))
}

fn resource_table(s: &Summary) -> String {
    let headers: Vec<String> = [
        "variant",
        "resource",
        "utilisation",
        "mean queue",
        "max queue",
        "mean wait",
        "requests",
        "peak utilisation",
        "peak mean queue",
        "peak max queue",
        "peak mean wait",
        "withdrawn",
        "failed",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    let mut rows = Vec::new();
    for v in &s.variants {
        for (name, r) in &v.resources {
            rows.push(vec![
                v.name.clone(),
                name.clone(),
                r.utilization
                    .map(|u| format!("{:.1} %", 100.0 * u))
                    .unwrap_or_else(|| "— (latency only)".into()),
                format!("{:.2}", r.mean_queue),
                format!("{:.0}", r.max_queue),
                short_duration(r.mean_wait_s),
                r.arrivals.to_string(),
                r.peak
                    .utilization
                    .map(|u| format!("{:.1} %", 100.0 * u))
                    .unwrap_or_else(|| "—".into()),
                format!("{:.2}", r.peak.mean_queue),
                format!("{:.0}", r.peak.max_queue),
                r.peak
                    .mean_wait_s
                    .map(short_duration)
                    .unwrap_or_else(|| "—".into()),
                r.withdrawn.to_string(),
                r.failed.to_string(),
            ]);
        }
    }
    markdown(&headers, &rows)
}

/// The whole report.md of a run.
pub fn run_report(result: &ScenarioResult, s: &Summary, info: &RunInfo) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# {} — Windows Hello for Business provisioning report\n",
        s.scenario
    );
    if !info.description.is_empty() {
        let _ = writeln!(md, "{}\n", info.description);
    }
    // The trust model is named only when a variant leaves the default one.
    let mixed = s.variants.iter().any(|v| v.trust != Trust::default());
    let variants: Vec<String> = s
        .variants
        .iter()
        .map(|v| {
            if mixed {
                format!("{} (trust: {})", v.name, v.trust.as_str())
            } else {
                v.name.clone()
            }
        })
        .collect();
    let _ = writeln!(md, "| | |\n|:---|:---|");
    let _ = writeln!(md, "| scenario | `{}` from `{}` |", s.scenario, info.source);
    let _ = writeln!(md, "| variants | {} |", variants.join(", "));
    let _ = writeln!(md, "| users | {} per replication |", s.users);
    let _ = writeln!(md, "| seed | {} |", s.seed);
    let _ = writeln!(md, "| replications | {} |", replications_note(s));
    let _ = writeln!(
        md,
        "| horizon | {} from Monday 00:00 (when the policy applies) |",
        short_duration(s.horizon_s)
    );
    let _ = writeln!(md, "| cryptography | {} |\n", crypto_sentence(s.pki_mode));

    let _ = writeln!(md, "## What the numbers say\n");
    for f in findings(result, s) {
        let _ = writeln!(md, "- {f}");
    }
    let _ = writeln!(md);

    let _ = writeln!(md, "## Time to usable\n");
    let _ = writeln!(
        md,
        "From each user's first sign-in after the policy applies to the PIN working on-prem (certificate trust: certificate installed and accepted by a DC; key trust: key on the user's DC; cloud Kerberos trust: provisioning over, a DC in reach), over the users that became usable. {}.\n",
        if s.replications > 1 {
            format!(
                "Each figure is over the pooled users of all {} replications (the users of `users.csv` and of the CDF chart), with its 95 % interval in brackets: for the mean, Student t on how the replications' means vary around the pooled one (sectioning); for a percentile, every time whose share of users at or below it could be the percentile's share, by the same Student t interval on the replications' shares (the interval stays valid where the distribution jumps, and on a plateau spans the step); the max has none",
                s.replications
            )
        } else {
            "One replication, so no intervals".to_string()
        }
    );
    md.push_str(&markdown_table(s));
    let n = notes(s);
    let plateaus: Vec<String> = result
        .variants
        .iter()
        .zip(&s.variants)
        .flat_map(|(vr, vs)| plateau_sentences(vr, vs))
        .collect();
    if !n.is_empty() || !plateaus.is_empty() {
        let _ = writeln!(md);
        if let Some(p) = plateau_note(s.variants.iter().map(|v| &v.time_to_usable_s)) {
            let _ = writeln!(md, "- {}", p.replacen(PLATEAU_MARK, "\\*", 1));
        }
        for p in &plateaus {
            let _ = writeln!(md, "- {p}");
        }
        for l in n.lines() {
            let _ = writeln!(md, "- {}", l.trim_start_matches("note: "));
        }
    }
    if let Some(p) = &s.precision {
        let _ = writeln!(md);
        for l in super::table::precision_line(p).lines() {
            let _ = writeln!(md, "- {}", l.trim_start_matches("precision: "));
        }
    }
    let _ = writeln!(md);
    if !s.comparisons.is_empty() {
        let _ = writeln!(md, "### Paired differences\n");
        let _ = writeln!(
            md,
            "Each variant against {}: the variants ran on common random numbers, so replication *r* and user *i* are the same in both. A percentile's difference is of the pooled percentiles (each over its own usable users), its interval from the per-replication differences, except where the percentile is on a plateau in either variant: there the replications' differences jump with the step and cannot be paired, and the interval is built from the two variants' own percentile intervals (each at 97.5 %, so 95 % together; marked *not paired*). The mean's is the mean per-user difference over the users usable in both. Negative: faster than {}. {}\n",
            s.variants[0].name,
            s.variants[0].name,
            if s.replications > 1 {
                "95 % intervals in brackets."
            } else {
                "One replication, so no intervals."
            }
        );
        for c in &s.comparisons {
            let _ = writeln!(md, "- {}", comparison_line(c));
        }
        let _ = writeln!(md);
    }

    if let Some(t) = stage_table(result) {
        let _ = writeln!(md, "## Where the time goes\n");
        let _ = writeln!(md, "Mean time per stage of all users who became usable, and of the 90 % of them who got there fastest (the typical path, without the tail of users who went home or whose device was not ready); the stages add up to the mean time to usable. *Waiting for sync* is key registered → key in on-prem AD, counted only when the user had to wait for it (certificate trust: before the enrollment request that succeeded; key trust: always); *AD replication* is key trust's key in AD → on the user's DC; *waiting for retry* runs until the enrollment request that succeeded; *waiting for a reachable DC* is a PIN ready while no DC was in reach (a `dc_unreachable` window).\n");
        md.push_str(&t);
        let _ = writeln!(md);
    }

    let _ = writeln!(md, "## Shared resources\n");
    let _ = writeln!(md, "Utilisation is the mean share of workers busy (Azure AD Connect: share of time a cycle runs). DRS has no servers in the model: its queue is the calls in flight and its wait the latency. Azure AD Connect's queue is the registered keys waiting for a cycle to carry them to AD and its wait is key registered → key in AD. Figures are means over replications; max queue is the largest seen.\n");
    let _ = writeln!(md, "The *peak* columns are the busiest {} of each resource (`report.peak_window`; windows slide on the {} buckets, busiest = highest mean utilisation, for DRS the most calls in flight): utilisation, queue, and the mean wait of the requests whose wait ended in it. Sizing reads these, not the whole-run means. *Withdrawn*: requests that left a queue because their caller gave up (a timeout); *failed*: calls refused while the resource was down (a fault window). An AD FS worker is one concurrent request slot of one federation server; a CA worker is about one CA CPU.\n", short_duration(info.peak_window_s), short_duration(info.series_bucket_s));
    md.push_str(&resource_table(s));
    let _ = writeln!(md);
    if let Some(t) = capacity_findings::holding_table(s) {
        let _ = writeln!(md, "### Where AD FS workers' time went\n");
        let _ = writeln!(md, "An AD FS worker holds a request for the whole synchronous enrollment: the server's own work (request handling, key lookup in AD, the RA), the DRS receipt check, and waiting for and being served by the CA. Shares of each server's worker time (worker-seconds, mean over replications). The bottleneck above splits each server's queue wait in these proportions.\n");
        md.push_str(&t);
        let _ = writeln!(md);
    }
    if let Some(t) = fault_findings::fault_table(s) {
        let _ = writeln!(md, "## Fault windows\n");
        let _ = writeln!(md, "Per window: the users it hit (a call of theirs failed because of it, or was slowed or held by it), the calls that failed, and the delay it caused — each hit user's usable time minus their usable time in a *shadow run* of the same variant and replication without that window (same seed, same users: common random numbers), over the hit users usable in both; *not usable*: hit users usable without the window but not with it. Counts are summed over replications, delays pooled.\n");
        md.push_str(&t);
        let _ = writeln!(md);
    }
    let cycles: Vec<String> = s
        .variants
        .iter()
        .map(|v| {
            // A mean over replications, to a tenth: 47.3, not 47.333333333333336.
            let per = v.sync_cycles as f64 / s.replications.max(1) as f64;
            let per = format!("{per:.1}");
            format!("{} {}", v.name, per.trim_end_matches(".0"))
        })
        .collect();
    let _ = writeln!(
        md,
        "Azure AD Connect sync cycles completed per replication: {}.\n",
        cycles.join(", ")
    );

    let _ = writeln!(md, "## Charts\n");
    let _ = writeln!(
        md,
        "Each chart is in `charts/` as SVG (linked here) and PNG.\n"
    );
    for (stem, title) in RUN_CHARTS {
        let _ = writeln!(md, "### {title}\n\n![{title}](charts/{stem}.svg)\n");
    }

    let _ = writeln!(md, "## Files\n");
    let _ = writeln!(md, "- `summary.json` — the figures above, machine-readable");
    let _ = writeln!(
        md,
        "- `users.csv` — one row per user, variant and replication: outcome and every milestone (seconds from Monday 00:00)"
    );
    let _ = writeln!(
        md,
        "- `resources.csv` — each resource's queue and utilisation per time bucket"
    );
    let _ = writeln!(md, "- `sync_cycles.csv` — the Azure AD Connect cycle log");
    if info.trace {
        let _ = writeln!(
            md,
            "- `events.csv` — the traced users' event logs (Windows event ids 358, 360, 300 where they exist)"
        );
    }
    md
}
