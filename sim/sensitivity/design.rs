//! Which keys vary over which ranges, and the points that vary them: for one-at-a-time
//! the scenario as it is plus each key at its low and at its high; for Morris `r`
//! trajectories of `k + 1` points through a grid of levels. Every point is the scenario
//! with one more layer of overrides, built and validated as a sweep point is
//! (`point_at`), so the low and high points are the very runs of `sweep --param
//! KEY=LO,HI`. Errors are the user's (exit 2) and name the flag and what is allowed.

use super::{Method, Request, DEFAULT_LEVELS, DEFAULT_TRAJECTORIES, LEVELS, TRAJECTORIES};
use crate::error::UsageError;
use crate::params::level::Level;
use crate::params::{self, Param, SourceKind, Type};
use crate::run::sweep::{
    check_axis, point_at, value_label, Axis, AxisOrigin, SweepPlan, SweepPoint,
};
use crate::scenario::overrides::parse_value;
use crate::scenario::Scenario;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde::Serialize;

/// Where a key's range came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeFrom {
    /// The registry's plausible low and high (`whfb-sim params`).
    Registry,
    /// `--range KEY=LO..HI`.
    Flag,
}

/// One key that varies.
#[derive(Debug, Clone)]
pub struct Factor {
    /// The key's registry entry.
    pub param: &'static Param,
    /// Its low.
    pub low: Level,
    /// Its high.
    pub high: Level,
    /// The low as TOML, as `--set` and `sweep --param` take it.
    pub low_text: String,
    /// The high as TOML.
    pub high_text: String,
    /// Where the range came from.
    pub range_from: RangeFrom,
}

impl Factor {
    /// The dotted key.
    pub fn key(&self) -> &'static str {
        self.param.key
    }

    /// Whether the key holds whole numbers (levels between low and high are rounded).
    pub fn integer(&self) -> bool {
        self.param.ty == Type::Integer
    }

    /// The value `level` steps of `levels − 1` from the low towards the high, as TOML.
    pub(crate) fn level_text(&self, level: usize, levels: usize) -> String {
        if level == 0 {
            return self.low_text.clone();
        }
        if level + 1 >= levels {
            return self.high_text.clone();
        }
        let t = level as f64 / (levels - 1) as f64;
        Level::between(&self.low, &self.high, t)
            .expect("low and high were checked to be of one shape")
            .to_toml(self.integer())
    }
}

/// A key that could have varied but does not, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The dotted key.
    pub key: String,
    /// Why it is left at the scenario's value.
    pub why: String,
}

/// What a point is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The scenario as it is (one-at-a-time's centre line).
    Base,
    /// Factor `i` at its low.
    Low(usize),
    /// Factor `i` at its high.
    High(usize),
    /// Step `step` (0 = its start) of Morris trajectory `trajectory`.
    Morris {
        /// The trajectory.
        trajectory: usize,
        /// The step along it.
        step: usize,
    },
}

/// One Morris trajectory, in grid levels (0 to `levels − 1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trajectory {
    /// Every factor's level at the first point.
    pub start: Vec<usize>,
    /// The factor that moves at each step, in order (a permutation of the factors).
    pub order: Vec<usize>,
    /// Per factor, whether it moves up (else down) by the jump.
    pub up: Vec<bool>,
}

impl Trajectory {
    /// Every factor's level at each of the `k + 1` points, given the jump in levels.
    pub fn points(&self, jump: usize) -> Vec<Vec<usize>> {
        let mut cur = self.start.clone();
        let mut out = vec![cur.clone()];
        for &f in &self.order {
            if self.up[f] {
                cur[f] += jump;
            } else {
                cur[f] -= jump;
            }
            out.push(cur.clone());
        }
        out
    }
}

/// The Morris part of a design.
#[derive(Debug, Clone)]
pub struct MorrisGrid {
    /// Levels of the grid, `p`.
    pub levels: usize,
    /// The trajectories, `r`.
    pub trajectories: Vec<Trajectory>,
    /// Trajectories drawn again because one of their points was not a valid scenario
    /// (e.g. two shares whose sum exceeds 1 at their highs).
    pub redrawn: u32,
    /// What the last refused point was refused for (empty when none was).
    pub redraw_reason: String,
}

impl MorrisGrid {
    /// The jump of a step in grid levels, `p / 2`.
    pub(crate) fn jump(&self) -> usize {
        self.levels / 2
    }

