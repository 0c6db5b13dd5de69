//! Which shard this process is: `--shard K/N` as written, or `--shard auto` from the
//! batch scheduler's environment (a Slurm job array, or a Kubernetes Indexed Job with
//! `--shards N`).

use crate::error::UsageError;
use serde::{Deserialize, Serialize};

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ShardSpec {
    /// 1-based index.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

impl std::fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl ShardSpec {
    /// Checks `1 ≤ index ≤ count`.
    pub fn new(index: u32, count: u32) -> Result<ShardSpec, UsageError> {
        if count == 0 {
            return Err("the number of shards must be at least 1".into());
        }
        if index == 0 || index > count {
            return Err(format!(
                "shard {index} of {count} does not exist; allowed: 1 to {count} (K is 1-based)"
            )
            .into());
        }
        Ok(ShardSpec { index, count })
    }

    /// Parses `K/N`.
    pub fn parse(text: &str) -> Result<ShardSpec, UsageError> {
        let bad = || format!("--shard `{text}` is not K/N (e.g. --shard 2/8) or auto");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let k: u32 = k.trim().parse().map_err(|_| bad())?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        ShardSpec::new(k, n).map_err(|m| format!("--shard {text}: {m}").into())
    }
}

/// Reads an environment variable (injected so tests need not touch the process's).
pub(crate) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process's environment.
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn number(env: Env<'_>, name: &str) -> Result<Option<i64>, String> {
    match env(name) {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| format!("--shard auto: {name}={v} is not a whole number")),
    }
}

