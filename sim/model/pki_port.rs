//! The port through which the provisioning model reaches the PKI.
//!
//! The model never assumes a crypto result: at each enrollment step it calls this port and
//! reads the answer (accept, or a refusal with its reason). Two implementations exist:
//! `pki::RealPki` (real keys, PKCS#10, CMS, X.509, every signature checked) and
//! `pki::OffPki` (`pki.mode = "off"`: the same checks made on identities instead of
//! signatures, for huge sweeps; every report says crypto was off).

use std::fmt;

/// Which key the client puts into its enrollment request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKey {
    /// The user's own key, the one registered with DRS (the normal case).
    Own,
    /// Another key: a stolen-session attacker enrolling their own key for the victim.
    Attacker,
}

/// Who signs the envelope that reaches the CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeSigner {
    /// The AD FS registration authority with its current enrollment agent certificate.
    EnrollmentAgent,
    /// A certificate issued by the same CA but without the Certificate Request Agent EKU.
    NonAgent,
    /// An attacker holding the key of the most recently revoked agent certificate (only
    /// after an `agent_revoked` fault; before, it is the RA's own agent).
    RevokedAgent,
}

/// How the RA establishes the requesting user's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyEvidence {
    /// The key is in on-prem AD (synced by Azure AD Connect): the RA compares with it.
    Directory,
    /// Not yet (a KB4088889 server): the RA verifies the DRS key receipt the client sent.
    Receipt,
}

/// What the RA is asked to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RaCall {
    /// The user the client authenticated as (whose request and receipt it sends).
    pub requester: u32,
    /// The user the envelope names (`requestername`): the requester, except in an
    /// `other_identity` attack.
    pub target: u32,
    /// How the requester's key is established.
    pub evidence: KeyEvidence,
    /// Who signs the envelope.
    pub signer: EnvelopeSigner,
}

/// Why a security check refused a request. The names are stable: they are the keys of
/// `rejected_by` in `summary.json`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Refusal {
    /// RA: the PKCS#10 signature does not verify with the key it carries.
    BadRequestSignature,
    /// RA: the request's public key is not the key registered for that user.
    KeyMismatch,
    /// RA: no key was registered for that user.
    KeyNotRegistered,
    /// RA: the key receipt was not signed by DRS for that user.
    BadKeyReceipt,
    /// CA: the CMS SignedData signature does not verify.
    BadEnvelopeSignature,
    /// CA: the envelope's signer certificate does not chain to the CA.
    SignerUntrusted,
    /// CA: the signer is not an enrollment agent this CA enrolled (agent EKU, key usage,
    /// not a CA, pinned serial).
    SignerNotAgent,
    /// CA: the signer certificate is outside its validity period.
    AgentExpired,
    /// CA: the signer certificate is on the CA's CRL.
    AgentRevoked,
    /// CA: the content is not id-data, or `requestername`, signingTime or senderNonce is
    /// missing or repeated.
    EnvelopeMalformed,
    /// CA: the envelope was signed longer ago than the freshness window (or later than
    /// now).
    EnvelopeStale,
    /// CA: an envelope with this id was seen before.
    EnvelopeReplayed,
    /// CA: the request's key is not exactly `pki.client_key`'s algorithm and size.
    WrongKeyType,
    /// CA: the user the envelope names does not exist or is not the one whose registered
    /// key the request carries.
    IdentityMismatch,
    /// Client: the issued certificate does not verify against the CA or is not the
    /// client's own (key, UPN, subject).
    CertificateInvalid,
    /// DC: the logon certificate does not chain to the CA, is not valid now, lacks the
    /// Smart Card Logon EKU or names another account.
    DcCertificateInvalid,
    /// DC: the logon certificate is on the CA's CRL.
    CertificateRevoked,
    /// CA or DC: no current CRL of the CA could be read.
    RevocationUnknown,
    /// DC: no SID extension, so no strong mapping (full enforcement; DC event 39).
    NoStrongMapping,
    /// DC: the SID extension names another SID than the account's (DC event 41).
    SidMismatch,
}

