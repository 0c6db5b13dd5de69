//! Histogram of time to usable: one panel per variant on a shared time axis, with bins of
//! equal width on that axis (logarithmic when times span minutes to days), so the
//! clusters (same session, after a sync cycle, after a retry, next morning) stand out.

use super::style::*;
use crate::engine::stats::quantile_sorted;
use crate::report::clock::prose_duration;
use crate::report::summary::time_to_usable;
use crate::run::ScenarioResult;
use plotters::coord::Shift;
use plotters::prelude::*;

const BINS: usize = 48;

struct Panel {
    name: String,
    /// Per bin: % of the variant's users.
    share: Vec<f64>,
    usable: usize,
    total: usize,
    median: Option<f64>,
}

/// The histogram chart.
pub(crate) struct HistogramChart {
    subtitle: String,
    axis: TimeAxis,
    panels: Vec<Panel>,
}

impl HistogramChart {
    /// Bins every replication of every variant (pooled).
    pub fn new(result: &ScenarioResult) -> HistogramChart {
        let times: Vec<Vec<f64>> = result
            .variants
            .iter()
            .map(|v| {
                let mut t: Vec<f64> = v
                    .replications
                    .iter()
                    .flat_map(|r| r.users.iter().filter_map(time_to_usable))
                    .collect();
                t.sort_unstable_by(f64::total_cmp);
                t
            })
            .collect();
        let lo = times
            .iter()
            .filter_map(|t| t.first())
            .fold(f64::INFINITY, |a, &b| a.min(b));
        let hi = times
            .iter()
            .filter_map(|t| t.last())
            .fold(0.0f64, |a, &b| a.max(b));
        let axis = TimeAxis::new(lo, hi);
        let r = axis.range();
        let width = (r.end - r.start) / BINS as f64;
        let panels = result
            .variants
            .iter()
            .zip(&times)
            .map(|(v, t)| {
                let total: usize = v.replications.iter().map(|r| r.users.len()).sum();
                let mut counts = vec![0usize; BINS];
                for &s in t {
                    let i = ((axis.coord(s) - r.start) / width).floor();
                    counts[(i.max(0.0) as usize).min(BINS - 1)] += 1;
                }
                Panel {
                    name: v.name.clone(),
                    share: counts
                        .iter()
                        .map(|&c| 100.0 * c as f64 / total.max(1) as f64)
                        .collect(),
                    usable: t.len(),
                    total,
                    // The table's median (type 7), so chart and table agree.
                    median: (!t.is_empty()).then(|| quantile_sorted(t, 0.5)),
                }
            })
            .collect();
        let reps = if result.replications > 1 {
            format!(", pooled over {} replications", result.replications)
        } else {
            String::new()
        };
        HistogramChart {
            subtitle: format!(
                "Users per time bin, as % of each variant's {} users{reps}; bins are equally wide on the{} time axis.",
                result.users,
                if axis.is_log() { " logarithmic" } else { "" }
            ),
            axis,
            panels,
        }
    }
}

impl Chart for HistogramChart {
    fn size(&self) -> (u32, u32) {
        (1100, 110 + 300 * self.panels.len().max(1) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let area = header(root, "Time to usable PIN — distribution", &self.subtitle)?;
        let ax = &self.axis;
        let r = ax.range();
        let width = (r.end - r.start) / BINS as f64;
        let ymax = self
            .panels
            .iter()
            .flat_map(|p| p.share.iter().copied())
            .fold(1.0f64, f64::max)
            * 1.12;
        let areas = area.split_evenly((self.panels.len().max(1), 1));
        for (i, (p, a)) in self.panels.iter().zip(areas.iter()).enumerate() {
            let caption = format!(
                "{} — {} of {} users usable{}",
                p.name,
                p.usable,
                p.total,
                p.median
                    .map(|m| format!(", their median {}", prose_duration(m)))
                    .unwrap_or_default()
            );
            if p.usable == 0 {
                empty_panel(a, &caption, "No user of this variant became usable.")?;
                continue;
            }
            let mut chart = ChartBuilder::on(a)
                .caption(caption, panel_font())
                .margin(14)
                .margin_right(40)
                .x_label_area_size(50)
                .y_label_area_size(70)
                .build_cartesian_2d(ticked(r.clone(), ax.ticks()), 0.0..ymax)?;
            chart
                .configure_mesh()
                .bold_line_style(GRID)
                .light_line_style(WHITE)
                .x_label_formatter(&|c| ax.label(*c))
                .y_label_formatter(&|v| format!("{v:.0} %"))
                .y_labels(6)
                .x_desc(format!(
                    "time from first sign-in to PIN usable on-prem{}",
                    ax.scale_note()
                ))
                .y_desc("% of users")
                .label_style(tick_font())
                .axis_desc_style(axis_font())
                .draw()?;
            let color = variant_color(i);
            chart.draw_series(p.share.iter().enumerate().filter(|(_, &s)| s > 0.0).map(
                |(b, &s)| {
                    let x0 = r.start + b as f64 * width;
                    Rectangle::new([(x0, 0.0), (x0 + width * 0.92, s)], color.filled())
                },
            ))?;
        }
        Ok(())
    }
}
