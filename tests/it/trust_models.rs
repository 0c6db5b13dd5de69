//! Every hybrid trust model side by side (docs/model.md §11): `scenarios/trust-models.toml` on the
//! same users — the order of the medians, which models follow the sync interval, that key
//! trust and cloud Kerberos trust never call the RA or the CA, that real crypto still runs
//! for certificate trust, the per-user event log, a DC out of reach, and bad input.

use crate::common::{self, repo, run, run_with, summary, temp_out, variant};
use std::path::{Path, PathBuf};
use whfb_sim::model::pki_port::{
    CaAnswer, DcAnswer, Envelope, InstallAnswer, Issued, Pending, PkiPort, RaAnswer, RaCall,
    Refusal, Request, RequestKey,
};
use whfb_sim::model::{Model, ResourceId, TraceFilter};
use whfb_sim::pki::OffPki;
use whfb_sim::scenario::Scenario;

const SCENARIO: &str = "scenarios/trust-models.toml";
const VARIANTS: [&str; 4] = ["pre-kb", "post-kb", "key-trust", "cloud-kerberos"];

/// Runs the scenario with `extra` arguments (crypto off unless `extra` says otherwise)
/// into a fresh folder.
fn run_scenario(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let (dir, out) = temp_out();
    let scenario = repo(SCENARIO);
    let out_s = out.display().to_string();
    let mut args = vec!["run", &scenario, "--quiet", "--out", &out_s];
    if !extra.iter().any(|a| a.starts_with("pki.mode")) {
        args.extend(["--set", "pki.mode=off"]);
    }
    args.extend_from_slice(extra);
    let cache = dir.path().join("keys");
    let o = run_with(&args, &[("WHFB_SIM_KEY_CACHE", &cache)]);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    (dir, out)
}

fn p50(s: &serde_json::Value, name: &str) -> f64 {
    variant(s, name)["time_to_usable_s"]["p50"]
        .as_f64()
        .unwrap()
}

