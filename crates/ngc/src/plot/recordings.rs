//! `ngc plot`: figures of recordings written by `ngc run`, read as streams.
//!
//! A trace (`COMP.FIELD.npy`, float32 `(steps, batch, units)`, or `(steps, units)`,
//! or `(steps,)`) and spike events (`COMP.FIELD.spikes.npy`, int32 rows `(step,
//! unit)` or `(step, row, unit)`) are read in blocks of at most 256 KiB after their
//! header has been checked against the file's length, and summarised into a fixed
//! number of time buckets: memory does not depend on the recording's length, and a
//! header that claims more than the file holds is an error naming the file.
//!
//! The time axis comes from the recording's sidecar (`COMP.FIELD.json`, see
//! [`super::sidecar`]); `--dt` overrides its step; with neither, 0.1 ms is assumed
//! and said on stderr. `--threshold` is drawn on membrane-potential traces only
//! (field `v`), where a threshold means something.

use super::decimate::{Buckets, Envelope, SpikeBuckets, BUCKETS};
use super::draw::{tick_label, Band, Panel, PanelKind, Raster, Series, Stack, Tick, Traces};
use super::sidecar::Sidecar;
use super::{axis_start, duration, prepare_all, time_unit, FigureArgs, PendingFile, PALETTE};
use ngclearn::core::context::{CompartmentRef, Model};
use ngclearn::io::npy::{open_regular, read_header};
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// What `ngc plot` was asked.
pub struct PlotRequest<'a> {
    pub files: &'a [PathBuf],
    /// `--dt`: overrides the sidecars' step (ms).
    pub dt: Option<f64>,
    /// `--threshold`: drawn on `v` traces.
    pub threshold: Option<f64>,
    /// `--max-units`: units drawn per trace.
    pub max_units: usize,
    pub out: &'a Path,
    pub figure: &'a FigureArgs,
}

/// What `ngc plot` did: lines for stdout (each recording's time axis) and the files
/// written.
pub struct PlotReport {
    pub lines: Vec<String>,
    pub written: Vec<PathBuf>,
}

/// Read buffer: the memory a recording takes while read, whatever its length.
const BLOCK: usize = 1 << 18;

/// Most units drawn from one trace.
const MAX_TRACE_UNITS: usize = 64;

enum Data {
    Trace {
        envs: Vec<Envelope>,
        units: usize,
        batch: usize,
    },
    Spikes(SpikeBuckets),
}

struct Recording {
    file: PathBuf,
    stem: String,
    meta: Option<Sidecar>,
    t0: f64,
    dt: f64,
    buckets: Buckets,
    data: Data,
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}

/// Opens `path` and checks its header; returns the reader at the data and the header.
fn open(path: &Path) -> Result<(BufReader<std::fs::File>, ngclearn::io::npy::NpyHeader), String> {
    let mut f = open_regular(path).map_err(|e| e.to_string())?;
    let h = read_header(path, &mut f).map_err(|e| e.to_string())?;
    f.seek(SeekFrom::Start(h.data_offset))
        .map_err(|e| format!("{}: {e}", shown(path)))?;
    Ok((BufReader::with_capacity(BLOCK, f), h))
}

