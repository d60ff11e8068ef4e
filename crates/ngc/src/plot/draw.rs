//! A figure of panels stacked over one shared x axis, laid out in points and drawn
//! into a display list ([`Item`]s in pixels) that `render` turns into PNG, SVG or PDF.
//!
//! Layout, top to bottom: for each panel a header line (panel letter, title, and the
//! legend on the right, outside the data), an optional lane of ticks (spikes) and the
//! plot area; the x tick labels and the axis label under the last panel only. Left
//! margins are measured from the widest tick label of all panels, so the panels'
//! plot areas line up.

use super::{Fonts, Marks, Page};
use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use plotters::style::RGBColor;

/// Panels over one x axis.
pub struct Stack {
    pub panels: Vec<Panel>,
    /// The x axis label, e.g. `time (ms)`.
    pub x_label: String,
    /// The x range, in the axis' units.
    pub x_range: (f64, f64),
    /// Letter the panels A, B, C... (figures of more than one panel).
    pub letters: bool,
}

/// One panel.
pub struct Panel {
    pub title: String,
    /// Share of the figure's height, relative to the other panels.
    pub weight: f64,
    pub kind: PanelKind,
}

/// What a panel shows.
pub enum PanelKind {
    Raster(Raster),
    Traces(Traces),
}

/// A spike raster: bands of rows, one band per population.
pub struct Raster {
    pub bands: Vec<Band>,
}

/// One population of a raster.
pub struct Band {
    pub name: String,
    pub color: RGBColor,
    pub rows: usize,
    /// Label the rows with unit numbers (a lone population) rather than the band
    /// with its name.
    pub numbered: bool,
    pub ticks: Vec<Tick>,
}

/// Spikes of a row over `x0..x1` (consecutive buckets with a spike, merged).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tick {
    pub x0: f64,
    pub x1: f64,
    pub row: usize,
}

/// Lines over a y axis (and optionally a second one on the right).
pub struct Traces {
    pub y_label: String,
    pub series: Vec<Series>,
    /// A dashed horizontal line and its legend text.
    pub hline: Option<(f64, String)>,
    /// A lane of ticks above the plot area.
    pub lane: Option<Lane>,
    /// Label of the right axis, for series with `right`.
    pub y2_label: Option<String>,
    /// Start the y axis at zero (rates, conductances).
    pub from_zero: bool,
    /// Point marks, drawn as short vertical ticks.
    pub marks: Vec<Marks>,
}

/// A polyline.
pub struct Series {
    pub name: String,
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
    /// On the right axis.
    pub right: bool,
    /// Listed in the legend.
    pub legend: bool,
}

/// A lane of ticks above a panel (e.g. a cell's spikes above its voltage).
pub struct Lane {
    /// Written left of the lane, e.g. `spikes`.
    pub label: String,
    pub color: RGBColor,
    /// `(x0, x1)` spans with a tick.
    pub ticks: Vec<(f64, f64)>,
}

/// Horizontal text alignment at the anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// Text direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rot {
    /// Left to right.
    None,
    /// Bottom to top (a left y axis label).
    Up,
    /// Top to bottom (a right y axis label).
    Down,
}

/// A drawing primitive, in pixels (y down).
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A polyline, optionally dashed (`on, off` lengths).
    Line {
        pts: Vec<(f64, f64)>,
        color: RGBColor,
        width: f64,
        dash: Option<(f64, f64)>,
    },
    /// A filled rectangle.
    Rect {
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        color: RGBColor,
    },
    /// Text whose baseline passes through `(x, y)`, aligned there by `align` along
    /// its direction; `em` is the font size in pixels.
    Text {
        text: String,
        x: f64,
        y: f64,
        em: f64,
        color: RGBColor,
        align: Align,
        rot: Rot,
        bold: bool,
    },
}

const INK: RGBColor = RGBColor(26, 26, 26);
const AXIS: RGBColor = RGBColor(0, 0, 0);
const GUIDE: RGBColor = RGBColor(90, 90, 90);

/// Type sizes (points).
const TICK_PT: f64 = 8.0;
const LABEL_PT: f64 = 9.0;
const TITLE_PT: f64 = 9.0;
const LETTER_PT: f64 = 10.0;

/// Measures text in the figure's font.
pub(crate) struct Measure<'a> {
    regular: FontRef<'a>,
    bold: Option<FontRef<'a>>,
}

impl<'a> Measure<'a> {
    pub fn new(fonts: &'a Fonts) -> Result<Measure<'a>, String> {
        let parse = |b: &'a [u8]| FontRef::try_from_slice(b).map_err(|e| e.to_string());
        Ok(Measure {
            regular: parse(fonts.regular)?,
            bold: fonts.bold.map(parse).transpose()?,
        })
    }

    /// The font drawing `bold` (or regular) text.
    pub fn font(&self, bold: bool) -> &FontRef<'a> {
        match (&self.bold, bold) {
            (Some(b), true) => b,
            _ => &self.regular,
        }
    }

    /// Pixels per em unit of the font's outlines.
    pub fn units_per_em(&self, bold: bool) -> f64 {
        self.font(bold).units_per_em().unwrap_or(2048.0) as f64
    }

