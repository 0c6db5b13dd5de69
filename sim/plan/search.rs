//! The search for the cheapest combination that meets the targets, assuming they are
//! monotone: **more of any searched key never makes a target's figure worse** (more
//! servers or workers never lengthen a wait). Then the combinations that meet the targets
//! are an up-set of the grid, bounded below by a staircase, and the cheapest of them
//! (weights are positive) lies on that staircase.
//!
//! The search finds, for every combination of the other keys (a *prefix*), the smallest
//! value of the last key that meets the targets, by binary search; all prefixes search in
//! lockstep, one round of midpoints evaluated as one parallel batch. Between rounds every
//! evaluated point tells about others by dominance: a point that meets implies every
//! point at least as large meets, one that fails implies every point at most as large
//! fails; and a prefix that cannot get cheaper than a combination already known to meet
//! stops. So a grid of `n₁ × … × n_k` costs about `n₁ × … × n_{k-1} × log₂ n_k`
//! evaluations at most, and usually far fewer.
//!
//! Where the figures are not monotone (noise with few replications, or a key that is not
//! a capacity), the inference can be wrong; the caller verifies the answer with a fresh
//! run and reports the nearest cheaper combinations it evaluated.

use super::target::{cost, SearchKey};

/// What the search found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// For each prefix whose range holds a combination that meets the targets, the
    /// smallest such combination found on its line (the staircase), cheapest first
    /// (ties: in grid order). Prefixes stopped by the cost bound are left out.
    pub staircase: Vec<Vec<i64>>,
    /// Every combination evaluated and whether it met the targets, in evaluation order.
    pub evaluated: Vec<(Vec<i64>, bool)>,
}

/// One prefix's binary search: the smallest value of the last key that meets lies in
/// `lo..=hi`, where `hi = None` stands for "above the range" (none meets).
struct Line {
    prefix: Vec<i64>,
    lo: i64,
    hi: Option<i64>,
    stopped: bool,
}

/// Every combination of the keys' values, first key outermost.
fn combinations(keys: &[SearchKey]) -> Vec<Vec<i64>> {
    let mut out = vec![Vec::new()];
    for k in keys {
        out = out
            .into_iter()
            .flat_map(|p| {
                k.values().map(move |v| {
                    let mut q = p.clone();
                    q.push(v);
                    q
                })
            })
            .collect();
    }
    out
}

/// Whether `a <= b` in every key.
fn dominated(a: &[i64], b: &[i64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y)
}

/// Says for each combination of a batch (values in key order) whether it meets the
/// targets.
pub(crate) type Judge<'a> = dyn FnMut(&[Vec<i64>]) -> anyhow::Result<Vec<bool>> + 'a;

