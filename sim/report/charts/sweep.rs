//! Sweep charts: a percentile of time to usable (p50, p95, p99: one chart each) against
//! the first swept key, one line per variant with its 95 % confidence band when there
//! are several replications. With more swept keys, one panel per combination of the
//! others (small multiples on a shared time scale, so panels compare at a glance).

use super::style::*;
use crate::report::summary::TimeStats;
use crate::report::sweep::PointSummary;
use crate::run::sweep::SweepPlan;
use crate::scenario::duration::parse_duration;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Value;

/// The percentiles charted, with their file stems.
const CHARTED: [(&str, &str); 3] = [
    ("p50", "sweep-p50"),
    ("p95", "sweep-p95"),
    ("p99", "sweep-p99"),
];

/// The horizontal axis: the first swept key's values at numeric positions when they are
/// numbers or durations (so spacing means something), else evenly spaced categories.
struct XAxis {
    key: String,
    pos: Vec<f64>,
    labels: Vec<String>,
    range: Range<f64>,
    categorical: bool,
}

impl XAxis {
    fn new(key: &str, values: &[Value], labels: &[String]) -> XAxis {
        let numbers: Option<Vec<f64>> = values
            .iter()
            .map(|v| match v {
                Value::Integer(i) => Some(*i as f64),
                Value::Float(f) => Some(*f),
                Value::String(s) => parse_duration(s).ok().map(|us| us as f64 / 1e6),
                _ => None,
            })
            .collect();
        let distinct = numbers.as_ref().is_some_and(|n| {
            let mut s = n.clone();
            s.sort_by(f64::total_cmp);
            s.windows(2).all(|w| w[1] > w[0]) && s.len() > 1
        });
        match numbers.filter(|_| distinct) {
            Some(pos) => {
                let lo = pos.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = pos.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let pad = 0.06 * (hi - lo);
                XAxis {
                    key: key.to_string(),
                    pos,
                    labels: labels.to_vec(),
                    range: (lo - pad)..(hi + pad),
                    categorical: false,
                }
            }
            None => XAxis {
                key: key.to_string(),
                pos: (0..values.len()).map(|i| i as f64).collect(),
                labels: labels.to_vec(),
                range: -0.5..(values.len() as f64 - 0.5),
                categorical: true,
            },
        }
    }

    fn label(&self, x: f64) -> String {
        self.pos
            .iter()
            .position(|p| (p - x).abs() < 1e-9 * (1.0 + p.abs()))
            .map(|i| self.labels[i].clone())
            .unwrap_or_default()
    }
}

/// One panel: a combination of the other swept keys.
struct Panel {
    caption: String,
    /// `[variant][x index]`: the time statistics at that point.
    cells: Vec<Vec<Option<TimeStats>>>,
}

/// The sweep's charts, ready to draw.
pub(crate) struct SweepCharts {
    x: XAxis,
    variants: Vec<String>,
    panels: Vec<Panel>,
    replications: u32,
    other_keys: Vec<String>,
}

impl SweepCharts {
    /// Arranges the points: x = first swept key, panels = the other keys' combinations.
    pub fn new(plan: &SweepPlan, points: &[PointSummary], replications: u32) -> SweepCharts {
        let first = &plan.axes[0];
        let x = XAxis::new(&first.key, &first.values, &first.labels);
        let variants: Vec<String> = points
            .first()
            .map(|p| p.variants.iter().map(|v| v.name.clone()).collect())
            .unwrap_or_default();
        let mut keys: Vec<Vec<usize>> = Vec::new();
        let mut panels: Vec<Panel> = Vec::new();
        for p in points {
            let rest = p.index[1..].to_vec();
            let k = match keys.iter().position(|k| *k == rest) {
                Some(k) => k,
                None => {
                    keys.push(rest.clone());
                    panels.push(Panel {
                        caption: plan.axes[1..]
                            .iter()
                            .zip(&rest)
                            .map(|(a, &i)| format!("{} = {}", a.key, a.labels[i]))
                            .collect::<Vec<_>>()
                            .join(", "),
                        cells: vec![vec![None; x.pos.len()]; variants.len()],
                    });
                    panels.len() - 1
                }
            };
            for (vi, v) in p.variants.iter().enumerate() {
                if let Some(row) = panels[k].cells.get_mut(vi) {
                    row[p.index[0]] = Some(v.time_to_usable_s.clone());
                }
            }
        }
        SweepCharts {
            x,
            variants,
            panels,
            replications,
            other_keys: plan.axes[1..].iter().map(|a| a.key.clone()).collect(),
        }
    }

