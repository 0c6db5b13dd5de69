//! The plan chart: every combination evaluated on the search's seed, cost against its
//! worst target margin (how far the bound is from the target, as a fraction of the
//! target's value; at or above 0 = meets), the recommendation and the nearest cheaper
//! failing combination ringed. Same style as the sweep charts.

use super::answer::describe;
use super::evaluate::{Evaluation, Role};
use super::output::Question;
use crate::report::charts::style::*;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Colour of combinations that meet every target.
const MEETS: RGBColor = RGBColor(44, 160, 44);
/// Colour of combinations that miss one.
const FAILS: RGBColor = RGBColor(214, 39, 40);
/// The lowest margin drawn: lower ones sit on the bottom edge (a p95 of hours against a
/// target of minutes would squash everything else).
const FLOOR: f64 = -3.0;
/// The highest margin drawn: a target of almost 0 makes margins of any size, and an axis
/// must have finite ends (plotters looks for tick marks for ever on an infinite one).
const CEILING: f64 = 1e6;

/// The worst margin of `e` over the targets, relative to each target's value.
fn worst_margin(q: &Question, e: &Evaluation) -> Option<f64> {
    q.targets
        .iter()
        .zip(&e.estimates)
        .map(|(t, est)| {
            est.margin
                .map(|m| m / if t.value == 0.0 { 1.0 } else { t.value.abs() })
        })
        .try_fold(f64::INFINITY, |acc, m| m.map(|m| acc.min(m)))
}

struct PlanChart<'a> {
    q: &'a Question,
    a: &'a super::answer::Answer,
}

impl PlanChart<'_> {
    /// (cost, margin drawn, meets) of every search-seed evaluation.
    fn marks(&self) -> Vec<(f64, f64, bool)> {
        self.a
            .evaluations
            .iter()
            .filter(|e| e.role != Role::Verification)
            .map(|e| {
                let m = worst_margin(self.q, e)
                    .filter(|m| !m.is_nan())
                    .unwrap_or(FLOOR)
                    .clamp(FLOOR, CEILING);
                (e.cost, m, e.meets)
            })
            .collect()
    }
}

impl Chart for PlanChart<'_> {
    fn size(&self) -> (u32, u32) {
        (1100, 700)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let marks = self.marks();
        let targets: Vec<&str> = self.q.targets.iter().map(|t| t.text.as_str()).collect();
        let subtitle = format!(
            "Each dot is a combination evaluated on seed {} (green: meets every target, red: misses one). Vertical: the worst target's margin, (target − bound) / target for <= targets, where bound is the 95 % interval's end on the side that matters; below 0 misses. Margins under {FLOOR} are drawn on the bottom edge. Targets: {}.",
            self.q.seed,
            targets.join(", ")
        );
        let area = header(root, &format!("Plan: {}", self.q.scenario), &subtitle)?;
        let (x0, x1) = marks
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), m| {
                (a.min(m.0), b.max(m.0))
            });
        let (y0, y1) = marks
            .iter()
            .fold((0.0f64, 0.0f64), |(a, b), m| (a.min(m.1), b.max(m.1)));
        // Costs are at most `MAX_COST` (checked with the flags); no marks at all would
        // leave infinite ends.
        let (x0, x1) = if x0.is_finite() && x1.is_finite() {
            (x0, x1)
        } else {
            (0.0, 1.0)
        };
        let padx = 0.06 * (x1 - x0).max(1.0);
        let pady = 0.08 * (y1 - y0).max(0.5);
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .margin_right(30)
            .x_label_area_size(60)
            .y_label_area_size(80)
            .build_cartesian_2d((x0 - padx)..(x1 + padx), (y0 - pady)..(y1 + pady))?;
        chart
            .configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(WHITE)
            .x_desc("cost (Σ weight × value)")
            .y_desc("worst target margin (fraction of the target)")
            .label_style(tick_font())
            .axis_desc_style(axis_font())
            .draw()?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x0 - padx, 0.0), (x1 + padx, 0.0)],
            GREY.stroke_width(2),
        )))?;
        chart.draw_series(marks.iter().map(|&(x, y, meets)| {
            Circle::new((x, y), 6, if meets { MEETS } else { FAILS }.filled())
        }))?;
        let ring = |e: &Evaluation| {
            let y = worst_margin(self.q, e).unwrap_or(FLOOR).max(FLOOR);
            (e.cost, y)
        };
        let rec = ring(&self.a.estimate);
        chart
            .draw_series(std::iter::once(Circle::new(rec, 12, BLACK.stroke_width(3))))?
            .label(format!(
                "{}: {}",
                if self.a.meets {
                    "recommended"
                } else {
                    "closest"
                },
                describe(&self.q.keys, &self.a.recommended)
            ))
            .legend(|(x, y)| Circle::new((x + 12, y), 8, BLACK.stroke_width(3)));
        if let Some((e, _)) = &self.a.cheaper_failing {
            chart
                .draw_series(std::iter::once(Circle::new(
                    ring(e),
                    12,
                    variant_color(1).stroke_width(3),
                )))?
                .label(format!(
                    "nearest cheaper failing: {}",
                    describe(&self.q.keys, &e.values)
                ))
                .legend(|(x, y)| Circle::new((x + 12, y), 8, variant_color(1).stroke_width(3)));
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight, 12)?;
        Ok(())
    }
}

/// Renders `plan.svg` and `plan.png` into `dir`.
pub fn write(q: &Question, a: &super::answer::Answer, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    render(&PlanChart { q, a }, dir, "plan")
}
