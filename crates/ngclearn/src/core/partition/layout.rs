//! Which rank holds which columns: blocks, this rank's part of a model, and the
//! layout a partitioned save writes from.

use super::exchange::Exchange;
use super::plan::REGATHER_ALL;
use crate::core::context::Model;
use crate::core::operations::Source;
use crate::core::schema::Kind;
use crate::error::Result;
use ndarray::Array2;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

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
    /// their entries are equal ([`Component::saves_as_scalar`](crate::core::component::Component::saves_as_scalar), asked of the whole, or of
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
    pub(super) name: String,
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
    pub(super) exchange: Arc<dyn Exchange>,
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
    /// must call it, in the same order as the others. A mirror that exchanges once per
    /// epoch replaces the newest step it keeps (where its synapses read the new values
    /// next; not when its owner advances before them, whose next step replaces them
    /// first, as in one process).
    pub fn gather_mirrors(&mut self) -> Result<()> {
        let id = self.model.process_id(REGATHER_ALL)?;
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
    /// this rank: its mirror, or itself if it is not partitioned. A partitioned path
    /// has a mirror when it was asked for whole or a whole compartment reads it every
    /// step; spikes read only by delayed synapses cross the ranks once per epoch and
    /// reach them late, so ask for them whole to read them every step.
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
                        w.set_key(&path, c.key_at(idx))?;
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
