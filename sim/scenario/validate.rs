//! Checks that a resolved configuration makes sense, beyond what the types enforce. Each
//! problem names its key and what is allowed.

use super::calendar::parse_epoch;
use super::duration::Duration;
use super::fault::{FaultEffect, FaultWindow};
use super::keypath::KeyPath;
use super::schema::{Fault, FaultKind, Patched, Spec};
use crate::engine::time::{MINUTE, SECOND};

/// A problem with one key.
pub type Problem = (KeyPath, String);

/// `agent_revoked` faults a variant may have: one per spare agent key in the pool.
const MAX_AGENT_REVOCATIONS: usize = crate::pki::material::InfraKeys::NEXT_AGENTS;

/// Longest Kerberos realm (a DNS name's limit).
const MAX_REALM_LEN: usize = 253;

/// Whether `realm` is an uppercase DNS-like name, the form AD gives a domain's realm
/// (`CONTOSO.COM`): what goes into the KDC certificate's principal name.
fn is_realm(realm: &str) -> bool {
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

/// Longest scenario name (it names a folder).
const MAX_NAME_LEN: usize = 100;
/// Most AD FS servers: every server is a resource with its own time series, table row
/// and chart line.
pub const MAX_ADFS_SERVERS: u32 = 1_000;
/// Most concurrent requests per AD FS server or CA.
pub const MAX_WORKERS: u32 = 100_000;
/// Shortest mean sign-in cycle (session + away): at zero a user signs in and out again
/// at the same instant for ever.
pub const MIN_SIGNIN_CYCLE: u64 = SECOND;
/// Shortest wait after a DRS throttle, enrollment period and sync interval (even with
/// `allow_below_minimum`): at zero these loops repeat without time passing.
pub const MIN_LOOP_STEP: u64 = SECOND;

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn fail(&mut self, key: &str, msg: String) {
        let path = KeyPath::parse(key).unwrap_or_default();
        self.problems.push((path, msg));
    }

    fn prob(&mut self, key: &str, v: f64) {
        if !(0.0..=1.0).contains(&v) || !v.is_finite() {
            self.fail(
                key,
                format!("{v} is not a probability; allowed: a number from 0 to 1"),
            );
        }
    }

    fn prob_below_one(&mut self, key: &str, v: f64, why: &str) {
        if !(0.0..1.0).contains(&v) || !v.is_finite() {
            self.fail(
                key,
                format!(
                    "{v} is not allowed; allowed: a number from 0 up to (not including) 1, {why}"
                ),
            );
        }
    }

    fn positive(&mut self, key: &str, us: u64) {
        if us == 0 {
            self.fail(key, "must be a positive duration".into());
        }
    }

    fn at_least_step(&mut self, key: &str, us: u64, min: u64, why: &str) {
        if us < min {
            self.fail(
                key,
                format!(
                    "{} is too short; allowed: {} or more ({why})",
                    Duration(us),
                    Duration(min)
                ),
            );
        }
    }

    fn between(&mut self, key: &str, v: u32, min: u32, max: u32) {
        if v < min || v > max {
            self.fail(key, format!("{v} is not allowed; allowed: {min} to {max}"));
        }
    }

    fn at_least(&mut self, key: &str, v: u64, min: u64) {
        if v < min {
            self.fail(key, format!("{v} is too small; allowed: {min} or more"));
        }
    }
}

