//! What `plan` writes: `plan.json` (the answer), `plan.csv` (every evaluated
//! combination), `report.md`, the chart, and the table printed on the terminal. Every file
//! is written atomically; the bytes depend only on the inputs (no times, no thread count).

use super::answer::{as_map, describe, Answer, Miss, ASSUMES};
use super::evaluate::{Estimate, Evaluation, Method};
use super::target::{SearchKey, Target};
use crate::report::atomic::FileList;
use crate::report::markdown::crypto_sentence;
use crate::report::table::{dur, markdown, text_columns};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// What the outputs say about the question besides the answer.
#[derive(Debug, Clone)]
pub struct Question {
    /// Scenario name.
    pub scenario: String,
    /// Scenario file name.
    pub source: String,
    /// The search's seed.
    pub seed: u64,
    /// Users per replication.
    pub users: u32,
    /// Replications per combination.
    pub replications: u32,
    /// `"real"` or `"off"`.
    pub pki_mode: &'static str,
    /// The targets.
    pub targets: Vec<Target>,
    /// The searched keys.
    pub keys: Vec<SearchKey>,
}

impl Question {
    /// Combinations in the searched ranges.
    pub fn grid(&self) -> u64 {
        self.keys.iter().map(|k| k.len() as u64).product()
    }
}

/// `plan.json`'s verification entry.
#[derive(Serialize)]
struct VerificationJson<'a> {
    seed: u64,
    replications: u32,
    meets: bool,
    estimates: BTreeMap<&'a str, &'a Estimate>,
}

/// `plan.json`'s nearest cheaper failing combination.
#[derive(Serialize)]
struct FailingJson<'a> {
    values: BTreeMap<String, i64>,
    cost: f64,
    misses: &'a [Miss],
    estimates: BTreeMap<&'a str, &'a Estimate>,
}

/// `plan.json`.
#[derive(Serialize)]
struct PlanJson<'a> {
    scenario: &'a str,
    source: &'a str,
    seed: u64,
    users: u32,
    replications: u32,
    pki_mode: &'a str,
    assumes: &'a str,
    targets: &'a [Target],
    searched: &'a [SearchKey],
    grid: u64,
    evaluated: usize,
    verification_runs: usize,
    recommended: BTreeMap<String, i64>,
    cost: f64,
    meets: bool,
    fragile: bool,
    estimates: BTreeMap<&'a str, &'a Estimate>,
    verification: Option<VerificationJson<'a>>,
    cheaper_failing: Option<FailingJson<'a>>,
    failed_verification: Vec<BTreeMap<String, i64>>,
    notes: &'a [String],
}

/// Whether an answer rests on a figure without an interval.
pub fn fragile(a: &Answer) -> bool {
    let loose = |e: &Evaluation| {
        e.estimates
            .iter()
            .any(|x| matches!(x.method, Method::Point | Method::Absent))
    };
    loose(&a.estimate) || a.verification.as_ref().is_some_and(loose)
}

fn by_target<'a>(q: &'a Question, e: &'a Evaluation) -> BTreeMap<&'a str, &'a Estimate> {
    q.targets
        .iter()
        .map(|t| t.text.as_str())
        .zip(&e.estimates)
        .collect()
}