/// The shard named by `--shard` (`K/N` or `auto`) and `--shards`.
///
/// `auto` takes, in this order:
/// - a Slurm job array: shard `(SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN) / STEP + 1`
///   of `SLURM_ARRAY_TASK_COUNT` (`SLURM_ARRAY_TASK_STEP`, default 1), so `--array=0-7`,
///   `--array=1-8` and `--array=10-17` all give shards 1..8; a list or a range with gaps
///   is refused (the index would not say which share is missing);
/// - a Kubernetes Indexed Job: shard `JOB_COMPLETION_INDEX + 1` of `--shards N`.
pub fn resolve(shard: &str, shards: Option<u32>, env: Env<'_>) -> Result<ShardSpec, UsageError> {
    if shard.trim() != "auto" {
        if shards.is_some() {
            return Err(format!(
                "--shards is for --shard auto with JOB_COMPLETION_INDEX; --shard {shard} already names the count"
            ).into());
        }
        return ShardSpec::parse(shard);
    }
    if let Some(id) = number(env, "SLURM_ARRAY_TASK_ID")? {
        let need = |name: &str| -> Result<i64, String> {
            number(env, name)?.ok_or_else(|| {
                format!("--shard auto: SLURM_ARRAY_TASK_ID is set but {name} is not (is this a job array? sbatch --array=1-N)")
            })
        };
        let count = need("SLURM_ARRAY_TASK_COUNT")?;
        let min = need("SLURM_ARRAY_TASK_MIN")?;
        let step = number(env, "SLURM_ARRAY_TASK_STEP")?.unwrap_or(1);
        let max = number(env, "SLURM_ARRAY_TASK_MAX")?;
        if count < 1 || step < 1 || count > u32::MAX as i64 {
            return Err(format!(
                "--shard auto: SLURM_ARRAY_TASK_COUNT={count}, SLURM_ARRAY_TASK_STEP={step} are not a job array's"
            ).into());
        }
        let last = min + (count - 1) * step;
        if max.is_some_and(|m| m != last) {
            return Err(format!(
                "--shard auto: the job array is not an evenly spaced range (tasks {min}..{} in {count} steps of {step}); submit it as --array=1-N",
                max.unwrap_or(last)
            ).into());
        }
        if id < min || id > last || (id - min) % step != 0 {
            return Err(format!(
                "--shard auto: SLURM_ARRAY_TASK_ID={id} is not one of the array's tasks ({min} to {last}, step {step})"
            ).into());
        }
        let spec = ShardSpec::new(((id - min) / step + 1) as u32, count as u32)?;
        if let Some(n) = shards {
            if n != spec.count {
                return Err(format!(
                    "--shards {n} contradicts the Slurm job array's {} tasks; leave --shards out under Slurm",
                    spec.count
                ).into());
            }
        }
        return Ok(spec);
    }
    if let Some(index) = number(env, "JOB_COMPLETION_INDEX")? {
        let Some(n) = shards else {
            return Err(
                "--shard auto with JOB_COMPLETION_INDEX needs --shards N (the Job's `completions`)"
                    .into(),
            );
        };
        if index < 0 || index >= n as i64 {
            return Err(format!(
                "--shard auto: JOB_COMPLETION_INDEX={index} is outside 0..{} (--shards {n}); make `completions` equal to --shards",
                n.saturating_sub(1)
            ).into());
        }
        return ShardSpec::new(index as u32 + 1, n);
    }
    Err("--shard auto: no shard index in the environment; expected SLURM_ARRAY_TASK_ID (a Slurm job array) or JOB_COMPLETION_INDEX (a Kubernetes Indexed Job, with --shards N), or give --shard K/N".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn slurm(id: &str, min: &str, count: &str) -> Vec<(&'static str, String)> {
        vec![
            ("SLURM_ARRAY_TASK_ID", id.to_string()),
            ("SLURM_ARRAY_TASK_MIN", min.to_string()),
            ("SLURM_ARRAY_TASK_COUNT", count.to_string()),
        ]
    }

    fn auto(vars: &[(&str, String)], shards: Option<u32>) -> Result<ShardSpec, String> {
        let v: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let lookup = env(&v);
        resolve("auto", shards, &lookup).map_err(|e| e.to_string())
    }

    #[test]
    fn k_of_n_is_parsed_and_checked() {
        assert_eq!(
            ShardSpec::parse("2/7"),
            Ok(ShardSpec { index: 2, count: 7 })
        );
        for bad in ["0/3", "4/3", "1/0", "x/3", "3", "1/2/3", ""] {
            assert!(ShardSpec::parse(bad).is_err(), "{bad}");
        }
        assert!(
            resolve("1/2", Some(2), &env(&[])).is_err(),
            "--shards needs auto"
        );
    }

    #[test]
    fn slurm_arrays_starting_anywhere_give_shards_from_one() {
        assert_eq!(
            auto(&slurm("0", "0", "4"), None),
            Ok(ShardSpec { index: 1, count: 4 })
        );
        assert_eq!(
            auto(&slurm("4", "1", "4"), None),
            Ok(ShardSpec { index: 4, count: 4 })
        );
        assert_eq!(
            auto(&slurm("12", "10", "8"), None),
            Ok(ShardSpec { index: 3, count: 8 })
        );
        let mut stepped = slurm("14", "10", "4");
        stepped.push(("SLURM_ARRAY_TASK_STEP", "2".into()));
        stepped.push(("SLURM_ARRAY_TASK_MAX", "16".into()));
        assert_eq!(auto(&stepped, None), Ok(ShardSpec { index: 3, count: 4 }));
        // A list with gaps (--array=1,3,7): MAX is not MIN + (COUNT-1)·STEP.
        let mut gaps = slurm("3", "1", "3");
        gaps.push(("SLURM_ARRAY_TASK_MAX", "7".into()));
        assert!(auto(&gaps, None).unwrap_err().contains("evenly spaced"));
        // Inconsistent or incomplete.
        assert!(auto(&slurm("9", "1", "4"), None)
            .unwrap_err()
            .contains("not one of"));
        assert!(auto(&slurm("0", "1", "4"), None).is_err());
        let e = auto(&[("SLURM_ARRAY_TASK_ID", "3".into())], None).unwrap_err();
        assert!(e.contains("SLURM_ARRAY_TASK_COUNT"), "{e}");
        assert!(auto(&slurm("x", "1", "4"), None)
            .unwrap_err()
            .contains("whole number"));
        assert!(auto(&slurm("2", "1", "4"), Some(5))
            .unwrap_err()
            .contains("contradicts"));
        assert_eq!(
            auto(&slurm("2", "1", "4"), Some(4)),
            Ok(ShardSpec { index: 2, count: 4 })
        );
    }

    #[test]
    fn kubernetes_indexed_jobs_need_the_shard_count() {
        let k8s = vec![("JOB_COMPLETION_INDEX", "0".to_string())];
        assert_eq!(auto(&k8s, Some(3)), Ok(ShardSpec { index: 1, count: 3 }));
        assert!(auto(&k8s, None).unwrap_err().contains("--shards N"));
        let last = vec![("JOB_COMPLETION_INDEX", "3".to_string())];
        assert!(auto(&last, Some(3)).unwrap_err().contains("outside 0..2"));
        let e = auto(&[], Some(3)).unwrap_err();
        assert!(e.contains("SLURM_ARRAY_TASK_ID") && e.contains("JOB_COMPLETION_INDEX"));
    }
}
