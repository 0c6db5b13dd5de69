//! The simulated directory a run's CA, RA and DC consult: who each user is (account name,
//! UPN, distinguished name, SID) and which key DRS registered for them.
//!
//! Names follow one scheme — user `i` is `CONTOSO\user{i}`, `user{i}@<domain>`,
//! `CN=user{i},CN=Users,DC=contoso,DC=com`, SID `<domain SID>-{1000 + i}` — so a lookup by
//! name is a parse, not a search, and costs nothing per request. The registrations are
//! per run (a run starts with no key registered): they are written on the event loop's
//! thread at DRS registration and read by the checks running on worker threads.

use std::sync::atomic::{AtomicU64, Ordering};

use der::asn1::{Ia5String, SetOfVec, Utf8StringRef};
use der::Any;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use super::{oids, PkiError};

/// NetBIOS name of the simulated domain: the `CONTOSO\` prefix of `requestername`.
pub(crate) const NETBIOS_NAME: &str = "CONTOSO";

/// The domain's SID: every user's SID is this plus a relative id (RID).
pub(crate) const SID_PREFIX: &str = "S-1-5-21-3623811015-3361044348-30300820";

/// RID of user 0 (RIDs below 1000 are well-known accounts).
const FIRST_RID: u64 = 1000;

/// sAMAccountName of user `i`.
pub(crate) fn account_name(user: u32) -> String {
    format!("user{user}")
}

/// The `requestername` value an enrollment agent writes for user `i`: `CONTOSO\user{i}`.
pub(crate) fn requester_name(user: u32) -> String {
    format!("{NETBIOS_NAME}\\user{user}")
}

/// objectSid of user `i`, as the string the SID extension carries.
pub fn sid(user: u32) -> String {
    format!("{SID_PREFIX}-{}", FIRST_RID + u64::from(user))
}

/// The user index an account name (`user{i}`, canonical decimal) stands for.
fn index_of_account(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("user")?;
    // Canonical only: no sign, no leading zero (`user07` is not `user7`'s name).
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    digits.parse().ok()
}

/// The distinguished name of user `i` in the `CN=Users` container of `upn_domain`'s
/// domain (`contoso.com` → `DC=com,DC=contoso`), as AD CS writes it into the subject when
/// a template builds it from AD (fully distinguished name).
pub(crate) fn user_dn(user: u32, upn_domain: &str) -> Result<Name, PkiError> {
    let mut rdns = Vec::new();
    for label in upn_domain.rsplit('.') {
        rdns.push(rdn(oids::DC, Any::encode_from(&Ia5String::new(label)?)?)?);
    }
    rdns.push(rdn(
        oids::COMMON_NAME,
        Any::encode_from(&Utf8StringRef::new("Users")?)?,
    )?);
    rdns.push(rdn(
        oids::COMMON_NAME,
        Any::encode_from(&Utf8StringRef::new(&account_name(user))?)?,
    )?);
    Ok(RdnSequence(rdns))
}

fn rdn(
    oid: const_oid::ObjectIdentifier,
    value: Any,
) -> Result<RelativeDistinguishedName, PkiError> {
    Ok(RelativeDistinguishedName(SetOfVec::try_from(vec![
        AttributeTypeAndValue { oid, value },
    ])?))
}

/// The common name of the last RDN of `name` (the account name, for a user's DN), if it
/// is a UTF8String, PrintableString or IA5String.
pub(crate) fn leaf_cn(name: &Name) -> Option<String> {
    let atv = name
        .0
        .last()?
        .0
        .iter()
        .find(|a| a.oid == oids::COMMON_NAME)?;
    der::asn1::Utf8StringRef::try_from(&atv.value)
        .map(|s| s.as_str().to_owned())
        .or_else(|_| {
            der::asn1::PrintableStringRef::try_from(&atv.value).map(|s| s.as_str().to_owned())
        })
        .or_else(|_| der::asn1::Ia5StringRef::try_from(&atv.value).map(|s| s.as_str().to_owned()))
        .ok()
}

/// Never registered.
const NEVER: u64 = u64::MAX;

