//! One simulated person with one device: what was drawn for them at the start, and where
//! they are in the flow.

use super::attacks::AttackKind;
use super::done::{KeySource, Milestones, Outcome};
use super::pki_port::{
    CaAnswer, DcAnswer, Envelope, InstallAnswer, Issued, Pending, RaAnswer, Refusal, Request,
};
use crate::engine::{SimRng, SimTime};

/// The device's join state for certificate trust (docs/model.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// Joined and written back: prerequisites pass.
    Ready,
    /// Not joined; the join task has not succeeded yet.
    Unjoined,
    /// Sync join: the computer object waits for a sync cycle to reach Azure AD.
    ComputerSyncing,
    /// Sync join: the computer object is in Azure AD; the next join task run registers.
    ComputerSynced,
    /// A device registration call is in flight.
    Registering,
    /// Registered; waits for device writeback on a sync cycle.
    AwaitingWriteback,
}

/// The device's TPM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tpm {
    /// Firmware TPM.
    Firmware,
    /// Discrete TPM.
    Discrete,
    /// No usable TPM.
    None,
}

/// The user's random streams, one per purpose, so that a change in one part of the flow
/// (e.g. more sign-ins because enrollment waits) does not shift the draws of another.
pub struct Streams {
    /// Clicks, MFA, PIN, key generation: the provisioning UI.
    pub ui: SimRng,
    /// Session lengths and time away.
    pub session: SimRng,
    /// Network and server latencies on this user's behalf.
    pub net: SimRng,
    /// Whether this user's requests are attacks.
    pub attack: SimRng,
}

/// An enrollment on its way, one state per step, so what travels with the user is only
/// what the next step reads (kept inline in [`User`]: no allocation per request).
#[derive(Debug)]
pub enum InFlight {
    /// The client's PKCS#10 request, on its way to the RA.
    Sent(Request),
    /// The RA checks the request and signs the envelope.
    Ra(Pending<RaAnswer>),
    /// The RA's envelope, waiting for a CA worker.
    Queued(Envelope),
    /// The CA checks the envelope and issues.
    Ca(Pending<CaAnswer>),
    /// The client verifies the certificate.
    Installing(Pending<InstallAnswer>),
    /// A domain controller validates the first logon with it.
    Dc(Pending<DcAnswer>),
    /// Installed; the first logon waits for a domain controller in reach (`dc_reach`).
    AwaitingDc(Issued),
}

/// Where the user's enrollment attempt is on the server side. A user has at most one
/// attempt there at a time: when the client gives up on one (a timeout), the servers
/// finish what they started, and the next attempt waits until they have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtServer {
    /// Nothing of the user's is at AD FS or the CA.
    Nowhere,
    /// The client is building and sending its request.
    Sending,
    /// Waiting for an AD FS worker.
    AdfsQueue,
    /// An AD FS worker is on it (service, key check, RA).
    AdfsStep,
    /// The RA's call waits for a CA worker (an AD FS worker held meanwhile).
    CaQueue,
    /// A CA worker is on it.
    CaService,
}

