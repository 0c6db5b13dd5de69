//! Users waiting for a certificate over the time of day: the number of users whose key is
//! registered but whose certificate is not installed yet, per variant, with a strip below
//! that marks each Azure AD Connect sync cycle (start to export end). Before KB4088889
//! the curve drops in steps after sync cycles and retry times; after it, it stays near 0.

use super::fault_shading::{fault_spans, shade, FaultSpan};
use super::style::*;
use crate::engine::time::to_secs;
use crate::run::ScenarioResult;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Sample points of a curve across the window.
const GRID_POINTS: usize = 1_200;

struct Line {
    name: String,
    /// Mean over replications of the waiting count at each point of the first day's grid.
    day: Vec<f64>,
    /// The same across the whole activity window.
    whole: Vec<f64>,
    /// Sync cycles of the first replication in the first day: (start s, end s).
    cycles: Vec<(f64, f64)>,
}

/// The waiting-users chart.
pub(crate) struct WaitingChart {
    subtitle: String,
    day_axis: ClockAxis,
    day_grid: Vec<f64>,
    /// The whole window, when it is longer than the first day.
    whole: Option<(ClockAxis, Vec<f64>)>,
    lines: Vec<Line>,
    /// Fault windows, shaded behind the curves.
    faults: Vec<FaultSpan>,
}

/// The span worth showing: from shortly before the first sign-in to shortly after the
/// last change any variant saw (the end of the run when users were left waiting).
pub(crate) fn activity_window(result: &ScenarioResult) -> (f64, f64) {
    let mut first = f64::INFINITY;
    let mut last = 0.0f64;
    let mut end = 0.0f64;
    for v in &result.variants {
        for r in &v.replications {
            end = end.max(to_secs(r.end));
            for u in &r.users {
                let m = &u.milestones;
                if let Some(s) = m.signin {
                    first = first.min(to_secs(s));
                }
                for t in [m.usable, m.key_registered, m.key_in_ad]
                    .into_iter()
                    .flatten()
                {
                    last = last.max(to_secs(t));
                }
                if m.key_registered.is_some() && m.usable.is_none() {
                    last = last.max(to_secs(r.end));
                }
            }
        }
    }
    if !first.is_finite() {
        return (0.0, end.max(3_600.0));
    }
    let t0 = ((first - 1_800.0) / 3_600.0).floor().max(0.0) * 3_600.0;
    let t1 = (last + 0.05 * (last - t0)).min(end.max(t0 + 3_600.0));
    (t0, t1.max(t0 + 3_600.0))
}

/// The first 24 hours of the activity window (all of it when shorter): where the wave
/// of first sign-ins and the sync cycles that serve it can be told apart.
pub(crate) fn first_day_window(result: &ScenarioResult) -> (f64, f64) {
    let (t0, t1) = activity_window(result);
    (t0, t1.min(t0 + 86_400.0))
}

fn grid(t0: f64, t1: f64) -> Vec<f64> {
    (0..GRID_POINTS)
        .map(|i| t0 + (t1 - t0) * i as f64 / (GRID_POINTS - 1) as f64)
        .collect()
}

/// Mean over replications of the number of users waiting at each time of `grid`.
fn waiting_counts(v: &crate::run::VariantResult, grid: &[f64]) -> Vec<f64> {
    let mut values = vec![0.0; grid.len()];
    for r in &v.replications {
        let mut changes: Vec<(f64, i64)> = Vec::new();
        for u in &r.users {
            if let Some(reg) = u.milestones.key_registered {
                changes.push((to_secs(reg), 1));
                if let Some(ok) = u.milestones.usable {
                    changes.push((to_secs(ok), -1));
                }
            }
        }
        changes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut level = 0i64;
        let mut k = 0;
        for (g, &t) in grid.iter().enumerate() {
            while k < changes.len() && changes[k].0 <= t {
                level += changes[k].1;
                k += 1;
            }
            values[g] += level as f64;
        }
    }
    let n = v.replications.len().max(1) as f64;
    for x in &mut values {
        *x /= n;
    }
    values
}

impl WaitingChart {
    /// Waiting counts of every variant (mean over replications) and the first
    /// replication's sync cycles.
    pub fn new(result: &ScenarioResult) -> WaitingChart {
        let (t0, t1) = activity_window(result);
        let (d0, d1) = first_day_window(result);
        let day_grid = grid(d0, d1);
        let whole_grid = (t1 > d1 + 1.0).then(|| grid(t0, t1));
        let lines = result
            .variants
            .iter()
            .map(|v| {
                let cycles = v
                    .replications
                    .first()
                    .map(|r| {
                        r.sync_cycles
                            .iter()
                            .filter(|c| !c.aborted)
                            .map(|c| (to_secs(c.start), to_secs(c.end)))
                            .filter(|&(s, e)| e >= d0 && s <= d1)
                            .collect()
                    })
                    .unwrap_or_default();
                Line {
                    name: v.name.clone(),
                    day: waiting_counts(v, &day_grid),
                    whole: whole_grid
                        .as_ref()
                        .map(|g| waiting_counts(v, g))
                        .unwrap_or_default(),
                    cycles,
                }
            })
            .collect();
        let reps = if result.replications > 1 {
            format!(
                " Curves are the mean over {} replications; the cycles shown are the first replication's.",
                result.replications
            )
        } else {
            String::new()
        };
        let faults = fault_spans(result);
        let shaded = if faults.is_empty() {
            ""
        } else {
            " Shaded: fault windows."
        };
        WaitingChart {
            subtitle: format!("Users whose key is registered with Azure AD but whose certificate is not installed yet: they cannot use the PIN on-prem.{reps} Under the first day: the Azure AD Connect sync cycles, from start to the end of the export to AD.{shaded}"),
            faults,
            day_axis: ClockAxis::new(d0, d1),
            day_grid,
            whole: whole_grid.map(|g| (ClockAxis::new(t0, t1), g)),
            lines,
        }
    }

