//! The end of the flow: outcomes, milestone times, and what a run hands back.

use super::pki_port::Refusal;
use super::resource_id::ResourceId;
use super::Model;
use crate::engine::resource::ResourceStats;
use crate::engine::stats::PeakStats;
use crate::engine::SimTime;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// How a user's provisioning ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Outcome {
    /// The PIN works on-prem: the certificate is installed and a DC accepted it
    /// (certificate trust), the key is on the user's DC (key trust), provisioning ended
    /// with a DC in reach (cloud Kerberos trust).
    Usable,
    /// `require_tpm` and the device has no usable TPM.
    NoTpm,
    /// The user stopped trying (left provisioning on too many sign-ins).
    GaveUp,
    /// Still on the way when the horizon came.
    Pending,
    /// A security check refused the user's enrollment.
    Rejected,
}

impl Outcome {
    /// Every outcome, in report order.
    pub(crate) const ALL: [Outcome; 5] = [
        Outcome::Usable,
        Outcome::NoTpm,
        Outcome::GaveUp,
        Outcome::Pending,
        Outcome::Rejected,
    ];

    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Usable => "usable",
            Outcome::NoTpm => "no_tpm",
            Outcome::GaveUp => "gave_up",
            Outcome::Pending => "pending",
            Outcome::Rejected => "rejected",
        }
    }
}

/// Why an enrollment attempt failed without a security refusal (the client falls back to
/// the retry schedule). The names are the keys of `enrollment_failures` in
/// `summary.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum EnrollFailure {
    /// An AD FS server without KB4088889 refused a key not yet in AD.
    KeyNotInAd,
    /// Every AD FS server was down.
    NoAdfsServer,
    /// A patched server could not reach DRS to validate the key receipt.
    DrsUnreachable,
    /// The RA could not reach the CA (CA down).
    CaUnreachable,
    /// The RA gave up waiting for the CA (`adfs.ca_timeout`).
    CaTimeout,
    /// The client gave up waiting for the answer (`enrollment.request_timeout`).
    RequestTimeout,
    /// The CA refused the RA's own envelope because the agent certificate that signed it
    /// was revoked (until AD FS has enrolled a new one).
    AgentRevoked,
    /// The CA refused the RA's own envelope because it aged past `ca.envelope_max_age`
    /// while it waited for the CA.
    EnvelopeStale,
}

impl EnrollFailure {
    /// Every reason, in report order.
    pub(crate) const ALL: [EnrollFailure; 8] = [
        EnrollFailure::KeyNotInAd,
        EnrollFailure::NoAdfsServer,
        EnrollFailure::DrsUnreachable,
        EnrollFailure::CaUnreachable,
        EnrollFailure::CaTimeout,
        EnrollFailure::RequestTimeout,
        EnrollFailure::AgentRevoked,
        EnrollFailure::EnvelopeStale,
    ];

    /// Position in [`EnrollFailure::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            EnrollFailure::KeyNotInAd => "key_not_in_ad",
            EnrollFailure::NoAdfsServer => "no_adfs_server",
            EnrollFailure::DrsUnreachable => "drs_unreachable",
            EnrollFailure::CaUnreachable => "ca_unreachable",
            EnrollFailure::CaTimeout => "ca_timeout",
            EnrollFailure::RequestTimeout => "request_timeout",
            EnrollFailure::AgentRevoked => "agent_revoked",
            EnrollFailure::EnvelopeStale => "envelope_stale",
        }
    }
}

/// Failed calls of a run, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failures {
    /// Failed enrollment attempts, indexed like `EnrollFailure::ALL`.
    pub enrollment: [u64; EnrollFailure::ALL.len()],
    /// Key registrations refused because DRS was unreachable.
    pub registration_drs_unreachable: u64,
}

/// Where an AD FS server's workers spent their time, in worker-seconds: the parts of the
/// time a request holds a worker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Holding {
    /// The server's own work: request handling, the key lookup in AD, the RA.
    pub own_s: f64,
    /// Validating key receipts against DRS.
    pub drs_check_s: f64,
    /// Waiting for a CA worker (the RA's call queued at the CA).
    pub ca_queue_s: f64,
    /// The CA working on the request while the RA waits for it.
    pub ca_service_s: f64,
}

