//! The scenario schema: every parameter of the model with its default.
//!
//! Where each default comes from — a public document (published), a reasoned guess a user
//! should expect to override (estimate) or the planner's choice (decision) — is in the
//! parameter registry (`crate::params::registry`, printed by `whfb-sim params`); the
//! comments below name the kind. docs/model.md explains the flow they drive. Every table
//! rejects unknown keys, and every key may be left out.

use super::distribution::DistSpec;
use super::duration::Duration;
use super::fault::FaultWindow;
use crate::engine::time::{DAY, HOUR, MINUTE, SECOND};
use serde::{Deserialize, Serialize};

const MS: u64 = 1_000;

/// One fully resolved configuration: the base scenario with one variant's overrides.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Spec {
    /// Scenario name: names the report folder.
    pub name: String,
    /// One line saying what the scenario is for.
    pub description: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Number of simulated users (one device each).
    pub users: u32,
    /// Independent replications (seeds derived from `seed`).
    pub replications: u32,
    /// Which hybrid trust model the users provision for (docs/model.md §11): what "usable"
    /// waits for.
    pub trust: Trust,
    /// Key trust: how the key reaches the user's domain controller after AAD Connect.
    pub key_trust: KeyTrust,
    /// Simulated span from the time origin (Monday 00:00, when the policy applies); users
    /// not done by then are `pending`.
    pub horizon: Duration,
    /// First sign-ins and the session model.
    pub signin: SignIn,
    /// Device prerequisites (join and device writeback).
    pub prerequisites: Prerequisites,
    /// The "Set up a PIN" page.
    pub pin_page: PinPage,
    /// Multi-factor authentication.
    pub mfa: Mfa,
    /// PIN creation.
    pub pin: Pin,
    /// Where the user's key pair comes from.
    pub key: Key,
    /// Device Registration Service (key registration, receipt validation).
    pub drs: Drs,
    /// The Azure AD Connect sync scheduler.
    pub aad_connect: AadConnect,
    /// The client's certificate enrollment behaviour.
    pub enrollment: Enrollment,
    /// The AD FS farm and its registration authority.
    pub adfs: Adfs,
    /// The issuing certification authority.
    pub ca: Ca,
    /// Cryptography: real or off, algorithms, simulated durations of crypto steps.
    pub pki: Pki,
    /// Scheduled fault windows as the file writes them (`[[faults]]`): what validation
    /// checks, reporting a problem at its key.
    #[serde(rename = "faults")]
    pub faults_as_written: Vec<Fault>,
    /// The same windows checked and typed, in the same order: what the model and the
    /// reports read. Filled by validation (`validate::validated`), which every loaded
    /// scenario goes through; empty in a spec that was never validated.
    #[serde(skip)]
    pub faults: Vec<FaultWindow>,
    /// Shares of enrollment requests that are attacks the checks must refuse.
    pub attacks: Attacks,
    /// Report options.
    pub report: Report,
}

impl Spec {
    /// Makes the population the trace's: its users, signing in when it says.
    pub fn replay(&mut self, trace: &std::sync::Arc<super::signin_trace::SignInTrace>) {
        self.users = trace.users();
        self.signin.replay = Some(std::sync::Arc::clone(trace));
    }
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            name: "scenario".into(),
            description: String::new(),
            seed: 1,
            users: 2_000,
            replications: 1,
            horizon: Duration(14 * DAY),
            trust: Trust::default(),
            key_trust: KeyTrust::default(),
            signin: SignIn::default(),
            prerequisites: Prerequisites::default(),
            pin_page: PinPage::default(),
            mfa: Mfa::default(),
            pin: Pin::default(),
            key: Key::default(),
            drs: Drs::default(),
            aad_connect: AadConnect::default(),
            enrollment: Enrollment::default(),
            adfs: Adfs::default(),
            ca: Ca::default(),
            pki: Pki::default(),
            faults_as_written: Vec::new(),
            faults: Vec::new(),
            attacks: Attacks::default(),
            report: Report::default(),
        }
    }
}

