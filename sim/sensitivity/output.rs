//! What `sensitivity` writes: `sensitivity.json` (every key's effects on every figure),
//! `sensitivity.csv` (one row per figure × key, ranked), the charts, `report.md` (which
//! keys decide each figure, which do not matter, what to measure first) and the table
//! printed on the terminal. The bytes depend only on the inputs (no times, no thread
//! count).

use super::design::{Design, Factor, Skipped};
use super::morris::{self, MorrisEffect, MorrisResult, BOOTSTRAP_RESAMPLES};
use super::oat::{self, Effect, OatResult, Verdict};
use super::reduce::PointData;
use super::Method;
use crate::params::level::Level;
use crate::report::atomic::FileList;
use crate::report::markdown::crypto_sentence;
use crate::report::table::{dur, markdown, text_columns};
use crate::scenario::duration::compact;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Keys listed per figure on the terminal; the rest are in the files.
const TERMINAL_ROWS: usize = 12;
/// Keys named in one sentence on the terminal (report.md names them all).
const TERMINAL_NAMES: usize = 6;

/// The keys that together make this share of a figure's total swing (or of its summed
/// μ*) are the ones that "decide" it.
const DECIDING_SHARE: f64 = 0.8;

/// What the outputs say about the run besides the effects.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// Scenario name.
    pub scenario: String,
    /// Scenario file name.
    pub source: String,
    /// Seed of every point.
    pub seed: u64,
    /// Users per replication.
    pub users: u32,
    /// Replications per point.
    pub replications: u32,
    /// `"real"` or `"off"`.
    pub pki_mode: &'static str,
    /// The figures, in `--figure` order.
    pub figures: &'a [String],
    /// The design that ran.
    pub design: &'a Design,
}

/// The effects, by method.
#[derive(Debug, Clone, PartialEq)]
pub enum Analysis {
    /// One-at-a-time.
    Oat(OatResult),
    /// Morris.
    Morris(MorrisResult),
}

/// Analyses the reduced `points` of `design` (in design order) with its method.
pub fn analyse(design: &Design, figures: &[String], points: &[PointData], seed: u64) -> Analysis {
    match design.method {
        Method::Oat => Analysis::Oat(oat::analyse(design, figures, points)),
        Method::Morris => Analysis::Morris(morris::analyse(design, figures, points, seed)),
    }
}

impl Analysis {
    /// Whether figure `f` is a time in seconds.
    pub fn time(&self, f: usize) -> bool {
        match self {
            Analysis::Oat(r) => r.time[f],
            Analysis::Morris(r) => r.time[f],
        }
    }

    /// The factors in rank order on figure `f`.
    pub(crate) fn ranked(&self, f: usize) -> Vec<usize> {
        match self {
            Analysis::Oat(r) => r.ranked(f),
            Analysis::Morris(r) => r.ranked(f),
        }
    }

    /// Whether factor `i` does not matter for figure `f`.
    pub fn negligible(&self, i: usize, f: usize) -> bool {
        match self {
            Analysis::Oat(r) => r.effects[i][f].verdict == Verdict::Negligible,
            Analysis::Morris(r) => r.effects[i][f].negligible,
        }
    }

    /// Whether factor `i`'s effect on figure `f` is large but cannot be told from noise
    /// (one-at-a-time on a plateau).
    pub(crate) fn unresolved(&self, i: usize, f: usize) -> bool {
        match self {
            Analysis::Oat(r) => r.effects[i][f].verdict == Verdict::Unresolved,
            Analysis::Morris(_) => false,
        }
    }

    /// Whether factor `i` measurably moves figure `f`.
    pub fn matters(&self, i: usize, f: usize) -> bool {
        !self.negligible(i, f) && !self.unresolved(i, f)
    }

    /// The magnitude ranking is by: |effect| or μ*.
    fn magnitude(&self, i: usize, f: usize) -> Option<f64> {
        match self {
            Analysis::Oat(r) => r.effects[i][f].effect.map(f64::abs),
            Analysis::Morris(r) => r.effects[i][f].mu_star,
        }
    }

