//! `[report]`: the time series' bucket and the busiest window on its grid.

use super::checker::Checker;
use crate::engine::time::SECOND;
use crate::scenario::schema::Spec;

/// A bucket of at least a second, and a peak window that is a multiple of it within
/// the horizon.
pub(super) fn report(c: &mut Checker, spec: &Spec) {
    let r = &spec.report;
    if r.series_bucket.0 < SECOND {
        c.at_least_step(
            "report.series_bucket",
            r.series_bucket.0,
            SECOND,
            "the time series' resolution",
        );
    } else if r.peak_window.0 < r.series_bucket.0
        || !r.peak_window.0.is_multiple_of(r.series_bucket.0)
        || r.peak_window.0 > spec.horizon.0
    {
        c.fail(
            "report.peak_window",
            format!(
                "{} is not allowed; allowed: a multiple of report.series_bucket ({}) from {} up to the horizon ({}) (the busiest window slides on the buckets' grid)",
                r.peak_window, r.series_bucket, r.series_bucket, spec.horizon
            ),
        );
    }
}