/// The hybrid trust model (docs/model.md §11). Serialized (`summary.json`) under the
/// name scenario files use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trust {
    /// Certificate trust: AD FS enrolls a logon certificate for the user (before or after
    /// KB4088889, per `adfs.patched`); needs device writeback. The default: reports name
    /// the trust model only when a variant leaves it.
    #[default]
    Certificate,
    /// Key trust: no certificate; the DC accepts the key once Azure AD Connect has written
    /// it to `msDS-KeyCredentialLink` and AD has replicated it to the user's DC.
    Key,
    /// Cloud Kerberos trust: Microsoft Entra Kerberos issues a partial TGT; the PIN works
    /// on-prem when provisioning ends, given a reachable DC.
    CloudKerberos,
}

// What each trust model asks of the flow. Every question is an exhaustive `match`, so
// a new trust model cannot compile until it answers each of them (a `==` against one
// model would silently put the new one on the other side).
impl Trust {
    /// The name as written in scenario files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Trust::Certificate => "certificate",
            Trust::Key => "key",
            Trust::CloudKerberos => "cloud_kerberos",
        }
    }

    /// Whether AD FS enrolls a logon certificate for the user: the enrollment path, its
    /// checks and attacks, and the DC's certificate logon exist only then.
    pub(crate) fn enrolls_certificate(self) -> bool {
        match self {
            Trust::Certificate => true,
            Trust::Key | Trust::CloudKerberos => false,
        }
    }

    /// Whether a newly joined device must be written back to on-prem AD (a sync cycle)
    /// before provisioning launches: AD FS maps the certificate request to the device.
    pub(crate) fn needs_device_writeback(self) -> bool {
        match self {
            Trust::Certificate => true,
            Trust::Key | Trust::CloudKerberos => false,
        }
    }

    /// Whether the flow reads the registered key from on-prem AD, where Azure AD Connect
    /// writes it: AD FS looks it up there before it enrolls (certificate trust; an
    /// unpatched server waits for it), the DC authenticates with it (key trust). Cloud
    /// Kerberos trust never reads it, so the sync's timing cannot matter to it.
    pub(crate) fn key_must_reach_ad(self) -> bool {
        match self {
            Trust::Certificate | Trust::Key => true,
            Trust::CloudKerberos => false,
        }
    }

    /// Whether the PIN is usable only once the key has reached the user's own DC (AD
    /// replication after the sync): the DC authenticates the key itself.
    pub(crate) fn key_must_reach_dc(self) -> bool {
        match self {
            Trust::Key => true,
            Trust::Certificate | Trust::CloudKerberos => false,
        }
    }

    /// Whether the user gets a partial TGT from Microsoft Entra Kerberos (the
    /// prerequisite check then reports "User account has Cloud TGT").
    pub(crate) fn has_cloud_tgt(self) -> bool {
        match self {
            Trust::CloudKerberos => true,
            Trust::Certificate | Trust::Key => false,
        }
    }
}

/// Key trust's last step (docs/model.md §11).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeyTrust {
    /// From the export that wrote the key to AD (on the DC Azure AD Connect writes to)
    /// until the user's own DC has it: AD replication. Estimate: within a site, change
    /// notification replicates in seconds; a DC in another site waits for the site link's
    /// schedule (15 minutes or more), the tail.
    pub ad_replication: DistSpec,
}

impl Default for KeyTrust {
    fn default() -> Self {
        KeyTrust {
            ad_replication: DistSpec::lognormal(30 * SECOND, 15 * MINUTE),
        }
    }
}

/// A window of first sign-ins: users arrive uniformly between `start` and `end`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wave {
    /// Window start (time since Monday 00:00).
    pub start: Duration,
    /// Window end.
    pub end: Duration,
    /// Share of users whose first sign-in falls in this window (the shares sum to 1).
    pub share: f64,
}

