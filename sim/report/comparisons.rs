//! `comparisons` of `summary.json`: each variant against the first for the mean, p50, p90
//! and p95 of time to usable, with paired 95 % intervals — variants run on common random
//! numbers, so replication `r` and user `i` are the same in both (`analysis::paired`) —
//! and the lines the terminal and report.md print for them.

use super::clock::prose_duration;
use super::summary::{round, samples, stat_share, time_to_usable, PLATEAU_MIN_GAP_S};
use crate::analysis::paired::{quantile_difference, user_mean_difference, DifferenceMethod};
use crate::model::done::RunOutput;
use crate::run::VariantResult;
use serde::Serialize;

/// The figures compared.
pub(crate) const COMPARED: [&str; 4] = ["mean", "p50", "p90", "p95"];

/// One figure of one variant against the first, seconds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Comparison {
    /// The variant.
    pub variant: String,
    /// The variant it is compared with (the scenario's first).
    pub against: String,
    /// `mean`, `p50`, `p90` or `p95` of time to usable.
    pub figure: &'static str,
    /// `variant − against`: for a percentile, the difference of the pooled percentiles
    /// (of the users who became usable in each); for the mean, the mean per-user
    /// difference over the users usable in both. Null when either has no usable user.
    pub difference: Option<f64>,
    /// Its 95 % interval; null with fewer than two replications. Paired (sectioning over
    /// the per-user or per-replication differences) except where a percentile of either
    /// variant is on a plateau: there it is built from each variant's own percentile
    /// interval (`pairing` says `marginal`).
    pub ci95: Option<[f64; 2]>,
    /// `user` (the mean: user `i` against user `i`), `replication` (percentiles:
    /// replication `r` against replication `r`), or `marginal` (a percentile on a plateau
    /// in either variant: not paired, from the two variants' own intervals, each at
    /// 97.5 %, so that together they hold 95 %).
    pub pairing: &'static str,
    /// The mean only: users usable in both variants (the pairs), and usable in only the
    /// first or only the second (left out of the difference); null for percentiles.
    pub paired_users: Option<u64>,
    /// See `paired_users`.
    pub usable_only_against: Option<u64>,
    /// See `paired_users`.
    pub usable_only_variant: Option<u64>,
}

/// Per replication, each user's time to usable by user id (`None`: not usable).
fn by_user(reps: &[RunOutput]) -> Vec<Vec<Option<f64>>> {
    reps.iter()
        .map(|r| {
            let n = r.users.iter().map(|u| u.id as usize + 1).max().unwrap_or(0);
            let mut v = vec![None; n];
            for u in &r.users {
                v[u.id as usize] = time_to_usable(u);
            }
            v
        })
        .collect()
}

/// Every variant after the first against the first, figure by figure.
pub fn comparisons(variants: &[VariantResult]) -> Vec<Comparison> {
    let Some((base, rest)) = variants.split_first() else {
        return Vec::new();
    };
    let base_samples = samples(&base.replications, time_to_usable);
    let base_users = by_user(&base.replications);
    let mut out = Vec::new();
    for v in rest {
        let v_samples = samples(&v.replications, time_to_usable);
        for figure in COMPARED {
            let mut c = Comparison {
                variant: v.name.clone(),
                against: base.name.clone(),
                figure,
                difference: None,
                ci95: None,
                pairing: "replication",
                paired_users: None,
                usable_only_against: None,
                usable_only_variant: None,
            };
            let d = if figure == "mean" {
                let p = user_mean_difference(&base_users, &by_user(&v.replications), 0.95);
                c.pairing = "user";
                c.paired_users = Some(p.paired);
                c.usable_only_against = Some(p.first_only);
                c.usable_only_variant = Some(p.second_only);
                p.difference
            } else {
                let p = stat_share(figure).expect("compared figures are the mean or percentiles");
                quantile_difference(&base_samples, &v_samples, p, 0.95, PLATEAU_MIN_GAP_S).map(
                    |(d, method)| {
                        c.pairing = match method {
                            DifferenceMethod::Paired => "replication",
                            DifferenceMethod::Marginal => "marginal",
                        };
                        d
                    },
                )
            };
            if let Some(d) = d {
                c.difference = Some(round(d.value));
                c.ci95 = d.interval.map(|[lo, hi]| [round(lo), round(hi)]);
            }
            out.push(c);
        }
    }
    out
}

/// A signed span in one unit for a difference and its bounds: `−24 min`, `+3.5 h`.
fn unit_for(largest: f64) -> (f64, &'static str) {
    if largest < 90.0 {
        (1.0, "s")
    } else if largest < 90.0 * 60.0 {
        (60.0, "min")
    } else if largest < 48.0 * 3_600.0 {
        (3_600.0, "h")
    } else {
        (86_400.0, "days")
    }
}

