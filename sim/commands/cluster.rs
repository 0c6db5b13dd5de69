//! The cluster commands: `run --shard`, `sweep --shard` and `sensitivity --shard` (one
//! shard's share of the simulations, written as a shard result) and `merge` (shard
//! results → exactly the files the same command writes on one machine).

use super::output_set::OutputSet;
use super::progress::{announce_key_fill, Reporter};
use super::{print_run_table, run_out_dir, sweep_out_dir, CommonArgs, RunArgs, SweepArgs};
use crate::error::UsageError;
use crate::model::TraceFilter;
use crate::report;
use crate::run::shard::select::process_env;
use crate::run::shard::{self, Job, JobKind, Work};
use crate::run::sweep::SweepPlan;
use crate::run::{cost, with_threads, RunOptions};
use crate::scenario::Scenario;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Options of `whfb-sim merge`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct MergeArgs {
    /// Shard folders (each written by `run|sweep|sensitivity --shard K/N --out DIR`), or folders
    /// whose subfolders are shard folders.
    #[arg(required = true, value_name = "SHARD_DIR")]
    pub shards: Vec<PathBuf>,
    /// Output folder [default: what the unsharded command uses: reports/<scenario-name>/,
    /// for a sweep reports/<name>-sweep/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads [default: all cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// No table.
    #[arg(long)]
    pub quiet: bool,
    /// Accepts a job above the default cost limits, up to the larger ones, as `run` and
    /// `sweep` do (give it when the shards were run with it).
    #[arg(long)]
    pub allow_large: bool,
}

/// `whfb-sim run --shard`: `scenario` is loaded with the command line's overrides and
/// `trace` checked against it.
pub fn run_shard(args: &RunArgs, scenario: Scenario, trace: TraceFilter) -> anyhow::Result<()> {
    let common = &args.common;
    let job = Job::new(
        JobKind::Run,
        &scenario,
        args.scenario.is_some(),
        &common.all_sets(),
        &[],
        trace.clone(),
    );
    let work = Work::new(JobKind::Run, scenario, &[])?;
    execute(common, &job, &work, trace)
}

/// `whfb-sim sweep --shard`: `plan` is the sweep's plan of `scenario`.
pub(crate) fn sweep_shard(
    args: &SweepArgs,
    scenario: Scenario,
    plan: SweepPlan,
) -> anyhow::Result<()> {
    let common = &args.common;
    let job = Job::new(
        JobKind::Sweep,
        &scenario,
        true,
        &common.all_sets(),
        &args.params,
        TraceFilter::Off,
    );
    let work = Work {
        kind: JobKind::Sweep,
        scenario,
        plan: Some(plan),
    };
    execute(common, &job, &work, TraceFilter::Off)
}

/// `whfb-sim sensitivity --shard`: `design` is the analysis's design of `scenario`.
pub(crate) fn sensitivity_shard(
    args: &super::sensitivity::SensitivityArgs,
    scenario: Scenario,
    design: &crate::sensitivity::design::Design,
) -> anyhow::Result<()> {
    let sets = args.sim.all_sets();
    let mut job = Job::new(
        JobKind::Sensitivity,
        &scenario,
        true,
        &sets,
        &[],
        TraceFilter::Off,
    );
    job.sensitivity = Some(args.request());
    let work = Work {
        kind: JobKind::Sensitivity,
        scenario,
        plan: Some(design.plan()),
    };
    let common = CommonArgs {
        out: args.out.clone(),
        sim: args.sim.clone(),
        shard: args.shard.clone(),
        shards: args.shards,
    };
    execute(&common, &job, &work, TraceFilter::Off)
}

fn execute(common: &CommonArgs, job: &Job, work: &Work, trace: TraceFilter) -> anyhow::Result<()> {
    // A shard result records the scenario's text, not the files it names: a trace read
    // again by `merge` (or changed between shards) would not be the one the shards ran.
    if let Ok(s) = job.scenario() {
        if let Some(t) = &s.base.signin.trace {
            return Err(UsageError::new(format!(
                "--shard: the scenario replays signin.trace = \"{t}\", which a shard result does not carry; run it on one machine (a pilot's population is small)"
            ))
            .into());
        }
    }
    // Options whose work depends on results so far (adding replications until a
    // precision is reached) cannot be split up front: refuse them here with
    // `shard::refuse_with_shard(flag, why)`.
    let Some(text) = &common.shard else {
        return Err(UsageError::new(
            "--shards N goes with --shard auto (a Kubernetes Indexed Job's JOB_COMPLETION_INDEX)",
        )
        .into());
    };
    let spec = shard::resolve(text, common.shards, &process_env)?;
    let Some(out) = common.out.clone() else {
        return Err(UsageError::new(format!(
            "--shard {text} needs --out DIR: each shard writes its own folder, and `whfb-sim merge DIR...` joins them"
        ))
        .into());
    };
    let threads = common.threads()?;
    announce_key_fill(&work.scenario, None, threads, common.sim.quiet)?;
    let set = OutputSet::begin(&out, "--out")?;
    let bar = Reporter::new(common.sim.quiet);
    let tick = |stage, d, t| bar.tick(stage, d, t);
    let opts = RunOptions {
        threads,
        trace,
        progress: &tick,
        ..RunOptions::default()
    };
    let done = shard::run_shard(job, work, spec, set.dir(), &opts)?;
    bar.finish();
    let manifest = set.out().join(shard::format::MANIFEST);
    set.commit()?;
    if !common.sim.quiet {
        println!(
            "shard {} of `{}`: {} of {} simulations ({:.1} % of the estimated cost)",
            done.shard,
            work.scenario.name(),
            done.units,
            done.units_total,
            done.cost_share * 100.0
        );
        println!("shard result: {}", manifest.display());
    }
    Ok(())
}

