//! What every chart shares: the bundled font (no system fonts, so a fresh machine renders
//! the same text), colours, titles, time axes, and rendering one chart to SVG and PNG.

use crate::report::atomic::write_atomic;
use crate::report::clock::{clock_minutes, short_duration, weekday};
use anyhow::{anyhow, Context};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// DejaVu Sans (licence in `assets/fonts/LICENSE-DejaVu.txt`).
static FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// The font family every chart asks for.
pub(crate) const FAMILY: &str = "sans-serif";

/// What a chart's drawing code returns; plotters' errors differ per backend.
pub(crate) type ChartResult = Result<(), Box<dyn std::error::Error>>;

/// Registers the bundled font once per process: plotters' `ab_glyph` backend has no
/// fonts until one is registered.
pub(crate) fn ensure_font() -> anyhow::Result<()> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok {
        Ok(())
    } else {
        Err(anyhow!("the bundled chart font could not be loaded"))
    }
}

/// One colour per variant, in scenario order (Tableau 10: distinct, colour-blind aware).
const VARIANT: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// The colour of the `i`-th variant (or the `i`-th resource line).
pub(crate) fn variant_color(i: usize) -> RGBColor {
    VARIANT[i % VARIANT.len()]
}

/// Text grey for subtitles and notes.
pub(crate) const GREY: RGBColor = RGBColor(90, 90, 90);
/// Grid lines.
pub(crate) const GRID: RGBColor = RGBColor(225, 225, 225);

/// Font of a chart's title.
pub(crate) fn title_font() -> TextStyle<'static> {
    (FAMILY, 24).into_font().color(&BLACK)
}

// Sizes are even: plotters' ab_glyph renderer places each glyph at size/2 truncated, so
// an odd size lifts dots and commas a pixel above the baseline.

/// Font of subtitles and notes.
pub(crate) fn note_font() -> TextStyle<'static> {
    (FAMILY, 16).into_font().color(&GREY)
}

/// Font of a panel's caption.
pub(crate) fn panel_font() -> TextStyle<'static> {
    (FAMILY, 18).into_font().color(&BLACK)
}

/// Tick labels.
pub(crate) fn tick_font() -> TextStyle<'static> {
    (FAMILY, 14).into_font().color(&BLACK)
}

/// Axis descriptions.
pub(crate) fn axis_font() -> TextStyle<'static> {
    (FAMILY, 16).into_font().color(&BLACK)
}

/// Legend entries.
pub(crate) fn legend_font() -> TextStyle<'static> {
    (FAMILY, 16).into_font().color(&BLACK)
}

/// Splits `text` into lines of at most `max` characters at spaces.
pub(crate) fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > max {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Draws the title and a (wrapped) subtitle at the top of `root` and hands back the area
/// below them.
pub fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let width = root.dim_in_pixel().0 as usize;
    // DejaVu at 16 px averages about 8.5 px a character.
    let lines = wrap(subtitle, width.saturating_sub(40) * 2 / 17);
    let height = 46 + 20 * lines.len() as u32 + if lines.is_empty() { 0 } else { 8 };
    let (top, rest) = root.split_vertically(height);
    top.draw_text(title, &title_font(), (20, 12))?;
    for (i, l) in lines.iter().enumerate() {
        top.draw_text(l, &note_font(), (20, 46 + 20 * i as i32))?;
    }
    Ok(rest)
}

/// The short line a legend shows for a line series of `color`.
pub(crate) fn line_legend(color: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
}

/// Draws the legend of `chart` at `position`, boxed the same way on every chart.
pub(crate) fn draw_legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    margin: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(position)
        .margin(margin)
        .label_font(legend_font())
        .background_style(WHITE.mix(0.9))
        .border_style(GRID)
        .draw()
}

/// Writes `text` in the middle of an area that has nothing to plot.
pub(crate) fn empty_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    text: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (w, h) = area.dim_in_pixel();
    area.draw_text(caption, &panel_font(), (70, 8))?;
    area.draw(&Rectangle::new(
        [(70, 36), (w as i32 - 30, h as i32 - 50)],
        GRID.stroke_width(1),
    ))?;
    area.draw_text(
        text,
        &note_font().pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        )),
        ((w / 2) as i32 + 20, (h / 2) as i32),
    )
}

