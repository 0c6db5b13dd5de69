//! [`RealPki`]: the port with real cryptography behind every answer.

use std::sync::Arc;

use x509_cert::Certificate;

use crate::model::pki_port::{
    CaAnswer, DcAnswer, Envelope, EnvelopeSigner, InstallAnswer, Issued, KeyEvidence, Pending,
    PkiPort, RaAnswer, RaCall, Refusal, Request, RequestKey,
};

use super::ca::{self, ReplayCache};
use super::crl::Serial;
use super::directory::{self, Directory};
use super::envelope::Claims;
use super::keys::KeyPair;
use super::ledger::Ledger;
use super::material::{CaPolicy, PkiMaterial};
use super::{client, dc, jobs, ra, time};

/// One simulation run's view of the real PKI: the shared material plus this run's
/// directory registrations, CA ledger (serials, agents, revocations), CRLs and replay
/// cache. Cheap to create (one per run); the material is shared by `Arc`.
///
/// The `start_*` forms hand the RA's, the CA's, the client's and the DC's checks to the
/// current rayon pool when it has more than one thread (see `jobs`), so they are computed
/// while the event loop goes on; [`RealPki::inline`] computes them at once instead. Every
/// input of a check (the CRL current at its instant, the pinned agents, the signer) is
/// fixed when it starts; the directory and the replay cache are shared, and the event
/// loop's order of events makes what a check reads there the same whoever computes it.
///
/// User indices must be below `material.users()`: `register_key` and `client_request`
/// panic otherwise (a model bug), while the checks answer with a refusal.
#[derive(Debug, Clone)]
pub struct RealPki {
    material: Arc<PkiMaterial>,
    policy: CaPolicy,
    directory: Arc<Directory>,
    replay: Arc<ReplayCache>,
    ledger: Ledger,
    /// Agent certificates by generation (0: the material's).
    agent_certs: Vec<Arc<Certificate>>,
    pinned: Arc<[Serial]>,
    /// The last CRL built: (thisUpdate, entries, DER).
    crl: Option<(i64, usize, Arc<[u8]>)>,
    offload: bool,
    jobs: jobs::Jobs,
}

impl RealPki {
    /// A run with no key registered yet, under the material's CA policy; server-side
    /// checks run on the rayon pool.
    pub fn new(material: Arc<PkiMaterial>) -> Self {
        let policy = material.settings().policy;
        Self::with_policy(material, policy)
    }

    /// The same under another CA policy (variants that differ only in it share one
    /// material).
    pub(crate) fn with_policy(material: Arc<PkiMaterial>, policy: CaPolicy) -> Self {
        let mut settings = material.settings().clone();
        settings.policy = policy;
        let ledger = Ledger::new(&settings, material.users());
        RealPki {
            directory: Arc::new(Directory::new(material.users(), &settings.upn_domain)),
            replay: Arc::new(ReplayCache::default()),
            pinned: ledger.pinned().into(),
            ledger,
            agent_certs: vec![Arc::new(material.agent.cert.clone())],
            crl: None,
            policy,
            material,
            offload: true,
            jobs: jobs::Jobs::default(),
        }
    }

    /// The same, with every check computed at once on the event loop's thread (for
    /// measuring what the offloading brings).
    pub fn inline(material: Arc<PkiMaterial>) -> Self {
        RealPki {
            offload: false,
            ..RealPki::new(material)
        }
    }

    /// The shared material.
    pub fn material(&self) -> &Arc<PkiMaterial> {
        &self.material
    }

    /// The CRL current at simulated `now_us`, signed by the CA (built when it changes).
    pub fn crl_der(&mut self, now_us: u64) -> Arc<[u8]> {
        let at_s = time::unix_seconds(self.material.settings().epoch_unix, now_us);
        let list = &self.ledger.revocations;
        let this_update = list.this_update(at_s);
        let entries = list.len_at(this_update);
        match &self.crl {
            Some((t, n, der)) if *t == this_update && *n == entries => Arc::clone(der),
            _ => {
                let der: Arc<[u8]> = self.material.crl_der(list, at_s).into();
                self.crl = Some((this_update, entries, Arc::clone(&der)));
                der
            }
        }
    }