/// First sign-ins and sessions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignIn {
    /// Arrival waves of the first sign-in after the policy applies. Estimate: a Monday
    /// morning wave, a smaller after-lunch one, stragglers on Tuesday.
    pub waves: Vec<Wave>,
    /// How long a user stays signed in once the desktop is up. Estimate.
    pub session: DistSpec,
    /// Time from sign-out to the next sign-in (nights and weekends in its tail). Estimate.
    pub away: DistSpec,
    /// A CSV of real sign-ins (`user,time`) replayed instead of `waves` (and, for users with
    /// later rows, instead of `away`); relative to the scenario file's folder. `users`
    /// follows it.
    pub trace: Option<String>,
    /// The trace's sign-ins, read when the scenario is loaded (`None` without a trace).
    #[serde(skip)]
    pub replay: Option<std::sync::Arc<super::signin_trace::SignInTrace>>,
}

impl Default for SignIn {
    fn default() -> Self {
        SignIn {
            waves: vec![
                Wave {
                    start: Duration(7 * HOUR + 30 * MINUTE),
                    end: Duration(9 * HOUR + 30 * MINUTE),
                    share: 0.75,
                },
                Wave {
                    start: Duration(12 * HOUR + 30 * MINUTE),
                    end: Duration(13 * HOUR + 30 * MINUTE),
                    share: 0.15,
                },
                Wave {
                    start: Duration(DAY + 7 * HOUR + 30 * MINUTE),
                    end: Duration(DAY + 10 * HOUR),
                    share: 0.10,
                },
            ],
            session: DistSpec::lognormal(4 * HOUR, 9 * HOUR),
            away: DistSpec::lognormal(15 * HOUR, 40 * HOUR),
            trace: None,
            replay: None,
        }
    }
}

/// How a device that is not yet joined gets joined (docs/model.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinMode {
    /// Federated domain: the device registers with DRS at once; certificate trust then
    /// waits for device writeback on the next sync cycle.
    Federated,
    /// Managed domain (sync join): the computer object must be synced to Azure AD first
    /// (one cycle), then the device registers, then device writeback (another cycle).
    Sync,
}

/// Device prerequisites.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Prerequisites {
    /// Share of devices already hybrid joined and written back when the policy applies.
    /// Estimate.
    pub joined_share: f64,
    /// How the other devices join. Decision (federated or managed domain).
    pub join: JoinMode,
    /// The Automatic-Device-Join task runs at sign-in and retries this often. Published.
    pub join_retry: Duration,
    /// Duration of the device registration call. Estimate (≈ 5 s).
    pub device_registration: DistSpec,
}

impl Default for Prerequisites {
    fn default() -> Self {
        Prerequisites {
            joined_share: 0.95,
            join: JoinMode::Federated,
            join_retry: Duration(HOUR),
            device_registration: DistSpec::lognormal(5 * SECOND, 15 * SECOND),
        }
    }
}

/// The full-screen "Set up a PIN" page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PinPage {
    /// Time until the user clicks it. Estimate.
    pub think: DistSpec,
}

impl Default for PinPage {
    fn default() -> Self {
        PinPage {
            think: DistSpec::lognormal(8 * SECOND, 45 * SECOND),
        }
    }
}

/// Multi-factor authentication (docs/model.md §3).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Mfa {
    /// Time for the user to answer. Estimate (median ≈ 15 s).
    pub response: DistSpec,
    /// Probability an attempt fails (wrong answer, denied). Estimate (failure and timeout
    /// ≈ 5 % together).
    pub p_fail: f64,
    /// Probability the user never answers: the flow waits for `timeout`. Estimate.
    pub p_timeout: f64,
    /// How long the flow waits for an answer. Estimate (≈ 60 s).
    pub timeout: Duration,
    /// Time to click "retry" after an error. Estimate.
    pub retry_think: DistSpec,
    /// Attempts in one sign-in before the user leaves provisioning until the next sign-in.
    /// Estimate.
    pub max_attempts: u32,
    /// An MFA done this recently is not asked again. Published (10 minutes).
    pub reuse: Duration,
    /// Sign-ins on which the user left provisioning before they stop for good (`gave_up`).
    /// Estimate.
    pub max_abandoned_signins: u32,
}

