//! CDF of time to usable: for each variant, the share of all users whose PIN works
//! on-prem at each time after their first sign-in. Curves end below 100 % when some users
//! never got there (pending at the horizon, gave up, no TPM, rejected).

use super::style::*;
use crate::report::summary::time_to_usable;
use crate::run::ScenarioResult;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Points kept per curve: enough to look exact, few enough to keep the SVG small.
const MAX_POINTS: usize = 1_500;

struct Curve {
    name: String,
    /// (seconds, % of all users) at each step.
    points: Vec<(f64, f64)>,
    usable_pct: f64,
}

/// The CDF chart.
pub(crate) struct CdfChart {
    subtitle: String,
    curves: Vec<Curve>,
    axis: TimeAxis,
}

impl CdfChart {
    /// Builds the curves from every replication of every variant (pooled).
    pub fn new(result: &ScenarioResult) -> CdfChart {
        let mut lo = f64::INFINITY;
        let mut hi = 0.0f64;
        let curves: Vec<Curve> = result
            .variants
            .iter()
            .map(|v| {
                let mut t: Vec<f64> = v
                    .replications
                    .iter()
                    .flat_map(|r| r.users.iter().filter_map(time_to_usable))
                    .collect();
                t.sort_unstable_by(f64::total_cmp);
                let total: usize = v.replications.iter().map(|r| r.users.len()).sum();
                let total = total.max(1) as f64;
                if let (Some(a), Some(b)) = (t.first(), t.last()) {
                    lo = lo.min(*a);
                    hi = hi.max(*b);
                }
                let stride = t.len().div_ceil(MAX_POINTS).max(1);
                let mut points: Vec<(f64, f64)> = t
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % stride == 0 || *i + 1 == t.len())
                    .map(|(i, &s)| (s, 100.0 * (i + 1) as f64 / total))
                    .collect();
                if let Some(&(s, _)) = points.first() {
                    points.insert(0, (s, 0.0));
                }
                Curve {
                    name: v.name.clone(),
                    points,
                    usable_pct: 100.0 * t.len() as f64 / total,
                }
            })
            .collect();
        let who = if result.replications > 1 {
            format!(
                "all {} users of {} replications pooled ({} per replication)",
                result.users as u64 * result.replications as u64,
                result.replications,
                result.users
            )
        } else {
            format!("all {} users", result.users)
        };
        CdfChart {
            subtitle: format!(
                "Share of {who} whose certificate is installed (PIN usable on-prem) at each time after their first sign-in. A curve that ends below 100 % has users who never got there.",
            ),
            axis: TimeAxis::new(lo, hi),
            curves,
        }
    }
}

impl Chart for CdfChart {
    fn size(&self) -> (u32, u32) {
        (1100, 680)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let area = header(
            root,
            "Time to usable PIN — cumulative share of users",
            &self.subtitle,
        )?;
        if self.curves.iter().all(|c| c.points.is_empty()) {
            empty_panel(&area, "", "No user became usable before the horizon.")?;
            return Ok(());
        }
        let ax = &self.axis;
        let mut chart = ChartBuilder::on(&area)
            .margin(20)
            .margin_right(40)
            .x_label_area_size(55)
            .y_label_area_size(70)
            .build_cartesian_2d(ticked(ax.range(), ax.ticks()), 0.0..102.0)?;
        chart
            .configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(WHITE)
            .x_label_formatter(&|c| ax.label(*c))
            .y_label_formatter(&|p| format!("{p:.0} %"))
            .y_labels(11)
            .x_desc(format!(
                "time from first sign-in to PIN usable on-prem{}",
                ax.scale_note()
            ))
            .y_desc("users with a usable PIN (% of all users)")
            .label_style(tick_font())
            .axis_desc_style(axis_font())
            .draw()?;
        let (x0, x1) = (ax.range().start, ax.range().end);
        for level in [50.0, 95.0] {
            chart.draw_series(DashedLineSeries::new(
                [(x0, level), (x1, level)],
                6,
                4,
                RGBColor(150, 150, 150).stroke_width(1),
            ))?;
        }
        let n = self.curves.len();
        for (i, c) in self.curves.iter().enumerate() {
            let color = variant_color(i);
            // Earlier variants are drawn wider so identical curves stay visible.
            let width = 2 + 2 * (n - 1 - i) as u32;
            // A polyline through the order statistics: with hundreds of users it is the
            // step function to the pixel, without the join artefacts of drawn steps.
            let mut pts: Vec<(f64, f64)> =
                c.points.iter().map(|&(s, y)| (ax.coord(s), y)).collect();
            if let Some(&(_, y)) = pts.last() {
                pts.push((x1, y));
            }
            chart
                .draw_series(LineSeries::new(pts, color.stroke_width(width)))?
                .label(format!("{} ({:.1} % usable)", c.name, c.usable_pct))
                .legend(line_legend(color));
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight, 16)?;
        Ok(())
    }
}