/// The run's directory of `users` users: names (computed) and, per user, the simulated
/// instant DRS registered their key.
#[derive(Debug)]
pub struct Directory {
    upn_domain: String,
    registered_at: Vec<AtomicU64>,
}

impl Directory {
    /// A directory of `users` users of `upn_domain`, none with a registered key.
    pub fn new(users: usize, upn_domain: &str) -> Self {
        Directory {
            upn_domain: upn_domain.to_owned(),
            registered_at: (0..users).map(|_| AtomicU64::new(NEVER)).collect(),
        }
    }

    /// Number of accounts.
    pub fn users(&self) -> usize {
        self.registered_at.len()
    }

    /// UPN of user `i`.
    pub(crate) fn upn(&self, user: u32) -> String {
        format!("user{user}@{}", self.upn_domain)
    }

    /// Records that DRS registered user `user`'s key at `now_us` (the first registration
    /// counts). Out-of-range users are ignored: they have no account.
    pub fn register(&self, user: u32, now_us: u64) {
        if let Some(slot) = self.registered_at.get(user as usize) {
            // Only the event loop writes, in time order: keep the first instant.
            let _ = slot.compare_exchange(NEVER, now_us, Ordering::Release, Ordering::Relaxed);
        }
    }

    /// Whether user `user`'s key was registered at or before `at_us`. The event loop
    /// registers a key before it starts any check that happens after the registration,
    /// so a check reads the same answer whichever thread computes it and when.
    pub(crate) fn registered(&self, user: u32, at_us: u64) -> bool {
        self.registered_at
            .get(user as usize)
            .is_some_and(|s| s.load(Ordering::Acquire) <= at_us)
    }

    /// The account `CONTOSO\name` resolves to, if the domain is ours and the account
    /// exists.
    pub(crate) fn resolve_requester(&self, requester: &str) -> Option<u32> {
        let (domain, name) = requester.split_once('\\')?;
        if !domain.eq_ignore_ascii_case(NETBIOS_NAME) {
            return None;
        }
        self.account(name)
    }

    /// The account with sAMAccountName `name`, if it exists.
    pub fn account(&self, name: &str) -> Option<u32> {
        index_of_account(name).filter(|&i| (i as usize) < self.users())
    }

    /// The account whose UPN is `upn`, if it exists.
    pub(crate) fn account_by_upn(&self, upn: &str) -> Option<u32> {
        let (name, domain) = upn.rsplit_once('@')?;
        if !domain.eq_ignore_ascii_case(&self.upn_domain) {
            return None;
        }
        self.account(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_only_to_existing_accounts() {
        let d = Directory::new(10, "contoso.com");
        assert_eq!(d.resolve_requester(&requester_name(7)), Some(7));
        assert_eq!(d.resolve_requester("contoso\\user3"), Some(3));
        assert_eq!(d.resolve_requester("FABRIKAM\\user3"), None);
        assert_eq!(d.resolve_requester("user3"), None);
        assert_eq!(d.resolve_requester("CONTOSO\\user10"), None);
        assert_eq!(d.resolve_requester("CONTOSO\\user03"), None);
        assert_eq!(d.resolve_requester("CONTOSO\\user+3"), None);
        assert_eq!(d.account_by_upn("user9@contoso.com"), Some(9));
        assert_eq!(d.account_by_upn("user9@fabrikam.com"), None);
        assert_eq!(sid(5), format!("{SID_PREFIX}-1005"));
        let dn = user_dn(4, "contoso.com").unwrap();
        assert_eq!(dn.to_string(), "CN=user4,CN=Users,DC=contoso,DC=com");
        assert_eq!(leaf_cn(&dn).as_deref(), Some("user4"));
    }

    #[test]
    fn registration_is_visible_from_its_instant_on() {
        let d = Directory::new(3, "contoso.com");
        assert!(!d.registered(1, u64::MAX - 1));
        d.register(1, 500);
        d.register(1, 900);
        assert!(!d.registered(1, 499));
        assert!(d.registered(1, 500));
        d.register(99, 0);
        assert!(!d.registered(99, 1_000));
    }
}
