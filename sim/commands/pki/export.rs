//! `whfb-sim pki export`: the CA, the RA's agent certificate, the CRL and per-user
//! requests, CMS envelopes and certificates, written for openssl to inspect.

use crate::commands::load_scenario;
use crate::commands::output_set::OutputSet;
use crate::commands::progress::{announce_key_fill, Reporter};
use crate::error::UsageError;
use std::path::PathBuf;

/// Options of `whfb-sim pki export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// Number of users.
    #[arg(long)]
    pub users: u32,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Scenario whose [pki] settings to use [default: the embedded default].
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Overrides a scenario key, e.g. --set pki.client_key=ecdsa-p256.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Also writes the private keys (userI/key.pem, ca-key.pem), a KDC certificate and
    /// key for `pki.realm` (kdc.pem, kdc-key.pem) and a revoked user (revoked/): test
    /// artifacts for a real Kerberos KDC; a real TPM never lets a key out.
    #[arg(long)]
    pub with_keys: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Most users `pki export` writes artifacts for.
pub const MAX_EXPORT_USERS: u32 = 100_000;

/// `whfb-sim pki export`: writes the CA, the RA's agent certificate, the CA's CRL and per user the
/// request, the DRS key receipt, the RA's CMS envelope and the issued certificate, written
/// for `openssl` to inspect, and prints where. The PKI settings (validity, client key, key cache) come from
/// the scenario (default: the embedded one); the epoch is the current time, so the
/// artefacts are valid today, unless `--set pki.epoch=...` pins it. `with_keys` adds the
/// private keys, a KDC certificate for `pki.realm` and a revoked user: test artefacts for
/// a real Kerberos KDC (`contrib/kdc/test-kdc.sh`).
pub fn export(args: &ExportArgs) -> anyhow::Result<()> {
    println!("{}", export_text(args)?);
    Ok(())
}

/// What `pki export` does and prints when done.
fn export_text(args: &ExportArgs) -> anyhow::Result<String> {
    let ExportArgs {
        users,
        ref out,
        ref scenario,
        ref sets,
        with_keys,
        quiet,
    } = *args;
    if users == 0 || users > MAX_EXPORT_USERS {
        return Err(UsageError::new(format!(
            "--users {users} is not allowed; allowed: 1 to {MAX_EXPORT_USERS} (pki export writes a folder of four files per user, for openssl to inspect)"
        ))
        .into());
    }
    let s = load_scenario(scenario.as_deref(), sets)?;
    let mut settings = crate::run::pki_backend::settings_of(&s.base)?;
    let pinned = sets.iter().any(|kv| {
        kv.split_once('=')
            .is_some_and(|(k, _)| k.trim() == "pki.epoch")
    });
    if !pinned {
        settings.epoch_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| anyhow::anyhow!("the system clock is before 1970: {e}"))?
            .as_secs() as i64;
    }
    if let Some((key, msg)) = crate::scenario::pki_dates::problems(settings.epoch_unix, &s.base)
        .into_iter()
        .next()
    {
        return Err(UsageError::new(format!(
            "key `{key}`: {msg} (pki export issues at the current time unless --set pki.epoch=... pins it)"
        ))
        .into());
    }
    let keys = with_keys.then(|| crate::pki::export::WithKeys {
        realm: s.base.pki.realm.clone(),
    });
    // The revoked user of --with-keys is one more user in the key pool.
    let pooled = users + u32::from(with_keys);
    announce_key_fill(&s, Some(pooled), None, quiet)?;
    let set = OutputSet::begin(out, "--out")?;
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
