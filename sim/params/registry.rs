//! The table of every scenario key. Each published default names its document (a public
//! link) and what it states; each estimate says why it is what it is and gives the low
//! and high a planner might plausibly meet; each decision says what the planner chooses.
//! docs/model.md explains the provisioning flow these keys drive, with the same links.

use super::{Param, Scope, Source, SourceKind, Type};

// The public documents the defaults and docs/model.md cite. Each was read for the
// statement the registry attributes to it; docs/model.md lists them all.
const PROVISIONING: (&str, &str) = (
    "How Windows Hello for Business provisioning works (Microsoft Learn)",
    "https://learn.microsoft.com/en-us/windows/security/identity-protection/hello-for-business/how-it-works-provisioning",
);
/// The 2018 text of the provisioning page, the only one that gives the deferred-enrollment
/// retry schedule (the current page no longer describes enrollment without KB4088889).
const PROVISIONING_2018: (&str, &str) = (
    "Windows Hello for Business Provisioning, May 2018 version of the page (MicrosoftDocs/windows-itpro-docs on GitHub)",
    "https://github.com/MicrosoftDocs/windows-itpro-docs/blob/022c8c59127b01273c0b603e03a123575eb98fca/windows/security/identity-protection/hello-for-business/hello-how-it-works-provisioning.md",
);
const HYBRID_CERT_TRUST: (&str, &str) = (
    "Configure and provision Windows Hello for Business - hybrid certificate trust (Microsoft Learn)",
    "https://learn.microsoft.com/en-us/windows/security/identity-protection/hello-for-business/deploy/hybrid-cert-trust-enroll",
);
const HYBRID_CERT_PKI: (&str, &str) = (
    "Configure and validate the PKI in a hybrid certificate trust model (Microsoft Learn)",
    "https://learn.microsoft.com/en-us/windows/security/identity-protection/hello-for-business/deploy/hybrid-cert-trust-pki",
);
const KB4088889: (&str, &str) = (
    "March 22, 2018 - KB4088889 (OS Build 14393.2155) (Microsoft Support)",
    "https://support.microsoft.com/help/4088889",
);
const SCHEDULER: (&str, &str) = (
    "Microsoft Entra Connect Sync: Scheduler (Microsoft Learn)",
    "https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/how-to-connect-sync-feature-scheduler",
);
const CONNECT_PERFORMANCE: (&str, &str) = (
    "Factors influencing the performance of Microsoft Entra Connect (Microsoft Learn)",
    "https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/plan-connect-performance-factors",
);
const DEVICE_REGISTRATION: (&str, &str) = (
    "How Microsoft Entra device registration works (Microsoft Learn)",
    "https://learn.microsoft.com/en-us/entra/identity/devices/device-registration-how-it-works",
);
const HYBRID_JOIN_TROUBLESHOOT: (&str, &str) = (
    "Troubleshoot Microsoft Entra hybrid joined devices (Microsoft Learn)",
    "https://learn.microsoft.com/en-us/entra/identity/devices/troubleshoot-hybrid-join-windows-current",
);
const PASSPORT_CSP: (&str, &str) = (
    "PassportForWork CSP (Microsoft Learn)",
    "https://learn.microsoft.com/en-us/windows/client-management/mdm/passportforwork-csp",
);
const ADFS_CAPACITY: (&str, &str) = (
    "Extend on-premises AD FS to Azure: performance efficiency (Azure Architecture Center, Microsoft Learn)",
    "https://learn.microsoft.com/en-us/azure/architecture/reference-architectures/identity/adfs",
);
const AUTOENROLLMENT: (&str, &str) = (
    "How Autoenrollment Works (Windows Server 2003 technical reference, Microsoft Learn previous versions)",
    "https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2003/cc787781(v=ws.10)",
);
const KB5014754: (&str, &str) = (
    "KB5014754: Certificate-based authentication changes on Windows domain controllers (Microsoft Support)",
    "https://support.microsoft.com/topic/kb5014754-certificate-based-authentication-changes-on-windows-domain-controllers-ad2c23b0-15d8-4340-a468-4d4f3b188f16",
);
const CA_CAPACITY: (&str, &str) = (
    "Evaluating CA Capacity, Performance, and Scalability (Windows Server 2003, Microsoft Learn previous versions)",
    "https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2003/cc778985(v=ws.10)",
);
const KEY_TRUST: (&str, &str) = (
    "Configure and enroll in Windows Hello for Business - hybrid key trust (Microsoft Learn)",
    "https://learn.microsoft.com/en-us/windows/security/identity-protection/hello-for-business/deploy/hybrid-key-trust-enroll",
);
const DEVICE_WRITEBACK: (&str, &str) = (
    "Microsoft Entra Connect: Enabling device writeback (Microsoft Learn)",
    "https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/how-to-connect-device-writeback",
);
const CLOUD_KERBEROS: (&str, &str) = (
    "Windows Hello for Business cloud Kerberos trust deployment (Microsoft Learn)",
    "https://learn.microsoft.com/en-us/windows/security/identity-protection/hello-for-business/deploy/hybrid-cloud-kerberos-trust",
);

