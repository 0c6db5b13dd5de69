//! `whfb-sim compare-pilot SCENARIO EXPORTS... [--variant NAME] [--accept p50=20%,p90=30%]
//! [--replications N] [--out DIR] [--strict]`: runs the scenario on the pilot's own
//! population and writes `compare.json`, `report.md` and a chart per stage as one set.

use super::output_set::OutputSet;
use super::progress::Reporter;
use crate::compare::chart::{self, StageChart};
use crate::compare::figures::{parse_accept, DEFAULT_ACCEPT};
use crate::compare::markdown::report_md;
use crate::compare::population::{pilot, Pilot};
use crate::compare::simulated::stage_units;
use crate::compare::verdict::{stages, verdict, CompareJson, PilotInfo};
use crate::error::UsageError;
use crate::exports::load::load;
use crate::exports::time::format_utc;
use crate::model::TraceFilter;
use crate::report::atomic::FileList;
use crate::run::{cost, run_scenario, RunOptions};
use crate::scenario::Scenario;
use std::path::PathBuf;
use std::sync::Arc;

/// Most replications `compare-pilot` runs.
pub(crate) const MAX_REPLICATIONS: u32 = 1_000;
/// Most bootstrap draws per stage.
pub(crate) const MAX_BOOTSTRAP: usize = 100_000;

/// `compare-pilot`'s flags.
#[derive(Debug, Clone, clap::Args)]
pub struct CompareArgs {
    /// Scenario file (TOML), e.g. the one `fit` wrote.
    pub scenario: PathBuf,
    /// The pilot's export files or folders (as for `fit`).
    #[arg(required = true, value_name = "EXPORT")]
    pub exports: Vec<PathBuf>,
    /// The variant to compare [default: the scenario's only one, or the one named `pilot`].
    #[arg(long)]
    pub variant: Option<String>,
    /// Accepted differences per percentile, relative to the pilot's value.
    #[arg(long, default_value = DEFAULT_ACCEPT, value_name = "pNN=T%,...")]
    pub accept: String,
    /// Simulated replications of the pilot's population (1 to 1,000).
    #[arg(long, default_value_t = 20)]
    pub replications: u32,
    /// Bootstrap draws per stage for the intervals (0 to 100,000; 0: no intervals, so no
    /// verdict either).
    #[arg(long, default_value_t = 999)]
    pub bootstrap: usize,
    /// When the policy reached the pilot (UTC) [default: the first prerequisite event, as
    /// `fit` reads it].
    #[arg(long, value_name = "TIME")]
    pub policy_start: Option<String>,
    /// Overrides a scenario key, e.g. --set aad_connect.interval=1h.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Seed of the simulation and the bootstrap [default: the scenario's].
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder [default: reports/<scenario-name>-compare].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exits 1 when the scenario departs from the pilot.
    #[arg(long)]
    pub strict: bool,
    /// Prints nothing but errors.
    #[arg(long)]
    pub quiet: bool,
}

/// The scenario narrowed to one variant and set on the pilot's population: its sign-ins,
/// its devices, its horizon.
fn on_pilot(
    args: &CompareArgs,
    mut scenario: Scenario,
    p: &Pilot,
) -> Result<(Scenario, String), UsageError> {
    let names: Vec<String> = scenario.variants.iter().map(|v| v.name.clone()).collect();
    let pick = match &args.variant {
        Some(n) => names.iter().position(|v| v == n).ok_or_else(|| {
            UsageError::new(format!(
                "--variant {n}: the scenario has no such variant; it has: {}",
                names.join(", ")
            ))
        })?,
        None if names.len() == 1 => 0,
        None => names.iter().position(|v| v == "pilot").ok_or_else(|| {
            UsageError::new(format!(
                "the scenario has {} variants ({}): name the pilot's with --variant",
                names.len(),
                names.join(", ")
            ))
        })?,
    };
    let mut variant = scenario.variants.swap_remove(pick);
    let horizon = (p.export_end - p.policy_start).max(1) as u64;
    let trace = Arc::new(p.trace.clone());
    for spec in [&mut scenario.base, &mut variant.spec] {
        spec.replay(&trace);
        spec.horizon.0 = horizon;
        spec.replications = args.replications;
        if let Some(s) = args.seed {
            spec.seed = s;
        }
    }
    let name = variant.name.clone();
    scenario.variants = vec![variant];
    Ok((scenario, name))
}