/// Searches `keys` for the cheapest combination meeting the targets. `evaluate` gets a
/// batch of combinations (values in key order) and says for each whether it meets; it
/// may run them in parallel. The result does not depend on how it does so.
pub fn search(keys: &[SearchKey], evaluate: &mut Judge<'_>) -> anyhow::Result<Found> {
    let (last, prefix_keys) = keys.split_last().expect("at least one searched key");
    let mut lines: Vec<Line> = combinations(prefix_keys)
        .into_iter()
        .map(|prefix| Line {
            prefix,
            lo: last.lo,
            hi: None,
            stopped: false,
        })
        .collect();
    let mut evaluated: Vec<(Vec<i64>, bool)> = Vec::new();
    let point = |prefix: &[i64], v: i64| {
        let mut p = prefix.to_vec();
        p.push(v);
        p
    };
    loop {
        // What the points evaluated so far say about each line.
        let mut best: Option<f64> = None;
        for line in &mut lines {
            for (q, meets) in &evaluated {
                let (q_last, q_prefix) = q.split_last().expect("non-empty point");
                if *meets && dominated(q_prefix, &line.prefix) {
                    line.hi = Some(line.hi.map_or(*q_last, |h| h.min(*q_last)));
                }
                if !*meets && dominated(&line.prefix, q_prefix) {
                    line.lo = line.lo.max(q_last + 1);
                }
            }
            if let Some(h) = line.hi {
                let c = cost(keys, &point(&line.prefix, h));
                best = Some(best.map_or(c, |b: f64| b.min(c)));
            }
        }
        let mut batch: Vec<Vec<i64>> = Vec::new();
        for line in &mut lines {
            let top = line.hi.unwrap_or(last.hi + 1);
            if line.stopped || line.lo >= top {
                continue;
            }
            // Even its cheapest open value costs more than a known answer: nothing to gain.
            if best.is_some_and(|b| cost(keys, &point(&line.prefix, line.lo)) >= b) {
                line.stopped = true;
                continue;
            }
            batch.push(point(&line.prefix, line.lo + (top - line.lo) / 2));
        }
        if batch.is_empty() {
            break;
        }
        let meets = evaluate(&batch)?;
        anyhow::ensure!(
            meets.len() == batch.len(),
            "the evaluation returned {} answers for {} combinations",
            meets.len(),
            batch.len()
        );
        evaluated.extend(batch.into_iter().zip(meets));
    }
    let mut staircase: Vec<Vec<i64>> = lines
        .iter()
        .filter(|l| !l.stopped)
        .filter_map(|l| Some(point(&l.prefix, l.hi?)))
        .collect();
    // Stable: equal costs keep grid order.
    staircase.sort_by(|a, b| cost(keys, a).total_cmp(&cost(keys, b)));
    Ok(Found {
        staircase,
        evaluated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, lo: i64, hi: i64, weight: f64) -> SearchKey {
        SearchKey {
            key: name.into(),
            lo,
            hi,
            weight,
        }
    }

    /// The cheapest meeting combination by brute force over the whole grid.
    fn brute(keys: &[SearchKey], meets: &dyn Fn(&[i64]) -> bool) -> Option<(f64, Vec<i64>)> {
        combinations(keys)
            .into_iter()
            .filter(|p| meets(p))
            .map(|p| (cost(keys, &p), p))
            .min_by(|a, b| a.0.total_cmp(&b.0))
    }

    fn check(keys: &[SearchKey], meets: &dyn Fn(&[i64]) -> bool) -> Found {
        let mut calls = 0;
        let found = search(keys, &mut |batch| {
            calls += 1;
            Ok(batch.iter().map(|p| meets(p)).collect())
        })
        .unwrap();
        let grid: usize = keys.iter().map(SearchKey::len).product();
        let distinct: std::collections::BTreeSet<_> =
            found.evaluated.iter().map(|(p, _)| p.clone()).collect();
        assert_eq!(
            distinct.len(),
            found.evaluated.len(),
            "a point evaluated twice"
        );
        assert!(found.evaluated.len() <= grid);
        for (p, m) in &found.evaluated {
            assert_eq!(*m, meets(p));
        }
        let want = brute(keys, meets);
        let got = found.staircase.first().map(|p| (cost(keys, p), p.clone()));
        assert_eq!(got.map(|g| g.0), want.map(|w| w.0), "cheapest cost");
        found
    }

    #[test]
    fn two_keys_follow_the_staircase_with_fewer_evaluations_than_the_grid() {
        // A farm meets when servers × 16 workers and the CA's workers both cover the load.
        let keys = [
            key("adfs.servers", 1, 12, 1.0),
            key("ca.workers", 1, 12, 1.0),
        ];
        let meets = |p: &[i64]| p[0] * 16 >= 70 && p[1] >= 4 && p[0] + p[1] >= 10;
        let found = check(&keys, &meets);
        // (5, 5) and (6, 4) tie at cost 10; either is the cheapest.
        assert!([vec![5, 5], vec![6, 4]].contains(&found.staircase[0]));
        assert!(
            found.evaluated.len() < 12 * 12 / 2,
            "{}",
            found.evaluated.len()
        );
    }

    #[test]
    fn weights_move_the_answer_along_the_staircase() {
        let keys = [key("a", 0, 20, 5.0), key("b", 0, 20, 1.0)];
        // a × b >= 24: expensive a should be small.
        let meets = |p: &[i64]| p[0] * p[1] >= 24;
        let found = check(&keys, &meets);
        let c = cost(&keys, &found.staircase[0]);
        assert_eq!(c, 5.0 * 2.0 + 12.0);
    }

    #[test]
    fn one_key_is_a_binary_search() {
        let keys = [key("ca.workers", 1, 1000, 1.0)];
        let found = check(&keys, &|p: &[i64]| p[0] >= 377);
        assert_eq!(found.staircase, vec![vec![377]]);
        assert!(found.evaluated.len() <= 11, "{}", found.evaluated.len());
    }

    #[test]
    fn three_keys_and_nothing_meeting() {
        let keys = [
            key("a", 1, 4, 1.0),
            key("b", 1, 5, 2.0),
            key("c", 1, 6, 1.0),
        ];
        let found = check(&keys, &|p: &[i64]| {
            p[0] + 2 * p[1] + p[2] >= 13 && p[2] >= 2
        });
        assert!(found.evaluated.len() < 4 * 5 * 6);
        let none = check(&keys, &|_: &[i64]| false);
        assert!(none.staircase.is_empty());
        let all = check(&keys, &|_: &[i64]| true);
        assert_eq!(all.staircase[0], vec![1, 1, 1]);
    }
}
