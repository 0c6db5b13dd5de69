//! Model-level checks: Little's law on every resource of a loaded provisioning run, the
//! pre-KB4088889 retry schedule, and the post-KB synchronous path on an idle farm.
//!
//! The retry and post-KB checks use `FIXED_FLOW`, a scenario in which every step takes
//! a fixed, known time and nothing fails, so each user's expected times follow from the
//! documented behaviour (docs/model.md §8) by arithmetic and are compared to the
//! microsecond.

use super::{replicate_each, Check, Config, Unit};
use crate::engine::time::{to_secs, MINUTE};
use crate::engine::{Dist, SimTime};
use crate::model::{Model, ResourceId, RunOutput, TraceFilter, UserRecord};
use crate::pki::OffPki;
use crate::scenario::{Scenario, Spec};

/// A provisioning scenario where every step has a fixed duration and nothing fails: MFA
/// and PIN always succeed at once, every device is joined, every key comes from a
/// firmware TPM, DRS never throttles, users stay signed in for 30 days. Sign-ins are
/// spread uniformly over eight hours, so with a few thousand users no two requests meet
/// at a server: service is never delayed by a queue (the checks verify it).
pub(crate) const FIXED_FLOW: &str = r#"
name = "validation-fixed-flow"
horizon = "3d"

[signin]
waves = [{ start = "08:00", end = "16:00", share = 1.0 }]
session = "30d"
away = "1h"

[prerequisites]
joined_share = 1.0

[pin_page]
think = "7s"

[mfa]
response = "13s"
p_fail = 0.0
p_timeout = 0.0

[pin]
entry = "17s"
p_reject = 0.0

[key]
tpm_firmware_share = 1.0
tpm_discrete_share = 0.0
pregen_share = 0.0
firmware = "3s"

[drs]
latency = "900ms"
p_throttle = 0.0
receipt_validation = "150ms"

[enrollment]
client_install = "1s"

[adfs]
servers = 2
workers = 16
service = "80ms"
ad_key_lookup = "20ms"
ra_service = "300ms"

[ca]
workers = 4
issue = "43ms"

[pki]
mode = "off"
"#;

/// A loaded rollout: the default scenario's behaviour (lognormal times, MFA failures,
/// 5 % of devices still joining, throttling), all users signing in within one hour,
/// two AD FS servers with two workers each and a single-worker CA whose mean issue time
/// is set (in [`little_checks`]) to 90 % of the mean time between sign-ins, so queues
/// form at the CA and, because a server worker is held while the CA works, at AD FS.
pub(crate) const LOADED_FLOW: &str = r#"
name = "validation-loaded-flow"
horizon = "14d"

[signin]
waves = [{ start = "08:00", end = "09:00", share = 1.0 }]

[adfs]
servers = 2
workers = 2

[ca]
workers = 1

[pki]
mode = "off"

[variants.pre-kb]
adfs.patched = 0

[variants.post-kb]
adfs.patched = 2
"#;

/// Loads an embedded validation scenario with overrides and seed `seed`; returns every
/// variant's spec. (The seed is set on the spec, not with `--set`, because a TOML integer
/// cannot hold a seed above 2⁶³ − 1.)
pub fn load(text: &str, name: &str, seed: u64, sets: &[String]) -> Vec<(String, Spec)> {
    Scenario::load_str(text, &format!("<validation scenario {name}>"), name, sets)
        .unwrap_or_else(|e| panic!("embedded validation scenario {name} is invalid: {e}"))
        .variants
        .into_iter()
        .map(|mut v| {
            v.spec.seed = seed;
            (v.name, v.spec)
        })
        .collect()
}

/// Runs replication `rep` of `spec` with crypto off.
pub fn simulate(spec: &Spec, rep: u32) -> RunOutput {
    let mut pki = OffPki::new(&Default::default(), spec.users as usize);
    Model::new(spec, rep, &mut pki, &TraceFilter::Off).run()
}