/// Streams `rows` rows of `row_len` little-endian 4-byte values, handing `f` the row
/// index and the first `take` values of each row (as raw words).
fn stream_rows(
    path: &Path,
    r: &mut BufReader<std::fs::File>,
    rows: usize,
    row_len: usize,
    take: usize,
    mut f: impl FnMut(usize, &[u32]) -> Result<(), String>,
) -> Result<(), String> {
    let io = |e: std::io::Error| format!("{}: {e}", shown(path));
    let take = take.min(row_len);
    let mut bytes = vec![0u8; BLOCK];
    let mut words = vec![0u32; take.max(1)];
    if row_len * 4 <= BLOCK && row_len > 0 {
        let per = BLOCK / (row_len * 4);
        let mut k = 0;
        while k < rows {
            let n = per.min(rows - k);
            let chunk = &mut bytes[..n * row_len * 4];
            r.read_exact(chunk).map_err(io)?;
            for (i, row) in chunk.chunks_exact(row_len * 4).enumerate() {
                for (w, b) in words.iter_mut().zip(row.chunks_exact(4)).take(take) {
                    *w = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                }
                f(k + i, &words[..take])?;
            }
            k += n;
        }
    } else {
        for k in 0..rows {
            let chunk = &mut bytes[..take * 4];
            r.read_exact(chunk).map_err(io)?;
            for (w, b) in words.iter_mut().zip(chunk.chunks_exact(4)) {
                *w = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
            f(k, &words[..take])?;
            r.seek_relative(((row_len - take) * 4) as i64).map_err(io)?;
        }
    }
    Ok(())
}

fn read_trace(path: &Path, max_units: usize) -> Result<(Buckets, Data), String> {
    let (mut r, h) = open(path)?;
    if !matches!(h.descr.as_str(), "<f4" | "|f4") {
        return Err(format!(
            "{}: expected a float32 trace (steps, batch, units), got dtype {}{}",
            shown(path),
            h.descr,
            if h.descr == "<i4" {
                " (spike events are named COMP.FIELD.spikes.npy)"
            } else {
                ""
            }
        ));
    }
    let (steps, batch, units) = match h.shape[..] {
        [n] => (n, 1, 1),
        [n, u] => (n, 1, u),
        [n, b, u] => (n, b, u),
        _ => {
            return Err(format!(
                "{}: expected a trace of shape (steps, batch, units), got {:?}",
                shown(path),
                h.shape
            ))
        }
    };
    let row_len = batch * units;
    let drawn = units.min(max_units).min(MAX_TRACE_UNITS);
    let buckets = Buckets::new(steps, BUCKETS);
    let mut envs: Vec<Envelope> = (0..drawn).map(|_| Envelope::new(buckets)).collect();
    stream_rows(path, &mut r, steps, row_len, drawn, |k, row| {
        for (e, &w) in envs.iter_mut().zip(row) {
            e.push(k, f32::from_bits(w));
        }
        Ok(())
    })?;
    Ok((buckets, Data::Trace { envs, units, batch }))
}

fn read_spikes(path: &Path, meta: Option<&Sidecar>) -> Result<(Buckets, Data), String> {
    let bad_dtype = |d: &str| {
        format!(
            "{}: expected int32 spike events (step, unit) or (step, row, unit), got dtype {d}",
            shown(path)
        )
    };
    let (mut r, h) = open(path)?;
    if h.descr != "<i4" {
        return Err(bad_dtype(&h.descr));
    }
    let (rows, cols) = match h.shape[..] {
        [n, c @ (2 | 3)] => (n, c),
        _ => {
            return Err(format!(
                "{}: expected spike events of shape (N, 2) or (N, 3), got {:?}",
                shown(path),
                h.shape
            ))
        }
    };
    // First pass: the extent of steps, rows and units.
    let (mut max_step, mut max_row, mut max_unit) = (0usize, 0usize, 0usize);
    stream_rows(path, &mut r, rows, cols, cols, |i, w| {
        if w.iter().any(|&x| (x as i32) < 0) {
            return Err(format!(
                "{}: event {i} has a negative entry {:?}",
                shown(path),
                w.iter().map(|&x| x as i32).collect::<Vec<_>>()
            ));
        }
        max_step = max_step.max(w[0] as usize);
        max_unit = max_unit.max(w[cols - 1] as usize);
        if cols == 3 {
            max_row = max_row.max(w[1] as usize);
        }
        Ok(())
    })?;
    let shape = meta.and_then(|m| m.shape.clone()).unwrap_or_default();
    let units = (max_unit + 1).max(shape.last().copied().unwrap_or(0));
    let batch = (max_row + 1).max(if cols == 3 {
        shape.first().copied().unwrap_or(0)
    } else {
        1
    });
    let steps = if rows == 0 { 0 } else { max_step + 1 };
    let steps = steps.max(meta.and_then(|m| m.steps).unwrap_or(0));
    let buckets = Buckets::new(steps, BUCKETS);
    let mut sb = SpikeBuckets::new(buckets, batch.saturating_mul(units));
    // Second pass: into the buckets.
    let (mut r, _) = open(path)?;
    stream_rows(path, &mut r, rows, cols, cols, |_, w| {
        let (row, unit) = if cols == 3 {
            (w[1] as usize, w[2] as usize)
        } else {
            (0, w[1] as usize)
        };
        sb.push(
            w[0] as usize,
            row.saturating_mul(units).saturating_add(unit),
        );
        Ok(())
    })?;
    Ok((buckets, Data::Spikes(sb)))
}

/// A number for a message: no trailing zeros.
fn plain(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

/// Units of a compartment, from its class's schema.
fn units_of(meta: Option<&Sidecar>) -> Option<&'static str> {
    let m = meta?;
    let schema = ngclearn::core::class::Registry::builtin()
        .get(m.class.as_deref()?)?
        .schema;
    let field = m.field.as_deref()?;
    schema
        .compartments
        .iter()
        .find(|c| c.name == field)
        .map(|c| c.units)
        .filter(|u| !u.is_empty())
}

impl Recording {
    fn field(&self) -> String {
        self.meta
            .as_ref()
            .and_then(|m| m.field.clone())
            .unwrap_or_else(|| {
                let s = self.stem.trim_end_matches(".spikes");
                s.rsplit('.').next().unwrap_or(s).to_string()
            })
    }

    fn name(&self) -> String {
        match self.meta.as_ref().map(|m| (&m.component, &m.field)) {
            Some((Some(c), Some(f))) => format!("{c}:{f}"),
            _ => self.stem.trim_end_matches(".spikes").to_string(),
        }
    }

    fn first_ms(&self) -> f64 {
        self.t0
    }

    fn last_ms(&self) -> f64 {
        self.t0 + self.buckets.steps.saturating_sub(1) as f64 * self.dt
    }

    fn panel(&self, index: usize, threshold: Option<f64>, div: f64) -> Panel {
        let x = |step: f64| (self.t0 + step * self.dt) / div;
        match &self.data {
            Data::Spikes(sb) => {
                let mut ticks = Vec::new();
                for r in 0..sb.rows() {
                    for (a, b) in sb.runs(r) {
                        let (first, _) = self.buckets.span(a);
                        let (last, n) = self.buckets.span(b);
                        ticks.push(Tick {
                            x0: x(first as f64),
                            x1: x((last + n.max(1) - 1) as f64),
                            row: r,
                        });
                    }
                }
                let mut title = format!("{} spikes", self.name());
                if self.buckets.width > 1 {
                    title += &format!(
                        " (a tick marks \u{2265}1 spike within {})",
                        duration(self.buckets.width as f64 * self.dt)
                    );
                }
                if sb.rows() < sb.cells() {
                    title += &format!(", {} cells on {} rows", sb.cells(), sb.rows());
                }
                Panel {
                    title,
                    // A panel for a few cells need not be as tall as one for many.
                    weight: (0.3 + sb.rows() as f64 / 40.0).min(1.2),
                    kind: PanelKind::Raster(Raster {
                        bands: vec![Band {
                            name: self.name(),
                            color: PALETTE[index % PALETTE.len()],
                            rows: sb.rows(),
                            numbered: true,
                            ticks,
                        }],
                    }),
                }
            }
            Data::Trace { envs, units, batch } => {
                let field = self.field();
                let unit = units_of(self.meta.as_ref());
                let series = envs
                    .iter()
                    .enumerate()
                    .map(|(u, e)| Series {
                        name: format!("unit {u}"),
                        color: PALETTE[u % PALETTE.len()],
                        points: e.polyline().into_iter().map(|(k, v)| (x(k), v)).collect(),
                        right: false,
                        legend: envs.len() > 1,
                    })
                    .collect();
                let mut title = self.name();
                let adapts = self
                    .meta
                    .as_ref()
                    .and_then(|m| m.threshold_adapts.as_deref())
                    .filter(|_| field == "v");
                if adapts.is_some() {
                    title += " (its threshold adapts)";
                }
                if *batch > 1 {
                    title += &format!(" (batch row 0 of {batch})");
                }
                if envs.len() < *units {
                    title += &format!(" (units 0-{} of {units})", envs.len().saturating_sub(1));
                }
                // --threshold, else the cell's own when it is fixed; a line given for
                // a threshold that adapts says it is the base value.
                let own = self
                    .meta
                    .as_ref()
                    .and_then(|m| m.threshold)
                    .filter(|_| adapts.is_none());
                let hline = threshold.or(own).filter(|_| field == "v").map(|t| {
                    (
                        t,
                        format!(
                            "{}threshold ({}{})",
                            if adapts.is_some() { "base " } else { "" },
                            tick_label(t, if t.fract() == 0.0 { 0 } else { 2 }),
                            unit.map(|u| format!(" {u}")).unwrap_or_default()
                        ),
                    )
                });
                Panel {
                    title,
                    weight: 1.0,
                    kind: PanelKind::Traces(Traces {
                        y_label: match unit {
                            Some(u) => format!("{field} ({u})"),
                            None => field,
                        },
                        series,
                        hline,
                        lane: None,
                        y2_label: None,
                        from_zero: false,
                        marks: vec![],
                    }),
                }
            }
        }
    }
}

/// Draws each recording (`OUT/COMP.FIELD.FORMAT`) and, for two or more, all of them
/// over one time axis (`OUT/stacked.FORMAT`, rasters first).
pub fn plot_files(req: &PlotRequest) -> Result<PlotReport, String> {
    req.figure.check()?;
    if let Some(dt) = req.dt {
        if !(dt.is_finite() && dt > 0.0) {
            return Err(format!("--dt {dt}: must be a positive number of ms"));
        }
    }
    let mut recs = Vec::new();
    let mut lines = Vec::new();
    // Said on stderr once every file has been read.
    let mut notes = Vec::new();
    for f in req.files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let stem = name
            .strip_suffix(".npy")
            .ok_or_else(|| format!("{}: not a .npy recording", shown(f)))?
            .to_string();
        let meta = Sidecar::read_for(f)?;
        let spikes = match meta.as_ref().and_then(|m| m.kind.as_deref()) {
            Some("spikes") => true,
            Some("trace") => false,
            _ => stem.ends_with(".spikes"),
        };
        let dt = match (req.dt, &meta) {
            (Some(dt), _) => dt,
            (None, Some(m)) => m.dt_ms(),
            (None, None) => {
                notes.push(format!(
                    "ngc plot: {}: no sidecar {} and no --dt: assuming dt = 0.1 ms",
                    shown(f),
                    super::sidecar::path_of(f)
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default()
                ));
                0.1
            }
        };
        let t0 = meta.as_ref().and_then(Sidecar::t0_ms).unwrap_or(dt);
        let (buckets, data) = if spikes {
            read_spikes(f, meta.as_ref())?
        } else {
            read_trace(f, req.max_units)?
        };
        if let (Some(m), Data::Trace { .. }) = (&meta, &data) {
            if m.steps.is_some_and(|s| s != buckets.steps) {
                notes.push(format!(
                    "ngc plot: {}: {} rows, its sidecar says {} steps",
                    shown(f),
                    buckets.steps,
                    m.steps.unwrap_or(0)
                ));
            }
        }
        let rec = Recording {
            file: f.clone(),
            stem,
            meta,
            t0,
            dt,
            buckets,
            data,
        };
        lines.push(format!(
            "{}: {} steps of {} ms, time axis {}-{} ms",
            shown(&rec.file),
            rec.buckets.steps,
            plain(dt),
            plain(rec.first_ms()),
            plain(rec.last_ms())
        ));
        recs.push(rec);
    }
    if let Some(t) = req.threshold {
        for r in &recs {
            let adapts = r.meta.as_ref().and_then(|m| m.threshold_adapts.as_deref());
            if let (Some(why), "v", Data::Trace { .. }) = (adapts, r.field().as_str(), &r.data) {
                notes.push(format!(
                    "ngc plot: warning: --threshold {} is drawn on {}, but that cell's threshold adapts ({why}); the line is not where it spikes",
                    plain(t),
                    r.name()
                ));
            }
        }
    }
    for n in notes {
        eprintln!("{n}");
    }
    std::fs::create_dir_all(req.out).map_err(|e| format!("{}: {e}", shown(req.out)))?;
    let mut written = Vec::new();
    for f in figures(recs, req.out, req.threshold, req.figure)? {
        let dest = f.dest().to_path_buf();
        f.commit().map_err(|e| e.to_string())?;
        written.push(dest);
    }
    Ok(PlotReport { lines, written })
}

