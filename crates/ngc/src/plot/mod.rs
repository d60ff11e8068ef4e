//! Figures for `ngc run`, `ngc plot` and `ngc probe`: PNG, SVG and PDF, sized in
//! pixels or inches, text set in points.
//!
//! Files written (each FORMAT of `--format`, default `png,svg`):
//! - `ngc run` with no model (the E-I circuit), into `--out`:
//!   - `ei_circuit.FORMAT`: the main figure, panels sharing the time axis: A spike
//!     raster (a band per population), B membrane potential of `post_exc` with its
//!     threshold and a lane of spike ticks above it, C the two synaptic conductances,
//!     D smoothed population rates.
//!   - `raster.FORMAT`, `voltage.FORMAT`, `conductance.FORMAT`, `rates.FORMAT`: the
//!     same panels one per figure.
//! - `ngc plot FILES` into `--out`: `COMP.FIELD.FORMAT` per recording (a raster for
//!   `COMP.FIELD.spikes.npy`, named `COMP.FIELD.spikes.FORMAT` only when a trace of
//!   the same compartment is drawn too), and with two files or more,
//!   `stacked.FORMAT`: rasters on top, traces below, sharing the time axis.
//! - `ngc run MODEL --plot`, into `--out`: the figures `ngc plot` draws of its
//!   recordings (with no `--record-spikes`, a raster of every spiking population too).
//! - `ngc probe`: `probe.png`, `probe.svg`.
//!
//! What is drawn never depends on the length of the run: recordings are summarised
//! into a fixed number of time buckets ([`decimate`]). Every file is written under a
//! hidden temporary name and renamed into place once all of them are ready.

pub mod decimate;
mod draw;
mod ei;
pub mod recordings;
mod render;
pub mod sidecar;

use draw::{Panel, PanelKind, Series, Stack, Traces};
pub use ei::EiTrace;
pub use ngclearn::io::replace::PendingFile;

use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::result::Result;

/// The Okabe–Ito palette (colour-blind safe), in the order figures use it:
/// blue, vermillion, bluish green, orange, reddish purple, sky blue, black, yellow.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(230, 159, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];
/// Excitatory things (`pre_exc`, `Wexc`).
pub const EXC: RGBColor = PALETTE[0];
/// Inhibitory things (`pre_inh`, `Winh`).
pub const INH: RGBColor = PALETTE[1];
/// The post-synaptic cell.
pub const POST: RGBColor = RGBColor(0, 0, 0);

/// The TrueType fonts text is set in (also outlined into PDF files).
pub(crate) struct Fonts {
    pub regular: &'static [u8],
    pub bold: Option<&'static [u8]>,
}

/// Registers the fonts for text (once): `$NGC_FONT`, else DejaVu Sans or Liberation
/// Sans from the usual system places (and the bold face beside it, if any).
pub(crate) fn ensure_font() -> Result<&'static Fonts, String> {
    static FONTS: std::sync::OnceLock<Result<Fonts, String>> = std::sync::OnceLock::new();
    FONTS
        .get_or_init(|| {
            let candidates: Vec<(PathBuf, Option<PathBuf>)> = std::env::var_os("NGC_FONT")
                .map(|p| (PathBuf::from(p), None))
                .into_iter()
                .chain(
                    [
                        ("/usr/share/fonts/truetype/dejavu/", "DejaVuSans"),
                        ("/usr/share/fonts/TTF/", "DejaVuSans"),
                        ("/usr/share/fonts/dejavu/", "DejaVuSans"),
                        ("/usr/share/fonts/truetype/liberation/", "LiberationSans"),
                    ]
                    .map(|(dir, name)| {
                        let regular = if name == "LiberationSans" {
                            "-Regular"
                        } else {
                            ""
                        };
                        (
                            PathBuf::from(format!("{dir}{name}{regular}.ttf")),
                            Some(PathBuf::from(format!("{dir}{name}-Bold.ttf"))),
                        )
                    }),
                )
                .chain(
                    ["/System/Library/Fonts/Supplemental/Arial.ttf", "/Library/Fonts/Arial.ttf"]
                        .map(|p| (PathBuf::from(p), None)),
                )
                .collect();
            let leak = |p: &Path| -> Option<&'static [u8]> {
                let bytes = std::fs::read(p).ok()?;
                ab_glyph::FontRef::try_from_slice(&bytes).ok()?;
                Some(Box::leak(bytes.into_boxed_slice()))
            };
            for (p, bold) in &candidates {
                let Some(regular) = leak(p) else { continue };
                if plotters::style::register_font("sans-serif", FontStyle::Normal, regular).is_err()
                {
                    continue;
                }
                let bold = bold.as_deref().and_then(leak).filter(|b| {
                    plotters::style::register_font("sans-serif", FontStyle::Bold, b).is_ok()
                });
                return Ok(Fonts { regular, bold });
            }
            Err("no TrueType font found for plot text: install fonts-dejavu-core or set NGC_FONT=/path/to/font.ttf".to_string())
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// A figure file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// PNG raster at `--dpi`.
    Png,
    /// SVG vector graphics (physical size in inches).
    Svg,
    /// PDF, one page, text as outlines.
    Pdf,
}