    /// The factors that decide figure `f`: those that measurably move it, largest first,
    /// until they make `DECIDING_SHARE` of what all of those together move it by.
    pub(crate) fn deciding(&self, f: usize) -> Vec<usize> {
        let measurable: Vec<usize> = self
            .ranked(f)
            .into_iter()
            .filter(|&i| self.matters(i, f))
            .collect();
        let total: f64 = measurable
            .iter()
            .filter_map(|&i| self.magnitude(i, f))
            .sum();
        let mut out = Vec::new();
        let mut sum = 0.0;
        for i in measurable {
            if total <= 0.0 || sum >= DECIDING_SHARE * total {
                break;
            }
            sum += self.magnitude(i, f).unwrap_or(0.0);
            out.push(i);
        }
        out
    }
}

/// A number as a person reads it: up to four decimals, no trailing zeros.
fn num(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A figure's value: a duration for a time, else a number; `—` when absent.
pub(crate) fn value_text(x: Option<f64>, time: bool) -> String {
    match x {
        None => "—".into(),
        Some(v) if time => dur(Some(v)),
        Some(v) => num(v),
    }
}

/// A signed difference: `+2h30m`, `−0.12`.
pub(crate) fn signed_text(x: Option<f64>, time: bool) -> String {
    match x {
        None => "—".into(),
        Some(v) => {
            let body = value_text(Some(v.abs()), time);
            if v > 0.0 {
                format!("+{body}")
            } else if v < 0.0 {
                format!("−{body}")
            } else {
                body
            }
        }
    }
}

/// A level as a short label: `0.9`, `30m`, `median 6h, p95 16h`.
pub(crate) fn level_label(level: &Level, integer: bool) -> String {
    match level {
        Level::Number(_) => level.to_toml(integer),
        Level::Duration(us) => compact(*us),
        Level::Dist(name, figures) => {
            let names: &[&str] = match *name {
                "lognormal" => &["median", "p95"],
                "exponential" => &["mean"],
                _ => &["value"],
            };
            names
                .iter()
                .zip(figures)
                .map(|(n, us)| format!("{n} {}", compact(*us)))
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

/// `low → high` of a factor, short.
fn range_text(f: &Factor) -> String {
    format!(
        "{} → {}",
        level_label(&f.low, f.integer()),
        level_label(&f.high, f.integer())
    )
}

/// `sensitivity.json`'s Morris settings.
#[derive(Serialize)]
struct MorrisJson<'a> {
    trajectories: usize,
    levels: usize,
    delta: f64,
    redrawn: u32,
    redraw_reason: &'a str,
    bootstrap_resamples: usize,
}

/// One key's effect on one figure, as the method gives it (fields in their own order).
#[derive(Serialize)]
#[serde(untagged)]
enum EffectJson<'a> {
    Oat(&'a Effect),
    Morris(&'a MorrisEffect),
}

/// One key of `sensitivity.json`.
#[derive(Serialize)]
struct KeyJson<'a> {
    key: &'a str,
    low: &'a str,
    high: &'a str,
    source_kind: &'a str,
    range_from: super::design::RangeFrom,
    effects: BTreeMap<&'a str, EffectJson<'a>>,
}

/// `sensitivity.json`.
#[derive(Serialize)]
struct SensitivityJson<'a> {
    scenario: &'a str,
    source: &'a str,
    seed: u64,
    users: u32,
    replications: u32,
    pki_mode: &'a str,
    figures: &'a [String],
    method: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    base: Option<BTreeMap<&'a str, Option<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    morris: Option<MorrisJson<'a>>,
    keys: Vec<KeyJson<'a>>,
    skipped: &'a [Skipped],
    evaluated: usize,
}

/// `sensitivity.json`'s bytes.
pub(crate) fn sensitivity_json(c: &Context, a: &Analysis) -> anyhow::Result<Vec<u8>> {
    let d = c.design;
    let keys = d
        .factors
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let effects = c
                .figures
                .iter()
                .enumerate()
                .map(|(j, name)| {
                    let e = match a {
                        Analysis::Oat(r) => EffectJson::Oat(&r.effects[i][j]),
                        Analysis::Morris(r) => EffectJson::Morris(&r.effects[i][j]),
                    };
                    (name.as_str(), e)
                })
                .collect();
            KeyJson {
                key: f.key(),
                low: &f.low_text,
                high: &f.high_text,
                source_kind: f.param.source.kind.as_str(),
                range_from: f.range_from,
                effects,
            }
        })
        .collect();
    let json = SensitivityJson {
        scenario: &c.scenario,
        source: &c.source,
        seed: c.seed,
        users: c.users,
        replications: c.replications,
        pki_mode: c.pki_mode,
        figures: c.figures,
        method: d.method.as_str(),
        base: match a {
            Analysis::Oat(r) => Some(
                c.figures
                    .iter()
                    .map(String::as_str)
                    .zip(r.base.iter().copied())
                    .collect(),
            ),
            Analysis::Morris(_) => None,
        },
        morris: d.morris.as_ref().map(|g| MorrisJson {
            trajectories: g.trajectories.len(),
            levels: g.levels,
            delta: g.delta(),
            redrawn: g.redrawn,
            redraw_reason: &g.redraw_reason,
            bootstrap_resamples: BOOTSTRAP_RESAMPLES,
        }),
        keys,
        skipped: &d.skipped,
        evaluated: d.points.len(),
    };
    let mut out = serde_json::to_vec_pretty(&json)?;
    out.push(b'\n');
    Ok(out)
}

