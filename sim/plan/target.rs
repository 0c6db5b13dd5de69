//! What `plan` is asked for: targets (`VARIANT.FIGURE.STAT <= VALUE`), searched keys
//! (`KEY=LO..HI`) and their cost weights (`KEY=W`), parsed from the flags with errors
//! that name the flag and say what is allowed.

use crate::engine::time::to_secs;
use crate::error::UsageError;
use crate::report::figure::figure;
use crate::report::summary::Summary;
use crate::scenario::duration::parse_duration;
use serde::Serialize;

/// Which side of its value a target's figure must stay on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Cmp {
    /// `<=`: the figure must not exceed the value (times, utilisation, queues).
    #[serde(rename = "<=")]
    AtMost,
    /// `>=`: the figure must reach the value (e.g. a count of usable users).
    #[serde(rename = ">=")]
    AtLeast,
}

impl Cmp {
    /// `<=` or `>=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::AtMost => "<=",
            Cmp::AtLeast => ">=",
        }
    }

    /// Whether `x` is on the allowed side of `value`.
    pub fn holds(self, x: f64, value: f64) -> bool {
        match self {
            Cmp::AtMost => x <= value,
            Cmp::AtLeast => x >= value,
        }
    }

    /// The end of a 95 % interval that must satisfy the target: the upper one for `<=`
    /// (the figure is below the value with confidence only if its interval is), the
    /// lower one for `>=`.
    pub fn side(self, interval: [f64; 2]) -> f64 {
        match self {
            Cmp::AtMost => interval[1],
            Cmp::AtLeast => interval[0],
        }
    }
}

/// One `--target`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// As written on the command line.
    pub text: String,
    /// The figure's dotted path in `summary.json` (see [`crate::report::figure`]).
    pub figure: String,
    /// The comparison.
    pub op: Cmp,
    /// The value, in the figure's unit (seconds for a time).
    pub value: f64,
    /// The value as written (`10m`, `0.8`).
    pub value_text: String,
    /// Whether the figure is a time in seconds (set by `check_against`).
    pub seconds: bool,
}

impl Target {
    /// The variant the target is about (the figure's first segment).
    pub fn variant(&self) -> &str {
        self.figure.split('.').next().unwrap_or_default()
    }

    /// How far `bound` is from the value, in the figure's unit: positive when the target
    /// holds with that much to spare, negative when it misses by that much.
    pub(crate) fn margin(&self, bound: f64) -> f64 {
        match self.op {
            Cmp::AtMost => self.value - bound,
            Cmp::AtLeast => bound - self.value,
        }
    }
}

/// Parses `--target VARIANT.FIGURE.STAT<=VALUE` (or `>=`). A value with a unit (`10m`,
/// `90s`) is a duration, read in seconds; [`check_against`] later checks that the figure is
/// a time when it is.
pub(crate) fn parse_target(text: &str) -> Result<Target, UsageError> {
    let usage = "give it as VARIANT.FIGURE.STAT<=VALUE or >=VALUE, e.g. --target post-kb.time_to_usable.p95<=10m";
    let (figure, op, value) = if let Some((f, v)) = text.split_once("<=") {
        (f, Cmp::AtMost, v)
    } else if let Some((f, v)) = text.split_once(">=") {
        (f, Cmp::AtLeast, v)
    } else {
        return Err(format!("--target `{text}`: no `<=` or `>=`; {usage}").into());
    };
    let figure = figure.trim();
    let value_text = value.trim();
    if figure.is_empty() || figure.split('.').count() < 2 || figure.split('.').any(str::is_empty) {
        return Err(format!(
            "--target `{text}`: `{figure}` is not a figure path VARIANT.FIGURE[.STAT]; {usage}"
        )
        .into());
    }
    if value_text.contains("<=") || value_text.contains(">=") {
        return Err(format!(
            "--target `{text}`: one comparison per target; give several --target flags"
        )
        .into());
    }
    let value = match value_text.parse::<f64>() {
        Ok(v) if v.is_finite() => v,
        Ok(_) => {
            return Err(format!(
                "--target `{text}`: the value must be a finite number or a duration"
            )
            .into())
        }
        Err(_) => to_secs(parse_duration(value_text).map_err(|m| {
            format!("--target `{text}`: `{value_text}` is neither a number nor a duration: {m}")
        })?),
    };
    Ok(Target {
        text: text.to_string(),
        figure: figure.to_string(),
        op,
        value,
        value_text: value_text.to_string(),
        seconds: false,
    })
}

