//! What each subcommand does, as library functions the binary dispatches to, with each
//! subcommand's flags as a clap struct. Every command returns `anyhow::Result`; what is
//! the user's to fix travels in it as a [`UsageError`], and [`crate::error::exit_code`]
//! turns that into the exit code.

// clap shows these doc comments as --help text, where `<name>` is the usual placeholder
// (`reports/<scenario-name>`) and `[pki]` a scenario section, not an HTML tag or a link.
#![allow(rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]

pub mod cluster;
pub mod compare_pilot;
pub mod fit;
pub mod output_set;
pub mod pki;
pub mod plan;
pub mod precision;
pub mod progress;
pub mod sensitivity;

use crate::error::UsageError;
use crate::model::TraceFilter;
use crate::report;
use crate::run::{cost, run_scenario, RunOptions};
use crate::scenario::{Scenario, DEFAULT_SCENARIO};
use crate::validation;
use progress::{announce_key_fill, Reporter};
use std::path::{Path, PathBuf};

/// Flags of every command that simulates: `run`, `sweep`, `plan` and `sensitivity`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SimArgs {
    /// Seed of every random stream (0 to 2^63-1: a TOML integer).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub seed: Option<u64>,
    /// Number of users.
    #[arg(long)]
    pub users: Option<u32>,
    /// Independent replications (per point, for a sweep or a plan).
    #[arg(long)]
    pub replications: Option<u32>,
    /// Worker threads [default: all cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Overrides a scenario key, e.g. --set aad_connect.interval=3h (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// No progress bar and no table.
    #[arg(long)]
    pub quiet: bool,
    /// Accepts a run, sweep or plan above the default cost limits (events, memory, output;
    /// see docs/limits.md), up to the larger ones.
    #[arg(long)]
    pub allow_large: bool,
}

impl SimArgs {
    /// `--seed`, `--users` and `--replications` as overrides ahead of the `--set` ones.
    fn all_sets(&self) -> Vec<String> {
        let shorthands = [
            self.seed.map(|s| format!("seed={s}")),
            self.users.map(|u| format!("users={u}")),
            self.replications.map(|r| format!("replications={r}")),
        ];
        shorthands
            .into_iter()
            .flatten()
            .chain(self.sets.iter().cloned())
            .collect()
    }

    fn threads(&self) -> Result<Option<usize>, UsageError> {
        check_threads(self.threads)
    }
}

/// `--threads`: 1 to [`cost::MAX_THREADS`].
pub(crate) fn check_threads(threads: Option<usize>) -> Result<Option<usize>, UsageError> {
    match threads {
        Some(n) if n == 0 || n > cost::MAX_THREADS => Err(UsageError::new(format!(
            "--threads {n} is not allowed; allowed: 1 to {}",
            cost::MAX_THREADS
        ))),
        t => Ok(t),
    }
}

/// Flags `run` and `sweep` share (parsed by clap in the binary).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CommonArgs {
    /// Output folder [default: reports/<scenario-name>/, for a sweep reports/<name>-sweep/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seed, users, replications, threads, overrides, quiet.
    #[command(flatten)]
    pub sim: SimArgs,
    /// Runs only shard K of N (1-based) of the simulations and writes a shard result to
    /// --out, for `whfb-sim merge`; `auto`: K and N from a Slurm job array
    /// (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX + --shards).
    #[arg(long, value_name = "K/N|auto")]
    pub shard: Option<String>,
    /// The number of shards, for --shard auto with JOB_COMPLETION_INDEX.
    #[arg(long, value_name = "N")]
    pub shards: Option<u32>,
}

impl CommonArgs {
    /// `--seed`, `--users` and `--replications` as overrides ahead of the `--set` ones.
    fn all_sets(&self) -> Vec<String> {
        self.sim.all_sets()
    }

    fn threads(&self) -> Result<Option<usize>, UsageError> {
        self.sim.threads()
    }
}