fn cell(x: Option<f64>) -> String {
    x.map(|v| format!("{v}")).unwrap_or_default()
}

/// `sensitivity.csv`: one row per figure × key, in rank order within each figure.
pub(crate) fn sensitivity_csv(c: &Context, a: &Analysis) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let head = [
        "figure",
        "rank",
        "key",
        "source_kind",
        "range_from",
        "low",
        "high",
    ];
    let tail: &[&str] = match a {
        Analysis::Oat(_) => &[
            "low_value",
            "high_value",
            "effect",
            "ci95_low",
            "ci95_high",
            "pairing",
            "share_of_total",
            "negligible",
            "verdict",
        ],
        Analysis::Morris(_) => &[
            "mu",
            "mu_star",
            "sigma",
            "mu_star_ci95_low",
            "mu_star_ci95_high",
            "elementary_effects",
            "negligible",
        ],
    };
    w.write_record(head.iter().chain(tail))?;
    for (j, fig) in c.figures.iter().enumerate() {
        for i in a.ranked(j) {
            let f = &c.design.factors[i];
            let mut row = vec![
                fig.clone(),
                String::new(),
                f.key().to_string(),
                f.param.source.kind.as_str().to_string(),
                match f.range_from {
                    super::design::RangeFrom::Registry => "registry".into(),
                    super::design::RangeFrom::Flag => "flag".into(),
                },
                f.low_text.clone(),
                f.high_text.clone(),
            ];
            match a {
                Analysis::Oat(r) => {
                    let e: &Effect = &r.effects[i][j];
                    row[1] = e.rank.to_string();
                    row.extend([
                        cell(e.low_value),
                        cell(e.high_value),
                        cell(e.effect),
                        cell(e.ci95.map(|c| c[0])),
                        cell(e.ci95.map(|c| c[1])),
                        e.pairing.to_string(),
                        cell(e.share_of_total),
                        e.negligible.to_string(),
                        e.verdict.as_str().to_string(),
                    ]);
                }
                Analysis::Morris(r) => {
                    let e: &MorrisEffect = &r.effects[i][j];
                    row[1] = e.rank.to_string();
                    row.extend([
                        cell(e.mu),
                        cell(e.mu_star),
                        cell(e.sigma),
                        cell(e.mu_star_ci95.map(|c| c[0])),
                        cell(e.mu_star_ci95.map(|c| c[1])),
                        e.elementary_effects.to_string(),
                        e.negligible.to_string(),
                    ]);
                }
            }
            w.write_record(&row)?;
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}

/// The rows of figure `j`'s table (all keys, rank order) and its headers.
fn table(c: &Context, a: &Analysis, j: usize) -> (Vec<String>, Vec<Vec<String>>) {
    let time = a.time(j);
    match a {
        Analysis::Oat(r) => {
            let headers = [
                "#",
                "key",
                "low → high",
                "at low",
                "at high",
                "effect",
                "95% CI",
                "share",
                "",
            ];
            let rows = r
                .ranked(j)
                .into_iter()
                .map(|i| {
                    let f = &c.design.factors[i];
                    let e = &r.effects[i][j];
                    let ci = e.ci95.map_or_else(String::new, |[lo, hi]| {
                        format!(
                            "[{}, {}]",
                            signed_text(Some(lo), time),
                            signed_text(Some(hi), time)
                        )
                    });
                    let mut notes = Vec::new();
                    if e.verdict != Verdict::Matters {
                        notes.push(e.verdict.as_str());
                    }
                    if e.pairing == "marginal" {
                        notes.push("plateau");
                    }
                    vec![
                        e.rank.to_string(),
                        f.key().to_string(),
                        range_text(f),
                        value_text(e.low_value, time),
                        value_text(e.high_value, time),
                        signed_text(e.effect, time),
                        ci,
                        e.share_of_total
                            .map_or_else(|| "—".into(), |s| format!("{:.1}%", 100.0 * s)),
                        notes.join(", "),
                    ]
                })
                .collect();
            (headers.iter().map(|s| s.to_string()).collect(), rows)
        }
        Analysis::Morris(r) => {
            let headers = [
                "#",
                "key",
                "low → high",
                "μ*",
                "95% CI of μ*",
                "μ",
                "σ",
                "σ/μ*",
                "",
            ];
            let rows = r
                .ranked(j)
                .into_iter()
                .map(|i| {
                    let f = &c.design.factors[i];
                    let e = &r.effects[i][j];
                    let ci = e.mu_star_ci95.map_or_else(String::new, |[lo, hi]| {
                        format!(
                            "[{}, {}]",
                            value_text(Some(lo), time),
                            value_text(Some(hi), time)
                        )
                    });
                    let ratio = match (e.sigma, e.mu_star) {
                        (Some(s), Some(m)) if m > 0.0 => format!("{:.2}", s / m),
                        _ => "—".into(),
                    };
                    vec![
                        e.rank.to_string(),
                        f.key().to_string(),
                        range_text(f),
                        value_text(e.mu_star, time),
                        ci,
                        signed_text(e.mu, time),
                        value_text(e.sigma, time),
                        ratio,
                        if e.negligible {
                            "negligible".into()
                        } else {
                            String::new()
                        },
                    ]
                })
                .collect();
            (headers.iter().map(|s| s.to_string()).collect(), rows)
        }
    }
}

/// The keys named in a sentence: `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `names` in a sentence, at most `max` of them (the rest counted).
fn some_names(names: &[String], max: usize) -> String {
    if names.len() <= max {
        return and_list(names);
    }
    format!("{} and {} more", names[..max].join(", "), names.len() - max)
}

/// How large `effect` is against `base`: `, 12 % of the base value` or `, 230 times the
/// base value`; empty without a base.
fn of_base(effect: Option<f64>, base: Option<f64>) -> String {
    match (effect, base) {
        (Some(x), Some(b)) if b != 0.0 => {
            let ratio = x.abs() / b.abs();
            if ratio >= 10.0 {
                format!(", {ratio:.0} times the base value")
            } else {
                format!(", {:.0} % of the base value", 100.0 * ratio)
            }
        }
        _ => String::new(),
    }
}

/// The sentences of figure `j`: which keys decide it, which move it less, which do not
/// matter, which this run cannot settle; lists of keys name at most `max_names`.
fn figure_sentences(c: &Context, a: &Analysis, j: usize, max_names: usize) -> Vec<String> {
    let time = a.time(j);
    let fig = &c.figures[j];
    let d = c.design;
    let mut out = Vec::new();
    let deciding = a.deciding(j);
    let ranked = a.ranked(j);
    let negligible: Vec<usize> = ranked
        .iter()
        .copied()
        .filter(|&i| a.negligible(i, j))
        .collect();
    let unresolved: Vec<usize> = ranked
        .iter()
        .copied()
        .filter(|&i| a.unresolved(i, j))
        .collect();
    let lesser: Vec<usize> = ranked
        .iter()
        .copied()
        .filter(|&i| !deciding.contains(&i) && a.matters(i, j))
        .collect();
    let key_names = |list: &[usize]| -> String {
        let names: Vec<String> = list
            .iter()
            .map(|&i| d.factors[i].key().to_string())
            .collect();
        some_names(&names, max_names)
    };
    match a {
        Analysis::Oat(r) => {
            out.push(format!(
                "`{fig}` is {} with every key as the scenario has it.",
                value_text(r.base[j], time)
            ));
            if r.plateau[j] {
                out.push(
                    "That value sits on a plateau of its distribution (a fifth of its tail of users more or less moves it by more than a factor of 2), so any key that changes how many users are late moves it by the width of the step: read it with care, or ask about a percentile off the step.".into(),
                );
            }
            if deciding.is_empty() {
                out.push("No key moves it measurably over its range.".into());
            } else {
                let parts: Vec<String> = deciding
                    .iter()
                    .map(|&i| {
                        let f = &d.factors[i];
                        let e = &r.effects[i][j];
                        let of_base = of_base(e.effect, r.base[j]);
                        format!(
                            "**{}** ({:.0} % of the total swing; effect {}{of_base}: {} at {}, {} at {})",
                            f.key(),
                            100.0 * e.share_of_total.unwrap_or(0.0),
                            signed_text(e.effect, time),
                            value_text(e.low_value, time),
                            level_label(&f.low, f.integer()),
                            value_text(e.high_value, time),
                            level_label(&f.high, f.integer()),
                        )
                    })
                    .collect();
                out.push(format!("It is decided by {}.", and_list(&parts)));
            }
        }
        Analysis::Morris(r) => {
            if deciding.is_empty() {
                out.push(format!("No key moves `{fig}` measurably over its range."));
            } else {
                let parts: Vec<String> = deciding
                    .iter()
                    .map(|&i| {
                        let e = &r.effects[i][j];
                        format!(
                            "**{}** (μ* {}, μ {})",
                            d.factors[i].key(),
                            value_text(e.mu_star, time),
                            signed_text(e.mu, time)
                        )
                    })
                    .collect();
                out.push(format!(
                    "`{fig}` is decided by {} (μ*: the mean size of the figure's change over a key's whole range; μ: the same with its sign).",
                    and_list(&parts)
                ));
            }
            let interacting: Vec<String> = ranked
                .iter()
                .filter(|&&i| !a.negligible(i, j))
                .filter(|&&i| {
                    let e = &r.effects[i][j];
                    matches!((e.sigma, e.mu_star), (Some(s), Some(m)) if s > m)
                })
                .map(|&i| d.factors[i].key().to_string())
                .collect();
            if !interacting.is_empty() {
                out.push(format!(
                    "The effect of {} depends on where the other keys are (σ above μ*: interactions or a response that is not linear), so one-at-a-time effects understate or overstate it.",
                    and_list(&interacting)
                ));
            }
        }
    }
    if !lesser.is_empty() {
        out.push(format!(
            "{} more key(s) move it measurably but less: {}.",
            lesser.len(),
            key_names(&lesser)
        ));
    }
    if let (false, Analysis::Oat(r)) = (unresolved.is_empty(), a) {
        let parts: Vec<String> = unresolved
            .iter()
            .take(max_names)
            .map(|&i| {
                format!(
                    "{} ({})",
                    d.factors[i].key(),
                    signed_text(r.effects[i][j].effect, time)
                )
            })
            .collect();
        let more = unresolved.len().saturating_sub(max_names);
        let listed = if more > 0 {
            format!("{} and {more} more", parts.join(", "))
        } else {
            and_list(&parts)
        };
        out.push(format!(
            "{} key(s) may matter but this run cannot tell: {listed}. Each moves it by 1 % of its base value or more, but the figure is on a plateau at its low or high, so the interval is not paired and holds 0; more replications (or users) settle it.",
            unresolved.len()
        ));
    }
    if !negligible.is_empty() {
        let rule = match a {
            Analysis::Oat(_) => {
                "they move it by under 1 % of its base value, or their paired 95 % interval holds 0"
            }
            Analysis::Morris(_) => "their μ* is under 1 % of the figure's typical value",
        };
        out.push(format!(
            "{} key(s) do not matter for it ({rule}): {}.",
            negligible.len(),
            key_names(&negligible)
        ));
    }
    if let Analysis::Oat(r) = a {
        let marginal: Vec<usize> = ranked
            .iter()
            .copied()
            .filter(|&i| r.effects[i][j].pairing == "marginal")
            .collect();
        if !marginal.is_empty() {
            out.push(format!(
                "For {} key(s) ({}; marked `plateau`) the figure sits on a plateau at the low or the high (a jump of the distribution), so the interval is not paired: it is built from each end's own percentile interval (`pairing: \"marginal\"`) and spans the step.",
                marginal.len(),
                key_names(&marginal)
            ));
        }
    }
    out
}

/// The keys that decide any figure, in first-seen order, with their source kind.
fn measure_first(c: &Context, a: &Analysis) -> Vec<String> {
    let mut seen: Vec<usize> = Vec::new();
    for j in 0..c.figures.len() {
        for i in a.deciding(j) {
            if !seen.contains(&i) {
                seen.push(i);
            }
        }
    }
    seen.iter()
        .map(|&i| {
            let f = &c.design.factors[i];
            format!("{} ({})", f.key(), f.param.source.kind.as_str())
        })
        .collect()
}

/// The sentence on what the answer rests on.
fn measure_sentence(c: &Context, a: &Analysis) -> String {
    let first = measure_first(c, a);
    let mut unresolved: Vec<String> = Vec::new();
    for j in 0..c.figures.len() {
        for i in a.ranked(j) {
            let key = c.design.factors[i].key().to_string();
            if a.unresolved(i, j) && !unresolved.contains(&key) {
                unresolved.push(key);
            }
        }
    }
    let tail = if unresolved.is_empty() {
        String::new()
    } else {
        format!(
            " Unresolved here (large but not told from noise): {}.",
            some_names(&unresolved, 8)
        )
    };
    if first.is_empty() {
        return format!("No key varied here moves the figures measurably: the answer does not hang on these guesses.{tail}");
    }
    format!(
        "The answer is only as good as the top keys: measure these first — {}. A pilot's own data for them (or a narrower range) is worth more than more replications.{tail}",
        and_list(&first)
    )
}

/// How the points were made and what the intervals mean.
fn method_sentence(c: &Context) -> String {
    let d = c.design;
    match &d.morris {
        None => format!(
            "One-at-a-time: each of {} key(s) at its low and at its high, every other key as the scenario has it, plus the scenario as it is: {} points, each {} replication(s) of {} users on seed {} (common random numbers: every point sees the same users and the same dice, so a difference is the key's, not noise). The low and high points are the runs `whfb-sim sweep --param KEY=LO,HI` makes. The effect is the figure at the high minus the figure at the low, with a paired 95 % interval across replications{}.",
            d.factors.len(),
            d.points.len(),
            c.replications,
            c.users,
            c.seed,
            if c.replications < 2 {
                " — with one replication there is no interval (run with --replications 2 or more)"
            } else {
                ""
            }
        ),
        Some(g) => format!(
            "Morris elementary effects: {} trajectories on a {}-level grid over {} key(s)' ranges (Δ = {:.3} of each range), {} points, each {} replication(s) of {} users on seed {} (common random numbers). An elementary effect is the change of the figure when one key goes up by Δ, divided by Δ: the change over the key's whole range if the response were linear. μ* (mean |effect|) ranks the keys; σ above μ* means the effect depends on the other keys. The interval of μ* is a bootstrap over the trajectories ({BOOTSTRAP_RESAMPLES} resamples).{}",
            g.trajectories.len(),
            g.levels,
            d.factors.len(),
            g.delta(),
            d.points.len(),
            c.replications,
            c.users,
            c.seed,
            if g.redrawn > 0 {
                format!(
                    " {} trajectory draw(s) were refused and drawn again because a point was not a valid scenario (the last: {}).",
                    g.redrawn, g.redraw_reason
                )
            } else {
                String::new()
            }
        ),
    }
}

/// What the terminal shows.
pub fn terminal(c: &Context, a: &Analysis) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", method_sentence(c));
    for j in 0..c.figures.len() {
        let _ = writeln!(out);
        let (h, rows) = table(c, a, j);
        let shown: Vec<Vec<String>> = rows.iter().take(TERMINAL_ROWS).cloned().collect();
        let _ = write!(out, "{}", text_columns(&h, &shown, 3));
        if rows.len() > TERMINAL_ROWS {
            let _ = writeln!(
                out,
                "… {} more key(s) with smaller effects in sensitivity.csv",
                rows.len() - TERMINAL_ROWS
            );
        }
        for s in figure_sentences(c, a, j, TERMINAL_NAMES) {
            let _ = writeln!(out, "{}", s.replace("**", ""));
        }
    }
    let _ = writeln!(out);
    if !c.design.skipped.is_empty() {
        let names: Vec<&str> = c.design.skipped.iter().map(|s| s.key.as_str()).collect();
        let _ = writeln!(
            out,
            "not varied: {} (why: sensitivity.json `skipped`)",
            names.join(", ")
        );
    }
    let _ = writeln!(out, "{}", measure_sentence(c, a));
    if c.pki_mode != "real" {
        let _ = writeln!(out, "crypto: OFF (pki.mode = \"off\")");
    }
    out
}

