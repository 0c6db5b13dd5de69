//! The `whfb-sim` command line: parses arguments and dispatches to the library. Exit codes:
//! 0 success, 2 bad usage or invalid scenario, 1 any other failure.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use whfb_sim::commands::{self, Failure, RunArgs, SweepArgs};

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
    Run {
        /// Scenario file (TOML).
        scenario: Option<PathBuf>,
        /// Output folder [default: reports/<scenario-name>/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Seed of every random stream.
        #[arg(long)]
        seed: Option<u64>,
        /// Number of users.
        #[arg(long)]
        users: Option<u32>,
        /// Independent replications.
        #[arg(long)]
        replications: Option<u32>,
        /// Worker threads [default: all cores].
        #[arg(long)]
        threads: Option<usize>,
        /// Overrides a scenario key, e.g. --set aad_connect.interval=3h (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// No progress bar and no table.
        #[arg(long)]
        quiet: bool,
        /// Writes events.csv with every user's event log.
        #[arg(long)]
        trace: bool,
        /// Writes events.csv for these users only, e.g. 1,5,9.
        #[arg(long, value_delimiter = ',')]
        trace_users: Vec<u32>,
    },
    /// Runs every combination of swept values (the file's [sweep] table and --param) ×
    /// variant × replication, and writes sweep.csv, summary.json, charts and report.md.
    Sweep {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// A swept key and its values, e.g. --param aad_connect.interval=30m,1h,2h
        /// (repeatable; replaces the file's values for that key).
        #[arg(long = "param", value_name = "KEY=V1,V2,...")]
        params: Vec<String>,
        /// Output folder [default: reports/<scenario-name>-sweep/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Seed of every random stream.
        #[arg(long)]
        seed: Option<u64>,
        /// Number of users.
        #[arg(long)]
        users: Option<u32>,
        /// Independent replications per point.
        #[arg(long)]
        replications: Option<u32>,
        /// Worker threads [default: all cores].
        #[arg(long)]
        threads: Option<usize>,
        /// Overrides a scenario key at every point (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// No progress bar and no table.
        #[arg(long)]
        quiet: bool,
    },
    /// Validates a scenario file.
    Check {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Overrides to validate with it.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
    },
    /// Prints the embedded default scenario (a commented TOML to copy).
    Scenario,
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
    let result = match cli.command {
        Command::Run {
            scenario,
            out,
            seed,
            users,
            replications,
            threads,
            sets,
            quiet,
            trace,
            trace_users,
        } => commands::run(&RunArgs {
            scenario,
            out,
            seed,
            users,
            replications,
            threads,
            sets,
            quiet,
            trace,
            trace_users,
        }),
        Command::Sweep {
            scenario,
            params,
            out,
            seed,
            users,
            replications,
            threads,
            sets,
            quiet,
        } => commands::sweep(&SweepArgs {
            scenario,
            params,
            out,
            seed,
            users,
            replications,
            threads,
            sets,
            quiet,
        }),
        Command::Check { scenario, sets } => {
            commands::check(&scenario, &sets).map(|m| println!("{m}"))
        }
        Command::Scenario => {
            print!("{}", commands::default_scenario_text());
            Ok(())
        }
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