/// The figures of `recs` (one per recording and, for two or more, `stacked`), ready
/// in `out` to be put in place.
fn figures(
    mut recs: Vec<Recording>,
    out: &Path,
    threshold: Option<f64>,
    figure: &FigureArgs,
) -> Result<Vec<PendingFile>, String> {
    let req = Figures {
        out,
        threshold,
        figure,
    };
    // Rasters on top, then traces, each in the order given.
    recs.sort_by_key(|r| !matches!(r.data, Data::Spikes(_)));
    let n = recs.len();
    let page = req
        .figure
        .page((1000, (120 + 280 * n.max(1)).min(12_000) as u32));
    let stacks_of = |list: &[&Recording]| {
        let first = list
            .iter()
            .map(|r| r.first_ms())
            .fold(f64::INFINITY, f64::min);
        let last = list
            .iter()
            .map(|r| r.last_ms())
            .fold(f64::NEG_INFINITY, f64::max);
        let start = axis_start(first, last);
        let (label, div) = time_unit(start, last);
        let mut raster_index = 0;
        let panels = list
            .iter()
            .map(|r| {
                let i = raster_index;
                if matches!(r.data, Data::Spikes(_)) {
                    raster_index += 1;
                }
                let mut panel = r.panel(i, req.threshold, div);
                if let PanelKind::Traces(t) = &mut panel.kind {
                    t.series.extend(moving_threshold(r, &recs, div));
                }
                panel
            })
            .collect();
        Stack {
            panels,
            x_label: label.to_string(),
            x_range: (start / div, last / div),
            letters: list.len() > 1,
        }
    };
    // A raster's figure is named like its compartment (`COMP.FIELD`), unless a trace
    // of the same compartment is drawn too (then `COMP.FIELD.spikes`).
    let figure_name = |r: &Recording| {
        let short = r.stem.trim_end_matches(".spikes");
        if short != r.stem && recs.iter().any(|o| o.stem == short) {
            r.stem.clone()
        } else {
            short.to_string()
        }
    };
    let singles: Vec<(PathBuf, Stack)> = recs
        .iter()
        .map(|r| (req.out.join(figure_name(r)), stacks_of(&[r])))
        .collect();
    let mut figures: Vec<(PathBuf, &Stack, super::Page)> = singles
        .iter()
        .map(|(p, s)| (p.clone(), s, page.single()))
        .collect();
    let stacked = (n >= 2).then(|| stacks_of(&recs.iter().collect::<Vec<_>>()));
    if let Some(s) = &stacked {
        figures.push((req.out.join("stacked"), s, page));
    }
    prepare_all(&figures, &req.figure.format)
}