    /// The jump on the normalised range (0 to 1), Δ = p / (2 (p − 1)).
    pub(crate) fn delta(&self) -> f64 {
        self.levels as f64 / (2.0 * (self.levels as f64 - 1.0))
    }
}

/// The keys, their ranges and the points to run.
#[derive(Debug, Clone)]
pub struct Design {
    /// One-at-a-time or Morris.
    pub method: Method,
    /// The keys that vary, in registry order (`--keys` order when given).
    pub factors: Vec<Factor>,
    /// The keys left as they are, and why.
    pub skipped: Vec<Skipped>,
    /// The points, in run order, each with only the variants the figures name.
    pub points: Vec<SweepPoint>,
    /// What each point is for.
    pub roles: Vec<Role>,
    /// The Morris trajectories (`None` for one-at-a-time).
    pub morris: Option<MorrisGrid>,
}

impl Design {
    /// The points as a sweep plan (no axes), for the sweep runner and the shards.
    pub fn plan(&self) -> SweepPlan {
        SweepPlan {
            axes: Vec::new(),
            points: self.points.clone(),
        }
    }

    /// The points' scenarios, for the cost limits.
    pub fn scenarios(&self) -> Vec<&Scenario> {
        self.points.iter().map(|p| &p.scenario).collect()
    }
}

/// Most draws of one Morris trajectory before the design gives up on the ranges.
const MAX_DRAWS: u32 = 1_000;

/// Mixed into the scenario's seed for the trajectories' random stream, so the design does
/// not reuse a stream the model draws from.
const TRAJECTORY_STREAM: u64 = 0x6d6f_7272_6973_7472;

/// Checks the flags that do not need the scenario: one way of choosing keys, Morris
/// options only with Morris and within their bounds.
pub(crate) fn check_request(req: &Request) -> Result<(), UsageError> {
    if req.figures.is_empty() {
        return Err(
            "--figure is required: name at least one figure, e.g. --figure post-kb.time_to_usable.p95"
                .into(),
        );
    }
    let ways = [!req.keys.is_empty(), req.estimates, req.all];
    if ways.iter().filter(|w| **w).count() > 1 {
        let given: Vec<&str> = ["--keys", "--estimates", "--all"]
            .iter()
            .zip(ways)
            .filter(|(_, w)| *w)
            .map(|(n, _)| *n)
            .collect();
        return Err(format!(
            "{} cannot be combined; allowed: one of --keys K1,K2 (those keys), --estimates (every estimate that matters here, the default) or --all (every variable key with a range)",
            given.join(" and ")
        ).into());
    }
    match req.method() {
        Method::Oat => {
            for (flag, given) in [
                ("--trajectories", req.trajectories.is_some()),
                ("--levels", req.levels.is_some()),
            ] {
                if given {
                    return Err(format!(
                        "{flag} goes with --method morris; one-at-a-time runs each key at its low and high"
                    ).into());
                }
            }
        }
        Method::Morris => {
            let r = req.trajectories.unwrap_or(DEFAULT_TRAJECTORIES);
            if !TRAJECTORIES.contains(&r) {
                return Err(format!(
                    "--trajectories {r} is not allowed; allowed: {} to {}",
                    TRAJECTORIES.start(),
                    TRAJECTORIES.end()
                )
                .into());
            }
            let p = req.levels.unwrap_or(DEFAULT_LEVELS);
            if !LEVELS.contains(&p) || !p.is_multiple_of(2) {
                return Err(format!(
                    "--levels {p} is not allowed; allowed: an even number from {} to {} (the jump between levels is half of them)",
                    LEVELS.start(),
                    LEVELS.end()
                ).into());
            }
        }
    }
    Ok(())
}

/// `scenario` with only the variants named in `names` (in the scenario's order).
pub(crate) fn keep_variants(mut scenario: Scenario, names: &[&str]) -> Scenario {
    scenario
        .variants
        .retain(|v| names.contains(&v.name.as_str()));
    scenario
}

/// Splits `LO..HI` at the `..` outside quotes and braces.
fn split_range(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let (mut depth, mut quote) = (0i32, None::<u8>);
    for i in 0..bytes.len() {
        let c = bytes[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'"' | b'\'' => quote = Some(c),
                b'{' | b'[' => depth += 1,
                b'}' | b']' => depth -= 1,
                b'.' if depth == 0 && bytes.get(i + 1) == Some(&b'.') => {
                    return Some((text[..i].trim(), text[i + 2..].trim()));
                }
                _ => {}
            },
        }
    }
    None
}

