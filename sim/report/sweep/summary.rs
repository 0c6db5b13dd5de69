//! The sweep's `summary.json`: per point the swept values and the same per-variant
//! summary and comparisons as `run` writes.

use super::PointSummary;
use crate::report::comparisons::Comparison;
use crate::report::summary::VariantSummary;
use crate::run::sweep::SweepPlan;
use crate::scenario::Scenario;
use serde::Serialize;

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
    /// Swept key → value at this point, keys sorted: a `BTreeMap` rather than
    /// `serde_json::Map`, whose order follows a serde_json feature (`preserve_order`) that
    /// any dependency may turn on.
    pub values: std::collections::BTreeMap<String, serde_json::Value>,
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

/// A swept value as JSON, as the scenario wrote it.
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