/// Checks that `target`'s figure exists in a summary of the scenario (any run of it has the
/// same fields), and that a value written as a duration is compared with a time (a field
/// in seconds, `..._s`).
pub(crate) fn check_against(target: &mut Target, summary: &Summary) -> Result<(), UsageError> {
    figure(summary, &target.figure).map_err(|m| format!("--target `{}`: {m}", target.text))?;
    let duration = target.value_text.parse::<f64>().is_err();
    target.seconds = names_a_time(summary, &target.figure);
    if duration && !target.seconds {
        return Err(format!(
            "--target `{}`: `{}` is a duration but `{}` is not a time (times end in `_s` in summary.json); give a plain number",
            target.text, target.value_text, target.figure
        ).into());
    }
    Ok(())
}

/// Whether a segment of `path` is a field in seconds: written with `_s`, or written
/// without it and found only with it.
pub(crate) fn names_a_time(summary: &Summary, path: &str) -> bool {
    let parts: Vec<&str> = path.split('.').collect();
    (1..parts.len()).any(|i| {
        if parts[i].ends_with("_s") {
            return true;
        }
        let mut with = parts.clone();
        let suffixed = format!("{}_s", parts[i]);
        with[i] = &suffixed;
        let prefix = parts[..=i].join(".");
        // Found under its own name (a table) or only with the suffix (a time).
        figure(summary, &with.join(".")).is_ok() && !has_field(summary, &prefix)
    })
}

/// Whether `path` names something in the summary under exactly those names.
fn has_field(summary: &Summary, path: &str) -> bool {
    let Ok(mut cur) = serde_json::to_value(summary) else {
        return false;
    };
    let mut parts = path.split('.');
    let name = parts.next().unwrap_or_default();
    let Some(v) = cur["variants"]
        .as_array()
        .and_then(|a| a.iter().find(|v| v["name"] == name))
        .cloned()
    else {
        return false;
    };
    cur = v;
    for p in parts {
        match cur.get(p) {
            Some(next) => cur = next.clone(),
            None => return false,
        }
    }
    true
}

/// One `--search KEY=LO..HI` with its `--cost KEY=W` weight (1 by default).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchKey {
    /// Dotted scenario key, e.g. `adfs.servers`.
    pub key: String,
    /// Smallest value searched.
    pub lo: i64,
    /// Largest value searched.
    pub hi: i64,
    /// Cost of one unit of the key.
    pub weight: f64,
}

impl SearchKey {
    /// The values searched, in order.
    pub fn values(&self) -> impl Iterator<Item = i64> {
        self.lo..=self.hi
    }

    /// How many values.
    pub fn len(&self) -> usize {
        (self.hi - self.lo + 1) as usize
    }

    /// Whether the range is empty (never, once parsed).
    pub fn is_empty(&self) -> bool {
        self.hi < self.lo
    }
}

/// Largest cost a combination may have (Σ weight × |value| at the top of every range):
/// costs are compared, subtracted and drawn, so they must stay finite, and this keeps
/// them exact to a millionth.
pub(crate) const MAX_COST: f64 = 1e15;

/// The most values one searched key may have: the search keeps every key's range in
/// memory and a grid of that size per key is already far beyond a farm's sizes.
pub(crate) const MAX_VALUES: i64 = 100_000;