impl Default for Mfa {
    fn default() -> Self {
        Mfa {
            response: DistSpec::lognormal(15 * SECOND, 45 * SECOND),
            p_fail: 0.03,
            p_timeout: 0.02,
            timeout: Duration(60 * SECOND),
            retry_think: DistSpec::lognormal(5 * SECOND, 20 * SECOND),
            max_attempts: 3,
            reuse: Duration(10 * MINUTE),
            max_abandoned_signins: 3,
        }
    }
}

/// PIN creation (docs/model.md §4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pin {
    /// Time to enter and confirm a PIN. Estimate (≈ 20 s).
    pub entry: DistSpec,
    /// Probability the complexity policy rejects an entry (the user enters it again).
    /// Estimate (5–10 %).
    pub p_reject: f64,
}

impl Default for Pin {
    fn default() -> Self {
        Pin {
            entry: DistSpec::lognormal(20 * SECOND, 60 * SECOND),
            p_reject: 0.07,
        }
    }
}

/// Where the key pair comes from (docs/model.md §5).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Key {
    /// Share of devices with a firmware TPM. Estimate.
    pub tpm_firmware_share: f64,
    /// Share of devices with a discrete TPM (the rest have no usable TPM). Estimate.
    pub tpm_discrete_share: f64,
    /// Share of TPM devices whose pre-generation pool (KeyPreGenTask) holds a ready key.
    /// Estimate (the pool is documented, the share is not).
    pub pregen_share: f64,
    /// `RequireSecurityDevice`: a device without a usable TPM cannot provision (`no_tpm`).
    /// Published (default false).
    pub require_tpm: bool,
    /// Taking a pre-generated key. Estimate (≈ 0).
    pub pregen: DistSpec,
    /// Firmware TPM RSA-2048 generation. Estimate (≈ 2 s).
    pub firmware: DistSpec,
    /// Discrete TPM RSA-2048 generation. Estimate (≈ 8 s, a tail to minutes).
    pub discrete: DistSpec,
    /// Software key generation. Estimate (≈ 0.2 s).
    pub software: DistSpec,
}

impl Default for Key {
    fn default() -> Self {
        Key {
            tpm_firmware_share: 0.70,
            tpm_discrete_share: 0.25,
            pregen_share: 0.5,
            require_tpm: false,
            pregen: DistSpec::fixed(50 * MS),
            firmware: DistSpec::lognormal(2 * SECOND, 5 * SECOND),
            discrete: DistSpec::lognormal(8 * SECOND, 30 * SECOND),
            software: DistSpec::lognormal(200 * MS, 500 * MS),
        }
    }
}

/// Device Registration Service (docs/model.md §6).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Drs {
    /// Key registration call. Estimate (≈ 1 s).
    pub latency: DistSpec,
    /// Probability a call is throttled ("try after 300 seconds"). Estimate.
    pub p_throttle: f64,
    /// Wait after a throttle before the client calls again. Published (300 s).
    pub throttle_backoff: Duration,
    /// AD FS validating a key receipt against DRS (patched servers, key not yet in AD).
    /// Estimate.
    pub receipt_validation: DistSpec,
}

impl Default for Drs {
    fn default() -> Self {
        Drs {
            latency: DistSpec::lognormal(SECOND, 5 * SECOND),
            p_throttle: 0.005,
            throttle_backoff: Duration(300 * SECOND),
            receipt_validation: DistSpec::lognormal(150 * MS, 600 * MS),
        }
    }
}

