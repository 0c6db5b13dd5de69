//! `whfb-sim fit EXPORTS... --out DIR [--base SCENARIO] [--policy-start TIME]
//! [--bootstrap N] [--seed N]`: reads a pilot's exports, fits what they measure, and
//! writes `scenario.toml`, `fit.json`, `fit.md` with its P–P/Q–Q charts and
//! `signins.csv` as one set.

use super::output_set::OutputSet;
use crate::error::UsageError;
use crate::exports::load::{load, SourceFile};
use crate::exports::time::{format_utc, parse_utc, UnixMicros};
use crate::fit::apply::{scenario_text, settings, Setting};
use crate::fit::markdown::fit_md;
use crate::fit::quantities::analyse;
use crate::params::SourceKind;
use crate::report::atomic::FileList;
use crate::scenario::{Scenario, DEFAULT_SCENARIO};
use serde::Serialize;
use std::path::PathBuf;

/// The most bootstrap samples `fit` draws per family and quantity.
pub(crate) const MAX_BOOTSTRAP: usize = 100_000;

/// `fit`'s flags (parsed by clap in the binary).
#[derive(Debug, Clone, clap::Args)]
pub struct FitArgs {
    /// Export files or folders: Windows event logs (.evtx) or their XML, Azure AD Connect
    /// run history JSON, certutil -view CSV, Entra sign-in CSV or JSON (told apart by
    /// content).
    #[arg(required = true, value_name = "EXPORT")]
    pub exports: Vec<PathBuf>,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Scenario whose other keys the fitted one keeps [default: the embedded default].
    #[arg(long, value_name = "SCENARIO.toml")]
    pub base: Option<PathBuf>,
    /// When the policy reached the pilot (UTC, `2025-12-01T08:00:00Z`) [default: the
    /// first prerequisite event].
    #[arg(long, value_name = "TIME")]
    pub policy_start: Option<String>,
    /// Parametric bootstrap samples per family and quantity (goodness of fit and
    /// parameter intervals), 0 to 100,000.
    #[arg(long, default_value_t = 999)]
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Prints nothing but errors.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Serialize)]
struct Population {
    devices: usize,
    users: usize,
    policy_start: String,
    export_end: String,
    censored_users: usize,
}

#[derive(Serialize)]
struct NotFitted {
    key: String,
    why: String,
}

#[derive(Serialize)]
struct FitJson<'a> {
    sources: &'a [SourceFile],
    population: Population,
    quantities: &'a [crate::fit::quantities::Quantity],
    shares: &'a [crate::fit::quantities::Share],
    sync: &'a Option<crate::fit::quantities::SyncFigures>,
    settings: &'a [Setting],
    not_fitted: Vec<NotFitted>,
}

/// The pilot's sign-ins as a `signin.trace`: each device's first (its first 358/360)
/// and the later `Windows Sign In`s the sign-in log shows for its user, `user,time` with
/// the time in seconds from the policy start; the same population `compare-pilot` replays.
fn signins_csv(trace: &crate::scenario::signin_trace::SignInTrace) -> String {
    let mut out = String::from("user,time\n");
    for u in 0..trace.users() {
        let name = trace.names[u as usize].replace([',', '"', '\n', '\r'], " ");
        for &t in trace.of(u) {
            out.push_str(&format!("{name},{:.6}\n", t as f64 / 1e6));
        }
    }
    out
}

/// The median of the user's steps under `spec` (PIN page, MFA answer, PIN entry: the sum
/// 358 → 3225 shows), seconds, from 20,001 draws on a fixed seed.
fn steps_median(spec: &crate::scenario::schema::Spec) -> f64 {
    use rand::SeedableRng;
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
    let mut sums: Vec<u64> = (0..20_001)
        .map(|_| {
            spec.pin_page.think.sample(&mut rng)
                + spec.mfa.response.sample(&mut rng)
                + spec.pin.entry.sample(&mut rng)
        })
        .collect();
    let mid = sums.len() / 2;
    let (_, m, _) = sums.select_nth_unstable(mid);
    *m as f64 / 1e6
}

/// `--policy-start` (of `fit` and `compare-pilot`) read as a UTC time.
pub(crate) fn policy_start_flag(text: Option<&str>) -> Result<Option<UnixMicros>, UsageError> {
    text.map(|t| parse_utc(t).map_err(|e| UsageError::new(format!("--policy-start: {e}"))))
        .transpose()
}