/// Nice durations for ticks on a logarithmic time axis, seconds.
const LOG_TICKS: [f64; 25] = [
    0.1,
    0.2,
    0.5,
    1.0,
    2.0,
    5.0,
    10.0,
    30.0,
    60.0,
    120.0,
    300.0,
    600.0,
    1_800.0,
    3_600.0,
    7_200.0,
    14_400.0,
    28_800.0,
    86_400.0,
    172_800.0,
    345_600.0,
    604_800.0,
    1_209_600.0,
    2_419_200.0,
    4_838_400.0,
    9_676_800.0,
];

/// Coarser ticks when the range is wide, so labels never crowd.
const LOG_TICKS_COARSE: [f64; 13] = [
    0.1,
    1.0,
    10.0,
    60.0,
    600.0,
    3_600.0,
    14_400.0,
    86_400.0,
    259_200.0,
    604_800.0,
    1_209_600.0,
    2_419_200.0,
    9_676_800.0,
];

/// Steps for a linear time axis, seconds.
const LINEAR_STEPS: [f64; 22] = [
    0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1_800.0,
    3_600.0, 7_200.0, 10_800.0, 21_600.0, 43_200.0, 86_400.0, 604_800.0,
];

/// `1h02m03s`, `1m02.3s`, `45.5s`: every unit down to seconds with `decimals` decimals,
/// for axes whose ticks the short form would not tell apart.
fn precise_duration(secs: f64, decimals: usize) -> String {
    let secs = secs.max(0.0);
    let whole = secs.floor() as u64;
    let frac = secs - whole as f64;
    let (h, m) = (whole / 3_600, (whole % 3_600) / 60);
    let s = (whole % 60) as f64 + frac;
    let width = if decimals == 0 { 2 } else { 3 + decimals };
    if h > 0 {
        format!("{h}h{m:02}m{s:0width$.decimals$}s")
    } else if m > 0 {
        format!("{m}m{s:0width$.decimals$}s")
    } else {
        format!("{s:.decimals$}s")
    }
}

/// A time axis in seconds: logarithmic when the values span more than a factor of five,
/// linear otherwise; ticks fall on round durations and are labelled `5m`, `2h`, `1d`.
#[derive(Debug, Clone)]
pub(crate) struct TimeAxis {
    log: bool,
    range: Range<f64>,
    ticks: Vec<f64>,
    /// Decimals of the seconds in the labels when the short form would give two ticks the
    /// same label (a range under a second, or seconds on an axis in hours); `None`: the
    /// short form.
    precise: Option<usize>,
}

impl TimeAxis {
    /// An axis that shows every value between `min_s` and `max_s`.
    pub fn new(min_s: f64, max_s: f64) -> TimeAxis {
        let (mut lo, mut hi) = (min_s.min(max_s), min_s.max(max_s));
        if !(lo.is_finite() && hi.is_finite()) || hi <= 0.0 {
            lo = 60.0;
            hi = 3_600.0;
        }
        let lo = lo.max(0.05);
        let hi = hi.max(lo * 1.0001);
        if hi / lo >= 5.0 {
            let start = LOG_TICKS
                .iter()
                .rev()
                .find(|&&t| t <= lo)
                .copied()
                .unwrap_or(lo);
            let end = LOG_TICKS.iter().find(|&&t| t >= hi).copied().unwrap_or(hi);
            let pick = |set: &[f64]| -> Vec<f64> {
                set.iter()
                    .copied()
                    .filter(|&t| t >= start && t <= end)
                    .collect()
            };
            let mut ticks = pick(&LOG_TICKS);
            if ticks.len() > 11 {
                ticks = pick(&LOG_TICKS_COARSE);
            }
            // A little room below and above, so a line at a round value does not sit
            // on the frame.
            let (a, b) = (start.log10(), end.log10());
            let pad = 0.03 * (b - a);
            TimeAxis {
                log: true,
                range: (a - pad)..(b + pad),
                ticks: ticks.iter().map(|t| t.log10()).collect(),
                precise: None,
            }
        } else {
            let span = hi - lo;
            let step = LINEAR_STEPS
                .iter()
                .copied()
                .find(|&s| span / s <= 6.0)
                .unwrap_or(span / 5.0);
            let start = ((lo - 0.1 * span) / step).floor().max(0.0) * step;
            let end = ((hi + 0.1 * span) / step).ceil() * step;
            let n = ((end - start) / step).round() as usize;
            let ticks: Vec<f64> = (0..=n).map(|i| start + i as f64 * step).collect();
            let short: Vec<String> = ticks.iter().map(|&t| short_duration(t)).collect();
            let precise = short
                .windows(2)
                .any(|w| w[0] == w[1])
                .then_some(if step < 1.0 { 1 } else { 0 });
            TimeAxis {
                log: false,
                range: start..end,
                ticks,
                precise,
            }
        }
    }