/// Azure AD Connect's sync scheduler (docs/model.md §7).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AadConnect {
    /// Time between cycle starts. Decision (default and minimum 30 min).
    pub interval: Duration,
    /// Allows an interval under 30 min (the product raises it to 30; lab use only).
    pub allow_below_minimum: bool,
    /// Start of the first cycle after the time origin: `"random"` (uniform over one
    /// interval, drawn per replication) or a duration.
    pub phase: Phase,
    /// Time from a cycle's start to its Azure AD import step: a key registered before this
    /// cut-off lands in AD at the end of the cycle. Estimate (the order is published).
    pub import_ad: Duration,
    /// Fixed cost of a delta cycle besides per-object work. Estimate.
    pub overhead: Duration,
    /// Cost per changed object. Estimate (linear growth is published, the cost is not).
    pub per_object: Duration,
    /// Other changed objects in every cycle (directory churn). Estimate (a typical delta
    /// is about 7 % of objects).
    pub background_changes: u32,
    /// Times of manual `Start-ADSyncSyncCycle -PolicyType Delta` runs. Decision.
    pub sync_now: Vec<Duration>,
}

impl Default for AadConnect {
    fn default() -> Self {
        AadConnect {
            interval: Duration(30 * MINUTE),
            allow_below_minimum: false,
            phase: Phase::Random,
            import_ad: Duration(MINUTE),
            overhead: Duration(2 * MINUTE),
            per_object: Duration(60 * MS),
            background_changes: 200,
            sync_now: Vec::new(),
        }
    }
}

/// When the first sync cycle starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Uniform over one interval, from the scheduler's own random stream.
    Random,
    /// A fixed offset from the time origin.
    At(Duration),
}

impl<'de> Deserialize<'de> for Phase {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == "random" {
            Ok(Phase::Random)
        } else {
            super::duration::parse_duration(&s)
                .map(|us| Phase::At(Duration(us)))
                .map_err(|e| serde::de::Error::custom(format!("{e}, or \"random\"")))
        }
    }
}

/// The client's enrollment behaviour (docs/model.md §8, §9).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Enrollment {
    /// Deferred retries after a failed enrollment, counted from key registration, made only
    /// while the user stays signed in. Published (24, 85, 145, 205, 265, 480 min).
    pub retry_schedule: Vec<Duration>,
    /// After a sign-out, the next attempt comes this long after the next sign-in.
    /// Published (about 30 min).
    pub after_signin: Duration,
    /// Certificate autoenrollment's periodic run while signed in. Published (8 h).
    pub periodic: Duration,
    /// Installing the certificate and telling the user the PIN is ready. Estimate.
    pub client_install: DistSpec,
    /// How long the client waits for the answer to one enrollment request (request sent
    /// → certificate or error back from AD FS) before that attempt fails and the retry
    /// schedule takes over. Estimate (WinHTTP's default receive timeout is 30 s; nothing
    /// published for the enrollment client).
    pub request_timeout: Duration,
}

impl Default for Enrollment {
    fn default() -> Self {
        Enrollment {
            retry_schedule: [24, 85, 145, 205, 265, 480]
                .iter()
                .map(|m| Duration(m * MINUTE))
                .collect(),
            after_signin: Duration(30 * MINUTE),
            periodic: Duration(8 * HOUR),
            client_install: DistSpec::lognormal(SECOND, 3 * SECOND),
            request_timeout: Duration(60 * SECOND),
        }
    }
}

/// How the load balancer picks an AD FS server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Balancing {
    /// Each request to the next server in turn (skipping servers that are down).
    RoundRobin,
    /// A uniformly random server among those up.
    Random,
    /// The up server with the fewest requests in service or waiting.
    LeastBusy,
}

/// Which AD FS servers have KB4088889: `"all"`, `"none"`, or a number of servers
/// (servers `1..=N` are patched).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patched {
    /// Every server, however many there are (a sweep of `adfs.servers` stays patched).
    All,
    /// No server.
    None,
    /// Servers `1..=N`.
    Count(u32),
}