fn signed(x: f64, scale: f64, decimals: usize) -> String {
    let v = x / scale;
    let s = format!("{:.*}", decimals, v.abs());
    // "−0" is not a number a person writes.
    if s.chars().all(|c| c == '0' || c == '.') {
        s
    } else if v < 0.0 {
        format!("−{s}")
    } else {
        format!("+{s}")
    }
}

/// `post-kb − pre-kb, p50: −24 min [−25, −23]`; the mean line names the users it pairs.
pub(crate) fn comparison_line(c: &Comparison) -> String {
    let head = format!("{} − {}, {}", c.variant, c.against, c.figure);
    let Some(d) = c.difference else {
        return format!("{head}: — (no usable user in one of them)");
    };
    let largest = c
        .ci95
        .map_or(d.abs(), |[lo, hi]| d.abs().max(lo.abs()).max(hi.abs()));
    let (scale, unit) = unit_for(largest);
    // Enough decimals that the figure and the width of its interval both show.
    let width = c.ci95.map_or(largest, |[lo, hi]| hi - lo) / scale;
    let decimals = if width >= 2.0 && largest / scale >= 10.0 {
        0
    } else if width >= 0.2 {
        1
    } else {
        2
    };
    let mut line = format!("{head}: {} {unit}", signed(d, scale, decimals));
    if let Some([lo, hi]) = c.ci95 {
        line.push_str(&format!(
            " [{}, {}]",
            signed(lo, scale, decimals),
            signed(hi, scale, decimals)
        ));
    }
    if c.pairing == "marginal" {
        line.push_str(&format!(
            " (not paired: {} is on a plateau in {} or {}, so the interval spans its step; \
             from each variant's own interval)",
            c.figure, c.against, c.variant
        ));
    }
    if let (Some(n), Some(a), Some(b)) =
        (c.paired_users, c.usable_only_against, c.usable_only_variant)
    {
        line.push_str(&format!(" (per user, over the {n} users usable in both"));
        if a + b > 0 {
            line.push_str(&format!(
                "; {a} usable only in {}, {b} only in {}, left out",
                c.against, c.variant
            ));
        }
        line.push(')');
    }
    line
}

/// How `c` reads in a sentence: `faster by 24 min`, or `about the same` when its
/// interval holds zero.
pub fn verdict(c: &Comparison) -> Option<String> {
    let d = c.difference?;
    if let Some([lo, hi]) = c.ci95 {
        if lo <= 0.0 && hi >= 0.0 {
            return Some("about the same (the 95 % interval of the difference holds 0)".into());
        }
    }
    let word = if d < 0.0 { "faster" } else { "slower" };
    Some(format!("{word} by {}", prose_duration(d.abs())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(d: Option<f64>, ci: Option<[f64; 2]>) -> Comparison {
        Comparison {
            variant: "post-kb".into(),
            against: "pre-kb".into(),
            figure: "p50",
            difference: d,
            ci95: ci,
            pairing: "replication",
            paired_users: None,
            usable_only_against: None,
            usable_only_variant: None,
        }
    }

    #[test]
    fn lines_read_like_a_person_writes_them() {
        let l = comparison_line(&c(Some(-1440.0), Some([-1500.0, -1380.0])));
        assert_eq!(l, "post-kb − pre-kb, p50: −24 min [−25, −23]");
        let l = comparison_line(&c(Some(-1440.0), Some([-1446.0, -1434.0])));
        assert_eq!(l, "post-kb − pre-kb, p50: −24.0 min [−24.1, −23.9]");
        let l = comparison_line(&c(Some(30.0), Some([-2.0, 62.0])));
        assert_eq!(l, "post-kb − pre-kb, p50: +30 s [−2, +62]");
        assert_eq!(
            comparison_line(&c(Some(7_200.0), None)),
            "post-kb − pre-kb, p50: +2.0 h"
        );
        assert!(comparison_line(&c(None, None)).contains("no usable user"));
        let mut m = c(Some(-60.0), None);
        m.paired_users = Some(10);
        m.usable_only_against = Some(1);
        m.usable_only_variant = Some(0);
        assert!(comparison_line(&m).contains("1 usable only in pre-kb"));
    }

    #[test]
    fn an_interval_holding_zero_is_about_the_same() {
        let v = verdict(&c(Some(-3.0), Some([-10.0, 4.0]))).unwrap();
        assert!(v.starts_with("about the same"), "{v}");
        assert_eq!(
            verdict(&c(Some(-1440.0), Some([-1500.0, -1380.0]))).unwrap(),
            "faster by 24 min"
        );
    }
}