/// `whfb-sim fit`.
pub fn fit(args: &FitArgs) -> anyhow::Result<()> {
    if args.bootstrap > MAX_BOOTSTRAP {
        return Err(UsageError::new(format!(
            "--bootstrap {} is not allowed; allowed: 0 to {MAX_BOOTSTRAP}",
            args.bootstrap
        ))
        .into());
    }
    let policy_start = policy_start_flag(args.policy_start.as_deref())?;
    let (base_text, base) = match &args.base {
        Some(p) => {
            let s = super::load_scenario(Some(p), &[])?;
            let text = std::fs::read_to_string(p)
                .map_err(|e| UsageError::new(format!("--base {}: {e}", p.display())))?;
            (text, s)
        }
        None => (
            DEFAULT_SCENARIO.to_string(),
            super::load_scenario(None, &[])?,
        ),
    };
    let exports = load(&args.exports)?;
    let analysis = analyse(&exports, policy_start, args.bootstrap, args.seed)?;
    let spec = &base.base;
    let base_quantile = |key: &str, p: f64| -> Option<f64> {
        let d = match key {
            "pin_page.think" => &spec.pin_page.think,
            "mfa.response" => &spec.mfa.response,
            "pin.entry" => &spec.pin.entry,
            _ => return None,
        };
        d.quantile(p).map(|us| us / 1e6)
    };
    let set_list = settings(
        &analysis,
        base_quantile,
        Some(steps_median(spec)),
        spec.aad_connect.import_ad.0 as f64 / 1e6,
    );
    // The pilot's farm as its events show it: synchronous enrollments mean patched.
    let patched = if analysis
        .quantities
        .iter()
        .any(|q| q.quantity == "enrollment" && q.n - q.censored > 0)
    {
        "all"
    } else {
        "none"
    };
    let files: Vec<&str> = exports.sources.iter().map(|s| s.file.as_str()).collect();
    let header = format!(
        "# Fitted by `whfb-sim fit` from {} export file(s): {}\n# Keys with a `fitted`/`measured` comment come from the pilot; every other key is the base's\n# (fit.md lists the estimates the exports could not inform).\n",
        files.len(),
        files.join(", ")
    );
    let text = scenario_text(&base_text, &set_list, patched, &header)?;
    // The written scenario must load: a fit that wrote something unreadable is a bug.
    Scenario::load_str(&text, "scenario.toml", "pilot", &[])
        .map_err(|e| anyhow::anyhow!("the fitted scenario does not load: {e}"))?;
    let set_keys: Vec<&str> = set_list.iter().map(|s| s.key.as_str()).collect();
    let not_fitted: Vec<(String, String)> = crate::params::all()
        .iter()
        .filter(|p| p.source.kind == SourceKind::Estimate && !set_keys.contains(&p.key))
        .filter(|p| p.active_in(&base).is_ok())
        .map(|p| {
            (
                p.key.to_string(),
                "not shown by these exports: still an estimate".to_string(),
            )
        })
        .collect();
    let json = FitJson {
        sources: &exports.sources,
        population: Population {
            devices: analysis.devices,
            users: {
                let mut u: Vec<&str> = analysis
                    .timelines
                    .devices
                    .iter()
                    .map(|d| d.user_sid.as_str())
                    .collect();
                u.sort_unstable();
                u.dedup();
                u.len()
            },
            policy_start: format_utc(analysis.policy_start),
            export_end: format_utc(analysis.export_end),
            censored_users: analysis.censored_devices,
        },
        quantities: &analysis.quantities,
        shares: &analysis.shares,
        sync: &analysis.sync,
        settings: &set_list,
        not_fitted: not_fitted
            .iter()
            .map(|(k, w)| NotFitted {
                key: k.clone(),
                why: w.clone(),
            })
            .collect(),
    };
    let out = OutputSet::begin(&args.out, "--out")?;
    {
        let mut files = FileList::new(out.dir());
        files.put("scenario.toml", &text)?;
        files.put("fit.json", serde_json::to_string_pretty(&json)? + "\n")?;
        let (chart_files, charts) =
            crate::fit::chart::write(&analysis.quantities, &out.dir().join("charts"))?;
        files.extend(chart_files);
        files.put(
            "fit.md",
            fit_md(&analysis, &exports.sources, &set_list, &not_fitted, &charts),
        )?;
        // Exports without device events (a run history alone) have no sign-ins to write.
        let trace = if analysis.devices == 0 {
            "user,time\n".to_string()
        } else {
            let pilot = crate::compare::population::of_timelines(
                &exports,
                &analysis.timelines,
                analysis.policy_start,
                analysis.export_end,
            )?;
            signins_csv(&pilot.trace)
        };
        files.put("signins.csv", trace)?;
    }
    out.commit()?;
    if !args.quiet {
        println!(
            "fitted {} devices from {} file(s): {} keys set, {} estimates left; outputs: {}",
            analysis.devices,
            exports.sources.len(),
            set_list.len(),
            not_fitted.len(),
            args.out.display()
        );
    }
    Ok(())
}
