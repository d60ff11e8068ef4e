//! Figures: voltage traces with spike ticks and the threshold, conductances, spike
//! rasters and population rates, as PNG and SVG (plotters).

use ngclearn::prelude::*;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::result::Result;

/// A line of a figure.
pub struct Line {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
}

/// Point marks (raster dots, spike ticks).
pub struct Marks {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
    pub size: u32,
}

/// One figure: lines, marks, an optional horizontal reference line.
pub struct Figure {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub lines: Vec<Line>,
    pub marks: Vec<Marks>,
    pub hline: Option<(f64, String)>,
}

pub const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(90, 90, 90),
];

const SIZE: (u32, u32) = (1000, 420);

/// Registers a TrueType font for text (once): `$NGC_FONT`, else DejaVu Sans or
/// Liberation Sans from the usual system places.
fn ensure_font() -> Result<(), String> {
    static FONT: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    FONT.get_or_init(|| {
        let candidates: Vec<PathBuf> = std::env::var_os("NGC_FONT")
            .map(PathBuf::from)
            .into_iter()
            .chain(
                [
                    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                    "/usr/share/fonts/TTF/DejaVuSans.ttf",
                    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
                    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
                    "/System/Library/Fonts/Supplemental/Arial.ttf",
                    "/Library/Fonts/Arial.ttf",
                ]
                .map(PathBuf::from),
            )
            .collect();
        for p in &candidates {
            if let Ok(bytes) = std::fs::read(p) {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return Ok(());
                }
            }
        }
        Err("no TrueType font found for plot text: install fonts-dejavu-core or set NGC_FONT=/path/to/font.ttf".to_string())
    })
    .clone()
}

fn bounds(fig: &Figure) -> ((f64, f64), (f64, f64)) {
    let all = fig
        .lines
        .iter()
        .flat_map(|l| l.points.iter())
        .chain(fig.marks.iter().flat_map(|m| m.points.iter()));
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for &(x, y) in all.chain(
        fig.hline
            .iter()
            .map(|(y, _)| (f64::NAN, *y))
            .collect::<Vec<_>>()
            .iter(),
    ) {
        if x.is_finite() {
            x0 = x0.min(x);
            x1 = x1.max(x);
        }
        if y.is_finite() {
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
    }
    if !x0.is_finite() {
        (x0, x1) = (0.0, 1.0);
    }
    if !y0.is_finite() {
        (y0, y1) = (0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let pad = ((y1 - y0) * 0.06).max(1e-6);
    ((x0, x1), (y0 - pad, y1 + pad))
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, fig: &Figure) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let ((x0, x1), (y0, y1)) = bounds(fig);
    let mut chart = ChartBuilder::on(&root)
        .caption(&fig.title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    let fmt = |step: f64| {
        move |v: &f64| {
            if step >= 5.0 {
                format!("{v:.0}")
            } else if step >= 0.5 {
                format!("{v:.1}")
            } else {
                format!("{v:.3}")
            }
        }
    };
    let (xf, yf) = (fmt((x1 - x0) / 10.0), fmt((y1 - y0) / 6.0));
    chart
        .configure_mesh()
        .x_desc(&fig.x_label)
        .y_desc(&fig.y_label)
        .x_labels(10)
        .y_labels(6)
        .x_label_formatter(&xf)
        .y_label_formatter(&yf)
        .light_line_style(RGBColor(245, 245, 245))
        .bold_line_style(RGBColor(225, 225, 225))
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    if let Some((y, name)) = &fig.hline {
        chart
            .draw_series(LineSeries::new(
                [(x0, *y), (x1, *y)],
                ShapeStyle::from(&RGBColor(120, 120, 120)).stroke_width(1),
            ))
            .map_err(err)?
            .label(name.clone())
            .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], RGBColor(120, 120, 120)));
    }
    for l in &fig.lines {
        let c = l.color;
        let width = if l.points.len() > 2000 { 1 } else { 2 };
        chart
            .draw_series(LineSeries::new(
                l.points.iter().copied(),
                ShapeStyle::from(&c).stroke_width(width),
            ))
            .map_err(err)?
            .label(l.name.clone())
            .legend(move |(x, y)| {
                PathElement::new([(x, y), (x + 18, y)], ShapeStyle::from(&c).stroke_width(2))
            });
    }
    for m in &fig.marks {
        let (c, s) = (m.color, m.size);
        chart
            .draw_series(m.points.iter().map(|&p| Circle::new(p, s, c.filled())))
            .map_err(err)?
            .label(m.name.clone())
            .legend(move |(x, y)| Circle::new((x + 9, y), 4, c.filled()));
    }
    let named = fig.lines.len() + fig.marks.len() + usize::from(fig.hline.is_some());
    if named > 1 || fig.hline.is_some() {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .label_font(("sans-serif", 14))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(err)?;
    }
    root.present().map_err(err)
}

