//! `whfb-sim pki pool`: fills the key pool for a scenario ahead of time, so that the
//! shards of a real-crypto sweep on many hosts read the keys instead of racing to
//! generate them.

use super::progress::{announce_key_fill, Reporter};
use super::{load_scenario, Failure};
use crate::pki::prefill::prefill;
use crate::run::pki_backend::settings_of;
use std::path::Path;

/// Fills the pool for users `0..users` (default: the scenario's `users`) with the key
/// algorithm, UPN domain and key cache of each variant of the scenario (the embedded
/// default when `scenario` is `None`). `--users` has the limits of `users`, and the fill
/// the memory limits of a run (`allow_large`: the larger ones). Returns what to print.
pub fn pki_pool(
    users: Option<u32>,
    scenario: Option<&Path>,
    sets: &[String],
    quiet: bool,
    allow_large: bool,
) -> Result<String, Failure> {
    if users == Some(0) {
        return Err(Failure::Usage("--users must be at least 1".into()));
    }
    // `--users` is held to the scenario's own limits on `users`, by loading it as one.
    let mut all_sets: Vec<String> = users.iter().map(|n| format!("users={n}")).collect();
    all_sets.extend_from_slice(sets);
    let s = load_scenario(scenario, &all_sets).map_err(|f| match (f, users) {
        (Failure::Usage(m), Some(n)) => {
            Failure::Usage(m.replacen(&format!("--set users={n}"), &format!("--users {n}"), 1))
        }
        (f, _) => f,
    })?;
    let users = s.base.users;
    crate::run::cost::admit_pool(users, allow_large).map_err(Failure::Usage)?;
    let mut distinct = Vec::new();
    for v in &s.variants {
        let settings = settings_of(&v.spec).map_err(|e| Failure::Usage(e.to_string()))?;
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