impl Patched {
    /// Patched servers in a farm of `servers`.
    pub fn count(self, servers: u32) -> u32 {
        match self {
            Patched::All => servers,
            Patched::None => 0,
            Patched::Count(n) => n,
        }
    }
}

impl std::fmt::Display for Patched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Patched::All => f.write_str("\"all\""),
            Patched::None => f.write_str("\"none\""),
            Patched::Count(n) => write!(f, "{n}"),
        }
    }
}

impl<'de> Deserialize<'de> for Patched {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Patched;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"all\", \"none\" or a number of servers (0 or more)")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Patched, E> {
                u32::try_from(v).map(Patched::Count).map_err(|_| {
                    E::custom(format!(
                        "{v} is not allowed; allowed: \"all\", \"none\" or a number of servers (0 to adfs.servers)"
                    ))
                })
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Patched, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(-1))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Patched, E> {
                match v {
                    "all" => Ok(Patched::All),
                    "none" => Ok(Patched::None),
                    other => Err(E::custom(format!(
                        "`{other}` is not allowed; allowed: \"all\", \"none\" or a number of servers (0 to adfs.servers)"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// The AD FS farm and its registration authority (docs/model.md §9).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Adfs {
    /// Federation servers. Decision (Microsoft's sizing: 1,000–15,000 users → 2).
    pub servers: u32,
    /// Servers with KB4088889: `"all"`, `"none"` or a number (servers `1..=N`).
    /// Decision (the KB is installed per server).
    pub patched: Patched,
    /// Concurrent requests per server. Estimate.
    pub workers: u32,
    /// Load-balancer policy.
    pub balancing: Balancing,
    /// Request handling (authentication, token processing) per request. Estimate
    /// (from 50–150 tokens/s per server).
    pub service: DistSpec,
    /// Looking the key up in on-prem AD. Estimate.
    pub ad_key_lookup: DistSpec,
    /// Registration-authority processing besides the crypto itself. Estimate
    /// (≈ 0.3 s).
    pub ra_service: DistSpec,
    /// How long the RA waits for the CA (its call queued and served there) before it
    /// gives up, frees its worker and answers the client with an error. Estimate.
    pub ca_timeout: Duration,
}

impl Adfs {
    /// Patched servers in this farm.
    pub(crate) fn patched_servers(&self) -> u32 {
        self.patched.count(self.servers)
    }
}

impl Default for Adfs {
    fn default() -> Self {
        Adfs {
            servers: 2,
            patched: Patched::None,
            workers: 16,
            balancing: Balancing::RoundRobin,
            service: DistSpec::lognormal(80 * MS, 300 * MS),
            ad_key_lookup: DistSpec::lognormal(20 * MS, 80 * MS),
            ra_service: DistSpec::lognormal(300 * MS, 900 * MS),
            ca_timeout: Duration(30 * SECOND),
        }
    }
}

/// The issuing CA (docs/model.md §9, §10).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ca {
    /// Requests the CA processes at once (≈ CPUs). Decision.
    pub workers: u32,
    /// Time to issue one certificate on one worker. Estimate (mean 43 ms; Microsoft's
    /// figure of 2 million a day on two CPUs is 86 ms each).
    pub issue: DistSpec,
    /// The CA has the May 2022 update (KB5014754) and writes the SID extension that DCs
    /// in full enforcement require for strong mapping. Published.
    pub sid_extension: bool,
    /// The CA refuses an RA envelope signed longer ago than this (its freshness window;
    /// the replay cache covers what is younger). Estimate.
    pub envelope_max_age: Duration,
}

impl Default for Ca {
    fn default() -> Self {
        Ca {
            workers: 2,
            issue: DistSpec::exponential(43 * MS),
            sid_extension: true,
            envelope_max_age: Duration(10 * MINUTE),
        }
    }
}

/// Whether real cryptography runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PkiMode {
    /// Real keys, requests, signatures and certificates; every check is real.
    Real,
    /// No cryptography: the same decisions made on identities. Reports say so.
    Off,
}

/// The client key algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ClientKey {
    /// RSA-2048 with SHA-256, what WHfB uses.
    #[serde(rename = "rsa-2048")]
    Rsa2048,
    /// ECDSA P-256 with SHA-256: far cheaper to generate, for very large populations.
    #[serde(rename = "ecdsa-p256")]
    EcdsaP256,
}

/// Cryptography: real keys, requests and certificates (docs/pki.md;
/// docs/model.md §9).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pki {
    /// `"real"` or `"off"`.
    pub mode: PkiMode,
    /// `"rsa-2048"` or `"ecdsa-p256"`.
    pub client_key: ClientKey,
    /// Folder of the pre-generated key pool; left out: `$WHFB_SIM_KEY_CACHE`, else
    /// `$XDG_CACHE_HOME`, else `~/.cache`. An empty string is refused (it used to mean the
    /// default, which a typo or an unset shell variable then chose silently).
    pub key_cache: Option<String>,
    /// Calendar time of the time origin (RFC 3339, UTC), for certificate validity.
    pub epoch: String,
    /// Validity of issued user certificates (the template's). Estimate (1 year).
    pub cert_validity: Duration,
    /// When the enrollment agent certificate expires, counted from the time origin.
    /// Decision (AD FS renews it automatically; default: far away).
    pub agent_expires: Duration,
    /// After an `agent_revoked` fault, how long until AD FS holds a new enrollment agent
    /// certificate (an administrator restarts the AD FS service, which enrolls one when it
    /// starts). Estimate.
    pub agent_reenroll: Duration,
    /// nextUpdate − thisUpdate of the CA's CRLs; the CA publishes a new one when the
    /// current one reaches its nextUpdate, and at once after a revocation. Estimate (a weekly
    /// base CRL is common).
    pub crl_validity: Duration,
    /// Kerberos realm of the domain: the KDC certificate `pki export --with-keys` writes
    /// names `krbtgt/<realm>@<realm>`. A run does not use it.
    pub realm: String,
    /// Simulated durations of the crypto steps (`whfb-sim calibrate` measures them).
    pub timing: PkiTiming,
}