/// Writes `fig` as `base.png` and `base.svg`, returning both paths. Each is written
/// to a temporary name and renamed, so a failure leaves no partial file.
pub fn write(fig: &Figure, base: &Path) -> Result<Vec<PathBuf>, String> {
    ensure_font()?;
    let mut out = Vec::new();
    for ext in ["png", "svg"] {
        // Append (not replace) the extension: stems like `post.v` hold dots.
        let with = |suffix: String| {
            let mut p = base.as_os_str().to_owned();
            p.push(suffix);
            PathBuf::from(p)
        };
        let path = with(format!(".{ext}"));
        let tmp = with(format!(".tmp-{}.{ext}", std::process::id()));
        let res = if ext == "png" {
            draw(BitMapBackend::new(&tmp, SIZE).into_drawing_area(), fig)
        } else {
            draw(SVGBackend::new(&tmp, SIZE).into_drawing_area(), fig)
        };
        if let Err(e) = res.and_then(|_| std::fs::rename(&tmp, &path).map_err(|e| e.to_string())) {
            let _ = std::fs::remove_file(&tmp);
            return Err(format!("{}: {e}", path.display()));
        }
        out.push(path);
    }
    Ok(out)
}

/// Spike counts of a raster binned into `bin_ms` bins, as a rate in Hz per cell.
pub fn rate_line(
    name: &str,
    steps: &[usize],
    cells: usize,
    n_steps: usize,
    dt: f64,
    bin_ms: f64,
    color: RGBColor,
) -> Line {
    let per_bin = ((bin_ms / dt).round() as usize).max(1);
    let bins = n_steps.div_ceil(per_bin).max(1);
    let mut counts = vec![0usize; bins];
    for &s in steps {
        counts[(s / per_bin).min(bins - 1)] += 1;
    }
    let points = counts
        .iter()
        .enumerate()
        .map(|(b, &c)| {
            (
                (b as f64 + 0.5) * per_bin as f64 * dt,
                c as f64 / cells.max(1) as f64 / (per_bin as f64 * dt / 1000.0),
            )
        })
        .collect();
    Line {
        name: format!("{name} ({cells} cells)"),
        points,
        color,
    }
}

/// What the default run records for its figures.
pub struct EiTrace {
    v: CompartmentRef,
    s: CompartmentRef,
    g_exc: CompartmentRef,
    g_inh: CompartmentRef,
    pre: [(CompartmentRef, usize); 2],
    thr: f32,
    steps: usize,
    buf: Vec<f32>,
    pub v_trace: Vec<f32>,
    pub g_trace: [Vec<f32>; 2],
    pub post_spikes: Vec<usize>,
    pub pre_spikes: [Vec<(usize, usize)>; 2],
}

impl EiTrace {
    pub fn new(m: &Model, steps: usize) -> Result<EiTrace, String> {
        let c = |p: &str| m.compartment(p).map_err(|e| e.to_string());
        let thr = m
            .component_as::<LIFCell>("post_exc")
            .map_or(-55.0, |l| l.params().thr);
        let (pe, pi) = (c("pre_exc:outputs")?, c("pre_inh:outputs")?);
        let width = m.shape_of(pe).1.max(m.shape_of(pi).1);
        Ok(EiTrace {
            v: c("post_exc:v")?,
            s: c("post_exc:s")?,
            g_exc: c("Wexc:g_syn")?,
            g_inh: c("Winh:g_syn")?,
            pre: [(pe, m.shape_of(pe).1), (pi, m.shape_of(pi).1)],
            thr,
            steps,
            buf: vec![0.0; width],
            v_trace: Vec::with_capacity(steps),
            g_trace: [Vec::with_capacity(steps), Vec::with_capacity(steps)],
            post_spikes: Vec::new(),
            pre_spikes: [Vec::new(), Vec::new()],
        })
    }

    /// Records step `k` (first row, first post-synaptic cell).
    pub fn push(&mut self, m: &mut Model, k: usize) -> ngclearn::Result<()> {
        let one = |m: &Model, r| m.view(r).map_or(0.0, |a| a[[0, 0]]);
        self.v_trace.push(one(m, self.v));
        if one(m, self.s) > 0.0 {
            self.post_spikes.push(k);
        }
        self.g_trace[0].push(one(m, self.g_exc));
        self.g_trace[1].push(one(m, self.g_inh));
        for (i, &(r, n)) in self.pre.iter().enumerate() {
            m.read_into(r, &mut self.buf[..n])?;
            for (u, &x) in self.buf[..n].iter().enumerate() {
                if x > 0.0 {
                    self.pre_spikes[i].push((k, u));
                }
            }
        }
        Ok(())
    }

