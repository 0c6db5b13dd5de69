//! What each subcommand does, as library functions the binary dispatches to. Errors say
//! whether they are the user's (bad usage or scenario: exit 2) or not (exit 1).

use crate::model::TraceFilter;
use crate::report;
use crate::run::{run_scenario, RunOptions};
use crate::scenario::{Scenario, ScenarioError, DEFAULT_SCENARIO};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// A command's failure, mapped to an exit code by the binary.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage or an invalid scenario (exit 2).
    Usage(String),
    /// Anything else (exit 1).
    Other(anyhow::Error),
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Self {
        Failure::Usage(e.to_string())
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Other(e)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Usage(m) => f.write_str(m),
            Failure::Other(e) => write!(f, "{e:#}"),
        }
    }
}

/// Options of `whfb-sim run`.
#[derive(Debug, Clone, Default)]
pub struct RunArgs {
    /// Scenario file; `None` runs the embedded default.
    pub scenario: Option<PathBuf>,
    /// Output folder; default `reports/<scenario-name>/`.
    pub out: Option<PathBuf>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--users`.
    pub users: Option<u32>,
    /// `--replications`.
    pub replications: Option<u32>,
    /// `--threads`.
    pub threads: Option<usize>,
    /// `--set KEY=VALUE`, in order.
    pub sets: Vec<String>,
    /// `--quiet`: no progress bar, no table.
    pub quiet: bool,
    /// `--trace`: every user into events.csv.
    pub trace: bool,
    /// `--trace-users 1,5,9`.
    pub trace_users: Vec<u32>,
}

/// Options of `whfb-sim sweep`.
#[derive(Debug, Clone, Default)]
pub struct SweepArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// `--param KEY=V1,V2,...`, in order.
    pub params: Vec<String>,
    /// Output folder; default `reports/<scenario-name>-sweep/`.
    pub out: Option<PathBuf>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--users`.
    pub users: Option<u32>,
    /// `--replications`.
    pub replications: Option<u32>,
    /// `--threads`.
    pub threads: Option<usize>,
    /// `--set KEY=VALUE`, in order.
    pub sets: Vec<String>,
    /// `--quiet`: no progress bar, no table.
    pub quiet: bool,
}

/// `--seed`, `--users` and `--replications` as overrides ahead of the `--set` ones.
fn flag_sets(
    seed: Option<u64>,
    users: Option<u32>,
    replications: Option<u32>,
    sets: &[String],
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = seed {
        out.push(format!("seed={s}"));
    }
    if let Some(u) = users {
        out.push(format!("users={u}"));
    }
    if let Some(r) = replications {
        out.push(format!("replications={r}"));
    }
    out.extend(sets.iter().cloned());
    out
}

/// Loads the scenario named on the command line (or the default) with the flag overrides.
pub fn load_scenario(file: Option<&Path>, sets: &[String]) -> Result<Scenario, Failure> {
    Ok(match file {
        Some(p) => Scenario::load_file(p, sets)?,
        None => Scenario::load_default(sets)?,
    })
}

fn progress_bar(quiet: bool, len: u64, what: &str) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new(len);
    pb.set_style(
        indicatif::ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    Some(pb)
}

/// `whfb-sim run`.
pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let sets = flag_sets(args.seed, args.users, args.replications, &args.sets);
    let scenario = load_scenario(args.scenario.as_deref(), &sets)?;
    if args.threads == Some(0) {
        return Err(Failure::Usage("--threads must be at least 1".into()));
    }
    let trace = if args.trace {
        TraceFilter::All
    } else if !args.trace_users.is_empty() {
        if let Some(bad) = args.trace_users.iter().find(|&&u| u >= scenario.base.users) {
            return Err(Failure::Usage(format!(
                "--trace-users: user {bad} does not exist; allowed: 0 to {}",
                scenario.base.users - 1
            )));
        }
        TraceFilter::Users(args.trace_users.clone())
    } else {
        TraceFilter::Off
    };
    let trace_on = trace != TraceFilter::Off;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(scenario.name()));
    let opts = RunOptions {
        threads: args.threads,
        trace,
    };
    let sims = scenario.variants.len() as u64 * scenario.base.replications as u64;
    let pb = progress_bar(args.quiet, sims, "simulating");
    let tick = |done: usize, _total: usize| {
        if let Some(pb) = &pb {
            pb.set_position(done as u64);
        }
    };
    let result = run_scenario(&scenario, &opts, &tick)?;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let info = report::RunInfo::new(&scenario, trace_on);
    let written = report::write_outputs(&result, &info, &out_dir)?;
    if !args.quiet {
        let crypto = if result.pki_real {
            "real"
        } else {
            "OFF (pki.mode = \"off\": no keys, signatures or certificates; checks made on identities)"
        };
        print!(
            "{}",
            report::table::comparison_table(&written.summary, crypto)
        );
        println!("outputs: {}", out_dir.display());
    }
    Ok(())
}

/// `whfb-sim sweep`: every combination of the swept values × variant × replication.
pub fn sweep(args: &SweepArgs) -> Result<(), Failure> {
    use crate::report::sweep::{summarize_point, sweep_table, write_sweep_outputs};
    use crate::run::sweep::{plan_sweep, run_sweep};
    let sets = flag_sets(args.seed, args.users, args.replications, &args.sets);
    let scenario = load_scenario(Some(&args.scenario), &sets)?;
    if args.threads == Some(0) {
        return Err(Failure::Usage("--threads must be at least 1".into()));
    }
    let plan = plan_sweep(&scenario, &args.params).map_err(Failure::Usage)?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-sweep", scenario.name())));
    let pb = progress_bar(args.quiet, plan.simulations() as u64, "sweeping");
    let tick = |done: usize, _total: usize| {
        if let Some(pb) = &pb {
            pb.set_position(done as u64);
        }
    };
    let reduce = |p: &crate::run::sweep::SweepPoint, r| Ok(summarize_point(p, r));
    let points = run_sweep(&plan, args.threads, &tick, &reduce)?;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let written = write_sweep_outputs(&plan, &points, &scenario, &out_dir)?;
    if !args.quiet {
        print!("{}", sweep_table(&plan, &points, &written.summary));
        println!("outputs: {}", out_dir.display());
    }
    Ok(())
}

/// `whfb-sim check`: validates and says what the scenario holds.
pub fn check(file: &Path, sets: &[String]) -> Result<String, Failure> {
    let s = load_scenario(Some(file), sets)?;
    let names: Vec<&str> = s.variants.iter().map(|v| v.name.as_str()).collect();
    Ok(format!(
        "{}: valid — scenario `{}`, {} users, {} replication(s), variants: {}",
        file.display(),
        s.name(),
        s.base.users,
        s.base.replications,
        names.join(", ")
    ))
}

/// `whfb-sim scenario`: the embedded default, commented.
pub fn default_scenario_text() -> &'static str {
    DEFAULT_SCENARIO
}
