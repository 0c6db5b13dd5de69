//! `whfb-sim plan`: reads the flags, checks the targets and ranges against the scenario
//! (bad ones are usage errors, exit 2), runs the search and writes its outputs.

use super::output_set::OutputSet;
use super::progress::{announce_key_fill, Reporter};
use super::{load_scenario, SimArgs};
use crate::error::UsageError;
use crate::plan::answer::plan as run_plan;
use crate::plan::evaluate::search_axis;
use crate::plan::output::{terminal, write_plan_outputs, Question};
use crate::plan::target::{check_against, parse_search, parse_target, SearchKey, Target};
use crate::report::summary::summarize;
use crate::run::sweep::{check_axis, point_at, Axis};
use crate::run::{cost, run_scenario, RunOptions};
use crate::scenario::schema::PkiMode;
use crate::scenario::{Override, Scenario};
use std::path::PathBuf;

/// Options of `whfb-sim plan`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PlanArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// A target on a reported figure, e.g. --target 'post-kb.time_to_usable.p95<=10m' or
    /// 'post-kb.resources.ca.peak.utilization<=0.8' (repeatable; all must hold).
    #[arg(
        long = "target",
        value_name = "VARIANT.FIGURE.STAT<=VALUE",
        required = true
    )]
    pub targets: Vec<String>,
    /// An integer key to size and its range, e.g. --search adfs.servers=1..8 (repeatable).
    #[arg(long = "search", value_name = "KEY=LO..HI", required = true)]
    pub searches: Vec<String>,
    /// Cost of one unit of a searched key [default: 1 each], e.g. --cost adfs.servers=4.
    #[arg(long = "cost", value_name = "KEY=WEIGHT")]
    pub costs: Vec<String>,
    /// Output folder [default: reports/<scenario-name>-plan/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seed (the same for every combination), users, replications per combination (2 or
    /// more for 95 % intervals), threads, overrides, quiet.
    #[command(flatten)]
    pub sim: SimArgs,
}

/// Users of the probe run that checks the targets' figures exist: enough for every
/// resource to appear, few enough to take no time.
const PROBE_USERS: u32 = 20;

/// Checks the searched keys on the scenario: the range's ends each on their own (an
/// unknown or non-numeric key, or a value the scenario refuses, names `--search KEY`),
/// then the largest combination.
fn check_keys(scenario: &Scenario, keys: &[SearchKey]) -> Result<Vec<Axis>, UsageError> {
    let axes: Vec<Axis> = keys
        .iter()
        .map(|k| search_axis(&k.key, [k.lo, k.hi].into_iter()))
        .collect();
    for a in &axes {
        check_axis(scenario, a)?;
    }
    point_at(scenario, &axes, &vec![1; axes.len()])?;
    Ok(axes)
}

/// Checks every target against a tiny run of the scenario at the top of every range
/// (crypto off, one replication, [`PROBE_USERS`] users): an unknown variant or figure, or
/// a duration compared with something that is not a time, names `--target`.
fn check_targets(scenario: &Scenario, axes: &[Axis], targets: &mut [Target]) -> anyhow::Result<()> {
    let small = [
        "pki.mode=off".to_string(),
        "replications=1".into(),
        format!("users={PROBE_USERS}"),
    ]
    .iter()
    .map(|t| Override::parse(t))
    .collect::<Result<Vec<_>, _>>()?;
    let probe = scenario.with_overrides(&small).map_err(UsageError::from)?;
    let top = point_at(&probe, axes, &vec![1; axes.len()])?;
    let result = run_scenario(&top.scenario, &RunOptions::default())?;
    let summary = summarize(&result, top.scenario.base.horizon.secs());
    for t in targets.iter_mut() {
        check_against(t, &summary)?;
    }
    Ok(())
}

/// Refuses a plan whose runs could not finish or fit (docs/limits.md), as `sweep` does:
/// as many runs of the largest combination as the search can make at most — a binary
/// search of the last key for every combination of the others, the verification run and
/// one step down in each key — or the whole grid when that is smaller.
fn admit(
    scenario: &Scenario,
    axes: &[Axis],
    keys: &[SearchKey],
    threads: Option<usize>,
    allow_large: bool,
) -> Result<(), UsageError> {
    let top = point_at(scenario, axes, &vec![1; axes.len()])?;
    let sizes: Vec<u64> = keys.iter().map(|k| (k.hi - k.lo + 1) as u64).collect();
    let grid = sizes.iter().fold(1u64, |a, &n| a.saturating_mul(n));
    let (last, others) = sizes.split_last().expect("plan needs a --search");
    let probes = u64::from(u64::BITS - last.leading_zeros()) + 1;
    let bound = others.iter().fold(probes, |a, &n| a.saturating_mul(n));
    let runs = grid.min(bound).saturating_add(1 + keys.len() as u64);
    let runs = usize::try_from(runs).unwrap_or(usize::MAX).min(1_000_000);
    let points = vec![&top.scenario; runs];
    cost::admit_sweep(&points, threads, allow_large)
        .map(|_| ())
        .map_err(|e| e.reword("the sweep is too large", "the plan is too large"))
}

/// `whfb-sim plan`.
pub fn plan(args: &PlanArgs) -> anyhow::Result<()> {
    let common = &args.sim;
    let scenario = load_scenario(Some(&args.scenario), &common.all_sets())?;
    let threads = common.threads()?;
    let keys = parse_search(&args.searches, &args.costs)?;
    let mut targets = args
        .targets
        .iter()
        .map(|t| parse_target(t))
        .collect::<Result<Vec<_>, _>>()?;
    let axes = check_keys(&scenario, &keys)?;
    admit(&scenario, &axes, &keys, threads, common.allow_large)?;
    check_targets(&scenario, &axes, &mut targets)?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-plan", scenario.name())));
    announce_key_fill(&scenario, None, threads, common.quiet)?;
    let set = OutputSet::begin(&out_dir, "--out")?;
    let bar = Reporter::new(common.quiet);
    let answer = run_plan(
        &scenario,
        &keys,
        &targets,
        threads,
        &|stage, done, total| bar.tick(stage, done, total),
    )?;
    bar.finish();
    let question = Question {
        scenario: scenario.name().to_string(),
        source: scenario.source_name().to_string(),
        seed: scenario.base.seed,
        users: scenario.base.users,
        replications: scenario.base.replications,
        pki_mode: match scenario.base.pki.mode {
            PkiMode::Off => "off",
            _ => "real",
        },
        targets,
        keys,
    };
    write_plan_outputs(&question, &answer, set.dir())?;
    set.commit()?;
    if !common.quiet {
        print!("{}", terminal(&question, &answer));
        println!("outputs: {}", out_dir.display());
    }
    Ok(())
}
