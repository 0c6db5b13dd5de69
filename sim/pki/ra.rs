//! The AD FS registration authority: checks the client's PKCS#10 and countersigns it for
//! the CA with its enrollment-agent certificate.

use crate::model::pki_port::{EnvelopeSigner, Refusal};

use super::material::PkiMaterial;
use super::{envelope, request};

/// Checks `request_der` for `user` and returns the CMS SignedData for the CA.
///
/// Order: the request's self-signature (`BadRequestSignature`: unparseable requests too),
/// then the DRS registration (`KeyNotRegistered`), then the key comparison
/// (`KeyMismatch`). `registered` tells whether DRS holds a key for `user`; the registered
/// key is the user's own key from the material.
pub fn process(
    material: &PkiMaterial,
    user: u32,
    registered: bool,
    request_der: &[u8],
    signer: EnvelopeSigner,
) -> Result<Vec<u8>, Refusal> {
    let req = request::verify(request_der).ok_or(Refusal::BadRequestSignature)?;
    if !registered || !material.has_user(user) {
        return Err(Refusal::KeyNotRegistered);
    }
    if req.spki_der != material.user_spki_der(user) {
        return Err(Refusal::KeyMismatch);
    }
    let party = match signer {
        EnvelopeSigner::EnrollmentAgent => &material.agent,
        EnvelopeSigner::NonAgent => &material.non_agent,
    };
    Ok(envelope::build(request_der, &party.key, &party.cert)
        .expect("signing with a loaded key and encoding an envelope we build cannot fail"))
}
