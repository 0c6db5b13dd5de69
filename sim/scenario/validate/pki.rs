//! `[pki]`: the real PKI's dates, validity periods, key cache and realm, and the CA's
//! `ca.envelope_max_age` (its check of signed requests, reported among them).

use super::checker::Checker;
use crate::engine::time::SECOND;
use crate::scenario::calendar::parse_epoch;
use crate::scenario::schema::Spec;

/// What `pki.key_cache` may be, for its refusal.
pub const KEY_CACHE_ALLOWED: &str = "a folder path, or the key left out for the default ($WHFB_SIM_KEY_CACHE, else $XDG_CACHE_HOME, else ~/.cache)";

/// Longest Kerberos realm (a DNS name's limit).
const MAX_REALM_LEN: usize = 253;

/// Whether `realm` is an uppercase DNS-like name, the form AD gives a domain's realm
/// (`CONTOSO.COM`): what goes into the KDC certificate's principal name.
pub(super) fn is_realm(realm: &str) -> bool {
    !realm.is_empty()
        && realm.len() <= MAX_REALM_LEN
        && realm.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// The epoch and every date derived from it, validity periods of at least the
/// resolution their formats have, a non-empty key cache and an uppercase realm.
pub(super) fn pki(c: &mut Checker, spec: &Spec) {
    match parse_epoch(&spec.pki.epoch) {
        Err(msg) => c.fail("pki.epoch", msg.to_string()),
        Ok(epoch) => c
            .problems
            .extend(crate::scenario::pki_dates::problems(epoch, spec)),
    }
    c.positive("pki.cert_validity", spec.pki.cert_validity.0);
    if spec
        .pki
        .key_cache
        .as_deref()
        .is_some_and(|k| k.trim().is_empty())
    {
        c.fail(
            "pki.key_cache",
            format!("an empty folder is not allowed; allowed: {KEY_CACHE_ALLOWED}"),
        );
    }

    c.at_least_step(
        "ca.envelope_max_age",
        spec.ca.envelope_max_age.0,
        SECOND,
        "signingTime has one-second resolution",
    );
    c.at_least_step(
        "pki.crl_validity",
        spec.pki.crl_validity.0,
        SECOND,
        "CRL times have one-second resolution",
    );
    c.positive("pki.agent_reenroll", spec.pki.agent_reenroll.0);
    if !is_realm(&spec.pki.realm) {
        c.fail(
            "pki.realm",
            format!(
                "{:?} is not allowed; allowed: an uppercase DNS-like name such as \"CONTOSO.COM\": labels of A-Z, 0-9 and '-' (not at a label's ends) separated by dots, at most {MAX_REALM_LEN} characters",
                spec.pki.realm
            ),
        );
    }
}