/// `plan.json`'s bytes.
pub(crate) fn plan_json(q: &Question, a: &Answer) -> anyhow::Result<Vec<u8>> {
    let json = PlanJson {
        scenario: &q.scenario,
        source: &q.source,
        seed: q.seed,
        users: q.users,
        replications: q.replications,
        pki_mode: q.pki_mode,
        assumes: ASSUMES,
        targets: &q.targets,
        searched: &q.keys,
        grid: q.grid(),
        evaluated: a.evaluated,
        verification_runs: a.failed_verification.len() + a.verification.iter().count(),
        recommended: as_map(&q.keys, &a.recommended),
        cost: a.estimate.cost,
        meets: a.meets,
        fragile: fragile(a),
        estimates: by_target(q, &a.estimate),
        verification: a.verification.as_ref().map(|v| VerificationJson {
            seed: v.seed,
            replications: q.replications,
            meets: v.meets,
            estimates: by_target(q, v),
        }),
        cheaper_failing: a.cheaper_failing.as_ref().map(|(e, m)| FailingJson {
            values: as_map(&q.keys, &e.values),
            cost: e.cost,
            misses: m,
            estimates: by_target(q, e),
        }),
        failed_verification: a
            .failed_verification
            .iter()
            .map(|e| as_map(&q.keys, &e.values))
            .collect(),
        notes: &a.notes,
    };
    let mut bytes = serde_json::to_vec_pretty(&json)?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn num(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// `plan.csv`'s bytes: one row per evaluation, in the order they were made.
pub(crate) fn plan_csv(q: &Question, a: &Answer) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["role".into(), "seed".into()];
    header.extend(q.keys.iter().map(|k| k.key.clone()));
    header.push("cost".into());
    for t in &q.targets {
        for col in ["value", "low", "high", "bound", "meets"] {
            header.push(format!("{}:{col}", t.text));
        }
    }
    header.push("meets".into());
    w.write_record(&header)?;
    for e in &a.evaluations {
        let mut row: Vec<String> = vec![e.role.name().into(), e.seed.to_string()];
        row.extend(e.values.iter().map(|v| v.to_string()));
        row.push(e.cost.to_string());
        for est in &e.estimates {
            row.push(num(est.value));
            row.push(num(est.interval.map(|c| c[0])));
            row.push(num(est.interval.map(|c| c[1])));
            row.push(num(est.bound));
            row.push(est.meets.to_string());
        }
        row.push(e.meets.to_string());
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// A figure in its unit: a duration for times, else a number.
pub fn show(t: &Target, x: Option<f64>) -> String {
    match x {
        None => "—".into(),
        Some(v) if t.seconds => dur(Some(v)),
        Some(v) => format!("{v:.3}"),
    }
}

fn interval_cell(t: &Target, e: &Estimate) -> String {
    match (e.interval, e.method) {
        (Some([lo, hi]), _) => format!("{}–{}", show(t, Some(lo)), show(t, Some(hi))),
        (None, Method::Absent) => "absent".into(),
        (None, _) => "none (fragile)".into(),
    }
}

fn yes(b: bool) -> String {
    if b { "yes" } else { "NO" }.into()
}

/// Rows of the targets table: target, estimate, interval, bound, meets (and the
/// verification's bound and meets when there was one).
fn target_rows(q: &Question, a: &Answer) -> (Vec<String>, Vec<Vec<String>>) {
    let mut headers: Vec<String> = ["target", "estimate", "95 % interval", "bound", "meets"]
        .map(String::from)
        .to_vec();
    if a.verification.is_some() {
        headers.push("verified bound".into());
        headers.push("verified".into());
    }
    let rows = q
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let e = &a.estimate.estimates[i];
            let mut r = vec![
                t.text.clone(),
                show(t, e.value),
                interval_cell(t, e),
                show(t, e.bound),
                yes(e.meets),
            ];
            if let Some(v) = &a.verification {
                r.push(show(t, v.estimates[i].bound));
                r.push(yes(v.estimates[i].meets));
            }
            r
        })
        .collect();
    (headers, rows)
}

/// The sentence about the nearest cheaper combination that fails.
fn cheaper_sentence(q: &Question, a: &Answer) -> String {
    match &a.cheaper_failing {
        None if a.meets => "Nothing cheaper was in the searched ranges.".into(),
        None => String::new(),
        Some((e, misses)) => {
            let why: Vec<String> = misses
                .iter()
                .map(|m| {
                    let t = q
                        .targets
                        .iter()
                        .find(|t| t.text == m.target)
                        .expect("a miss names a target");
                    match m.by {
                        Some(by) => format!(
                            "`{}` (bound {}, misses by {})",
                            m.target,
                            show(t, m.bound),
                            show(t, Some(by))
                        ),
                        None => format!("`{}` (figure absent)", m.target),
                    }
                })
                .collect();
            format!(
                "The nearest cheaper combination, {} (cost {}), fails {}.",
                describe(&q.keys, &e.values),
                e.cost,
                why.join(", ")
            )
        }
    }
}

/// The headline sentence.
fn headline(q: &Question, a: &Answer) -> String {
    let combo = describe(&q.keys, &a.recommended);
    if a.meets {
        format!(
            "Recommended: {combo} (cost {}) — meets every target with 95 % confidence across {} replication(s), and again with fresh replications (seed {}).",
            a.estimate.cost,
            q.replications,
            a.verification.as_ref().map_or(0, |v| v.seed)
        )
    } else {
        format!(
            "No combination in the searched ranges meets every target; the closest is {combo} (cost {}).",
            a.estimate.cost
        )
    }
}

fn search_sentence(q: &Question, a: &Answer) -> String {
    let ranges: Vec<String> = q
        .keys
        .iter()
        .map(|k| format!("{} {}..{} (weight {})", k.key, k.lo, k.hi, k.weight))
        .collect();
    format!(
        "Searched {}: {} of the {} combinations evaluated on seed {}, plus {} verification run(s). It assumes {}.",
        ranges.join(", "),
        a.evaluated,
        q.grid(),
        q.seed,
        a.failed_verification.len() + a.verification.iter().count(),
        ASSUMES
    )
}

/// What the terminal shows after a plan.
pub fn terminal(q: &Question, a: &Answer) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", headline(q, a));
    let (h, rows) = target_rows(q, a);
    let _ = write!(out, "{}", text_columns(&h, &rows, 1));
    let c = cheaper_sentence(q, a);
    if !c.is_empty() {
        let _ = writeln!(out, "{c}");
    }
    let _ = writeln!(out, "{}", search_sentence(q, a));
    for n in &a.notes {
        let _ = writeln!(out, "note: {n}");
    }
    if q.pki_mode != "real" {
        let _ = writeln!(out, "crypto: OFF (pki.mode = \"off\")");
    }
    out
}

