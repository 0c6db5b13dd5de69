//! The PKI material of a run: CA, AD FS enrollment agent, non-agent signer, attacker key,
//! and every user's key and PKCS#10 request. Built once, immutable, shared by `Arc`
//! across parallel simulations.
//!
//! Keys come from the [`KeyPool`]: users from the `users` set (user `i` gets key `i`),
//! the PKI parties from the `infra` set: RSA slot 0 is the CA, slot 1 the RA agent, slot 2
//! the non-agent signer, slot 3 of the client algorithm is the attacker, RSA slot 4 the
//! DRS receipt-signing key and RSA slots 5 to 7 the keys AD FS enrolls new agent
//! certificates with after a revocation. Reusing the CA key across runs keeps exported
//! artefacts comparable from one run to the next; the certificates themselves are
//! rebuilt every run from the settings.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use der::pem::LineEnding;
use der::{Encode, EncodePem};
use rayon::prelude::*;
use x509_cert::name::Name;
use x509_cert::Certificate;

use super::cert::{self, CertSpec};
use super::keys::{key_identifier, KeyAlg, KeyPair, Verifier};
use super::pool::{KeyPool, KeySet, PooledKey};
use super::request_cache::RequestCache;
use super::{crl, oids, receipt, request, time, PkiError, PkiStage, Progress, StagedProgress};

/// Seconds in a (365-day) year, for the default validity periods.
pub(crate) const YEAR_S: u64 = 365 * 86_400;

/// How the run's PKI is set up. Times are in seconds; "relative" ones count from the
/// calendar instant of simulated t = 0 (`epoch_unix`), so a scenario can make the agent
/// certificate expire mid-run.
#[derive(Debug, Clone, PartialEq)]
pub struct PkiSettings {
    /// The users' (and the attacker's) key algorithm.
    pub client_key: KeyAlg,
    /// Key cache directory; `None`: the default location (see [`KeyPool`]).
    pub key_cache: Option<PathBuf>,
    /// Unix time of simulated t = 0.
    pub epoch_unix: i64,
    /// Validity of the issued user certificates.
    pub cert_validity_s: u64,
    /// Start of the agent certificate's validity, relative to `epoch_unix` (negative:
    /// before the run starts).
    pub agent_not_before_s: i64,
    /// Length of the agent certificate's validity.
    pub agent_validity_s: u64,
    /// Domain of the users' UPNs (`user{i}@<upn_domain>`).
    pub upn_domain: String,
    /// What the CA does at run time; changes nothing in the material itself.
    pub policy: CaPolicy,
}

/// The CA's run-time policy (`[ca]` and CRL keys of a scenario). Kept apart from the
/// rest of the settings so that variants differing only in it share one material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaPolicy {
    /// Whether issued certificates carry the SID extension (a CA with the May 2022
    /// update, KB5014754).
    pub sid_extension: bool,
    /// The CA refuses an envelope signed longer ago than this (seconds).
    pub envelope_max_age_s: u64,
    /// nextUpdate − thisUpdate of the CRLs the CA publishes (seconds).
    pub crl_validity_s: u64,
}

impl Default for CaPolicy {
    /// The SID extension on, a 10-minute freshness window, weekly CRLs.
    fn default() -> Self {
        CaPolicy {
            sid_extension: true,
            envelope_max_age_s: 600,
            crl_validity_s: 7 * 86_400,
        }
    }
}

impl Default for PkiSettings {
    /// RSA-2048 client keys, default cache, t = 0 at 2026-01-01T00:00:00Z, one-year user
    /// certificates, an agent valid from 30 days before the run for two years, contoso.com.
    fn default() -> Self {
        PkiSettings {
            client_key: KeyAlg::Rsa2048,
            key_cache: None,
            epoch_unix: 1_767_225_600,
            cert_validity_s: YEAR_S,
            agent_not_before_s: -30 * 86_400,
            agent_validity_s: 2 * YEAR_S,
            upn_domain: "contoso.com".to_owned(),
            policy: CaPolicy::default(),
        }
    }
}

impl PkiSettings {
    /// Whether material built for `self` serves `other` too: everything but the run-time
    /// policy is equal.
    pub(crate) fn same_material(&self, other: &PkiSettings) -> bool {
        PkiSettings {
            policy: other.policy,
            ..self.clone()
        } == *other
    }