    /// Writes voltage, conductance, raster and rate figures into `out`.
    pub fn plot(&self, out: &Path, t0: f32, dt: f32) -> Result<Vec<PathBuf>, String> {
        let dt = dt as f64;
        let t = |k: usize| t0 as f64 + k as f64 * dt;
        let mut files = Vec::new();
        let v = Figure {
            title: "post_exc membrane potential".into(),
            x_label: "time (ms)".into(),
            y_label: "v (mV)".into(),
            lines: vec![Line {
                name: "v".into(),
                points: self
                    .v_trace
                    .iter()
                    .enumerate()
                    .map(|(k, &v)| (t(k), v as f64))
                    .collect(),
                color: PALETTE[0],
            }],
            marks: vec![Marks {
                name: "spikes".into(),
                points: self
                    .post_spikes
                    .iter()
                    .map(|&k| (t(k), self.thr as f64 + 4.0))
                    .collect(),
                color: PALETTE[1],
                size: 3,
            }],
            hline: Some((self.thr as f64, format!("threshold {} mV", self.thr))),
        };
        files.extend(write(&v, &out.join("voltage"))?);
        let g = Figure {
            title: "synaptic conductances onto post_exc".into(),
            x_label: "time (ms)".into(),
            y_label: "g_syn".into(),
            lines: vec![
                Line {
                    name: "Wexc g_syn (alpha, tau 2 ms)".into(),
                    points: self.g_trace[0]
                        .iter()
                        .enumerate()
                        .map(|(k, &g)| (t(k), g as f64))
                        .collect(),
                    color: PALETTE[2],
                },
                Line {
                    name: "Winh g_syn (alpha, tau 5 ms)".into(),
                    points: self.g_trace[1]
                        .iter()
                        .enumerate()
                        .map(|(k, &g)| (t(k), g as f64))
                        .collect(),
                    color: PALETTE[1],
                },
            ],
            marks: vec![],
            hline: None,
        };
        files.extend(write(&g, &out.join("conductance"))?);
        let n_exc = self.pre[0].1;
        let raster = Figure {
            title: "spike raster".into(),
            x_label: "time (ms)".into(),
            y_label: "cell".into(),
            lines: vec![],
            marks: vec![
                Marks {
                    name: "pre_exc".into(),
                    points: self.pre_spikes[0]
                        .iter()
                        .map(|&(k, u)| (t(k), u as f64))
                        .collect(),
                    color: PALETTE[0],
                    size: 1,
                },
                Marks {
                    name: "pre_inh".into(),
                    points: self.pre_spikes[1]
                        .iter()
                        .map(|&(k, u)| (t(k), (n_exc + u) as f64))
                        .collect(),
                    color: PALETTE[1],
                    size: 1,
                },
                Marks {
                    name: "post_exc".into(),
                    points: self
                        .post_spikes
                        .iter()
                        .map(|&k| (t(k), (n_exc + self.pre[1].1 + 2) as f64))
                        .collect(),
                    color: PALETTE[5],
                    size: 2,
                },
            ],
            hline: None,
        };
        files.extend(write(&raster, &out.join("raster"))?);
        let steps_of = |v: &[(usize, usize)]| v.iter().map(|&(k, _)| k).collect::<Vec<_>>();
        let rates = Figure {
            title: "population rates (10 ms bins)".into(),
            x_label: "time (ms)".into(),
            y_label: "rate (Hz per cell)".into(),
            lines: vec![
                rate_line(
                    "pre_exc",
                    &steps_of(&self.pre_spikes[0]),
                    self.pre[0].1,
                    self.steps,
                    dt,
                    10.0,
                    PALETTE[0],
                ),
                rate_line(
                    "pre_inh",
                    &steps_of(&self.pre_spikes[1]),
                    self.pre[1].1,
                    self.steps,
                    dt,
                    10.0,
                    PALETTE[1],
                ),
                rate_line(
                    "post_exc",
                    &self.post_spikes,
                    1,
                    self.steps,
                    dt,
                    10.0,
                    PALETTE[5],
                ),
            ],
            marks: vec![],
            hline: None,
        };
        files.extend(write(&rates, &out.join("rates"))?);
        Ok(files)
    }
}