    /// (file stem, title) of each chart, for report.md.
    pub fn list(&self) -> Vec<(String, String)> {
        CHARTED
            .iter()
            .map(|(stat, stem)| (stem.to_string(), self.title(stat)))
            .collect()
    }

    fn title(&self, stat: &str) -> String {
        format!("{stat} time to usable PIN against {}", self.x.key)
    }

    /// Draws every chart into `dir`.
    pub fn write(&self, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        for (stat, stem) in CHARTED {
            files.extend(render(&StatChart { data: self, stat }, dir, stem)?);
        }
        Ok(files)
    }
}

/// A point to draw: (x position, value s, 95 % interval s).
type Mark = (f64, f64, Option<[f64; 2]>);

/// One percentile's chart.
struct StatChart<'a> {
    data: &'a SweepCharts,
    stat: &'static str,
}

impl StatChart<'_> {
    fn value(t: &TimeStats, stat: &str) -> Option<(f64, Option<[f64; 2]>)> {
        Some((t.get(stat)?, t.ci95_by_stat.get(stat).copied()))
    }

    fn grid(&self) -> (usize, usize) {
        let n = self.data.panels.len().max(1);
        let cols = match n {
            1..=3 => n,
            4 => 2,
            _ => 3,
        };
        (cols, n.div_ceil(cols))
    }

    fn axis(&self) -> TimeAxis {
        let mut lo = f64::INFINITY;
        let mut hi = 0.0f64;
        for p in &self.data.panels {
            for t in p.cells.iter().flatten().flatten() {
                if let Some((v, ci)) = Self::value(t, self.stat) {
                    for x in std::iter::once(v).chain(ci.into_iter().flatten()) {
                        if x > 0.0 {
                            lo = lo.min(x);
                            hi = hi.max(x);
                        }
                    }
                }
            }
        }
        TimeAxis::new(lo, hi)
    }

    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &Panel,
        ax: &TimeAxis,
        caption: bool,
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let x = &self.data.x;
        let yr = ax.range();
        // Interval ends outside the axis (a bound cut at 0 on a log scale) go to its edge.
        let y = |secs: f64| ax.coord(secs).clamp(yr.start, yr.end);
        let mut builder = ChartBuilder::on(area);
        if caption {
            builder.caption(&panel.caption, panel_font());
        }
        let mut chart = builder
            .margin(16)
            .margin_right(30)
            .x_label_area_size(60)
            .y_label_area_size(80)
            .build_cartesian_2d(
                ticked(x.range.clone(), x.pos.clone()),
                ticked(ax.range(), ax.ticks()),
            )?;
        chart
            .configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(WHITE)
            .x_label_formatter(&|v| x.label(*v))
            .y_label_formatter(&|c| ax.label(*c))
            .x_desc(x.key.clone())
            .y_desc(format!("{} time to usable{}", self.stat, ax.scale_note()))
            .label_style(tick_font())
            .axis_desc_style(axis_font())
            .draw()?;
        for (vi, row) in panel.cells.iter().enumerate() {
            let color = variant_color(vi);
            let pts: Vec<Option<Mark>> = row
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let (v, ci) = Self::value(t.as_ref()?, self.stat)?;
                    Some((x.pos[i], v, ci))
                })
                .collect();
            // Confidence: a band along numeric axes, error bars between categories.
            if x.categorical {
                for &(px, _, ci) in pts.iter().flatten() {
                    if let Some([lo, hi]) = ci {
                        let (a, b) = (y(lo), y(hi));
                        let w = 0.06;
                        chart.draw_series(std::iter::once(PathElement::new(
                            vec![(px, a), (px, b)],
                            color.stroke_width(2),
                        )))?;
                        for end in [a, b] {
                            chart.draw_series(std::iter::once(PathElement::new(
                                vec![(px - w, end), (px + w, end)],
                                color.stroke_width(2),
                            )))?;
                        }
                    }
                }
            } else {
                for run in runs(&pts, |p| p.2.is_some()) {
                    if run.len() < 2 {
                        continue;
                    }
                    let mut poly: Vec<(f64, f64)> =
                        run.iter().filter_map(|p| Some((p.0, y(p.2?[0])))).collect();
                    poly.extend(run.iter().rev().filter_map(|p| Some((p.0, y(p.2?[1])))));
                    chart.draw_series(std::iter::once(Polygon::new(
                        poly,
                        color.mix(0.2).filled(),
                    )))?;
                }
            }
            for run in runs(&pts, |_| true) {
                chart.draw_series(LineSeries::new(
                    run.iter().map(|p| (p.0, y(p.1))),
                    color.stroke_width(3),
                ))?;
            }
            chart.draw_series(
                pts.iter()
                    .flatten()
                    .map(|p| Circle::new((p.0, y(p.1)), 5, color.filled())),
            )?;
        }
        Ok(())
    }
}