    /// `true` when the agent certificate is valid at simulated `now_us`: the same
    /// second-resolution, both-ends-inclusive rule as the X.509 check, so the off mode
    /// refuses exactly when the real CA would.
    pub(crate) fn agent_valid_at(&self, now_us: u64) -> bool {
        let now = time::unix_seconds(self.epoch_unix, now_us);
        let nb = self.epoch_unix.saturating_add(self.agent_not_before_s);
        let na = nb.saturating_add(i64::try_from(self.agent_validity_s).unwrap_or(i64::MAX));
        nb <= now && now <= na
    }

    /// `true` when a certificate issued at `issued_us` is still valid at `now_us`.
    pub(crate) fn cert_valid_at(&self, issued_us: u64, now_us: u64) -> bool {
        let nb = time::unix_seconds(self.epoch_unix, issued_us);
        let na = nb.saturating_add(i64::try_from(self.cert_validity_s).unwrap_or(i64::MAX));
        let now = time::unix_seconds(self.epoch_unix, now_us);
        nb <= now && now <= na
    }

    /// The common name of user `i`.
    pub(crate) fn user_cn(&self, user: u32) -> String {
        format!("user{user}")
    }

    /// The UPN of user `i`.
    pub(crate) fn user_upn(&self, user: u32) -> String {
        format!("user{user}@{}", self.upn_domain)
    }
}

/// Keys of the PKI parties, for [`PkiMaterial::from_keys`].
#[derive(Debug)]
pub struct InfraKeys {
    /// The CA's RSA-2048 key.
    pub ca: KeyPair,
    /// The AD FS enrollment agent's RSA-2048 key.
    pub agent: KeyPair,
    /// The non-agent signer's RSA-2048 key (a certificate from the same CA, no agent EKU).
    pub non_agent: KeyPair,
    /// The attacker's key, of the client algorithm.
    pub attacker: KeyPair,
    /// DRS's RSA-2048 key, which signs the key receipts.
    pub drs: KeyPair,
    /// The RSA-2048 keys of the agent certificates AD FS enrolls after a revocation, in
    /// order.
    pub next_agents: Vec<KeyPair>,
}

impl InfraKeys {
    /// Slot of the CA key in the RSA infrastructure set.
    pub(crate) const CA_SLOT: usize = 0;
    /// Slot of the RA agent key in the RSA infrastructure set.
    pub(crate) const AGENT_SLOT: usize = 1;
    /// Slot of the non-agent signer key in the RSA infrastructure set.
    pub(crate) const NON_AGENT_SLOT: usize = 2;
    /// Slot of the attacker key in the client algorithm's infrastructure set.
    pub(crate) const ATTACKER_SLOT: usize = 3;
    /// Slot of the DRS key in the RSA infrastructure set.
    pub(crate) const DRS_SLOT: usize = 4;
    /// Slot of the first re-enrolled agent's key in the RSA infrastructure set.
    pub(crate) const NEXT_AGENT_SLOT: usize = 5;
    /// How many agent certificates AD FS can enroll after revocations in one run.
    pub(crate) const NEXT_AGENTS: usize = 3;
    /// RSA infrastructure keys in all.
    pub const RSA_SLOTS: usize = Self::NEXT_AGENT_SLOT + Self::NEXT_AGENTS;

    /// Fresh keys, never written anywhere (tests, calibration).
    pub(crate) fn generate(client_key: KeyAlg) -> Result<Self, PkiError> {
        Ok(InfraKeys {
            ca: KeyPair::generate(KeyAlg::Rsa2048)?,
            agent: KeyPair::generate(KeyAlg::Rsa2048)?,
            non_agent: KeyPair::generate(KeyAlg::Rsa2048)?,
            attacker: KeyPair::generate(client_key)?,
            drs: KeyPair::generate(KeyAlg::Rsa2048)?,
            next_agents: (0..Self::NEXT_AGENTS)
                .map(|_| KeyPair::generate(KeyAlg::Rsa2048))
                .collect::<Result<_, _>>()?,
        })
    }

