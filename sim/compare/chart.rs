//! `charts/compare-<stage>.{svg,png}`: the pilot's Kaplan–Meier curve with its 95 % band
//! against the simulated distribution function, beside a Q–Q plot of the two (percentiles
//! 5 to 95). Same style as the run's charts.

use super::figures::{km_band, km_quantile};
use crate::fit::gof::kaplan_meier;
use crate::fit::mle::Unit;
use crate::report::charts::style::*;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// One stage's observed and simulated durations.
pub(crate) struct StageChart<'a> {
    /// The stage.
    pub stage: &'a str,
    /// The pilot's durations.
    pub observed: &'a [Unit],
    /// The simulated replications' durations, pooled.
    pub simulated: &'a [Unit],
}

impl Chart for StageChart<'_> {
    fn size(&self) -> (u32, u32) {
        (1100, 560)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let band = km_band(self.observed);
        let sim = kaplan_meier(self.simulated);
        let subtitle = format!(
            "Left: the pilot's share done by t (Kaplan–Meier, {} devices, shaded: 95 % band) and the simulation's ({} simulated). Right: simulated against observed percentiles 5–95, seconds; on the diagonal the model reproduces the pilot.",
            self.observed.len(),
            self.simulated.len()
        );
        let area = header(
            root,
            &format!("Pilot against simulation: {}", self.stage),
            &subtitle,
        )?;
        let (left, right) = area.split_horizontally(550);
        let top = |km: &[(f64, f64)]| km_quantile(km, 0.99).or(km.last().map(|p| p.0));
        let obs_km: Vec<(f64, f64)> = band.iter().map(|b| (b.0, b.1)).collect();
        let hi = top(&obs_km)
            .into_iter()
            .chain(top(&sim))
            .fold(1e-3f64, f64::max)
            * 1.05;
        let mut cdf = ChartBuilder::on(&left)
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..hi, 0.0..1.0)?;
        cdf.configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(WHITE)
            .x_desc("duration, s")
            .y_desc("share done")
            .label_style(tick_font())
            .axis_desc_style(axis_font())
            .draw()?;
        let steps = |km: &[(f64, f64)]| {
            let mut pts = vec![(0.0, 0.0)];
            for &(t, f) in km.iter().filter(|p| p.0 <= hi) {
                let last = pts.last().map_or(0.0, |p: &(f64, f64)| p.1);
                pts.push((t, last));
                pts.push((t, f));
            }
            let last = pts.last().map_or(0.0, |p| p.1);
            pts.push((hi, last));
            pts
        };
        cdf.draw_series(band.iter().filter(|b| b.0 <= hi).map(|&(t, _, lo, up)| {
            PathElement::new(
                vec![(t, lo), (t, up)],
                variant_color(0).mix(0.25).stroke_width(3),
            )
        }))?;
        cdf.draw_series(LineSeries::new(
            steps(&obs_km),
            variant_color(0).stroke_width(3),
        ))?
        .label("pilot (observed)")
        .legend(|(x, y)| {
            PathElement::new(vec![(x, y), (x + 20, y)], variant_color(0).stroke_width(3))
        });
        cdf.draw_series(LineSeries::new(
            steps(&sim),
            variant_color(1).stroke_width(2),
        ))?
        .label("simulated")
        .legend(|(x, y)| {
            PathElement::new(vec![(x, y), (x + 20, y)], variant_color(1).stroke_width(2))
        });
        cdf.configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(GRID)
            .label_font(tick_font())
            .position(SeriesLabelPosition::LowerRight)
            .draw()?;

        let points: Vec<(f64, f64)> = (1..=19)
            .filter_map(|k| {
                let p = k as f64 * 0.05;
                km_quantile(&obs_km, p).zip(km_quantile(&sim, p))
            })
            .collect();
        let qhi = points.iter().fold(1e-3f64, |m, &(a, b)| m.max(a).max(b)) * 1.05;
        let mut qq = ChartBuilder::on(&right)
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..qhi, 0.0..qhi)?;
        qq.configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(WHITE)
            .x_desc("observed percentile, s")
            .y_desc("simulated, s")
            .label_style(tick_font())
            .axis_desc_style(axis_font())
            .draw()?;
        qq.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (qhi, qhi)],
            GREY.stroke_width(2),
        )))?;
        qq.draw_series(
            points
                .iter()
                .map(|&p| Circle::new(p, 4, variant_color(1).filled())),
        )?;
        Ok(())
    }
}

/// Draws one chart per stage into `dir`; returns the files and (path, caption) pairs.
pub(crate) fn write(
    stages: &[StageChart<'_>],
    dir: &Path,
) -> anyhow::Result<(Vec<PathBuf>, crate::fit::chart::Listed)> {
    let mut files = Vec::new();
    let mut listed = Vec::new();
    for s in stages {
        let stem = format!("compare-{}", s.stage);
        files.extend(render(s, dir, &stem)?);
        listed.push((
            format!("charts/{stem}.svg"),
            format!(
                "{}: the pilot's Kaplan–Meier curve against the simulation, and their Q–Q plot",
                s.stage
            ),
        ));
    }
    Ok((files, listed))
}