impl Refusal {
    /// Every reason, in the order reports list them.
    pub(crate) const ALL: [Refusal; 20] = [
        Refusal::BadRequestSignature,
        Refusal::KeyMismatch,
        Refusal::KeyNotRegistered,
        Refusal::BadKeyReceipt,
        Refusal::BadEnvelopeSignature,
        Refusal::SignerUntrusted,
        Refusal::SignerNotAgent,
        Refusal::AgentExpired,
        Refusal::AgentRevoked,
        Refusal::EnvelopeMalformed,
        Refusal::EnvelopeStale,
        Refusal::EnvelopeReplayed,
        Refusal::WrongKeyType,
        Refusal::IdentityMismatch,
        Refusal::CertificateInvalid,
        Refusal::DcCertificateInvalid,
        Refusal::CertificateRevoked,
        Refusal::RevocationUnknown,
        Refusal::NoStrongMapping,
        Refusal::SidMismatch,
    ];

    /// The stable snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::BadRequestSignature => "bad_request_signature",
            Refusal::KeyMismatch => "key_mismatch",
            Refusal::KeyNotRegistered => "key_not_registered",
            Refusal::BadKeyReceipt => "bad_key_receipt",
            Refusal::BadEnvelopeSignature => "bad_envelope_signature",
            Refusal::SignerUntrusted => "signer_untrusted",
            Refusal::SignerNotAgent => "signer_not_agent",
            Refusal::AgentExpired => "agent_expired",
            Refusal::AgentRevoked => "agent_revoked",
            Refusal::EnvelopeMalformed => "envelope_malformed",
            Refusal::EnvelopeStale => "envelope_stale",
            Refusal::EnvelopeReplayed => "envelope_replayed",
            Refusal::WrongKeyType => "wrong_key_type",
            Refusal::IdentityMismatch => "identity_mismatch",
            Refusal::CertificateInvalid => "certificate_invalid",
            Refusal::DcCertificateInvalid => "dc_certificate_invalid",
            Refusal::CertificateRevoked => "certificate_revoked",
            Refusal::RevocationUnknown => "revocation_unknown",
            Refusal::NoStrongMapping => "no_strong_mapping",
            Refusal::SidMismatch => "sid_mismatch",
        }
    }

    /// The domain controller's event id for this refusal, where one exists (KB5014754:
    /// 39 no strong mapping, 41 SID mismatch; docs/model.md §10).
    pub(crate) fn dc_event_id(self) -> Option<u16> {
        match self {
            Refusal::NoStrongMapping => Some(39),
            Refusal::SidMismatch => Some(41),
            _ => None,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An enrollment request as the client sends it (PKCS#10 DER in real mode).
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// DER bytes (empty when crypto is off).
    pub der: Vec<u8>,
    /// Which key the request carries: what the off mode checks instead of a signature.
    pub key: Option<RequestKey>,
}

/// The RA's envelope around a request (CMS SignedData DER in real mode).
#[derive(Debug, Clone, Default)]
pub struct Envelope {
    /// DER bytes (empty when crypto is off).
    pub der: Vec<u8>,
    /// The RA's sequence number of this envelope in the run (1, 2, ...; 0: none). In real
    /// mode the CA never reads it (it reads the signed bytes); the off mode keeps what
    /// each envelope says under it.
    pub id: u64,
}

/// A certificate the CA issued (X.509 DER in real mode).
#[derive(Debug, Clone, Default)]
pub struct Issued {
    /// DER bytes (empty when crypto is off).
    pub der: Vec<u8>,
    /// The serial number the CA put into it.
    pub serial: u64,
}

/// The RA's answer: the envelope for the CA, or why the request was refused.
pub type RaAnswer = Result<Envelope, Refusal>;
/// The CA's answer: the issued certificate, or why the envelope was refused.
pub type CaAnswer = Result<Issued, Refusal>;
/// The client's answer: the certificate it installed, or why it refused it.
pub type InstallAnswer = Result<Issued, Refusal>;
/// The DC's answer to the first logon with the certificate.
pub type DcAnswer = Result<(), Refusal>;

/// An answer of the PKI that may still be being computed. The model asks for it when a
/// server starts working on a request and reads it with [`Pending::join`] when the
/// simulated work ends; the port decides where the computing happens. Every input is
/// fixed when the work starts, so the answer does not depend on when it is computed.
pub enum Pending<T> {
    /// Already known (the off mode, or a port that computes at once).
    Ready(T),
    /// Being computed by the port; joining may compute it on the spot if nobody has
    /// started it yet. Dropping it abandons the work (a request still in service when
    /// the horizon comes).
    Later(Box<dyn Join<T>>),
}

/// The port's side of a [`Pending::Later`] answer.
pub trait Join<T>: Send {
    /// The answer, once computed.
    fn join(self: Box<Self>) -> T;
}

impl<T> Pending<T> {
    /// The answer. Returns at once when it is ready; otherwise it is computed here or
    /// waited for.
    pub fn join(self) -> T {
        match self {
            Pending::Ready(v) => v,
            Pending::Later(j) => j.join(),
        }
    }
}

impl<T> fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Pending::Ready(_) => "Pending::Ready",
            Pending::Later(_) => "Pending::Later",
        })
    }
}

