//! The `whfb-sim` command line: parses arguments and dispatches to the library. Exit codes:
//! 0 success, 2 bad usage or invalid scenario (clap's refusals, and any failure
//! [`whfb_sim::error::exit_code`] finds a `UsageError` in), 1 any other failure.

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use whfb_sim::commands::cluster::MergeArgs;
use whfb_sim::commands::{self, RunArgs, SweepArgs};
use whfb_sim::error;

#[derive(Parser)]
#[command(
    name = "whfb-sim",
    version,
    about = "Timing simulator of Windows Hello for Business hybrid certificate trust provisioning"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs a scenario (the embedded default when no file is given) and writes its reports.
    ///
    /// Reference: docs/cli.md, docs/outputs.md, docs/statistics.md (in the source repository).
    Run(RunArgs),
    /// Runs every combination of swept values (the file's [sweep] table and --param) ×
    /// variant × replication, and writes sweep.csv, summary.json, charts and report.md.
    ///
    /// Reference: docs/sweeps.md (in the source repository).
    Sweep(SweepArgs),
    /// Finds the cheapest values of the searched keys (e.g. AD FS servers, CA workers)
    /// that meet every target with 95 % confidence, and writes plan.json, plan.csv, a
    /// chart and report.md.
    ///
    /// Reference: docs/plan.md (in the source repository).
    Plan(commands::plan::PlanArgs),
    /// Reads a pilot rollout's exports (event logs as XML or .evtx, Azure AD Connect run history,
    /// the CA's request log, Entra sign-ins), fits what they measure, and writes a
    /// scenario with every fitted key and its provenance, fit.json and fit.md.
    ///
    /// Reference: docs/pilot.md (in the source repository).
    Fit(commands::fit::FitArgs),
    /// Runs a scenario on a pilot's own population (its sign-ins, its dates) and compares
    /// what it predicts with what the pilot's exports show, stage by stage: Kaplan–Meier
    /// curves, percentile differences with bootstrap intervals, a log-rank test and a
    /// verdict (reproduces or departs); writes compare.json, report.md and charts.
    ///
    /// Reference: docs/pilot.md (in the source repository).
    ComparePilot(commands::compare_pilot::CompareArgs),
    /// Measures how much each input moves the named figures over its plausible range
    /// (one-at-a-time on common random numbers, or Morris elementary effects) and writes
    /// sensitivity.json, sensitivity.csv, tornado charts and report.md.
    ///
    /// Reference: docs/sensitivity.md (in the source repository).
    Sensitivity(commands::sensitivity::SensitivityArgs),
    /// Joins the shard results of a `run --shard`, `sweep --shard` or `sensitivity
    /// --shard` into exactly the files the same command writes on one machine.
    ///
    /// Reference: docs/shards.md, docs/sweeps.md (in the source repository).
    Merge(MergeArgs),
    /// Validates a scenario file.
    ///
    /// Reference: docs/scenarios.md, docs/limits.md (in the source repository).
    Check(commands::CheckArgs),
    /// Prints the embedded default scenario (a commented TOML to copy).
    ///
    /// Reference: docs/scenarios.md (in the source repository).
    Scenario,
    /// Prints every scenario key with its type, default, allowed values, meaning, source
    /// (published, with a link; estimate, with its plausible low and high; or decision).
    ///
    /// Reference: docs/model.md (in the source repository).
    Params(commands::ParamsArgs),
    /// Checks the simulator against queueing theory and the documented behaviour; exits 1
    /// if any check fails.
    ///
    /// Reference: docs/validation.md (in the source repository).
    Validate(commands::ValidateArgs),
    /// PKI tools.
    ///
    /// Reference: docs/pki.md (in the source repository).
    Pki {
        #[command(subcommand)]
        command: PkiCommand,
    },
    /// Measures the real crypto operations on this machine and prints the durations to put
    /// in a scenario's [pki.timing].
    ///
    /// Reference: docs/pki.md (in the source repository).
    Calibrate(commands::CalibrateArgs),
}

#[derive(Subcommand)]
enum PkiCommand {
    /// Writes the CA, the RA's agent certificate and per-user request, CMS and certificate
    /// as PEM/DER for inspection with openssl.
    ///
    /// Reference: docs/pki.md (in the source repository).
    Export(commands::pki::ExportArgs),
    /// Fills the key pool ahead of time (users' keys and signed requests, the PKI
    /// parties' keys) for a scenario's key algorithm, so that shards only read it.
    ///
    /// Reference: docs/pki.md (in the source repository).
    Pool(commands::pki::PoolArgs),
}

/// Restores the default action of SIGPIPE (Rust ignores it), so that `whfb-sim scenario
/// | head` ends quietly when `head` closes the pipe, as Unix tools do, instead of
/// panicking on the failed write.
fn default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default before any other thread
    // exists has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    default_sigpipe();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // Before anything is opened: see `install_signal_handler`.
    commands::output_set::install_signal_handler();
    let result = match cli.command {
        Command::Run(args) => commands::run(&args),
        Command::Sweep(args) => commands::sweep(&args),
        Command::Plan(args) => commands::plan::plan(&args),
        Command::Sensitivity(args) => commands::sensitivity::sensitivity(&args),
        Command::Merge(args) => commands::cluster::merge(&args),
        Command::Fit(args) => commands::fit::fit(&args),
        Command::Check(args) => commands::check(&args),
        Command::ComparePilot(args) => commands::compare_pilot::compare_pilot(&args),
        Command::Scenario => {
            print!("{}", commands::default_scenario_text());
            Ok(())
        }
        Command::Params(args) => commands::params(&args),
        Command::Validate(args) => commands::validate(&args),
        Command::Pki {
            command: PkiCommand::Export(args),
        } => commands::pki::export(&args),
        Command::Pki {
            command: PkiCommand::Pool(args),
        } => commands::pki::pool(&args),
        Command::Calibrate(args) => commands::calibrate(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", error::message(&e));
            ExitCode::from(error::exit_code(&e))
        }
    }
}