/// Options of `whfb-sim run`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML); the embedded default when left out.
    pub scenario: Option<PathBuf>,
    /// Flags shared with `sweep`.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Writes events.csv with every user's event log.
    #[arg(long)]
    pub trace: bool,
    /// Writes events.csv for these users only, e.g. 1,5,9.
    #[arg(long, value_delimiter = ',')]
    pub trace_users: Vec<u32>,
    /// Also writes the first replication as a pilot's exports (exports/<variant>/: an
    /// events XML per device, run-history.json, certutil.csv, signins.csv), which `fit`
    /// and `compare-pilot` read; traces every user (or those of --trace-users).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub trace_format: Option<TraceFormat>,
    /// Replications to a precision.
    #[command(flatten)]
    pub precision: precision::PrecisionArgs,
}

/// Formats `run --trace-format` writes a run's trace in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TraceFormat {
    /// Windows event XML per device, with the Azure AD Connect run history, the CA's
    /// certutil request log and the Entra sign-in CSV of the same run.
    WindowsXml,
}

/// Options of `whfb-sim sweep`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SweepArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// A swept key and its values, e.g. --param aad_connect.interval=30m,1h,2h
    /// (repeatable; replaces the file's values for that key).
    #[arg(long = "param", value_name = "KEY=V1,V2,...")]
    pub params: Vec<String>,
    /// Flags shared with `run`.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Replications to a precision, per point.
    #[command(flatten)]
    pub precision: precision::PrecisionArgs,
}

/// Loads the scenario named on the command line (or the default) with the flag overrides.
pub(crate) fn load_scenario(file: Option<&Path>, sets: &[String]) -> Result<Scenario, UsageError> {
    Ok(match file {
        Some(p) => Scenario::load_file(p, sets)?,
        None => Scenario::load_default(sets)?,
    })
}

/// `whfb-sim run`.
pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    let common = &args.common;
    let scenario = load_scenario(args.scenario.as_deref(), &common.all_sets())?;
    let threads = common.threads()?;
    let trace = if args.trace || (args.trace_format.is_some() && args.trace_users.is_empty()) {
        TraceFilter::All
    } else if !args.trace_users.is_empty() {
        if let Some(bad) = args.trace_users.iter().find(|&&u| u >= scenario.base.users) {
            return Err(UsageError::new(format!(
                "--trace-users: user {bad} does not exist; allowed: 0 to {}",
                scenario.base.users - 1
            ))
            .into());
        }
        TraceFilter::Users(args.trace_users.clone())
    } else {
        TraceFilter::Off
    };
    let mut precision_plan = args.precision.plan(&scenario)?;
    let admits = |n| {
        let sized = precision::with_replications(&scenario, n);
        cost::admit_run(&sized, &trace, threads, common.sim.allow_large).map(|_| ())
    };
    let capped = match precision_plan.as_mut() {
        Some(p) => precision::fit_to_limits(p, admits)?,
        None => {
            admits(scenario.base.replications)?;
            None
        }
    };
    if common.shard.is_some() || common.shards.is_some() {
        if precision_plan.is_some() {
            return Err(precision::with_shard().into());
        }
        return cluster::run_shard(args, scenario, trace);
    }
    let trace_on = trace != TraceFilter::Off;
    if let (Some(note), false) = (&capped, common.sim.quiet) {
        eprintln!("{note}");
    }
    announce_key_fill(&scenario, None, threads, common.sim.quiet)?;
    let out_dir = common.out.clone().unwrap_or_else(|| run_out_dir(&scenario));
    let set = output_set::OutputSet::begin(&out_dir, "--out")?;
    let bar = Reporter::new(common.sim.quiet);
    let tick = |stage, done, total| bar.tick(stage, done, total);
    let opts = RunOptions {
        threads,
        trace,
        progress: &tick,
        ..RunOptions::default()
    };
    let (result, reached) = match &precision_plan {
        Some(plan) => {
            let (result, reached) = precision::run_to_precision(&scenario, plan, &opts)?;
            (result, Some(reached))
        }
        None => (run_scenario(&scenario, &opts)?, None),
    };
    bar.finish();
    let mut info = report::RunInfo::new(&scenario, trace_on);
    info.precision = reached;
    let written = report::write_outputs(&result, &info, set.dir())?;
    if args.trace_format == Some(TraceFormat::WindowsXml) {
        write_pilot_exports(&result, &scenario, set.dir())?;
    }
    let out_dir = set.out().to_path_buf();
    set.commit()?;
    if !common.sim.quiet {
        print_run_table(&result, &written, &out_dir);
        if let Some(p) = &info.precision {
            println!("{}", report::table::precision_line(p));
        }
    }
    Ok(())
}