/// Little's law, L = λW, on every resource of a loaded run, pre-KB and post-KB.
///
/// For each resource: L is its time-average number waiting (for DRS: calls in flight;
/// for AAD Connect: objects waiting for a cycle), λ = arrivals / run length, W the mean
/// wait of the requests that left the queue — started service, or were withdrawn when
/// their caller timed out (DRS: the mean latency; AAD Connect: the mean registration →
/// key-in-AD time). Over a span that starts and ends with nothing
/// waiting, the area under the waiting curve equals the sum of the waits, so L = λW is
/// an identity on the sample path (Little 1961, and its finite-horizon form): the run
/// spans 14 days after a one-hour wave, every queue has drained long before the
/// horizon (checked), and the only difference left is floating-point rounding. The
/// tolerance is therefore 1e-9 relative. A resource that counted waits, arrivals or its
/// time-average level inconsistently fails by far more.
pub(crate) fn little_checks(cfg: &Config) -> Vec<Check> {
    let users = cfg.size.users;
    // ρ ≈ 0.9 at the CA during the wave: mean issue time 0.9 × 3600 s / users.
    let issue_ms = (0.9 * 3_600_000.0 / users as f64).round() as u64;
    let sets = vec![
        format!("users={users}"),
        format!("ca.issue={{ dist = \"exponential\", mean = \"{issue_ms}ms\" }}"),
    ];
    let variants = load(LOADED_FLOW, "loaded-flow", cfg.seed_for(300), &sets);
    let runs = replicate_each(variants.len(), 1, |v, _| simulate(&variants[v].1, 0));
    let mut out = Vec::new();
    for ((name, _), runs) in variants.iter().zip(&runs) {
        let run = &runs[0];
        let span = to_secs(run.end);
        let drained = drained(run);
        for r in &run.resources {
            let s = r.stats;
            let lambda = s.arrivals as f64 / span;
            let mut c = Check::relative(
                "little",
                format!("{name} {}: L = λW", r.resource),
                Unit::Level,
                lambda * s.mean_wait_s,
                s.mean_queue,
                1e-9,
            )
            .with_note(format!(
                "λ = {lambda:.4e}/s, W = {:.4} s, {} arrivals ({} withdrawn), max queue {}",
                s.mean_wait_s, s.arrivals, s.withdrawn, s.max_queue
            ));
            // A request withdrawn by a caller that gave up (a timeout) has left the queue.
            if s.arrivals != s.started + s.withdrawn {
                c = c.fail_because(format!(
                    "{} requests still waiting at the end: the identity needs a drained queue",
                    s.arrivals.saturating_sub(s.started + s.withdrawn)
                ));
            }
            if let Err(why) = &drained {
                c = c.fail_because(why);
            }
            let must_queue = name == "post-kb"
                && matches!(r.resource, ResourceId::Ca | ResourceId::AdfsServer(_));
            if must_queue && s.mean_queue == 0.0 {
                c = c.fail_because("no queue formed: the check would be vacuous");
            }
            out.push(c);
        }
    }
    out
}

/// `Ok` when nothing is left in DRS or AAD Connect at the end of `run`: every key that
/// was ready got registered and every registered key reached AD.
fn drained(run: &RunOutput) -> Result<(), String> {
    let m = |u: &UserRecord| u.milestones;
    let unregistered = run
        .users
        .iter()
        .filter(|u| m(u).key_ready.is_some() && m(u).key_registered.is_none())
        .count();
    let unsynced = run
        .users
        .iter()
        .filter(|u| m(u).key_registered.is_some() && m(u).key_in_ad.is_none())
        .count();
    if unregistered + unsynced > 0 {
        Err(format!(
            "not drained at the end: {unregistered} keys not registered, {unsynced} not in AD"
        ))
    } else {
        Ok(())
    }
}

/// The fixed duration of `d`. [`FIXED_FLOW`] uses fixed durations throughout, so the
/// expected times below are sums of these.
fn fixed(d: &Dist) -> SimTime {
    match d {
        Dist::Fixed(v) => *v,
        other => panic!("validation flow expects fixed durations, got {other:?}"),
    }
}

/// The fixed durations of the enrollment path, read from the spec.
#[derive(Debug, Clone, Copy)]
struct EnrollTimes {
    /// Attempt → the AD FS server has handled the request (the key check starts).
    to_handled: SimTime,
    /// Key lookup in AD.
    lookup: SimTime,
    /// Receipt validation against DRS and of its signature (patched servers, key not yet
    /// in AD).
    receipt: SimTime,
    /// Key check done → the DC accepted the logon (RA, CA with its CRL check, client, DC
    /// with its CRL check).
    after_check: SimTime,
}

impl EnrollTimes {
    fn of(spec: &Spec) -> EnrollTimes {
        let t = &spec.pki.timing;
        EnrollTimes {
            to_handled: t.request_sign.0 + fixed(&spec.adfs.service),
            lookup: fixed(&spec.adfs.ad_key_lookup),
            receipt: fixed(&spec.drs.receipt_validation) + t.receipt_verify.0,
            after_check: fixed(&spec.adfs.ra_service)
                + t.ra_check_sign.0
                + fixed(&spec.ca.issue)
                + t.ca_check_issue.0
                + t.crl_check.0
                + fixed(&spec.enrollment.client_install)
                + t.client_verify.0
                + t.dc_validate.0
                + t.crl_check.0,
        }
    }
}

