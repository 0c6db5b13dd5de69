//! Where the time goes: one stacked bar per variant, the mean seconds its usable users
//! spent in each stage (sign-in → launch → PIN → key → registration → sync → AD
//! replication → retry → AD FS/CA → install → waiting for a DC). The segments add up to
//! the mean time to usable.

use super::style::*;
use crate::report::clock::short_duration;
use crate::report::stages::{mean_stages_within, STAGES, STAGE_COUNT};
use crate::run::ScenarioResult;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One colour per stage (ColorBrewer Set2 and Dark2: distinct from each other).
const STAGE_COLORS: [RGBColor; STAGE_COUNT] = [
    RGBColor(141, 160, 203),
    RGBColor(102, 194, 165),
    RGBColor(231, 138, 195),
    RGBColor(166, 118, 29),
    RGBColor(252, 141, 98),
    RGBColor(27, 158, 119),
    RGBColor(255, 217, 47),
    RGBColor(117, 112, 179),
    RGBColor(179, 179, 179),
    RGBColor(230, 41, 138),
];

/// Width of the bars' part; the legend is to its right.
const PLOT_W: u32 = 1000;

/// The share of usable users in the "typical path" bar.
const TYPICAL: f64 = 0.9;

struct Bar {
    name: String,
    /// Mean seconds per stage; `None` when nobody became usable.
    stages: Option<[f64; STAGE_COUNT]>,
    users: u64,
}

/// The stage breakdown chart.
pub(crate) struct StagesChart {
    bars: Vec<Bar>,
    subtitle: String,
}

impl StagesChart {
    /// Means per stage for every variant.
    pub fn new(result: &ScenarioResult) -> StagesChart {
        let mut bars = Vec::new();
        for v in &result.variants {
            for (share, what) in [(1.0, "all usable"), (TYPICAL, "fastest 90 %")] {
                let m = mean_stages_within(&v.replications, share);
                bars.push(Bar {
                    name: format!("{} — {what}", v.name),
                    stages: m.map(|(s, _)| s),
                    users: m.map_or(0, |(_, n)| n),
                });
            }
        }
        let reps = if result.replications > 1 {
            format!(" over {} replications", result.replications)
        } else {
            String::new()
        };
        StagesChart {
            bars,
            subtitle: format!("Mean time per stage{reps}: of all users who became usable, and of the 90 % of them who got there fastest (the typical path, without the tail). The segments add up to the mean time to usable. Waiting for sync: key registered → key in on-prem AD (only when enrollment had to wait for it); waiting for retry: until the enrollment request that succeeded."),
        }
    }
}

/// The unit that keeps bar lengths readable: (seconds per unit, name).
fn unit_for(max_s: f64) -> (f64, &'static str) {
    if max_s < 2.0 * 3_600.0 {
        (60.0, "minutes")
    } else if max_s < 3.0 * 86_400.0 {
        (3_600.0, "hours")
    } else {
        (86_400.0, "days")
    }
}

impl Chart for StagesChart {
    fn size(&self) -> (u32, u32) {
        // The legend takes the rest to the right of PLOT_W.
        let rows = (self.bars.len() as u32 * 60).max(8 * 30 + 40);
        (PLOT_W + 390, 180 + rows + 90)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let area = header(
            root,
            "Where the time goes — mean time per stage",
            &self.subtitle,
        )?;
        let (plot, legend) = area.split_horizontally(PLOT_W);
        // Legend: colour, stage name.
        legend.draw_text("stages, in order", &panel_font(), (10, 24))?;
        for (i, (_, label)) in STAGES.iter().enumerate() {
            let y = 60 + 30 * i as i32;
            legend.draw(&Rectangle::new(
                [(10, y - 9), (32, y + 9)],
                STAGE_COLORS[i].filled(),
            ))?;
            legend.draw_text(
                label,
                &legend_font().pos(Pos::new(HPos::Left, VPos::Center)),
                (42, y),
            )?;
        }
        let max_total = self
            .bars
            .iter()
            .filter_map(|b| b.stages.map(|s| s.iter().sum::<f64>()))
            .fold(0.0f64, f64::max);
        if max_total <= 0.0 {
            empty_panel(&plot, "", "No user became usable before the horizon.")?;
            return Ok(());
        }
        let (unit, unit_name) = unit_for(max_total);
        let xmax = max_total / unit * 1.22;
        let n = self.bars.len();
        let name_w = self
            .bars
            .iter()
            .map(|b| b.name.chars().count())
            .max()
            .unwrap_or(4) as u32
            * 9
            + 30;
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .margin_right(30)
            .x_label_area_size(55)
            .y_label_area_size(name_w.min(300))
            .build_cartesian_2d(
                0.0..xmax,
                ticked(-0.5..(n as f64 - 0.5), (0..n).map(|i| i as f64).collect()),
            )?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID)
            .light_line_style(WHITE)
            .y_label_formatter(&|y| {
                let i = y.round();
                if i >= 0.0 && (i as usize) < n && (y - i).abs() < 1e-6 {
                    self.bars[n - 1 - i as usize].name.clone()
                } else {
                    String::new()
                }
            })
            .x_label_formatter(&|v| {
                if xmax >= 5.0 {
                    format!("{v:.0}")
                } else {
                    format!("{v:.1}")
                }
            })
            .x_desc(format!("mean time per usable user ({unit_name})"))
            .label_style(tick_font())
            .axis_desc_style(axis_font())
            .draw()?;
        let px_per_unit = (PLOT_W as f64 - name_w.min(300) as f64 - 60.0) / xmax;
        for (row, bar) in self.bars.iter().enumerate() {
            // First variant on top.
            let y = (n - 1 - row) as f64;
            let Some(st) = bar.stages else {
                chart.draw_series(std::iter::once(Text::new(
                    "no user became usable".to_string(),
                    (0.02 * xmax, y),
                    note_font().pos(Pos::new(HPos::Left, VPos::Center)),
                )))?;
                continue;
            };
            let mut x = 0.0;
            for (i, s) in st.iter().enumerate() {
                let w = s / unit;
                if w <= 0.0 {
                    continue;
                }
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x, y - 0.36), (x + w, y + 0.36)],
                    STAGE_COLORS[i].filled(),
                )))?;
                let label = short_duration(*s);
                if w * px_per_unit > 9.0 * label.len() as f64 + 10.0 {
                    chart.draw_series(std::iter::once(Text::new(
                        label,
                        (x + w / 2.0, y),
                        tick_font().pos(Pos::new(HPos::Center, VPos::Center)),
                    )))?;
                }
                x += w;
            }
            chart.draw_series(std::iter::once(Text::new(
                format!(
                    "{} (n = {})",
                    short_duration(st.iter().sum::<f64>()),
                    bar.users
                ),
                (x + 0.01 * xmax, y),
                legend_font().pos(Pos::new(HPos::Left, VPos::Center)),
            )))?;
        }
        Ok(())
    }
}