    /// The advance width of `text` at `em` pixels per em.
    pub fn width(&self, text: &str, em: f64, bold: bool) -> f64 {
        let font = self.font(bold);
        let upem = self.units_per_em(bold);
        let mut w = 0.0;
        let mut prev = None;
        for c in text.chars() {
            let g = font.glyph_id(c);
            w += font.h_advance_unscaled(g) as f64;
            if let Some(p) = prev {
                w += font.kern_unscaled(p, g) as f64;
            }
            prev = Some(g);
        }
        w * em / upem
    }

    /// The scale plotters' ab_glyph text takes for `em` pixels per em.
    pub fn px_scale(&self, em: f64, bold: bool) -> PxScale {
        let font = self.font(bold);
        PxScale::from((em * font.height_unscaled() as f64 / self.units_per_em(bold)) as f32)
    }

    /// The ascent of the font at `em` pixels per em.
    pub fn ascent(&self, em: f64) -> f64 {
        let f = self.regular.as_scaled(self.px_scale(em, false));
        f.ascent() as f64
    }
}

/// "Nice" ticks (1, 2 or 5 × 10^k apart) inside `lo..=hi`, about `target` of them,
/// with the number of decimals their labels need.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, usize) {
    let span = hi - lo;
    if !(span > 0.0 && span.is_finite()) {
        return (vec![lo], 0);
    }
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let m = raw / mag;
    let step = mag
        * if m < 1.5 {
            1.0
        } else if m < 3.0 {
            2.0
        } else if m < 7.0 {
            5.0
        } else {
            10.0
        };
    let decimals = (-(step.log10() + 1e-9).floor()).max(0.0) as usize;
    let (first, last) = (
        (lo / step - 1e-9).ceil() as i64,
        (hi / step + 1e-9).floor() as i64,
    );
    let ticks = (first..=last).map(|i| i as f64 * step).collect();
    (ticks, decimals)
}

/// A tick label: `decimals` places, a true minus sign, never `-0`.
pub fn tick_label(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        return format!("{:.decimals$}", 0.0);
    }
    match s.strip_prefix('-') {
        Some(rest) => format!("\u{2212}{rest}"),
        None => s,
    }
}

/// A y axis: range, ticks with labels, label.
struct YAxis {
    lo: f64,
    hi: f64,
    ticks: Vec<(f64, String, Option<RGBColor>)>,
    label: Option<String>,
}

fn padded(lo: f64, hi: f64, from_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (lo, hi);
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if from_zero && lo >= 0.0 {
        lo = 0.0;
    }
    if hi <= lo {
        let d = if lo.abs() > 0.0 { lo.abs() * 0.1 } else { 1.0 };
        if from_zero && lo == 0.0 {
            hi = lo + d;
        } else {
            (lo, hi) = (lo - d, hi + d);
        }
    }
    let pad = (hi - lo) * 0.06;
    let lo = if from_zero && lo == 0.0 {
        0.0
    } else {
        lo - pad
    };
    (lo, hi + pad)
}

fn value_axis(lo: f64, hi: f64, from_zero: bool, label: Option<String>, target: usize) -> YAxis {
    let (lo, hi) = padded(lo, hi, from_zero);
    let (ticks, d) = nice_ticks(lo, hi, target);
    YAxis {
        lo,
        hi,
        ticks: ticks
            .into_iter()
            .map(|t| (t, tick_label(t, d), None))
            .collect(),
        label,
    }
}

/// Where a raster's rows are: for each band its y range (axis units, bottom up).
fn raster_layout(r: &Raster) -> (Vec<(f64, f64)>, f64) {
    let total: f64 = r.bands.iter().map(|b| b.rows.max(1) as f64).sum();
    let min = (total * 0.08).max(1.0);
    let heights: Vec<f64> = r
        .bands
        .iter()
        .map(|b| (b.rows.max(1) as f64).max(min))
        .collect();
    let gap = heights.iter().sum::<f64>() * 0.05;
    let mut y = heights.iter().sum::<f64>() + gap * (heights.len().saturating_sub(1)) as f64;
    let top = y;
    let mut out = Vec::new();
    for h in heights {
        out.push((y - h, y));
        y -= h + gap;
    }
    (out, top)
}

fn raster_axis(r: &Raster) -> YAxis {
    let (spans, top) = raster_layout(r);
    let mut ticks = Vec::new();
    let mut label = None;
    for (b, &(lo, hi)) in r.bands.iter().zip(&spans) {
        if b.numbered {
            let rows = b.rows.max(1);
            let pitch = (hi - lo) / rows as f64;
            // Cells are counted: whole numbers only (for two or three cells "nice"
            // steps of 0.5 would label 0 0 1 1 2).
            let (units, _) = nice_ticks(0.0, (rows - 1) as f64, 4);
            let mut last = None;
            for u in units.into_iter().filter(|u| u.fract() == 0.0) {
                if last != Some(u) {
                    ticks.push((lo + (u + 0.5) * pitch, tick_label(u, 0), None));
                    last = Some(u);
                }
            }
            label = Some("unit".to_string());
        } else {
            ticks.push(((lo + hi) / 2.0, b.name.clone(), Some(b.color)));
        }
    }
    YAxis {
        lo: 0.0,
        hi: top,
        ticks,
        label,
    }
}