/// Parses `--search KEY=LO..HI` (integers, LO <= HI) and applies `--cost KEY=W` weights
/// (finite, positive: a free or negative-cost key has no cheapest size).
pub(crate) fn parse_search(
    searches: &[String],
    costs: &[String],
) -> Result<Vec<SearchKey>, UsageError> {
    if searches.is_empty() {
        return Err(
            "--search: give at least one key to size, e.g. --search adfs.servers=1..8".into(),
        );
    }
    let mut keys: Vec<SearchKey> = Vec::new();
    for text in searches {
        let usage = "give it as KEY=LO..HI with integers LO <= HI, e.g. --search adfs.servers=1..8";
        let Some((key, range)) = text.split_once('=') else {
            return Err(format!("--search `{text}`: no `=`; {usage}").into());
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("--search `{text}`: no key; {usage}").into());
        }
        let Some((lo, hi)) = range.split_once("..") else {
            return Err(format!("--search {key}: `{range}` is not a range LO..HI; {usage}").into());
        };
        let int = |s: &str, which: &str| {
            s.trim().parse::<i64>().map_err(|_| {
                format!(
                    "--search {key}: {which} `{}` is not an integer; the search sizes integer keys (servers, workers); {usage}",
                    s.trim()
                )
            })
        };
        let (lo, hi) = (int(lo, "LO")?, int(hi, "HI")?);
        if lo > hi {
            return Err(format!(
                "--search {key}: LO {lo} is larger than HI {hi}; the range is empty"
            )
            .into());
        }
        if hi - lo >= MAX_VALUES {
            return Err(
                format!("--search {key}: {lo}..{hi} has more than {MAX_VALUES} values").into(),
            );
        }
        if keys.iter().any(|k| k.key == key) {
            return Err(format!("--search {key}: given twice").into());
        }
        keys.push(SearchKey {
            key: key.to_string(),
            lo,
            hi,
            weight: 1.0,
        });
    }
    for text in costs {
        let Some((key, w)) = text.split_once('=') else {
            return Err(format!(
                "--cost `{text}`: no `=`; give it as KEY=WEIGHT, e.g. --cost adfs.servers=4"
            )
            .into());
        };
        let key = key.trim();
        let Some(k) = keys.iter_mut().find(|k| k.key == key) else {
            let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
            return Err(format!(
                "--cost {key}: not a searched key; searched: {}",
                names.join(", ")
            )
            .into());
        };
        k.weight = match w.trim().parse::<f64>() {
            Ok(w) if w.is_finite() && w > 0.0 => w,
            _ => {
                return Err(format!("--cost {key}: `{}` is not a positive number", w.trim()).into())
            }
        };
    }
    // Weights and ranges are each fine on their own; their products are what the search
    // adds up and draws, so they are checked where they are combined.
    let largest: f64 = keys
        .iter()
        .map(|k| k.weight * (k.lo.unsigned_abs().max(k.hi.unsigned_abs()) as f64))
        .sum();
    if largest.is_nan() || largest > MAX_COST {
        // Exponent notation past a million: 9e307 in plain digits is 308 characters.
        let show = |x: f64| {
            if x.abs() < 1e6 {
                format!("{x}")
            } else {
                format!("{x:e}")
            }
        };
        let parts: Vec<String> = keys
            .iter()
            .map(|k| {
                let top = k.lo.unsigned_abs().max(k.hi.unsigned_abs());
                format!("{} {} × {top}", k.key, show(k.weight))
            })
            .collect();
        return Err(format!(
            "--cost: the largest combination costs {} ({}); allowed: at most {MAX_COST:e} (Σ weight × value over the searched keys); give smaller weights, e.g. in thousands",
            show(largest),
            parts.join(" + ")
        ).into());
    }
    Ok(keys)
}