/// The threshold over time of a cell's `v` whose threshold adapts, when the offset
/// that moves it is among the recordings (`LIFCell` and `QuadLIFCell`: `thr +
/// thr_theta`): a grey line per unit drawn of both.
fn moving_threshold(v: &Recording, recs: &[Recording], div: f64) -> Vec<Series> {
    let Some(meta) = v.meta.as_ref() else {
        return Vec::new();
    };
    let (Some(thr), Some(_), Some(component), "v") = (
        meta.threshold,
        meta.threshold_adapts.as_ref(),
        meta.component.as_deref(),
        v.field().as_str(),
    ) else {
        return Vec::new();
    };
    if !matches!(meta.class.as_deref(), Some("LIFCell" | "QuadLIFCell")) {
        return Vec::new();
    }
    let Data::Trace { envs: drawn, .. } = &v.data else {
        return Vec::new();
    };
    let Some((theta, offsets)) = recs.iter().find_map(|r| match &r.data {
        Data::Trace { envs, .. }
            if r.field() == "thr_theta"
                && r.meta.as_ref().and_then(|m| m.component.as_deref()) == Some(component) =>
        {
            Some((r, envs))
        }
        _ => None,
    }) else {
        return Vec::new();
    };
    let x = |step: f64| (theta.t0 + step * theta.dt) / div;
    offsets
        .iter()
        .take(drawn.len())
        .enumerate()
        .map(|(u, e)| Series {
            name: "threshold (thr + thr_theta)".into(),
            color: THRESHOLD,
            points: e
                .polyline()
                .into_iter()
                .map(|(k, y)| (x(k), thr + y))
                .collect(),
            right: false,
            legend: u == 0,
        })
        .collect()
}

