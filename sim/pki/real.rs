//! [`RealPki`]: the port with real cryptography behind every answer.

use std::sync::Arc;

use crate::model::pki_port::{
    CaAnswer, Envelope, EnvelopeSigner, InstallAnswer, Issued, Pending, PkiPort, RaAnswer, Refusal,
    Request, RequestKey,
};

use super::material::PkiMaterial;
use super::{ca, client, jobs, ra};

/// One simulation run's view of the real PKI: the shared material plus this run's DRS
/// registrations. Cheap to create (one per run); the material is shared by `Arc`.
///
/// The `start_*` forms hand the RA's, the CA's and the client's checks to the current
/// rayon pool when it has more than one thread (see `jobs`), so they are computed while
/// the event loop goes on; [`RealPki::inline`] computes them at once instead.
///
/// User indices must be below `material.users()`: `register_key` and `client_request`
/// panic otherwise (a model bug), while the checks answer with a refusal.
#[derive(Debug, Clone)]
pub struct RealPki {
    material: Arc<PkiMaterial>,
    registered: Vec<bool>,
    offload: bool,
    jobs: jobs::Jobs,
}

impl RealPki {
    /// A run with no key registered yet; server-side checks run on the rayon pool.
    pub fn new(material: Arc<PkiMaterial>) -> Self {
        let registered = vec![false; material.users()];
        RealPki {
            material,
            registered,
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

    fn is_registered(&self, user: u32) -> bool {
        self.registered.get(user as usize).copied().unwrap_or(false)
    }
}

impl PkiPort for RealPki {
    fn is_real(&self) -> bool {
        true
    }

    fn register_key(&mut self, user: u32) {
        let n = self.registered.len();
        let slot = self
            .registered
            .get_mut(user as usize)
            .unwrap_or_else(|| panic!("user {user} out of range: PKI material has {n} users"));
        *slot = true;
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

    fn ra_process(
        &mut self,
        user: u32,
        request: &Request,
        signer: EnvelopeSigner,
        _now_us: u64,
    ) -> Result<Envelope, Refusal> {
        ra_answer(
            &self.material,
            user,
            self.is_registered(user),
            &request.der,
            signer,
        )
    }

    fn ca_issue(
        &mut self,
        user: u32,
        envelope: &Envelope,
        serial: u64,
        now_us: u64,
    ) -> Result<Issued, Refusal> {
        ca_answer(&self.material, user, &envelope.der, serial, now_us)
    }

    fn client_install(&mut self, user: u32, issued: &Issued, now_us: u64) -> Result<(), Refusal> {
        client::install(&self.material, user, &issued.der, issued.serial, now_us)
    }

    fn start_ra(
        &mut self,
        user: u32,
        request: Request,
        signer: EnvelopeSigner,
        now_us: u64,
    ) -> Pending<RaAnswer> {
        if !self.offload {
            return Pending::Ready(self.ra_process(user, &request, signer, now_us));
        }
        let material = Arc::clone(&self.material);
        // DRS registration is read now, when the RA starts on the request.
        let registered = self.is_registered(user);
        self.jobs
            .start(move || ra_answer(&material, user, registered, &request.der, signer))
    }

    fn start_ca(
        &mut self,
        user: u32,
        envelope: Envelope,
        serial: u64,
        now_us: u64,
    ) -> Pending<CaAnswer> {
        if !self.offload {
            return Pending::Ready(self.ca_issue(user, &envelope, serial, now_us));
        }
        let material = Arc::clone(&self.material);
        self.jobs
            .start(move || ca_answer(&material, user, &envelope.der, serial, now_us))
    }

    fn start_install(&mut self, user: u32, issued: Issued, now_us: u64) -> Pending<InstallAnswer> {
        if !self.offload {
            return Pending::Ready(self.client_install(user, &issued, now_us));
        }
        let material = Arc::clone(&self.material);
        self.jobs
            .start(move || client::install(&material, user, &issued.der, issued.serial, now_us))
    }
}

/// The RA's answer, the same whether computed inline or on a worker thread.
fn ra_answer(
    material: &PkiMaterial,
    user: u32,
    registered: bool,
    request_der: &[u8],
    signer: EnvelopeSigner,
) -> Result<Envelope, Refusal> {
    let der = ra::process(material, user, registered, request_der, signer)?;
    Ok(Envelope {
        der,
        signer: Some(signer),
    })
}

/// The CA's answer, the same whether computed inline or on a worker thread.
fn ca_answer(
    material: &PkiMaterial,
    user: u32,
    envelope_der: &[u8],
    serial: u64,
    now_us: u64,
) -> Result<Issued, Refusal> {
    let der = ca::issue(material, user, envelope_der, serial, now_us)?;
    Ok(Issued { der, serial })
}
