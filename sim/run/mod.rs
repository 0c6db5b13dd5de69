//! Running a scenario: every variant × replication (the [units](mod@unit) of work, each with a
//! shadow run per fault window, [`shadow`]), on a rayon pool, with results assembled in a
//! fixed order so the outputs do not depend on the number of threads; a [`shard`] runs a
//! deterministic share of the units of a run or a sweep on one machine of many.
//!
//! Two entry points, both taking [`RunOptions`]: [`run_scenario`] for one scenario, whose
//! result is kept whole, and [`sweep::run_sweep`] for many points, each reduced as soon
//! as it is done.

pub mod cost;
pub mod pki_backend;
pub mod shadow;
pub mod shard;
pub mod sweep;
pub mod unit;

use crate::model::{RunOutput, TraceFilter};
use crate::scenario::Scenario;

/// How to run: what the two entry points, [`run_scenario`] and [`sweep::run_sweep`]
/// (and a shard's [`shard::run_shard`]), take besides the work itself.
#[derive(Clone)]
pub struct RunOptions<'a> {
    /// Worker threads; `None` = all cores (or the pool the caller already runs in).
    pub threads: Option<usize>,
    /// Which users to trace into `events.csv` (a sweep traces no one).
    pub trace: TraceFilter,
    /// Real PKI material to reuse (sweeps share it across points, `plan` across its search
    /// rounds); a fresh cache if `None`.
    pub materials: Option<std::sync::Arc<pki_backend::MaterialCache>>,
    /// The sweep point the run is, which names its units (0 for a plain run; a sweep sets
    /// it for each point it runs).
    pub point: u32,
    /// Where progress goes: (stage, done, total); nowhere by default.
    pub progress: Progress<'a>,
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        RunOptions {
            threads: None,
            trace: TraceFilter::Off,
            materials: None,
            point: 0,
            progress: &|_, _, _| {},
        }
    }
}

impl std::fmt::Debug for RunOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("threads", &self.threads)
            .field("trace", &self.trace)
            .field("materials", &self.materials.is_some())
            .field("point", &self.point)
            .finish_non_exhaustive()
    }
}

/// One variant's runs.
#[derive(Debug)]
pub struct VariantResult {
    /// The variant's name.
    pub name: String,
    /// Its trust model.
    pub trust: crate::scenario::schema::Trust,
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
    /// Real keys generated, requests signed (which part: the [`PkiStage`]).
    ///
    /// [`PkiStage`]: crate::pki::PkiStage
    Pki(crate::pki::PkiStage),
    /// Simulations (variant × replication) done.
    Simulations,
}

/// Progress reports while running: (stage, done, total).
pub type Progress<'a> = &'a (dyn Fn(Stage, usize, usize) + Sync);

/// Runs `work` on a pool of `threads` workers, or on the current pool when `None`.
pub(crate) fn with_threads<R: Send>(
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

/// Runs every variant and replication of `scenario` (its units as sweep point
/// `opts.point`) and assembles them into one result, kept whole: a run's reports need
/// every user. [`sweep::run_sweep`] is the other entry point, for many points each
/// reduced as soon as it is done.
pub fn run_scenario(scenario: &Scenario, opts: &RunOptions<'_>) -> anyhow::Result<ScenarioResult> {
    let ids = unit::units_of(opts.point, scenario);
    let units = unit::run_units(scenario, &ids, opts, &Ok)?;
    unit::assemble(scenario, units)
}
