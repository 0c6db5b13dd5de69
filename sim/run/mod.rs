//! Running a scenario: every variant × replication, on a rayon pool, with results merged
//! in a fixed order so the outputs do not depend on the number of threads.

pub mod pki_backend;
pub mod sweep;

use crate::model::{Model, RunOutput, TraceFilter};
use crate::scenario::schema::PkiMode;
use crate::scenario::Scenario;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Worker threads; `None` = all cores.
    pub threads: Option<usize>,
    /// Which users to trace into `events.csv`.
    pub trace: TraceFilter,
    /// Real PKI material to reuse (sweeps share it across points); a fresh cache if `None`.
    pub materials: Option<std::sync::Arc<pki_backend::MaterialCache>>,
}

/// One variant's runs.
#[derive(Debug)]
pub struct VariantResult {
    /// The variant's name.
    pub name: String,
    /// One output per replication, in replication order.
    pub replications: Vec<RunOutput>,
}

/// Everything a scenario run produced.
#[derive(Debug)]
pub struct ScenarioResult {
    /// The scenario name.
    pub scenario: String,
    /// The seed.
    pub seed: u64,
    /// Users per replication.
    pub users: u32,
    /// Replications per variant.
    pub replications: u32,
    /// Whether real cryptography ran.
    pub pki_real: bool,
    /// Per variant, in scenario order.
    pub variants: Vec<VariantResult>,
}

/// What a progress report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Real keys loaded or generated, requests signed.
    Pki,
    /// Simulations (variant × replication) done.
    Simulations,
}

/// Progress reports while running: (stage, done, total).
pub type Progress<'a> = &'a (dyn Fn(Stage, usize, usize) + Sync);

/// Runs `work` on a pool of `threads` workers, or on the current pool when `None`.
pub fn with_threads<R: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> anyhow::Result<R> + Send,
) -> anyhow::Result<R> {
    match threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()?
            .install(work),
        None => work(),
    }
}

/// Runs every variant and replication of `scenario`.
pub fn run_scenario(
    scenario: &Scenario,
    opts: &RunOptions,
    progress: Progress<'_>,
) -> anyhow::Result<ScenarioResult> {
    let base = &scenario.base;
    let reps = base.replications;
    let jobs: Vec<(usize, u32)> = (0..scenario.variants.len())
        .flat_map(|v| (0..reps).map(move |r| (v, r)))
        .collect();
    let total = jobs.len();
    let done = AtomicUsize::new(0);
    let pki_real = scenario
        .variants
        .iter()
        .any(|v| v.spec.pki.mode == PkiMode::Real);
    let specs: Vec<&crate::scenario::Spec> = scenario.variants.iter().map(|v| &v.spec).collect();
    let simulate = |backends: &[pki_backend::Backend], &(v, r): &(usize, u32)| -> RunOutput {
        let spec = &scenario.variants[v].spec;
        let mut pki = backends[v].port(spec.users);
        let out = Model::new(spec, r, pki.as_mut(), &opts.trace).run();
        progress(
            Stage::Simulations,
            done.fetch_add(1, Ordering::Relaxed) + 1,
            total,
        );
        out
    };
    let work = || -> anyhow::Result<Vec<RunOutput>> {
        let cache = opts.materials.clone().unwrap_or_default();
        let backends = pki_backend::backends(&specs, &cache, &|d, t| progress(Stage::Pki, d, t))?;
        Ok(jobs.par_iter().map(|j| simulate(&backends, j)).collect())
    };
    let outputs: Vec<RunOutput> = with_threads(opts.threads, work)?;
    let mut outputs = outputs.into_iter();
    let variants = scenario
        .variants
        .iter()
        .map(|v| VariantResult {
            name: v.name.clone(),
            replications: outputs.by_ref().take(reps as usize).collect(),
        })
        .collect();
    Ok(ScenarioResult {
        scenario: scenario.name().to_string(),
        seed: base.seed,
        users: base.users,
        replications: reps,
        pki_real,
        variants,
    })
}