/// Consecutive stretches of present points that satisfy `keep`.
fn runs<T: Copy>(pts: &[Option<T>], keep: impl Fn(&T) -> bool) -> Vec<Vec<T>> {
    let mut out = vec![Vec::new()];
    for p in pts {
        match p {
            Some(p) if keep(p) => out.last_mut().expect("never empty").push(*p),
            _ => {
                if !out.last().expect("never empty").is_empty() {
                    out.push(Vec::new());
                }
            }
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

impl Chart for StatChart<'_> {
    fn size(&self) -> (u32, u32) {
        let (cols, rows) = self.grid();
        let w = if cols == 1 { 1100 } else { 640 * cols as u32 };
        (w, 190 + 460 * rows as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let d = self.data;
        let ci = if d.replications > 1 {
            format!(
                " Each point pools the users of its {} replications; shaded band (or error bars): its 95 % interval (from the spread of the replications; a percentile on a plateau spans the step).",
                d.replications
            )
        } else {
            " One replication: no confidence intervals.".to_string()
        };
        let panels = if d.other_keys.is_empty() {
            String::new()
        } else {
            format!(" One panel per value of {}.", d.other_keys.join(" × "))
        };
        let subtitle = format!(
            "{} of the time from first sign-in to the PIN working on-prem, over the users who became usable; one line per variant.{ci}{panels}",
            self.stat
        );
        let ax = self.axis();
        let below = d.panels.iter().any(|p| {
            p.cells.iter().flatten().flatten().any(|t| {
                Self::value(t, self.stat)
                    .and_then(|(_, ci)| ci)
                    .is_some_and(|[lo, _]| ax.coord(lo.max(1e-3)) < ax.range().start)
            })
        });
        let subtitle = if below {
            format!("{subtitle} A band cut at the bottom edge reaches further down (to 0 s): its replications disagree too much to pin that figure.")
        } else {
            subtitle
        };
        let area = header(root, &self.data.title(self.stat), &subtitle)?;
        // Legend row: drawn apart so it never covers a line.
        let (legend, body) = area.split_vertically(36);
        let mut x = 24;
        for (i, name) in d.variants.iter().enumerate() {
            let color = variant_color(i);
            legend.draw(&PathElement::new(
                vec![(x, 16), (x + 30, 16)],
                color.stroke_width(3),
            ))?;
            legend.draw(&Circle::new((x + 15, 16), 5, color.filled()))?;
            legend.draw_text(
                name,
                &legend_font().pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Left,
                    plotters::style::text_anchor::VPos::Center,
                )),
                (x + 40, 16),
            )?;
            x += 60 + 10 * name.chars().count() as i32;
        }
        let (cols, rows) = self.grid();
        let cells = body.split_evenly((rows, cols));
        for (p, a) in d.panels.iter().zip(cells.iter()) {
            if p.cells
                .iter()
                .flatten()
                .all(|t| t.as_ref().and_then(|t| Self::value(t, self.stat)).is_none())
            {
                empty_panel(a, &p.caption, "No user became usable at these points.")?;
                continue;
            }
            self.panel(a, p, &ax, !d.other_keys.is_empty())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_numbers_are_numeric_axes_strings_are_categories() {
        let d = XAxis::new(
            "aad_connect.interval",
            &[Value::String("30m".into()), Value::String("2h".into())],
            &["30m".into(), "2h".into()],
        );
        assert!(!d.categorical);
        assert_eq!(d.pos, vec![1_800.0, 7_200.0]);
        assert_eq!(d.label(7_200.0), "2h");
        let n = XAxis::new(
            "ca.workers",
            &[Value::Integer(1), Value::Integer(4)],
            &["1".into(), "4".into()],
        );
        assert!(!n.categorical);
        let c = XAxis::new(
            "adfs.balancing",
            &[
                Value::String("random".into()),
                Value::String("least_busy".into()),
            ],
            &["random".into(), "least_busy".into()],
        );
        assert!(c.categorical);
        assert_eq!(c.label(1.0), "least_busy");
    }

    #[test]
    fn runs_split_at_gaps() {
        let r = runs(&[Some(1), Some(2), None, Some(3)], |_| true);
        assert_eq!(r, vec![vec![1, 2], vec![3]]);
        let r = runs(&[Some(1), Some(2), Some(3)], |x| *x != 2);
        assert_eq!(r, vec![vec![1], vec![3]]);
    }
}