/// A value as `--range` takes it: TOML (`0.9`, `"30m"`, an inline table), or a bare
/// duration without quotes (`30m`).
fn parse_level(text: &str) -> Result<Level, UsageError> {
    match Level::parse(text) {
        Ok(l) => Ok(l),
        Err(e) if text.starts_with(['{', '"', '\'']) => Err(e),
        Err(_) => Level::parse(&format!("\"{text}\"")),
    }
}

/// One `--range KEY=LO..HI` as text.
struct RangeFlag {
    key: String,
    lo: String,
    hi: String,
}

fn parse_ranges(texts: &[String]) -> Result<Vec<RangeFlag>, String> {
    let mut out: Vec<RangeFlag> = Vec::new();
    for text in texts {
        let usage = "give it as KEY=LO..HI, e.g. --range prerequisites.joined_share=0.9..0.99";
        let Some((key, rest)) = text.split_once('=') else {
            return Err(format!("--range `{text}`: no `=`; {usage}"));
        };
        let key = key.trim();
        let Some((lo, hi)) = split_range(rest.trim()) else {
            return Err(format!(
                "--range `{text}`: no `..` between LO and HI; {usage}"
            ));
        };
        if lo.is_empty() || hi.is_empty() {
            return Err(format!("--range `{text}`: LO or HI is empty; {usage}"));
        }
        if out.iter().any(|r| r.key == key) {
            return Err(format!(
                "--range {key}: given twice; give each key's range once"
            ));
        }
        out.push(RangeFlag {
            key: key.to_string(),
            lo: lo.to_string(),
            hi: hi.to_string(),
        });
    }
    Ok(out)
}

/// The registry entry of `key`, or an error naming `flag`.
fn lookup(flag: &str, key: &str) -> Result<&'static Param, String> {
    params::find(key).ok_or_else(|| {
        format!("{flag} {key}: unknown key; allowed: a scenario key (`whfb-sim params` lists them)")
    })
}

/// Refuses a key `sensitivity` cannot vary.
fn variable(flag: &str, p: &Param) -> Result<(), String> {
    if p.ty.is_variable() {
        Ok(())
    } else {
        Err(format!(
            "{flag} {}: a {} cannot be varied between a low and a high; allowed: a key holding a number, a share, a duration or a distribution",
            p.key,
            p.ty.as_str()
        ))
    }
}

/// The factor of `p` over `lo..hi` (texts as given), checked: values of one shape, the
/// low below the high, whole numbers for a whole-number key.
fn factor(p: &'static Param, lo: &str, hi: &str, from: RangeFrom) -> Result<Factor, String> {
    let whence = match from {
        RangeFrom::Flag => format!("--range {}={lo}..{hi}", p.key),
        RangeFrom::Registry => format!("{}: the registry's plausible range {lo}..{hi}", p.key),
    };
    let low = parse_level(lo).map_err(|m| format!("{whence}: LO: {m}"))?;
    let high = parse_level(hi).map_err(|m| format!("{whence}: HI: {m}"))?;
    let integer = p.ty == Type::Integer;
    if integer {
        for (end, l) in [("LO", &low), ("HI", &high)] {
            if !matches!(l, Level::Number(x) if x.fract() == 0.0) {
                return Err(format!(
                    "{whence}: {end} must be a whole number ({} holds one)",
                    p.key
                ));
            }
        }
    }
    if Level::between(&low, &high, 0.5).is_none() {
        return Err(format!(
            "{whence}: LO and HI must be the same kind of value: two numbers, two durations, or two distributions of the same shape"
        ));
    }
    let ordered = match (&low, &high) {
        (Level::Number(a), Level::Number(b)) => a < b,
        (Level::Duration(a), Level::Duration(b)) => a < b,
        (Level::Dist(_, a), Level::Dist(_, b)) => a.iter().zip(b).all(|(x, y)| x <= y) && a != b,
        _ => false,
    };
    if !ordered {
        return Err(format!(
            "{whence}: LO must be below HI (for a distribution: no figure of LO above HI's, and not all equal)"
        ));
    }
    Ok(Factor {
        param: p,
        low_text: low.to_toml(integer),
        high_text: high.to_toml(integer),
        low,
        high,
        range_from: from,
    })
}