/// The colour of a threshold that moves (the grey of a fixed threshold's dashes).
const THRESHOLD: plotters::style::RGBColor = plotters::style::RGBColor(90, 90, 90);

/// Where and how [`figures`] draws.
struct Figures<'a> {
    out: &'a Path,
    threshold: Option<f64>,
    figure: &'a FigureArgs,
}

/// A compartment drawn as `ngc run --plot` goes: summarised step by step into the
/// buckets `ngc plot` reads its file into, so that the figures are those `ngc plot`
/// draws of the recording (and a compartment not written to a file can be drawn too).
pub struct Live {
    rec: Recording,
    source: CompartmentRef,
    cells: usize,
    buf: Vec<f32>,
}

impl Live {
    /// Follows `source`, described by `meta` (its kind, shape and time axis), for
    /// `steps` steps; `stem` names its figure (`COMP.FIELD` or `COMP.FIELD.spikes`).
    pub fn new(
        source: CompartmentRef,
        meta: Sidecar,
        stem: String,
        steps: usize,
        max_units: usize,
    ) -> Live {
        let (batch, units) = match meta.shape.as_deref() {
            Some(&[b, u]) => (b, u),
            _ => (1, 1),
        };
        let buckets = Buckets::new(steps, BUCKETS);
        let data = if meta.kind.as_deref() == Some("spikes") {
            Data::Spikes(SpikeBuckets::new(buckets, batch * units))
        } else {
            let drawn = units.min(max_units).min(MAX_TRACE_UNITS);
            Data::Trace {
                envs: (0..drawn).map(|_| Envelope::new(buckets)).collect(),
                units,
                batch,
            }
        };
        let dt = meta.dt_ms();
        Live {
            rec: Recording {
                file: PathBuf::from(format!("{stem}.npy")),
                stem,
                t0: meta.t0_ms().unwrap_or(dt),
                dt,
                meta: Some(meta),
                buckets,
                data,
            },
            source,
            cells: batch * units,
            buf: vec![0.0; batch * units],
        }
    }