    /// Whether the axis is logarithmic.
    pub(crate) fn is_log(&self) -> bool {
        self.log
    }

    /// Where `secs` sits on the axis (its plotting coordinate).
    pub(crate) fn coord(&self, secs: f64) -> f64 {
        if self.log {
            secs.max(1e-3).log10()
        } else {
            secs
        }
    }

    /// Seconds at plotting coordinate `c`.
    pub fn secs(&self, c: f64) -> f64 {
        if self.log {
            10f64.powf(c)
        } else {
            c
        }
    }

    /// The axis range in plotting coordinates.
    pub fn range(&self) -> Range<f64> {
        self.range.clone()
    }

    /// Tick positions in plotting coordinates.
    pub(crate) fn ticks(&self) -> Vec<f64> {
        self.ticks.clone()
    }

    /// The label at coordinate `c`.
    pub fn label(&self, c: f64) -> String {
        match self.precise {
            Some(decimals) => precise_duration(self.secs(c), decimals),
            None => short_duration(self.secs(c)),
        }
    }

    /// `(log scale)` or empty, for axis descriptions.
    pub(crate) fn scale_note(&self) -> &'static str {
        if self.log {
            " (log scale)"
        } else {
            ""
        }
    }
}

/// A time-of-day axis (seconds since Monday 00:00) with ticks on round clock times.
#[derive(Debug, Clone)]
pub(crate) struct ClockAxis {
    range: Range<f64>,
    ticks: Vec<f64>,
    step: f64,
}

impl ClockAxis {
    /// An axis from `t0` to `t1` seconds.
    pub fn new(t0: f64, t1: f64) -> ClockAxis {
        const STEPS: [f64; 10] = [
            900.0, 1_800.0, 3_600.0, 7_200.0, 10_800.0, 14_400.0, 21_600.0, 43_200.0, 86_400.0,
            172_800.0,
        ];
        let t1 = t1.max(t0 + 600.0);
        let span = t1 - t0;
        let step = STEPS
            .iter()
            .copied()
            .find(|&s| span / s <= 8.0)
            .unwrap_or(7.0 * 86_400.0);
        let first = (t0 / step).ceil() * step;
        let n = ((t1 - first) / step).floor().max(0.0) as usize;
        ClockAxis {
            range: t0..t1,
            ticks: (0..=n).map(|i| first + i as f64 * step).collect(),
            step,
        }
    }

    /// The range, seconds.
    pub fn range(&self) -> Range<f64> {
        self.range.clone()
    }

    /// Tick positions, seconds.
    pub(crate) fn ticks(&self) -> Vec<f64> {
        self.ticks.clone()
    }

    /// `Mon 08:00`, or only the weekday when ticks are a day or more apart.
    pub fn label(&self, t: f64) -> String {
        if self.step >= 86_400.0 {
            weekday(t + 1.0)
        } else {
            clock_minutes(t)
        }
    }
}

/// A linear `f64` axis whose ticks (and grid lines) sit exactly at the given values, so
/// axes can carry round durations, clock times or swept values. (plotters'
/// `with_key_points` does the same but loses `f64` label formatting.)
#[derive(Debug, Clone)]
pub(crate) struct Ticked {
    range: Range<f64>,
    ticks: Vec<f64>,
}