/// Sign-in → key registered: the "Set up a PIN" click, MFA, PIN, key, DRS.
pub(super) fn to_registered(spec: &Spec) -> SimTime {
    fixed(&spec.pin_page.think)
        + fixed(&spec.mfa.response)
        + fixed(&spec.pin.entry)
        + fixed(&spec.key.firmware)
        + fixed(&spec.drs.latency)
}

/// Which attempt of the documented pre-KB behaviour succeeds: the first one (at key
/// registration) and then, after each refusal, the next scheduled retry counted from
/// registration (24, 85, 145, 205, 265, 480 min) or autoenrollment's periodic run,
/// whichever comes first. An attempt succeeds when the key is in AD by the time the AD
/// FS server checks it. Returns (attempt index, attempt time, expected usable time);
/// index 0 is the first attempt, k ≥ 1 the k-th deferred one.
fn expected_pre_kb(
    spec: &Spec,
    times: EnrollTimes,
    registered: SimTime,
    key_in_ad: SimTime,
) -> (usize, SimTime, SimTime) {
    let e = &spec.enrollment;
    let mut at = registered;
    for k in 0.. {
        let handled = at + times.to_handled;
        if key_in_ad <= handled {
            return (k, at, handled + times.lookup + times.after_check);
        }
        let refused = handled + times.lookup;
        let scheduled = e
            .retry_schedule
            .iter()
            .map(|d| registered + d.0)
            .find(|&t| t > refused);
        let periodic = refused + e.periodic.0;
        at = scheduled.map_or(periodic, |s| s.min(periodic));
    }
    unreachable!("the loop returns once the key is in AD")
}

/// The retry checks: pre-KB users become usable exactly at the first attempt that finds
/// their key in AD (docs/model.md §8), for near-instant sync and for an 8-hour interval.
pub(crate) fn retry_checks(cfg: &Config) -> Vec<Check> {
    let zero_cycles = [
        "aad_connect.import_ad=0s",
        "aad_connect.overhead=0s",
        "aad_connect.per_object=0s",
        "aad_connect.background_changes=0",
    ];
    let mut cases: Vec<(&str, Vec<String>)> = Vec::new();
    let mut instant: Vec<String> = zero_cycles.iter().map(|s| s.to_string()).collect();
    instant.extend([
        "aad_connect.interval=1m".into(),
        "aad_connect.allow_below_minimum=true".into(),
    ]);
    cases.push(("sync within 1 min: usable at the 24-min retry", instant));
    cases.push((
        "8-h sync interval: usable at the first retry after the key is in AD",
        vec!["aad_connect.interval=8h".into()],
    ));
    let specs: Vec<Spec> = cases
        .iter()
        .enumerate()
        .map(|(i, (_, extra))| {
            let mut sets = vec![format!("users={}", cfg.size.users), "adfs.patched=0".into()];
            sets.extend(extra.iter().cloned());
            load(
                FIXED_FLOW,
                "fixed-flow",
                cfg.seed_for(500 + i as u64),
                &sets,
            )
            .remove(0)
            .1
        })
        .collect();
    let runs = replicate_each(specs.len(), 1, |i, _| simulate(&specs[i], 0));
    let mut out = Vec::new();
    for (((name, _), spec), runs) in cases.iter().zip(&specs).zip(&runs) {
        let run = &runs[0];
        let times = EnrollTimes::of(spec);
        let mut matched = 0;
        let mut first_bad = None;
        let mut by_attempt = vec![0usize; spec.enrollment.retry_schedule.len() + 3];
        for u in &run.users {
            let m = u.milestones;
            let ok = match (m.key_registered, m.key_in_ad, m.usable) {
                (Some(reg), Some(ad), Some(usable)) => {
                    let (k, _, want) = expected_pre_kb(spec, times, reg, ad);
                    let last = by_attempt.len() - 1;
                    by_attempt[k.min(last)] += 1;
                    if usable == want {
                        true
                    } else {
                        first_bad.get_or_insert(format!(
                            "user {}: usable {:.6} s after registration, expected {:.6} s",
                            u.id,
                            to_secs(usable - reg),
                            to_secs(want - reg)
                        ));
                        false
                    }
                }
                _ => {
                    first_bad.get_or_insert(format!("user {} not usable ({:?})", u.id, u.outcome));
                    false
                }
            };
            matched += ok as usize;
        }
        let labels: Vec<String> = std::iter::once("first try".to_string())
            .chain(
                spec.enrollment
                    .retry_schedule
                    .iter()
                    .map(|d| format!("{}m", d.0 / MINUTE)),
            )
            .chain(["periodic".to_string(), "later".to_string()])
            .collect();
        let spread: Vec<String> = labels
            .iter()
            .zip(&by_attempt)
            .filter(|(_, n)| **n > 0)
            .map(|(l, n)| format!("{l}: {n}"))
            .collect();
        let mut c = Check::exact(
            "retry",
            format!("pre-KB, {name}"),
            run.users.len(),
            matched,
            format!("succeeding attempt — {}", spread.join(", ")),
        );
        if let Some(bad) = first_bad {
            c = c.with_note(bad);
        }
        c = check_idle(c, run);
        out.push(c);
    }
    out
}