/// `run --trace-format windows-xml`: each variant's first replication as a pilot's
/// exports, under `exports/<variant>/`.
fn write_pilot_exports(
    result: &crate::run::ScenarioResult,
    scenario: &Scenario,
    dir: &Path,
) -> anyhow::Result<()> {
    for (v, spec) in result.variants.iter().zip(&scenario.variants) {
        if let Some(first) = v.replications.first() {
            let to = dir.join("exports").join(&v.name);
            report::pilot_exports::write(&to, first, &spec.spec)?;
        }
    }
    Ok(())
}

/// Where `run` writes by default: `reports/<scenario-name>/`.
fn run_out_dir(scenario: &Scenario) -> PathBuf {
    PathBuf::from("reports").join(scenario.name())
}

/// Where `sweep` writes by default: `reports/<scenario-name>-sweep/`.
fn sweep_out_dir(scenario: &Scenario) -> PathBuf {
    PathBuf::from("reports").join(format!("{}-sweep", scenario.name()))
}

/// What `run` prints when done: the comparison table and the output folder.
fn print_run_table(result: &crate::run::ScenarioResult, written: &report::Written, out_dir: &Path) {
    let crypto = if result.pki_real {
        "real"
    } else {
        "OFF (pki.mode = \"off\": no keys, signatures or certificates; checks made on identities)"
    };
    print!(
        "{}",
        report::table::comparison_table(&written.summary, crypto)
    );
    for line in report::capacity_findings::terminal_lines(&written.summary) {
        println!("{line}");
    }
    println!("outputs: {}", out_dir.display());
}

/// `whfb-sim sweep`: every combination of the swept values × variant × replication.
pub fn sweep(args: &SweepArgs) -> anyhow::Result<()> {
    use crate::report::sweep::{summarize_point, sweep_table, write_sweep_outputs};
    use crate::run::sweep::{plan_sweep, run_sweep};
    let common = &args.common;
    let scenario = load_scenario(Some(&args.scenario), &common.all_sets())?;
    let threads = common.threads()?;
    let plan = plan_sweep(&scenario, &args.params)?;
    let mut precision_plan = args.precision.plan(&scenario)?;
    let capped = match precision_plan.as_mut() {
        Some(target) => precision::fit_to_limits(target, |n| {
            let sized: Vec<Scenario> = plan
                .points
                .iter()
                .map(|p| precision::with_replications(&p.scenario, n))
                .collect();
            let points: Vec<&Scenario> = sized.iter().collect();
            cost::admit_sweep(&points, threads, common.sim.allow_large).map(|_| ())
        })?,
        None => {
            let points: Vec<&Scenario> = plan.points.iter().map(|p| &p.scenario).collect();
            cost::admit_sweep(&points, threads, common.sim.allow_large)?;
            None
        }
    };
    if common.shard.is_some() || common.shards.is_some() {
        if precision_plan.is_some() {
            return Err(precision::with_shard().into());
        }
        return cluster::sweep_shard(args, scenario, plan);
    }
    let out_dir = common
        .out
        .clone()
        .unwrap_or_else(|| sweep_out_dir(&scenario));
    if let (Some(note), false) = (&capped, common.sim.quiet) {
        eprintln!("{note}");
    }
    announce_key_fill(&scenario, None, threads, common.sim.quiet)?;
    let set = output_set::OutputSet::begin(&out_dir, "--out")?;
    let bar = Reporter::new(common.sim.quiet);
    let tick = |stage, done, total| bar.tick(stage, done, total);
    let opts = RunOptions {
        threads,
        progress: &tick,
        ..RunOptions::default()
    };
    let points = match &precision_plan {
        Some(target) => run_sweep(&plan, &opts, &|p, o| {
            let (r, reached) = precision::run_to_precision(&p.scenario, target, o)?;
            let mut s = summarize_point(p, r);
            s.precision = Some(reached);
            Ok(s)
        })?,
        None => run_sweep(&plan, &opts, &|p, o| {
            Ok(summarize_point(p, run_scenario(&p.scenario, o)?))
        })?,
    };
    bar.finish();
    let written = write_sweep_outputs(&plan, &points, &scenario, set.dir())?;
    let out_dir = set.out().to_path_buf();
    set.commit()?;
    if !common.sim.quiet {
        print!("{}", sweep_table(&plan, &points, &written.summary));
        println!("outputs: {}", out_dir.display());
    }
    Ok(())
}