/// `range` with ticks at `ticks`.
pub(crate) fn ticked(range: Range<f64>, ticks: Vec<f64>) -> Ticked {
    Ticked { range, ticks }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        RangedCoordf64::from(self.range.clone()).map(v, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Light grid lines are asked for separately: none, only the ticks' bold ones.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// A chart that can draw itself on any plotters backend.
pub(crate) trait Chart {
    /// Size in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws onto `root`, already filled white.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> ChartResult
    where
        DB::ErrorType: 'static;
}

/// Renders `chart` as `<stem>.svg` and `<stem>.png` in `dir`, each written atomically.
pub(crate) fn render<C: Chart>(chart: &C, dir: &Path, stem: &str) -> anyhow::Result<Vec<PathBuf>> {
    ensure_font()?;
    let (w, h) = chart.size();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
        chart
            .draw(&root)
            .map_err(|e| anyhow!("drawing {stem}.svg: {e}"))?;
        root.present().map_err(|e| anyhow!("{e}"))?;
    }
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        chart
            .draw(&root)
            .map_err(|e| anyhow!("drawing {stem}.png: {e}"))?;
        root.present().map_err(|e| anyhow!("{e}"))?;
    }
    let png = encode_png(&rgb, w, h).with_context(|| format!("encoding {stem}.png"))?;
    let svg_path = dir.join(format!("{stem}.svg"));
    let png_path = dir.join(format!("{stem}.png"));
    write_atomic(&svg_path, svg.as_bytes())?;
    write_atomic(&png_path, &png)?;
    Ok(vec![svg_path, png_path])
}

/// PNG bytes of an RGB buffer.
fn encode_png(rgb: &[u8], w: u32, h: u32) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_on_a_range_under_a_second_have_distinct_labels() {
        for (lo, hi) in [(62.3, 62.8), (3_600.0, 3_630.0), (61.9, 62.1)] {
            let ax = TimeAxis::new(lo, hi);
            let labels: Vec<String> = ax.ticks().iter().map(|&c| ax.label(c)).collect();
            let mut distinct = labels.clone();
            distinct.dedup();
            assert_eq!(distinct, labels, "{lo}..{hi}: {labels:?}");
        }
        let ax = TimeAxis::new(62.3, 62.8);
        assert!(ax.label(62.5).starts_with("1m02.5"), "{}", ax.label(62.5));
        // Ranges the short form tells apart keep it.
        let ax = TimeAxis::new(60.0, 240.0);
        assert_eq!(ax.label(120.0), "2m");
    }

    #[test]
    fn log_axis_for_wide_ranges_with_round_ticks() {
        let a = TimeAxis::new(45.0, 3.0 * 86_400.0);
        assert!(a.is_log());
        let labels: Vec<String> = a.ticks().iter().map(|&t| a.label(t)).collect();
        assert!(labels.len() <= 11, "{labels:?}");
        assert!(labels.contains(&"1h".to_string()), "{labels:?}");
        assert!(a.range().start <= a.coord(45.0) && a.range().end >= a.coord(3.0 * 86_400.0));
    }

    #[test]
    fn linear_axis_for_narrow_ranges() {
        let a = TimeAxis::new(60.0, 100.0);
        assert!(!a.is_log());
        assert!(
            a.ticks().len() >= 3 && a.ticks().len() <= 8,
            "{:?}",
            a.ticks()
        );
        let a = TimeAxis::new(f64::NAN, f64::NAN);
        assert!(a.range().end > a.range().start);
    }

    #[test]
    fn clock_axis_labels() {
        let c = ClockAxis::new(7.0 * 3600.0, 20.0 * 3600.0);
        assert_eq!(c.label(c.ticks()[0]), "Mon 08:00");
        let c = ClockAxis::new(0.0, 5.0 * 86_400.0);
        assert!(c.ticks().len() <= 9);
        assert_eq!(c.label(86_400.0), "Tue");
    }

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
    }
}