/// One entry of a legend.
enum Swatch {
    Line(RGBColor),
    Dashed(RGBColor),
    Tick(RGBColor),
}

fn legend_of(p: &Panel) -> Vec<(Swatch, String)> {
    let mut out = Vec::new();
    if let PanelKind::Traces(t) = &p.kind {
        for s in t.series.iter().filter(|s| s.legend) {
            out.push((Swatch::Line(s.color), s.name.clone()));
        }
        if let Some((_, name)) = &t.hline {
            out.push((Swatch::Dashed(GUIDE), name.clone()));
        }
        for m in &t.marks {
            out.push((Swatch::Tick(m.color), m.name.clone()));
        }
    }
    out
}

/// Draws `st` on a page, returning the display list: the y axes are measured first
/// (their labels set the margins), then the frame, the headers and the panels'
/// heights; then each panel top to bottom.
pub(crate) fn layout(st: &Stack, page: Page, fonts: &Fonts) -> Result<Vec<Item>, String> {
    let sz = Sizes::new(page, Measure::new(fonts)?);
    let axes = y_axes(st);
    let fr = frame(st, &sz, &axes);
    let headers = legend_lines(st, &sz, &fr);
    let heights = plot_heights(st, &sz, &headers);
    let mut c = Canvas::default();
    let mut y = sz.margin;
    for (i, (p, ((ax, ax2), head))) in st.panels.iter().zip(axes.iter().zip(&headers)).enumerate() {
        y = draw_header(&mut c, &sz, &fr, st, i, head, y);
        if let Some(l) = lane_of(p) {
            y = draw_lane(&mut c, &sz, &fr, l, y);
        }
        let area = Area {
            y0: y,
            y1: y + heights[i],
        };
        let ax2 = ax2.as_ref();
        match &p.kind {
            PanelKind::Raster(r) => draw_raster(&mut c, &sz, &fr, r, ax, area),
            PanelKind::Traces(t) => draw_traces(&mut c, &sz, &fr, t, (ax, ax2), area),
        }
        let x_label = (i + 1 == st.panels.len()).then_some(st.x_label.as_str());
        draw_axes(&mut c, &sz, &fr, (ax, ax2), area, x_label);
        y = area.y1 + sz.panel_gap;
    }
    Ok(c.items)
}

/// The page's measures in pixels (its size, pixels per point, margins, tick length,
/// gaps, the header's and lane's heights) and the font that measures text.
struct Sizes<'a> {
    me: Measure<'a>,
    /// Pixels per point.
    s: f64,
    w: f64,
    h: f64,
    margin: f64,
    tick_len: f64,
    gap: f64,
    /// The width of a y axis label's column.
    label_col: f64,
    /// The width of axis lines.
    line_w: f64,
    /// The height of a header line.
    head_line: f64,
    /// Between a header and its plot (and between a lane and its plot): more than half
    /// a tick label's height, so that a tick at the very top of the axis (centred on
    /// it) stays clear of the title's descenders and of the lane's label.
    head_pad: f64,
    lane_h: f64,
    lane_gap: f64,
    panel_gap: f64,
    /// The length of a legend entry's swatch.
    swatch: f64,
    /// Between legend entries.
    entry_gap: f64,
}

