//! `whfb-sim sensitivity`: reads the flags, checks the figures and the keys' ranges
//! against the scenario (bad ones are usage errors, exit 2), admits the whole design
//! under the cost limits, runs its points (or a shard's share of them) and writes the
//! outputs as one set.

use super::output_set::OutputSet;
use super::progress::{announce_key_fill, Reporter};
use super::{load_scenario, SimArgs};
use crate::error::UsageError;
use crate::report::figure::figure;
use crate::report::summary::summarize;
use crate::run::sweep::{run_sweep, SweepPoint};
use crate::run::{cost, run_scenario, RunOptions};
use crate::scenario::schema::PkiMode;
use crate::scenario::{Override, Scenario};
use crate::sensitivity::design::{build, check_request, prepare, Design};
use crate::sensitivity::output::{analyse, terminal, write_outputs, Context};
use crate::sensitivity::reduce::{reduce, PointData};
use crate::sensitivity::{Method, Request};
use std::path::{Path, PathBuf};

/// Options of `whfb-sim sensitivity`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SensitivityArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// A reported figure to explain, e.g. --figure post-kb.time_to_usable.p95 or
    /// post-kb.resources.ca.peak.utilization (repeatable).
    #[arg(long = "figure", value_name = "VARIANT.FIGURE.STAT", required = true)]
    pub figures: Vec<String>,
    /// Vary exactly these keys (any number, share, duration or distribution key; one
    /// without a plausible range in the registry needs --range).
    #[arg(long, value_delimiter = ',', value_name = "K1,K2")]
    pub keys: Vec<String>,
    /// Vary every estimate that changes something in the figures' variants [the default].
    #[arg(long)]
    pub estimates: bool,
    /// Vary every number, share, duration or distribution key with a range (the
    /// registry's or --range's).
    #[arg(long)]
    pub all: bool,
    /// A key's range instead of the registry's, e.g. --range
    /// prerequisites.joined_share=0.8..0.99 or --range 'ca.issue={ dist = "exponential",
    /// mean = "20ms" }..{ dist = "exponential", mean = "200ms" }' (repeatable).
    #[arg(long = "range", value_name = "KEY=LO..HI")]
    pub ranges: Vec<String>,
    /// oat: each key at its low and high, the others as they are; morris: elementary
    /// effects on random trajectories (screens many keys, sees interactions) [default: oat].
    #[arg(long, value_enum)]
    pub method: Option<Method>,
    /// Morris trajectories, 2 to 1000 [default: 10]; the cost is trajectories × (keys + 1)
    /// points.
    #[arg(long)]
    pub trajectories: Option<u32>,
    /// Morris grid levels, an even number from 2 to 20 [default: 4].
    #[arg(long)]
    pub levels: Option<u32>,
    /// Output folder [default: reports/<scenario-name>-sensitivity/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seed (the same for every point), users, replications per point (2 or more for
    /// intervals), threads, overrides, quiet.
    #[command(flatten)]
    pub sim: SimArgs,
    /// Runs only shard K of N (1-based) of the points' simulations and writes a shard
    /// result to --out, for `whfb-sim merge`; `auto`: K and N from a Slurm job array or a
    /// Kubernetes Indexed Job (with --shards).
    #[arg(long, value_name = "K/N|auto")]
    pub shard: Option<String>,
    /// The number of shards, for --shard auto with JOB_COMPLETION_INDEX.
    #[arg(long, value_name = "N")]
    pub shards: Option<u32>,
}

impl SensitivityArgs {
    /// The request the flags make (what a shard records).
    pub fn request(&self) -> Request {
        Request {
            figures: self.figures.iter().map(|f| f.trim().to_string()).collect(),
            keys: self.keys.iter().map(|k| k.trim().to_string()).collect(),
            estimates: self.estimates,
            all: self.all,
            ranges: self.ranges.clone(),
            method: self.method,
            trajectories: self.trajectories,
            levels: self.levels,
        }
    }
}

/// Users of the probe run that checks the figures exist (as `plan` checks its targets).
const PROBE_USERS: u32 = 20;