const fn published(doc: (&'static str, &'static str), says: &'static str) -> Source {
    Source {
        kind: SourceKind::Published,
        title: doc.0,
        url: doc.1,
        says,
    }
}

const fn estimate(why: &'static str) -> Source {
    Source {
        kind: SourceKind::Estimate,
        title: "",
        url: "",
        says: why,
    }
}

const fn decision(what: &'static str) -> Source {
    Source {
        kind: SourceKind::Decision,
        title: "",
        url: "",
        says: what,
    }
}

const fn decision_per(doc: (&'static str, &'static str), what: &'static str) -> Source {
    Source {
        kind: SourceKind::Decision,
        title: doc.0,
        url: doc.1,
        says: what,
    }
}

/// A key with no range and no refused example; add them with the methods below.
// One argument per column of the table below: a struct literal per row would triple it.
#[allow(clippy::too_many_arguments)]
const fn p(
    key: &'static str,
    ty: Type,
    unit: &'static str,
    default: &'static str,
    allowed: &'static str,
    meaning: &'static str,
    source: Source,
    scope: Scope,
) -> Param {
    Param {
        key,
        ty,
        unit,
        default,
        allowed,
        meaning,
        source,
        low: None,
        high: None,
        scope,
        invalid: None,
    }
}

impl Param {
    const fn range(mut self, low: &'static str, high: &'static str) -> Param {
        self.low = Some(low);
        self.high = Some(high);
        self
    }

    const fn refuses(mut self, invalid: &'static str) -> Param {
        self.invalid = Some(invalid);
        self
    }
}

const DIST: &str = "a distribution of durations: { dist = \"lognormal\", median, p95 }, exponential (mean), gamma (shape, scale), weibull (shape, scale), normal (mean, sd), uniform (min, max), fixed (value), empirical (values, weights), or a bare duration";
const SHARE: &str = "a number from 0 to 1";
const SHARE_BELOW_ONE: &str = "a number from 0 up to (not including) 1";
const POSITIVE: &str = "a positive duration";

use Scope::*;
use Type::*;