impl<'a> Sizes<'a> {
    /// The measures of `page`, text measured by `me`.
    fn new(page: Page, me: Measure<'a>) -> Sizes<'a> {
        let s = page.dpi / 72.0;
        let pt = |v: f64| v * s;
        let head_pad = pt(TICK_PT) * 0.6;
        Sizes {
            me,
            s,
            w: page.w as f64,
            h: page.h as f64,
            margin: pt(6.0),
            tick_len: pt(3.0),
            gap: pt(2.5),
            label_col: pt(LABEL_PT) * 1.3,
            line_w: pt(0.6),
            head_line: pt(TITLE_PT) * 1.45,
            head_pad,
            lane_h: pt(8.0),
            lane_gap: head_pad,
            panel_gap: pt(5.0),
            swatch: pt(12.0),
            entry_gap: pt(9.0),
        }
    }

    /// `v` points in pixels.
    fn pt(&self, v: f64) -> f64 {
        v * self.s
    }

    /// Baseline offset that centres digits and capitals on a point.
    fn mid(&self, em: f64) -> f64 {
        self.me.ascent(em) * 0.36
    }

    /// The width of the widest tick label of `ax`.
    fn widest(&self, ax: &YAxis) -> f64 {
        ax.ticks
            .iter()
            .map(|(_, l, _)| self.me.width(l, self.pt(TICK_PT), false))
            .fold(0.0, f64::max)
    }

    /// The room a panel letter takes before the title (none without `letters`).
    fn letter_w(&self, letters: bool) -> f64 {
        if letters {
            self.me.width("M", self.pt(LETTER_PT), true) + self.pt(4.0)
        } else {
            0.0
        }
    }

    /// The size of an axis label beside `area`: one longer than its panel is set
    /// smaller (down to 70 %).
    fn fit(&self, label: &str, area: Area) -> f64 {
        let full = self.me.width(label, self.pt(LABEL_PT), false);
        self.pt(LABEL_PT) * ((area.y1 - area.y0) / full).clamp(0.7, 1.0)
    }
}

/// The plot areas' extent across the page in pixels, the x range they show and the
/// x ticks with their labels, shared by every panel.
struct Frame {
    px0: f64,
    px1: f64,
    x0: f64,
    x1: f64,
    x_ticks: Vec<(f64, String)>,
}

impl Frame {
    /// The pixel column of `x`.
    fn x(&self, x: f64) -> f64 {
        self.px0 + (x - self.x0) / (self.x1 - self.x0) * (self.px1 - self.px0)
    }
}

/// A plot area's extent down the page in pixels (`y0` its top).
#[derive(Clone, Copy)]
struct Area {
    y0: f64,
    y1: f64,
}

impl Area {
    /// The pixel row of `v` on `ax`.
    fn y(&self, ax: &YAxis, v: f64) -> f64 {
        self.y1 - (v - ax.lo) / (ax.hi - ax.lo) * (self.y1 - self.y0)
    }
}

/// How a text is set: its size in pixels, alignment, direction, weight and colour.
#[derive(Clone, Copy)]
struct Style {
    em: f64,
    align: Align,
    rot: Rot,
    bold: bool,
    color: RGBColor,
}

impl Style {
    /// Regular ink, left to right, `em` pixels, aligned by `align`.
    fn new(em: f64, align: Align) -> Style {
        Style {
            em,
            align,
            rot: Rot::None,
            bold: false,
            color: INK,
        }
    }
}

/// The display list being drawn.
#[derive(Default)]
struct Canvas {
    items: Vec<Item>,
}

impl Canvas {
    /// Text whose baseline passes through `(x, y)`.
    fn text(&mut self, text: &str, x: f64, y: f64, style: Style) {
        self.items.push(Item::Text {
            text: text.to_string(),
            x,
            y,
            em: style.em,
            color: style.color,
            align: style.align,
            rot: style.rot,
            bold: style.bold,
        });
    }

    /// A polyline, dashed with `dash`.
    fn line(
        &mut self,
        pts: Vec<(f64, f64)>,
        color: RGBColor,
        width: f64,
        dash: Option<(f64, f64)>,
    ) {
        self.items.push(Item::Line {
            pts,
            color,
            width,
            dash,
        });
    }

    /// A filled rectangle.
    fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: RGBColor) {
        self.items.push(Item::Rect {
            x0,
            y0,
            x1,
            y1,
            color,
        });
    }
}

/// A panel's lane of ticks, if it has one.
fn lane_of(p: &Panel) -> Option<&Lane> {
    match &p.kind {
        PanelKind::Traces(Traces { lane: Some(l), .. }) => Some(l),
        _ => None,
    }
}

/// The y axes of every panel: the left one, and a right one for series on it.
fn y_axes(st: &Stack) -> Vec<(YAxis, Option<YAxis>)> {
    st.panels
        .iter()
        .map(|p| match &p.kind {
            PanelKind::Raster(r) => (raster_axis(r), None),
            PanelKind::Traces(t) => trace_axes(t, if p.weight >= 1.0 { 5 } else { 4 }),
        })
        .collect()
}

/// The left and (for series on it) right y axes of `t`, about `target` ticks each.
fn trace_axes(t: &Traces, target: usize) -> (YAxis, Option<YAxis>) {
    let (lo, hi) = trace_range(t, false, true);
    let left = value_axis(lo, hi, t.from_zero, Some(t.y_label.clone()), target);
    let right = t.series.iter().any(|s| s.right).then(|| {
        let (lo, hi) = trace_range(t, true, false);
        value_axis(lo, hi, t.from_zero, t.y2_label.clone(), target)
    });
    (left, right)
}

/// The range of the values drawn over the left (or `right`) axis of `t`: its series,
/// on the left its marks, and with `with_hline` the guide line.
fn trace_range(t: &Traces, right: bool, with_hline: bool) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for s in t.series.iter().filter(|s| s.right == right) {
        for &(_, y) in &s.points {
            if y.is_finite() {
                lo = lo.min(y);
                hi = hi.max(y);
            }
        }
    }
    for m in t.marks.iter().filter(|_| !right) {
        for &(_, y) in &m.points {
            lo = lo.min(y);
            hi = hi.max(y);
        }
    }
    if with_hline {
        if let Some((y, _)) = t.hline {
            lo = lo.min(y);
            hi = hi.max(y);
        }
    }
    (lo, hi)
}

/// Sets the margins from the y axes' labels, then the x ticks from the width left.
fn frame(st: &Stack, sz: &Sizes, axes: &[(YAxis, Option<YAxis>)]) -> Frame {
    let left = left_margin(st, sz, axes);
    let (xt, xd) = {
        let plot_w = (sz.w - left - sz.margin).max(1.0);
        let target = (plot_w / sz.pt(60.0)).clamp(3.0, 10.0) as usize;
        nice_ticks(st.x_range.0, st.x_range.1, target)
    };
    let x_ticks: Vec<(f64, String)> = xt.iter().map(|&t| (t, tick_label(t, xd))).collect();
    let right = right_margin(sz, axes, &x_ticks);
    let (x0, x1) = if st.x_range.1 > st.x_range.0 {
        st.x_range
    } else {
        (st.x_range.0, st.x_range.0 + 1.0)
    };
    Frame {
        px0: left,
        px1: (sz.w - right).max(left + 1.0),
        x0,
        x1,
        x_ticks,
    }
}