    /// The keys from the pool's infrastructure set (generated and saved on first use).
    pub fn from_pool(pool: &KeyPool, client_key: KeyAlg) -> Result<Self, PkiError> {
        let rsa = pool.load_parsed(KeySet::Infrastructure, KeyAlg::Rsa2048, Self::RSA_SLOTS)?;
        let mut slots: Vec<Option<KeyPair>> = rsa.into_iter().map(Some).collect();
        let mut take = |i: usize| {
            slots[i]
                .take()
                .expect("every RSA infrastructure slot was loaded, each taken once")
        };
        let attacker = if client_key == KeyAlg::Rsa2048 {
            take(Self::ATTACKER_SLOT)
        } else {
            pool.load_parsed(KeySet::Infrastructure, client_key, Self::ATTACKER_SLOT + 1)?
                .remove(Self::ATTACKER_SLOT)
        };
        Ok(InfraKeys {
            ca: take(Self::CA_SLOT),
            agent: take(Self::AGENT_SLOT),
            non_agent: take(Self::NON_AGENT_SLOT),
            attacker,
            drs: take(Self::DRS_SLOT),
            next_agents: (Self::NEXT_AGENT_SLOT..Self::RSA_SLOTS).map(take).collect(),
        })
    }
}

/// A user key as handed to the builder: already parsed, still encoded from the pool, or
/// from the pool with its request already signed (see `request_cache`).
enum UserKey {
    Parsed(KeyPair),
    Pooled(PooledKey),
    Signed {
        alg: KeyAlg,
        spki_der: Vec<u8>,
        request_der: Vec<u8>,
    },
}

impl UserKey {
    fn alg(&self) -> KeyAlg {
        match self {
            UserKey::Parsed(k) => k.alg(),
            UserKey::Pooled(p) => p.alg(),
            UserKey::Signed { alg, .. } => *alg,
        }
    }
}

/// A signing party of the RA side: its key and the certificate the CA gave it.
pub(crate) struct Signer {
    pub key: KeyPair,
    pub cert: Certificate,
}

/// What the simulation needs of one user: the registered key, the prepared request and
/// the key receipt DRS returns when the key is registered.
struct UserMaterial {
    spki_der: Vec<u8>,
    request_der: Vec<u8>,
    receipt_der: Vec<u8>,
}

/// Everything real crypto needs for one run, built once and shared read-only (by `Arc`)
/// by every [`RealPki`](super::RealPki) of the run. Users' private keys are dropped after
/// their requests are signed: nothing later needs them, and 20k RSA keys cost memory.
pub struct PkiMaterial {
    settings: PkiSettings,
    ca_key: KeyPair,
    ca_cert: Certificate,
    ca_name: Name,
    ca_ski: Vec<u8>,
    ca_verifier: Verifier,
    pub(crate) agent: Signer,
    pub(crate) non_agent: Signer,
    /// Keys of the agent certificates AD FS enrolls after a revocation.
    next_agent_keys: Vec<KeyPair>,
    drs_verifier: Verifier,
    attacker: KeyPair,
    users: Vec<UserMaterial>,
    /// Attacker requests are rare: built on first use, then shared by every run.
    attacker_requests: Vec<OnceLock<Vec<u8>>>,
}

impl std::fmt::Debug for PkiMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PkiMaterial")
            .field("settings", &self.settings)
            .field("users", &self.users.len())
            .finish_non_exhaustive()
    }
}

impl PkiMaterial {
    /// Builds the material for `users` users with keys from the key pool (generating and
    /// saving missing ones). `progress(stage, done, total)` follows the keys generated
    /// (if any), then the requests and receipts built, each stage with its own total.
    pub fn new(
        settings: PkiSettings,
        users: usize,
        progress: StagedProgress<'_>,
    ) -> Result<Self, PkiError> {
        let pool = KeyPool::open(settings.key_cache.as_deref())?;
        let infra = InfraKeys::from_pool(&pool, settings.client_key)?;
        let user_keys = pool.load(KeySet::Users, settings.client_key, users, &|d, t| {
            progress(PkiStage::Keys, d, t)
        })?;
        // Requests signed by an earlier run with the same keys are reused as they are:
        // byte for byte what signing again would give (RSA), without parsing the keys.
        let cache = RequestCache::open(&pool, settings.client_key, &settings.upn_domain);
        let receipt_cache = RequestCache::open_receipts(
            &pool,
            settings.client_key,
            &settings.upn_domain,
            infra.drs.spki_der(),
        );
        let spkis: Vec<&[u8]> = user_keys.iter().map(PooledKey::spki_der).collect();
        let (stored, old) = cache.load(&spkis)?;
        let (stored_receipts, old_receipts) = receipt_cache.load(&spkis)?;
        let fresh: Vec<bool> = stored.iter().map(Option::is_none).collect();
        let fresh_receipts: Vec<bool> = stored_receipts.iter().map(Option::is_none).collect();
        let user_keys = user_keys
            .into_iter()
            .zip(stored)
            .map(|(key, stored)| match stored {
                Some(request_der) => UserKey::Signed {
                    alg: key.alg(),
                    spki_der: key.spki_der().to_vec(),
                    request_der,
                },
                None => UserKey::Pooled(key),
            })
            .collect();
        let material = Self::assemble(settings, infra, user_keys, stored_receipts, &|d, t| {
            progress(PkiStage::Requests, d, t)
        })?;
        let spkis: Vec<&[u8]> = material.users.iter().map(|u| &u.spki_der[..]).collect();
        if fresh.iter().any(|f| *f) {
            let requests: Vec<&[u8]> = material.users.iter().map(|u| &u.request_der[..]).collect();
            cache.store(&spkis, &requests, &fresh, &old);
        }
        if fresh_receipts.iter().any(|f| *f) {
            let receipts: Vec<&[u8]> = material.users.iter().map(|u| &u.receipt_der[..]).collect();
            receipt_cache.store(&spkis, &receipts, &fresh_receipts, &old_receipts);
        }
        Ok(material)
    }