/// Cost of a combination: Σ weight × value.
pub fn cost(keys: &[SearchKey], values: &[i64]) -> f64 {
    keys.iter()
        .zip(values)
        .map(|(k, &v)| k.weight * v as f64)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_durations_and_numbers() {
        let t = parse_target("post-kb.time_to_usable.p95<=10m").unwrap();
        assert_eq!(t.figure, "post-kb.time_to_usable.p95");
        assert_eq!(t.op, Cmp::AtMost);
        assert_eq!(t.value, 600.0);
        assert_eq!(t.variant(), "post-kb");
        let t = parse_target(" post-kb.resources.ca.peak.utilization <= 0.8 ").unwrap();
        assert_eq!((t.op, t.value), (Cmp::AtMost, 0.8));
        let t = parse_target("v.outcomes.usable>=1900").unwrap();
        assert_eq!((t.op, t.value), (Cmp::AtLeast, 1900.0));
        assert_eq!(t.margin(1950.0), 50.0);
        assert!(Cmp::AtMost.holds(1.0, 1.0) && !Cmp::AtMost.holds(1.1, 1.0));
        assert_eq!(Cmp::AtMost.side([1.0, 2.0]), 2.0);
        assert_eq!(Cmp::AtLeast.side([1.0, 2.0]), 1.0);
    }

    #[test]
    fn malformed_targets_say_why() {
        for (text, want) in [
            ("post-kb.time_to_usable.p95<10m", "no `<=` or `>=`"),
            ("post-kb<=10m", "not a figure path"),
            ("post-kb..p95<=10m", "not a figure path"),
            ("<=10m", "not a figure path"),
            (
                "post-kb.time_to_usable.p95<=ten",
                "neither a number nor a duration",
            ),
            (
                "post-kb.time_to_usable.p95<=",
                "neither a number nor a duration",
            ),
            ("a.b<=1<=2", "one comparison"),
            ("a.b<=inf", "finite"),
        ] {
            let e = parse_target(text).unwrap_err();
            assert!(
                e.to_string().contains("--target") && e.to_string().contains(want),
                "{text}: {e}"
            );
        }
    }

    #[test]
    fn search_ranges_and_costs() {
        let k = parse_search(
            &["adfs.servers=1..8".into(), "ca.workers = 2..4".into()],
            &["adfs.servers=4".into()],
        )
        .unwrap();
        assert_eq!(
            k[0].values().collect::<Vec<_>>(),
            (1..=8).collect::<Vec<_>>()
        );
        assert_eq!((k[1].lo, k[1].hi, k[1].weight), (2, 4, 1.0));
        assert_eq!(cost(&k, &[3, 2]), 14.0);
        for (search, costs, want) in [
            (vec!["adfs.servers=4..2"], vec![], "larger than HI"),
            (vec!["adfs.servers=1..x"], vec![], "not an integer"),
            (vec!["adfs.servers=1.5..3"], vec![], "not an integer"),
            (vec!["adfs.servers=3"], vec![], "not a range"),
            (vec!["adfs.servers"], vec![], "no `=`"),
            (vec!["=1..2"], vec![], "no key"),
            (vec!["a=1..2", "a=1..3"], vec![], "given twice"),
            (vec!["a=1..2"], vec!["b=1"], "not a searched key"),
            (vec!["a=1..2"], vec!["a=0"], "not a positive number"),
            (vec!["a=1..2"], vec!["a=-1"], "not a positive number"),
            (vec!["a=1..2"], vec!["a"], "--cost"),
            (vec!["a=1..8"], vec!["a=9e307"], "allowed: at most 1e15"),
            (
                vec!["a=1..8", "b=1..8"],
                vec!["a=1e14", "b=1e14"],
                "allowed: at most 1e15",
            ),
            (vec!["a=-9..8"], vec!["a=1.2e14"], "allowed: at most 1e15"),
            (vec![], vec![], "at least one key"),
        ] {
            let search: Vec<String> = search.into_iter().map(String::from).collect();
            let costs: Vec<String> = costs.into_iter().map(String::from).collect();
            let e = parse_search(&search, &costs).unwrap_err();
            assert!(e.to_string().contains(want), "{search:?} {costs:?}: {e}");
        }
    }
}