/// The left margin: the y axis label's column, the widest tick (or lane) label and
/// the ticks, so that the panels' plot areas line up.
fn left_margin(st: &Stack, sz: &Sizes, axes: &[(YAxis, Option<YAxis>)]) -> f64 {
    let lane_labels = st
        .panels
        .iter()
        .filter_map(lane_of)
        .map(|l| sz.me.width(&l.label, sz.pt(TICK_PT), false))
        .fold(0.0, f64::max);
    let any_label = axes.iter().any(|(a, _)| a.label.is_some());
    sz.margin
        + if any_label {
            sz.label_col + sz.gap
        } else {
            0.0
        }
        + axes
            .iter()
            .map(|(a, _)| sz.widest(a))
            .fold(lane_labels, f64::max)
        + sz.gap
        + sz.tick_len
}

/// The right margin: the right axes' ticks and labels, or room for half the last x
/// tick label.
fn right_margin(sz: &Sizes, axes: &[(YAxis, Option<YAxis>)], x_ticks: &[(f64, String)]) -> f64 {
    let right_axes: Vec<&YAxis> = axes.iter().filter_map(|(_, r)| r.as_ref()).collect();
    if right_axes.is_empty() {
        let last = x_ticks
            .last()
            .map_or(0.0, |(_, l)| sz.me.width(l, sz.pt(TICK_PT), false) / 2.0);
        sz.margin.max(last + sz.pt(2.0))
    } else {
        sz.tick_len
            + sz.gap
            + right_axes.iter().map(|a| sz.widest(a)).fold(0.0, f64::max)
            + sz.gap
            + if right_axes.iter().any(|a| a.label.is_some()) {
                sz.label_col
            } else {
                0.0
            }
            + sz.margin
    }
}

/// A panel's header: its legend's entries, and the lines they are set on (indices
/// into `entries`, with their widths).
struct Header {
    entries: Vec<(Swatch, String)>,
    lines: Vec<Vec<(usize, f64)>>,
}

/// Lays out each panel's header lines: the title, then legend entries right-aligned;
/// entries that do not fit beside the title go to further lines.
fn legend_lines(st: &Stack, sz: &Sizes, fr: &Frame) -> Vec<Header> {
    let letter_w = sz.letter_w(st.letters);
    let mut headers = Vec::new();
    for p in &st.panels {
        let entries = legend_of(p);
        let title_w = letter_w + sz.me.width(&p.title, sz.pt(TITLE_PT), true);
        let mut lines: Vec<Vec<(usize, f64)>> = vec![Vec::new()];
        let mut used = title_w + sz.pt(12.0);
        for (i, (_, name)) in entries.iter().enumerate() {
            let ew = sz.swatch + sz.pt(3.0) + sz.me.width(name, sz.pt(TICK_PT), false);
            let avail = fr.px1 - sz.margin;
            if used + ew > avail && !(lines.len() > 1 && lines.last().is_some_and(|l| l.is_empty()))
            {
                lines.push(Vec::new());
                used = 0.0;
            }
            lines.last_mut().expect("one line").push((i, ew));
            used += ew + sz.entry_gap;
        }
        headers.push(Header { entries, lines });
    }
    headers
}

/// The height of each panel's plot area: what headers, lanes, gaps and the x axis
/// leave of the page, shared by the panels' weights.
fn plot_heights(st: &Stack, sz: &Sizes, headers: &[Header]) -> Vec<f64> {
    let x_area =
        sz.tick_len + sz.gap + sz.pt(TICK_PT) * 1.25 + sz.gap + sz.pt(LABEL_PT) * 1.2 + sz.margin;
    let n = st.panels.len();
    let fixed: f64 = headers
        .iter()
        .map(|hd| hd.lines.len() as f64 * sz.head_line)
        .sum::<f64>()
        + sz.head_pad * n as f64
        + st.panels.iter().filter_map(lane_of).count() as f64 * (sz.lane_h + sz.lane_gap)
        + sz.panel_gap * n.saturating_sub(1) as f64
        + sz.margin
        + x_area;
    let weights: f64 = st.panels.iter().map(|p| p.weight.max(0.01)).sum();
    let avail = (sz.h - fixed).max(sz.pt(20.0) * n as f64);
    st.panels
        .iter()
        .map(|p| (avail * p.weight.max(0.01) / weights).max(sz.pt(10.0)))
        .collect()
}