/// `true` when `a` and `b` name the same folder (both must exist).
fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `whfb-sim merge`: checks the shard results and writes the outputs of the command
/// they ran, byte for byte what it writes unsharded.
pub fn merge(args: &MergeArgs) -> anyhow::Result<()> {
    use crate::report::sweep::{summarize_point, sweep_table, write_sweep_outputs};
    super::check_threads(args.threads)?;
    // The job is held to the limits its command applies before anything is sized by it:
    // its units, the records kept for the reports, the files written. Merging runs no
    // simulation, hence one thread's worth of simulations in progress.
    let admit = |job: &Job, work: &Work| -> Result<(), UsageError> {
        match &work.plan {
            Some(plan) => {
                let points: Vec<&Scenario> = plan.points.iter().map(|p| &p.scenario).collect();
                cost::admit_sweep(&points, Some(1), args.allow_large).map(|_| ())
            }
            None => {
                cost::admit_run(&work.scenario, &job.trace, Some(1), args.allow_large).map(|_| ())
            }
        }
    };
    let set = shard::merge::open(&args.shards, &admit)?;
    let work = &set.work;
    let out = args.out.clone().unwrap_or_else(|| match work.kind {
        JobKind::Run => run_out_dir(&work.scenario),
        JobKind::Sweep => sweep_out_dir(&work.scenario),
        JobKind::Sensitivity => super::sensitivity::out_dir(&work.scenario),
    });
    if let Some(d) = set.dirs.iter().find(|d| same_dir(d, &out)) {
        return Err(UsageError::new(format!(
            "--out {}: that is shard folder {}; write the merged outputs elsewhere",
            out.display(),
            d.display()
        ))
        .into());
    }
    let job = &set.job;
    let staged = OutputSet::begin(&out, "--out")?;
    let out = staged.dir().to_path_buf();
    let shown = staged.out().to_path_buf();
    with_threads(args.threads, || -> anyhow::Result<()> {
        match (&work.kind, &work.plan) {
            (JobKind::Sweep, Some(plan)) => {
                let points = (0..plan.points.len())
                    .into_par_iter()
                    .map(|i| {
                        set.read_point(i)
                            .map(|r| summarize_point(&plan.points[i], r))
                    })
                    .collect::<Result<Vec<_>, UsageError>>()?;
                let written = write_sweep_outputs(plan, &points, &work.scenario, &out)?;
                if !args.quiet {
                    print!("{}", sweep_table(plan, &points, &written.summary));
                    println!("outputs: {}", shown.display());
                }
            }
            (JobKind::Sensitivity, Some(_)) => {
                use super::sensitivity::{finish, reduce_point};
                let Some(req) = &job.sensitivity else {
                    return Err(
                        UsageError::new("the shards' job has no sensitivity request").into(),
                    );
                };
                let design = crate::sensitivity::design::build(&work.scenario, req)?;
                let points = (0..design.points.len())
                    .into_par_iter()
                    .map(|i| {
                        set.read_point(i)
                            .map(|r| reduce_point(req, &design, &design.points[i], r))
                    })
                    .collect::<Result<Vec<_>, UsageError>>()?;
                let text = finish(&work.scenario, req, &design, &points, &out)?;
                if !args.quiet {
                    print!("{text}");
                    println!("outputs: {}", shown.display());
                }
            }
            _ => {
                let result = set.read_point(0)?;
                let info = report::RunInfo::new(&work.scenario, job.trace != TraceFilter::Off);
                let written = report::write_outputs(&result, &info, &out)?;
                if !args.quiet {
                    print_run_table(&result, &written, &shown);
                }
            }
        }
        Ok(())
    })?;
    staged.commit()?;
    Ok(())
}
