//! The charts of `sensitivity`, in the style of the other charts: a **tornado** per figure
//! for one-at-a-time (one bar per key from the figure at the key's low to the figure at
//! its high, around the base value, sorted by |effect| with the largest on top), and for
//! Morris a **μ*–σ** chart per figure (keys far right matter; keys above the σ = μ* line
//! act through interactions or curvature).

use super::output::{level_label, value_text, Analysis, Context};
use crate::report::charts::style::*;
use crate::report::clock::short_duration;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

/// Keys drawn on a tornado; the rest (smaller effects) are in `sensitivity.csv`.
const TORNADO_ROWS: usize = 25;
/// Keys named on a Morris chart; the others are dots without a name.
const MORRIS_NAMED: usize = 12;
/// Colour of the part of a bar from the base to the figure at the key's low.
const LOW: RGBColor = RGBColor(31, 119, 180);
/// Colour of the part from the base to the figure at the key's high.
const HIGH: RGBColor = RGBColor(255, 127, 14);

/// A horizontal axis for a figure's values: a [`TimeAxis`] for a time, else linear.
enum ValueAxis {
    Time(TimeAxis),
    Linear(std::ops::Range<f64>),
}

impl ValueAxis {
    fn new(time: bool, values: &[f64]) -> ValueAxis {
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if time {
            return ValueAxis::Time(TimeAxis::new(lo, hi));
        }
        let (lo, hi) = if lo.is_finite() && hi.is_finite() {
            (lo, hi)
        } else {
            (0.0, 1.0)
        };
        let pad = 0.05 * (hi - lo).max(1e-9);
        ValueAxis::Linear((lo - pad)..(hi + pad))
    }

    fn coord(&self, v: f64) -> f64 {
        match self {
            ValueAxis::Time(a) => a.coord(v),
            ValueAxis::Linear(_) => v,
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        match self {
            ValueAxis::Time(a) => a.range(),
            ValueAxis::Linear(r) => r.clone(),
        }
    }

    fn ticks(&self) -> Vec<f64> {
        match self {
            ValueAxis::Time(a) => a.ticks(),
            ValueAxis::Linear(r) => (0..=6)
                .map(|i| r.start + (r.end - r.start) * i as f64 / 6.0)
                .collect(),
        }
    }

    fn label(&self, c: f64) -> String {
        match self {
            ValueAxis::Time(a) => a.label(c),
            ValueAxis::Linear(_) => {
                let s = format!("{c:.3}");
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            }
        }
    }

    fn note(&self) -> &'static str {
        match self {
            ValueAxis::Time(a) => a.scale_note(),
            ValueAxis::Linear(_) => "",
        }
    }
}

/// One bar of a tornado.
struct Bar {
    key: String,
    low: f64,
    high: f64,
    low_label: String,
    high_label: String,
}

struct Tornado {
    title: String,
    subtitle: String,
    figure: String,
    time: bool,
    base: Option<f64>,
    bars: Vec<Bar>,
}