    /// Builds the material from keys the caller provides (no disk access): user `i` gets
    /// `user_keys[i]`. `progress(done, total)` counts signed requests.
    pub fn from_keys(
        settings: PkiSettings,
        infra: InfraKeys,
        user_keys: Vec<KeyPair>,
        progress: Progress<'_>,
    ) -> Result<Self, PkiError> {
        let receipts = vec![None; user_keys.len()];
        let user_keys = user_keys.into_iter().map(UserKey::Parsed).collect();
        Self::assemble(settings, infra, user_keys, receipts, progress)
    }

    fn assemble(
        settings: PkiSettings,
        infra: InfraKeys,
        user_keys: Vec<UserKey>,
        receipts: Vec<Option<Vec<u8>>>,
        progress: Progress<'_>,
    ) -> Result<Self, PkiError> {
        if let Some(k) = user_keys.iter().find(|k| k.alg() != settings.client_key) {
            return Err(PkiError::Settings(format!(
                "user key is {} but client_key is {}",
                k.alg(),
                settings.client_key
            )));
        }
        if u32::try_from(user_keys.len()).is_err() {
            return Err(PkiError::Settings("more users than u32 can number".into()));
        }
        let epoch = settings.epoch_unix;
        let agent_nb = epoch
            .checked_add(settings.agent_not_before_s)
            .ok_or_else(|| PkiError::Settings("agent_not_before_s out of range".into()))?;
        let agent_validity = time::validity(agent_nb, settings.agent_validity_s)?;
        // The CA and the non-agent signer must outlive anything a scenario does, so that
        // only the agent's own validity can expire. The CA starts a day before the
        // earliest instant of interest (clock skew when openssl checks exports).
        let ca_nb = epoch.min(agent_nb).saturating_sub(86_400);
        let agent_na =
            agent_nb.saturating_add(i64::try_from(settings.agent_validity_s).unwrap_or(i64::MAX));
        let ca_na = ca_nb
            .saturating_add(20 * YEAR_S as i64)
            .max(agent_na.saturating_add(YEAR_S as i64));
        let ca_span = u64::try_from(ca_na - ca_nb).unwrap_or(u64::MAX);
        let ca_validity = time::validity(ca_nb, ca_span)?;

        let ca_name = super::asn1::cn_name("Contoso Issuing CA")?;
        let ca_spki = infra.ca.spki()?;
        let ca_ski = key_identifier(&ca_spki);
        let ca_cert = cert::sign(
            CertSpec {
                serial: cert::infra_serial(1)?,
                subject: ca_name.clone(),
                validity: ca_validity,
                extensions: cert::ca_extensions(&ca_spki)?,
                spki: ca_spki,
            },
            &ca_name,
            &infra.ca,
        )?;
        let issue_signer =
            |key: KeyPair, serial: u8, cn: &str, validity, ekus| -> Result<Signer, PkiError> {
                let spki = key.spki()?;
                let cert = cert::sign(
                    CertSpec {
                        serial: cert::infra_serial(serial)?,
                        subject: super::asn1::cn_name(cn)?,
                        validity,
                        extensions: cert::signer_extensions(&spki, &ca_ski, ekus)?,
                        spki,
                    },
                    &ca_name,
                    &infra.ca,
                )?;
                Ok(Signer { key, cert })
            };
        let agent = issue_signer(
            infra.agent,
            2,
            "ADFS Enrollment Agent",
            agent_validity,
            vec![oids::ENROLLMENT_AGENT],
        )?;
        let non_agent = issue_signer(
            infra.non_agent,
            3,
            "ADFS Service (no agent EKU)",
            ca_validity,
            vec![oids::ID_KP_CLIENT_AUTH],
        )?;

        let total = user_keys.len();
        let done = AtomicUsize::new(0);
        progress(0, total);
        let drs = &infra.drs;
        let users: Vec<UserMaterial> = user_keys
            .into_par_iter()
            .zip(receipts)
            .enumerate()
            .map(|(i, (key, receipt))| {
                let i = i as u32;
                let upn = settings.user_upn(i);
                // Pooled keys are parsed here, in parallel, right before their only use.
                let (spki_der, request_der) = match key {
                    UserKey::Signed {
                        spki_der,
                        request_der,
                        ..
                    } => (spki_der, request_der),
                    UserKey::Parsed(k) => {
                        let r = request::build(&k, &settings.user_cn(i), &upn)?;
                        (k.spki_der().to_vec(), r)
                    }
                    UserKey::Pooled(p) => {
                        let k = p.key_pair()?;
                        let r = request::build(&k, &settings.user_cn(i), &upn)?;
                        (k.spki_der().to_vec(), r)
                    }
                };
                let receipt_der = match receipt {
                    Some(r) => r,
                    None => receipt::build(drs, &upn, &spki_der)?,
                };
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                Ok(UserMaterial {
                    spki_der,
                    request_der,
                    receipt_der,
                })
            })
            .collect::<Result<_, PkiError>>()?;

        Ok(PkiMaterial {
            drs_verifier: infra.drs.verifier()?,
            next_agent_keys: infra.next_agents,
            ca_verifier: infra.ca.verifier()?,
            ca_key: infra.ca,
            ca_cert,
            ca_name,
            ca_ski,
            agent,
            non_agent,
            attacker: infra.attacker,
            attacker_requests: (0..users.len()).map(|_| OnceLock::new()).collect(),
            users,
            settings,
        })
    }