impl Default for Pki {
    fn default() -> Self {
        Pki {
            mode: PkiMode::Real,
            client_key: ClientKey::Rsa2048,
            key_cache: None,
            epoch: "2026-01-05T00:00:00Z".into(),
            cert_validity: Duration(365 * DAY),
            agent_expires: Duration(300 * DAY),
            agent_reenroll: Duration(HOUR),
            crl_validity: Duration(7 * DAY),
            realm: "CONTOSO.COM".into(),
            timing: PkiTiming::default(),
        }
    }
}

/// Simulated durations of crypto steps. Defaults: `whfb-sim calibrate` on the development
/// machine (2-core AMD EPYC, RSA-2048 client keys, aws-lc-rs; medians 236 µs, 262 µs,
/// 311 µs, 24 µs; the receipt, CRL and DC checks about 17, 19 and 20 µs, measured on the
/// same machine under load and scaled by the ratio of the others), rounded up.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PkiTiming {
    /// Client builds and signs the PKCS#10 request.
    pub request_sign: Duration,
    /// RA verifies the request and signs the CMS envelope.
    pub ra_check_sign: Duration,
    /// CA verifies the envelope and signs the certificate.
    pub ca_check_issue: Duration,
    /// Client verifies the issued certificate.
    pub client_verify: Duration,
    /// RA verifies the DRS key receipt (patched server, key not in AD yet), on top of
    /// `ra_check_sign`.
    pub receipt_verify: Duration,
    /// Verifying the CA's CRL and looking a serial up in it: the CA for the envelope's
    /// signer and the DC for the logon certificate each add it to their step.
    pub crl_check: Duration,
    /// DC validates the PKINIT logon certificate (chain, EKU, UPN, strong mapping),
    /// besides its CRL check.
    pub dc_validate: Duration,
}

