//! `whfb-sim pki pool`: fills the key pool for a scenario ahead of time, so that the
//! shards of a real-crypto sweep on many hosts read the keys instead of racing to
//! generate them.

use crate::commands::load_scenario;
use crate::commands::progress::{announce_key_fill, Reporter};
use crate::error::UsageError;
use crate::pki::prefill::prefill;
use crate::run::pki_backend::settings_of;
use std::path::PathBuf;

/// Options of `whfb-sim pki pool`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PoolArgs {
    /// Number of users [default: the scenario's `users`].
    #[arg(long)]
    pub users: Option<u32>,
    /// Scenario whose [pki] settings to use [default: the embedded default].
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Overrides a scenario key, e.g. --set pki.client_key=ecdsa-p256.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Accepts a fill above the default memory limit, up to the larger one (as `run
    /// --allow-large`).
    #[arg(long)]
    pub allow_large: bool,
}

/// `whfb-sim pki pool`: fills the pool and prints what it holds now.
pub fn pool(args: &PoolArgs) -> anyhow::Result<()> {
    println!("{}", pool_text(args)?);
    Ok(())
}

/// Fills the pool for users `0..users` (default: the scenario's `users`) with the key
/// algorithm, UPN domain and key cache of each variant of the scenario (the embedded
/// default when `scenario` is `None`). `--users` has the limits of `users`, and the fill
/// the memory limits of a run (`allow_large`: the larger ones). Returns what to print.
fn pool_text(args: &PoolArgs) -> anyhow::Result<String> {
    let PoolArgs {
        users,
        ref scenario,
        ref sets,
        quiet,
        allow_large,
    } = *args;
    if users == Some(0) {
        return Err(UsageError::new("--users must be at least 1").into());
    }
    // `--users` is held to the scenario's own limits on `users`, by loading it as one.
    let mut all_sets: Vec<String> = users.iter().map(|n| format!("users={n}")).collect();
    all_sets.extend_from_slice(sets);
    let s = load_scenario(scenario.as_deref(), &all_sets).map_err(|e| match users {
        Some(n) => e.reword(&format!("--set users={n}"), &format!("--users {n}")),
        None => e,
    })?;
    let users = s.base.users;
    crate::run::cost::admit_pool(users, allow_large)?;
    let mut distinct = Vec::new();
    for v in &s.variants {
        let settings = settings_of(&v.spec)?;
        if !distinct.contains(&settings) {
            distinct.push(settings);
        }
    }
    announce_key_fill(&s, Some(users), None, quiet)?;
    let mut lines = Vec::new();
    for settings in &distinct {
        let bar = Reporter::new(quiet);
        let done = prefill(settings, users as usize, &|s, d, t| bar.pki(s, d, t))?;
        bar.finish();
        lines.push(if done.was_full() {
            format!(
                "key pool {}: already holds {} users' {} keys and signed requests, and the PKI parties' keys; nothing to do",
                done.dir.display(),
                done.users,
                done.alg
            )
        } else {
            format!(
                "key pool {}: {} users' {} keys ({} generated now, {} were there), {} requests signed, {} PKI party keys generated",
                done.dir.display(),
                done.users,
                done.alg,
                done.keys_generated,
                done.users - done.keys_generated,
                done.requests_signed,
                done.infra_generated
            )
        });
    }
    if s.variants
        .iter()
        .all(|v| v.spec.pki.mode == crate::scenario::schema::PkiMode::Off)
    {
        lines.push(format!(
            "note: scenario `{}` runs with pki.mode = \"off\", which uses no keys",
            s.name()
        ));
    }
    Ok(lines.join("\n"))
}