impl Format {
    fn ext(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
            Format::Pdf => "pdf",
        }
    }
}

/// A figure size as given to `--size`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    w: f64,
    h: f64,
    /// Inches per unit; `None` for pixels.
    inches_per_unit: Option<f64>,
}

/// Parses `--size`: `WxH` in pixels (`1000x1150`, `1000x1150px`), inches (`7x8in`),
/// centimetres (`18x20cm`) or millimetres (`180x200mm`).
pub fn parse_size(s: &str) -> Result<Size, String> {
    let t = s.trim().to_ascii_lowercase();
    let (num, unit) = [
        ("px", None),
        ("in", Some(1.0)),
        ("cm", Some(1.0 / 2.54)),
        ("mm", Some(1.0 / 25.4)),
    ]
    .iter()
    .find_map(|&(u, f)| t.strip_suffix(u).map(|n| (n.to_string(), f)))
    .unwrap_or((t.clone(), None));
    let bad =
        || format!("`{s}`: expected WxH in pixels, or with a unit: 1000x1150, 7x8in, 180x200mm");
    let (w, h) = num.split_once('x').ok_or_else(bad)?;
    let w: f64 = w.trim().parse().map_err(|_| bad())?;
    let h: f64 = h.trim().parse().map_err(|_| bad())?;
    if !(w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0) {
        return Err(bad());
    }
    Ok(Size {
        w,
        h,
        inches_per_unit: unit,
    })
}

/// Figure options, shared by `ngc run` (default model) and `ngc plot`.
#[derive(Debug, Clone, clap::Args)]
pub struct FigureArgs {
    /// Figure formats, comma-separated: png, svg, pdf.
    #[arg(
        long = "format",
        value_enum,
        value_delimiter = ',',
        default_value = "png,svg"
    )]
    pub format: Vec<Format>,
    /// Size of the main figure, WxH: pixels (1000x1150; the default for the E-I
    /// circuit), or inches, cm or mm with a unit (7x8in, 180x200mm). Single-panel
    /// figures take its width and 0.42 of it as their height.
    #[arg(long, value_parser = parse_size, value_name = "WxH[px|in|cm|mm]")]
    pub size: Option<Size>,
    /// Pixels per inch of PNG figures (text is set in points, so at a size in pixels
    /// this also sets how large text and lines are).
    #[arg(long, default_value_t = 150.0)]
    pub dpi: f64,
}

impl Default for FigureArgs {
    fn default() -> Self {
        FigureArgs {
            format: vec![Format::Png, Format::Svg],
            size: None,
            dpi: 150.0,
        }
    }
}

/// The pixel size and resolution of one figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Page {
    /// Width and height in pixels (the PNG's; SVG and PDF coordinates are the same
    /// pixels at `dpi` per inch).
    pub w: u32,
    pub h: u32,
    /// Pixels per inch.
    pub dpi: f64,
}

/// Largest side of a figure in pixels.
const MAX_PX: f64 = 20_000.0;

impl FigureArgs {
    /// Checks the options once, before a run starts.
    pub fn check(&self) -> Result<(), String> {
        // Before a run, not after it: a missing font must not cost the run's outputs.
        ensure_font()?;
        if !(self.dpi.is_finite() && (20.0..=2400.0).contains(&self.dpi)) {
            return Err(format!("--dpi {}: must be between 20 and 2400", self.dpi));
        }
        if self.format.is_empty() {
            return Err("--format: give at least one of png, svg, pdf".into());
        }
        if let Some(s) = self.size {
            let p = self.page((1, 1));
            let min = 2.0 * self.dpi;
            if (p.w as f64) < min.min(240.0) || (p.h as f64) < min.min(160.0) {
                return Err(format!(
                    "--size {}x{}: too small for a figure (at least about 2x1.5 in)",
                    s.w, s.h
                ));
            }
            if p.w as f64 >= MAX_PX || p.h as f64 >= MAX_PX {
                return Err(format!(
                    "--size {}x{} at {} dpi: more than {MAX_PX} pixels a side",
                    s.w, s.h, self.dpi
                ));
            }
        }
        Ok(())
    }

    /// The main figure's page: `--size`, else `default_px` pixels.
    pub fn page(&self, default_px: (u32, u32)) -> Page {
        let (w, h) = match self.size {
            None => (default_px.0 as f64, default_px.1 as f64),
            Some(Size {
                w,
                h,
                inches_per_unit: None,
            }) => (w, h),
            Some(Size {
                w,
                h,
                inches_per_unit: Some(f),
            }) => (w * f * self.dpi, h * f * self.dpi),
        };
        Page {
            w: w.round().clamp(1.0, MAX_PX) as u32,
            h: h.round().clamp(1.0, MAX_PX) as u32,
            dpi: self.dpi,
        }
    }
}

impl Page {
    /// A single-panel figure beside this one: the same width, 0.42 of it tall.
    pub fn single(&self) -> Page {
        Page {
            h: ((self.w as f64) * 0.42).round() as u32,
            ..*self
        }
    }
}