/// `report.md`.
pub(crate) fn report_md(q: &Question, a: &Answer, charts: &[(String, String)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Plan: {}\n", q.scenario);
    let _ = writeln!(
        out,
        "Scenario `{}`, seed {}, {} users, {} replication(s) per combination.\n",
        q.source, q.seed, q.users, q.replications
    );
    let _ = writeln!(out, "Cryptography: {}\n", crypto_sentence(q.pki_mode));
    let _ = writeln!(out, "## Answer\n\n**{}**\n", headline(q, a));
    let (h, rows) = target_rows(q, a);
    let _ = writeln!(out, "{}", markdown(&h, &rows));
    let _ = writeln!(
        out,
        "A target is met when the end of the figure's 95 % interval across replications on the side that matters (the upper end for `<=`, the lower for `>=`) satisfies it; with one replication there is no interval and the point figure is used (fragile).\n"
    );
    let c = cheaper_sentence(q, a);
    if !c.is_empty() {
        let _ = writeln!(out, "## Why not cheaper\n\n{c}\n");
    }
    let _ = writeln!(out, "## Search\n\n{}\n", search_sentence(q, a));
    let _ = writeln!(
        out,
        "Every combination ran on the same seed (common random numbers), so differences between them come from the capacity, not from the dice. The recommendation was run again on the next seed with the same number of replications; `plan.csv` lists every evaluation.\n"
    );
    if !a.notes.is_empty() {
        let _ = writeln!(out, "## Notes\n");
        for n in &a.notes {
            let _ = writeln!(out, "- {n}");
        }
        let _ = writeln!(out);
    }
    if !charts.is_empty() {
        let _ = writeln!(out, "## Charts\n");
        for (file, caption) in charts {
            let _ = writeln!(out, "![{caption}]({file})\n");
        }
    }
    out
}

/// Writes every output into `out_dir`; returns the files written.
pub(crate) fn write_plan_outputs(
    q: &Question,
    a: &Answer,
    out_dir: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = FileList::new(out_dir);
    files.put("plan.json", plan_json(q, a)?)?;
    files.put("plan.csv", plan_csv(q, a)?)?;
    let charts = vec![(
        "charts/plan.svg".to_string(),
        "Every evaluated combination: cost against how close it comes to the targets".to_string(),
    )];
    files.put("report.md", report_md(q, a, &charts).into_bytes())?;
    files.extend(super::chart::write(q, a, &out_dir.join("charts"))?);
    Ok(files.into_files())
}
