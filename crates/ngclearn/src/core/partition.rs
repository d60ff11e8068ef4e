//! One model partitioned across processes (ranks), NEST-style: every population's cells
//! are split into blocks of columns, one block per rank, and every synapse keeps the
//! columns of the cells it targets. A rank holds its blocks; each step, the values a
//! rank needs whole (a synapse's pre-synaptic spikes, a recorded compartment) are
//! gathered from all ranks with collective calls, spikes as lists of indices.
//!
//! A partitioned description ([`Context::partitioned`]) holds this rank's part from the
//! start: each component at least as wide as the number of ranks is replaced by its
//! block as it is added ([`Component::partition`]; a class that cannot be split is an
//! error), or is built as its block alone ([`Context::add_block`]: a synapse draws only
//! its columns, with the counters of their places in the whole, so the whole model is
//! never built; the loaders do this: `load_model_file_partitioned`,
//! `load_model_dir_partitioned`). [`partition`] splits a model already built. Every
//! partitioned compartment that a whole one reads (or that the caller asks for) gets a
//! *mirror*: a component that gathers it after every call of its owner, in the same
//! order on every rank, so that the collective calls match. The numbers are those of
//! the whole model: each cell computes what it computed there, and the encoders draw
//! the JAX-compatible counters of their global indices.
//!
//! The ranks talk through an [`Exchange`]: [`ThreadExchange`] runs ranks as threads
//! of one process (for tests and for a machine without MPI), and, with the `mpi`
//! feature, `mpi_exchange::MpiExchange` over MPI.

use crate::core::component::{write, Component, WriteToken};
use crate::core::context::{Context, Model};
use crate::core::operations::Source;
use crate::core::process::Method;
use crate::core::rng::Key;
use crate::core::schema::{CompartmentInfo, Kind, MethodInfo, Schema, Size};
use crate::error::{Error, Result};
use ndarray::Array2;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Barrier, Mutex};

/// The collective calls the ranks of a partitioned model make, each by every rank in
/// the same order.
pub trait Exchange: Send + Sync + std::fmt::Debug {
    /// This rank, `0..size()`.
    fn rank(&self) -> usize;
    /// The number of ranks.
    fn size(&self) -> usize;
    /// Every rank's `local` list, concatenated in rank order, into `out`.
    fn allgather_u32(&self, local: &[u32], out: &mut Vec<u32>);
    /// Every rank's `local` values (rank `r` gives `counts[r]`), concatenated in rank
    /// order, into `out` (of length `counts.iter().sum()`).
    fn allgather_f32(&self, local: &[f32], counts: &[usize], out: &mut [f32]);
    /// Every rank's `local` list, all of the same length, concatenated in rank order into
    /// `out` (of `size()` times that length): one collective call.
    fn allgather_u32_fixed(&self, local: &[u32], out: &mut [u32]);
    /// Every rank's `local` values (rank `r` gives `counts[r]`), concatenated in rank
    /// order into rank 0's `out` (of length `counts.iter().sum()`; other ranks' `out` is
    /// not touched and may be empty).
    fn gather_f32_to_root(&self, local: &[f32], counts: &[usize], out: &mut [f32]);
    /// The bytes this rank has given to collective calls so far.
    fn bytes_sent(&self) -> u64;
    /// Ends every rank (a rank that cannot go on would leave the others waiting in a
    /// collective call). Ranks as threads of one process do nothing here.
    fn abort(&self, _code: i32) {}
}

/// The columns `0..n` rank `rank` of `size` holds: contiguous blocks, in rank order,
/// whose sizes differ by at most one.
pub fn block(n: usize, size: usize, rank: usize) -> Range<usize> {
    let at = |r: usize| ((n as u128 * r as u128) / size as u128) as usize;
    at(rank)..at(rank + 1)
}

/// A rank's block of a partitioned axis: columns `cols` of `0..width`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// The width of the whole axis (`n_post` of a synapse, `n_units` of a cell).
    pub width: usize,
    /// This rank's columns.
    pub cols: Range<usize>,
}

impl Columns {
    /// Rank `rank`'s block of `width` columns split across `size` ranks ([`block`]).
    pub fn of_rank(width: usize, size: usize, rank: usize) -> Columns {
        Columns {
            width,
            cols: block(width, size, rank),
        }
    }
}

/// Ranks as threads of one process: [`ThreadExchange::group`] makes one per rank.
#[derive(Debug)]
pub struct ThreadExchange {
    rank: usize,
    shared: Arc<Shared>,
    sent: std::sync::atomic::AtomicU64,
}

#[derive(Debug)]
struct Shared {
    size: usize,
    barrier: Barrier,
    u32s: Mutex<Vec<Vec<u32>>>,
    f32s: Mutex<Vec<Vec<f32>>>,
}

impl ThreadExchange {
    /// One exchange per rank of a group of `size`, to be moved into `size` threads.
    pub fn group(size: usize) -> Vec<ThreadExchange> {
        let shared = Arc::new(Shared {
            size,
            barrier: Barrier::new(size),
            u32s: Mutex::new(vec![Vec::new(); size]),
            f32s: Mutex::new(vec![Vec::new(); size]),
        });
        (0..size)
            .map(|rank| ThreadExchange {
                rank,
                shared: Arc::clone(&shared),
                sent: std::sync::atomic::AtomicU64::new(0),
            })
            .collect()
    }
}

