//! Builds what the model's PKI port needs for each variant: the real material (keys from
//! the pool, CA, agent, per-user requests; built once and shared by every replication and
//! every variant with the same PKI settings), or the off mode.

use crate::model::pki_port::PkiPort;
use crate::pki::{CaPolicy, KeyAlg, OffPki, PkiMaterial, PkiSettings, RealPki};
use crate::scenario::calendar::parse_epoch;
use crate::scenario::schema::{ClientKey, PkiMode};
use crate::scenario::Spec;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The agent certificate is issued this long before time 0 (AD FS holds a valid one when
/// the rollout starts).
const AGENT_ISSUED_BEFORE_S: i64 = 30 * 86_400;

/// The PKI settings a scenario's `[pki]` table describes; refused (the user's) when
/// `pki.epoch` is not a date.
pub fn settings_of(spec: &Spec) -> Result<PkiSettings, crate::error::UsageError> {
    let p = &spec.pki;
    let epoch_unix = parse_epoch(&p.epoch)?;
    Ok(PkiSettings {
        client_key: match p.client_key {
            ClientKey::Rsa2048 => KeyAlg::Rsa2048,
            ClientKey::EcdsaP256 => KeyAlg::EcdsaP256,
        },
        key_cache: p.key_cache.as_ref().map(PathBuf::from),
        epoch_unix,
        cert_validity_s: p.cert_validity.0 / 1_000_000,
        agent_not_before_s: -AGENT_ISSUED_BEFORE_S,
        agent_validity_s: (p.agent_expires.0 / 1_000_000) + AGENT_ISSUED_BEFORE_S as u64,
        upn_domain: "contoso.com".into(),
        policy: CaPolicy {
            sid_extension: spec.ca.sid_extension,
            envelope_max_age_s: spec.ca.envelope_max_age.0 / 1_000_000,
            crl_validity_s: p.crl_validity.0 / 1_000_000,
        },
    })
}

/// One variant's PKI: real material shared by `Arc` with the variant's CA policy, or off.
pub enum Backend {
    /// Real cryptography.
    Real(Arc<PkiMaterial>, CaPolicy),
    /// `pki.mode = "off"`.
    Off(PkiSettings),
}

impl Backend {
    /// A fresh port for one simulation run.
    pub fn port(&self, users: u32) -> Box<dyn PkiPort + Send> {
        match self {
            Backend::Real(m, policy) => Box::new(RealPki::with_policy(Arc::clone(m), *policy)),
            Backend::Off(s) => Box::new(OffPki::new(s, users as usize)),
        }
    }
}

/// Real PKI material built so far, by (settings, users): variants, replications and sweep
/// points with the same PKI settings (the CA's run-time policy aside) and population
/// share one.
#[derive(Default)]
pub struct MaterialCache {
    built: Mutex<Vec<(PkiSettings, u32, Arc<PkiMaterial>)>>,
}

impl std::fmt::Debug for MaterialCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.built.lock().map(|b| b.len()).unwrap_or(0);
        write!(f, "MaterialCache({n} built)")
    }
}

impl MaterialCache {
    /// The material for `spec` (built now if no equal one exists), `None` in off mode.
    /// `progress(stage, done, total)` follows key generation and request signing.
    pub(crate) fn material_for(
        &self,
        spec: &Spec,
        progress: crate::pki::StagedProgress<'_>,
    ) -> anyhow::Result<Option<Arc<PkiMaterial>>> {
        if spec.pki.mode == PkiMode::Off {
            return Ok(None);
        }
        let settings = settings_of(spec)?;
        // Held while building: a second caller wanting the same material waits for it
        // instead of generating the same keys again.
        let mut built = self
            .built
            .lock()
            .map_err(|_| anyhow::anyhow!("a PKI build panicked"))?;
        if let Some((_, _, m)) = built
            .iter()
            .find(|(s, u, _)| s.same_material(&settings) && *u == spec.users)
        {
            return Ok(Some(Arc::clone(m)));
        }
        let m = Arc::new(PkiMaterial::new(
            settings.clone(),
            spec.users as usize,
            progress,
        )?);
        built.push((settings, spec.users, Arc::clone(&m)));
        Ok(Some(m))
    }
}

/// The backends of `specs`, in order, taking real material from `cache`.
pub fn backends(
    specs: &[&Spec],
    cache: &MaterialCache,
    progress: crate::pki::StagedProgress<'_>,
) -> anyhow::Result<Vec<Backend>> {
    specs
        .iter()
        .map(|spec| {
            let settings = settings_of(spec)?;
            Ok(match cache.material_for(spec, progress)? {
                Some(m) => Backend::Real(m, settings.policy),
                None => Backend::Off(settings),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn variants_differing_only_in_ca_policy_share_one_material() {
        let dir = tempfile::tempdir().unwrap();
        let toml = format!(
            "name = \"t\"\nusers = 2\n[pki]\nclient_key = \"ecdsa-p256\"\nkey_cache = \"{}\"\n\
             [variants.a]\nca.sid_extension = true\n\
             [variants.b]\nca.sid_extension = false\nca.envelope_max_age = \"1m\"\n\
             [variants.c]\npki.cert_validity = \"30d\"\n",
            dir.path().display()
        );
        let s = Scenario::load_str(&toml, "t.toml", "t", &[]).unwrap();
        let specs: Vec<&Spec> = s.variants.iter().map(|v| &v.spec).collect();
        let cache = MaterialCache::default();
        let b = backends(&specs, &cache, &|_, _, _| {}).unwrap();
        let (Backend::Real(ma, pa), Backend::Real(mb, pb), Backend::Real(mc, _)) =
            (&b[0], &b[1], &b[2])
        else {
            panic!("real backends expected");
        };
        assert!(
            Arc::ptr_eq(ma, mb),
            "policy alone must not rebuild the material"
        );
        assert!(!Arc::ptr_eq(ma, mc), "another validity is another material");
        assert!(pa.sid_extension && !pb.sid_extension);
        assert_eq!(pb.envelope_max_age_s, 60);
    }
}
