//! The `whfb-sim` command line: parses arguments and dispatches to the library. Exit codes:
//! 0 success, 2 bad usage or invalid scenario, 1 any other failure.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use whfb_sim::commands::cluster::MergeArgs;
use whfb_sim::commands::{self, Failure, RunArgs, SweepArgs, ValidateArgs};

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
    Run(RunArgs),
    /// Runs every combination of swept values (the file's [sweep] table and --param) ×
    /// variant × replication, and writes sweep.csv, summary.json, charts and report.md.
    Sweep(SweepArgs),
    /// Finds the cheapest values of the searched keys (e.g. AD FS servers, CA workers)
    /// that meet every target with 95 % confidence, and writes plan.json, plan.csv, a
    /// chart and report.md.
    Plan(commands::plan::PlanArgs),
    /// Reads a pilot rollout's exports (event logs as XML, Azure AD Connect run history,
    /// the CA's request log, Entra sign-ins), fits what they measure, and writes a
    /// scenario with every fitted key and its provenance, fit.json and fit.md.
    Fit(commands::fit::FitArgs),
    /// Runs a scenario on a pilot's own population (its sign-ins, its dates) and compares
    /// what it predicts with what the pilot's exports show, stage by stage: Kaplan–Meier
    /// curves, percentile differences with bootstrap intervals, a log-rank test and a
    /// verdict (reproduces or departs); writes compare.json, report.md and charts.
    ComparePilot(commands::compare_pilot::CompareArgs),
    /// Measures how much each input moves the named figures over its plausible range
    /// (one-at-a-time on common random numbers, or Morris elementary effects) and writes
    /// sensitivity.json, sensitivity.csv, tornado charts and report.md.
    Sensitivity(commands::sensitivity::SensitivityArgs),
    /// Joins the shard results of a `run --shard`, `sweep --shard` or `sensitivity
    /// --shard` into exactly the files the same command writes on one machine.
    Merge(MergeArgs),
    /// Validates a scenario file.
    Check {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Overrides to validate with it.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Checks against the larger cost limits `run --allow-large` uses.
        #[arg(long)]
        allow_large: bool,
    },
    /// Prints the embedded default scenario (a commented TOML to copy).
    Scenario,
    /// Prints every scenario key with its type, default, allowed values, meaning, source
    /// (published, with a link; estimate, with its plausible low and high; or decision).
    Params {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: whfb_sim::params::print::Format,
    },
    /// Checks the simulator against queueing theory and the documented behaviour; exits 1
    /// if any check fails.
    Validate {
        /// About a tenth of the samples: wider intervals, a run of a few seconds.
        #[arg(long)]
        quick: bool,
        /// Root seed of every check (any seed: a correct simulator passes every check
        /// with probability 99.5 %, whatever the seed).
        #[arg(long, default_value_t = whfb_sim::validation::DEFAULT_SEED)]
        seed: u64,
        /// Worker threads [default: all cores].
        #[arg(long)]
        threads: Option<usize>,
    },
    /// PKI tools.
    Pki {
        #[command(subcommand)]
        command: PkiCommand,
    },
    /// Measures the real crypto operations on this machine and prints the durations to put
    /// in a scenario's [pki.timing].
    Calibrate {
        /// Samples per operation (RSA key generation costs ~70 ms each).
        #[arg(long, default_value_t = 30)]
        samples: usize,
        /// Client key algorithm: rsa-2048 or ecdsa-p256.
        #[arg(long, default_value = "rsa-2048")]
        client_key: String,
    },
}

#[derive(Subcommand)]
enum PkiCommand {
    /// Writes the CA, the RA's agent certificate and per-user request, CMS and certificate
    /// as PEM/DER for inspection with openssl.
    Export {
        /// Number of users.
        #[arg(long)]
        users: u32,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Scenario whose [pki] settings to use [default: the embedded default].
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Overrides a scenario key, e.g. --set pki.client_key=ecdsa-p256.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Also writes the private keys (userI/key.pem, ca-key.pem), a KDC certificate and
        /// key for `pki.realm` (kdc.pem, kdc-key.pem) and a revoked user (revoked/): test
        /// artifacts for a real Kerberos KDC; a real TPM never lets a key out.
        #[arg(long)]
        with_keys: bool,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Fills the key pool ahead of time (users' keys and signed requests, the PKI
    /// parties' keys) for a scenario's key algorithm, so that shards only read it.
    Pool {
        /// Number of users [default: the scenario's `users`].
        #[arg(long)]
        users: Option<u32>,
        /// Scenario whose [pki] settings to use [default: the embedded default].
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Overrides a scenario key, e.g. --set pki.client_key=ecdsa-p256.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Accepts a fill above the default memory limit, up to the larger one (as `run
        /// --allow-large`).
        #[arg(long)]
        allow_large: bool,
    },
}

fn main() -> ExitCode {
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
        Command::ComparePilot(args) => commands::compare_pilot::compare_pilot(&args),
        Command::Check {
            scenario,
            sets,
            allow_large,
        } => commands::check(&scenario, &sets, allow_large).map(|m| println!("{m}")),
        Command::Pki {
            command:
                PkiCommand::Export {
                    users,
                    out,
                    scenario,
                    sets,
                    with_keys,
                    quiet,
                },
        } => commands::pki_export(users, &out, scenario.as_deref(), &sets, with_keys, quiet)
            .map(|m| println!("{m}")),
        Command::Pki {
            command:
                PkiCommand::Pool {
                    users,
                    scenario,
                    sets,
                    quiet,
                    allow_large,
                },
        } => commands::pool::pki_pool(users, scenario.as_deref(), &sets, quiet, allow_large)
            .map(|m| println!("{m}")),
        Command::Calibrate {
            samples,
            client_key,
        } => commands::calibrate(samples, &client_key).map(|m| print!("{m}")),
        Command::Scenario => {
            print!("{}", commands::default_scenario_text());
            Ok(())
        }
        Command::Params { format } => commands::params(format).map(|m| print!("{m}")),
        Command::Validate {
            quick,
            seed,
            threads,
        } => commands::validate(&ValidateArgs {
            quick,
            seed: Some(seed),
            threads,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(2)
        }
        Err(e @ Failure::Other(_)) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