    /// Revokes the certificate with `serial` now (for tests of the DC's revocation
    /// check: the model revokes only agents).
    pub fn revoke_serial(&mut self, serial: u64, now_us: u64) {
        let at_s = time::unix_seconds(self.material.settings().epoch_unix, now_us);
        self.ledger.revocations.revoke(Serial::from(serial), at_s);
    }

    fn signer(&self, signer: EnvelopeSigner) -> (usize, Option<Arc<Certificate>>) {
        match self.ledger.generation_for(signer) {
            Some(g) => (g, Some(Arc::clone(&self.agent_certs[g]))),
            None => (0, None),
        }
    }

    /// What the RA needs, fixed now: whether the requester's key is registered, the
    /// envelope's claims (a fresh id), and who signs.
    fn ra_inputs(&mut self, call: RaCall, now_us: u64) -> RaInputs {
        let registered = self.material.has_user(call.requester)
            && self.directory.registered(call.requester, now_us);
        let id = self.ledger.next_envelope();
        let claims = Claims {
            requester: directory::requester_name(call.target),
            signing_time_s: time::unix_seconds(self.material.settings().epoch_unix, now_us),
            nonce: nonce(id),
        };
        let (generation, agent_cert) = self.signer(call.signer);
        RaInputs {
            call,
            registered,
            id,
            claims,
            generation,
            agent_cert,
        }
    }

    /// What the CA needs besides the envelope, fixed now.
    fn ca_inputs(&mut self, now_us: u64) -> CaInputs {
        CaInputs {
            directory: Arc::clone(&self.directory),
            crl: self.crl_der(now_us),
            pinned: Arc::clone(&self.pinned),
            replay: Arc::clone(&self.replay),
            policy: self.policy,
        }
    }
}

/// The 16-octet senderNonce of envelope number `id`.
fn nonce(id: u64) -> [u8; 16] {
    u128::from(id).to_be_bytes()
}

struct RaInputs {
    call: RaCall,
    registered: bool,
    id: u64,
    claims: Claims,
    generation: usize,
    /// The agent certificate that signs; `None`: the non-agent signer.
    agent_cert: Option<Arc<Certificate>>,
}

struct CaInputs {
    directory: Arc<Directory>,
    crl: Arc<[u8]>,
    pinned: Arc<[Serial]>,
    replay: Arc<ReplayCache>,
    policy: CaPolicy,
}

impl PkiPort for RealPki {
    fn is_real(&self) -> bool {
        true
    }

    fn register_key(&mut self, user: u32, now_us: u64) {
        let n = self.material.users();
        assert!(
            (user as usize) < n,
            "user {user} out of range: PKI material has {n} users"
        );
        self.directory.register(user, now_us);
    }

    fn client_request(&mut self, user: u32, key: RequestKey) -> Request {
        let der = match key {
            RequestKey::Own => self.material.request_der(user).to_vec(),
            RequestKey::Attacker => self.material.attacker_request_der(user).to_vec(),
        };
        Request {
            der,
            key: Some(key),
        }
    }

    fn ra_process(&mut self, call: RaCall, request: &Request, now_us: u64) -> RaAnswer {
        let inputs = self.ra_inputs(call, now_us);
        ra_answer(&self.material, &inputs, &request.der)
    }

    fn ca_issue(
        &mut self,
        envelope: &Envelope,
        serials: &mut dyn FnMut() -> u64,
        now_us: u64,
    ) -> CaAnswer {
        let serial = self.ledger.draw_serial(serials);
        let inputs = self.ca_inputs(now_us);
        ca_answer(&self.material, &inputs, &envelope.der, serial, now_us)
    }

    fn client_install(&mut self, user: u32, issued: &Issued, now_us: u64) -> Result<(), Refusal> {
        client::install(&self.material, user, &issued.der, issued.serial, now_us)
    }

    fn dc_logon(&mut self, user: u32, issued: &Issued, now_us: u64) -> DcAnswer {
        let crl = self.crl_der(now_us);
        dc::logon(
            &self.material,
            &self.directory,
            &crl,
            user,
            &issued.der,
            now_us,
        )
    }

    fn revoke_agent(&mut self, now_us: u64) {
        let at_s = time::unix_seconds(self.material.settings().epoch_unix, now_us);
        self.ledger.revoke_current(at_s);
    }