impl Chart for Tornado {
    fn size(&self) -> (u32, u32) {
        (1300, 260 + 34 * self.bars.len().max(1) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let area = header(root, &self.title, &self.subtitle)?;
        if self.bars.is_empty() {
            empty_panel(&area, "", "No key has a value at both ends of its range.")?;
            return Ok(());
        }
        let mut values: Vec<f64> = self.bars.iter().flat_map(|b| [b.low, b.high]).collect();
        values.extend(self.base);
        let axis = ValueAxis::new(self.time, &values);
        // Room on both sides for the labels at the bars' ends.
        let r = axis.range();
        let pad = 0.22 * (r.end - r.start);
        let xr = (r.start - pad)..(r.end + pad);
        let ticks: Vec<f64> = axis
            .ticks()
            .into_iter()
            .filter(|t| xr.contains(t))
            .collect();
        let n = self.bars.len();
        let name_w = self
            .bars
            .iter()
            .map(|b| b.key.chars().count())
            .max()
            .unwrap_or(4) as u32
            * 9
            + 30;
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .margin_right(30)
            .x_label_area_size(60)
            .y_label_area_size(name_w.min(340))
            .build_cartesian_2d(
                ticked(xr.clone(), ticks),
                ticked(-0.5..(n as f64 - 0.5), (0..n).map(|i| i as f64).collect()),
            )?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID)
            .light_line_style(WHITE)
            .x_label_formatter(&|c| axis.label(*c))
            .y_label_formatter(&|y| {
                let i = y.round();
                if i >= 0.0 && (i as usize) < n && (y - i).abs() < 1e-6 {
                    self.bars[n - 1 - i as usize].key.clone()
                } else {
                    String::new()
                }
            })
            .x_desc(format!("{}{}", self.figure, axis.note()))
            .label_style(tick_font())
            .axis_desc_style(axis_font())
            .draw()?;
        let base = self.base.map(|b| axis.coord(b));
        for (row, bar) in self.bars.iter().enumerate() {
            // The largest effect on top.
            let y = (n - 1 - row) as f64;
            let (lo, hi) = (axis.coord(bar.low), axis.coord(bar.high));
            let centre = base.unwrap_or(lo);
            for (end, color) in [(lo, LOW), (hi, HIGH)] {
                if (end - centre).abs() > 0.0 {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(centre.min(end), y - 0.34), (centre.max(end), y + 0.34)],
                        color.filled(),
                    )))?;
                }
            }
            // Each end's key value beside its bar end, outward from the centre.
            let left_first = lo <= hi;
            for (end, label, left) in [
                (lo, &bar.low_label, left_first),
                (hi, &bar.high_label, !left_first),
            ] {
                let (x, anchor) = if left {
                    (end - 0.006 * (xr.end - xr.start), HPos::Right)
                } else {
                    (end + 0.006 * (xr.end - xr.start), HPos::Left)
                };
                chart.draw_series(std::iter::once(Text::new(
                    label.clone(),
                    (x, y),
                    tick_font().pos(Pos::new(anchor, VPos::Center)),
                )))?;
            }
        }
        if let Some(b) = base {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(b, -0.5), (b, n as f64 - 0.5)],
                    BLACK.stroke_width(2),
                )))?
                .label(format!(
                    "every key as in the scenario: {}",
                    value_text(self.base, self.time)
                ))
                .legend(line_legend(BLACK));
        }
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(xr.start, -10.0), (xr.start, -10.0)],
                LOW.filled(),
            )))?
            .label("the key at its low")
            .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 24, y + 6)], LOW.filled()));
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(xr.start, -10.0), (xr.start, -10.0)],
                HIGH.filled(),
            )))?
            .label("the key at its high")
            .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 24, y + 6)], HIGH.filled()));
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight, 12)?;
        Ok(())
    }
}

/// One key on a Morris chart.
struct Dot {
    key: String,
    mu_star: f64,
    sigma: f64,
    ci: Option<[f64; 2]>,
    named: bool,
}

struct MorrisChart {
    title: String,
    subtitle: String,
    time: bool,
    dots: Vec<Dot>,
}

/// Round ticks from 0 to `top`: durations (`5m`, `2h`) for a time, else 1, 2 or 5 × a
/// power of ten; five to ten of them.
fn round_ticks(top: f64, time: bool) -> Vec<f64> {
    const DURATIONS: [f64; 22] = [
        0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1_800.0,
        3_600.0, 7_200.0, 10_800.0, 21_600.0, 43_200.0, 86_400.0, 172_800.0,
    ];
    let rough = top / 6.0;
    let step = if time && rough <= 172_800.0 {
        DURATIONS
            .iter()
            .copied()
            .find(|&d| d >= rough)
            .unwrap_or(rough)
    } else {
        let p = 10f64.powf(rough.log10().floor());
        [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * p)
            .find(|&d| d >= rough)
            .unwrap_or(rough)
    };
    let n = (top / step).floor() as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

impl MorrisChart {
    fn label(&self, v: f64) -> String {
        if self.time {
            short_duration(v)
        } else {
            let s = format!("{v:.3}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    }
}

impl Chart for MorrisChart {
    fn size(&self) -> (u32, u32) {
        (1200, 800)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let area = header(root, &self.title, &self.subtitle)?;
        if self.dots.is_empty() {
            empty_panel(&area, "", "No key has an elementary effect on this figure.")?;
            return Ok(());
        }
        let xmax = self
            .dots
            .iter()
            .map(|d| d.ci.map_or(d.mu_star, |c| c[1]).max(d.mu_star))
            .fold(0.0f64, f64::max);
        let ymax = self.dots.iter().map(|d| d.sigma).fold(0.0f64, f64::max);
        let top = xmax.max(ymax).max(1e-9) * 1.15;
        let ticks = round_ticks(top, self.time);
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .margin_right(40)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d(ticked(0.0..top, ticks.clone()), ticked(0.0..top, ticks))?;
        chart
            .configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(WHITE)
            .x_label_formatter(&|v| self.label(*v))
            .y_label_formatter(&|v| self.label(*v))
            .x_desc("μ*: mean |elementary effect| (how much the key matters)")
            .y_desc("σ: spread of the elementary effects")
            .label_style(tick_font())
            .axis_desc_style(axis_font())
            .draw()?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (top, top)],
                GREY.stroke_width(1),
            )))?
            .label("σ = μ*: above it the effect depends on the other keys")
            .legend(line_legend(GREY));
        for d in &self.dots {
            if let Some([lo, hi]) = d.ci {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(lo, d.sigma), (hi, d.sigma)],
                    variant_color(0).mix(0.5).stroke_width(2),
                )))?;
            }
        }
        chart
            .draw_series(
                self.dots
                    .iter()
                    .map(|d| Circle::new((d.mu_star, d.sigma), 6, variant_color(0).filled())),
            )?
            .label("a key (line: bootstrap 95 % interval of μ*)")
            .legend(|(x, y)| Circle::new((x + 12, y), 6, variant_color(0).filled()));
        // Names that would overprint one already placed are left out (the table has
        // every key).
        let mut placed: Vec<(f64, f64)> = Vec::new();
        for d in self.dots.iter().filter(|d| d.named) {
            let clash = placed.iter().any(|(x, y)| {
                (x - d.mu_star).abs() < 0.2 * top && (y - d.sigma).abs() < 0.03 * top
            });
            if clash {
                continue;
            }
            placed.push((d.mu_star, d.sigma));
            chart.draw_series(std::iter::once(Text::new(
                d.key.clone(),
                (d.mu_star + 0.01 * top, d.sigma + 0.01 * top),
                tick_font().pos(Pos::new(HPos::Left, VPos::Bottom)),
            )))?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, 12)?;
        Ok(())
    }
}