/// Checks every figure against a tiny run of the scenario (crypto off, one replication,
/// [`PROBE_USERS`] users): an unknown variant or field names `--figure`.
fn check_figures(scenario: &Scenario, figures: &[String]) -> anyhow::Result<()> {
    let small = [
        "pki.mode=off".to_string(),
        "replications=1".into(),
        format!("users={PROBE_USERS}"),
    ]
    .iter()
    .map(|t| Override::parse(t))
    .collect::<Result<Vec<_>, _>>()?;
    let probe = scenario.with_overrides(&small).map_err(UsageError::from)?;
    let result = run_scenario(&probe, &RunOptions::default())?;
    let summary = summarize(&result, probe.base.horizon.secs());
    for f in figures {
        figure(&summary, f).map_err(|m| UsageError::new(format!("--figure {m}")))?;
    }
    Ok(())
}

/// Where `sensitivity` writes by default: `reports/<scenario-name>-sensitivity/`.
pub(crate) fn out_dir(scenario: &Scenario) -> PathBuf {
    PathBuf::from("reports").join(format!("{}-sensitivity", scenario.name()))
}

/// Reduces one point's run to what the analysis of `design` needs.
pub(crate) fn reduce_point(
    req: &Request,
    design: &Design,
    point: &SweepPoint,
    result: crate::run::ScenarioResult,
) -> PointData {
    reduce(
        &req.figures,
        result,
        point.scenario.base.horizon.secs(),
        design.method == Method::Oat,
    )
}

/// Analyses the reduced `points` of `design`, writes the outputs into `dir` and returns
/// what the terminal shows. Shared by the unsharded command and `merge`, so both write
/// the same bytes.
pub fn finish(
    scenario: &Scenario,
    req: &Request,
    design: &Design,
    points: &[PointData],
    dir: &Path,
) -> anyhow::Result<String> {
    let analysis = analyse(design, &req.figures, points, scenario.base.seed);
    let pki_real = design.points.iter().any(|p| {
        p.scenario
            .variants
            .iter()
            .any(|v| v.spec.pki.mode == PkiMode::Real)
    });
    let context = Context {
        scenario: scenario.name().to_string(),
        source: scenario.source_name().to_string(),
        seed: scenario.base.seed,
        users: scenario.base.users,
        replications: scenario.base.replications,
        pki_mode: if pki_real { "real" } else { "off" },
        figures: &req.figures,
        design,
    };
    write_outputs(&context, &analysis, dir)?;
    Ok(terminal(&context, &analysis))
}

/// `whfb-sim sensitivity`.
pub fn sensitivity(args: &SensitivityArgs) -> anyhow::Result<()> {
    let common = &args.sim;
    let scenario = load_scenario(Some(&args.scenario), &common.all_sets())?;
    let threads = common.threads()?;
    let req = args.request();
    check_request(&req)?;
    check_figures(&scenario, &req.figures)?;
    // Admitted as the batch it is, first with every point standing in for by the
    // scenario (before a large design is built), then with the points themselves.
    let too_large = |n: usize| {
        move |e: UsageError| {
            e.reword(
                "the sweep is too large",
                &format!("the sensitivity analysis ({n} points) is too large"),
            )
        }
    };
    let (kept, _, _, n) = prepare(&scenario, &req)?;
    cost::admit_sweep(&vec![&kept; n], threads, common.allow_large).map_err(too_large(n))?;
    let design = build(&scenario, &req)?;
    cost::admit_sweep(&design.scenarios(), threads, common.allow_large)
        .map_err(too_large(design.points.len()))?;
    if args.shard.is_some() || args.shards.is_some() {
        return super::cluster::sensitivity_shard(args, scenario, &design);
    }
    let out = args.out.clone().unwrap_or_else(|| out_dir(&scenario));
    announce_key_fill(&scenario, None, threads, common.quiet)?;
    let set = OutputSet::begin(&out, "--out")?;
    let bar = Reporter::new(common.quiet);
    let tick = |stage, done, total| bar.tick(stage, done, total);
    let opts = RunOptions {
        threads,
        progress: &tick,
        ..RunOptions::default()
    };
    let points = run_sweep(&design.plan(), &opts, &|p, o| {
        Ok(reduce_point(
            &req,
            &design,
            p,
            run_scenario(&p.scenario, o)?,
        ))
    })?;
    bar.finish();
    let text = finish(&scenario, &req, &design, &points, set.dir())?;
    let shown = set.out().to_path_buf();
    set.commit()?;
    if !common.quiet {
        print!("{text}");
        println!("outputs: {}", shown.display());
    }
    Ok(())
}