/// Fails `c` if any server queue formed in `run`: the exact expectations assume idle
/// servers.
fn check_idle(c: Check, run: &RunOutput) -> Check {
    let busy: Vec<String> = run
        .resources
        .iter()
        .filter(|r| {
            r.has_servers && r.resource != ResourceId::AadConnect && r.stats.max_queue > 0.0
        })
        .map(|r| r.resource.to_string())
        .collect();
    if busy.is_empty() {
        c
    } else {
        c.fail_because(format!(
            "queues formed at {}: service was not immediate",
            busy.join(", ")
        ))
    }
}

/// Post-KB on an idle farm: every user's time from sign-in to usable is the sum of the
/// step durations (click, MFA, PIN, key, DRS, request, AD FS, key check, RA, CA,
/// install, DC logon), exactly.
pub(crate) fn post_kb_checks(cfg: &Config) -> Vec<Check> {
    let sets = vec![format!("users={}", cfg.size.users), "adfs.patched=2".into()];
    let spec = load(FIXED_FLOW, "fixed-flow", cfg.seed_for(600), &sets)
        .remove(0)
        .1;
    let run = simulate(&spec, 0);
    let times = EnrollTimes::of(&spec);
    let front = to_registered(&spec);
    let mut matched = 0;
    let mut first_bad = None;
    let (mut via_receipt, mut via_ad) = (0, 0);
    for u in &run.users {
        let m = u.milestones;
        let ok = match (m.signin, m.usable) {
            (Some(signin), Some(usable)) => {
                let registered = signin + front;
                let handled = registered + times.to_handled;
                let in_ad = m.key_in_ad.is_some_and(|t| t <= handled);
                let check = if in_ad {
                    via_ad += 1;
                    times.lookup
                } else {
                    via_receipt += 1;
                    times.receipt
                };
                let want = handled + check + times.after_check;
                if usable == want && m.key_registered == Some(registered) {
                    true
                } else {
                    first_bad.get_or_insert(format!(
                        "user {}: usable {:.6} s after sign-in, expected {:.6} s",
                        u.id,
                        to_secs(usable - signin),
                        to_secs(want - signin)
                    ));
                    false
                }
            }
            _ => {
                first_bad.get_or_insert(format!("user {} not usable ({:?})", u.id, u.outcome));
                false
            }
        };
        matched += ok as usize;
    }
    let expected = front + times.to_handled + times.receipt + times.after_check;
    let mut c = Check::exact(
        "flow",
        "post-KB, idle farm: sign-in → usable = sum of the step durations",
        run.users.len(),
        matched,
        format!(
            "{:.3} s each ({via_receipt} via DRS receipt validation, {via_ad} via the key in AD)",
            to_secs(expected)
        ),
    );
    if let Some(bad) = first_bad {
        c = c.with_note(bad);
    }
    vec![check_idle(c, &run)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        load(FIXED_FLOW, "t", 1, &["users=10".into()]).remove(0).1
    }

    #[test]
    fn embedded_scenarios_load() {
        assert_eq!(load(LOADED_FLOW, "t", 1, &[]).len(), 2);
        let s = spec();
        assert_eq!(to_registered(&s), 40_900_000);
    }

    #[test]
    fn pre_kb_expectation_follows_the_schedule() {
        let s = spec();
        let t = EnrollTimes::of(&s);
        let reg = 1_000 * MINUTE;
        // Key in AD before the first check: the first attempt succeeds.
        assert_eq!(expected_pre_kb(&s, t, reg, reg).0, 0);
        // Key in AD 10 min after registration: the 24-min retry.
        let (k, at, _) = expected_pre_kb(&s, t, reg, reg + 10 * MINUTE);
        assert_eq!((k, at), (1, reg + 24 * MINUTE));
        // Exactly at the 85-min retry's check instant: that retry succeeds.
        let (k, at, _) = expected_pre_kb(&s, t, reg, reg + 85 * MINUTE + t.to_handled);
        assert_eq!((k, at), (2, reg + 85 * MINUTE));
        // After the 480-min retry: autoenrollment's periodic run 8 h after that refusal.
        let (k, at, _) = expected_pre_kb(&s, t, reg, reg + 500 * MINUTE);
        let refused = reg + 480 * MINUTE + t.to_handled + t.lookup;
        assert_eq!((k, at), (7, refused + 8 * 60 * MINUTE));
    }
}