/// A computed number as a person writes it: at most six decimals, trailing zeros gone
/// (`1.15`, not `1.1500000000000001`).
fn for_people(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// What `pki.key_cache` may be, for its refusal.
pub const KEY_CACHE_ALLOWED: &str = "a folder path, or the key left out for the default ($WHFB_SIM_KEY_CACHE, else $XDG_CACHE_HOME, else ~/.cache)";

/// Every problem of `spec`; empty when it is valid.
pub fn validate(spec: &Spec) -> Vec<Problem> {
    check(spec).0
}

/// `spec` with the typed values validation derives filled in (its fault windows), or
/// every problem of it: the only way a loaded scenario gets them, so whatever reads them
/// reads checked values.
pub fn validated(mut spec: Spec) -> Result<Spec, Vec<Problem>> {
    let (problems, faults) = check(&spec);
    if !problems.is_empty() {
        return Err(problems);
    }
    spec.faults = faults;
    Ok(spec)
}

/// Checks `fault`, the `i`-th window, and makes its typed window when it has no problem.
/// Every field is checked (so each problem is reported at once), in the order `end`,
/// `factor`, `server`.
fn fault_window(
    c: &mut Checker,
    i: usize,
    fault: &Fault,
    servers: u32,
    reenroll: Duration,
) -> Option<FaultWindow> {
    let k = |f: &str| format!("faults[{i}].{f}");
    let before = c.problems.len();
    let end = match fault.kind {
        FaultKind::AgentRevoked => {
            if fault.end.0 != 0 {
                c.fail(
                    &k("end"),
                    "an agent_revoked fault is an instant: leave `end` out (AD FS holds a new agent certificate pki.agent_reenroll after `start`)".into(),
                );
            }
            // The effect lasts until AD FS has re-enrolled.
            Duration(fault.start.0.saturating_add(reenroll.0))
        }
        _ => {
            if fault.end.0 == 0 {
                c.fail(
                    &k("end"),
                    "a fault window needs `end` (after `start`)".into(),
                );
            } else if fault.end <= fault.start {
                c.fail(
                    &k("end"),
                    format!(
                        "window ends ({}) at or before it starts ({})",
                        fault.end, fault.start
                    ),
                );
            }
            fault.end
        }
    };
    let factor = match (fault.kind, fault.factor) {
        (FaultKind::DrsSlow, None) => {
            c.fail(
                &k("factor"),
                "a drs_slow window needs `factor` (latency multiplier, above 0)".into(),
            );
            None
        }
        (FaultKind::DrsSlow, Some(x)) if !(x > 0.0 && x.is_finite()) => {
            c.fail(
                &k("factor"),
                format!("{x} is not allowed; allowed: a number above 0"),
            );
            None
        }
        (FaultKind::DrsSlow, x) => x,
        (_, Some(_)) => {
            c.fail(
                &k("factor"),
                "`factor` only applies to kind = \"drs_slow\"".into(),
            );
            None
        }
        (_, None) => None,
    };
    let server = match (fault.kind, fault.server) {
        (FaultKind::AdfsServerDown, None) => {
            c.fail(
                &k("server"),
                format!("an adfs_server_down window needs `server` (1 to {servers})"),
            );
            None
        }
        (FaultKind::AdfsServerDown, Some(s)) if s == 0 || s > servers => {
            c.fail(
                &k("server"),
                format!("server {s} does not exist; allowed: 1 to adfs.servers ({servers})"),
            );
            None
        }
        (FaultKind::AdfsServerDown, s) => s,
        (_, Some(_)) => {
            c.fail(
                &k("server"),
                "`server` only applies to kind = \"adfs_server_down\"".into(),
            );
            None
        }
        (_, None) => None,
    };
    // A `None` factor or server here was reported above.
    let effect = match fault.kind {
        FaultKind::DrsDown => FaultEffect::DrsDown,
        FaultKind::DrsSlow => FaultEffect::DrsSlow { factor: factor? },
        FaultKind::AdfsServerDown => FaultEffect::AdfsServerDown { server: server? },
        FaultKind::CaDown => FaultEffect::CaDown,
        FaultKind::AadConnectStopped => FaultEffect::AadConnectStopped,
        FaultKind::AgentRevoked => FaultEffect::AgentRevoked,
        FaultKind::DcUnreachable => FaultEffect::DcUnreachable,
    };
    (c.problems.len() == before).then_some(FaultWindow {
        effect,
        start: fault.start,
        end,
    })
}

/// Every problem of `spec` and, for the fault windows without one, their typed windows.
fn check(spec: &Spec) -> (Vec<Problem>, Vec<FaultWindow>) {
    let mut c = Checker {
        problems: Vec::new(),
    };
    if spec.users == 0 || spec.users > 50_000_000 {
        c.fail(
            "users",
            format!(
                "{} users is not allowed; allowed: 1 to 50,000,000",
                spec.users
            ),
        );
    }
    if spec.replications == 0 || spec.replications > 10_000 {
        c.fail(
            "replications",
            format!("{} is not allowed; allowed: 1 to 10,000", spec.replications),
        );
    }
    c.positive("horizon", spec.horizon.0);
    // The name is a folder under reports/: a plain file name, so "." and ".." (or a
    // leading dot, a hidden folder) are out.
    if !spec.name.starts_with(|ch: char| ch.is_ascii_alphanumeric())
        || spec.name.len() > MAX_NAME_LEN
        || !spec
            .name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' || ch == '.')
    {
        c.fail("name", format!("`{}` is not allowed; allowed: a plain file name of letters, digits, '-', '_' and '.', starting with a letter or digit, at most {MAX_NAME_LEN} characters (it names the report folder)", spec.name));
    }

    let waves = &spec.signin.waves;
    if waves.is_empty() {
        c.fail(
            "signin.waves",
            "must list at least one arrival window".into(),
        );
    }
    let cycle = spec.signin.session.0.mean() + spec.signin.away.0.mean();
    if cycle.is_nan() || cycle < MIN_SIGNIN_CYCLE as f64 {
        c.fail(
            "signin.away",
            format!(
                "signin.session and signin.away have means summing to {}; allowed: {} or more (a sign-in cycle that takes no time repeats for ever)",
                Duration(cycle.max(0.0) as u64),
                Duration(MIN_SIGNIN_CYCLE)
            ),
        );
    }
    let mut total = 0.0;
    for (i, w) in waves.iter().enumerate() {
        let k = |f: &str| format!("signin.waves[{i}].{f}");
        if w.end < w.start {
            c.fail(
                &k("end"),
                format!("window ends ({}) before it starts ({})", w.end, w.start),
            );
        }
        if w.start >= spec.horizon {
            c.fail(
                &k("start"),
                format!(
                    "window starts ({}) at or after the horizon ({})",
                    w.start, spec.horizon
                ),
            );
        }
        if !(w.share > 0.0 && w.share <= 1.0) {
            c.fail(
                &k("share"),
                format!("{} is not allowed; allowed: above 0, at most 1", w.share),
            );
        }
        total += w.share;
    }
    if !waves.is_empty() && (total - 1.0).abs() > 1e-6 {
        c.fail(
            "signin.waves",
            format!(
                "the shares sum to {}; they must sum to 1",
                for_people(total)
            ),
        );
    }

    c.prob(
        "prerequisites.joined_share",
        spec.prerequisites.joined_share,
    );
    c.positive("prerequisites.join_retry", spec.prerequisites.join_retry.0);

    let m = &spec.mfa;
    c.prob("mfa.p_fail", m.p_fail);
    c.prob("mfa.p_timeout", m.p_timeout);
    if (0.0..=1.0).contains(&m.p_fail) && m.p_fail + m.p_timeout > 1.0 {
        c.fail(
            "mfa.p_timeout",
            format!(
                "mfa.p_fail + mfa.p_timeout = {} exceeds 1",
                m.p_fail + m.p_timeout
            ),
        );
    }
    c.positive("mfa.timeout", m.timeout.0);
    c.at_least("mfa.max_attempts", m.max_attempts as u64, 1);
    c.at_least(
        "mfa.max_abandoned_signins",
        m.max_abandoned_signins as u64,
        1,
    );

    c.prob_below_one(
        "pin.p_reject",
        spec.pin.p_reject,
        "or no PIN is ever accepted",
    );

    let k = &spec.key;
    c.prob("key.tpm_firmware_share", k.tpm_firmware_share);
    c.prob("key.tpm_discrete_share", k.tpm_discrete_share);
    if k.tpm_firmware_share + k.tpm_discrete_share > 1.0 + 1e-9 {
        c.fail(
            "key.tpm_discrete_share",
            format!(
                "key.tpm_firmware_share + key.tpm_discrete_share = {} exceeds 1 (the rest is the share without a usable TPM)",
                k.tpm_firmware_share + k.tpm_discrete_share
            ),
        );
    }
    c.prob("key.pregen_share", k.pregen_share);

    c.prob_below_one(
        "drs.p_throttle",
        spec.drs.p_throttle,
        "or no registration ever succeeds",
    );
    c.at_least_step(
        "drs.throttle_backoff",
        spec.drs.throttle_backoff.0,
        MIN_LOOP_STEP,
        "a throttled call is retried after it",
    );

    let a = &spec.aad_connect;
    c.at_least_step(
        "aad_connect.interval",
        a.interval.0,
        MIN_LOOP_STEP,
        "even with allow_below_minimum: a cycle starts every interval",
    );
    if a.interval.0 < 30 * MINUTE && !a.allow_below_minimum {
        c.fail(
            "aad_connect.interval",
            format!(
                "{} is below the product's minimum of 30m (AllowedSyncCycleInterval); allowed: 30m or more, or set aad_connect.allow_below_minimum = true",
                a.interval
            ),
        );
    }

    let e = &spec.enrollment;
    for (i, pair) in e.retry_schedule.windows(2).enumerate() {
        if pair[1] <= pair[0] {
            c.fail(
                &format!("enrollment.retry_schedule[{}]", i + 1),
                format!(
                    "{} is not after the previous retry ({}); the schedule must increase",
                    pair[1], pair[0]
                ),
            );
        }
    }
    if e.retry_schedule.first().is_some_and(|d| d.0 == 0) {
        c.fail(
            "enrollment.retry_schedule[0]",
            "must be a positive duration".into(),
        );
    }
    c.at_least_step(
        "enrollment.periodic",
        e.periodic.0,
        MIN_LOOP_STEP,
        "autoenrollment runs every period while a user is signed in",
    );

    let f = &spec.adfs;
    c.between("adfs.servers", f.servers, 1, MAX_ADFS_SERVERS);
    c.between("adfs.workers", f.workers, 1, MAX_WORKERS);
    if let Patched::Count(n) = f.patched {
        if n > f.servers {
            c.fail(
                "adfs.patched",
                format!(
                    "{n} patched servers but adfs.servers = {}; allowed: 0 to adfs.servers, \"all\" or \"none\"",
                    f.servers
                ),
            );
        }
    }
    c.positive("adfs.ca_timeout", f.ca_timeout.0);
    c.positive("enrollment.request_timeout", e.request_timeout.0);
    c.between("ca.workers", spec.ca.workers, 1, MAX_WORKERS);

    match parse_epoch(&spec.pki.epoch) {
        Err(msg) => c.fail("pki.epoch", msg.to_string()),
        Ok(epoch) => c.problems.extend(super::pki_dates::problems(epoch, spec)),
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
    let mut revocations: Vec<(usize, u64)> = Vec::new();
    let mut windows = Vec::with_capacity(spec.faults_as_written.len());
    for (i, fault) in spec.faults_as_written.iter().enumerate() {
        if fault.kind == FaultKind::AgentRevoked {
            revocations.push((i, fault.start.0));
        }
        windows.extend(fault_window(
            &mut c,
            i,
            fault,
            f.servers,
            spec.pki.agent_reenroll,
        ));
    }

    revocations.sort_by_key(|&(_, start)| start);
    if revocations.len() > MAX_AGENT_REVOCATIONS {
        let (i, _) = revocations[MAX_AGENT_REVOCATIONS];
        c.fail(
            &format!("faults[{i}].kind"),
            format!(
                "{} agent_revoked faults; allowed: at most {MAX_AGENT_REVOCATIONS} per variant (the key pool holds that many spare agent keys)",
                revocations.len()
            ),
        );
    }
    for pair in revocations.windows(2) {
        let ((_, a), (j, b)) = (pair[0], pair[1]);
        if b < a.saturating_add(spec.pki.agent_reenroll.0) {
            c.fail(
                &format!("faults[{j}].start"),
                format!(
                    "this agent_revoked fault starts before AD FS has re-enrolled after the previous one (at {}); allowed: at or after {}",
                    Duration(a),
                    Duration(a.saturating_add(spec.pki.agent_reenroll.0))
                ),
            );
        }
    }

    let at = &spec.attacks;
    let attacks = [
        ("attacks.mismatched_key", at.mismatched_key),
        ("attacks.non_agent_signer", at.non_agent_signer),
        ("attacks.other_identity", at.other_identity),
        ("attacks.replayed_envelope", at.replayed_envelope),
        ("attacks.revoked_agent", at.revoked_agent),
    ];
    for (key, v) in attacks {
        c.prob(key, v);
        // The attacks are shares of certificate enrollment requests: under the other
        // trust models nobody enrolls, so a share would be reported as "no attack got
        // through" when none was ever made.
        if !spec.trust.enrolls_certificate() && v != 0.0 {
            c.fail(
                key,
                format!(
                    "{v} is not allowed with trust = \"{}\": attacks are shares of certificate enrollment requests, and this trust model enrolls no certificate; allowed: 0 (or trust = \"certificate\")",
                    spec.trust.as_str()
                ),
            );
        }
    }
    let r = &spec.report;
    if r.series_bucket.0 < SECOND {
        c.at_least_step(
            "report.series_bucket",
            r.series_bucket.0,
            SECOND,
            "the time series' resolution",
        );
    } else if r.peak_window.0 < r.series_bucket.0
        || r.peak_window.0 % r.series_bucket.0 != 0
        || r.peak_window.0 > spec.horizon.0
    {
        c.fail(
            "report.peak_window",
            format!(
                "{} is not allowed; allowed: a multiple of report.series_bucket ({}) from {} up to the horizon ({}) (the busiest window slides on the buckets' grid)",
                r.peak_window, r.series_bucket, r.series_bucket, spec.horizon
            ),
        );
    }
    (c.problems, windows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::duration::Duration;
    use crate::scenario::schema::Trust;

    #[test]
    fn default_spec_is_valid() {
        assert!(
            validate(&Spec::default()).is_empty(),
            "{:?}",
            validate(&Spec::default())
        );
    }

    #[test]
    fn reports_each_problem_with_its_key() {
        let mut s = Spec::default();
        s.mfa.p_fail = 1.5;
        s.adfs.patched = Patched::Count(3);
        s.aad_connect.interval = Duration(10 * MINUTE);
        s.signin.waves[0].share = 0.5;
        let keys: Vec<String> = validate(&s).iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(
            keys,
            [
                "signin.waves",
                "mfa.p_fail",
                "aad_connect.interval",
                "adfs.patched"
            ]
        );
        s.aad_connect.allow_below_minimum = true;
        assert!(!validate(&s)
            .iter()
            .any(|(k, _)| k.to_string() == "aad_connect.interval"));
    }

    #[test]
    fn a_realm_is_an_uppercase_dns_like_name() {
        for ok in ["CONTOSO.COM", "CORP.CONTOSO.COM", "EXAMPLE", "A-1.B2"] {
            assert!(is_realm(ok), "{ok}");
        }
        let long = format!("{}.COM", "A".repeat(64));
        for bad in [
            "",
            "contoso.com",
            "CONTOSO..COM",
            ".COM",
            "COM.",
            "-A.COM",
            "A-.COM",
            "CON TOSO",
            "CONTOSO/COM",
            "CONTÖSO.COM",
            &long,
        ] {
            assert!(!is_realm(bad), "{bad:?}");
        }
        let mut s = Spec::default();
        s.pki.realm = "contoso.com".into();
        let problems = validate(&s);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0.to_string(), "pki.realm");
        assert!(problems[0].1.contains("uppercase"), "{}", problems[0].1);
    }

    #[test]
    fn attacks_need_certificate_enrollment() {
        let mut s = Spec::default();
        s.attacks.mismatched_key = 0.1;
        assert!(validate(&s).is_empty());
        s.trust = Trust::Key;
        let problems = validate(&s);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0.to_string(), "attacks.mismatched_key");
        assert!(
            problems[0].1.contains("trust = \"key\""),
            "{}",
            problems[0].1
        );
        s.attacks.mismatched_key = 0.0;
        s.trust = Trust::CloudKerberos;
        assert!(validate(&s).is_empty());
    }

    #[test]
    fn agent_revocations_are_instants_few_and_apart() {
        use crate::scenario::schema::Fault;
        let fault = |kind, start: u64, end: u64| Fault {
            kind,
            start: Duration(start * MINUTE),
            end: Duration(end * MINUTE),
            factor: None,
            server: None,
        };
        let keys =
            |s: &Spec| -> Vec<String> { validate(s).iter().map(|(k, _)| k.to_string()).collect() };
        let mut s = Spec {
            faults_as_written: vec![
                fault(FaultKind::AgentRevoked, 60, 0),
                fault(FaultKind::CaDown, 60, 0),
            ],
            ..Spec::default()
        };
        assert_eq!(keys(&s), ["faults[1].end"]);
        s.faults_as_written[0].end = Duration(90 * MINUTE);
        s.faults_as_written.pop();
        assert_eq!(keys(&s), ["faults[0].end"]);
        // Four, and one starting before AD FS re-enrolled after the previous one.
        s.faults_as_written = [60, 200, 230, 400, 600]
            .iter()
            .map(|&m| fault(FaultKind::AgentRevoked, m, 0))
            .collect();
        assert_eq!(keys(&s), ["faults[3].kind", "faults[2].start"]);
        s.faults_as_written.truncate(2);
        assert!(keys(&s).is_empty());
        s.ca.envelope_max_age = Duration(0);
        s.pki.crl_validity = Duration(0);
        s.attacks.replayed_envelope = 2.0;
        assert_eq!(
            keys(&s),
            [
                "ca.envelope_max_age",
                "pki.crl_validity",
                "attacks.replayed_envelope"
            ]
        );
    }

    #[test]
    fn validation_types_the_fault_windows() {
        use crate::scenario::fault::{FaultEffect, FaultWindow};
        use crate::scenario::schema::Fault;
        let fault = |kind, start: u64, end: u64, factor, server| Fault {
            kind,
            start: Duration(start * MINUTE),
            end: Duration(end * MINUTE),
            factor,
            server,
        };
        let s = Spec {
            faults_as_written: vec![
                fault(FaultKind::DrsSlow, 60, 90, Some(2.5), None),
                fault(FaultKind::AdfsServerDown, 60, 90, None, Some(2)),
                fault(FaultKind::AgentRevoked, 100, 0, None, None),
            ],
            ..Spec::default()
        };
        let reenroll = s.pki.agent_reenroll.0;
        let typed = validated(s).unwrap().faults;
        let at = |m: u64| Duration(m * MINUTE);
        assert_eq!(
            typed,
            [
                FaultWindow {
                    effect: FaultEffect::DrsSlow { factor: 2.5 },
                    start: at(60),
                    end: at(90),
                },
                FaultWindow {
                    effect: FaultEffect::AdfsServerDown { server: 2 },
                    start: at(60),
                    end: at(90),
                },
                // An instant in the file; its effect lasts until AD FS re-enrolled.
                FaultWindow {
                    effect: FaultEffect::AgentRevoked,
                    start: at(100),
                    end: Duration(100 * MINUTE + reenroll),
                },
            ]
        );
        assert_eq!(typed[2].end_as_written(), Duration(0));
        // A field its kind does not have is refused for every kind, an instant included.
        let s = Spec {
            faults_as_written: vec![
                fault(FaultKind::AgentRevoked, 100, 0, Some(2.0), Some(1)),
                fault(FaultKind::DrsSlow, 60, 90, None, None),
            ],
            ..Spec::default()
        };
        let keys: Vec<String> = validated(s)
            .unwrap_err()
            .iter()
            .map(|(k, _)| k.to_string())
            .collect();
        assert_eq!(
            keys,
            ["faults[0].factor", "faults[0].server", "faults[1].factor"]
        );
    }
}