/// Draws panel `i`'s header from `y` down: its letter, title and legend lines.
/// Returns where what follows starts.
fn draw_header(
    c: &mut Canvas,
    sz: &Sizes,
    fr: &Frame,
    st: &Stack,
    i: usize,
    head: &Header,
    y: f64,
) -> f64 {
    let base = y + sz.head_line * 0.78;
    let mut tx = sz.margin;
    if st.letters {
        let letter = ((b'A' + (i % 26) as u8) as char).to_string();
        let bold = Style {
            bold: true,
            ..Style::new(sz.pt(LETTER_PT), Align::Left)
        };
        c.text(&letter, tx, base, bold);
        tx += sz.letter_w(true);
    }
    let bold = Style {
        bold: true,
        ..Style::new(sz.pt(TITLE_PT), Align::Left)
    };
    c.text(&st.panels[i].title, tx, base, bold);
    for (li, line) in head.lines.iter().enumerate() {
        let lb = y + sz.head_line * (li as f64 + 0.78);
        draw_legend_line(c, sz, fr, &head.entries, line, lb);
    }
    y + (head.lines.len() as f64 * sz.head_line + sz.head_pad)
}

/// Draws one line of legend entries (swatch and name), right-aligned with the plot
/// area, on the baseline `lb`.
fn draw_legend_line(
    c: &mut Canvas,
    sz: &Sizes,
    fr: &Frame,
    entries: &[(Swatch, String)],
    line: &[(usize, f64)],
    lb: f64,
) {
    let line_w_total: f64 = line.iter().map(|(_, ew)| ew).sum::<f64>()
        + sz.entry_gap * line.len().saturating_sub(1) as f64;
    let mut ex = fr.px1 - line_w_total;
    for &(e, ew) in line {
        let (sw, name) = &entries[e];
        let cy = lb - sz.mid(sz.pt(TICK_PT));
        draw_swatch(c, sz, sw, ex, cy);
        let style = Style::new(sz.pt(TICK_PT), Align::Left);
        c.text(name, ex + sz.swatch + sz.pt(3.0), lb, style);
        ex += ew + sz.entry_gap;
    }
}

/// Draws a legend swatch from `x`, centred on the row `cy`.
fn draw_swatch(c: &mut Canvas, sz: &Sizes, sw: &Swatch, x: f64, cy: f64) {
    let pts = vec![(x, cy), (x + sz.swatch, cy)];
    match *sw {
        Swatch::Line(color) => c.line(pts, color, sz.pt(1.2), None),
        Swatch::Dashed(color) => c.line(pts, color, sz.pt(0.9), Some((sz.pt(2.5), sz.pt(1.5)))),
        Swatch::Tick(color) => {
            for k in 0..3 {
                let tx = x + sz.swatch * (0.2 + 0.3 * k as f64);
                c.rect(
                    tx - sz.pt(0.4),
                    cy - sz.pt(3.0),
                    tx + sz.pt(0.4),
                    cy + sz.pt(3.0),
                    color,
                );
            }
        }
    }
}

/// The span `xa..xb` in pixels, widened about its centre to at least `min_w`.
fn widened(xa: f64, xb: f64, min_w: f64) -> (f64, f64) {
    if xb - xa < min_w {
        let c = (xa + xb) / 2.0;
        (c - min_w / 2.0, c + min_w / 2.0)
    } else {
        (xa, xb)
    }
}

/// Adds a span (spans come left to right) to `run`, the spans that touch so far:
/// it extends the run if it touches it, else starts a new one, returning the run it
/// ends.
fn extend_run(run: &mut Option<(f64, f64)>, (xa, xb): (f64, f64)) -> Option<(f64, f64)> {
    match *run {
        Some((la, lb)) if xa <= lb => {
            *run = Some((la, lb.max(xb)));
            None
        }
        ended => {
            *run = Some((xa, xb));
            ended
        }
    }
}

/// Draws a lane of ticks from `y` down (ticks that touch once widened merged) and its
/// label left of the axis. Returns where the plot area starts.
fn draw_lane(c: &mut Canvas, sz: &Sizes, fr: &Frame, l: &Lane, y: f64) -> f64 {
    let (ly0, ly1) = (y, y + sz.lane_h);
    let min_w = sz.pt(0.8);
    let flush = |c: &mut Canvas, r: (f64, f64)| {
        c.rect(
            r.0,
            ly0 + sz.lane_h * 0.1,
            r.1,
            ly1 - sz.lane_h * 0.1,
            l.color,
        )
    };
    let mut run = None;
    for &(a, b) in &l.ticks {
        if let Some(r) = extend_run(&mut run, widened(fr.x(a), fr.x(b), min_w)) {
            flush(c, r);
        }
    }
    if let Some(r) = run {
        flush(c, r);
    }
    let label_y = (ly0 + ly1) / 2.0 + sz.mid(sz.pt(TICK_PT));
    let style = Style::new(sz.pt(TICK_PT), Align::Right);
    c.text(&l.label, fr.px0 - sz.tick_len - sz.gap, label_y, style);
    y + (sz.lane_h + sz.lane_gap)
}

/// Draws a raster's bands in `area`, one population each.
fn draw_raster(c: &mut Canvas, sz: &Sizes, fr: &Frame, r: &Raster, ax: &YAxis, area: Area) {
    let (spans, _) = raster_layout(r);
    for (b, &(lo, hi)) in r.bands.iter().zip(&spans) {
        draw_band(c, sz, fr, b, area.y(ax, hi), area.y(ax, lo));
    }
}

