//! report.md's account of the percentiles that sit on a plateau of the pooled
//! distribution: the values on either side, and who the users on each side are (whether
//! their device was ready at the first sign-in, how many sign-ins they needed).

use super::clock::prose_duration;
use super::summary::{time_to_usable, VariantSummary};
use crate::analysis::plateau::window;
use crate::run::VariantResult;

/// Users at or below `limit` (`below`) or at or above it, over the users who became
/// usable: how many, the share whose device was ready at the first sign-in, the mean
/// number of sign-ins.
fn side(v: &VariantResult, limit: f64, below: bool) -> (u64, f64, f64) {
    let (mut n, mut ready, mut signins) = (0u64, 0u64, 0u64);
    for u in v.replications.iter().flat_map(|r| r.users.iter()) {
        let Some(t) = time_to_usable(u) else {
            continue;
        };
        if (below && t <= limit) || (!below && t >= limit) {
            n += 1;
            ready += u.device_ready_at_start as u64;
            signins += u.signins as u64;
        }
    }
    let share = |x: u64| if n == 0 { 0.0 } else { x as f64 / n as f64 };
    (n, 100.0 * share(ready), share(signins))
}

/// One sentence per percentile of time to usable that sits on a plateau.
pub(crate) fn plateau_sentences(vr: &VariantResult, vs: &VariantSummary) -> Vec<String> {
    let t = &vs.time_to_usable_s;
    let mut out = Vec::new();
    for st in &t.on_plateau {
        let (Some(value), Some([lo, hi])) = (t.get(st), t.plateau_s.get(st).copied()) else {
            continue;
        };
        let share = super::summary::stat_share(st).unwrap_or(0.0);
        let (nb, rb, sb) = side(vr, lo, true);
        let (na, ra, sa) = side(vr, hi, false);
        // Said only when the two sides differ in the way it names.
        let why = if ra + 10.0 < rb || sa > sb + 0.5 {
            " — the users beyond the step are mostly those whose device was not ready or who needed more sign-ins"
        } else {
            ""
        };
        out.push(format!(
            "**{} {st}** ({}) sits on a plateau: of the users who became usable, {:.1} % were usable within {} and {:.1} % within {}, so {:.0} % of them more or less moves it by a factor of {:.0}. Up to the lower value ({nb} users), {rb:.0} % had their device ready at the first sign-in and they signed in {sb:.1} times on average; from the upper value on ({na} users), {ra:.0} % and {sa:.1} times{why}.",
            vs.name,
            prose_duration(value),
            100.0 * (share - window(share)),
            prose_duration(lo),
            100.0 * (share + window(share)),
            prose_duration(hi),
            100.0 * window(share),
            hi / lo.max(1e-9),
        ));
    }
    out
}