    /// Takes in step `k` (batch row 0 of a trace; every cell of a raster).
    pub fn push(&mut self, m: &mut Model, k: usize) -> ngclearn::Result<()> {
        match &mut self.rec.data {
            Data::Spikes(sb) => {
                // Encoders and LIF cells list their spikes: no need to look at every cell.
                if let Some(list) = m.nonzero(self.source)? {
                    for &i in list {
                        sb.push(k, i as usize);
                    }
                } else {
                    m.read_into(self.source, &mut self.buf[..self.cells])?;
                    for (i, &x) in self.buf.iter().enumerate() {
                        if x != 0.0 {
                            sb.push(k, i);
                        }
                    }
                }
            }
            Data::Trace { envs, .. } => {
                // The compartment as it is held, or a copy of it (a gathered block).
                let mut push = |values: &mut dyn Iterator<Item = f32>| {
                    envs.iter_mut().zip(values).for_each(|(e, x)| e.push(k, x));
                };
                match m.view(self.source)? {
                    Some(a) => push(&mut a.iter().copied()),
                    None => {
                        m.read_into(self.source, &mut self.buf[..self.cells])?;
                        push(&mut self.buf.iter().copied());
                    }
                }
            }
        }
        Ok(())
    }
}

/// The figures of `lives` into `out` (as `ngc plot` of their files would draw them),
/// ready to be put in place with the run's other outputs.
pub fn prepare_live(
    lives: Vec<Live>,
    out: &Path,
    figure: &FigureArgs,
) -> Result<Vec<PendingFile>, String> {
    if lives.is_empty() {
        return Ok(Vec::new());
    }
    figures(
        lives.into_iter().map(|l| l.rec).collect(),
        out,
        None,
        figure,
    )
}