#[test]
fn the_scenario_compares_all_four_models_on_the_same_users() {
    let (_d, out) = run_scenario(&[]);
    let s = summary(&out);
    let names: Vec<&str> = s["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, VARIANTS);
    assert_eq!(s["users"], 5000);
    let [pre, post, key, cloud] = VARIANTS.map(|v| p50(&s, v));
    assert!(
        cloud <= post && post < key && key < pre,
        "medians: cloud-kerberos {cloud} s, post-kb {post} s, key-trust {key} s, pre-kb {pre} s"
    );
    // Key trust waits for the cycle that carries the key: at least the sync's mean
    // residual time is in its median, unlike post-KB's and cloud Kerberos trust's.
    assert!(
        key > post + 5.0 * 60.0,
        "key-trust {key} s, post-kb {post} s"
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    for v in VARIANTS {
        assert!(report.contains(&format!("| {v} |")), "report.md lacks {v}");
    }
    assert!(report.contains("AD replication (→ key on the user's DC)"));
    let trusts = ["certificate", "certificate", "key", "cloud_kerberos"];
    for (v, t) in VARIANTS.iter().zip(trusts) {
        assert_eq!(variant(&s, v)["trust"], t, "{v}");
        assert!(
            report.contains(&format!("{v} (trust: {t})")),
            "report.md names {v}'s trust"
        );
    }
    for chart in ["cdf.svg", "stages.svg", "histogram.svg"] {
        let svg = std::fs::read_to_string(out.join("charts").join(chart)).unwrap();
        for v in VARIANTS {
            assert!(svg.contains(v), "{chart} lacks {v}");
        }
    }
}

#[test]
fn a_longer_sync_interval_moves_pre_kb_and_key_trust_only() {
    let (_a, base) = run_scenario(&[]);
    let (_b, slow) = run_scenario(&["--set", "aad_connect.interval=2h"]);
    let (b, s) = (summary(&base), summary(&slow));
    for v in ["pre-kb", "key-trust"] {
        let (x, y) = (p50(&b, v), p50(&s, v));
        assert!(y > x + 20.0 * 60.0, "{v}: p50 {x} s at 30m, {y} s at 2h");
    }
    // Cloud Kerberos trust never waits for a cycle: not one user's time changes.
    assert_eq!(
        variant(&b, "cloud-kerberos")["time_to_usable_s"],
        variant(&s, "cloud-kerberos")["time_to_usable_s"]
    );
    // Post-KB waits for a cycle only through device writeback, which joining devices
    // wait out until their next sign-in anyway.
    let (x, y) = (p50(&b, "post-kb"), p50(&s, "post-kb"));
    assert!(
        (y - x).abs() <= 0.02 * x,
        "post-kb: p50 {x} s at 30m, {y} s at 2h"
    );
}

/// Forwards to the off-mode PKI and counts the registration authority's and the CA's
/// calls.
struct Counting {
    inner: OffPki,
    requests: u64,
    ra: u64,
    ca: u64,
}

impl PkiPort for Counting {
    fn is_real(&self) -> bool {
        self.inner.is_real()
    }
    fn register_key(&mut self, user: u32, now_us: u64) {
        self.inner.register_key(user, now_us)
    }
    fn client_request(&mut self, user: u32, key: RequestKey) -> Request {
        self.requests += 1;
        self.inner.client_request(user, key)
    }
    fn ra_process(&mut self, call: RaCall, request: &Request, now_us: u64) -> RaAnswer {
        self.ra += 1;
        self.inner.ra_process(call, request, now_us)
    }
    fn ca_issue(
        &mut self,
        envelope: &Envelope,
        serials: &mut dyn FnMut() -> u64,
        now_us: u64,
    ) -> CaAnswer {
        self.ca += 1;
        self.inner.ca_issue(envelope, serials, now_us)
    }
    fn client_install(&mut self, user: u32, issued: &Issued, now_us: u64) -> Result<(), Refusal> {
        self.inner.client_install(user, issued, now_us)
    }
    fn dc_logon(&mut self, user: u32, issued: &Issued, now_us: u64) -> DcAnswer {
        self.inner.dc_logon(user, issued, now_us)
    }
    fn revoke_agent(&mut self, now_us: u64) {
        self.inner.revoke_agent(now_us)
    }
    fn reenroll_agent(&mut self, now_us: u64) {
        self.inner.reenroll_agent(now_us)
    }
    fn start_ra(&mut self, call: RaCall, request: Request, now_us: u64) -> Pending<RaAnswer> {
        self.ra += 1;
        self.inner.start_ra(call, request, now_us)
    }
    fn start_ca(
        &mut self,
        envelope: Envelope,
        serials: &mut dyn FnMut() -> u64,
        now_us: u64,
    ) -> Pending<CaAnswer> {
        self.ca += 1;
        self.inner.start_ca(envelope, serials, now_us)
    }
    fn start_install(&mut self, user: u32, issued: Issued, now_us: u64) -> Pending<InstallAnswer> {
        self.inner.start_install(user, issued, now_us)
    }
    fn start_dc(&mut self, user: u32, issued: Issued, now_us: u64) -> Pending<DcAnswer> {
        self.inner.start_dc(user, issued, now_us)
    }
}

#[test]
fn key_trust_and_cloud_kerberos_make_no_ra_or_ca_calls() {
    let text = std::fs::read_to_string(repo(SCENARIO)).unwrap();
    let sets = ["users=400".to_string(), "pki.mode=\"off\"".to_string()];
    let scenario = Scenario::load_str(&text, SCENARIO, "trust-models", &sets).unwrap();
    for v in &scenario.variants {
        let mut pki = Counting {
            inner: OffPki::new(&Default::default(), v.spec.users as usize),
            requests: 0,
            ra: 0,
            ca: 0,
        };
        let out = Model::new(&v.spec, 0, &mut pki, &TraceFilter::Off).run();
        let usable = out
            .users
            .iter()
            .filter(|u| u.milestones.usable.is_some())
            .count();
        assert!(usable > 350, "{}: {usable} usable", v.name);
        let ca_arrivals = out
            .resources
            .iter()
            .find(|r| r.resource == ResourceId::Ca)
            .unwrap()
            .stats
            .arrivals;
        let calls = (pki.requests, pki.ra, pki.ca);
        match v.name.as_str() {
            "pre-kb" | "post-kb" => {
                assert!(
                    pki.ra >= usable as u64 && pki.ca >= usable as u64,
                    "{}: {calls:?}",
                    v.name
                );
                assert!(ca_arrivals >= usable as u64);
            }
            _ => {
                assert_eq!(calls, (0, 0, 0), "{}: requests, RA and CA calls", v.name);
                assert_eq!(ca_arrivals, 0, "{}", v.name);
                assert!(out.users.iter().all(|u| u.enroll_attempts == 0));
            }
        }
    }
}

#[test]
fn real_crypto_runs_where_certificates_are_involved() {
    let (_d, out) = run_scenario(&["--users", "40", "--set", "pki.mode=real"]);
    let s = summary(&out);
    assert_eq!(s["pki_mode"], "real");
    for v in VARIANTS {
        let vs = variant(&s, v);
        assert_eq!(vs["outcomes"]["usable"], 40, "{v}");
        let ca = vs["resources"]["ca"]["arrivals"].as_u64().unwrap();
        let requests = vs["enrollment_requests"].as_u64().unwrap();
        if v.ends_with("-kb") {
            assert!(ca >= 40 && requests >= 40, "{v}: {ca} CA arrivals");
        } else {
            assert_eq!((ca, requests), (0, 0), "{v}");
        }
    }
}

/// events.csv rows of `variant`: (user, time s, step, event id, message).
fn events(out: &Path, variant: &str) -> Vec<(u32, f64, String, String, String)> {
    let mut r = csv::Reader::from_path(out.join("events.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (cv, cu, ct, cs, ce, cm) = (
        col("variant"),
        col("user"),
        col("time_s"),
        col("step"),
        col("event_id"),
        col("message"),
    );
    r.records()
        .map(|x| x.unwrap())
        .filter(|x| &x[cv] == variant)
        .map(|x| {
            (
                x[cu].parse().unwrap(),
                x[ct].parse().unwrap(),
                x[cs].to_string(),
                x[ce].to_string(),
                x[cm].to_string(),
            )
        })
        .collect()
}

/// users.csv: (variant, user) → column `col` in seconds.
fn user_times(out: &Path, col: &str) -> std::collections::HashMap<(String, u32), f64> {
    let mut r = csv::Reader::from_path(out.join("users.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let pos = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (cv, cu, cc) = (pos("variant"), pos("user"), pos(col));
    r.records()
        .map(|x| x.unwrap())
        .filter(|x| !x[cc].is_empty())
        .map(|x| {
            (
                (x[cv].to_string(), x[cu].parse().unwrap()),
                x[cc].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_event_log_shows_each_model_s_own_steps() {
    // Short sessions, so that users sign in again while their key waits for a cycle.
    let (_d, out) = run_scenario(&[
        "--users",
        "300",
        "--trace",
        "--set",
        "signin.session=10m",
        "--set",
        "signin.away=5m",
    ]);
    let usable = user_times(&out, "usable_s");
    let key = events(&out, "key-trust");
    let early: Vec<_> = key
        .iter()
        .filter(|e| e.4.contains("That option is temporarily unavailable"))
        .collect();
    assert!(
        !early.is_empty(),
        "no key-trust sign-in before the key reached the DC"
    );
    for e in &early {
        let at = usable[&("key-trust".to_string(), e.0)];
        assert!(
            e.1 < at,
            "user {}: refused at {} s, usable at {at} s",
            e.0,
            e.1
        );
    }
    assert!(key.iter().any(|e| e.2 == "key_on_dc"));
    assert!(!key.iter().any(|e| e.2 == "enrollment"));
    let cloud = events(&out, "cloud-kerberos");
    let launched: Vec<_> = cloud.iter().filter(|e| e.3 == "358").collect();
    assert!(!launched.is_empty());
    assert!(launched
        .iter()
        .all(|e| e.4.contains("User account has Cloud TGT: Yes")));
    assert!(!events(&out, "post-kb")
        .iter()
        .any(|e| e.4.contains("Cloud TGT")));
}

#[test]
fn a_dc_out_of_reach_delays_first_use_to_the_window_s_end() {
    // 06:00–12:00: the whole morning wave finishes provisioning with no DC in reach.
    let fault = "faults=[{ kind = \"dc_unreachable\", start = \"6h\", end = \"12h\" }]";
    let (_d, out) = run_scenario(&["--users", "300", "--set", fault]);
    let s = summary(&out);
    let usable = user_times(&out, "usable_s");
    let waited = user_times(&out, "dc_wait_s");
    for v in VARIANTS {
        let hit = variant(&s, v)["faults"][0]["users_hit"].as_u64().unwrap();
        assert!(hit > 100, "{v}: {hit} users hit");
        let n = waited.keys().filter(|(name, _)| name == v).count() as u64;
        assert_eq!(n, hit, "{v}: users who waited for a DC");
    }
    for ((v, u), w) in &waited {
        assert!(
            (6.0 * 3600.0..12.0 * 3600.0).contains(w),
            "{v} {u}: waited from {w}"
        );
        let at = usable[&(v.clone(), *u)];
        assert!(at >= 12.0 * 3600.0, "{v} {u}: usable at {at} s");
        if v == "cloud-kerberos" || v == "key-trust" {
            assert_eq!(at, 12.0 * 3600.0, "{v} {u}");
        }
    }
}

#[test]
fn bad_trust_settings_are_refused_with_the_key_and_what_is_allowed() {
    let scenario = repo(SCENARIO);
    let o = run(&["check", &scenario, "--set", "trust=kerberos"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("trust"), "{err}");
    for allowed in ["certificate", "key", "cloud_kerberos"] {
        assert!(err.contains(allowed), "{err}");
    }
    let o = run(&["check", &scenario, "--set", "attacks.mismatched_key=0.1"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("attacks.mismatched_key") && err.contains("trust = \"key\""),
        "{err}"
    );
    let o = run(&["check", &scenario]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn outputs_do_not_depend_on_threads_or_shards() {
    // Every model, with a DC outage so the new columns and stages are filled.
    let fault = "faults=[{ kind = \"dc_unreachable\", start = \"8h\", end = \"9h\" }]";
    let common_args = ["--users", "200", "--trace-users", "1,7", "--set", fault];
    let mut one = common_args.to_vec();
    one.extend(["--threads", "1"]);
    let mut two = common_args.to_vec();
    two.extend(["--threads", "2"]);
    let (_a, a) = run_scenario(&one);
    let (_b, b) = run_scenario(&two);
    common::same_files(&a, &b);
    // Three shards (four variants: one shard holds two), merged.
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo(SCENARIO);
    let mut dirs = Vec::new();
    for k in 1..=3 {
        let d = dir.path().join(format!("shard-{k}"));
        let spec = format!("{k}/3");
        let mut args = vec!["run", &scenario, "--quiet", "--set", "pki.mode=off"];
        args.extend_from_slice(&common_args);
        let d_s = d.display().to_string();
        args.extend(["--shard", &spec, "--out", &d_s]);
        let o = run(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        dirs.push(d_s);
    }
    let merged = dir.path().join("merged").display().to_string();
    let mut args = vec!["merge"];
    args.extend(dirs.iter().map(|d| d.as_str()));
    args.extend(["--out", &merged]);
    let o = run(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    common::same_files(&a, Path::new(&merged));
}