/// Draws a band from pixel row `top` to `bottom`: a light tint behind the population
/// and a row of ticks per cell (ticks of a row that touch once widened merged).
fn draw_band(c: &mut Canvas, sz: &Sizes, fr: &Frame, b: &Band, top: f64, bottom: f64) {
    let tint = |c: u8| (255.0 - (255.0 - c as f64) * 0.06) as u8;
    let light = RGBColor(tint(b.color.0), tint(b.color.1), tint(b.color.2));
    c.rect(fr.px0, top, fr.px1, bottom, light);
    let rows = b.rows.max(1);
    let pitch = (bottom - top) / rows as f64;
    let tick_h = (pitch * 0.9).clamp(sz.pt(0.5).min(pitch), sz.pt(7.0));
    let min_w = sz.pt(0.75);
    let flush = |c: &mut Canvas, row: usize, r: (f64, f64)| {
        let cy = bottom - (row as f64 + 0.5) * pitch;
        c.rect(r.0, cy - tick_h / 2.0, r.1, cy + tick_h / 2.0, b.color);
    };
    let mut runs: Vec<Option<(f64, f64)>> = vec![None; rows];
    for t in &b.ticks {
        let row = t.row.min(rows - 1);
        let span = widened(fr.x(t.x0), fr.x(t.x1), min_w);
        if let Some(r) = extend_run(&mut runs[row], span) {
            flush(c, row, r);
        }
    }
    for (row, r) in runs.into_iter().enumerate() {
        if let Some(r) = r {
            flush(c, row, r);
        }
    }
}

/// Draws a traces panel in `area`: the dashed guide line, the series (on their axis)
/// and the marks.
fn draw_traces(
    c: &mut Canvas,
    sz: &Sizes,
    fr: &Frame,
    t: &Traces,
    (ax, ax2): (&YAxis, Option<&YAxis>),
    area: Area,
) {
    if let Some((hy, _)) = t.hline {
        let yy = area.y(ax, hy);
        let dash = Some((sz.pt(3.0), sz.pt(2.0)));
        c.line(vec![(fr.px0, yy), (fr.px1, yy)], GUIDE, sz.pt(0.8), dash);
    }
    for s in drawing_order(&t.series) {
        let a = if s.right { ax2.unwrap_or(ax) } else { ax };
        let mut pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .map(|&(x, v)| (fr.x(x), area.y(a, v)))
            .collect();
        // A lone sample: a short dash, so that it shows.
        if let [(x, y)] = pts[..] {
            pts = vec![(x - sz.pt(1.0), y), (x + sz.pt(1.0), y)];
        }
        c.line(pixel_polyline(&pts), s.color, sz.pt(0.7), None);
    }
    for m in &t.marks {
        let half = sz.pt(1.5 + m.size as f64);
        for &(x, v) in &m.points {
            let (cx, cy) = (fr.x(x), area.y(ax, v));
            c.rect(
                cx - sz.pt(0.4),
                cy - half,
                cx + sz.pt(0.4),
                cy + half,
                m.color,
            );
        }
    }
}

