//! The sweep's `sweep.csv`: one row per point × variant with the swept values, outcome
//! counts, time to usable with its intervals, the comparisons and the capacity figures.

use super::PointSummary;
use crate::model::Outcome;
use crate::report::comparisons::{Comparison, COMPARED};
use crate::report::summary::{VariantSummary, STATS};
use crate::run::sweep::SweepPlan;

/// Seconds to the millisecond, empty where there is no figure.
fn secs_cell(x: Option<f64>) -> String {
    x.map(|s| format!("{s:.3}")).unwrap_or_default()
}

/// `sweep.csv`: one row per point × variant with the swept values, outcome counts and
/// time to usable (mean, p50, p90, p95, p99, max) with 95 % interval bounds (empty with
/// one replication).
pub fn sweep_csv(plan: &SweepPlan, points: &[PointSummary]) -> anyhow::Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
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