impl Holding {
    /// Every part together.
    pub(crate) fn total_s(&self) -> f64 {
        self.own_s + self.drs_check_s + self.ca_queue_s + self.ca_service_s
    }
}

/// Where the user's key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum KeySource {
    /// Not generated yet.
    #[default]
    None,
    /// The TPM's pre-generation pool.
    Pregenerated,
    /// Generated by a firmware TPM.
    FirmwareTpm,
    /// Generated by a discrete TPM.
    DiscreteTpm,
    /// A software key (no usable TPM).
    Software,
}

impl KeySource {
    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            KeySource::None => "",
            KeySource::Pregenerated => "pregenerated",
            KeySource::FirmwareTpm => "firmware_tpm",
            KeySource::DiscreteTpm => "discrete_tpm",
            KeySource::Software => "software",
        }
    }
}

/// When each step was first reached (simulated µs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestones {
    /// First sign-in after the policy applied.
    pub signin: Option<SimTime>,
    /// Provisioning launched (prerequisites passed, event 358).
    pub launched: Option<SimTime>,
    /// MFA succeeded.
    pub mfa_done: Option<SimTime>,
    /// PIN accepted.
    pub pin_set: Option<SimTime>,
    /// Key pair ready.
    pub key_ready: Option<SimTime>,
    /// Key registered with DRS.
    pub key_registered: Option<SimTime>,
    /// Key synced to on-prem AD.
    pub key_in_ad: Option<SimTime>,
    /// The most recent enrollment request sent (for a usable user: the one that
    /// succeeded), so reports can split retry waits from AD FS and CA time.
    pub request_sent: Option<SimTime>,
    /// Certificate issued by the CA.
    pub cert_issued: Option<SimTime>,
    /// Certificate installed: the PIN is usable on-prem.
    pub usable: Option<SimTime>,
}

/// The record of one user after a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    /// User number (0-based).
    pub id: u32,
    /// How it ended.
    pub outcome: Outcome,
    /// The refusal, for `rejected`.
    pub rejected_by: Option<Refusal>,
    /// Milestone times.
    pub milestones: Milestones,
    /// Where the key came from.
    pub key_source: KeySource,
    /// Sign-ins during the run.
    pub signins: u32,
    /// Enrollment requests sent.
    pub enroll_attempts: u32,
    /// Whether the device was joined and written back when the policy applied.
    pub device_ready_at_start: bool,
    /// Key registrations that failed (DRS unreachable).
    pub registration_failures: u32,
    /// Enrollment attempts that failed for a reason other than a security refusal.
    pub enrollment_failures: u32,
    /// Key trust: when AD replication brought the key to the user's DC. (Kept out of
    /// [`Milestones`], which every event's user record carries, since only key trust
    /// has it.)
    pub key_on_dc: Option<SimTime>,
    /// When the PIN was ready for on-prem use while no domain controller was in reach
    /// (a `dc_unreachable` window): the first logon waited from then.
    pub dc_wait: Option<SimTime>,
}

/// One sync cycle, for `sync_cycles.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncCycle {
    /// Cycle number (1-based).
    pub id: u32,
    /// Start time.
    pub start: SimTime,
    /// The Azure AD import step (keys registered before it are carried).
    pub cutoff: Option<SimTime>,
    /// End of export (or abort) time.
    pub end: SimTime,
    /// Keys carried to AD.
    pub keys: u32,
    /// Device objects carried (writeback or computer sync).
    pub devices: u32,
    /// Started by `sync_now` or at a scheduler restart rather than the regular tick.
    pub manual: bool,
    /// Stopped before its export (its changes wait for the next cycle).
    pub aborted: bool,
}

