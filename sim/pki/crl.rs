//! Revocation: the CA's list of revoked certificates, the CRLs it publishes from it, and
//! the check a relying party (the CA itself for an envelope's signer, a DC for a logon
//! certificate) makes against a CRL.
//!
//! Publication schedule: the CA publishes a CRL when the run starts and again whenever the
//! current one reaches its nextUpdate (`pki.crl_validity` after its thisUpdate), and at
//! once when it revokes a certificate (as an administrator does with `certutil -crl` after
//! revoking a stolen agent). Which CRL is current at an instant is therefore a function of
//! the revocations made so far and of that instant; both ports compute it the same way, and
//! a check uses the CRL current at the instant the check completes, as known when the
//! server started on the request.

use der::asn1::{BitString, OctetString};
use der::{Decode, Encode};
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber};
use x509_cert::serial_number::SerialNumber;
use x509_cert::Version;

use super::asn1::extension;
use super::material::PkiMaterial;
use super::{oids, time, PkiError};

/// A certificate serial number as an integer: user certificates have 63-bit serials,
/// the PKI parties' certificates 2^64 + k (see `cert::infra_serial`).
pub type Serial = u128;

/// The X.509 form of `serial`.
pub(crate) fn serial_number(serial: Serial) -> SerialNumber {
    let bytes = serial.to_be_bytes();
    let first = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    SerialNumber::new(&bytes[first..]).expect("a u128 is a valid serial number")
}

/// The integer form of an X.509 serial, `None` when it does not fit 128 bits.
pub(crate) fn serial_of(sn: &SerialNumber) -> Option<Serial> {
    let b = sn.as_bytes();
    let b = match b {
        [0, rest @ ..] => rest,
        _ => b,
    };
    if b.len() > 16 {
        return None;
    }
    let mut out = [0u8; 16];
    out[16 - b.len()..].copy_from_slice(b);
    Some(Serial::from_be_bytes(out))
}

/// The CA's revocations and its publication schedule (Unix seconds throughout).
#[derive(Debug, Clone)]
pub(crate) struct RevocationList {
    /// When the first CRL is published (simulated time 0).
    start_s: i64,
    /// nextUpdate − thisUpdate of every CRL.
    validity_s: i64,
    /// (serial, revocation instant), in the order (and so the time order) they were made.
    entries: Vec<(Serial, i64)>,
}

/// What a CRL says about a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Not on a current CRL signed by the CA.
    Good,
    /// On it.
    Revoked,
    /// No current CRL signed by the CA could be read: a careful relying party refuses.
    Unknown,
}

impl RevocationList {
    /// No revocation; CRLs valid `validity_s` from `start_s` on.
    pub(crate) fn new(start_s: i64, validity_s: u64) -> Self {
        RevocationList {
            start_s,
            validity_s: i64::try_from(validity_s.max(1)).unwrap_or(i64::MAX),
            entries: Vec::new(),
        }
    }

    /// Revokes `serial` at `at_s` (a second revocation of the same serial is ignored).
    pub(crate) fn revoke(&mut self, serial: Serial, at_s: i64) {
        if !self.entries.iter().any(|(s, _)| *s == serial) {
            self.entries.push((serial, at_s));
        }
    }

    /// thisUpdate of the CRL current at `at_s`: the last scheduled publication, counting
    /// the schedule from the latest revocation made by then.
    pub(crate) fn this_update(&self, at_s: i64) -> i64 {
        let base = self
            .entries
            .iter()
            .rev()
            .map(|(_, t)| *t)
            .find(|t| *t <= at_s)
            .unwrap_or(self.start_s)
            .max(self.start_s);
        let since = at_s.saturating_sub(base).max(0);
        base + since / self.validity_s * self.validity_s
    }

    /// nextUpdate of a CRL published at `this_update`.
    pub(crate) fn next_update(&self, this_update: i64) -> i64 {
        this_update.saturating_add(self.validity_s)
    }

    /// The entries on the CRL published at `this_update`.
    pub(crate) fn entries_at(&self, this_update: i64) -> impl Iterator<Item = (Serial, i64)> + '_ {
        self.entries
            .iter()
            .copied()
            .filter(move |(_, t)| *t <= this_update)
    }

    /// How many entries the CRL published at `this_update` lists.
    pub(crate) fn len_at(&self, this_update: i64) -> usize {
        self.entries_at(this_update).count()
    }

    /// What the CRL current at `at_s` says about `serial`: what a check of the real CRL
    /// bytes finds, computed without them (the off mode).
    pub(crate) fn status(&self, serial: Serial, at_s: i64) -> Status {
        let p = self.this_update(at_s);
        if self.entries_at(p).any(|(s, _)| s == serial) {
            Status::Revoked
        } else {
            Status::Good
        }
    }
}

