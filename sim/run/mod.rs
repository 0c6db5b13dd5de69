//! Running a scenario: every variant × replication, and a shadow run per fault window
//! ([`shadow`]), on a rayon pool, with results merged in a fixed order so the outputs do
//! not depend on the number of threads.

pub mod pki_backend;
pub mod shadow;
pub mod sweep;

use crate::engine::SimTime;
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
    /// What each of the variant's fault windows did, in the spec's order (measured
    /// against shadow runs without it).
    pub faults: Vec<shadow::FaultOutcome>,
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
    // Every variant × replication, and for each of the variant's fault windows a shadow
    // of that replication without it: (variant, replication, window).
    let jobs: Vec<(usize, u32, Option<usize>)> = (0..scenario.variants.len())
        .flat_map(|v| {
            let windows = scenario.variants[v].spec.faults.len();
            (0..reps).flat_map(move |r| {
                std::iter::once((v, r, None)).chain((0..windows).map(move |i| (v, r, Some(i))))
            })
        })
        .collect();
    let shadow_specs: Vec<Vec<crate::scenario::Spec>> = scenario
        .variants
        .iter()
        .map(|v| {
            (0..v.spec.faults.len())
                .map(|i| shadow::without_window(&v.spec, i))
                .collect()
        })
        .collect();
    let total = jobs.len();
    let done = AtomicUsize::new(0);
    let pki_real = scenario
        .variants
        .iter()
        .any(|v| v.spec.pki.mode == PkiMode::Real);
    let specs: Vec<&crate::scenario::Spec> = scenario.variants.iter().map(|v| &v.spec).collect();
    enum Out {
        Run(RunOutput),
        Shadow(Vec<Option<SimTime>>),
    }
    let simulate =
        |backends: &[pki_backend::Backend], &(v, r, window): &(usize, u32, Option<usize>)| -> Out {
            let out = match window {
                None => {
                    let spec = &scenario.variants[v].spec;
                    let mut pki = backends[v].port(spec.users);
                    Out::Run(Model::new(spec, r, pki.as_mut(), &opts.trace).run())
                }
                Some(i) => {
                    let spec = &shadow_specs[v][i];
                    let mut pki = backends[v].port(spec.users);
                    let run = Model::new(spec, r, pki.as_mut(), &TraceFilter::Off).run();
                    Out::Shadow(shadow::usable_times(&run))
                }
            };
            progress(
                Stage::Simulations,
                done.fetch_add(1, Ordering::Relaxed) + 1,
                total,
            );
            out
        };
    let work = || -> anyhow::Result<Vec<Out>> {
        let cache = opts.materials.clone().unwrap_or_default();
        let backends = pki_backend::backends(&specs, &cache, &|d, t| progress(Stage::Pki, d, t))?;
        Ok(jobs.par_iter().map(|j| simulate(&backends, j)).collect())
    };
    let outputs: Vec<Out> = with_threads(opts.threads, work)?;
    // Back in plan order: per variant, per replication, the run then its shadows.
    let mut outputs = outputs.into_iter();
    let variants = scenario
        .variants
        .iter()
        .map(|v| {
            let windows = v.spec.faults.len();
            let mut runs = Vec::with_capacity(reps as usize);
            let mut shadows: Vec<Vec<Vec<Option<SimTime>>>> = vec![Vec::new(); windows];
            for _ in 0..reps {
                if let Some(Out::Run(run)) = outputs.next() {
                    runs.push(run);
                }
                for s in shadows.iter_mut() {
                    if let Some(Out::Shadow(times)) = outputs.next() {
                        s.push(times);
                    }
                }
            }
            let faults = (0..windows)
                .map(|i| shadow::fault_outcome(&v.spec, i, &runs, &shadows[i]))
                .collect();
            VariantResult {
                name: v.name.clone(),
                replications: runs,
                faults,
            }
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
