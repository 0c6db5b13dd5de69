//! Queues and utilisation of each shared resource over the time of day: one row per
//! resource (AD FS servers, CA, DRS, Azure AD Connect), queue on the left and utilisation
//! on the right, one line per variant (bucket means; the thin line is the bucket maximum).

use super::fault_shading::{fault_spans, shade, FaultSpan};
use super::style::*;
use super::waiting::first_day_window;
use crate::model::ResourceId;
use crate::run::ScenarioResult;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// One resource's mean series for one variant: (bucket start s, mean, max).
type Series = Vec<(f64, f64, f64)>;

struct Row {
    resource: ResourceId,
    /// Per variant: queue series (None when the variant lacks the resource).
    queue: Vec<Option<Series>>,
    /// Per variant: utilisation series in % (None: no servers or unknown capacity).
    util: Vec<Option<Series>>,
}

/// The resources chart.
pub(crate) struct ResourcesChart {
    subtitle: String,
    axis: ClockAxis,
    variants: Vec<String>,
    rows: Vec<Row>,
    /// Fault windows, shaded behind the lines.
    faults: Vec<FaultSpan>,
}

/// What a resource's queue and utilisation mean, for captions.
fn describe(resource: ResourceId) -> (&'static str, &'static str) {
    match resource {
        ResourceId::AdfsServer(_) => ("requests waiting for a worker", "workers busy (%)"),
        ResourceId::Ca => ("requests waiting for a CA worker", "CA workers busy (%)"),
        ResourceId::Drs => ("calls in flight (latency only)", ""),
        ResourceId::AadConnect => (
            "keys waiting to be synced to AD",
            "time a sync cycle runs (%)",
        ),
    }
}

/// Averages the replications' bucket rows of column `mean_col`/`max_col`, scaled by
/// `scale`, keeping buckets inside `[t0, t1]`.
fn average(
    reps: &[&[[f64; 5]]],
    mean_col: usize,
    max_col: usize,
    scale: f64,
    (t0, t1): (f64, f64),
) -> Series {
    let len = reps.iter().map(|r| r.len()).max().unwrap_or(0);
    let n = reps.len().max(1) as f64;
    (0..len)
        .filter_map(|i| {
            let start = reps.iter().find_map(|r| r.get(i).map(|row| row[0]))?;
            if start < t0 - 1e-9 || start >= t1 {
                return None;
            }
            let mean = reps
                .iter()
                .filter_map(|r| r.get(i))
                .map(|row| row[mean_col])
                .sum::<f64>()
                / n;
            let max = reps
                .iter()
                .filter_map(|r| r.get(i))
                .map(|row| row[max_col])
                .fold(0.0f64, f64::max);
            Some((start, mean * scale, max * scale))
        })
        .collect()
}

/// Merges every `k` consecutive buckets (mean of means, max of maxima).
fn rebucket(s: &Series, k: usize) -> Series {
    s.chunks(k.max(1))
        .map(|c| {
            let mean = c.iter().map(|p| p.1).sum::<f64>() / c.len() as f64;
            let max = c.iter().map(|p| p.2).fold(0.0f64, f64::max);
            (c[0].0, mean, max)
        })
        .collect()
}

/// Utilisation is shown as hourly means: with 5-minute buckets a 30-minute sync
/// schedule or a trickle of requests is a comb of spikes that hides the level.
const UTIL_BUCKET_S: f64 = 3_600.0;

impl ResourcesChart {
    /// `capacities[v]` maps a resource to its configured servers in variant `v`.
    pub fn new(
        result: &ScenarioResult,
        capacities: &[BTreeMap<ResourceId, u32>],
    ) -> ResourcesChart {
        let window = first_day_window(result);
        // In order of first appearance.
        let mut resources: Vec<ResourceId> = Vec::new();
        for v in &result.variants {
            for r in &v.replications {
                for res in &r.resources {
                    if !resources.contains(&res.resource) {
                        resources.push(res.resource);
                    }
                }
            }
        }
        let rows = resources
            .iter()
            .map(|&resource| {
                let mut queue = Vec::new();
                let mut util = Vec::new();
                for (vi, v) in result.variants.iter().enumerate() {
                    let reps: Vec<&[[f64; 5]]> = v
                        .replications
                        .iter()
                        .filter_map(|r| r.resources.iter().find(|x| x.resource == resource))
                        .map(|x| x.series.as_slice())
                        .collect();
                    let has_servers = v
                        .replications
                        .iter()
                        .flat_map(|r| r.resources.iter())
                        .find(|x| x.resource == resource)
                        .is_some_and(|x| x.has_servers);
                    if reps.is_empty() {
                        queue.push(None);
                        util.push(None);
                        continue;
                    }
                    queue.push(Some(average(&reps, 3, 4, 1.0, window)));
                    let cap = capacities.get(vi).and_then(|c| c.get(&resource)).copied();
                    util.push(match cap {
                        Some(c) if has_servers && c > 0 => {
                            let fine = average(&reps, 1, 2, 100.0 / c as f64, window);
                            let width = if fine.len() > 1 {
                                fine[1].0 - fine[0].0
                            } else {
                                UTIL_BUCKET_S
                            };
                            let k = (UTIL_BUCKET_S / width.max(1.0)).round().max(1.0) as usize;
                            Some(rebucket(&fine, k))
                        }
                        _ => None,
                    });
                }
                Row {
                    resource,
                    queue,
                    util,
                }
            })
            .collect();
        let bucket = result
            .variants
            .iter()
            .flat_map(|v| v.replications.iter())
            .flat_map(|r| r.resources.iter())
            .find(|x| x.series.len() > 1)
            .map(|x| x.series[1][0] - x.series[0][0]);
        let reps = if result.replications > 1 {
            format!(", mean over {} replications", result.replications)
        } else {
            String::new()
        };
        let faults = fault_spans(result);
        ResourcesChart {
            subtitle: format!(
                "The first 24 hours from the first sign-in (resources.csv has the whole run). Left: queue — thick line: mean over each {} bucket{reps}, thin line: the bucket's maximum. Right: utilisation, hourly mean.{}",
                bucket
                    .map(crate::report::clock::short_duration)
                    .unwrap_or_else(|| "time".into()),
                if faults.is_empty() { "" } else { " Shaded: fault windows." }
            ),
            faults,
            axis: ClockAxis::new(window.0, window.1),
            variants: result.variants.iter().map(|v| v.name.clone()).collect(),
            rows,
        }
    }
}