/// Where a user is and what happened to them.
pub struct User {
    /// The user's random streams, in the same record as the state the events change:
    /// with a million users nearly every event touches a different user, and one record
    /// is one cache miss where two arrays were two.
    pub streams: Streams,
    /// Device join state.
    pub device: Device,
    /// Whether the device was ready when the policy applied.
    pub device_ready_at_start: bool,
    /// TPM kind.
    pub tpm: Tpm,
    /// Whether the TPM's pre-generation pool still holds a key.
    pub pregen_available: bool,
    /// Signed in right now.
    pub signed_in: bool,
    /// Session counter: timers carry it so a timer from an earlier session is ignored.
    pub session: u32,
    /// The provisioning UI is on screen (the desktop session starts when it ends).
    pub in_ui: bool,
    /// MFA attempts during the current provisioning run.
    pub mfa_attempts: u32,
    /// When MFA last succeeded; `User::NEVER` until it has (a plain time rather than an
    /// `Option`: the eight bytes saved keep the record within five cache lines).
    pub mfa_ok_at: SimTime,
    /// Sign-ins on which the user left provisioning.
    pub abandoned: u32,
    /// The key is registered but the PIN does not work on-prem yet: certificate trust
    /// has no certificate (deferred enrollment applies), key trust's key is not on the
    /// user's DC.
    pub awaiting_cert: bool,
    /// An enrollment request is on its way.
    pub enrolling: bool,
    /// Counter that invalidates older retry timers.
    pub retry_generation: u32,
    /// The key is in on-prem AD.
    pub key_in_ad: bool,
    /// The enrollment in flight: what its next step needs.
    pub request: Option<InFlight>,
    /// What an attacker put in place of the enrollment in flight, if anything: decides
    /// whether a CA refusal rejects the user or is the RA's own failure.
    pub attack: Option<AttackKind>,
    /// Final outcome once reached.
    pub outcome: Option<Outcome>,
    /// The refusal for `rejected`.
    pub rejected_by: Option<Refusal>,
    /// Milestones.
    pub milestones: Milestones,
    /// Where the key came from.
    pub key_source: KeySource,
    /// Number of sign-ins.
    pub signins: u32,
    /// Enrollment requests sent.
    pub enroll_attempts: u32,
    /// Where the current (or abandoned) attempt is on the server side.
    pub at: AtServer,
    /// Who gave up on that attempt (`User::CLIENT_GONE`, `User::ADFS_GONE`), whether
    /// a retry waits for it (`User::BEGIN_WHEN_FREE`) and whether the client's timeout
    /// is scheduled (`User::TIMEOUT_ARMED`): one byte.
    pub flags: u8,
    /// The AD FS server holding the attempt (0-based).
    pub adfs_server: u16,
}

impl User {
    /// A time that never came: [`User::mfa_ok_at`] before the first MFA success.
    pub(crate) const NEVER: SimTime = SimTime::MAX;

    /// A user before the policy applies, drawing from `streams`.
    pub fn new(device_ready: bool, tpm: Tpm, pregen: bool, streams: Streams) -> User {
        User {
            streams,
            device: if device_ready {
                Device::Ready
            } else {
                Device::Unjoined
            },
            device_ready_at_start: device_ready,
            tpm,
            pregen_available: pregen,
            signed_in: false,
            session: 0,
            in_ui: false,
            mfa_attempts: 0,
            mfa_ok_at: User::NEVER,
            abandoned: 0,
            awaiting_cert: false,
            enrolling: false,
            retry_generation: 0,
            key_in_ad: false,
            request: None,
            attack: None,
            outcome: None,
            rejected_by: None,
            milestones: Milestones::default(),
            key_source: KeySource::None,
            signins: 0,
            enroll_attempts: 0,
            at: AtServer::Nowhere,
            flags: 0,
            adfs_server: 0,
        }
    }

    /// Flag: the client gave up on the attempt still on the server side.
    pub(crate) const CLIENT_GONE: u8 = 1;
    /// Flag: the RA gave up waiting for the CA on it.
    pub(crate) const ADFS_GONE: u8 = 2;
    /// Flag: a retry came while an abandoned attempt was still on the server side; it
    /// starts when the servers are done with it.
    pub(crate) const BEGIN_WHEN_FREE: u8 = 4;

    /// Flag: the client's timeout event for the current attempt is scheduled.
    pub(crate) const TIMEOUT_ARMED: u8 = 8;

    /// Whether `flag` is set.
    #[inline]
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// `true` once the user has a final outcome: nothing more is simulated for them.
    pub fn finished(&self) -> bool {
        self.outcome.is_some()
    }
}

/// Records `t` into a milestone only the first time.
pub fn first(slot: &mut Option<SimTime>, t: SimTime) {
    if slot.is_none() {
        *slot = Some(t);
    }
}