/// Renders `figures` (base path without extension, figure, page) in each format into
/// hidden temporary files beside their destinations, then renames them all into
/// place; on any failure none is left. Returns the files written.
pub fn write_all(
    figures: &[(PathBuf, &Stack, Page)],
    formats: &[Format],
) -> Result<Vec<PathBuf>, String> {
    let pending = prepare_all(figures, formats)?;
    let mut written = Vec::new();
    for f in pending {
        let dest = f.dest().to_path_buf();
        f.commit().map_err(|e| e.to_string())?;
        written.push(dest);
    }
    Ok(written)
}

/// Renders `figures` in each format into hidden temporary files beside their
/// destinations (created new, never through an existing file or link), to be put in
/// place by [`PendingFile::commit`] together with a run's other outputs; dropped, they
/// are removed.
pub fn prepare_all(
    figures: &[(PathBuf, &Stack, Page)],
    formats: &[Format],
) -> Result<Vec<PendingFile>, String> {
    let fonts = ensure_font()?;
    static SERIAL: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let mut pending = Vec::new();
    let mut seen = Vec::new();
    for (base, fig, page) in figures {
        let items =
            draw::layout(fig, *page, fonts).map_err(|e| format!("{}: {e}", base.display()))?;
        for &f in formats {
            if seen.contains(&(base, f)) {
                continue;
            }
            seen.push((base, f));
            // Append (not replace) the extension: stems like `post.v` hold dots.
            let mut dest = base.as_os_str().to_owned();
            dest.push(format!(".{}", f.ext()));
            let dest = PathBuf::from(dest);
            let name = dest
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let serial = SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let tmp = dest.with_file_name(format!(".{name}.part-{}-{serial}", std::process::id()));
            let bytes = match f {
                Format::Png => render::png(&items, *page, fonts),
                Format::Svg => Ok(render::svg(&items, *page).into_bytes()),
                Format::Pdf => render::pdf(&items, *page, fonts),
            }
            .map_err(|e| format!("{}: {e}", dest.display()))?;
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .map_err(|e| format!("{}: {e}", dest.display()))?;
            pending.push(PendingFile::new(tmp, dest.clone()));
            std::io::Write::write_all(&mut &file, &bytes)
                .map_err(|e| format!("{}: {e}", dest.display()))?;
        }
    }
    Ok(pending)
}

/// A line of a simple figure.
#[derive(Debug, Clone)]
pub struct Line {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
}

/// Marks of a simple figure, drawn as short vertical ticks.
#[derive(Debug, Clone)]
pub struct Marks {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
    pub size: u32,
}

/// A simple figure: lines, marks, an optional horizontal reference line.
pub struct Figure {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub lines: Vec<Line>,
    pub marks: Vec<Marks>,
    pub hline: Option<(f64, String)>,
}

/// Writes a simple figure as `base.png` and `base.svg` (1000 x 420 pixels).
pub fn write(fig: &Figure, base: &Path) -> Result<Vec<PathBuf>, String> {
    let x_range = fig
        .lines
        .iter()
        .flat_map(|l| &l.points)
        .chain(fig.marks.iter().flat_map(|m| &m.points))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.0), b.max(p.0))
        });
    let series = fig
        .lines
        .iter()
        .map(|l| Series {
            name: l.name.clone(),
            color: l.color,
            points: l.points.clone(),
            right: false,
            legend: true,
        })
        .collect();
    let stack = Stack {
        x_label: fig.x_label.clone(),
        x_range,
        letters: false,
        panels: vec![Panel {
            title: fig.title.clone(),
            weight: 1.0,
            kind: PanelKind::Traces(Traces {
                y_label: fig.y_label.clone(),
                series,
                hline: fig.hline.clone(),
                lane: None,
                y2_label: None,
                from_zero: false,
                marks: fig.marks.clone(),
            }),
        }],
    };
    let page = Page {
        w: 1000,
        h: 420,
        dpi: 150.0,
    };
    write_all(
        &[(base.to_path_buf(), &stack, page)],
        &[Format::Png, Format::Svg],
    )
}

/// The time axis: milliseconds, or seconds for 10 s or more. Returns the axis label
/// and the divisor that turns milliseconds into its unit.
pub fn time_unit(start_ms: f64, end_ms: f64) -> (&'static str, f64) {
    if (end_ms - start_ms).abs() >= 10_000.0 {
        ("time (s)", 1000.0)
    } else {
        ("time (ms)", 1.0)
    }
}

/// Where the time axis starts for samples from `first` to `last` ms: at 0 when the
/// first sample is within a step or 5 % of the span after it (as `ngc run`'s t0 = dt).
pub fn axis_start(first: f64, last: f64) -> f64 {
    if first >= 0.0 && first <= ((last - first) * 0.05).max(1.0) {
        0.0
    } else {
        first
    }
}

/// A duration for a label: `10 ms`, `2.5 s`.
pub fn duration(ms: f64) -> String {
    let trim = |x: f64| {
        let s = format!("{x:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    if ms >= 1000.0 {
        format!("{} s", trim(ms / 1000.0))
    } else {
        format!("{} ms", trim(ms))
    }
}