/// Renders figure `j`'s chart as `<stem>.svg` and `<stem>.png` into `dir`.
pub fn write(
    c: &Context,
    a: &Analysis,
    j: usize,
    dir: &Path,
    stem: &str,
) -> anyhow::Result<Vec<PathBuf>> {
    let figure = &c.figures[j];
    let time = a.time(j);
    match a {
        Analysis::Oat(r) => {
            let ranked = r.ranked(j);
            let bars: Vec<Bar> = ranked
                .iter()
                .filter_map(|&i| {
                    let e = &r.effects[i][j];
                    let f = &c.design.factors[i];
                    Some(Bar {
                        key: f.key().to_string(),
                        low: e.low_value?,
                        high: e.high_value?,
                        low_label: level_label(&f.low, f.integer()),
                        high_label: level_label(&f.high, f.integer()),
                    })
                })
                .take(TORNADO_ROWS)
                .collect();
            let more = ranked.len().saturating_sub(bars.len());
            let chart = Tornado {
                title: format!("What moves {figure}"),
                subtitle: format!(
                    "Each key from its low (blue) to its high (orange), every other key as the scenario has it, on common random numbers (seed {}, {} replication(s) of {} users). Largest |effect| on top; the black line is the scenario as it is.{}",
                    c.seed,
                    c.replications,
                    c.users,
                    if more > 0 {
                        format!(" {more} key(s) with smaller effects are in sensitivity.csv.")
                    } else {
                        String::new()
                    }
                ),
                figure: figure.clone(),
                time,
                base: r.base[j],
                bars,
            };
            render(&chart, dir, stem)
        }
        Analysis::Morris(r) => {
            let ranked = r.ranked(j);
            let dots = ranked
                .iter()
                .enumerate()
                .filter_map(|(rank, &i)| {
                    let e = &r.effects[i][j];
                    Some(Dot {
                        key: c.design.factors[i].key().to_string(),
                        mu_star: e.mu_star?,
                        sigma: e.sigma.unwrap_or(0.0),
                        ci: e.mu_star_ci95,
                        named: rank < MORRIS_NAMED && !e.negligible,
                    })
                })
                .collect();
            let g = c.design.morris.as_ref().expect("a Morris design");
            let chart = MorrisChart {
                title: format!("Morris screening of {figure}"),
                subtitle: format!(
                    "{} trajectories on a {}-level grid, {} replication(s) of {} users on seed {}. Effects are the figure's change over each key's whole range; up to {} keys that matter are named (every key is in sensitivity.csv).",
                    g.trajectories.len(),
                    g.levels,
                    c.replications,
                    c.users,
                    c.seed,
                    MORRIS_NAMED
                ),
                time,
                dots,
            };
            render(&chart, dir, stem)
        }
    }
}