    /// The settings this material was built from.
    pub fn settings(&self) -> &PkiSettings {
        &self.settings
    }

    /// Number of users (valid user indices are `0..users()`).
    pub fn users(&self) -> usize {
        self.users.len()
    }

    /// The CA certificate, DER.
    pub fn ca_cert_der(&self) -> Vec<u8> {
        self.ca_cert
            .to_der()
            .expect("a certificate we built re-encodes")
    }

    /// The CA certificate, PEM.
    pub(crate) fn ca_cert_pem(&self) -> String {
        self.ca_cert
            .to_pem(LineEnding::LF)
            .expect("a certificate we built re-encodes")
    }

    /// The enrollment agent certificate, PEM.
    pub(crate) fn agent_cert_pem(&self) -> String {
        self.agent
            .cert
            .to_pem(LineEnding::LF)
            .expect("a certificate we built re-encodes")
    }

    /// The non-agent signer certificate, PEM.
    pub fn non_agent_cert_pem(&self) -> String {
        self.non_agent
            .cert
            .to_pem(LineEnding::LF)
            .expect("a certificate we built re-encodes")
    }

    /// User `user`'s public key (SPKI DER): what DRS registers and what the client
    /// expects in its certificate. Panics if `user` is out of range.
    pub(crate) fn user_spki_der(&self, user: u32) -> &[u8] {
        &self.user(user).spki_der
    }

    /// User `user`'s PKCS#10 request, signed with its own key. Panics if out of range.
    pub(crate) fn request_der(&self, user: u32) -> &[u8] {
        &self.user(user).request_der
    }

    /// The key receipt DRS returns to user `user` when it registers its key. Panics if
    /// out of range.
    pub(crate) fn receipt_der(&self, user: u32) -> &[u8] {
        &self.user(user).receipt_der
    }

    /// The CRL current at `at_s` (Unix seconds) given `list`, signed by the CA (DER).
    pub(crate) fn crl_der(&self, list: &crl::RevocationList, at_s: i64) -> Vec<u8> {
        crl::build(self, list, at_s).expect("signing a CRL of in-range dates cannot fail")
    }

