//! `report.md` and the terminal summary of `compare-pilot`.

use super::figures::Figure;
use super::verdict::CompareJson;
use crate::report::clock::short_duration as clock;
use std::fmt::Write;

fn secs(x: Option<f64>) -> String {
    x.map_or("—".into(), clock)
}

fn interval(x: Option<[f64; 2]>) -> String {
    x.map_or("—".into(), |[a, b]| {
        format!("[{}, {}]", clock(a), clock(b))
    })
}

fn signed(x: Option<f64>) -> String {
    x.map_or("—".into(), |d| {
        if d < 0.0 {
            format!("−{}", clock(-d))
        } else {
            format!("+{}", clock(d))
        }
    })
}

fn signed_interval(x: Option<[f64; 2]>) -> String {
    x.map_or("—".into(), |[a, b]| {
        format!("[{}, {}]", signed(Some(a)), signed(Some(b)))
    })
}

/// A p-value as a reader takes it: three decimals, or "< 0.001".
fn p_value(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("= {p:.3}")
    }
}

fn within(f: &Figure) -> &'static str {
    match (f.within, f.inconclusive) {
        (Some(true), false) => "yes",
        (Some(true), true) => "yes (interval wider than the band)",
        (Some(false), _) => "**no**",
        (None, _) => "not computable",
    }
}

fn figure_rows(out: &mut String, figures: &[Figure]) {
    out.push_str("| figure | pilot | 95 % | simulated | 95 % | difference | 95 % | accepted | within |\n|---|---:|---|---:|---|---:|---|---:|---|\n");
    for f in figures {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | ±{:.0} % | {} |",
            f.figure,
            secs(f.observed),
            interval(f.observed_ci95),
            secs(f.simulated),
            interval(f.simulated_ci95),
            signed(f.difference),
            signed_interval(f.ci95),
            f.accept * 100.0,
            within(f)
        );
    }
}

/// The report: verdict, time to usable, every stage, the tests, the charts and how to
/// read them.
pub(crate) fn report_md(c: &CompareJson, charts: &[(String, String)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Pilot against simulation: {}\n", c.verdict);
    let _ = writeln!(
        out,
        "Scenario `{}`, variant `{}`, run on the pilot's own population: {} devices signing in when they did ({} later sign-ins from the sign-in log), from the policy start {} to the exports' end {} (the horizon, {}); {} replications, seed {}, {} bootstrap draws per stage.\n",
        c.scenario,
        c.variant,
        c.pilot.devices,
        c.pilot.later_signins,
        c.pilot.policy_start,
        c.pilot.export_end,
        clock(c.pilot.horizon_s),
        c.replications,
        c.seed,
        c.bootstrap
    );
    match c.first_departure {
        Some(s) => {
            let _ = writeln!(out, "**The scenario departs from the pilot**, first at `{s}`: the 95 % interval of a difference lies wholly outside the accepted band. Fix that stage's keys first (the later stages inherit its error).\n");
        }
        None => {
            let _ = writeln!(out, "**The scenario reproduces the pilot** within the accepted differences: no difference's 95 % interval lies wholly outside its band.\n");
        }
    }
    out.push_str("A figure is *within* when the 95 % interval of simulated − observed reaches into ± the accepted share of the pilot's value; it departs when the whole interval lies outside. Percentiles are read off Kaplan–Meier curves, so devices still waiting at the export's end count as censored on both sides; the intervals are percentile bootstrap intervals over the pilot's devices and, independently, the simulated replications. A small pilot gives wide intervals: \"interval wider than the band\" means the pilot cannot tell either way.\n\n");
    out.push_str("## Time to usable\n\n");
    figure_rows(&mut out, &c.figures);
    if let Some(t) = &c.test {
        let _ = writeln!(
            out,
            "\n{} test of the two samples: χ² = {:.2}, p {} (a small p says the distributions differ somewhere, even where the percentiles agree).",
            t.name, t.statistic, p_value(t.p_value)
        );
    }
    out.push_str("\n## Every stage\n\n");
    for s in &c.stages {
        let _ = writeln!(
            out,
            "### {}\n\nPilot: {} devices ({} still in it at the end). Simulated: {} users ({} at the horizon).\n",
            s.stage, s.observed_n, s.observed_censored, s.simulated_n, s.simulated_censored
        );
        figure_rows(&mut out, &s.figures);
        if let Some(t) = &s.test {
            let _ = writeln!(
                out,
                "\n{}: χ² = {:.2}, p = {:.3}.",
                t.name, t.statistic, t.p_value
            );
        }
        out.push('\n');
    }
    if !c.not_compared.is_empty() {
        out.push_str("## Not compared\n\n");
        for n in &c.not_compared {
            let _ = writeln!(out, "- `{}`: {}", n.stage, n.why);
        }
        out.push('\n');
    }
    if !charts.is_empty() {
        out.push_str("## Charts\n\n");
        for (path, caption) in charts {
            let _ = writeln!(out, "- [{path}]({path}): {caption}");
        }
    }
    out
}

/// What `compare-pilot` prints: the verdict and each stage's figures on a line.
pub fn terminal(c: &CompareJson) -> String {
    let mut out = format!(
        "pilot: {} devices, {} → {}; simulated {} replications of variant {}\n",
        c.pilot.devices, c.pilot.policy_start, c.pilot.export_end, c.replications, c.variant
    );
    for s in &c.stages {
        let figs: Vec<String> = s
            .figures
            .iter()
            .map(|f| {
                format!(
                    "{} {} vs {} ({})",
                    f.figure,
                    secs(f.observed),
                    secs(f.simulated),
                    match f.within {
                        Some(true) => "within",
                        Some(false) => "DEPARTS",
                        None => "n/a",
                    }
                )
            })
            .collect();
        let _ = writeln!(out, "  {:<17} {}", s.stage, figs.join(", "));
    }
    let _ = writeln!(
        out,
        "verdict: {}{}",
        c.verdict,
        c.first_departure
            .map(|s| format!(" (first at {s})"))
            .unwrap_or_default()
    );
    out
}