    fn y_area(&self) -> u32 {
        let name_w = 20
            + 9 * self
                .lines
                .iter()
                .map(|l| l.name.chars().count() as u32)
                .max()
                .unwrap_or(5);
        80u32.max(name_w)
    }

    /// One curve panel over `ax`, the values of each line picked by `values`.
    fn curves<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        caption: &str,
        ax: &ClockAxis,
        grid: &[f64],
        values: impl Fn(&Line) -> &[f64],
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let ymax = self
            .lines
            .iter()
            .flat_map(|l| values(l).iter().copied())
            .fold(0.0f64, f64::max);
        let ymax = (ymax * 1.1).max(5.0);
        let mut chart = ChartBuilder::on(area)
            .caption(caption, panel_font())
            .margin(20)
            .margin_top(10)
            .margin_right(40)
            .x_label_area_size(40)
            .y_label_area_size(self.y_area())
            .build_cartesian_2d(ticked(ax.range(), ax.ticks()), 0.0..ymax)?;
        chart
            .configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(WHITE)
            .x_label_formatter(&|t| ax.label(*t))
            .y_label_formatter(&|v| format!("{v:.0}"))
            // Small counts: one tick per user, so no two ticks round to the same label.
            .y_labels((ymax.floor() as usize + 1).clamp(2, 10))
            .y_desc("users waiting")
            .label_style(tick_font())
            .axis_desc_style(axis_font())
            .draw()?;
        shade(&mut chart, &self.faults, ax.range(), ymax, true)?;
        let n = self.lines.len();
        for (i, l) in self.lines.iter().enumerate() {
            let color = variant_color(i);
            // Earlier variants are drawn wider so identical curves stay visible.
            let width = 2 + 2 * (n - 1 - i) as u32;
            chart
                .draw_series(LineSeries::new(
                    grid.iter().copied().zip(values(l).iter().copied()),
                    color.stroke_width(width),
                ))?
                .label(l.name.clone())
                .legend(line_legend(color));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 16)?;
        Ok(())
    }
}

impl Chart for WaitingChart {
    fn size(&self) -> (u32, u32) {
        let whole = if self.whole.is_some() { 340 } else { 0 };
        (1200, 620 + 34 * self.lines.len() as u32 + whole)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let area = header(root, "Users waiting for a certificate", &self.subtitle)?;
        let h = area.dim_in_pixel().1;
        let (day_part, whole_part) = if self.whole.is_some() {
            let (a, b) = area.split_vertically(h.saturating_sub(340));
            (a, Some(b))
        } else {
            (area, None)
        };
        let strip_h = 76 + 34 * self.lines.len() as u32;
        let dh = day_part.dim_in_pixel().1;
        let (top, bottom) = day_part.split_vertically(dh.saturating_sub(strip_h));
        let ax = &self.day_axis;
        let r = ax.range();
        let caption = if r.end - r.start >= 86_400.0 - 1.0 {
            "the first 24 hours from the first sign-in"
        } else {
            "from the first sign-in until the last user got a certificate (or the horizon)"
        };
        self.curves(&top, caption, ax, &self.day_grid, |l| &l.day)?;

        // The sync strip: one row per variant, a bar per cycle.
        let n = self.lines.len();
        let mut strip = ChartBuilder::on(&bottom)
            .margin(20)
            .margin_top(0)
            .margin_right(40)
            .x_label_area_size(50)
            .y_label_area_size(self.y_area())
            .build_cartesian_2d(
                ticked(ax.range(), ax.ticks()),
                ticked(-0.5..(n as f64 - 0.5), (0..n).map(|i| i as f64).collect()),
            )?;
        strip
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID)
            .x_label_formatter(&|t| ax.label(*t))
            .y_label_formatter(&|y| {
                let i = y.round();
                if i >= 0.0 && (i as usize) < n && (y - i).abs() < 1e-6 {
                    self.lines[n - 1 - i as usize].name.clone()
                } else {
                    String::new()
                }
            })
            .x_desc("Azure AD Connect sync cycles (first replication) — time of day, time 0 = Monday 00:00")
            .label_style(tick_font())
            .axis_desc_style(axis_font())
            .draw()?;
        let (x0, x1) = (ax.range().start, ax.range().end);
        let min_w = (x1 - x0) / 400.0;
        for (i, l) in self.lines.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let color = variant_color(i);
            strip.draw_series(l.cycles.iter().map(|&(s, e)| {
                let s = s.max(x0);
                let e = e.min(x1).max(s + min_w);
                Rectangle::new([(s, y - 0.3), (e, y + 0.3)], color.filled())
            }))?;
        }

        if let (Some(part), Some((wax, wgrid))) = (whole_part, &self.whole) {
            self.curves(
                &part,
                "whole run, until the last user got a certificate (or the horizon)",
                wax,
                wgrid,
                |l| &l.whole,
            )?;
        }
        Ok(())
    }
}