    fn reenroll_agent(&mut self, now_us: u64) {
        let at_s = time::unix_seconds(self.material.settings().epoch_unix, now_us);
        let spare = self.material.spare_agents();
        if let Some(g) = self.ledger.reenroll(at_s, spare) {
            let cert = self
                .material
                .enroll_agent(g, at_s)
                .expect("issuing an agent certificate at a simulated instant cannot fail");
            self.agent_certs.push(Arc::new(cert));
            self.pinned = self.ledger.pinned().into();
        }
    }

    fn start_ra(&mut self, call: RaCall, request: Request, now_us: u64) -> Pending<RaAnswer> {
        let inputs = self.ra_inputs(call, now_us);
        if !self.offload {
            return Pending::Ready(ra_answer(&self.material, &inputs, &request.der));
        }
        let material = Arc::clone(&self.material);
        self.jobs
            .start(move || ra_answer(&material, &inputs, &request.der))
    }

    fn start_ca(
        &mut self,
        envelope: Envelope,
        serials: &mut dyn FnMut() -> u64,
        now_us: u64,
    ) -> Pending<CaAnswer> {
        let serial = self.ledger.draw_serial(serials);
        let inputs = self.ca_inputs(now_us);
        if !self.offload {
            return Pending::Ready(ca_answer(
                &self.material,
                &inputs,
                &envelope.der,
                serial,
                now_us,
            ));
        }
        let material = Arc::clone(&self.material);
        self.jobs
            .start(move || ca_answer(&material, &inputs, &envelope.der, serial, now_us))
    }

    fn start_install(&mut self, user: u32, issued: Issued, now_us: u64) -> Pending<InstallAnswer> {
        if !self.offload {
            return Pending::Ready(self.client_install(user, &issued, now_us).map(|()| issued));
        }
        let material = Arc::clone(&self.material);
        self.jobs.start(move || {
            client::install(&material, user, &issued.der, issued.serial, now_us).map(|()| issued)
        })
    }

    fn start_dc(&mut self, user: u32, issued: Issued, now_us: u64) -> Pending<DcAnswer> {
        if !self.offload {
            return Pending::Ready(self.dc_logon(user, &issued, now_us));
        }
        let material = Arc::clone(&self.material);
        let directory = Arc::clone(&self.directory);
        let crl = self.crl_der(now_us);
        self.jobs
            .start(move || dc::logon(&material, &directory, &crl, user, &issued.der, now_us))
    }
}

/// The RA's answer, the same whether computed inline or on a worker thread.
fn ra_answer(material: &PkiMaterial, inputs: &RaInputs, request_der: &[u8]) -> RaAnswer {
    let requester = inputs.call.requester;
    let known = inputs.registered && material.has_user(requester);
    let evidence = match inputs.call.evidence {
        KeyEvidence::Directory => {
            ra::Evidence::Directory(known.then(|| material.user_spki_der(requester)))
        }
        KeyEvidence::Receipt => {
            ra::Evidence::Receipt(known.then(|| material.receipt_der(requester)))
        }
    };
    let signer: (&KeyPair, &Certificate) = match &inputs.agent_cert {
        Some(cert) => (
            material
                .agent_key(inputs.generation)
                .expect("every enrolled agent generation has a key"),
            cert,
        ),
        None => (&material.non_agent.key, &material.non_agent.cert),
    };
    let job = ra::Job {
        requester,
        evidence,
        request_der,
        claims: &inputs.claims,
        signer,
    };
    let der = ra::process(material, &job)?;
    Ok(Envelope { der, id: inputs.id })
}

/// The CA's answer, the same whether computed inline or on a worker thread.
fn ca_answer(
    material: &PkiMaterial,
    inputs: &CaInputs,
    envelope_der: &[u8],
    serial: u64,
    now_us: u64,
) -> CaAnswer {
    let ctx = ca::Context {
        material,
        directory: &inputs.directory,
        // See `Directory::registered`: a registration the event loop has not processed
        // yet can only be another user's, and the check does not depend on it.
        registered_by_us: now_us,
        crl_der: &inputs.crl,
        agents: &inputs.pinned,
        replay: &inputs.replay,
        policy: inputs.policy,
    };
    let der = ca::issue(&ctx, envelope_der, serial, now_us)?;
    Ok(Issued { der, serial })
}
