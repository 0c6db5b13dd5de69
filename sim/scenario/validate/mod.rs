//! Checks that a resolved configuration makes sense, beyond what the types enforce. Each
//! problem names its key and what is allowed. One module per section of the file; they
//! run in the file's order, so problems come in that order too.

mod attacks;
mod checker;
mod device;
mod farm;
mod faults;
mod pki;
mod report;
mod services;
mod signin;
mod top;

use super::fault::FaultWindow;
use super::keypath::KeyPath;
use super::schema::Spec;
use crate::engine::time::SECOND;
use checker::Checker;

pub use farm::{MAX_ADFS_SERVERS, MAX_WORKERS};
pub use pki::KEY_CACHE_ALLOWED;
pub use signin::MIN_SIGNIN_CYCLE;

/// A problem with one key.
pub(crate) type Problem = (KeyPath, String);

/// Shortest wait after a DRS throttle, enrollment period and sync interval (even with
/// `allow_below_minimum`): at zero these loops repeat without time passing.
pub(crate) const MIN_LOOP_STEP: u64 = SECOND;

/// Every problem of `spec`; empty when it is valid.
pub fn validate(spec: &Spec) -> Vec<Problem> {
    check(spec).0
}

/// `spec` with the typed values validation derives filled in (its fault windows), or
/// every problem of it: the only way a loaded scenario gets them, so whatever reads them
/// reads checked values.
pub(crate) fn validated(mut spec: Spec) -> Result<Spec, Vec<Problem>> {
    let (problems, faults) = check(&spec);
    if !problems.is_empty() {
        return Err(problems);
    }
    spec.faults = faults;
    Ok(spec)
}

/// Every problem of `spec`, section by section in the file's order, and, for the fault
/// windows without one, their typed windows.
fn check(spec: &Spec) -> (Vec<Problem>, Vec<FaultWindow>) {
    let mut c = Checker {
        problems: Vec::new(),
    };
    top::top(&mut c, spec);
    signin::signin(&mut c, spec);
    device::prerequisites(&mut c, spec);
    device::mfa(&mut c, spec);
    device::pin(&mut c, spec);
    device::key(&mut c, spec);
    services::drs(&mut c, spec);
    services::aad_connect(&mut c, spec);
    services::enrollment(&mut c, spec);
    farm::farm(&mut c, spec);
    pki::pki(&mut c, spec);
    let windows = faults::faults(&mut c, spec);
    attacks::attacks(&mut c, spec);
    report::report(&mut c, spec);
    (c.problems, windows)
}

#[cfg(test)]
mod tests;