/// A factor's values as a sweep axis: the `values` given as TOML texts.
fn axis(f: &Factor, values: Vec<String>, origin: AxisOrigin) -> Axis {
    let values: Vec<toml::Value> = values.iter().map(|t| parse_value(t)).collect();
    Axis {
        key: f.key().to_string(),
        labels: values.iter().map(value_label).collect(),
        values,
        origin,
    }
}

/// Chooses the keys and their ranges for `scenario` (which holds only the figures'
/// variants); each end of each range is validated with the scenario.
fn choose(scenario: &Scenario, req: &Request) -> Result<(Vec<Factor>, Vec<Skipped>), UsageError> {
    let ranges = parse_ranges(&req.ranges)?;
    for r in &ranges {
        variable("--range", lookup("--range", &r.key)?)?;
    }
    let range_of = |p: &'static Param| -> Option<(String, String, RangeFrom)> {
        match ranges.iter().find(|r| r.key == p.key) {
            Some(r) => Some((r.lo.clone(), r.hi.clone(), RangeFrom::Flag)),
            None => match (p.low, p.high) {
                (Some(lo), Some(hi)) => Some((lo.to_string(), hi.to_string(), RangeFrom::Registry)),
                _ => None,
            },
        }
    };
    let variants: Vec<&str> = scenario.variants.iter().map(|v| v.name.as_str()).collect();
    let inactive = |p: &Param| {
        p.active_in(scenario).err().map(|why| Skipped {
            key: p.key.to_string(),
            why: format!(
                "changes nothing in the figures' variants ({}): {why}",
                variants.join(", ")
            ),
        })
    };
    let mut chosen: Vec<(&'static Param, String, String, RangeFrom)> = Vec::new();
    let mut skipped = Vec::new();
    if !req.keys.is_empty() {
        let mut seen: Vec<&str> = Vec::new();
        for key in &req.keys {
            let key = key.trim();
            if seen.contains(&key) {
                return Err(format!("--keys: {key} is given twice").into());
            }
            seen.push(key);
            let p = lookup("--keys", key)?;
            variable("--keys", p)?;
            let Some((lo, hi, from)) = range_of(p) else {
                return Err(format!(
                    "--keys {key}: the registry has no plausible range for it (its value is {}); give one with --range {key}=LO..HI",
                    p.source.kind.as_str()
                ).into());
            };
            match inactive(p) {
                Some(s) => skipped.push(s),
                None => chosen.push((p, lo, hi, from)),
            }
        }
    } else {
        for p in params::all() {
            let wanted = if req.all {
                p.ty.is_variable()
            } else {
                p.source.kind == SourceKind::Estimate && p.ty.is_variable()
            };
            if !wanted {
                continue;
            }
            if let Some(s) = inactive(p) {
                skipped.push(s);
                continue;
            }
            match range_of(p) {
                Some((lo, hi, from)) => chosen.push((p, lo, hi, from)),
                None => skipped.push(Skipped {
                    key: p.key.to_string(),
                    why: format!(
                        "no plausible range in the registry (its value is {}); give --range {}=LO..HI to vary it",
                        p.source.kind.as_str(),
                        p.key
                    ),
                }),
            }
        }
    }
    for r in &ranges {
        let known =
            chosen.iter().any(|c| c.0.key == r.key) || skipped.iter().any(|s| s.key == r.key);
        if !known {
            return Err(format!(
                "--range {}: that key is not among the keys varied; add it with --keys (or --all)",
                r.key
            )
            .into());
        }
    }
    let mut factors = Vec::with_capacity(chosen.len());
    for (p, lo, hi, from) in chosen {
        let f = factor(p, &lo, &hi, from)?;
        let origin = match from {
            RangeFrom::Flag => AxisOrigin::Named("--range"),
            RangeFrom::Registry => AxisOrigin::Named("the registry's plausible range of"),
        };
        let both = axis(&f, vec![f.low_text.clone(), f.high_text.clone()], origin);
        check_axis(scenario, &both).map_err(|m| match from {
            RangeFrom::Flag => m,
            RangeFrom::Registry => format!(
                "{m}; give a range this scenario accepts with --range {}=LO..HI",
                f.key()
            )
            .into(),
        })?;
        factors.push(f);
    }
    if factors.is_empty() {
        let why: Vec<String> = skipped
            .iter()
            .map(|s| format!("{}: {}", s.key, s.why))
            .collect();
        return Err(format!(
            "nothing to vary: no chosen key changes anything in the figures' variants{}",
            if why.is_empty() {
                String::new()
            } else {
                format!(" ({})", why.join("; "))
            }
        )
        .into());
    }
    Ok((factors, skipped))
}