impl ResourcesChart {
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        caption: String,
        series: &[Option<Series>],
        percent: bool,
        legend: bool,
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let ax = &self.axis;
        let top = series
            .iter()
            .flatten()
            .flat_map(|s| s.iter().map(|p| if percent { p.1 } else { p.2 }))
            .fold(0.0f64, f64::max);
        // Utilisation that stays low gets a scale it can be read on.
        let ymax = if percent {
            (top * 1.25).clamp(5.0, 105.0)
        } else {
            (top * 1.15).max(1.0)
        };
        let mut chart = ChartBuilder::on(area)
            .caption(caption, panel_font())
            .margin(10)
            .margin_right(30)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(ticked(ax.range(), ax.ticks()), 0.0..ymax)?;
        chart
            .configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(WHITE)
            .x_label_formatter(&|t| ax.label(*t))
            .y_label_formatter(&|v| {
                if percent && ymax < 20.0 {
                    format!("{v:.1} %")
                } else if percent {
                    format!("{v:.0} %")
                } else if ymax < 5.0 {
                    format!("{v:.1}")
                } else {
                    format!("{v:.0}")
                }
            })
            .y_labels(5)
            .label_style(tick_font())
            .axis_desc_style(axis_font())
            .draw()?;
        shade(&mut chart, &self.faults, ax.range(), ymax, legend)?;
        let n = series.len();
        for (i, s) in series.iter().enumerate() {
            let Some(s) = s else { continue };
            let color = variant_color(i);
            // Earlier variants are drawn wider so identical curves stay visible.
            let width = 2 + 2 * (n - 1 - i) as u32;
            if !percent {
                chart.draw_series(LineSeries::new(
                    s.iter().map(|p| (p.0, p.2)),
                    color.mix(0.35).stroke_width(1),
                ))?;
            }
            let drawn = chart.draw_series(LineSeries::new(
                s.iter().map(|p| (p.0, p.1)),
                color.stroke_width(width),
            ))?;
            if legend {
                drawn
                    .label(self.variants[i].clone())
                    .legend(line_legend(color));
            }
        }
        if legend {
            draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 8)?;
        }
        Ok(())
    }
}

impl Chart for ResourcesChart {
    fn size(&self) -> (u32, u32) {
        (1500, 110 + 250 * self.rows.len().max(1) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let area = header(
            root,
            "Shared resources over the time of day — queue and utilisation",
            &self.subtitle,
        )?;
        if self.rows.is_empty() {
            empty_panel(&area, "", "No resource was observed.")?;
            return Ok(());
        }
        let cells = area.split_evenly((self.rows.len(), 2));
        for (r, row) in self.rows.iter().enumerate() {
            let (q_desc, u_desc) = describe(row.resource);
            self.panel(
                &cells[2 * r],
                format!("{} — {q_desc}", row.resource),
                &row.queue,
                false,
                r == 0,
            )?;
            let caption = format!(
                "{} — {}",
                row.resource,
                if u_desc.is_empty() {
                    "utilisation"
                } else {
                    u_desc
                }
            );
            if row.util.iter().all(|u| u.is_none()) {
                empty_panel(
                    &cells[2 * r + 1],
                    &caption,
                    match row.resource {
                        ResourceId::Drs => "DRS is modelled as latency and faults, without servers: no utilisation.",
                        ResourceId::AdfsServer(_) | ResourceId::Ca | ResourceId::AadConnect => {
                            "No utilisation: capacity unknown."
                        }
                    },
                )?;
            } else {
                self.panel(&cells[2 * r + 1], caption, &row.util, true, false)?;
            }
        }
        Ok(())
    }
}