/// Every key, in the order `whfb-sim scenario` prints them.
static PARAMS: &[Param] = &[
    p("name", Text, "", "\"default\"", "a plain file name of letters, digits, '-', '_' and '.', starting with a letter or digit, at most 100 characters", "Names the scenario and its report folder.", decision("what the planner calls the scenario"), Always).refuses("\"../x\""),
    p("description", Text, "", "\"2,000 users sign in on Monday morning; pre-KB4088889 vs post-KB4088889 AD FS\"", "any text", "One line saying what the scenario is for.", decision("free text for the reports"), Always),
    p("seed", Integer, "", "20261125", "0 or more", "Seed of every random stream: the same seed gives the same users and the same files.", decision("any seed; change it to see another sample"), Always),
    p("users", Integer, "users", "2000", "1 to 50,000,000", "Simulated users, one device each.", decision("the population the policy reaches"), Always).refuses("0"),
    p("replications", Integer, "", "1", "1 to 10,000", "Independent replications of the whole population, for intervals.", decision("more replications, narrower intervals"), Always).refuses("0"),
    p("horizon", Duration, "", "\"14d\"", POSITIVE, "Simulated span from Monday 00:00, when the policy applies; users not done by then are pending.", decision("how long the rollout is watched"), Always).refuses("\"0s\""),
    p("trust", Choice, "", "\"certificate\"", "\"certificate\", \"key\" or \"cloud_kerberos\"", "The hybrid trust model the users provision for: what \"usable on-prem\" waits for.", decision_per(HYBRID_CERT_TRUST, "the deployment model being planned; key trust and cloud Kerberos trust are the alternatives docs/model.md compares"), Always),
    // [signin]
    p("signin.waves", List, "", "[{ start = \"07:30\", end = \"09:30\", share = 0.75 }, { start = \"12:30\", end = \"13:30\", share = 0.15 }, { start = \"1d7h30m\", end = \"1d10h\", share = 0.10 }]", "windows { start, end, share } with shares above 0 summing to 1", "When users first sign in after the policy applies: uniform within each window.", decision("when the policy reaches people (a Monday morning, after lunch, Tuesday stragglers by default); a pilot's sign-in log gives it"), Always),
    p("signin.trace", Text, "", "\"(left out)\"", "a CSV file with the columns user,time", "Real sign-ins replayed instead of the waves (and, for users with later rows, the away times); users follows it. `fit` writes one (signins.csv).", decision("a pilot's own sign-ins, when a scenario reproduces a pilot"), Always).refuses("\"\""),
    p("signin.session", Distribution, "", "{ dist = \"lognormal\", median = \"4h\", p95 = \"9h\" }", DIST, "How long a user stays signed in: deferred enrollment retries happen only while signed in.", estimate("a working day split by a lunch break or a lock; nothing published"), Always).range("{ dist = \"lognormal\", median = \"1h\", p95 = \"4h\" }", "{ dist = \"lognormal\", median = \"8h\", p95 = \"12h\" }"),
    p("signin.away", Distribution, "", "{ dist = \"lognormal\", median = \"15h\", p95 = \"40h\" }", DIST, "From sign-out to the next sign-in; nights and weekends make its tail.", estimate("an overnight gap with weekends in the tail; nothing published"), Always).range("{ dist = \"lognormal\", median = \"6h\", p95 = \"16h\" }", "{ dist = \"lognormal\", median = \"30h\", p95 = \"80h\" }"),
    // [prerequisites]
    p("prerequisites.joined_share", Share, "", "0.95", SHARE, "Share of devices already hybrid joined (and written back) when the policy applies; the others provision at a later sign-in.", estimate("depends entirely on how long hybrid join has been deployed; the one guess most tail figures hang on"), Always).range("0.9", "0.99").refuses("1.5"),
    p("prerequisites.join", Choice, "", "\"federated\"", "\"federated\" or \"sync\"", "How a device not yet joined joins: at once with DRS (federated) or after its computer object is synced (managed domain).", decision("the domain's authentication (federated or managed)"), Joining),
    p("prerequisites.join_retry", Duration, "", "\"1h\"", POSITIVE, "The Automatic-Device-Join task runs at sign-in and retries this often.", published(DEVICE_REGISTRATION, "the Automatic Device Join task is triggered at domain join and each user sign-in, and retried every hour"), Joining).refuses("\"0s\""),
    p("prerequisites.device_registration", Distribution, "", "{ dist = \"lognormal\", median = \"5s\", p95 = \"15s\" }", DIST, "Duration of the device registration call.", estimate("one DRS round trip plus key work; nothing published"), Joining).range("{ dist = \"lognormal\", median = \"2s\", p95 = \"5s\" }", "{ dist = \"lognormal\", median = \"15s\", p95 = \"60s\" }"),
    // [pin_page]
    p("pin_page.think", Distribution, "", "{ dist = \"lognormal\", median = \"8s\", p95 = \"45s\" }", DIST, "Time until the user clicks the full-screen \"Set up a PIN\" page.", estimate("reading one page; a tail of users who walk away"), Always).range("{ dist = \"lognormal\", median = \"3s\", p95 = \"15s\" }", "{ dist = \"lognormal\", median = \"20s\", p95 = \"120s\" }"),
    // [mfa]
    p("mfa.response", Distribution, "", "{ dist = \"lognormal\", median = \"15s\", p95 = \"45s\" }", DIST, "Time for the user to answer the MFA prompt.", estimate("a phone push answered within seconds, slower for a code; nothing published"), Always).range("{ dist = \"lognormal\", median = \"8s\", p95 = \"20s\" }", "{ dist = \"lognormal\", median = \"30s\", p95 = \"90s\" }"),
    p("mfa.p_fail", Share, "", "0.03", SHARE, "Probability an MFA attempt fails (wrong answer, denied): an error and a retry.", estimate("failure and timeout together about 5 %; nothing published"), Always).range("0.01", "0.08").refuses("-0.1"),
    p("mfa.p_timeout", Share, "", "0.02", SHARE, "Probability the user never answers: the flow waits for the timeout.", estimate("failure and timeout together about 5 %; nothing published"), Always).range("0.005", "0.05").refuses("2"),
    p("mfa.timeout", Duration, "", "\"60s\"", POSITIVE, "How long the flow waits for an MFA answer.", estimate("no timeout is documented for the MFA step of provisioning; about a minute assumed"), Always).range("\"30s\"", "\"120s\"").refuses("\"0s\""),
    p("mfa.retry_think", Distribution, "", "{ dist = \"lognormal\", median = \"5s\", p95 = \"20s\" }", DIST, "Time to click \"retry\" after an MFA error.", estimate("one click after reading an error"), Always).range("{ dist = \"lognormal\", median = \"2s\", p95 = \"8s\" }", "{ dist = \"lognormal\", median = \"15s\", p95 = \"60s\" }"),
    p("mfa.max_attempts", Integer, "attempts", "3", "1 or more", "MFA attempts in one sign-in before the user leaves provisioning until the next sign-in.", estimate("few users retry more than a few times"), Always).range("1", "5").refuses("0"),
    p("mfa.reuse", Duration, "", "\"10m\"", "a duration", "An MFA done this recently is not asked again.", published(PROVISIONING, "a user who completed Microsoft Entra MFA within the last 10 minutes is not prompted for MFA again"), Always),
    p("mfa.max_abandoned_signins", Integer, "sign-ins", "3", "1 or more", "Sign-ins on which the user left provisioning before they stop for good (gave_up).", estimate("users who skip the prompt a few times stop trying"), Always).range("1", "10").refuses("0"),
    // [pin]
    p("pin.entry", Distribution, "", "{ dist = \"lognormal\", median = \"20s\", p95 = \"60s\" }", DIST, "Time to enter and confirm a PIN.", estimate("typing a PIN twice; nothing published"), Always).range("{ dist = \"lognormal\", median = \"10s\", p95 = \"30s\" }", "{ dist = \"lognormal\", median = \"40s\", p95 = \"120s\" }"),
    p("pin.p_reject", Share, "", "0.07", SHARE_BELOW_ONE, "Probability the complexity policy rejects an entry (the user enters it again).", estimate("5–10 % with a default PIN policy; nothing published"), Always).range("0.02", "0.15").refuses("1"),
    // [key]
    p("key.tpm_firmware_share", Share, "", "0.70", SHARE, "Share of devices with a firmware TPM.", estimate("most business laptops since 2016 have a firmware TPM; the fleet's inventory gives it"), Always).range("0.4", "0.75").refuses("1.2"),
    p("key.tpm_discrete_share", Share, "", "0.25", SHARE, "Share of devices with a discrete TPM; the rest have no usable TPM.", estimate("older desktops and some laptops; the fleet's inventory gives it"), Always).range("0.05", "0.3").refuses("-1"),
    p("key.pregen_share", Share, "", "0.5", SHARE, "Share of TPM devices whose key pre-generation pool holds a ready key.", estimate("Windows pre-generates keys in a scheduled task (KeyPreGenTask); how often one is ready is not published"), Always).range("0.1", "0.9").refuses("1.5"),
    p("key.require_tpm", Bool, "", "false", "true or false", "RequireSecurityDevice: a device without a usable TPM cannot provision (no_tpm).", published(PASSPORT_CSP, "RequireSecurityDevice defaults to false: every device can provision, with a software key when no TPM is usable; true limits provisioning to devices with a usable TPM"), Always),
    p("key.pregen", Distribution, "", "\"50ms\"", DIST, "Taking a pre-generated key from the pool.", estimate("a key already made: about nothing"), Always).range("\"10ms\"", "\"500ms\""),
    p("key.firmware", Distribution, "", "{ dist = \"lognormal\", median = \"2s\", p95 = \"5s\" }", DIST, "RSA-2048 key generation in a firmware TPM.", estimate("no vendor table; firmware TPMs take seconds"), Always).range("{ dist = \"lognormal\", median = \"500ms\", p95 = \"2s\" }", "{ dist = \"lognormal\", median = \"5s\", p95 = \"15s\" }"),
    p("key.discrete", Distribution, "", "{ dist = \"lognormal\", median = \"8s\", p95 = \"30s\" }", DIST, "RSA-2048 key generation in a discrete TPM.", estimate("no vendor table; discrete TPMs take seconds to a minute or two"), Always).range("{ dist = \"lognormal\", median = \"2s\", p95 = \"8s\" }", "{ dist = \"lognormal\", median = \"30s\", p95 = \"120s\" }"),
    p("key.software", Distribution, "", "{ dist = \"lognormal\", median = \"200ms\", p95 = \"500ms\" }", DIST, "Software RSA-2048 key generation (no usable TPM).", estimate("a CPU generates an RSA-2048 key in a fraction of a second"), Always).range("{ dist = \"lognormal\", median = \"100ms\", p95 = \"250ms\" }", "{ dist = \"lognormal\", median = \"1s\", p95 = \"3s\" }"),
    // [drs]
    p("drs.latency", Distribution, "", "{ dist = \"lognormal\", median = \"1s\", p95 = \"5s\" }", DIST, "Key registration call to the Device Registration Service.", estimate("one cloud round trip with a signature check; nothing published"), Always).range("{ dist = \"lognormal\", median = \"300ms\", p95 = \"1s\" }", "{ dist = \"lognormal\", median = \"3s\", p95 = \"15s\" }"),
    p("drs.p_throttle", Share, "", "0.005", SHARE_BELOW_ONE, "Probability a DRS call is throttled (\"try after 300 seconds\").", estimate("rare outside mass enrollments"), Always).range("0.0", "0.05").refuses("1"),
    p("drs.throttle_backoff", Duration, "", "\"300s\"", "1s or more", "Wait after a throttle before the client calls again.", published(HYBRID_JOIN_TROUBLESHOOT, "DRS answers a throttled registration request with \"Please try after 300 seconds\" (said of device join; the same wait is assumed for key registration)"), Always).refuses("\"0s\""),
    p("drs.receipt_validation", Distribution, "", "{ dist = \"lognormal\", median = \"150ms\", p95 = \"600ms\" }", DIST, "AD FS validating a key receipt against DRS (patched server, key not yet in AD).", estimate("one call from AD FS to the cloud; nothing published"), Patched).range("{ dist = \"lognormal\", median = \"50ms\", p95 = \"200ms\" }", "{ dist = \"lognormal\", median = \"500ms\", p95 = \"2s\" }"),
    // [aad_connect]
    p("aad_connect.interval", Duration, "", "\"30m\"", "30m or more, or set aad_connect.allow_below_minimum = true", "Time between sync cycle starts.", decision_per(SCHEDULER, "the scheduler's interval: 30 minutes by default; AllowedSyncCycleInterval is the shortest supported, and a shorter custom interval is raised to it"), SyncedKey).refuses("\"10m\""),
    p("aad_connect.allow_below_minimum", Bool, "", "false", "true or false", "Allows an interval under 30 minutes (the product raises it to 30; lab use only).", decision("lab use"), SyncedKey),
    p("aad_connect.phase", Duration, "", "\"random\"", "\"random\" or a duration", "Start of the first sync cycle after the policy applies: random within one interval, or fixed.", decision("unknown unless the run history is read; random by default"), SyncedKey),
    p("aad_connect.import_ad", Duration, "", "\"1m\"", "a duration", "Cycle start to its Azure AD import step: a key registered before it reaches AD at the end of that cycle.", estimate("the order of a cycle's steps is published (Entra Connect scheduler), their durations are not; the run history gives it"), SyncedKey).range("\"20s\"", "\"5m\""),
    p("aad_connect.overhead", Duration, "", "\"2m\"", "a duration", "Fixed cost of a delta cycle besides its per-object work.", estimate("connecting and reading watermarks on both connectors; the run history gives it"), SyncedKey).range("\"30s\"", "\"10m\""),
    p("aad_connect.per_object", Duration, "", "\"60ms\"", "a duration", "Sync cost per changed object.", estimate("Microsoft says import and export time grow linearly with objects and illustrates it with 10,000 objects in 10 minutes (60 ms each), an example rather than a measurement; the run history gives it"), SyncedKey).range("\"10ms\"", "\"200ms\""),
    p("aad_connect.background_changes", Integer, "objects", "200", "0 or more", "Other changed objects in every cycle (directory churn).", estimate("Microsoft's typical delta is about 1 % of objects created, 1 % deleted and 5 % modified; the count per 30-minute cycle depends on the directory"), SyncedKey).range("0", "2000"),
    p("aad_connect.sync_now", List, "", "[]", "a list of durations", "Times of manual Start-ADSyncSyncCycle -PolicyType Delta runs.", decision("runs an administrator starts by hand"), SyncedKey),
    // [enrollment]
    p("enrollment.retry_schedule", List, "", "[\"24m\", \"85m\", \"145m\", \"205m\", \"265m\", \"480m\"]", "increasing positive durations", "Deferred enrollment retries after key registration, made only while the user stays signed in.", published(PROVISIONING_2018, "when the key is not yet in AD, enrollment is deferred and retried 24, 85, 145, 205, 265 and 480 minutes after key registration; the user must stay signed in"), Unpatched),
    p("enrollment.after_signin", Duration, "", "\"30m\"", "a duration", "After a sign-out, the next enrollment attempt comes this long after the next sign-in.", published(PROVISIONING_2018, "if the user signs out, automatic enrollment is triggered about 30 minutes after the next sign-in"), Unpatched),
    p("enrollment.periodic", Duration, "", "\"8h\"", "1s or more", "Certificate autoenrollment's periodic run while signed in.", published(AUTOENROLLMENT, "autoenrollment is triggered at logon and by an internal timer every eight hours after its last run (documented for Windows Server 2003 and XP)"), Certificate).refuses("\"0s\""),
    p("enrollment.client_install", Distribution, "", "{ dist = \"lognormal\", median = \"1s\", p95 = \"3s\" }", DIST, "Installing the certificate and telling the user the PIN is ready.", estimate("a store write and a notification"), Certificate).range("{ dist = \"lognormal\", median = \"300ms\", p95 = \"1s\" }", "{ dist = \"lognormal\", median = \"3s\", p95 = \"10s\" }"),
    p("enrollment.request_timeout", Duration, "", "\"60s\"", POSITIVE, "How long the client waits for one enrollment answer before that attempt fails.", estimate("WinHTTP's default receive timeout is 30 s; nothing published for the enrollment client"), Certificate).range("\"30s\"", "\"120s\"").refuses("\"0s\""),
    // [adfs]
    p("adfs.servers", Integer, "servers", "2", "1 to 1000", "Federation servers in the AD FS farm.", decision_per(ADFS_CAPACITY, "farm size; Microsoft's starting point is two dedicated AD FS servers for 1,000–15,000 users and three to five for 15,000–60,000 (dual quad-core servers)"), Certificate).refuses("0"),
    p("adfs.patched", Choice, "", "\"none\"", "0 to adfs.servers, \"all\" or \"none\"", "Which servers have KB4088889 (synchronous enrollment); servers 1..=N when a number.", decision_per(HYBRID_CERT_TRUST, "the patch level being compared: Windows Server 2016 update KB4088889 (14393.2155) gives synchronous enrollment and is installed on the federation servers, so a farm can be partly patched"), Certificate).refuses("9"),
    p("adfs.workers", Integer, "requests", "16", "1 to 100000", "Concurrent requests per AD FS server.", estimate("AD FS threads per server; not published for enrollment"), Certificate).range("4", "64").refuses("0"),
    p("adfs.balancing", Choice, "", "\"round_robin\"", "\"round_robin\", \"random\" or \"least_busy\"", "How the load balancer picks a server.", decision("the load balancer's policy"), Certificate),
    p("adfs.service", Distribution, "", "{ dist = \"lognormal\", median = \"80ms\", p95 = \"300ms\" }", DIST, "Request handling (authentication, token processing) per request.", estimate("from 50–150 tokens/s per server; not published"), Certificate).range("{ dist = \"lognormal\", median = \"30ms\", p95 = \"100ms\" }", "{ dist = \"lognormal\", median = \"200ms\", p95 = \"1s\" }"),
    p("adfs.ad_key_lookup", Distribution, "", "{ dist = \"lognormal\", median = \"20ms\", p95 = \"80ms\" }", DIST, "Looking the user's key up in on-prem AD.", estimate("one LDAP read"), Certificate).range("{ dist = \"lognormal\", median = \"5ms\", p95 = \"20ms\" }", "{ dist = \"lognormal\", median = \"100ms\", p95 = \"500ms\" }"),
    p("adfs.ra_service", Distribution, "", "{ dist = \"lognormal\", median = \"300ms\", p95 = \"900ms\" }", DIST, "Registration-authority processing besides the crypto itself.", estimate("building and signing the request on behalf of the user; not published"), Certificate).range("{ dist = \"lognormal\", median = \"100ms\", p95 = \"300ms\" }", "{ dist = \"lognormal\", median = \"1s\", p95 = \"3s\" }"),
    p("adfs.ca_timeout", Duration, "", "\"30s\"", POSITIVE, "How long the RA waits for the CA before it answers the client with an error.", estimate("a DCOM call timeout; not published"), Certificate).range("\"10s\"", "\"120s\"").refuses("\"0s\""),
    // [ca]
    p("ca.workers", Integer, "CPUs", "2", "1 to 100000", "Requests the CA processes at once (about its CPUs).", decision("the issuing CA's size"), Certificate).refuses("0"),
    p("ca.issue", Distribution, "", "{ dist = \"exponential\", mean = \"43ms\" }", DIST, "Time to issue one certificate on one CA worker.", estimate("Microsoft's CA capacity guidance (Windows Server 2003) has a dual-processor CA issuing more than 2 million certificates a day, at most about 86 ms of one CPU each; 43 ms assumes current hardware twice as fast"), Certificate).range("{ dist = \"exponential\", mean = \"10ms\" }", "{ dist = \"exponential\", mean = \"90ms\" }"),
    p("ca.sid_extension", Bool, "", "true", "true or false", "The CA has KB5014754 and writes the SID extension that DCs in full enforcement require.", published(KB5014754, "a CA with the May 2022 update adds a non-critical SID extension (1.3.6.1.4.1.311.25.2) to the certificates it issues; domain controllers in Full Enforcement refuse a logon certificate that is not strongly mapped"), Certificate),
    p("ca.envelope_max_age", Duration, "", "\"10m\"", "1s or more", "The CA refuses an RA envelope signed longer ago than this.", estimate("a freshness window a few times the clock skew Kerberos tolerates"), Certificate).range("\"1m\"", "\"60m\"").refuses("\"0s\""),
    // [pki]
    p("pki.mode", Choice, "", "\"real\"", "\"real\" or \"off\"", "Real keys, requests, signatures and certificates, or none (every report says so).", decision("real cryptography costs time, not simulated time"), Always),
    p("pki.client_key", Choice, "", "\"rsa-2048\"", "\"rsa-2048\" or \"ecdsa-p256\"", "The client key algorithm (Windows Hello uses RSA-2048).", decision("ECDSA only to make very large runs cheaper"), Pki),
    p("pki.key_cache", Text, "", "\"(left out)\"", "a folder", "Folder of the pre-generated key pool; left out: $WHFB_SIM_KEY_CACHE, else $XDG_CACHE_HOME, else ~/.cache. An empty string is refused.", decision("where the key pool lives"), Pki).refuses("\"\""),
    p("pki.epoch", Text, "", "\"2026-01-05T00:00:00Z\"", "an RFC 3339 UTC time", "Calendar time of Monday 00:00, for certificate validity.", decision("the rollout's calendar start"), Pki),
    p("pki.cert_validity", Duration, "", "\"365d\"", POSITIVE, "Validity of issued user certificates.", estimate("the template's validity period; one year is common"), Pki).range("\"30d\"", "\"730d\"").refuses("\"0s\""),
    p("pki.agent_expires", Duration, "", "\"300d\"", "a duration", "When the enrollment agent certificate expires, from Monday 00:00.", decision_per(HYBRID_CERT_PKI, "the agent certificate's age at rollout; AD FS enrolls and renews its enrollment agent certificate automatically"), Pki),
    p("pki.agent_reenroll", Duration, "", "\"1h\"", POSITIVE, "After an agent_revoked fault, how long until AD FS holds a new enrollment agent certificate.", estimate("an administrator restarts the AD FS service, which enrolls one"), Pki).range("\"10m\"", "\"8h\"").refuses("\"0s\""),
    p("pki.crl_validity", Duration, "", "\"7d\"", "1s or more", "nextUpdate − thisUpdate of the CA's CRLs.", estimate("a weekly base CRL is a common AD CS setting; no Microsoft page found states the default; the CA's own setting gives it"), Pki).range("\"1d\"", "\"30d\"").refuses("\"0s\""),
    p("pki.realm", Text, "", "\"CONTOSO.COM\"", "an uppercase DNS-like name such as \"CONTOSO.COM\"", "Kerberos realm the KDC certificate of pki export --with-keys names (krbtgt/REALM@REALM); runs do not use it.", decision("the domain's realm: AD gives it the domain's DNS name in capitals"), Pki).refuses("\"contoso.com\""),
    p("pki.timing.request_sign", Duration, "", "\"250us\"", "a duration", "Client builds and signs the PKCS#10 request.", estimate("measured by whfb-sim calibrate on the development machine; run it on yours"), Pki).range("\"100us\"", "\"2ms\""),
    p("pki.timing.ra_check_sign", Duration, "", "\"300us\"", "a duration", "RA verifies the request and signs the CMS envelope.", estimate("measured by whfb-sim calibrate on the development machine; run it on yours"), Pki).range("\"100us\"", "\"2ms\""),
    p("pki.timing.ca_check_issue", Duration, "", "\"350us\"", "a duration", "CA verifies the envelope and signs the certificate.", estimate("measured by whfb-sim calibrate on the development machine; run it on yours"), Pki).range("\"100us\"", "\"2ms\""),
    p("pki.timing.client_verify", Duration, "", "\"25us\"", "a duration", "Client verifies the issued certificate.", estimate("measured by whfb-sim calibrate on the development machine; run it on yours"), Pki).range("\"10us\"", "\"200us\""),
    p("pki.timing.receipt_verify", Duration, "", "\"20us\"", "a duration", "RA verifies the DRS key receipt (key not in AD yet).", estimate("measured by whfb-sim calibrate on the development machine; run it on yours"), Patched).range("\"10us\"", "\"200us\""),
    p("pki.timing.crl_check", Duration, "", "\"20us\"", "a duration", "Verifying the CA's CRL and looking a serial up in it (CA and DC).", estimate("measured by whfb-sim calibrate on the development machine; run it on yours"), Pki).range("\"10us\"", "\"200us\""),
    p("pki.timing.dc_validate", Duration, "", "\"25us\"", "a duration", "DC validates the logon certificate besides its CRL check.", estimate("measured by whfb-sim calibrate on the development machine; run it on yours"), Pki).range("\"10us\"", "\"200us\""),
    // [attacks]
    p("attacks.mismatched_key", Share, "", "0.0", SHARE, "Share of enrollment requests carrying a key other than the registered one.", decision("an attack mix to test the checks"), Certificate).refuses("1.5"),
    p("attacks.non_agent_signer", Share, "", "0.0", SHARE, "Share of envelopes signed by a certificate without the enrollment agent EKU.", decision("an attack mix to test the checks"), Certificate).refuses("1.5"),
    p("attacks.other_identity", Share, "", "0.0", SHARE, "Share of envelopes re-targeted to another user.", decision("an attack mix to test the checks"), Certificate).refuses("1.5"),
    p("attacks.replayed_envelope", Share, "", "0.0", SHARE, "Share of envelopes replaced by the last one the CA honoured.", decision("an attack mix to test the checks"), Certificate).refuses("1.5"),
    p("attacks.revoked_agent", Share, "", "0.0", SHARE, "Share of envelopes, after an agent_revoked fault, signed with the revoked agent key.", decision("an attack mix to test the checks"), Certificate).refuses("1.5"),
    // [key_trust]
    p("key_trust.ad_replication", Distribution, "", "{ dist = \"lognormal\", median = \"30s\", p95 = \"15m\" }", DIST, "Key trust: from the key written to AD until the user's own DC has it (AD replication).", estimate("within a site change notification replicates in seconds; another site waits for its site link (15 minutes or more)"), KeyTrust).range("{ dist = \"lognormal\", median = \"10s\", p95 = \"1m\" }", "{ dist = \"lognormal\", median = \"5m\", p95 = \"3h\" }"),
    // [report]
    p("report.series_bucket", Duration, "", "\"5m\"", "1s or more", "Bucket width of the time series (resources, users waiting).", decision("the resolution of the charts"), Always).refuses("\"0s\""),
    p("report.peak_window", Duration, "", "\"1h\"", "a multiple of report.series_bucket", "Length of the busiest window reported for every resource.", decision("the window a farm is sized for"), Always).refuses("\"7m\""),
    // [[faults]]
    p("faults", List, "", "[]", "windows { kind, start, end, factor, server }", "Scheduled fault windows (DRS down or slow, an AD FS server down, CA down, Azure AD Connect stopped, agent revoked, no DC in reach).", decision("outages to plan for"), Always),
];

/// Every key, in the order `whfb-sim scenario` prints them.
pub fn all() -> &'static [Param] {
    PARAMS
}

/// The key named `key`, if there is one.
pub fn find(key: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.key == key)
}

/// The public documents the registry cites, each once, in first-use order.
pub fn documents() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for p in PARAMS {
        let d = (p.source.title, p.source.url);
        if !d.1.is_empty() && !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// Documents docs/model.md relies on that no key cites: the other trust models, device
/// writeback, the update itself, and the guidance behind two estimates (CA capacity,
/// Entra Connect's performance).
pub const FLOW_DOCUMENTS: [(&str, &str); 6] = [
    KEY_TRUST,
    CLOUD_KERBEROS,
    DEVICE_WRITEBACK,
    KB4088889,
    CA_CAPACITY,
    CONNECT_PERFORMANCE,
];