/// `report.md`.
pub(crate) fn report_md(c: &Context, a: &Analysis, charts: &[(String, String)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Which inputs matter: {}\n", c.scenario);
    let _ = writeln!(
        out,
        "Scenario `{}`, seed {}, {} users, {} replication(s) per point; figures: {}.\n",
        c.source,
        c.seed,
        c.users,
        c.replications,
        c.figures
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(out, "Cryptography: {}\n", crypto_sentence(c.pki_mode));
    let _ = writeln!(
        out,
        "## Measure these first\n\n{}\n",
        measure_sentence(c, a)
    );
    for j in 0..c.figures.len() {
        let _ = writeln!(out, "## `{}`\n", c.figures[j]);
        // One paragraph per finding, so each reads on its own.
        for s in figure_sentences(c, a, j, usize::MAX) {
            let _ = writeln!(out, "{s}\n");
        }
        let (h, rows) = table(c, a, j);
        let _ = writeln!(out, "{}", markdown(&h, &rows));
    }
    let _ = writeln!(out, "## Method\n\n{}\n", method_sentence(c));
    if !c.design.skipped.is_empty() {
        let _ = writeln!(out, "## Not varied\n");
        for s in &c.design.skipped {
            let _ = writeln!(out, "- `{}`: {}", s.key, s.why);
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

/// A figure's path as a file name part (letters, digits, `-`, `_` and `.` kept).
pub(crate) fn file_part(figure: &str) -> String {
    figure
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.') {
                ch
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes every output into `out_dir`; returns the files written.
pub(crate) fn write_outputs(
    c: &Context,
    a: &Analysis,
    out_dir: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = FileList::new(out_dir);
    files.put("sensitivity.json", sensitivity_json(c, a)?)?;
    files.put("sensitivity.csv", sensitivity_csv(c, a)?)?;
    let charts_dir = out_dir.join("charts");
    let mut charts = Vec::new();
    let mut written = Vec::new();
    for j in 0..c.figures.len() {
        let (stem, caption) = match a {
            Analysis::Oat(_) => (
                format!("tornado-{}", file_part(&c.figures[j])),
                format!(
                    "Tornado of {}: each key from its low to its high",
                    c.figures[j]
                ),
            ),
            Analysis::Morris(_) => (
                format!("morris-{}", file_part(&c.figures[j])),
                format!("Morris μ* against σ for {}", c.figures[j]),
            ),
        };
        written.extend(super::chart::write(c, a, j, &charts_dir, &stem)?);
        charts.push((format!("charts/{stem}.svg"), caption));
    }
    files.put("report.md", report_md(c, a, &charts).into_bytes())?;
    files.extend(written);
    Ok(files.into_files())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_like_the_scenario() {
        let d = Level::parse(r#"{ dist = "lognormal", median = "6h", p95 = "16h" }"#).unwrap();
        assert_eq!(level_label(&d, false), "median 6h, p95 16h");
        assert_eq!(level_label(&Level::Number(0.9), false), "0.9");
        assert_eq!(level_label(&Level::Number(4.0), true), "4");
        assert_eq!(level_label(&Level::Duration(30_000_000), false), "30s");
        assert_eq!(signed_text(Some(-7200.0), true), "−2h 00m");
        assert_eq!(signed_text(Some(0.125), false), "+0.125");
        assert_eq!(num(-0.00001), "0");
        assert_eq!(
            file_part("post-kb.time_to_usable.p95"),
            "post-kb.time_to_usable.p95"
        );
        assert_eq!(
            and_list(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }
}
