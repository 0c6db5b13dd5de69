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
    /// The AD FS registration authority with its enrollment agent certificate.
    EnrollmentAgent,
    /// A certificate issued by the same CA but without the Certificate Request Agent EKU.
    NonAgent,
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
    /// CA: the CMS SignedData signature does not verify.
    BadEnvelopeSignature,
    /// CA: the envelope's signer certificate does not chain to the CA.
    SignerUntrusted,
    /// CA: the signer certificate lacks the Certificate Request Agent EKU.
    SignerNotAgent,
    /// CA: the signer certificate is outside its validity period.
    AgentExpired,
    /// Client: the issued certificate does not verify against the CA or does not match
    /// the client's key.
    CertificateInvalid,
}

impl Refusal {
    /// Every reason, in the order reports list them.
    pub const ALL: [Refusal; 8] = [
        Refusal::BadRequestSignature,
        Refusal::KeyMismatch,
        Refusal::KeyNotRegistered,
        Refusal::BadEnvelopeSignature,
        Refusal::SignerUntrusted,
        Refusal::SignerNotAgent,
        Refusal::AgentExpired,
        Refusal::CertificateInvalid,
    ];

    /// The stable snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::BadRequestSignature => "bad_request_signature",
            Refusal::KeyMismatch => "key_mismatch",
            Refusal::KeyNotRegistered => "key_not_registered",
            Refusal::BadEnvelopeSignature => "bad_envelope_signature",
            Refusal::SignerUntrusted => "signer_untrusted",
            Refusal::SignerNotAgent => "signer_not_agent",
            Refusal::AgentExpired => "agent_expired",
            Refusal::CertificateInvalid => "certificate_invalid",
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
    /// Who signed it: what the off mode checks instead of a signature.
    pub signer: Option<EnvelopeSigner>,
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
/// The client's answer: installed, or why the certificate was refused.
pub type InstallAnswer = Result<(), Refusal>;

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

    /// DRS key registration: remember the user's public key as the registered one.
    fn register_key(&mut self, user: u32);

    /// The client builds its PKCS#10 request with `key`.
    fn client_request(&mut self, user: u32, key: RequestKey) -> Request;

    /// The RA checks the request (signature; public key equals the registered key) and
    /// wraps it in an envelope signed by `signer`.
    fn ra_process(
        &mut self,
        user: u32,
        request: &Request,
        signer: EnvelopeSigner,
        now_us: u64,
    ) -> Result<Envelope, Refusal>;

    /// The CA checks the envelope (signature, chain, agent EKU, validity) and issues the
    /// user's certificate with `serial`.
    fn ca_issue(
        &mut self,
        user: u32,
        envelope: &Envelope,
        serial: u64,
        now_us: u64,
    ) -> Result<Issued, Refusal>;

    /// The client verifies the issued certificate against the CA and its own key.
    fn client_install(&mut self, user: u32, issued: &Issued, now_us: u64) -> Result<(), Refusal>;

    /// [`PkiPort::ra_process`], started now and read later.
    fn start_ra(
        &mut self,
        user: u32,
        request: Request,
        signer: EnvelopeSigner,
        now_us: u64,
    ) -> Pending<RaAnswer> {
        Pending::Ready(self.ra_process(user, &request, signer, now_us))
    }

    /// [`PkiPort::ca_issue`], started now and read later.
    fn start_ca(
        &mut self,
        user: u32,
        envelope: Envelope,
        serial: u64,
        now_us: u64,
    ) -> Pending<CaAnswer> {
        Pending::Ready(self.ca_issue(user, &envelope, serial, now_us))
    }

    /// [`PkiPort::client_install`], started now and read later.
    fn start_install(&mut self, user: u32, issued: Issued, now_us: u64) -> Pending<InstallAnswer> {
        Pending::Ready(self.client_install(user, &issued, now_us))
    }
}
