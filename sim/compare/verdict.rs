//! Stage by stage, the pilot against the simulation, and the verdict: `reproduces` when
//! every compared figure is within what the user accepts, `departs` otherwise, naming the
//! first stage (in provisioning order) that departs.

use super::figures::{compare, Accept, Figure};
use super::logrank::{log_rank, Test};
use crate::fit::mle::Unit;
use crate::fit::timeline::STAGES;
use serde::Serialize;
use std::collections::BTreeMap;

/// One stage compared.
#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    /// The stage (`user_steps`, …, `time_to_usable`).
    pub stage: &'static str,
    /// Pilot devices with this stage.
    pub observed_n: usize,
    /// Of them, still in it at the export's end.
    pub observed_censored: usize,
    /// Simulated users with this stage, all replications.
    pub simulated_n: usize,
    /// Of them, still in it at the horizon.
    pub simulated_censored: usize,
    /// The accepted percentiles compared.
    pub figures: Vec<Figure>,
    /// The log-rank test of the two samples.
    pub test: Option<Test>,
    /// Whether every figure is within (`null` when none could be compared).
    pub within: Option<bool>,
    /// The simulated durations of every replication, pooled (for the charts).
    #[serde(skip)]
    pub simulated: Vec<Unit>,
}

/// A stage the comparison could not make, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotCompared {
    /// The stage.
    pub stage: &'static str,
    /// Why.
    pub why: String,
}

/// Every stage compared, in provisioning order, and those that could not be.
pub fn stages(
    observed: &BTreeMap<&'static str, Vec<Unit>>,
    simulated: &[BTreeMap<&'static str, Vec<Unit>>],
    accept: &[Accept],
    draws: usize,
    seed: u64,
) -> (Vec<Stage>, Vec<NotCompared>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for (k, &stage) in STAGES.iter().enumerate() {
        let obs = observed.get(stage).map_or(&[][..], |v| v.as_slice());
        let reps: Vec<Vec<Unit>> = simulated
            .iter()
            .map(|r| r.get(stage).cloned().unwrap_or_default())
            .collect();
        let pooled: Vec<Unit> = reps.iter().flatten().copied().collect();
        let why = match (obs.is_empty(), pooled.is_empty()) {
            (true, true) => Some("neither the exports nor the simulation show it".to_string()),
            (true, false) => Some(format!("the exports show no device in this stage; the simulation has {} users in it", pooled.len())),
            (false, true) => Some(format!("the pilot shows {} devices in this stage; the simulated scenario has none (another patch level or trust model?)", obs.len())),
            (false, false) => None,
        };
        if let Some(why) = why {
            skipped.push(NotCompared { stage, why });
            continue;
        }
        let figures = compare(obs, &reps, &pooled, accept, draws, seed ^ (k as u64 + 1));
        let within = if figures.iter().any(|f| f.within == Some(false)) {
            Some(false)
        } else if figures.iter().any(|f| f.within == Some(true)) {
            Some(true)
        } else {
            None
        };
        let censored = |u: &[Unit]| u.iter().filter(|u| u.value.is_none()).count();
        out.push(Stage {
            stage,
            observed_n: obs.len(),
            observed_censored: censored(obs),
            simulated_n: pooled.len(),
            simulated_censored: censored(&pooled),
            test: log_rank(obs, &pooled),
            figures,
            within,
            simulated: pooled,
        });
    }
    (out, skipped)
}

/// The verdict over the compared stages, and the first stage that departs.
pub fn verdict(stages: &[Stage]) -> (&'static str, Option<&'static str>) {
    match stages.iter().find(|s| s.within == Some(false)) {
        Some(s) => ("departs", Some(s.stage)),
        None => ("reproduces", None),
    }
}

/// The pilot as compared.
#[derive(Debug, Serialize)]
pub struct PilotInfo {
    /// Devices with a first sign-in after the policy.
    pub devices: u32,
    /// When the policy reached them.
    pub policy_start: String,
    /// When the exports end (the simulation's horizon).
    pub export_end: String,
    /// Seconds from the one to the other.
    pub horizon_s: f64,
    /// Sign-ins after the first, from the Entra sign-in log.
    pub later_signins: usize,
}

/// `compare.json`.
#[derive(Debug, Serialize)]
pub struct CompareJson {
    /// `reproduces` or `departs`.
    pub verdict: &'static str,
    /// The accuracy asked for.
    pub accept: Vec<Accept>,
    /// Time to usable's figures (the outcome a planner reads).
    pub figures: Vec<Figure>,
    /// Every stage the exports and the simulation both show, in provisioning order.
    pub stages: Vec<Stage>,
    /// Time to usable's two-sample test.
    pub test: Option<Test>,
    /// The first stage that departs, in provisioning order.
    pub first_departure: Option<&'static str>,
    /// Stages left out, and why.
    pub not_compared: Vec<NotCompared>,
    /// The scenario file.
    pub scenario: String,
    /// The variant simulated.
    pub variant: String,
    /// Simulated replications.
    pub replications: u32,
    /// The seed.
    pub seed: u64,
    /// Bootstrap draws per stage.
    pub bootstrap: usize,
    /// The pilot.
    pub pilot: PilotInfo,
}