impl Default for PkiTiming {
    fn default() -> Self {
        PkiTiming {
            request_sign: Duration(250),
            ra_check_sign: Duration(300),
            ca_check_issue: Duration(350),
            client_verify: Duration(25),
            receipt_verify: Duration(20),
            crl_check: Duration(20),
            dc_validate: Duration(25),
        }
    }
}

/// The kind of a fault window, as scenario files and `summary.json` name it; a checked
/// window's [`FaultEffect`](super::fault::FaultEffect) carries the fields its kind has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// DRS unreachable: registrations and receipt validations fail.
    DrsDown,
    /// DRS slow: its latencies are multiplied by `factor`.
    DrsSlow,
    /// One AD FS server (`server`, 1-based) is down; the balancer skips it.
    AdfsServerDown,
    /// The CA is unreachable: the RA's requests to it fail.
    CaDown,
    /// The sync scheduler is stopped: a running cycle is aborted (its changes wait for the
    /// next run) and no cycle starts; it resumes with a cycle at the window's end.
    AadConnectStopped,
    /// At `start` the CA revokes AD FS's enrollment agent certificate (its key was
    /// stolen) and publishes a CRL; AD FS holds a new one `pki.agent_reenroll` later.
    /// An instant: `end` is left out.
    AgentRevoked,
    /// No domain controller is in reach of the users: a PIN that is ready for on-prem
    /// use (any trust model) is first used when the window ends.
    DcUnreachable,
}

impl FaultKind {
    /// The name as written in scenario files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::DrsDown => "drs_down",
            FaultKind::DrsSlow => "drs_slow",
            FaultKind::AdfsServerDown => "adfs_server_down",
            FaultKind::CaDown => "ca_down",
            FaultKind::AadConnectStopped => "aad_connect_stopped",
            FaultKind::AgentRevoked => "agent_revoked",
            FaultKind::DcUnreachable => "dc_unreachable",
        }
    }
}

/// A scheduled fault window as the file writes it: `factor` and `server` are optional
/// because only some kinds have them, and validation reports a missing or a stray one at
/// its key; validation then makes a [`FaultWindow`] of it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// What breaks.
    pub kind: FaultKind,
    /// Window start (time since the origin).
    pub start: Duration,
    /// Window end (left out for `agent_revoked`, an instant; read as 0 then).
    #[serde(default)]
    pub end: Duration,
    /// `drs_slow` only: latency multiplier.
    #[serde(default)]
    pub factor: Option<f64>,
    /// `adfs_server_down` only: which server (1-based).
    #[serde(default)]
    pub server: Option<u32>,
}

/// Attack shares (docs/model.md §12): the real checks must refuse them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Attacks {
    /// Share of enrollment requests carrying a key other than the registered one.
    pub mismatched_key: f64,
    /// Share of envelopes reaching the CA signed by a certificate without the enrollment
    /// agent EKU.
    pub non_agent_signer: f64,
    /// Share of envelopes that name another user than the one whose request (and key)
    /// they carry: a valid agent-signed envelope re-targeted to another account.
    pub other_identity: f64,
    /// Share of envelopes reaching the CA replaced by a copy of the last envelope the CA
    /// honoured (captured on the RA–CA link).
    pub replayed_envelope: f64,
    /// Share of envelopes, after an `agent_revoked` fault, signed by the attacker holding
    /// the revoked agent certificate's key (before any revocation it has no effect).
    pub revoked_agent: f64,
}

/// Report options.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Report {
    /// Bucket width of the time series (resources, users waiting).
    pub series_bucket: Duration,
    /// Length of the busiest window reported for every resource (`peak`): a multiple of
    /// `series_bucket`, the windows sliding on its grid.
    pub peak_window: Duration,
}

impl Default for Report {
    fn default() -> Self {
        Report {
            series_bucket: Duration(5 * MINUTE),
            peak_window: Duration(HOUR),
        }
    }
}