/// The series in the order they are drawn: the left axis' first, and wider envelopes
/// first, so that a narrower one drawn over a wider one stays visible (over long runs
/// both become filled bands).
fn drawing_order(series: &[Series]) -> Vec<&Series> {
    let spread = |s: &Series| {
        let (lo, hi) = s
            .points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                (a.min(p.1), b.max(p.1))
            });
        if hi >= lo {
            hi - lo
        } else {
            0.0
        }
    };
    let mut order: Vec<&Series> = series.iter().collect();
    order.sort_by(|a, b| {
        (a.right, -spread(a))
            .partial_cmp(&(b.right, -spread(b)))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    order
}

/// Draws a plot area's axes, ticks outside: the left y axis (and the right one), and
/// the x axis, labelled with `x_label` (under the last panel only).
fn draw_axes(
    c: &mut Canvas,
    sz: &Sizes,
    fr: &Frame,
    (ax, ax2): (&YAxis, Option<&YAxis>),
    area: Area,
    x_label: Option<&str>,
) {
    draw_left_axis(c, sz, fr, ax, area);
    if let Some(a2) = ax2 {
        draw_right_axis(c, sz, fr, a2, area);
    }
    draw_x_axis(c, sz, fr, area, x_label);
}

/// Draws the left axis and the bottom line, the left ticks with their labels (a
/// raster's band names bold, in the band's colour) and the axis label.
fn draw_left_axis(c: &mut Canvas, sz: &Sizes, fr: &Frame, ax: &YAxis, area: Area) {
    let (px0, px1) = (fr.px0, fr.px1);
    let pts = vec![(px0, area.y0), (px0, area.y1), (px1, area.y1)];
    c.line(pts, AXIS, sz.line_w, None);
    for (v, l, color) in &ax.ticks {
        let yy = area.y(ax, *v);
        c.line(
            vec![(px0 - sz.tick_len, yy), (px0, yy)],
            AXIS,
            sz.line_w,
            None,
        );
        let style = Style {
            bold: color.is_some(),
            color: color.unwrap_or(INK),
            ..Style::new(sz.pt(TICK_PT), Align::Right)
        };
        let x = px0 - sz.tick_len - sz.gap;
        c.text(l, x, yy + sz.mid(sz.pt(TICK_PT)), style);
    }
    if let Some(l) = &ax.label {
        let style = Style {
            rot: Rot::Up,
            ..Style::new(sz.fit(l, area), Align::Center)
        };
        let x = sz.margin + sz.label_col * 0.75;
        c.text(l, x, (area.y0 + area.y1) / 2.0, style);
    }
}

/// Draws the right axis, its ticks with their labels and its label.
fn draw_right_axis(c: &mut Canvas, sz: &Sizes, fr: &Frame, a2: &YAxis, area: Area) {
    let px1 = fr.px1;
    c.line(vec![(px1, area.y0), (px1, area.y1)], AXIS, sz.line_w, None);
    for (v, l, _) in &a2.ticks {
        let yy = area.y(a2, *v);
        c.line(
            vec![(px1, yy), (px1 + sz.tick_len, yy)],
            AXIS,
            sz.line_w,
            None,
        );
        let style = Style::new(sz.pt(TICK_PT), Align::Left);
        let x = px1 + sz.tick_len + sz.gap;
        c.text(l, x, yy + sz.mid(sz.pt(TICK_PT)), style);
    }
    if let Some(l) = &a2.label {
        let style = Style {
            rot: Rot::Down,
            ..Style::new(sz.fit(l, area), Align::Center)
        };
        let x = sz.w - sz.margin - sz.label_col * 0.75;
        c.text(l, x, (area.y0 + area.y1) / 2.0, style);
    }
}

/// Draws the x ticks under `area` and, given `x_label` (the last panel), their
/// labels and the axis label.
fn draw_x_axis(c: &mut Canvas, sz: &Sizes, fr: &Frame, area: Area, x_label: Option<&str>) {
    let py1 = area.y1;
    let tick = Style::new(sz.pt(TICK_PT), Align::Center);
    for (v, l) in &fr.x_ticks {
        let xx = fr.x(*v);
        c.line(
            vec![(xx, py1), (xx, py1 + sz.tick_len)],
            AXIS,
            sz.line_w,
            None,
        );
        if x_label.is_some() {
            let y = py1 + sz.tick_len + sz.gap + sz.me.ascent(sz.pt(TICK_PT)) * 0.9;
            c.text(l, xx, y, tick);
        }
    }
    if let Some(label) = x_label {
        let y = py1
            + sz.tick_len
            + sz.gap
            + sz.pt(TICK_PT) * 1.25
            + sz.gap
            + sz.me.ascent(sz.pt(LABEL_PT)) * 0.9;
        let style = Style::new(sz.pt(LABEL_PT), Align::Center);
        c.text(label, (fr.px0 + fr.px1) / 2.0, y, style);
    }
}

/// Reduces a polyline in pixels to at most four points per pixel column (the first,
/// the lowest, the highest, the last), which draws the same picture.
pub fn pixel_polyline(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(pts.len().min(8192));
    let mut i = 0;
    while i < pts.len() {
        let col = pts[i].0.round();
        let mut j = i;
        let (mut lo, mut hi) = (i, i);
        while j < pts.len() && pts[j].0.round() == col {
            if pts[j].1 < pts[lo].1 {
                lo = j;
            }
            if pts[j].1 > pts[hi].1 {
                hi = j;
            }
            j += 1;
        }
        let mut keep = [i, lo, hi, j - 1];
        keep.sort_unstable();
        let mut prev = usize::MAX;
        for k in keep {
            if k != prev {
                out.push(pts[k]);
                prev = k;
            }
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_are_clean() {
        assert_eq!(tick_label(-0.0001, 3), "0.000");
        assert_eq!(tick_label(-0.0, 0), "0");
        assert_eq!(tick_label(-60.0, 0), "\u{2212}60");
        assert_eq!(tick_label(0.30000000000000004, 1), "0.3");
        let (t, d) = nice_ticks(0.1, 1000.0, 6);
        assert_eq!(t, vec![200.0, 400.0, 600.0, 800.0, 1000.0]);
        assert_eq!(d, 0);
        let (t, d) = nice_ticks(-0.5, 0.5, 4);
        assert_eq!(d, 1);
        assert!(t.iter().all(|v| tick_label(*v, d) != "-0.0"));
        // A one-unit raster: one tick, at 0.
        assert_eq!(nice_ticks(0.0, 0.0, 4).0, vec![0.0]);
    }

    #[test]
    fn pixel_polyline_keeps_each_columns_extremes() {
        let pts: Vec<(f64, f64)> = (0..1000)
            .map(|i| (i as f64 / 10.0, ((i * 37) % 101) as f64))
            .collect();
        let out = pixel_polyline(&pts);
        assert!(out.len() <= 4 * 101);
        for col in 0..=100 {
            let c = col as f64;
            let of = |v: &[(f64, f64)]| {
                v.iter()
                    .filter(|p| p.0.round() == c)
                    .map(|p| p.1)
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
                        (a.min(y), b.max(y))
                    })
            };
            assert_eq!(of(&pts), of(&out), "column {col}");
        }
    }
}
