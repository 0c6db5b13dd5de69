//! Fault windows drawn on the time charts (`waiting`, `resources`): a light band over each
//! window, so a dip or a queue can be read against the outage that caused it.

use super::style::{ChartResult, Ticked};
use crate::engine::time::to_secs;
use crate::run::ScenarioResult;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::ops::Range;

/// The band colour (the palette's red, light).
pub(crate) const FAULT_FILL: RGBColor = RGBColor(214, 39, 40);

/// One window to shade.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FaultSpan {
    /// Start, seconds since Monday 00:00.
    pub start_s: f64,
    /// End.
    pub end_s: f64,
    /// Legend text: the effect's short label (no `drs_slow` factor), and the variants
    /// when not every variant has the window.
    pub label: String,
}

/// The distinct fault windows of every variant, in order of first appearance.
pub(crate) fn fault_spans(result: &ScenarioResult) -> Vec<FaultSpan> {
    let mut spans: Vec<(FaultSpan, Vec<&str>)> = Vec::new();
    for v in &result.variants {
        for f in &v.faults {
            let kind = format!("{:#}", f.effect);
            let (start_s, end_s) = (to_secs(f.start), to_secs(f.end));
            match spans
                .iter_mut()
                .find(|(s, _)| s.start_s == start_s && s.end_s == end_s && s.label == kind)
            {
                Some((_, names)) => names.push(&v.name),
                None => spans.push((
                    FaultSpan {
                        start_s,
                        end_s,
                        label: kind,
                    },
                    vec![&v.name],
                )),
            }
        }
    }
    let all = result.variants.len();
    spans
        .into_iter()
        .map(|(mut s, names)| {
            s.label = if names.len() == all {
                format!("fault: {}", s.label)
            } else {
                format!("fault: {} ({})", s.label, names.join(", "))
            };
            s
        })
        .collect()
}

/// Shades `spans` within `x` from 0 to `ymax`; with `legend`, each distinct label once.
pub(crate) fn shade<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<Ticked, RangedCoordf64>>,
    spans: &[FaultSpan],
    x: Range<f64>,
    ymax: f64,
    legend: bool,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let mut labelled: Vec<&str> = Vec::new();
    for s in spans {
        let (a, b) = (s.start_s.max(x.start), s.end_s.min(x.end));
        if b <= a {
            continue;
        }
        let drawn = chart.draw_series(std::iter::once(Rectangle::new(
            [(a, 0.0), (b, ymax)],
            FAULT_FILL.mix(0.13).filled(),
        )))?;
        if legend && !labelled.contains(&s.label.as_str()) {
            labelled.push(&s.label);
            drawn.label(s.label.clone()).legend(|(x, y)| {
                Rectangle::new([(x, y - 6), (x + 24, y + 6)], FAULT_FILL.mix(0.3).filled())
            });
        }
    }
    Ok(())
}