/// Draws one trajectory: a start on the lower levels, a random direction per factor and
/// a random order (Morris 1991; the orientation matrix B* of Campolongo et al. 2007).
fn draw(rng: &mut Pcg64Mcg, k: usize, levels: usize) -> Trajectory {
    let jump = levels / 2;
    let mut start = Vec::with_capacity(k);
    let mut up = Vec::with_capacity(k);
    for _ in 0..k {
        // A base level from 0 to p/2 − 1, so that base + jump stays on the grid.
        let base = rng.random_range(0..jump);
        let goes_up = rng.random_bool(0.5);
        start.push(if goes_up { base } else { base + jump });
        up.push(goes_up);
    }
    let mut order: Vec<usize> = (0..k).collect();
    order.shuffle(rng);
    Trajectory { start, order, up }
}

/// Most points a design may have, as for a sweep: every point's scenario is held while
/// the design runs.
pub(crate) const MAX_POINTS: usize = crate::run::cost::MAX_SWEEP_POINTS;

/// Checks `req` and chooses the keys: `scenario` with only the figures' variants, the
/// factors, the skipped keys, and how many points the design will have. Cheap (two
/// validations per key), so a design too large for the limits is refused before its
/// points are built.
pub(crate) fn prepare(
    scenario: &Scenario,
    req: &Request,
) -> Result<(Scenario, Vec<Factor>, Vec<Skipped>, usize), UsageError> {
    check_request(req)?;
    let names = req.variants();
    for n in &names {
        if !scenario.variants.iter().any(|v| v.name == *n) {
            let all: Vec<&str> = scenario.variants.iter().map(|v| v.name.as_str()).collect();
            return Err(format!(
                "--figure: no variant `{n}`; the scenario has: {}",
                all.join(", ")
            )
            .into());
        }
    }
    let kept = keep_variants(scenario.clone(), &names);
    let (factors, skipped) = choose(&kept, req)?;
    let k = factors.len();
    let points = match req.method() {
        Method::Oat => 1 + 2 * k,
        Method::Morris => req.trajectories.unwrap_or(DEFAULT_TRAJECTORIES) as usize * (k + 1),
    };
    if points > MAX_POINTS {
        return Err(format!(
            "the design has {points} points ({}); allowed: at most {MAX_POINTS}; lower --trajectories or vary fewer keys with --keys",
            match req.method() {
                Method::Oat => format!("1 + 2 × {k} keys"),
                Method::Morris => format!(
                    "{} trajectories × ({k} keys + 1)",
                    req.trajectories.unwrap_or(DEFAULT_TRAJECTORIES)
                ),
            }
        ).into());
    }
    Ok((kept, factors, skipped, points))
}

