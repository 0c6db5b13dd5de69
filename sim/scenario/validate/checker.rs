//! The checks every section uses (a probability, a positive duration, a range…), each
//! adding a problem that names the key and what is allowed.

use super::Problem;
use crate::scenario::duration::Duration;
use crate::scenario::keypath::KeyPath;

/// The problems found so far, and the checks that add them.
pub(super) struct Checker {
    /// Every problem, in the order the checks ran.
    pub(super) problems: Vec<Problem>,
}

impl Checker {
    pub(super) fn fail(&mut self, key: &str, msg: String) {
        let path = KeyPath::parse(key).unwrap_or_default();
        self.problems.push((path, msg));
    }

    pub(super) fn prob(&mut self, key: &str, v: f64) {
        if !(0.0..=1.0).contains(&v) || !v.is_finite() {
            self.fail(
                key,
                format!("{v} is not a probability; allowed: a number from 0 to 1"),
            );
        }
    }

    pub(super) fn prob_below_one(&mut self, key: &str, v: f64, why: &str) {
        if !(0.0..1.0).contains(&v) || !v.is_finite() {
            self.fail(
                key,
                format!(
                    "{v} is not allowed; allowed: a number from 0 up to (not including) 1, {why}"
                ),
            );
        }
    }

    pub(super) fn positive(&mut self, key: &str, us: u64) {
        if us == 0 {
            self.fail(key, "must be a positive duration".into());
        }
    }

    pub(super) fn at_least_step(&mut self, key: &str, us: u64, min: u64, why: &str) {
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

    pub(super) fn between(&mut self, key: &str, v: u32, min: u32, max: u32) {
        if v < min || v > max {
            self.fail(key, format!("{v} is not allowed; allowed: {min} to {max}"));
        }
    }

    pub(super) fn at_least(&mut self, key: &str, v: u64, min: u64) {
        if v < min {
            self.fail(key, format!("{v} is too small; allowed: {min} or more"));
        }
    }
}

/// A computed number as a person writes it: at most six decimals, trailing zeros gone
/// (`1.15`, not `1.1500000000000001`).
pub(super) fn for_people(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}
