//! `charts/fit-<quantity>.{svg,png}`: how well the chosen family fits, as a P–P plot
//! (the fitted distribution function against the Kaplan–Meier estimate at every observed
//! duration) beside a Q–Q plot (the fitted quantile against the observed one). Points on
//! the diagonal are a good fit; the Kaplan–Meier estimate keeps the censored units in, so
//! a pilot cut short does not bend the plots. Same style as the run's charts.

use super::gof::kaplan_meier;
use super::quantities::Quantity;
use crate::report::charts::style::*;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

struct FitChart<'a> {
    q: &'a Quantity,
}

impl Chart for FitChart<'_> {
    fn size(&self) -> (u32, u32) {
        (1100, 560)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let Some(c) = &self.q.chosen else {
            return Ok(());
        };
        let f = c.fitted();
        let km = kaplan_meier(&self.q.units);
        let subtitle = format!(
            "{} units ({} censored), {} {}. Left: fitted P(X ≤ t) against the Kaplan–Meier share at each observed t. Right: fitted quantile against the observed one, seconds. On the diagonal: a good fit.",
            self.q.n,
            self.q.censored,
            c.family.as_str(),
            c.params_text()
        );
        let area = header(root, &format!("Fit of {}", self.q.quantity), &subtitle)?;
        let (left, right) = area.split_horizontally(550);
        let diagonal =
            |lo: f64, hi: f64| PathElement::new(vec![(lo, lo), (hi, hi)], GREY.stroke_width(2));

        let mut pp = ChartBuilder::on(&left)
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
        pp.configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(WHITE)
            .x_desc("fitted P(X ≤ t)")
            .y_desc("observed share (Kaplan–Meier)")
            .label_style(tick_font())
            .axis_desc_style(axis_font())
            .draw()?;
        pp.draw_series(std::iter::once(diagonal(0.0, 1.0)))?;
        pp.draw_series(km.iter().map(|&(t, p)| {
            Circle::new(
                (f.cdf(t).clamp(0.0, 1.0), p.clamp(0.0, 1.0)),
                3,
                variant_color(0).filled(),
            )
        }))?;

        // Quantiles at the middle of each Kaplan–Meier step; the top step (share 1) has
        // no finite fitted quantile and is left out.
        let mut prev = 0.0;
        let points: Vec<(f64, f64)> = km
            .iter()
            .filter_map(|&(t, p)| {
                let mid = 0.5 * (prev + p);
                prev = p;
                let fq = f.quantile(mid);
                (fq.is_finite() && mid < 1.0).then_some((fq, t))
            })
            .collect();
        let hi = points
            .iter()
            .fold(0.0f64, |m, &(a, b)| m.max(a).max(b))
            .max(1e-3);
        let mut qq = ChartBuilder::on(&right)
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..hi * 1.05, 0.0..hi * 1.05)?;
        qq.configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(WHITE)
            .x_desc("fitted quantile, s")
            .y_desc("observed, s")
            .label_style(tick_font())
            .axis_desc_style(axis_font())
            .draw()?;
        qq.draw_series(std::iter::once(diagonal(0.0, hi * 1.05)))?;
        qq.draw_series(
            points
                .iter()
                .map(|&p| Circle::new(p, 3, variant_color(1).filled())),
        )?;
        Ok(())
    }
}

/// Per chart: its path relative to the output folder, and its caption.
pub(crate) type Listed = Vec<(String, String)>;

/// Draws the chart of every quantity with a chosen family into `dir`; returns the files
/// and the charts as `Listed`.
pub fn write(quantities: &[Quantity], dir: &Path) -> anyhow::Result<(Vec<PathBuf>, Listed)> {
    let mut files = Vec::new();
    let mut listed = Vec::new();
    for q in quantities.iter().filter(|q| q.chosen.is_some()) {
        let stem = format!("fit-{}", q.quantity);
        files.extend(render(&FitChart { q }, dir, &stem)?);
        listed.push((
            format!("charts/{stem}.svg"),
            format!("P–P and Q–Q plots of {}", q.quantity),
        ));
    }
    Ok((files, listed))
}