    /// The key of agent generation `generation` (0: the agent of the material, then the
    /// ones enrolled after revocations), `None` past the last one.
    pub(crate) fn agent_key(&self, generation: usize) -> Option<&KeyPair> {
        match generation {
            0 => Some(&self.agent.key),
            g => self.next_agent_keys.get(g - 1),
        }
    }

    /// The serial of agent generation `generation`'s certificate.
    pub(crate) fn agent_serial(generation: usize) -> crl::Serial {
        let k = if generation == 0 {
            2
        } else {
            10 + generation as u8
        };
        (1u128 << 64) + u128::from(k)
    }

    /// The certificate AD FS obtains when it enrolls agent generation `generation`
    /// (≥ 1) at `not_before_s`, valid two years (the agent template's period).
    pub(crate) fn enroll_agent(
        &self,
        generation: usize,
        not_before_s: i64,
    ) -> Result<Certificate, PkiError> {
        let key = self.agent_key(generation).ok_or_else(|| {
            PkiError::Settings(format!("no key for agent generation {generation}"))
        })?;
        let spki = key.spki()?;
        cert::sign(
            CertSpec {
                serial: crl::serial_number(Self::agent_serial(generation)),
                subject: super::asn1::cn_name("ADFS Enrollment Agent")?,
                validity: time::validity(not_before_s, 2 * YEAR_S)?,
                extensions: cert::signer_extensions(
                    &spki,
                    &self.ca_ski,
                    vec![oids::ENROLLMENT_AGENT],
                )?,
                spki,
            },
            &self.ca_name,
            &self.ca_key,
        )
    }

    /// The serial of the KDC certificate [`PkiMaterial::issue_kdc`] signs: an
    /// infrastructure serial no other certificate of the CA uses.
    const KDC_SERIAL: u8 = 4;

    /// The CA issues a KDC certificate for `realm` to `key`, valid from `not_before_s`
    /// for the users' certificate validity: what a real KDC (MIT krb5) presents in
    /// PKINIT when it is tried on the exported users' certificates. Never part of a run.
    pub(crate) fn issue_kdc(
        &self,
        key: &KeyPair,
        realm: &str,
        not_before_s: i64,
    ) -> Result<Certificate, PkiError> {
        let spki = key.spki()?;
        cert::sign(
            CertSpec {
                serial: cert::infra_serial(Self::KDC_SERIAL)?,
                subject: super::asn1::cn_name(&format!("kdc.{}", realm.to_ascii_lowercase()))?,
                validity: time::validity(not_before_s, self.settings.cert_validity_s)?,
                extensions: cert::kdc_extensions(&spki, realm, &self.ca_ski)?,
                spki,
            },
            &self.ca_name,
            &self.ca_key,
        )
    }

    /// How many agent certificates AD FS can enroll after revocations.
    pub(crate) fn spare_agents(&self) -> usize {
        self.next_agent_keys.len()
    }

    pub(crate) fn drs_verifier(&self) -> &Verifier {
        &self.drs_verifier
    }

    /// A PKCS#10 request for user `user` (same subject and UPN) carrying the attacker's
    /// key, validly self-signed: only the registered-key check can stop it.
    pub(crate) fn attacker_request_der(&self, user: u32) -> &[u8] {
        self.attacker_requests[self.index(user)].get_or_init(|| {
            request::build(
                &self.attacker,
                &self.settings.user_cn(user),
                &self.settings.user_upn(user),
            )
            .expect("signing with a loaded key and encoding a request we build cannot fail")
        })
    }

    fn index(&self, user: u32) -> usize {
        let i = user as usize;
        assert!(
            i < self.users.len(),
            "user {user} out of range: PKI material was built for {} users",
            self.users.len()
        );
        i
    }

    fn user(&self, user: u32) -> &UserMaterial {
        &self.users[self.index(user)]
    }

    pub(crate) fn ca_name(&self) -> &Name {
        &self.ca_name
    }

    pub(crate) fn ca_key(&self) -> &KeyPair {
        &self.ca_key
    }

    pub(crate) fn ca_ski(&self) -> &[u8] {
        &self.ca_ski
    }

    pub(crate) fn ca_verifier(&self) -> &Verifier {
        &self.ca_verifier
    }

    /// Whether `user` is a valid index (the RA answers "not registered" otherwise).
    pub(crate) fn has_user(&self, user: u32) -> bool {
        (user as usize) < self.users.len()
    }
}