/// A shared resource's figures after a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceReport {
    /// Which resource (written as its name, `adfs-1`, ..., `ca`, `drs`, `aad_connect`,
    /// under `name` in a shard result).
    #[serde(rename = "name")]
    pub resource: ResourceId,
    /// Utilisation and queue figures. `utilization` is meaningless for DRS (no servers
    /// modelled): see [`ResourceReport::has_servers`].
    pub stats: ResourceStats,
    /// `false` for DRS, modelled as pure latency (its "queue" is the calls in flight).
    pub has_servers: bool,
    /// Bucketed time series: (bucket start s, mean busy, max busy, mean queue, max queue).
    pub series: Vec<[f64; 5]>,
    /// Configured servers (AD FS: workers per server; CA: workers; AAD Connect: 1; DRS:
    /// 0, no servers).
    pub capacity: u32,
    /// Per bucket of `series`, the (sum s, count) of the waits that ended in it.
    pub waits: Vec<(f64, u64)>,
    /// The busiest `report.peak_window` (filled in when the run ends).
    pub peak: PeakStats,
    /// Calls refused because the resource was down (a fault window).
    pub failed: u64,
    /// Work finished for a caller that had given up: requests AD FS finished after the
    /// client left, certificates the CA issued after the RA or the client left (never
    /// installed).
    pub discarded: u64,
    /// AD FS servers: where the workers' time went.
    pub holding: Option<Holding>,
}

impl ResourceReport {
    /// A report with no failures, discards or holding split.
    pub fn new(
        resource: ResourceId,
        stats: ResourceStats,
        capacity: u32,
        series: Vec<[f64; 5]>,
        waits: Vec<(f64, u64)>,
    ) -> ResourceReport {
        ResourceReport {
            resource,
            stats,
            has_servers: capacity > 0,
            series,
            capacity,
            waits,
            peak: PeakStats::default(),
            failed: 0,
            discarded: 0,
            holding: None,
        }
    }
}

/// What one fault window did in one run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FaultRecord {
    /// Users the window hit (their calls failed, or were slowed or held by it), sorted.
    pub users_hit: Vec<u32>,
    /// Calls that failed because of it.
    pub failed_calls: u64,
}

/// One line of the per-user event log (`events.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceRecord {
    /// Simulated time.
    pub t: SimTime,
    /// User number.
    pub user: u32,
    /// Short step name (`sign_in`, `mfa`, `key_registered`, ...): borrowed when logged,
    /// owned when read back from a shard result.
    pub step: Cow<'static, str>,
    /// The Windows event id where one exists (358/360 prerequisites, 3225/8225 key
    /// creation, 3510 and 300/301 key registration, 3066 enrollment sent, 6066 will retry,
    /// 7066 refused, 1006 certificate installed).
    pub event_id: Option<u16>,
    /// What happened, in the words an administrator reads in the event log.
    pub message: String,
}

/// Everything one simulation of one variant produced. It is also the unit of work of a
/// sharded run (`run::unit`): serialised into a shard result and read back exactly, so every
/// field added here must round-trip through serde (floats included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOutput {
    /// One record per user, in user order.
    pub users: Vec<UserRecord>,
    /// Shared resources.
    pub resources: Vec<ResourceReport>,
    /// The sync cycle log.
    pub sync_cycles: Vec<SyncCycle>,
    /// Events processed.
    pub events: u64,
    /// Simulated time at which the run stopped: the last user's outcome, or the horizon.
    pub end: SimTime,
    /// `true` when users were still on the way at the horizon (they are `pending`).
    pub hit_horizon: bool,
    /// Traced events, in time order.
    pub trace: Vec<TraceRecord>,
    /// Failed calls by reason.
    pub failures: Failures,
    /// One record per fault window of the spec, in its order.
    pub faults: Vec<FaultRecord>,
}

impl Model<'_> {
    /// Records a user's final outcome (the first one counts); nothing more is simulated for
    /// them.
    pub(super) fn finish(&mut self, u: u32, outcome: Outcome) {
        let now = self.now();
        let user = &mut self.users[u as usize];
        if user.outcome.is_some() {
            return;
        }
        user.outcome = Some(outcome);
        user.enrolling = false;
        user.request = None;
        if outcome == Outcome::Usable {
            user.milestones.usable = Some(now);
        }
        self.unfinished -= 1;
    }
}