/// What the model asks of the PKI. Users are numbered `0..users`; times are simulated
/// microseconds since the scenario's time origin (the PKI maps them to calendar time).
///
/// The model uses the `start_*` forms: each is called when the simulated server starts
/// on the request, with `now_us` the simulated instant the step completes, and joined at
/// that instant. Their default answers at once with the synchronous method.
pub trait PkiPort {
    /// `true` when real cryptography runs behind this port.
    fn is_real(&self) -> bool;

    /// DRS key registration at `now_us`: the directory records the user's key as the
    /// registered one, and DRS hands the client its key receipt.
    fn register_key(&mut self, user: u32, now_us: u64);

    /// The client builds its PKCS#10 request with `key`.
    fn client_request(&mut self, user: u32, key: RequestKey) -> Request;

    /// The RA checks the request (signature; the requester's key, in AD or by its DRS
    /// receipt) and wraps it in an envelope naming `call.target`, signed by `call.signer`.
    fn ra_process(&mut self, call: RaCall, request: &Request, now_us: u64) -> RaAnswer;

    /// The CA checks the envelope (signer, signature, attributes, revocation, freshness,
    /// replay, the request, the named user's registered key) and issues that user's
    /// certificate, with a serial drawn from `serials` (drawn again until it is one the
    /// CA never used).
    fn ca_issue(
        &mut self,
        envelope: &Envelope,
        serials: &mut dyn FnMut() -> u64,
        now_us: u64,
    ) -> CaAnswer;

    /// The client verifies the issued certificate (the CA's, its own) and installs it.
    fn client_install(&mut self, user: u32, issued: &Issued, now_us: u64) -> Result<(), Refusal>;

    /// The DC validates a PKINIT logon by `user` with the installed certificate.
    fn dc_logon(&mut self, user: u32, issued: &Issued, now_us: u64) -> DcAnswer;

    /// The CA revokes AD FS's current enrollment agent certificate at `now_us` and
    /// publishes a CRL listing it.
    fn revoke_agent(&mut self, now_us: u64);

    /// AD FS enrolls a new enrollment agent certificate at `now_us` (after a revocation);
    /// the CA pins it.
    fn reenroll_agent(&mut self, now_us: u64);

    /// [`PkiPort::ra_process`], started now and read later.
    fn start_ra(&mut self, call: RaCall, request: Request, now_us: u64) -> Pending<RaAnswer> {
        Pending::Ready(self.ra_process(call, &request, now_us))
    }

    /// [`PkiPort::ca_issue`], started now and read later. The serial is drawn now.
    fn start_ca(
        &mut self,
        envelope: Envelope,
        serials: &mut dyn FnMut() -> u64,
        now_us: u64,
    ) -> Pending<CaAnswer> {
        Pending::Ready(self.ca_issue(&envelope, serials, now_us))
    }

    /// [`PkiPort::client_install`], started now and read later; the answer hands the
    /// installed certificate back for the logon.
    fn start_install(&mut self, user: u32, issued: Issued, now_us: u64) -> Pending<InstallAnswer> {
        Pending::Ready(self.client_install(user, &issued, now_us).map(|()| issued))
    }

    /// [`PkiPort::dc_logon`], started now and read later.
    fn start_dc(&mut self, user: u32, issued: Issued, now_us: u64) -> Pending<DcAnswer> {
        Pending::Ready(self.dc_logon(user, &issued, now_us))
    }
}
