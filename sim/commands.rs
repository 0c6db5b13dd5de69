//! What each subcommand does, as library functions the binary dispatches to. Errors say
//! whether they are the user's (bad usage or scenario: exit 2) or not (exit 1).

pub mod cluster;
pub mod compare_pilot;
pub mod fit;
pub mod output_set;
pub mod plan;
pub mod pool;
pub mod precision;
pub mod progress;
pub mod sensitivity;

use crate::model::TraceFilter;
use crate::report;
use crate::run::{cost, run_scenario, RunOptions};
use crate::scenario::{Scenario, ScenarioError, DEFAULT_SCENARIO};
use crate::validation;
use progress::{announce_key_fill, Reporter};
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
        // A key cache folder that cannot be used is the user's to fix, however deep it
        // was found.
        let cache = e.chain().find_map(|c| match c.downcast_ref() {
            Some(crate::pki::PkiError::KeyCache(m)) => Some(m.clone()),
            _ => None,
        });
        match cache {
            Some(m) => Failure::Usage(m),
            None => Failure::Other(e),
        }
    }
}

impl From<crate::pki::PkiError> for Failure {
    fn from(e: crate::pki::PkiError) -> Self {
        Failure::from(anyhow::Error::from(e))
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
    /// see README "Limits"), up to the larger ones.
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

    fn threads(&self) -> Result<Option<usize>, Failure> {
        check_threads(self.threads)
    }
}

/// `--threads`: 1 to [`cost::MAX_THREADS`].
pub(crate) fn check_threads(threads: Option<usize>) -> Result<Option<usize>, Failure> {
    match threads {
        Some(n) if n == 0 || n > cost::MAX_THREADS => Err(Failure::Usage(format!(
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

    fn threads(&self) -> Result<Option<usize>, Failure> {
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
pub fn load_scenario(file: Option<&Path>, sets: &[String]) -> Result<Scenario, Failure> {
    Ok(match file {
        Some(p) => Scenario::load_file(p, sets)?,
        None => Scenario::load_default(sets)?,
    })
}

/// `whfb-sim run`.
pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let common = &args.common;
    let scenario = load_scenario(args.scenario.as_deref(), &common.all_sets())?;
    let threads = common.threads()?;
    let trace = if args.trace || (args.trace_format.is_some() && args.trace_users.is_empty()) {
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
    let mut precision_plan = args.precision.plan(&scenario)?;
    let admits = |n| {
        let sized = precision::with_replications(&scenario, n);
        cost::admit_run(&sized, &trace, threads, common.sim.allow_large).map(|_| ())
    };
    let capped = match precision_plan.as_mut() {
        Some(p) => precision::fit_to_limits(p, admits)?,
        None => {
            admits(scenario.base.replications).map_err(Failure::Usage)?;
            None
        }
    };
    if common.shard.is_some() || common.shards.is_some() {
        if precision_plan.is_some() {
            return Err(precision::with_shard());
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
) -> Result<(), Failure> {
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
pub fn sweep(args: &SweepArgs) -> Result<(), Failure> {
    use crate::report::sweep::{summarize_point, sweep_table, write_sweep_outputs};
    use crate::run::sweep::{plan_sweep, run_sweep};
    let common = &args.common;
    let scenario = load_scenario(Some(&args.scenario), &common.all_sets())?;
    let threads = common.threads()?;
    let plan = plan_sweep(&scenario, &args.params).map_err(Failure::Usage)?;
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
            cost::admit_sweep(&points, threads, common.sim.allow_large).map_err(Failure::Usage)?;
            None
        }
    };
    if common.shard.is_some() || common.shards.is_some() {
        if precision_plan.is_some() {
            return Err(precision::with_shard());
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

/// `whfb-sim params`: the parameter registry in `format`.
pub fn params(format: crate::params::print::Format) -> Result<String, Failure> {
    crate::params::print::render(crate::params::all(), format)
        .map_err(|e| Failure::Other(anyhow::anyhow!(e)))
}

/// `whfb-sim check`: validates, estimates the cost as `run` does (and as `sweep` does when
/// the file has a `[sweep]` table), refuses what they would refuse, and says what the
/// scenario holds.
pub fn check(file: &Path, sets: &[String], allow_large: bool) -> Result<String, Failure> {
    let s = load_scenario(Some(file), sets)?;
    let e = cost::admit_run(&s, &TraceFilter::Off, None, allow_large).map_err(Failure::Usage)?;
    let mut sweep = String::new();
    if !s.sweep.is_empty() {
        let plan = crate::run::sweep::plan_sweep(&s, &[]).map_err(Failure::Usage)?;
        let points: Vec<&Scenario> = plan.points.iter().map(|p| &p.scenario).collect();
        let se = cost::admit_sweep(&points, None, allow_large).map_err(Failure::Usage)?;
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
        "{}: valid — scenario `{}`, {} users, {} replication(s), variants: {}\nrun: estimate: {:.2e} model events, {:.0} MiB of memory, {:.1} MiB written (limits: README \"Limits\"){sweep}",
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

/// Most users `pki export` writes artifacts for.
const MAX_EXPORT_USERS: u32 = 100_000;

/// `whfb-sim pki export`: the CA, the RA's agent certificate, the CA's CRL and per user the
/// request, the DRS key receipt, the RA's CMS envelope and the issued certificate, written
/// for `openssl` to inspect. The PKI settings (validity, client key, key cache) come from
/// the scenario (default: the embedded one); the epoch is the current time, so the
/// artefacts are valid today, unless `--set pki.epoch=...` pins it. `with_keys` adds the
/// private keys, a KDC certificate for `pki.realm` and a revoked user: test artefacts for
/// a real Kerberos KDC (`contrib/kdc/test-kdc.sh`).
pub fn pki_export(
    users: u32,
    out: &Path,
    scenario: Option<&Path>,
    sets: &[String],
    with_keys: bool,
    quiet: bool,
) -> Result<String, Failure> {
    if users == 0 || users > MAX_EXPORT_USERS {
        return Err(Failure::Usage(format!(
            "--users {users} is not allowed; allowed: 1 to {MAX_EXPORT_USERS} (pki export writes a folder of four files per user, for openssl to inspect)"
        )));
    }
    let s = load_scenario(scenario, sets)?;
    let mut settings =
        crate::run::pki_backend::settings_of(&s.base).map_err(|e| Failure::Usage(e.to_string()))?;
    let pinned = sets.iter().any(|kv| {
        kv.split_once('=')
            .is_some_and(|(k, _)| k.trim() == "pki.epoch")
    });
    if !pinned {
        settings.epoch_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| Failure::Other(anyhow::anyhow!("the system clock is before 1970: {e}")))?
            .as_secs() as i64;
    }
    if let Some((key, msg)) = crate::scenario::pki_dates::problems(settings.epoch_unix, &s.base)
        .into_iter()
        .next()
    {
        return Err(Failure::Usage(format!(
            "key `{key}`: {msg} (pki export issues at the current time unless --set pki.epoch=... pins it)"
        )));
    }
    let keys = with_keys.then(|| crate::pki::export::WithKeys {
        realm: s.base.pki.realm.clone(),
    });
    // The revoked user of --with-keys is one more user in the key pool.
    let pooled = users + u32::from(with_keys);
    announce_key_fill(&s, Some(pooled), None, quiet)?;
    let set = output_set::OutputSet::begin(out, "--out")?;
    let bar = Reporter::new(quiet);
    let summary = crate::pki::export::export_with_progress(
        users as usize,
        set.dir(),
        &settings,
        keys.as_ref(),
        &|s, d, t| bar.pki(s, d, t),
    )?;
    bar.finish();
    let out = set.out().to_path_buf();
    set.commit()?;
    // The summary names the staging folder; the files are now under `out`.
    let ca = out.join("ca.pem");
    let crl = out.join("crl.pem");
    let (ca, crl) = (ca.display(), crl.display());
    let mut text = format!(
        "wrote {} users' artifacts to {} (CA: {ca}, RA agent: {}, CRL: {crl}; per user: request.csr.pem, key-receipt.der, request.p7b, cert.pem), issued at {}\ncheck them with e.g. `openssl verify -CAfile {ca} -crl_check -CRLfile {crl} {}`",
        summary.users,
        out.display(),
        out.join("ra.pem").display(),
        crate::pki::time::rfc3339(settings.epoch_unix),
        crate::pki::export::user_dir(&out, 0).join("cert.pem").display()
    );
    if let (Some(keys), Some(revoked)) = (&keys, summary.revoked_user) {
        text.push_str(&format!(
            "\nwith --with-keys (test artifacts: a real TPM and CA never let a private key out; mode 0600): userI/key.pem, ca-key.pem, kdc.pem and kdc-key.pem (krbtgt/{realm}@{realm}), revoked/cert.pem and revoked/key.pem (user{revoked}, serial {serial} on crl.pem); try them on a real KDC with contrib/kdc/test-kdc.sh",
            realm = keys.realm,
            serial = u64::from(revoked) + 1,
        ));
    }
    Ok(text)
}

/// Most samples `calibrate --samples` takes: each generates a key (about 70 ms for
/// RSA-2048) and keeps it with its request and certificate, so 10,000 are some 12 minutes
/// and a few tens of MB; the medians settle long before.
pub const MAX_CALIBRATE_SAMPLES: usize = 10_000;

/// `whfb-sim calibrate`: measures the real crypto operations here and prints the scenario
/// lines that use them.
pub fn calibrate(samples: usize, client_key: &str) -> Result<String, Failure> {
    let alg = match client_key {
        "rsa-2048" => crate::pki::KeyAlg::Rsa2048,
        "ecdsa-p256" => crate::pki::KeyAlg::EcdsaP256,
        other => {
            return Err(Failure::Usage(format!(
                "--client-key {other}: allowed: rsa-2048, ecdsa-p256"
            )))
        }
    };
    if samples == 0 || samples > MAX_CALIBRATE_SAMPLES {
        return Err(Failure::Usage(format!(
            "--samples {samples} is not allowed; allowed: 1 to {MAX_CALIBRATE_SAMPLES} (each sample generates a key: about 70 ms for rsa-2048)"
        )));
    }
    let c = crate::pki::calibrate::measure(samples, alg).map_err(|e| Failure::Other(e.into()))?;
    Ok(c.to_string())
}

/// Options of `whfb-sim validate`.
#[derive(Debug, Clone, Default)]
pub struct ValidateArgs {
    /// `--quick`: the same checks with about a tenth of the samples.
    pub quick: bool,
    /// `--seed`; default [`validation::DEFAULT_SEED`].
    pub seed: Option<u64>,
    /// `--threads`; default all cores.
    pub threads: Option<usize>,
}

/// `whfb-sim validate`: runs every check, prints the table, and fails (exit 1) when a
/// check fails.
pub fn validate(args: &ValidateArgs) -> Result<(), Failure> {
    check_threads(args.threads)?;
    let size = if args.quick {
        validation::Size::quick()
    } else {
        validation::Size::full()
    };
    let cfg = validation::Config {
        seed: args.seed.unwrap_or(validation::DEFAULT_SEED),
        size,
    };
    let started = std::time::Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .map_err(anyhow::Error::from)?;
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
        return Err(Failure::Other(anyhow::anyhow!(
            "{failed} validation check(s) failed"
        )));
    }
    Ok(())
}