/// Builds the design of `req` on `scenario` (loaded with the command line's overrides).
pub fn build(scenario: &Scenario, req: &Request) -> Result<Design, UsageError> {
    let (kept, factors, skipped, _) = prepare(scenario, req)?;
    let names = req.variants();
    let keep = |p: SweepPoint| SweepPoint {
        index: p.index,
        scenario: keep_variants(p.scenario, &names),
    };
    let mut points = Vec::new();
    let mut roles = Vec::new();
    let mut morris = None;
    match req.method() {
        Method::Oat => {
            points.push(SweepPoint {
                index: Vec::new(),
                scenario: kept.clone(),
            });
            roles.push(Role::Base);
            for (i, f) in factors.iter().enumerate() {
                let a = axis(
                    f,
                    vec![f.low_text.clone(), f.high_text.clone()],
                    AxisOrigin::Named("--range"),
                );
                let axes = std::slice::from_ref(&a);
                points.push(keep(point_at(scenario, axes, &[0])?));
                roles.push(Role::Low(i));
                points.push(keep(point_at(scenario, axes, &[1])?));
                roles.push(Role::High(i));
            }
        }
        Method::Morris => {
            let r = req.trajectories.unwrap_or(DEFAULT_TRAJECTORIES) as usize;
            let p = req.levels.unwrap_or(DEFAULT_LEVELS) as usize;
            let axes: Vec<Axis> = factors
                .iter()
                .map(|f| {
                    axis(
                        f,
                        (0..p).map(|l| f.level_text(l, p)).collect(),
                        AxisOrigin::Named("--range"),
                    )
                })
                .collect();
            let mut rng = Pcg64Mcg::seed_from_u64(scenario.base.seed ^ TRAJECTORY_STREAM);
            let mut grid = MorrisGrid {
                levels: p,
                trajectories: Vec::with_capacity(r),
                redrawn: 0,
                redraw_reason: String::new(),
            };
            for t in 0..r {
                let mut draws = 0;
                let built = loop {
                    draws += 1;
                    let traj = draw(&mut rng, factors.len(), p);
                    let built: Result<Vec<SweepPoint>, UsageError> = traj
                        .points(grid.jump())
                        .iter()
                        .map(|levels| point_at(scenario, &axes, levels).map(&keep))
                        .collect();
                    match built {
                        Ok(pts) => break (traj, pts),
                        Err(m) if draws < MAX_DRAWS => {
                            // A point outside what the scenario accepts (two shares that
                            // together exceed 1, say): draw the trajectory again.
                            grid.redrawn += 1;
                            // What was refused, without the whole combination of levels.
                            let m = m.to_string();
                            grid.redraw_reason = match m.split_once(" is not valid: ") {
                                Some((_, why)) => why.to_string(),
                                None => m,
                            };
                        }
                        Err(m) => {
                            return Err(format!(
                                "--method morris: {MAX_DRAWS} draws of trajectory {} all left the scenario's allowed values; the last: {m}; narrow the keys' ranges with --range KEY=LO..HI",
                                t + 1
                            ).into())
                        }
                    }
                };
                for (step, pt) in built.1.into_iter().enumerate() {
                    points.push(pt);
                    roles.push(Role::Morris {
                        trajectory: t,
                        step,
                    });
                }
                grid.trajectories.push(built.0);
            }
            morris = Some(grid);
        }
    }
    Ok(Design {
        method: req.method(),
        factors,
        skipped,
        points,
        roles,
        morris,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(sets: &[&str]) -> Scenario {
        let mut all = vec!["users=50".to_string(), "pki.mode=off".to_string()];
        all.extend(sets.iter().map(|s| s.to_string()));
        Scenario::load_default(&all).expect("scenario")
    }

    fn req(figures: &[&str]) -> Request {
        Request {
            figures: figures.iter().map(|s| s.to_string()).collect(),
            ..Request::default()
        }
    }

    #[test]
    fn ranges_split_outside_braces_and_quotes() {
        assert_eq!(split_range("0.9..0.99"), Some(("0.9", "0.99")));
        assert_eq!(split_range("30s..2m"), Some(("30s", "2m")));
        assert_eq!(
            split_range(r#"{ dist = "fixed", value = "1.5s" }..{ dist = "fixed", value = "2s" }"#),
            Some((
                r#"{ dist = "fixed", value = "1.5s" }"#,
                r#"{ dist = "fixed", value = "2s" }"#
            ))
        );
        assert_eq!(split_range("1-2"), None);
        assert_eq!(parse_level("30m").unwrap(), Level::Duration(1_800_000_000));
    }

    #[test]
    fn default_keys_are_the_active_estimates() {
        let s = scenario(&[]);
        let d = build(&s, &req(&["post-kb.time_to_usable.p95"])).unwrap();
        let keys: Vec<&str> = d.factors.iter().map(|f| f.key()).collect();
        assert!(keys.contains(&"prerequisites.joined_share"));
        // A key that is not an estimate is not varied by default, even with a range.
        let other = params::all()
            .iter()
            .find(|p| p.source.kind != SourceKind::Estimate && p.ty.is_variable())
            .expect("a variable key that is not an estimate");
        assert!(!keys.contains(&other.key), "{}", other.key);
        assert!(keys
            .iter()
            .all(|k| params::find(k).unwrap().source.kind == SourceKind::Estimate));
        let kt = d
            .skipped
            .iter()
            .find(|s| s.key == "key_trust.ad_replication")
            .unwrap();
        assert!(kt.why.contains("key trust"), "{}", kt.why);
        // Only post-kb is named: keys of the unpatched path only would be skipped, and the
        // points hold post-kb alone.
        assert!(d.points.iter().all(|p| p.scenario.variants.len() == 1));
        assert_eq!(d.points.len(), 1 + 2 * d.factors.len());
        assert_eq!(d.roles[1], Role::Low(0));
    }

    #[test]
    fn bad_requests_name_the_flag() {
        let s = scenario(&[]);
        let fig = ["pre-kb.time_to_usable.p50"];
        // A key the registry gives no range, whatever it is as the registry changes.
        let no_range = params::all()
            .iter()
            .find(|p| p.ty.is_variable() && p.low.is_none() && p.active_in(&s).is_ok())
            .expect("a variable key without a range");
        let cases: Vec<(Request, &str)> = vec![
            (
                Request {
                    keys: vec!["nope.key".into()],
                    ..req(&fig)
                },
                "--keys nope.key: unknown key",
            ),
            (
                Request {
                    keys: vec!["key.require_tpm".into()],
                    ..req(&fig)
                },
                "a bool cannot be varied",
            ),
            (
                Request {
                    keys: vec![no_range.key.into()],
                    ..req(&fig)
                },
                "=LO..HI",
            ),
            (
                Request {
                    keys: vec!["mfa.p_fail".into()],
                    ranges: vec!["mfa.p_fail=0.2..0.1".into()],
                    ..req(&fig)
                },
                "LO must be below HI",
            ),
            (
                Request {
                    keys: vec!["mfa.p_fail".into()],
                    ranges: vec!["mfa.p_fail=0.1..1.5".into()],
                    ..req(&fig)
                },
                "--range mfa.p_fail: value `1.5` is not valid",
            ),
            (
                Request {
                    keys: vec!["mfa.p_fail".into()],
                    estimates: true,
                    ..req(&fig)
                },
                "cannot be combined",
            ),
            (
                Request {
                    trajectories: Some(5),
                    ..req(&fig)
                },
                "--trajectories goes with --method morris",
            ),
            (
                Request {
                    method: Some(Method::Morris),
                    trajectories: Some(1),
                    ..req(&fig)
                },
                "--trajectories 1",
            ),
            (
                Request {
                    method: Some(Method::Morris),
                    levels: Some(5),
                    ..req(&fig)
                },
                "--levels 5",
            ),
            (
                Request {
                    ranges: vec!["adfs.servers=1..4".into()],
                    ..req(&fig)
                },
                "not among the keys varied",
            ),
            (req(&["nope.time_to_usable.p50"]), "no variant `nope`"),
        ];
        for (r, want) in cases {
            let e = build(&s, &r).unwrap_err();
            assert!(e.to_string().contains(want), "{r:?}: {e}");
        }
    }

    #[test]
    fn morris_costs_r_times_k_plus_one_and_stays_on_the_grid() {
        let s = scenario(&[]);
        let r = Request {
            keys: vec![
                "key.tpm_firmware_share".into(),
                "key.tpm_discrete_share".into(),
                "mfa.p_fail".into(),
            ],
            method: Some(Method::Morris),
            trajectories: Some(12),
            ..req(&["post-kb.time_to_usable.p50"])
        };
        let d = build(&s, &r).unwrap();
        let g = d.morris.as_ref().unwrap();
        assert_eq!(d.points.len(), 12 * (3 + 1));
        assert_eq!(g.jump(), 2);
        assert!((g.delta() - 2.0 / 3.0).abs() < 1e-12);
        for t in &g.trajectories {
            let pts = t.points(g.jump());
            assert!(pts.iter().flatten().all(|&l| l < 4));
            for (step, &f) in t.order.iter().enumerate() {
                let (a, b) = (&pts[step], &pts[step + 1]);
                assert_eq!(a[f].abs_diff(b[f]), 2);
                assert!((0..3).filter(|&g| g != f).all(|g| a[g] == b[g]));
            }
        }
        // Both TPM shares at their highs sum above 1: such trajectories are drawn again.
        assert!(d.points.iter().all(|p| {
            let k = &p.scenario.variants[0].spec.key;
            k.tpm_firmware_share + k.tpm_discrete_share <= 1.0 + 1e-9
        }));
        // The same seed gives the same trajectories.
        let again = build(&s, &r).unwrap();
        assert_eq!(again.morris.unwrap().trajectories, g.trajectories);
    }
}