/// The CA signs the CRL current at `at_s`: thisUpdate, nextUpdate, every entry revoked by
/// then (reason keyCompromise), the CRL number (seconds since the first publication, so it
/// grows with every publication) and the CA's key identifier.
pub(crate) fn build(
    material: &PkiMaterial,
    list: &RevocationList,
    at_s: i64,
) -> Result<Vec<u8>, PkiError> {
    let this_update = list.this_update(at_s);
    let revoked: Vec<RevokedCert> = list
        .entries_at(this_update)
        .map(|(serial, t)| {
            Ok(RevokedCert {
                serial_number: serial_number(serial),
                revocation_date: time::x509_time(t)?,
                crl_entry_extensions: Some(vec![extension(
                    oids::ID_CE_CRL_REASONS,
                    false,
                    &CrlReason::KeyCompromise,
                )?]),
            })
        })
        .collect::<Result<_, PkiError>>()?;
    let number = u64::try_from(this_update - list.start_s + 1).unwrap_or(1);
    let key = material.ca_key();
    let tbs = TbsCertList {
        version: Version::V2,
        signature: key.alg().signature_algorithm(),
        issuer: material.ca_name().clone(),
        this_update: time::x509_time(this_update)?,
        next_update: Some(time::x509_time(list.next_update(this_update))?),
        revoked_certificates: (!revoked.is_empty()).then_some(revoked),
        crl_extensions: Some(vec![
            extension(
                oids::ID_CE_AUTHORITY_KEY_IDENTIFIER,
                false,
                &AuthorityKeyIdentifier {
                    key_identifier: Some(OctetString::new(material.ca_ski())?),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
            )?,
            extension(
                oids::ID_CE_CRL_NUMBER,
                false,
                &CrlNumber(der::asn1::Uint::new(&number.to_be_bytes())?),
            )?,
        ]),
    };
    let signature = key.sign(&tbs.to_der()?)?;
    Ok(CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: key.alg().signature_algorithm(),
        signature: BitString::from_bytes(&signature)?,
    }
    .to_der()?)
}

/// Checks `serial` against the CRL `crl_der` at `at_s`: the CRL must be the CA's (issuer
/// name and signature), current (thisUpdate ≤ at ≤ nextUpdate), and then the serial is
/// looked up in it.
pub(crate) fn check(
    crl_der: &[u8],
    material: &PkiMaterial,
    serial: &SerialNumber,
    at_s: i64,
) -> Status {
    let Ok(crl) = CertificateList::from_der(crl_der) else {
        return Status::Unknown;
    };
    let tbs = &crl.tbs_cert_list;
    if &tbs.issuer != material.ca_name() || tbs.signature != crl.signature_algorithm {
        return Status::Unknown;
    }
    let (Ok(msg), Some(sig)) = (tbs.to_der(), crl.signature.as_bytes()) else {
        return Status::Unknown;
    };
    if !material
        .ca_verifier()
        .verify(&crl.signature_algorithm, &msg, sig)
    {
        return Status::Unknown;
    }
    let this = tbs.this_update.to_unix_duration().as_secs();
    let next = tbs.next_update.map(|t| t.to_unix_duration().as_secs());
    let current = u64::try_from(at_s).is_ok_and(|at| this <= at && next.is_some_and(|n| at <= n));
    if !current {
        return Status::Unknown;
    }
    let listed = tbs
        .revoked_certificates
        .iter()
        .flatten()
        .any(|r| &r.serial_number == serial);
    if listed {
        Status::Revoked
    } else {
        Status::Good
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_round_trip() {
        for s in [1u128, 255, 256, 1 << 63, (1 << 64) + 2, u128::MAX] {
            assert_eq!(serial_of(&serial_number(s)), Some(s), "{s}");
        }
        assert_eq!(serial_number(7000), SerialNumber::from(7000u64));
    }

    #[test]
    fn the_schedule_restarts_at_each_revocation() {
        let day = 86_400;
        let mut l = RevocationList::new(1_000, 7 * day as u64);
        assert_eq!(l.this_update(1_000), 1_000);
        assert_eq!(l.this_update(1_000 + 7 * day - 1), 1_000);
        assert_eq!(l.this_update(1_000 + 7 * day), 1_000 + 7 * day);
        assert_eq!(l.status(42, 5_000), Status::Good);
        l.revoke(42, 2_000 + 3 * day);
        assert_eq!(l.this_update(2_000 + 3 * day - 1), 1_000);
        assert_eq!(l.status(42, 2_000 + 3 * day - 1), Status::Good);
        assert_eq!(l.status(42, 2_000 + 3 * day), Status::Revoked);
        assert_eq!(l.this_update(2_000 + 10 * day), 2_000 + 10 * day);
        assert_eq!(l.len_at(2_000 + 3 * day), 1);
        l.revoke(42, 9_999_999);
        assert_eq!(l.entries.len(), 1);
    }
}