/// Options of `whfb-sim params`.
#[derive(Debug, Clone, clap::Args)]
pub struct ParamsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: crate::params::print::Format,
}

/// `whfb-sim params`: prints the parameter registry in the chosen format.
pub fn params(args: &ParamsArgs) -> anyhow::Result<()> {
    print!(
        "{}",
        crate::params::print::render(crate::params::all(), args.format)?
    );
    Ok(())
}

/// Options of `whfb-sim check`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CheckArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Overrides to validate with it.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Checks against the larger cost limits `run --allow-large` uses.
    #[arg(long)]
    pub allow_large: bool,
}

/// `whfb-sim check`: validates, estimates the cost as `run` does (and as `sweep` does when
/// the file has a `[sweep]` table), refuses what they would refuse, and prints what the
/// scenario holds.
pub fn check(args: &CheckArgs) -> anyhow::Result<()> {
    println!("{}", check_text(args)?);
    Ok(())
}

/// What `check` prints; every refusal is the user's.
pub(crate) fn check_text(args: &CheckArgs) -> Result<String, UsageError> {
    let (file, allow_large) = (&args.scenario, args.allow_large);
    let s = load_scenario(Some(file), &args.sets)?;
    let e = cost::admit_run(&s, &TraceFilter::Off, None, allow_large)?;
    let mut sweep = String::new();
    if !s.sweep.is_empty() {
        let plan = crate::run::sweep::plan_sweep(&s, &[])?;
        let points: Vec<&Scenario> = plan.points.iter().map(|p| &p.scenario).collect();
        let se = cost::admit_sweep(&points, None, allow_large)?;
        sweep = format!(
            "\nsweep: {} point(s), estimate: {:.2e} model events, {:.0} MiB of memory, {:.1} MiB written",
            points.len(),
            se.events.total(),
            se.memory.total() / (1024.0 * 1024.0),
            se.output.total() / (1024.0 * 1024.0)
        );
    }
    let names: Vec<&str> = s.variants.iter().map(|v| v.name.as_str()).collect();
    Ok(format!(
        "{}: valid — scenario `{}`, {} users, {} replication(s), variants: {}\nrun: estimate: {:.2e} model events, {:.0} MiB of memory, {:.1} MiB written (limits: docs/limits.md){sweep}",
        file.display(),
        s.name(),
        s.base.users,
        s.base.replications,
        names.join(", "),
        e.events.total(),
        e.memory.total() / (1024.0 * 1024.0),
        e.output.total() / (1024.0 * 1024.0)
    ))
}

/// `whfb-sim scenario`: the embedded default, commented.
pub fn default_scenario_text() -> &'static str {
    DEFAULT_SCENARIO
}