impl Exchange for ThreadExchange {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.shared.size
    }
    fn allgather_u32(&self, local: &[u32], out: &mut Vec<u32>) {
        let s = &self.shared;
        {
            let mut slots = s.u32s.lock().expect("no rank panicked");
            slots[self.rank].clear();
            slots[self.rank].extend_from_slice(local);
        }
        s.barrier.wait();
        out.clear();
        for slot in s.u32s.lock().expect("no rank panicked").iter() {
            out.extend_from_slice(slot);
        }
        s.barrier.wait();
        self.sent.fetch_add(
            4 * local.len() as u64 + 4,
            std::sync::atomic::Ordering::Relaxed,
        );
    }
    fn allgather_f32(&self, local: &[f32], counts: &[usize], out: &mut [f32]) {
        let s = &self.shared;
        {
            let mut slots = s.f32s.lock().expect("no rank panicked");
            slots[self.rank].clear();
            slots[self.rank].extend_from_slice(local);
        }
        s.barrier.wait();
        {
            let slots = s.f32s.lock().expect("no rank panicked");
            let mut at = 0;
            for (slot, &n) in slots.iter().zip(counts) {
                out[at..at + n].copy_from_slice(&slot[..n]);
                at += n;
            }
        }
        s.barrier.wait();
        self.sent
            .fetch_add(4 * local.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }
    fn allgather_u32_fixed(&self, local: &[u32], out: &mut [u32]) {
        let s = &self.shared;
        {
            let mut slots = s.u32s.lock().expect("no rank panicked");
            slots[self.rank].clear();
            slots[self.rank].extend_from_slice(local);
        }
        s.barrier.wait();
        for (slot, o) in s
            .u32s
            .lock()
            .expect("no rank panicked")
            .iter()
            .zip(out.chunks_mut(local.len().max(1)))
        {
            o.copy_from_slice(&slot[..o.len()]);
        }
        s.barrier.wait();
        self.sent
            .fetch_add(4 * local.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }
    fn gather_f32_to_root(&self, local: &[f32], counts: &[usize], out: &mut [f32]) {
        let s = &self.shared;
        {
            let mut slots = s.f32s.lock().expect("no rank panicked");
            slots[self.rank].clear();
            slots[self.rank].extend_from_slice(local);
        }
        s.barrier.wait();
        if self.rank == 0 {
            let slots = s.f32s.lock().expect("no rank panicked");
            let mut at = 0;
            for (slot, &n) in slots.iter().zip(counts) {
                out[at..at + n].copy_from_slice(&slot[..n]);
                at += n;
            }
        }
        s.barrier.wait();
        self.sent
            .fetch_add(4 * local.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }
    fn bytes_sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// What a component's partition split: its name, the width of its partitioned axis
/// (`n_units` of a cell, `n_post` of a synapse) and this rank's columns of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The component's name.
    pub name: String,
    /// The width of the axis the ranks split (`None`: the component is whole on every
    /// rank).
    pub width: Option<usize>,
    /// This rank's columns.
    pub cols: Range<usize>,
    /// Which compartments (by index) are split along their columns, decided on the
    /// whole component (so alike on every rank).
    pub split: Vec<bool>,
    /// The compartments' names, by index.
    pub fields: Vec<&'static str>,
    /// Whether this rank built its block alone, without the whole component.
    pub alone: bool,
    /// Which compartments (by index) the whole component saves as a 0-d scalar when all
    /// their entries are equal ([`Component::saves_as_scalar`], asked of the whole, or of
    /// a block built alone, which keeps the whole's initialisers).
    pub scalar: Vec<bool>,
}

/// This rank's part of a partitioned model: the model of its blocks and mirrors, and
/// how the whole was split.
#[derive(Debug)]
pub struct Partitioned {
    /// The model of this rank's blocks and the mirrors.
    pub model: Model,
    /// How the whole model was split.
    pub layout: Layout,
}

/// How a model was split across ranks.
#[derive(Debug)]
pub struct Layout {
    /// The model's name.
    name: String,
    /// Each component's split, in the model's order.
    pub parts: Vec<Part>,
    /// `component:compartment` of a partitioned compartment -> the path of its mirror,
    /// which holds it whole after every call of its owner.
    pub mirrors: HashMap<String, String>,
    /// The split compartments (`component:compartment`) that a whole compartment reads
    /// through a wire (the mirrors the model needs, not only the caller).
    pub read_whole: Vec<String>,
    /// The whole model's wires (`target`, source), in its order (grouped by target
    /// component).
    pub wires: Vec<(String, Source)>,
    /// The whole model's processes, in order: name, calls (component, method), and the
    /// children of a joint process.
    pub processes: Vec<SavedProcess>,
    exchange: Arc<dyn Exchange>,
}

/// A process of the whole model, as a saved model writes it.
#[derive(Debug, Clone)]
pub struct SavedProcess {
    /// Its name.
    pub name: String,
    /// Its calls in order: component and method.
    pub calls: Vec<(String, &'static str)>,
    /// The processes a joint process is made of (`None`: a method process).
    pub children: Option<Vec<String>>,
}

impl Partitioned {
    /// Gathers every mirror again, as when the model was partitioned: after split
    /// compartments were set from outside (`Model::set`), so that the components that
    /// read them whole see the new values before their owners' next calls. Every rank
    /// must call it, in the same order as the others.
    pub fn gather_mirrors(&mut self) -> Result<()> {
        let id = self.model.process_id(FIRST_GATHER)?;
        self.model.run(id, 0.0, 1.0)
    }

    /// Where `path` can be read whole on this rank (see [`Layout::whole_path`]).
    pub fn whole_path(&self, path: &str) -> String {
        self.layout.whole_path(path)
    }

    /// Writes the state gathered from all ranks into `whole` (see [`Layout::gather`]).
    pub fn gather_into(&self, whole: &mut Model) -> Result<()> {
        self.layout.gather(&self.model, Some(whole))
    }
}

impl Layout {
    /// The exchange the ranks talk through.
    pub fn exchange(&self) -> &Arc<dyn Exchange> {
        &self.exchange
    }

    /// Whether `path` (`component:compartment`) is split across the ranks (each holds
    /// its block), rather than whole on every rank.
    pub fn is_split(&self, path: &str) -> bool {
        self.split_width(path).is_some()
    }

    /// The whole width of `path` (`component:compartment`, or with the model's name
    /// first) if it is split across the ranks.
    pub fn split_width(&self, path: &str) -> Option<usize> {
        let (comp, field) = self.local(path).split_once(':')?;
        self.parts
            .iter()
            .find(|p| p.name == comp && self.schema_index(p, field).is_some_and(|i| p.split[i]))
            .and_then(|p| p.width)
    }

    /// This rank's block of `path` (`component:compartment`) if it is split.
    pub fn columns_of(&self, path: &str) -> Option<Columns> {
        let (comp, field) = self.local(path).split_once(':')?;
        self.parts
            .iter()
            .find(|p| p.name == comp && self.schema_index(p, field).is_some_and(|i| p.split[i]))
            .and_then(|p| {
                Some(Columns {
                    width: p.width?,
                    cols: p.cols.clone(),
                })
            })
    }

    /// `path` without the model's name in front (ngclearn's full paths carry it).
    fn local<'a>(&self, path: &'a str) -> &'a str {
        match path.split_once(':') {
            Some((ctx, rest)) if ctx == self.name && rest.contains(':') => rest,
            _ => path,
        }
    }

    fn schema_index(&self, part: &Part, field: &str) -> Option<usize> {
        part.fields.iter().position(|f| *f == field)
    }

    /// The sum over the ranks of one number per rank (every rank must call it).
    pub fn sum_u64(&self, x: u64) -> u64 {
        let mut all = Vec::new();
        self.exchange
            .allgather_u32(&[(x >> 32) as u32, x as u32], &mut all);
        all.chunks(2)
            .map(|c| ((c[0] as u64) << 32) | c[1] as u64)
            .sum()
    }

    /// Where `path` (`component:compartment` of the whole model) can be read whole on
    /// this rank: its mirror, or itself if it is not partitioned.
    pub fn whole_path(&self, path: &str) -> String {
        let path = self.local(path);
        self.mirrors
            .get(path)
            .cloned()
            .unwrap_or_else(|| path.to_string())
    }

    /// Gathers the state of every component of `local` (this rank's model) from all
    /// ranks and writes it into `whole` (a model of the same description as the one
    /// that was split), on the ranks that give one: every rank must call it, in the
    /// same order as the others.
    pub fn gather(&self, local: &Model, mut whole: Option<&mut Model>) -> Result<()> {
        let ex = &self.exchange;
        let mut buf = Vec::new();
        for part in &self.parts {
            let c = local
                .components()
                .find(|c| c.name() == part.name)
                .expect("a partitioned component keeps its name");
            let schema = c.schema();
            for (idx, info) in schema.compartments.iter().enumerate() {
                let path = format!("{}:{}", part.name, info.name);
                if info.kind == Kind::Key {
                    if let Some(w) = whole.as_deref_mut() {
                        w.set_key(&path, c.key())?;
                    }
                    continue;
                }
                // A wired compartment reads its source (the same on every rank).
                if local.is_wired(local.compartment(&path)?)? {
                    continue;
                }
                let a = c.array(idx).expect("array compartments are addressable");
                if !part.split[idx] {
                    if let Some(w) = whole.as_deref_mut() {
                        w.set(&path, a)?;
                    }
                    continue;
                }
                let width = part.width.expect("a split compartment has a width");
                let rows = a.nrows();
                let counts: Vec<usize> = (0..ex.size())
                    .map(|r| rows * block(width, ex.size(), r).len())
                    .collect();
                buf.resize(rows * width, 0.0);
                let flat: Vec<f32> = a.iter().copied().collect();
                ex.allgather_f32(&flat, &counts, &mut buf);
                if let Some(w) = whole.as_deref_mut() {
                    let mut full = Array2::zeros((rows, width));
                    scatter_rows(
                        &buf,
                        &counts,
                        rows,
                        width,
                        full.as_slice_mut().expect("a fresh array is contiguous"),
                    );
                    w.set(&path, &full)?;
                }
            }
        }
        Ok(())
    }
}

/// Rank `r`'s `rows x block(width)` values, row-major and concatenated in rank order in
/// `buf` (rank `r` giving `counts[r]`), into their columns of `full`, `rows x width`
/// row-major: the whole as one process holds it.
pub(crate) fn scatter_rows(
    buf: &[f32],
    counts: &[usize],
    rows: usize,
    width: usize,
    full: &mut [f32],
) {
    let size = counts.len();
    let mut at = 0;
    for (r, &n) in counts.iter().enumerate() {
        let cols = block(width, size, r);
        let w = cols.len();
        for b in 0..rows {
            full[b * width + cols.start..b * width + cols.end]
                .copy_from_slice(&buf[at + b * w..at + (b + 1) * w]);
        }
        at += n;
    }
}

/// Whether compartment `info` of a whole component (value `a`) whose split axis is
/// `width` wide is split along its columns: its shape names the split axis, it spans
/// it, and it is not the (1, 1) form of a wider axis.
fn split_axis(info: &CompartmentInfo, a: &Array2<f32>, width: Option<usize>) -> bool {
    let Some(w) = width else { return false };
    info.kind == Kind::Array
        && names_split_axis(info)
        && a.ncols() == w
        && !(info.shape.may_be_one_by_one() && a.dim() == (1, 1) && w != 1)
}

/// Whether a compartment's declared shape ends in the axis a partition splits.
fn names_split_axis(info: &CompartmentInfo) -> bool {
    info.shape.splits()
}

/// [`split_axis`] of every compartment of the whole component `c`.
fn splits(c: &dyn Component, width: Option<usize>) -> Vec<bool> {
    c.schema()
        .compartments
        .iter()
        .enumerate()
        .map(|(idx, info)| c.array(idx).is_some_and(|a| split_axis(info, a, width)))
        .collect()
}

/// The width of the axis a component's partition splits: `n_post` of a synapse (its
/// weights' columns), `n_units` of a cell; `None` if it has neither.
fn width_of(c: &dyn Component) -> Option<usize> {
    let schema = c.schema();
    let find = |a: Size, b: Size| {
        schema
            .compartments
            .iter()
            .enumerate()
            .find(|(_, i)| i.kind == Kind::Array && i.shape.is(a, b))
            .and_then(|(idx, _)| c.array(idx))
            .map(|a| a.ncols())
    };
    find(Size::Pre, Size::Post).or_else(|| find(Size::Batch, Size::Units))
}

/// Builds this rank's block of `c`, a component whose state is its keyword arguments and
/// its compartments: the class built with `n_units` (or `shape[1]`) set to the block's
/// width, then every compartment written from the block's columns of `c`'s (those of
/// other shapes whole). For [`Component::partition`] implementations.
pub fn partition_by_kwargs(c: &dyn Component, cols: Range<usize>) -> Result<Box<dyn Component>> {
    let schema = c.schema();
    let cls = c.class();
    let mut kw = c.kwargs();
    if let Some(shape) = kw.get_mut("shape") {
        if let Some([_, post]) = shape.as_array_mut().map(Vec::as_mut_slice) {
            *post = cols.len().into();
        }
    } else if let Some(n) = kw.get_mut("n_units") {
        *n = cols.len().into();
    }
    let mut k =
        crate::core::kwargs::Kwargs::new("partition", c.name(), schema.signature, &[], &kw)?;
    let mut local = cls.build(&mut k)?;
    k.finish()?;
    let split = splits(c, width_of(c));
    for (idx, info) in schema.compartments.iter().enumerate() {
        match info.kind {
            Kind::Key => local.set_key(c.key()),
            Kind::Array => {
                let a = c.array(idx).expect("array compartments are addressable");
                let v = if split[idx] {
                    a.slice(ndarray::s![.., cols.clone()]).to_owned()
                } else {
                    a.clone()
                };
                let shape_ok = local.array(idx).map(|d| d.dim()) == Some(v.dim());
                if !shape_ok {
                    return Err(Error::param(
                        c.name(),
                        info.name,
                        format!("{:?}", v.dim()),
                        "does not fit the block built from the class's arguments",
                    ));
                }
                write(&mut *local, idx, |d| d.assign(&v));
            }
        }
    }
    Ok(local)
}

/// Partitions `model` into this rank's part (see the module documentation). `whole`
/// lists the partitioned compartments (`component:compartment`) the caller wants whole
/// on every rank besides those a whole compartment reads (recordings, counters).
///
/// The whole model was built on this rank first; a description can instead be built
/// as one rank's part from the start ([`Context::partitioned`]), as the loaders do
/// (`load_model_file_partitioned`, `load_model_dir_partitioned`).
pub fn partition(model: Model, exchange: Arc<dyn Exchange>, whole: &[&str]) -> Result<Partitioned> {
    let name = model.name().to_string();
    let wires = model.wires().to_vec();
    type Calls = Vec<(String, Method)>;
    let mut procs: Vec<(String, Calls, Option<Vec<String>>)> = Vec::new();
    for id in model.process_ids() {
        let calls = model
            .process_calls(id)?
            .into_iter()
            .map(|(c, m)| (c.to_string(), m))
            .collect();
        let children = model
            .process_children(id)?
            .map(|c| c.into_iter().map(str::to_string).collect());
        procs.push((model.process_name(id)?.to_string(), calls, children));
    }
    let mut ctx = Context::partitioned(&name, exchange);
    ctx.set_parallelism(model.parallelism());
    for (c, origin) in model.into_components() {
        ctx.add_with_origin(c, origin)?;
    }
    for (target, source) in wires {
        ctx.wire(source, &target)?;
    }
    for (pname, calls, children) in &procs {
        match children {
            Some(children) => {
                let children: Vec<&str> = children.iter().map(String::as_str).collect();
                ctx.joint_process(pname, &children)?;
            }
            None => {
                let calls: Vec<(&str, Method)> =
                    calls.iter().map(|(c, m)| (c.as_str(), *m)).collect();
                ctx.process(pname, &calls)?;
            }
        }
    }
    ctx.build_partitioned(whole)
}

/// How a partitioned description splits its components: one [`Part`] per component
/// added so far, in order.
#[derive(Debug)]
pub(crate) struct Plan {
    exchange: Arc<dyn Exchange>,
    pub(crate) parts: Vec<Part>,
}

impl Plan {
    pub(crate) fn new(exchange: Arc<dyn Exchange>) -> Plan {
        Plan {
            exchange,
            parts: Vec::new(),
        }
    }

    /// The block this rank builds alone of an axis `width` wide: only where every
    /// rank's block has at least two columns, so that a `(1, 1)` compartment of a
    /// block is the broadcast form on every rank, never a one-column block.
    pub(crate) fn columns_for(&self, width: usize) -> Option<Columns> {
        let (size, rank) = (self.exchange.size(), self.exchange.rank());
        (size > 1 && width >= 2 * size).then(|| Columns::of_rank(width, size, rank))
    }

    /// The whole width of compartment `idx` of component `comp`, if it is split.
    pub(crate) fn whole_width(&self, comp: usize, idx: usize) -> Option<usize> {
        let p = self.parts.get(comp)?;
        if *p.split.get(idx)? {
            p.width
        } else {
            None
        }
    }

    /// This rank's block of the whole component `c`, and how it was split.
    pub(crate) fn split(&self, c: Box<dyn Component>) -> Result<(Box<dyn Component>, Part)> {
        let (size, rank) = (self.exchange.size(), self.exchange.rank());
        // A population narrower than the number of ranks stays whole on every rank
        // (computed alike on each): so does everything of its width, so that wires
        // between equal widths stay within a rank.
        let width = width_of(&*c).filter(|&w| w >= size);
        let cols = width.map_or(0..0, |w| block(w, size, rank));
        let split = splits(&*c, width);
        let scalar = scalars(&*c);
        refuse_custom_state(&*c, size)?;
        let local = match width {
            None => c,
            Some(w) => {
                let mut local = c.partition(cols.clone()).ok_or_else(|| {
                    Error::param(
                        c.name(),
                        "class",
                        c.schema().class,
                        "cannot be partitioned across ranks yet",
                    )
                })??;
                local.join(
                    &self.exchange,
                    &Columns {
                        width: w,
                        cols: cols.clone(),
                    },
                );
                local
            }
        };
        let part = Part {
            name: local.name().to_string(),
            width,
            cols,
            split,
            fields: local.schema().compartments.iter().map(|i| i.name).collect(),
            alone: false,
            scalar,
        };
        Ok((local, part))
    }

    /// How the block `c`, built alone as `columns` (see [`Plan::columns_for`]), is split.
    pub(crate) fn block_part(&self, c: &mut dyn Component, columns: &Columns) -> Result<Part> {
        let expected = self.columns_for(columns.width);
        if expected.as_ref() != Some(columns) || width_of(c) != Some(columns.cols.len()) {
            return Err(Error::param(
                c.name(),
                "columns",
                format!("{:?} of {}", columns.cols, columns.width),
                "is not this rank's block of the component (Context::columns_for gives it)",
            ));
        }
        refuse_custom_state(c, self.exchange.size())?;
        c.join(&self.exchange, columns);
        Ok(Part {
            name: c.name().to_string(),
            width: Some(columns.width),
            cols: columns.cols.clone(),
            split: block_splits(c, columns),
            fields: c.schema().compartments.iter().map(|i| i.name).collect(),
            alone: true,
            scalar: scalars(c),
        })
    }
}

/// Which compartments (by index) of `c`, a block of `columns` built alone (at least two
/// columns: see [`Context::columns_for`]), are split along their columns: those whose
/// shape names the split axis and that are as wide as the block (a `(1, 1)` one is
/// the broadcast form).
pub fn block_splits(c: &dyn Component, columns: &Columns) -> Vec<bool> {
    let n = columns.cols.len();
    c.schema()
        .compartments
        .iter()
        .enumerate()
        .map(|(idx, info)| {
            c.array(idx).is_some_and(|a| {
                info.kind == Kind::Array
                    && names_split_axis(info)
                    && a.ncols() == n
                    && !(info.shape.may_be_one_by_one() && a.dim() == (1, 1))
            })
        })
        .collect()
}

/// [`Component::saves_as_scalar`] of every compartment of `c`.
fn scalars(c: &dyn Component) -> Vec<bool> {
    (0..c.schema().compartments.len())
        .map(|i| c.saves_as_scalar(i))
        .collect()
}

/// A component with state beyond its compartments cannot be split: it would not come
/// back in a gather.
fn refuse_custom_state(c: &dyn Component, size: usize) -> Result<()> {
    if size > 1 && !c.custom_files().is_empty() {
        return Err(Error::param(
            c.name(),
            "class",
            c.schema().class,
            "keeps state beyond its compartments (an optimiser), so it cannot run across ranks yet",
        ));
    }
    Ok(())
}

/// Builds this rank's part of the partitioned description `ctx`
/// ([`Context::build_partitioned`]).
pub(crate) fn build_part(ctx: Context, whole: &[&str]) -> Result<Partitioned> {
    // The paths asked for whole, in their `component:compartment` form.
    let asked: Vec<String> = whole
        .iter()
        .filter_map(|p| ctx.parts.resolve_array(p).ok())
        .map(|r| ctx.parts.path(r))
        .collect();
    let Context {
        parts: described,
        wires,
        processes,
        parallelism,
        plan,
        ..
    } = ctx;
    let plan = plan.ok_or_else(|| {
        Error::param(
            &described.name,
            "build_partitioned",
            "whole",
            "the description is not partitioned (Context::partitioned makes one)",
        )
    })?;
    let Plan { exchange, parts } = plan;
    let name = described.name;
    let names: Vec<String> = described
        .components
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let mut locals: Vec<(Box<dyn Component>, Option<crate::core::context::Origin>)> = described
        .components
        .into_iter()
        .zip(described.origins)
        .collect();

    // Every rank must have split alike, or their collective calls would not match.
    let signature = split_signature(&parts);
    let mut all = Vec::new();
    exchange.allgather_u32(&[signature], &mut all);
    if let Some(r) = all.iter().position(|&s| s != signature) {
        return Err(Error::param(
            &name,
            "partition",
            r,
            "rank split the model differently from this one (were they given the same model?)",
        ));
    }

    // Which compartments are split, and how wide.
    let split = |path: &str| -> Option<usize> {
        let (comp, field) = path.split_once(':')?;
        let i = names.iter().position(|n| n == comp)?;
        let idx = locals[i].0.schema().compartment_index(field)?;
        parts[i].split[idx].then(|| parts[i].width).flatten()
    };

    // Mirrors: for split sources that a whole compartment reads, and those asked for.
    let mut mirrored: Vec<String> = Vec::new();
    for p in &asked {
        if split(p).is_some() && !mirrored.contains(p) {
            mirrored.push(p.clone());
        }
    }
    let mut read_whole: Vec<String> = Vec::new();
    let mut new_wires = Vec::with_capacity(wires.len());
    for (target, source) in &wires {
        let target_split = split(target);
        let mut paths = Vec::new();
        collect_paths(source, &mut paths);
        let mut rewritten = source.clone();
        for p in paths {
            match (split(&p), target_split) {
                (Some(_), None) => {
                    if !mirrored.contains(&p) {
                        mirrored.push(p.clone());
                    }
                    if !read_whole.contains(&p) {
                        read_whole.push(p.clone());
                    }
                    rewrite(&mut rewritten, &p, &mirror_path(&p));
                }
                (None, Some(_)) => {
                    return Err(Error::param(
                        target,
                        "wire",
                        &p,
                        "a whole compartment cannot feed a partitioned one",
                    ))
                }
                _ => {}
            }
        }
        new_wires.push((target.clone(), rewritten));
    }

    let mut ctx = Context::new(&name);
    ctx.set_parallelism(parallelism);
    let mut mirrors = HashMap::new();
    let mut mirror_comps = Vec::new();
    for p in &mirrored {
        let (comp, field) = p.split_once(':').expect("a path");
        let i = names
            .iter()
            .position(|n| n == comp)
            .expect("a split path names a component");
        let c = &locals[i].0;
        let idx = c.schema().compartment_index(field).expect("a compartment");
        let info = &c.schema().compartments[idx];
        let rows = c.array(idx).expect("an array").nrows();
        let width = parts[i].width.expect("split");
        let m = Mirror::new(
            &mirror_name(p),
            rows,
            width,
            info.spikes,
            Arc::clone(&exchange),
        )?;
        mirror_comps.push((comp.to_string(), m.name.clone(), p.clone()));
        mirrors.insert(p.clone(), format!("{}:full", m.name));
        new_wires.push((format!("{}:local", m.name), Source::Path(p.clone())));
        locals.push((Box::new(m), None));
    }
    for (c, origin) in locals {
        ctx.add_with_origin(c, origin)?;
    }
    for (target, source) in new_wires {
        ctx.wire(source, &target)?;
    }
    for p in &processes {
        if let Some(children) = &p.children {
            let children: Vec<&str> = children.iter().map(String::as_str).collect();
            ctx.joint_process(&p.name, &children)?;
            continue;
        }
        let mut with: Vec<(&str, Method)> = Vec::with_capacity(p.calls.len());
        for &(i, m, _) in &p.calls {
            let c = names[i].as_str();
            with.push((c, m));
            for (owner, mname, _) in &mirror_comps {
                if owner == c {
                    with.push((mname.as_str(), Method::Named(&GATHER)));
                }
            }
        }
        ctx.process(&p.name, &with)?;
    }
    // The mirrors start from their owners' state (a loaded model's spikes, say):
    // gathered once, in the same order on every rank.
    let first: Vec<(&str, Method)> = mirror_comps
        .iter()
        .map(|(_, m, _)| (m.as_str(), Method::Named(&GATHER)))
        .collect();
    ctx.process(FIRST_GATHER, &first)?;
    let mut model = ctx.build()?;
    let id = model.process_id(FIRST_GATHER)?;
    model.run(id, 0.0, 1.0)?;
    // The whole model's wires in its order: grouped by target component (as a built
    // model keeps them), in declaration order within each.
    let mut wires = wires;
    wires.sort_by_key(|(t, _)| {
        let comp = t.split_once(':').map_or(t.as_str(), |(c, _)| c);
        names.iter().position(|n| n == comp)
    });
    let processes = processes
        .iter()
        .map(|p| SavedProcess {
            name: p.name.clone(),
            calls: p
                .calls
                .iter()
                .map(|&(i, m, _)| (names[i].clone(), m.as_str()))
                .collect(),
            children: p.children.clone(),
        })
        .collect();
    Ok(Partitioned {
        model,
        layout: Layout {
            name,
            parts,
            mirrors,
            read_whole,
            wires,
            processes,
            exchange,
        },
    })
}

/// A number every rank computes alike from how it split the model (names, widths,
/// split compartments): FNV-1a.
fn split_signature(parts: &[Part]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let mut eat = |b: u8| {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    };
    for p in parts {
        p.name.bytes().for_each(&mut eat);
        eat(0xff);
        for b in (p.width.unwrap_or(0) as u64).to_le_bytes() {
            eat(b);
        }
        p.split.iter().for_each(|&s| eat(s as u8));
    }
    h
}

/// The process that gathers every mirror once, when the model is partitioned.
pub const FIRST_GATHER: &str = "partition.first_gather";

fn mirror_name(path: &str) -> String {
    format!("{}.whole", path.replace(':', "."))
}

fn mirror_path(path: &str) -> String {
    format!("{}:full", mirror_name(path))
}

fn collect_paths(s: &Source, out: &mut Vec<String>) {
    match s {
        Source::Path(p) => out.push(p.clone()),
        Source::Summation(a) | Source::Product(a) => a.iter().for_each(|x| collect_paths(x, out)),
    }
}

fn rewrite(s: &mut Source, from: &str, to: &str) {
    match s {
        Source::Path(p) if p == from => *p = to.to_string(),
        Source::Path(_) => {}
        Source::Summation(a) | Source::Product(a) => {
            a.iter_mut().for_each(|x| rewrite(x, from, to))
        }
    }
}

/// The method of a mirror: gather its owner's compartment from all ranks.
pub static GATHER: MethodInfo = MethodInfo {
    name: "gather",
    reads_inputs: true,
    keywords: &[],
    description: "Gathers the compartment whole from all ranks",
};

/// A partitioned compartment held whole: `local` is this rank's block (wired from the
/// owner), `full` the whole after `gather`. Spikes travel as index lists.
#[derive(Debug, Clone, crate::Compartments)]
struct Mirror {
    name: String,
    /// This rank's block
    #[compartment(input, shape = "(batch_size, n_local)")]
    local: Array2<f32>,
    /// The whole compartment
    #[compartment(output, shape = "(batch_size, n_units)")]
    full: Array2<f32>,
    /// Unused
    #[compartment(key)]
    key: Key,
    spikes: bool,
    width: usize,
    ex: Arc<dyn Exchange>,
    /// The global flat indices of the last gathered spikes, ascending.
    list: Vec<u32>,
    scratch: Vec<u32>,
    values: Vec<f32>,
    counts: Vec<usize>,
    /// This rank's spikes (global indices), then the fixed-size message of each round:
    /// `[count, up to cap indices]` per rank.
    mine: Vec<u32>,
    send: Vec<u32>,
    recv: Vec<u32>,
    /// How many indices a rank's message carries (the same on every rank: it grows, from
    /// the gathered counts, when a rank had more).
    cap: usize,
    /// This rank's values, row-major (graded mirrors).
    flat: Vec<f32>,
}

static MIRROR_METHODS: [MethodInfo; 2] = [GATHER, crate::core::schema::ADVANCE_AND_RESET[1]];

/// The class name of the components that hold split compartments whole.
const MIRROR: &str = "Mirror";

/// Whether `c` is a partitioned model's mirror (told by its class entry, not by a
/// name a user's class could share).
pub(crate) fn is_mirror(c: &dyn Component) -> bool {
    std::ptr::eq(c.class(), &MIRROR_CLASS)
}

static MIRROR_SCHEMA: Schema = Schema {
    class: MIRROR,
    module_path: "ngclearn.partition.Mirror",
    description: "A partitioned compartment gathered whole from all ranks",
    compartments: &Mirror::COMPARTMENTS,
    dynamics: "full = the blocks of all ranks, in rank order",
    hyperparameters: &[],
    methods: &MIRROR_METHODS,
    signature: &["name"],
    notes: "",
    kwargs: crate::core::schema::VarKeyword::Absent,
    fixed: &[],
    extends: None,
};

impl Mirror {
    fn new(
        name: &str,
        rows: usize,
        width: usize,
        spikes: bool,
        ex: Arc<dyn Exchange>,
    ) -> Result<Mirror> {
        let (size, rank) = (ex.size(), ex.rank());
        let z = |w| crate::core::component::filled(name, "width", (rows, w), 0.0);
        Ok(Mirror {
            name: name.to_string(),
            local: z(block(width, size, rank).len())?,
            full: z(width)?,
            key: Key([0, 0]),
            spikes,
            width,
            counts: (0..size)
                .map(|r| rows * block(width, size, r).len())
                .collect(),
            list: Vec::with_capacity(rows * width),
            scratch: Vec::with_capacity(rows * width),
            values: vec![0.0; rows * width],
            mine: Vec::with_capacity(rows * block(width, size, rank).len()),
            send: vec![0; MESSAGE_CAP + 1],
            recv: vec![0; size * (MESSAGE_CAP + 1)],
            cap: MESSAGE_CAP,
            flat: vec![0.0; rows * block(width, size, rank).len()],
            ex,
        })
    }

    fn gather(&mut self) {
        let (size, rank) = (self.ex.size(), self.ex.rank());
        let rows = self.local.nrows();
        if self.spikes {
            let lo = block(self.width, size, rank).start;
            let w_local = self.local.ncols();
            let width = self.width;
            self.mine.clear();
            self.mine.extend(
                self.local
                    .iter()
                    .enumerate()
                    .filter(|(_, &v)| v != 0.0)
                    .map(|(f, _)| ((f / w_local) * width + lo + f % w_local) as u32),
            );
            // One collective of fixed-size messages; a rank with more spikes than they
            // carry sends the rest in a second round (all ranks see its count), and the
            // messages grow for the next steps.
            let cap = self.cap;
            let n = self.mine.len();
            self.send[0] = n as u32;
            let first = n.min(cap);
            self.send[1..1 + first].copy_from_slice(&self.mine[..first]);
            self.ex.allgather_u32_fixed(&self.send, &mut self.recv);
            let count = |recv: &[u32], r: usize| recv[r * (cap + 1)] as usize;
            let most = (0..size).map(|r| count(&self.recv, r)).max().unwrap_or(0);
            self.scratch.clear();
            if most <= cap {
                for r in 0..size {
                    let at = r * (cap + 1);
                    let c = count(&self.recv, r);
                    self.scratch
                        .extend_from_slice(&self.recv[at + 1..at + 1 + c]);
                }
            } else {
                let mut rest = Vec::new();
                self.ex.allgather_u32(&self.mine[first..], &mut rest);
                let mut taken = 0;
                for r in 0..size {
                    let at = r * (cap + 1);
                    let c = count(&self.recv, r);
                    self.scratch
                        .extend_from_slice(&self.recv[at + 1..at + 1 + c.min(cap)]);
                    let more = c.saturating_sub(cap);
                    self.scratch.extend_from_slice(&rest[taken..taken + more]);
                    taken += more;
                }
                self.cap = most.next_power_of_two().max(cap);
                self.send.resize(self.cap + 1, 0);
                self.recv.resize(size * (self.cap + 1), 0);
            }
            if rows > 1 {
                self.scratch.sort_unstable();
            }
            let full = self.full.as_slice_mut().expect("standard layout");
            for &i in &self.list {
                full[i as usize] = 0.0;
            }
            for &i in &self.scratch {
                full[i as usize] = 1.0;
            }
            std::mem::swap(&mut self.list, &mut self.scratch);
        } else {
            for (d, &v) in self.flat.iter_mut().zip(self.local.iter()) {
                *d = v;
            }
            self.ex
                .allgather_f32(&self.flat, &self.counts, &mut self.values);
            scatter_rows(
                &self.values,
                &self.counts,
                rows,
                self.width,
                self.full
                    .as_slice_mut()
                    .expect("owned arrays are contiguous"),
            );
        }
    }
}

/// Indices a spike message carries at first (256-byte messages).
const MESSAGE_CAP: usize = 63;

/// The mirror's class: not in any registry, and never built from arguments.
static MIRROR_CLASS: crate::core::class::ComponentClass = crate::core::class::ComponentClass {
    schema: &MIRROR_SCHEMA,
    from_kwargs: |kw| {
        Err(kw.error(
            "class",
            "a Mirror is made by partitioning a model, not from arguments",
        ))
    },
    sizes: |_| None,
};

impl crate::core::component::Declared for Mirror {
    fn name(&self) -> &str {
        &self.name
    }
    fn schema(&self) -> &'static Schema {
        &MIRROR_SCHEMA
    }
    fn class(&self) -> &'static crate::core::class::ComponentClass {
        &MIRROR_CLASS
    }
    fn array(&self, index: usize) -> Option<&Array2<f32>> {
        self.compartment(index)
    }
    fn array_mut(&mut self, index: usize, token: WriteToken) -> Option<&mut Array2<f32>> {
        self.compartment_mut(index, token)
    }
    fn key(&self) -> Key {
        self.key
    }
    fn set_key(&mut self, key: Key) {
        self.key = key;
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn kwargs(&self) -> serde_json::Map<String, serde_json::Value> {
        serde_json::Map::new()
    }
}

impl Component for Mirror {
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.gather();
    }
    fn reset(&mut self) {}
    fn call(&mut self, method: &str, _t: f32, _dt: f32) {
        debug_assert_eq!(method, "gather");
        self.gather();
    }
    fn changed(&mut self, _index: usize) {}
    fn nonzero(&self, index: usize) -> Option<&[u32]> {
        (self.spikes && index == Mirror::FULL).then_some(self.list.as_slice())
    }
}