/// `whfb-sim compare-pilot`.
pub fn compare_pilot(args: &CompareArgs) -> anyhow::Result<()> {
    if !(1..=MAX_REPLICATIONS).contains(&args.replications) {
        return Err(UsageError::new(format!(
            "--replications {} is not allowed; allowed: 1 to {MAX_REPLICATIONS}",
            args.replications
        ))
        .into());
    }
    if args.bootstrap > MAX_BOOTSTRAP {
        return Err(UsageError::new(format!(
            "--bootstrap {} is not allowed; allowed: 0 to {MAX_BOOTSTRAP}",
            args.bootstrap
        ))
        .into());
    }
    let accept =
        parse_accept(&args.accept).map_err(|m| UsageError::new(format!("--accept: {m}")))?;
    let policy_start = super::fit::policy_start_flag(args.policy_start.as_deref())?;
    let threads = super::check_threads(args.threads)?;
    let scenario = super::load_scenario(Some(&args.scenario), &args.sets)?;
    let exports = load(&args.exports)?;
    let p = pilot(&exports, policy_start)?;
    let (scenario, variant) = on_pilot(args, scenario, &p)?;
    let trace = TraceFilter::All;
    cost::admit_run(&scenario, &trace, threads, false)?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-compare", scenario.name())));
    let set = OutputSet::begin(&out_dir, "--out")?;
    let bar = Reporter::new(args.quiet);
    let tick = |stage, done, total| bar.tick(stage, done, total);
    let opts = RunOptions {
        threads,
        trace,
        progress: &tick,
        ..RunOptions::default()
    };
    let result = run_scenario(&scenario, &opts)?;
    bar.finish();
    let end = p.export_end;
    let simulated: Vec<_> = result.variants[0]
        .replications
        .iter()
        .map(|r| stage_units(r, p.policy_start, end))
        .collect();
    let seed = scenario.base.seed;
    let (compared, not_compared) = stages(&p.observed, &simulated, &accept, args.bootstrap, seed);
    let (verdict_word, first_departure) = verdict(&compared);
    let usable = compared.iter().find(|s| s.stage == "time_to_usable");
    let json = CompareJson {
        verdict: verdict_word,
        accept,
        figures: usable.map(|s| s.figures.clone()).unwrap_or_default(),
        test: usable.and_then(|s| s.test.clone()),
        stages: compared,
        first_departure,
        not_compared,
        scenario: args.scenario.display().to_string(),
        variant,
        replications: args.replications,
        seed,
        bootstrap: args.bootstrap,
        pilot: PilotInfo {
            devices: p.trace.users(),
            policy_start: format_utc(p.policy_start),
            export_end: format_utc(p.export_end),
            horizon_s: (p.export_end - p.policy_start) as f64 / 1e6,
            later_signins: p.later_signins,
        },
    };
    {
        let mut files = FileList::new(set.dir());
        files.put("compare.json", serde_json::to_string_pretty(&json)? + "\n")?;
        let charts: Vec<StageChart<'_>> = json
            .stages
            .iter()
            .map(|s| StageChart {
                stage: s.stage,
                observed: p.observed.get(s.stage).map_or(&[][..], |v| v.as_slice()),
                simulated: &s.simulated,
            })
            .collect();
        let (chart_files, listed) = chart::write(&charts, &set.dir().join("charts"))?;
        files.extend(chart_files);
        files.put("report.md", report_md(&json, &listed))?;
    }
    set.commit()?;
    if !args.quiet {
        print!("{}", crate::compare::markdown::terminal(&json));
        println!("outputs: {}", out_dir.display());
    }
    if args.strict && json.verdict == "departs" {
        anyhow::bail!(
            "the scenario departs from the pilot (first at {}) and --strict is set",
            json.first_departure.unwrap_or("?")
        );
    }
    Ok(())
}
