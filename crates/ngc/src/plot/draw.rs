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

/// Draws `st` on a page, returning the display list.
pub(crate) fn layout(st: &Stack, page: Page, fonts: &Fonts) -> Result<Vec<Item>, String> {
    let me = Measure::new(fonts)?;
    let s = page.dpi / 72.0;
    let pt = |v: f64| v * s;
    let (w, h) = (page.w as f64, page.h as f64);
    let margin = pt(6.0);
    let tick_len = pt(3.0);
    let gap = pt(2.5);
    let label_col = pt(LABEL_PT) * 1.3;
    let line_w = pt(0.6);
    let mut items = Vec::new();

    // The y axes of every panel first: their labels set the margins.
    let axes: Vec<(YAxis, Option<YAxis>)> = st
        .panels
        .iter()
        .map(|p| match &p.kind {
            PanelKind::Raster(r) => (raster_axis(r), None),
            PanelKind::Traces(t) => {
                let range = |right: bool, with_hline: bool| {
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
                };
                let target = if p.weight >= 1.0 { 5 } else { 4 };
                let (lo, hi) = range(false, true);
                let left = value_axis(lo, hi, t.from_zero, Some(t.y_label.clone()), target);
                let right = t.series.iter().any(|s| s.right).then(|| {
                    let (lo, hi) = range(true, false);
                    value_axis(lo, hi, t.from_zero, t.y2_label.clone(), target)
                });
                (left, right)
            }
        })
        .collect();
    let widest = |ax: &YAxis| {
        ax.ticks
            .iter()
            .map(|(_, l, _)| me.width(l, pt(TICK_PT), false))
            .fold(0.0, f64::max)
    };
    let lane_labels = st
        .panels
        .iter()
        .filter_map(|p| match &p.kind {
            PanelKind::Traces(Traces { lane: Some(l), .. }) => {
                Some(me.width(&l.label, pt(TICK_PT), false))
            }
            _ => None,
        })
        .fold(0.0, f64::max);
    let any_label = axes.iter().any(|(a, _)| a.label.is_some());
    let left = margin
        + if any_label { label_col + gap } else { 0.0 }
        + axes
            .iter()
            .map(|(a, _)| widest(a))
            .fold(lane_labels, f64::max)
        + gap
        + tick_len;
    let (xt, xd) = {
        let plot_w = (w - left - margin).max(1.0);
        let target = (plot_w / pt(60.0)).clamp(3.0, 10.0) as usize;
        nice_ticks(st.x_range.0, st.x_range.1, target)
    };
    let x_labels: Vec<(f64, String)> = xt.iter().map(|&t| (t, tick_label(t, xd))).collect();
    let right_axes: Vec<&YAxis> = axes.iter().filter_map(|(_, r)| r.as_ref()).collect();
    let right = if right_axes.is_empty() {
        let last = x_labels
            .last()
            .map_or(0.0, |(_, l)| me.width(l, pt(TICK_PT), false) / 2.0);
        margin.max(last + pt(2.0))
    } else {
        tick_len
            + gap
            + right_axes.iter().map(|a| widest(a)).fold(0.0, f64::max)
            + gap
            + if right_axes.iter().any(|a| a.label.is_some()) {
                label_col
            } else {
                0.0
            }
            + margin
    };
    let (px0, px1) = (left, (w - right).max(left + 1.0));
    let (x0, x1) = if st.x_range.1 > st.x_range.0 {
        st.x_range
    } else {
        (st.x_range.0, st.x_range.0 + 1.0)
    };
    let xpx = |x: f64| px0 + (x - x0) / (x1 - x0) * (px1 - px0);

    // Header lines: the title, then legend entries right-aligned; entries that do not
    // fit beside the title go to further lines.
    let head_line = pt(TITLE_PT) * 1.45;
    let letter_w = if st.letters {
        me.width("M", pt(LETTER_PT), true) + pt(4.0)
    } else {
        0.0
    };
    let swatch = pt(12.0);
    let entry_gap = pt(9.0);
    let mut headers = Vec::new();
    for p in &st.panels {
        let entries = legend_of(p);
        let title_w = letter_w + me.width(&p.title, pt(TITLE_PT), true);
        let mut lines: Vec<Vec<(usize, f64)>> = vec![Vec::new()];
        let mut used = title_w + pt(12.0);
        for (i, (_, name)) in entries.iter().enumerate() {
            let ew = swatch + pt(3.0) + me.width(name, pt(TICK_PT), false);
            let avail = px1 - margin;
            if used + ew > avail && !(lines.len() > 1 && lines.last().is_some_and(|l| l.is_empty()))
            {
                lines.push(Vec::new());
                used = 0.0;
            }
            lines.last_mut().expect("one line").push((i, ew));
            used += ew + entry_gap;
        }
        headers.push((entries, lines));
    }
    // Between a header and its plot (and between a lane and its plot): more than half
    // a tick label's height, so that a tick at the very top of the axis (centred on
    // it) stays clear of the title's descenders and of the lane's label.
    let head_pad = pt(TICK_PT) * 0.6;
    let lane_h = pt(8.0);
    let lane_gap = head_pad;
    let x_area = tick_len + gap + pt(TICK_PT) * 1.25 + gap + pt(LABEL_PT) * 1.2 + margin;
    let panel_gap = pt(5.0);
    let n = st.panels.len();
    let fixed: f64 = headers
        .iter()
        .map(|(_, l)| l.len() as f64 * head_line)
        .sum::<f64>()
        + head_pad * n as f64
        + st.panels
            .iter()
            .filter(|p| matches!(&p.kind, PanelKind::Traces(Traces { lane: Some(_), .. })))
            .count() as f64
            * (lane_h + lane_gap)
        + panel_gap * n.saturating_sub(1) as f64
        + margin
        + x_area;
    let weights: f64 = st.panels.iter().map(|p| p.weight.max(0.01)).sum();
    let avail = (h - fixed).max(pt(20.0) * n as f64);

    let text =
        |items: &mut Vec<Item>, t: &str, x: f64, y: f64, em: f64, align, rot, bold, color| {
            items.push(Item::Text {
                text: t.to_string(),
                x,
                y,
                em,
                color,
                align,
                rot,
                bold,
            })
        };
    // Baseline offset that centres digits and capitals on a point.
    let mid = |em: f64| me.ascent(em) * 0.36;

    let mut y = margin;
    for (i, (p, ((ax, ax2), (entries, lines)))) in
        st.panels.iter().zip(axes.iter().zip(&headers)).enumerate()
    {
        // Header.
        let base = y + head_line * 0.78;
        let mut tx = margin;
        if st.letters {
            let letter = ((b'A' + (i % 26) as u8) as char).to_string();
            text(
                &mut items,
                &letter,
                tx,
                base,
                pt(LETTER_PT),
                Align::Left,
                Rot::None,
                true,
                INK,
            );
            tx += letter_w;
        }
        text(
            &mut items,
            &p.title,
            tx,
            base,
            pt(TITLE_PT),
            Align::Left,
            Rot::None,
            true,
            INK,
        );
        for (li, line) in lines.iter().enumerate() {
            let lb = y + head_line * (li as f64 + 0.78);
            let line_w_total: f64 = line.iter().map(|(_, ew)| ew).sum::<f64>()
                + entry_gap * line.len().saturating_sub(1) as f64;
            let mut ex = px1 - line_w_total;
            for &(e, ew) in line {
                let (sw, name) = &entries[e];
                let cy = lb - mid(pt(TICK_PT));
                match *sw {
                    Swatch::Line(c) => items.push(Item::Line {
                        pts: vec![(ex, cy), (ex + swatch, cy)],
                        color: c,
                        width: pt(1.2),
                        dash: None,
                    }),
                    Swatch::Dashed(c) => items.push(Item::Line {
                        pts: vec![(ex, cy), (ex + swatch, cy)],
                        color: c,
                        width: pt(0.9),
                        dash: Some((pt(2.5), pt(1.5))),
                    }),
                    Swatch::Tick(c) => {
                        for k in 0..3 {
                            let tx = ex + swatch * (0.2 + 0.3 * k as f64);
                            items.push(Item::Rect {
                                x0: tx - pt(0.4),
                                y0: cy - pt(3.0),
                                x1: tx + pt(0.4),
                                y1: cy + pt(3.0),
                                color: c,
                            });
                        }
                    }
                }
                text(
                    &mut items,
                    name,
                    ex + swatch + pt(3.0),
                    lb,
                    pt(TICK_PT),
                    Align::Left,
                    Rot::None,
                    false,
                    INK,
                );
                ex += ew + entry_gap;
            }
        }
        y += lines.len() as f64 * head_line + head_pad;

        // The lane above the plot.
        if let PanelKind::Traces(Traces { lane: Some(l), .. }) = &p.kind {
            let (ly0, ly1) = (y, y + lane_h);
            let min_w = pt(0.8);
            let mut last: Option<(f64, f64)> = None;
            let flush = |items: &mut Vec<Item>, r: (f64, f64)| {
                items.push(Item::Rect {
                    x0: r.0,
                    y0: ly0 + lane_h * 0.1,
                    x1: r.1,
                    y1: ly1 - lane_h * 0.1,
                    color: l.color,
                })
            };
            for &(a, b) in &l.ticks {
                let (mut xa, mut xb) = (xpx(a), xpx(b));
                if xb - xa < min_w {
                    let c = (xa + xb) / 2.0;
                    (xa, xb) = (c - min_w / 2.0, c + min_w / 2.0);
                }
                match last {
                    Some((la, lb)) if xa <= lb => last = Some((la, lb.max(xb))),
                    Some(r) => {
                        flush(&mut items, r);
                        last = Some((xa, xb));
                    }
                    None => last = Some((xa, xb)),
                }
            }
            if let Some(r) = last {
                flush(&mut items, r);
            }
            text(
                &mut items,
                &l.label,
                px0 - tick_len - gap,
                (ly0 + ly1) / 2.0 + mid(pt(TICK_PT)),
                pt(TICK_PT),
                Align::Right,
                Rot::None,
                false,
                INK,
            );
            y += lane_h + lane_gap;
        }

        // The plot area.
        let ph = (avail * p.weight.max(0.01) / weights).max(pt(10.0));
        let (py0, py1) = (y, y + ph);
        let ypx = |ax: &YAxis, v: f64| py1 - (v - ax.lo) / (ax.hi - ax.lo) * (py1 - py0);
        match &p.kind {
            PanelKind::Raster(r) => {
                let (spans, _) = raster_layout(r);
                for (b, &(lo, hi)) in r.bands.iter().zip(&spans) {
                    // A light band behind each population.
                    let tint = |c: u8| (255.0 - (255.0 - c as f64) * 0.06) as u8;
                    items.push(Item::Rect {
                        x0: px0,
                        y0: ypx(ax, hi),
                        x1: px1,
                        y1: ypx(ax, lo),
                        color: RGBColor(tint(b.color.0), tint(b.color.1), tint(b.color.2)),
                    });
                    let rows = b.rows.max(1);
                    let pitch = (ypx(ax, lo) - ypx(ax, hi)) / rows as f64;
                    let tick_h = (pitch * 0.9).clamp(pt(0.5).min(pitch), pt(7.0));
                    let min_w = pt(0.75);
                    // Ticks of one row that touch once widened to `min_w` are merged.
                    let mut row_last: Vec<Option<(f64, f64)>> = vec![None; rows];
                    let flush = |items: &mut Vec<Item>, row: usize, r: (f64, f64)| {
                        let cy = ypx(ax, lo) - (row as f64 + 0.5) * pitch;
                        items.push(Item::Rect {
                            x0: r.0,
                            y0: cy - tick_h / 2.0,
                            x1: r.1,
                            y1: cy + tick_h / 2.0,
                            color: b.color,
                        });
                    };
                    for t in &b.ticks {
                        let row = t.row.min(rows - 1);
                        let (mut xa, mut xb) = (xpx(t.x0), xpx(t.x1));
                        if xb - xa < min_w {
                            let c = (xa + xb) / 2.0;
                            (xa, xb) = (c - min_w / 2.0, c + min_w / 2.0);
                        }
                        match row_last[row] {
                            Some((la, lb)) if xa <= lb => row_last[row] = Some((la, lb.max(xb))),
                            Some(prev) => {
                                flush(&mut items, row, prev);
                                row_last[row] = Some((xa, xb));
                            }
                            None => row_last[row] = Some((xa, xb)),
                        }
                    }
                    for (row, r) in row_last.into_iter().enumerate() {
                        if let Some(r) = r {
                            flush(&mut items, row, r);
                        }
                    }
                }
            }
            PanelKind::Traces(t) => {
                if let Some((hy, _)) = t.hline {
                    let yy = ypx(ax, hy);
                    items.push(Item::Line {
                        pts: vec![(px0, yy), (px1, yy)],
                        color: GUIDE,
                        width: pt(0.8),
                        dash: Some((pt(3.0), pt(2.0))),
                    });
                }
                // Wider envelopes first, so that a narrower one drawn over a wider
                // one stays visible (over long runs both become filled bands).
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
                let mut order: Vec<&Series> = t.series.iter().collect();
                order.sort_by(|a, b| {
                    (a.right, -spread(a))
                        .partial_cmp(&(b.right, -spread(b)))
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
                for s in order {
                    let a = if s.right {
                        ax2.as_ref().unwrap_or(ax)
                    } else {
                        ax
                    };
                    let mut pts: Vec<(f64, f64)> =
                        s.points.iter().map(|&(x, v)| (xpx(x), ypx(a, v))).collect();
                    // A lone sample: a short dash, so that it shows.
                    if let [(x, y)] = pts[..] {
                        pts = vec![(x - pt(1.0), y), (x + pt(1.0), y)];
                    }
                    items.push(Item::Line {
                        pts: pixel_polyline(&pts),
                        color: s.color,
                        width: pt(0.7),
                        dash: None,
                    });
                }
                for m in &t.marks {
                    let half = pt(1.5 + m.size as f64);
                    for &(x, v) in &m.points {
                        let (cx, cy) = (xpx(x), ypx(ax, v));
                        items.push(Item::Rect {
                            x0: cx - pt(0.4),
                            y0: cy - half,
                            x1: cx + pt(0.4),
                            y1: cy + half,
                            color: m.color,
                        });
                    }
                }
            }
        }

        // Axes: left (and right), bottom; ticks outside.
        let axis_line = |items: &mut Vec<Item>, pts: Vec<(f64, f64)>| {
            items.push(Item::Line {
                pts,
                color: AXIS,
                width: line_w,
                dash: None,
            })
        };
        axis_line(&mut items, vec![(px0, py0), (px0, py1), (px1, py1)]);
        for (v, l, c) in &ax.ticks {
            let yy = ypx(ax, *v);
            axis_line(&mut items, vec![(px0 - tick_len, yy), (px0, yy)]);
            text(
                &mut items,
                l,
                px0 - tick_len - gap,
                yy + mid(pt(TICK_PT)),
                pt(TICK_PT),
                Align::Right,
                Rot::None,
                c.is_some(),
                c.unwrap_or(INK),
            );
        }
        // An axis label longer than its panel is set smaller (down to 70 %).
        let fit = |l: &str| {
            let full = me.width(l, pt(LABEL_PT), false);
            pt(LABEL_PT) * ((py1 - py0) / full).clamp(0.7, 1.0)
        };
        if let Some(l) = &ax.label {
            text(
                &mut items,
                l,
                margin + label_col * 0.75,
                (py0 + py1) / 2.0,
                fit(l),
                Align::Center,
                Rot::Up,
                false,
                INK,
            );
        }
        if let Some(a2) = ax2 {
            axis_line(&mut items, vec![(px1, py0), (px1, py1)]);
            for (v, l, _) in &a2.ticks {
                let yy = ypx(a2, *v);
                axis_line(&mut items, vec![(px1, yy), (px1 + tick_len, yy)]);
                text(
                    &mut items,
                    l,
                    px1 + tick_len + gap,
                    yy + mid(pt(TICK_PT)),
                    pt(TICK_PT),
                    Align::Left,
                    Rot::None,
                    false,
                    INK,
                );
            }
            if let Some(l) = &a2.label {
                text(
                    &mut items,
                    l,
                    w - margin - label_col * 0.75,
                    (py0 + py1) / 2.0,
                    fit(l),
                    Align::Center,
                    Rot::Down,
                    false,
                    INK,
                );
            }
        }
        for (v, l) in &x_labels {
            let xx = xpx(*v);
            axis_line(&mut items, vec![(xx, py1), (xx, py1 + tick_len)]);
            if i + 1 == n {
                text(
                    &mut items,
                    l,
                    xx,
                    py1 + tick_len + gap + me.ascent(pt(TICK_PT)) * 0.9,
                    pt(TICK_PT),
                    Align::Center,
                    Rot::None,
                    false,
                    INK,
                );
            }
        }
        if i + 1 == n {
            text(
                &mut items,
                &st.x_label,
                (px0 + px1) / 2.0,
                py1 + tick_len + gap + pt(TICK_PT) * 1.25 + gap + me.ascent(pt(LABEL_PT)) * 0.9,
                pt(LABEL_PT),
                Align::Center,
                Rot::None,
                false,
                INK,
            );
        }
        y = py1 + panel_gap;
    }
    Ok(items)
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