/// Most samples `calibrate --samples` takes: each generates a key (about 70 ms for
/// RSA-2048) and keeps it with its request and certificate, so 10,000 are some 12 minutes
/// and a few tens of MB; the medians settle long before.
pub(crate) const MAX_CALIBRATE_SAMPLES: usize = 10_000;

/// Options of `whfb-sim calibrate`.
#[derive(Debug, Clone, clap::Args)]
pub struct CalibrateArgs {
    /// Samples per operation (RSA key generation costs ~70 ms each).
    #[arg(long, default_value_t = 30)]
    pub samples: usize,
    /// Client key algorithm: rsa-2048 or ecdsa-p256.
    #[arg(long, default_value = "rsa-2048")]
    pub client_key: String,
}

/// `whfb-sim calibrate`: measures the real crypto operations here and prints the scenario
/// lines that use them.
pub fn calibrate(args: &CalibrateArgs) -> anyhow::Result<()> {
    let alg = match args.client_key.as_str() {
        "rsa-2048" => crate::pki::KeyAlg::Rsa2048,
        "ecdsa-p256" => crate::pki::KeyAlg::EcdsaP256,
        other => {
            return Err(UsageError::new(format!(
                "--client-key {other}: allowed: rsa-2048, ecdsa-p256"
            ))
            .into())
        }
    };
    let samples = args.samples;
    if samples == 0 || samples > MAX_CALIBRATE_SAMPLES {
        return Err(UsageError::new(format!(
            "--samples {samples} is not allowed; allowed: 1 to {MAX_CALIBRATE_SAMPLES} (each sample generates a key: about 70 ms for rsa-2048)"
        ))
        .into());
    }
    print!("{}", crate::pki::calibrate::measure(samples, alg)?);
    Ok(())
}

/// Options of `whfb-sim validate`.
#[derive(Debug, Clone, clap::Args)]
pub struct ValidateArgs {
    /// About a tenth of the samples: wider intervals, a run of a few seconds.
    #[arg(long)]
    pub quick: bool,
    /// Root seed of every check (any seed: a correct simulator passes every check
    /// with probability 99.5 %, whatever the seed).
    #[arg(long, default_value_t = validation::DEFAULT_SEED)]
    pub seed: u64,
    /// Worker threads [default: all cores].
    #[arg(long)]
    pub threads: Option<usize>,
}

impl Default for ValidateArgs {
    /// The full checks with the default seed on all cores, as `whfb-sim validate`.
    fn default() -> Self {
        ValidateArgs {
            quick: false,
            seed: validation::DEFAULT_SEED,
            threads: None,
        }
    }
}

/// `whfb-sim validate`: runs every check, prints the table, and fails (exit 1) when a
/// check fails.
pub fn validate(args: &ValidateArgs) -> anyhow::Result<()> {
    check_threads(args.threads)?;
    let size = if args.quick {
        validation::Size::quick()
    } else {
        validation::Size::full()
    };
    let cfg = validation::Config {
        seed: args.seed,
        size,
    };
    let started = std::time::Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()?;
    let checks = pool.install(|| validation::run_all(&cfg));
    let wall = started.elapsed().as_secs_f64();
    println!(
        "whfb-sim validate — seed {}, {} size ({} replications, {} queue customers after {} warm-up, {} draws, {} users), {} threads",
        cfg.seed,
        if args.quick { "quick" } else { "full" },
        size.replications,
        size.customers,
        size.warmup,
        size.draws,
        size.users,
        pool.current_num_threads()
    );
    println!();
    print!("{}", validation::table(&checks));
    println!("wall time {wall:.1} s");
    let failed = checks.iter().filter(|c| !c.pass).count();
    if failed > 0 {
        print!("\n{}", validation::failure_notes(&checks));
        anyhow::bail!("{failed} validation check(s) failed");
    }
    Ok(())
}
