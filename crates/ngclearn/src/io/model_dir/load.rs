//! Loading a saved model directory: read and checked whole before a model is returned.

use super::{JOINT_PROCESS, MAX_JOINT_CALLS, METHOD_PROCESS};
use crate::core::class::Registry;
use crate::core::component::Component;
use crate::core::context::Method;
use crate::core::context::{Context, Model, Origin};
use crate::core::kwargs::Kwargs;
use crate::core::operations::Source;
use crate::core::partition::{block_splits, Columns, Exchange, Partitioned};
use crate::core::rng::Key;
use crate::core::schema::{Kind, Schema};
use crate::error::{name_list, Error, Result};
use crate::io::json::{array, get, kind, object, read_json, string};
use crate::io::npz::{Dtype, EntryHeader, NpzReader};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Strips the context prefix from a saved path (`NAME:component:compartment`).
fn local_path(full: &str, context: &str, file: &Path, field: &str) -> Result<String> {
    match full.strip_prefix(context).and_then(|r| r.strip_prefix(':')) {
        Some(rest) if rest.split(':').count() == 2 => Ok(rest.to_string()),
        _ => Err(Error::format(file.display(), field, format!("`{full}` is not a compartment path of context `{context}` (NAME:component:compartment)"))),
    }
}

fn parse_source(v: &Value, context: &str, file: &Path, field: &str) -> Result<Source> {
    match v {
        Value::String(s) => Ok(Source::Path(local_path(s, context, file, field)?)),
        Value::Object(o) => {
            let mp = string(
                get(o, "modulePath", file, field)?,
                file,
                &format!("{field}.modulePath"),
            )?;
            let ops = array(
                get(o, "compartments", file, field)?,
                file,
                &format!("{field}.compartments"),
            )?;
            let ops = ops
                .iter()
                .enumerate()
                .map(|(i, x)| parse_source(x, context, file, &format!("{field}.compartments[{i}]")))
                .collect::<Result<Vec<_>>>()?;
            match mp.rsplit('.').next() {
                Some("Summation") => Ok(Source::Summation(ops)),
                Some("Product") => Ok(Source::Product(ops)),
                Some("Concatenation") => Ok(Source::Concatenation(ops)),
                _ => Err(Error::UnknownClass {
                    path: file.display().to_string(),
                    field: field.to_string(),
                    module_path: mp.to_string(),
                    supported: "Summation, Product, Concatenation".into(),
                }),
            }
        }
        other => Err(Error::format(
            file.display(),
            field,
            format!("expected a path or an operation, got {}", kind(other)),
        )),
    }
}

/// The shapes of a built component's compartments (for [`SavedState::open`]).
fn actual_shapes(c: &dyn Component) -> Vec<Vec<Vec<usize>>> {
    c.schema()
        .compartments
        .iter()
        .enumerate()
        .map(|(i, info)| match info.kind {
            Kind::Key => Vec::new(),
            Kind::Array => crate::core::component::dims(c, i)
                .map(|d| vec![d])
                .unwrap_or_default(),
        })
        .collect()
}

fn shape_list(shapes: &[Vec<usize>]) -> String {
    shapes
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// A component's npz, checked against its class and the shapes its arguments imply,
/// with each entry's header read and no data yet.
struct SavedState {
    npz: NpzReader,
    /// `(entry index, compartment index, header)`.
    entries: Vec<(usize, usize, EntryHeader)>,
    /// The weights in the sparse form (`weights.indptr`, ...), when saved so: the
    /// `weights` compartment's index and each part's entry and header.
    sparse: Option<(usize, SparseEntries)>,
    /// The inputs in flight (`in_flight.counts`, `.index`, `.value`), when saved.
    in_flight: Option<InFlightEntries>,
}

/// The entries of a synapse's inputs in flight (see `save::write_in_flight`).
struct InFlightEntries {
    counts: (usize, EntryHeader),
    index: (usize, EntryHeader),
    value: (usize, EntryHeader),
}

/// An entry of a synapse's npz beside its compartments, as `(prefix, part)`: its
/// weights in the sparse form (`weights.*`) or its inputs in flight (`in_flight.*`).
fn synapse_part<'a>(schema: &Schema, name: &'a str) -> Option<(&'static str, &'a str)> {
    schema.compartment_index("weights")?;
    ["weights.", "in_flight."]
        .into_iter()
        .find_map(|prefix| name.strip_prefix(prefix).map(|part| (prefix, part)))
}

/// The entries of weights saved in the sparse form (see `save::write_sparse_weights`).
#[derive(Default)]
struct SparseEntries {
    shape: Option<(usize, EntryHeader)>,
    indptr: Option<(usize, EntryHeader)>,
    indices: Option<(usize, EntryHeader)>,
    data: Option<(usize, EntryHeader)>,
    delays: Option<(usize, EntryHeader)>,
}

/// The most rows a compartment that takes any number of rows is read with (a batch).
const MAX_FREE_ROWS: u64 = 1 << 12;

/// The largest sparse-form entry accepted before it is read (2^32 synapses of 8 bytes).
const MAX_SPARSE_ENTRY_BYTES: u64 = 8 << 32;

impl SavedState {
    /// Opens `path`, the npz of component `name` of class `schema` whose compartments
    /// may have `shapes` (see [`ComponentClass::implied_shapes`]), `wired` ones having no saved value.
    fn open(
        path: &Path,
        schema: &Schema,
        shapes: &[Vec<Vec<usize>>],
        wired: &HashSet<String>,
    ) -> Result<SavedState> {
        let mut npz = NpzReader::open(path)?;
        let shown = path.display();
        // Names first: nothing is inflated for an entry that does not belong.
        let mut indices = Vec::with_capacity(npz.entries().len());
        let mut sparse_parts: Vec<(usize, String)> = Vec::new();
        let mut flight_parts: Vec<(usize, String)> = Vec::new();
        for (i, e) in npz.entries().iter().enumerate() {
            if let Some((prefix, part)) = synapse_part(schema, &e.name) {
                let parts = match prefix {
                    "weights." => &mut sparse_parts,
                    _ => &mut flight_parts,
                };
                parts.push((i, part.to_string()));
                indices.push(usize::MAX);
                continue;
            }
            let Some(idx) = schema.compartment_index(&e.name) else {
                return Err(Error::format(
                    &shown,
                    &e.name,
                    format!(
                        "{} has no such compartment; known: {}",
                        schema.class,
                        name_list(schema.compartments.iter().map(|c| c.name))
                    ),
                ));
            };
            if wired.contains(&e.name) {
                return Err(Error::format(
                    &shown,
                    &e.name,
                    "this compartment is wired (connections.json), so it has no saved value",
                ));
            }
            indices.push(idx);
        }
        let weights_idx = schema.compartment_index("weights");
        let sparse_weights = !sparse_parts.is_empty();
        for (idx, c) in schema.compartments.iter().enumerate() {
            let sparse_here = sparse_weights && Some(idx) == weights_idx;
            if sparse_here && indices.contains(&idx) {
                return Err(Error::format(
                    &shown,
                    "weights",
                    "saved both dense and in the sparse form (weights.indptr, ...)",
                ));
            }
            if !wired.contains(c.name) && !indices.contains(&idx) && !sparse_here {
                return Err(Error::format(
                    &shown,
                    c.name,
                    "missing: ngclearn saves every compartment that is not wired, and `key`",
                ));
            }
        }
        let mut sparse = None;
        if let (true, Some(w)) = (sparse_weights, weights_idx) {
            let mut parts = SparseEntries::default();
            for (i, part) in &sparse_parts {
                let h = npz.header(*i, MAX_SPARSE_ENTRY_BYTES)?;
                let slot =
                    match part.as_str() {
                        "shape" => &mut parts.shape,
                        "indptr" => &mut parts.indptr,
                        "indices" => &mut parts.indices,
                        "data" => &mut parts.data,
                        "delays" => &mut parts.delays,
                        _ => return Err(Error::format(
                            &shown,
                            &npz.entries()[*i].name,
                            "not a part of sparse weights (shape, indptr, indices, data, delays)",
                        )),
                    };
                *slot = Some((*i, h));
            }
            for (name, part) in [
                ("weights.shape", &parts.shape),
                ("weights.indptr", &parts.indptr),
                ("weights.indices", &parts.indices),
                ("weights.data", &parts.data),
            ] {
                if part.is_none() {
                    return Err(Error::format(
                        &shown,
                        name,
                        "missing: the sparse form needs shape, indptr, indices and data",
                    ));
                }
            }
            sparse = Some((w, parts));
        }
        let in_flight = if flight_parts.is_empty() {
            None
        } else {
            let mut found: [Option<(usize, EntryHeader)>; 3] = [None, None, None];
            for (i, part) in &flight_parts {
                let slot = match part.as_str() {
                    "counts" => 0,
                    "index" => 1,
                    "value" => 2,
                    _ => {
                        return Err(Error::format(
                            &shown,
                            &npz.entries()[*i].name,
                            "not a part of the inputs in flight (counts, index, value)",
                        ))
                    }
                };
                found[slot] = Some((*i, npz.header(*i, MAX_SPARSE_ENTRY_BYTES)?));
            }
            let [Some(counts), Some(index), Some(value)] = found else {
                return Err(Error::format(
                    &shown,
                    "in_flight.counts",
                    "the inputs in flight need counts, index and value",
                ));
            };
            Some(InFlightEntries {
                counts,
                index,
                value,
            })
        };
        let mut entries = Vec::with_capacity(indices.len());
        for (i, &idx) in indices.iter().enumerate() {
            if idx == usize::MAX {
                continue; // a part of sparse weights or of the inputs in flight, read above
            }
            let allowed = &shapes[idx];
            // A compartment that takes any number of rows (a rule's statistics) may have
            // been saved with another batch: up to MAX_FREE_ROWS rows of its columns.
            let free_cols = schema
                .any_rows
                .contains(&schema.compartments[idx].name)
                .then(|| allowed.iter().find(|s| s.len() == 2).map(|s| s[1]))
                .flatten();
            let max_data = match schema.compartments[idx].kind {
                Kind::Key => 8,
                Kind::Array => allowed
                    .iter()
                    .map(|s| s.iter().product::<usize>() as u64 * 4)
                    .chain(free_cols.map(|c| c as u64 * MAX_FREE_ROWS * 4))
                    .max()
                    .unwrap_or(0)
                    .max(8),
            };
            let h = npz.header(i, max_data)?;
            let fits = match schema.compartments[idx].kind {
                Kind::Key => h.dtype == Dtype::U32 && h.shape == [2],
                Kind::Array => {
                    let dtype = if schema.compartments[idx].int32 {
                        Dtype::I32
                    } else {
                        Dtype::F32
                    };
                    (h.dtype == dtype && allowed.contains(&h.shape))
                        || (h.shape.is_empty() && matches!(h.dtype, Dtype::F32 | Dtype::F64))
                        || free_cols.is_some_and(|c| {
                            h.dtype == Dtype::F32
                                && matches!(h.shape[..], [r, cc] if cc == c && r >= 1 && r as u64 <= MAX_FREE_ROWS)
                        })
                }
            };
            if !fits {
                let want =
                    match schema.compartments[idx].kind {
                        Kind::Key => "a key must be uint32 of shape (2,)".to_string(),
                        Kind::Array => format!(
                        "expected {} of shape {} (or a scalar), as roots.json's arguments imply",
                        if schema.compartments[idx].int32 { "int32" } else { "float32" },
                        shape_list(allowed)
                    ),
                    };
                return Err(Error::format(
                    &shown,
                    &npz.entries()[i].name,
                    format!("{want}; got {}", h.describe()),
                ));
            }
            entries.push((i, idx, h));
        }
        Ok(SavedState {
            npz,
            entries,
            sparse,
            in_flight,
        })
    }

    /// Streams the saved values into the built component `c`: of a block of columns
    /// `block` (a rank's part of a partitioned model), only those columns of its split
    /// compartments.
    /// Returns the first value of each compartment that was not finite.
    fn apply(
        mut self,
        c: &mut dyn Component,
        block: Option<&Columns>,
    ) -> Result<Vec<crate::io::npz::NonFinite>> {
        let split = block.map(|cols| block_splits(c, cols));
        if let Some((w_idx, parts)) = self.sparse.take() {
            self.apply_sparse(c, w_idx, parts, block)?;
        }
        for (i, idx, h) in &self.entries {
            match c.schema().compartments[*idx].kind {
                Kind::Key => c.set_key_at(*idx, Key(self.npz.read_key(*i, h)?)),
                Kind::Array => {
                    let cols = block.filter(|_| split.as_ref().is_some_and(|s| s[*idx]));
                    // A synapse's weights, stored sparse when they are, without the
                    // dense matrix.
                    if let Some((at, w, storage)) =
                        c.stored_weights_mut().filter(|_| cols.is_none())
                    {
                        if at == *idx {
                            if let Some(read) = self.npz.read_weights_into(*i, h, w, storage) {
                                read?;
                                c.changed(*idx);
                                continue;
                            }
                        }
                    }
                    // Statistics saved with another batch take its rows.
                    let rows = match h.shape[..] {
                        [r, cc] if c.any_rows(*idx) && cols.is_none() => Some((r, cc)),
                        _ => None,
                    };
                    crate::core::component::write(c, *idx, |dst| match cols {
                        Some(cols) => self.npz.read_f32_columns_into(*i, h, cols, dst),
                        None => {
                            if let Some(d) = rows.filter(|&d| d != dst.dim()) {
                                *dst = ndarray::Array2::zeros(d);
                            }
                            self.npz.read_f32_into(*i, h, dst)
                        }
                    })
                    .expect("array compartments are addressable")?;
                }
            }
        }
        // Last: writing the weights empties what a synapse holds in flight.
        if let Some(f) = self.in_flight.take() {
            self.apply_in_flight(c, f)?;
        }
        Ok(self.npz.non_finite().to_vec())
    }

    /// Puts back a synapse's inputs in flight, checked first: at most as many steps as
    /// the synapse keeps (its longest delay, or `max_delay_steps`), as many
    /// indices as values and as the counts add up to, each index within the inputs.
    fn apply_in_flight(&mut self, c: &mut dyn Component, f: InFlightEntries) -> Result<()> {
        let path = self.npz.path().to_string();
        let bad = |field: &str, why: String| Error::format(&path, field, why);
        let name = c.name().to_string();
        let Some(kept) = c.in_flight().map(|f| f.steps.len()) else {
            return Err(bad(
                "in_flight.counts",
                format!("{name} has no delays: it holds no inputs in flight"),
            ));
        };
        let width = c
            .schema()
            .compartment_index("inputs")
            .and_then(|i| c.array(i))
            .map_or(0, |a| a.len());
        let steps = f.counts.1.len();
        let total = f.index.1.len();
        if steps > kept {
            return Err(bad(
                "in_flight.counts",
                format!("{steps} steps: {name} keeps {kept}"),
            ));
        }
        if f.value.1.len() != total || total as u64 > steps as u64 * width as u64 {
            return Err(bad(
                "in_flight.index",
                format!(
                    "{total} inputs: must be as many as in_flight.value, at most {width} a step"
                ),
            ));
        }
        let counts = self.npz.read_indices(f.counts.0, &f.counts.1)?;
        let index = self.npz.read_indices(f.index.0, &f.index.1)?;
        let value = self.npz.read_f32_vec(f.value.0, &f.value.1)?;
        let sum = counts.iter().try_fold(0u64, |a, &n| a.checked_add(n));
        if sum != Some(index.len() as u64) || value.len() != index.len() {
            return Err(bad(
                "in_flight.counts",
                format!(
                    "must add up to the {} inputs of in_flight.index",
                    index.len()
                ),
            ));
        }
        if let Some(i) = index.iter().find(|&&i| i >= width as u64) {
            return Err(bad(
                "in_flight.index",
                format!("{i} is beyond {name}'s {width} inputs"),
            ));
        }
        let mut at = 0;
        let steps = counts
            .iter()
            .map(|&n| {
                let step = (at..at + n as usize)
                    .map(|e| (index[e] as u32, value[e]))
                    .collect();
                at += n as usize;
                step
            })
            .collect();
        c.set_in_flight(&crate::core::state::InFlight { steps });
        Ok(())
    }
}

impl SavedState {
    /// Reads weights saved in the sparse form into `c`'s weights compartment `w_idx`,
    /// checking them whole first: the shape against the component's, the row offsets
    /// (from 0, not decreasing, to the entries' count), the columns (in range, each row
    /// ascending, by delay first when there are delays), the delays (1 to 255 steps). A
    /// block of columns `block` keeps only its columns.
    fn apply_sparse(
        &mut self,
        c: &mut dyn Component,
        w_idx: usize,
        parts: SparseEntries,
        block: Option<&Columns>,
    ) -> Result<()> {
        use crate::core::weights::{Csr, Weights};
        let path = self.npz.path().to_string();
        let bad = |field: &str, why: String| Error::format(&path, field, why);
        let name = c.name().to_string();
        let (at, w, _) = match c.stored_weights_mut() {
            Some(x) if x.0 == w_idx => x,
            _ => {
                return Err(bad(
                    "weights.indptr",
                    format!("{name}'s class keeps dense weights: its weights cannot be read from the sparse form"),
                ))
            }
        };
        let read = |npz: &mut NpzReader, p: &Option<(usize, EntryHeader)>| -> Result<Vec<u64>> {
            let (i, h) = p.as_ref().expect("checked when opened");
            npz.read_indices(*i, h)
        };
        let shape = read(&mut self.npz, &parts.shape)?;
        let (n_pre, block_width) = w.shape();
        let n_post = block.map_or(block_width, |b| b.width);
        if shape != [n_pre as u64, n_post as u64] {
            return Err(bad(
                "weights.shape",
                format!("{shape:?}, where {name}'s arguments give [{n_pre}, {n_post}]"),
            ));
        }
        // The declared sizes first, so that nothing is allocated for entries that
        // cannot fit the synapse: offsets for its rows, and entries alike in number
        // and at most 16 per pair (pairs drawn that often are beyond any rule).
        let declared = |p: &Option<(usize, EntryHeader)>| p.as_ref().map(|(_, h)| h.len());
        let nnz_declared = declared(&parts.indices).unwrap_or(0);
        let most = (n_pre as u64)
            .saturating_mul(n_post as u64)
            .saturating_mul(16);
        if declared(&parts.indptr) != Some(n_pre + 1) {
            return Err(bad(
                "weights.indptr",
                format!("must hold {} offsets", n_pre + 1),
            ));
        }
        if nnz_declared as u64 > most {
            return Err(bad(
                "weights.indices",
                format!("{nnz_declared} entries: more than 16 per pair of units"),
            ));
        }
        for (field, part) in [
            ("weights.data", &parts.data),
            ("weights.delays", &parts.delays),
        ] {
            if part.is_some() && declared(part) != Some(nnz_declared) {
                return Err(bad(
                    field,
                    format!("must hold one value per entry ({nnz_declared}, as weights.indices)"),
                ));
            }
        }
        let indptr = read(&mut self.npz, &parts.indptr)?;
        // Columns and delays as they are kept (u32, u8): no wider copy of a large synapse.
        let (ii, ih) = parts.indices.as_ref().expect("checked when opened");
        let last_column = (n_post as u64).saturating_sub(1).min(u64::from(u32::MAX));
        if n_post == 0 && !ih.is_empty() {
            return Err(bad(
                "weights.indices",
                format!("{} entries for no columns", ih.len()),
            ));
        }
        let indices: Vec<u32> = self.npz.read_ints(*ii, ih, last_column)?;
        let nnz = indices.len();
        let offsets_ok = indptr.len() == n_pre + 1
            && indptr[0] == 0
            && indptr.windows(2).all(|p| p[0] <= p[1])
            && indptr[n_pre] == nnz as u64;
        if !offsets_ok {
            return Err(bad(
                "weights.indptr",
                format!(
                    "must be {} offsets from 0, not decreasing, to the {nnz} entries",
                    n_pre + 1
                ),
            ));
        }
        let (di, dh) = parts.data.as_ref().expect("checked when opened");
        let data = self.npz.read_f32_vec(*di, dh)?;
        if data.len() != nnz {
            return Err(bad(
                "weights.data",
                format!("{} values for {nnz} entries", data.len()),
            ));
        }
        let delays = match &parts.delays {
            None => None,
            Some((di, dh)) => {
                let d: Vec<u8> = self.npz.read_ints(*di, dh, 255)?;
                if d.len() != nnz || d.contains(&0) {
                    return Err(bad(
                        "weights.delays",
                        format!("must be {nnz} delays of 1 to 255 steps"),
                    ));
                }
                Some(d)
            }
        };
        for r in 0..n_pre {
            let (a, b) = (indptr[r] as usize, indptr[r + 1] as usize);
            let key = |e: usize| (delays.as_ref().map_or(0, |d| d[e]), indices[e]);
            if (a + 1..b).any(|e| key(e - 1) > key(e)) {
                return Err(bad(
                    "weights.indices",
                    format!("row {r}: columns must be below {n_post} and ascending (by delay first, when there are delays)"),
                ));
            }
        }
        let csr = Csr {
            shape: (n_pre, n_post),
            indptr: indptr.into_iter().map(|x| x as usize).collect(),
            indices,
            data,
            delays,
        };
        let csr = match block {
            Some(b) => csr.columns(b.cols.clone()),
            None => csr,
        };
        *w = Weights::from(csr);
        c.changed(at);
        Ok(())
    }
}

/// Builds a saved component. What building says of its arguments (a `weight_init` that
/// `is_nonplastic` overrides) is for whoever writes them, not for whoever loads the
/// model, whose state comes from the file: it is not said.
fn build_quietly(
    class: &crate::core::class::ComponentClass,
    kw: &mut Kwargs,
) -> Result<Box<dyn Component>> {
    crate::warning::capture(|| class.build(kw)).0
}

/// Reads the npz at `path` in the saved form of `c`'s own class
/// ([`Component::own_saved_form`]): exactly its entries, each float32 of the shape of
/// the compartment it is like, or one row of it. Returns the first value of each entry
/// that was not finite.
fn read_own_form(path: &Path, c: &mut dyn Component) -> Result<Vec<crate::io::npz::NonFinite>> {
    let own = c.own_saved_form().expect("checked by the caller");
    let mut npz = NpzReader::open(path)?;
    let shown = path.display();
    let names: Vec<&str> = own.iter().map(|e| e.name).collect();
    for e in npz.entries() {
        if !names.contains(&e.name.as_str()) {
            return Err(Error::format(
                &shown,
                &e.name,
                format!(
                    "{} saves only {} (ngclearn's own `save` for this class)",
                    c.schema().class,
                    name_list(names.iter().copied())
                ),
            ));
        }
    }
    let mut entries = Vec::with_capacity(own.len());
    for e in &own {
        let Some(i) = npz.entries().iter().position(|x| x.name == e.name) else {
            return Err(Error::format(
                &shown,
                e.name,
                format!(
                    "missing: ngclearn's `save` for {} writes it",
                    c.schema().class
                ),
            ));
        };
        let (rows, cols) = c.array(e.like).expect("an array compartment").dim();
        let h = npz.header(i, (rows * cols * 4) as u64)?;
        let got_rows = match h.shape.as_slice() {
            [r, n] if *n == cols && (*r == rows || *r == 1) => *r,
            [n] if *n == cols => 1,
            _ => 0,
        };
        if h.dtype != Dtype::F32 || got_rows == 0 {
            return Err(Error::format(
                &shown,
                e.name,
                format!(
                    "expected float32 of shape {}; got {}",
                    shape_list(&{
                        let mut allowed = vec![vec![1, cols], vec![rows, cols]];
                        allowed.dedup();
                        allowed
                    }),
                    h.describe()
                ),
            ));
        }
        let mut value = ndarray::Array2::<f32>::zeros((got_rows, cols));
        npz.read_f32_into(i, &h, &mut value)?;
        entries.push((e.name.to_string(), value));
    }
    c.load_own_saved_form(entries)?;
    Ok(npz.non_finite().to_vec())
}

/// Says, once for a model, that its saved state holds values that are not finite
/// (`notes`: the first of each compartment), naming the first.
fn warn_non_finite(notes: &[crate::io::npz::NonFinite]) {
    if let Some(first) = notes.first() {
        let more = match notes.len() - 1 {
            0 => String::new(),
            1 => " (and 1 more compartment holds such values)".into(),
            n => format!(" (and {n} more compartments hold such values)"),
        };
        crate::warning::warn(format!(
            "{first}{more}: loaded as saved, as ngclearn saves and loads it (the state of \
             a run that diverged?)"
        ));
    }
}

/// Reads `dir/rel` if `types` lists `kind`; a file of a kind not listed is an error.
fn read_listed(dir: &Path, rel: &str, kind: &str, types: &[String]) -> Result<Option<Value>> {
    let path = dir.join(rel);
    if types.iter().any(|t| t == kind) {
        return read_json(&path).map(Some);
    }
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        _ => Err(Error::format(
            path.display(),
            "(file)",
            format!("present, but contextData.json's `types` does not list `{kind}`"),
        )),
    }
}

/// Loads the saved-model directory `dir` (the one holding `contextData.json`).
///
/// ```no_run
/// let mut model = ngclearn::io::load_model_dir("models/ei_alpha_tutorial".as_ref())?;
/// let adv = model.process_id("advance_proc")?;
/// for k in 1..=10_000 {
///     model.run(adv, k as f32 * 0.1, 0.1)?;
/// }
/// # Ok::<(), ngclearn::Error>(())
/// ```
pub fn load_model_dir(dir: &Path) -> Result<Model> {
    load_model_dir_with(dir, Registry::builtin())
}

/// Loads the saved-model directory `dir`, finding its classes in `registry` (which
/// may hold classes of one's own besides the built-in ones).
pub fn load_model_dir_with(dir: &Path, registry: &Registry) -> Result<Model> {
    let (ctx, watched, non_finite) = describe_dir(dir, registry, None)?;
    let model = ctx.build()?;
    check_watched(&model, dir, watched)?;
    warn_non_finite(&non_finite);
    Ok(model)
}

/// Loads this rank's part of the saved-model directory `dir` partitioned across the
/// ranks of `exchange` ([`crate::core::partition`]), without the whole model: each
/// synapse that can is built as this rank's block of columns and reads only those
/// columns of its saved arrays (other components are read whole, one at a time, and
/// split). `whole` lists compartments to be held whole on every rank (recordings).
pub fn load_model_dir_partitioned(
    dir: &Path,
    registry: &Registry,
    exchange: Arc<dyn Exchange>,
    whole: &[&str],
) -> Result<Partitioned> {
    let (ctx, watched, non_finite) = describe_dir(dir, registry, Some(exchange))?;
    let p = ctx.build_partitioned(whole)?;
    check_watched(&p.model, dir, watched)?;
    warn_non_finite(&non_finite);
    Ok(p)
}

/// Every path a process watches names a compartment or a key of the model.
fn check_watched(model: &Model, dir: &Path, watched: Vec<(String, String)>) -> Result<()> {
    let proc_path = dir.join("process").join("roots.json");
    for (field, path) in watched {
        if model.compartment(&path).is_err() {
            model
                .get_key(&path)
                .map_err(|e| Error::format(proc_path.display(), field, e.to_string()))?;
        }
    }
    Ok(())
}

/// A saved model's description: the context, the paths its processes watch
/// (`(field, path)`), and the first value of each compartment that was not finite.
type Described = (
    Context,
    Vec<(String, String)>,
    Vec<crate::io::npz::NonFinite>,
);

/// The description in `dir`, whole or (given an exchange) this rank's part, the
/// paths its processes watch (`(field, path)`), checked once it is built, and the
/// first value of each compartment that was not finite.
fn describe_dir(
    dir: &Path,
    registry: &Registry,
    exchange: Option<Arc<dyn Exchange>>,
) -> Result<Described> {
    if !dir.is_dir() {
        return Err(Error::Io {
            path: dir.display().to_string(),
            message: "not a directory".into(),
            not_found: false,
        });
    }
    let (context, types) = read_meta(dir)?;
    // Connections first: they say which compartments have no saved value.
    let (conn_path, wires) = read_wires(dir, &context)?;
    let mut ctx = match exchange {
        None => Context::new(&context),
        Some(ex) => Context::partitioned(&context, ex),
    };
    let roots_path = dir.join("component").join("roots.json");
    let roots = read_listed(dir, "component/roots.json", "component", &types)?
        .unwrap_or_else(|| Value::Object(Map::new()));
    let mut non_finite = Vec::new();
    for (name, entry) in object(&roots, &roots_path, "(root)")? {
        let wired = wired_in(&wires, name);
        let found = add_component(&mut ctx, dir, registry, &roots_path, (name, entry), &wired)?;
        non_finite.extend(found);
    }
    for (target, source) in wires {
        let field = format!("{context}:{target}");
        ctx.wire(source, &target)
            .map_err(|e| Error::format(conn_path.display(), field, e.to_string()))?;
    }
    let watched = add_processes(&mut ctx, dir, &context, &types)?;
    Ok((ctx, watched, non_finite))
}

/// `contextData.json`: the context's name and the object types saved (`component`,
/// `process`), each at most once.
fn read_meta(dir: &Path) -> Result<(String, Vec<String>)> {
    let meta_path = dir.join("contextData.json");
    let meta = read_json(&meta_path)?;
    let meta_obj = object(&meta, &meta_path, "(root)")?;
    let context = string(
        get(meta_obj, "path", &meta_path, "(root)")?,
        &meta_path,
        "path",
    )?
    .to_string();
    let type_list = array(
        get(meta_obj, "types", &meta_path, "(root)")?,
        &meta_path,
        "types",
    )?;
    let mut types: Vec<String> = Vec::with_capacity(type_list.len());
    for (i, t) in type_list.iter().enumerate() {
        let t = string(t, &meta_path, &format!("types[{i}]"))?;
        if t != "component" && t != "process" {
            return Err(Error::format(
                meta_path.display(),
                format!("types[{i}]"),
                format!("unsupported object type `{t}` (component and process are)"),
            ));
        }
        if types.iter().any(|x| x == t) {
            return Err(Error::format(
                meta_path.display(),
                format!("types[{i}]"),
                format!("`{t}` is listed twice"),
            ));
        }
        types.push(t.to_string());
    }

    Ok((context, types))
}

/// `connections.json` (required: ngcsimlib writes it even when empty): its file and
/// the wires, `(target, source)` within `context`.
fn read_wires(dir: &Path, context: &str) -> Result<(PathBuf, Vec<(String, Source)>)> {
    let conn_path = dir.join("connections.json");
    if let Err(e) = std::fs::symlink_metadata(&conn_path) {
        return Err(Error::Io {
            path: conn_path.display().to_string(),
            message: if e.kind() == std::io::ErrorKind::NotFound {
                "missing; ngclearn writes it even when empty (`{}`)".into()
            } else {
                e.to_string()
            },
            not_found: e.kind() == std::io::ErrorKind::NotFound,
        });
    }
    let conns = read_json(&conn_path)?;
    let mut wires = Vec::new();
    for (dest, src) in object(&conns, &conn_path, "(root)")? {
        let target = local_path(dest, context, &conn_path, dest)?;
        wires.push((target, parse_source(src, context, &conn_path, dest)?));
    }
    Ok((conn_path, wires))
}

/// The compartments of `component` that a wire sets (they have no saved value).
fn wired_in(wires: &[(String, Source)], component: &str) -> HashSet<String> {
    wires
        .iter()
        .filter_map(|(t, _)| {
            t.split_once(':')
                .filter(|(c, _)| *c == component)
                .map(|(_, x)| x.to_string())
        })
        .collect()
}

/// Builds the component `name` of `component/roots.json` (at `roots_path`) from its
/// entry, loads its saved state (checked against the shapes its arguments imply before
/// anything is allocated; `wired` compartments have none) and adds it to `ctx`; the
/// first value of each compartment that was not finite.
fn add_component(
    ctx: &mut Context,
    dir: &Path,
    registry: &Registry,
    roots_path: &Path,
    (name, entry): (&str, &Value),
    wired: &HashSet<String>,
) -> Result<Vec<crate::io::npz::NonFinite>> {
    // The name makes file paths (its npz, its custom files): it is checked before
    // any path is built from it.
    crate::core::component::valid_name(name)
        .map_err(|e| Error::format(roots_path.display(), name, e.to_string()))?;
    let e = object(entry, roots_path, name)?;
    let module_path = string(
        get(e, "modulePath", roots_path, name)?,
        roots_path,
        &format!("{name}.modulePath"),
    )?;
    let class = registry
        .by_module_path(module_path)
        .ok_or_else(|| Error::UnknownClass {
            path: roots_path.display().to_string(),
            field: format!("{name}.modulePath"),
            module_path: module_path.to_string(),
            supported: registry.module_paths(),
        })?;
    let schema = class.schema;
    // ngcsimlib reads both (`objKlass(*objData["args"], **objData["kwargs"])`).
    let args = array(
        get(e, "args", roots_path, name)?,
        roots_path,
        &format!("{name}.args"),
    )?;
    let kwargs = object(
        get(e, "kwargs", roots_path, name)?,
        roots_path,
        &format!("{name}.kwargs"),
    )?;
    let mut kw = Kwargs::new(
        &roots_path.display().to_string(),
        name,
        schema.signature,
        args,
        kwargs,
    )?;
    let in_file = |err: Error| match err {
        Error::Format { .. } | Error::ArgumentType { .. } | Error::UnknownClass { .. } => err,
        other => Error::format(
            roots_path.display(),
            format!("{name}.kwargs"),
            other.to_string(),
        ),
    };
    let npz_path = dir
        .join("component")
        .join("custom")
        .join(format!("{name}.npz"));
    // Across ranks, a synapse that can builds only this rank's columns.
    let offer = kw.shape_width().and_then(|w| ctx.columns_for(w));
    if let Some(c) = &offer {
        kw.offer_columns(c.clone())?;
    }
    // A class whose `save` is its own (SLIFCell) holds entries that are not its
    // compartments: it is built, then asked for its form. (A synapse's weights in the
    // sparse form and its inputs in flight are parts of the default form: such a
    // synapse is built with its weights undrawn, as any other.)
    let own_form = !NpzReader::open(&npz_path)?.entries().iter().all(|e| {
        e.name == "key"
            || schema.compartment_index(&e.name).is_some()
            || synapse_part(schema, &e.name).is_some()
    });
    // The npz is checked against the shapes the arguments imply before the
    // component allocates anything; if they cannot be read, building reports it.
    let (mut component, state) = match class.implied_shapes(&kw).filter(|_| !own_form) {
        Some(shapes) => {
            let state = SavedState::open(&npz_path, schema, &shapes, wired)?;
            // Every compartment that is not wired is read from the npz next: a
            // synapse's weights are not drawn first.
            let c = crate::core::weights::with_weights_from_file(|| build_quietly(class, &mut kw));
            (c.map_err(in_file)?, Some(state))
        }
        None => {
            let c = build_quietly(class, &mut kw).map_err(in_file)?;
            let mut shapes = actual_shapes(&*c);
            // A block's split compartments are saved as wide as the whole.
            if let Some(cols) = offer.as_ref().filter(|_| kw.offer_taken()) {
                for (shape, split) in shapes.iter_mut().zip(block_splits(&*c, cols)) {
                    for s in shape.iter_mut().filter(|_| split) {
                        s[1] = cols.width;
                    }
                }
            }
            // In its own form when it has one and the npz holds it; else the
            // default form, whose errors name what does not belong.
            let own = own_form && c.own_saved_form().is_some();
            let state = match own {
                true => None,
                false => Some(SavedState::open(&npz_path, schema, &shapes, wired)?),
            };
            (c, state)
        }
    };
    let block = kw.columns_taken();
    kw.finish()?;
    if component.name() != name {
        return Err(Error::format(
            roots_path.display(),
            format!("{name}.kwargs.name"),
            format!(
                "names the component `{}`, but its entry is `{name}`",
                component.name()
            ),
        ));
    }
    let non_finite = match state {
        Some(state) => state.apply(component.as_mut(), block.as_ref())?,
        None => read_own_form(&npz_path, component.as_mut())?,
    };
    component.load_custom(&dir.join("component").join("custom"))?;
    let origin = Origin {
        module_path: module_path.to_string(),
        args: args.clone(),
        kwargs: kwargs.clone(),
    };
    match &block {
        Some(cols) => ctx.add_block(component, Some(origin), cols),
        None => ctx.add_with_origin(component, Some(origin)),
    }
    .map_err(|e| Error::format(roots_path.display(), name, e.to_string()))?;
    Ok(non_finite)
}

/// The processes of `process/roots.json` (when `types` lists it) added to `ctx`: method
/// processes in order, then joint processes once their children are known; the paths
/// they watch (`(field, path)`), checked once the model is built.
fn add_processes(
    ctx: &mut Context,
    dir: &Path,
    context: &str,
    types: &[String],
) -> Result<Vec<(String, String)>> {
    let proc_path = dir.join("process").join("roots.json");
    let mut watched = Vec::new();
    let Some(procs) = read_listed(dir, "process/roots.json", "process", types)? else {
        return Ok(watched);
    };
    // The calls of each process added so far, and the joint processes (made of
    // other processes' calls, in order), resolved once every process is read.
    let mut calls_of: HashMap<&str, Vec<(&str, Method)>> = HashMap::new();
    let mut joints: Vec<(&str, Vec<(String, &str)>)> = Vec::new();
    for (pname, entry) in object(&procs, &proc_path, "(root)")? {
        let e = object(entry, &proc_path, pname)?;
        let mut joint = false;
        if let Some(mp) = e.get("modulePath") {
            let mp = string(mp, &proc_path, &format!("{pname}.modulePath"))?;
            joint = mp.ends_with("JointProcess");
            if !mp.ends_with("MethodProcess") && !joint {
                return Err(Error::UnknownClass {
                    path: proc_path.display().to_string(),
                    field: format!("{pname}.modulePath"),
                    module_path: mp.to_string(),
                    supported: format!("{METHOD_PROCESS}, {JOINT_PROCESS}"),
                });
            }
        }
        if let Some(args) = e.get("args") {
            let field = format!("{pname}.args");
            match array(args, &proc_path, &field)?.as_slice() {
                [] => {}
                [Value::String(n)] if n == pname => {}
                _ => {
                    return Err(Error::format(
                        proc_path.display(),
                        field,
                        format!("expected [\"{pname}\"] (MethodProcess takes its name alone)"),
                    ))
                }
            }
        }
        if let Some(kwargs) = e.get("kwargs") {
            let field = format!("{pname}.kwargs");
            if let Some(k) = object(kwargs, &proc_path, &field)?.keys().next() {
                return Err(Error::format(
                    proc_path.display(),
                    format!("{field}.{k}"),
                    "unknown argument (MethodProcess takes its name alone)",
                ));
            }
        }
        if let Some(list) = e.get("watch_list") {
            let field = format!("{pname}.watch_list");
            for (i, p) in array(list, &proc_path, &field)?.iter().enumerate() {
                let field = format!("{field}[{i}]");
                let p = string(p, &proc_path, &field)?;
                watched.push((field.clone(), local_path(p, context, &proc_path, &field)?));
            }
        }
        if joint {
            let field = format!("{pname}.process_order");
            let order = array(
                get(e, "process_order", &proc_path, pname)?,
                &proc_path,
                &field,
            )?;
            let mut names = Vec::with_capacity(order.len());
            for (i, n) in order.iter().enumerate() {
                let f = format!("{field}[{i}]");
                names.push((f.clone(), string(n, &proc_path, &f)?));
            }
            joints.push((pname, names));
            continue;
        }
        let order = array(
            get(e, "method_order", &proc_path, pname)?,
            &proc_path,
            &format!("{pname}.method_order"),
        )?;
        let mut calls = Vec::with_capacity(order.len());
        for (i, step) in order.iter().enumerate() {
            let field = format!("{pname}.method_order[{i}]");
            let s = object(step, &proc_path, &field)?;
            let comp = string(
                get(s, "name", &proc_path, &field)?,
                &proc_path,
                &format!("{field}.name"),
            )?;
            let method = string(
                get(s, "method", &proc_path, &field)?,
                &proc_path,
                &format!("{field}.method"),
            )?;
            let method = ctx.method(comp, method).map_err(|e| {
                let which = if ctx.has_component(comp) {
                    "method"
                } else {
                    "name"
                };
                Error::format(
                    proc_path.display(),
                    format!("{field}.{which}"),
                    e.to_string(),
                )
            })?;
            calls.push((comp, method));
        }
        ctx.process(pname, &calls)
            .map_err(|e| Error::format(proc_path.display(), pname, e.to_string()))?;
        calls_of.insert(pname, calls);
    }
    add_joints(ctx, &proc_path, &procs, &mut calls_of, joints)?;
    Ok(watched)
}

/// Adds the joint processes `joints` (each with its children, `(field, name)`) to
/// `ctx`: a joint runs its children's calls in order (ngcsimlib's JointProcess); a
/// child may itself be joint, declared before or after it. `calls_of` holds the calls
/// of every process added so far.
fn add_joints<'a>(
    ctx: &mut Context,
    proc_path: &Path,
    procs: &Value,
    calls_of: &mut HashMap<&'a str, Vec<(&'a str, Method)>>,
    joints: Vec<(&'a str, Vec<(String, &'a str)>)>,
) -> Result<()> {
    let mut pending = joints;
    while !pending.is_empty() {
        let before = pending.len();
        let mut still = Vec::new();
        for (pname, names) in pending {
            if names.iter().all(|(_, n)| calls_of.contains_key(n)) {
                // Joints of joints multiply: a file's few lines could ask for
                // billions of calls.
                let total: usize = names.iter().map(|(_, n)| calls_of[n].len()).sum();
                if total > MAX_JOINT_CALLS {
                    return Err(Error::format(
                        proc_path.display(),
                        format!("{pname}.process_order"),
                        format!("joint process `{pname}` would make {total} calls (at most {MAX_JOINT_CALLS})"),
                    ));
                }
                let calls: Vec<(&str, Method)> = names
                    .iter()
                    .flat_map(|(_, n)| calls_of[n].iter().copied())
                    .collect();
                let children: Vec<&str> = names.iter().map(|(_, n)| *n).collect();
                ctx.joint_process(pname, &children)
                    .map_err(|e| Error::format(proc_path.display(), pname, e.to_string()))?;
                calls_of.insert(pname, calls);
            } else {
                still.push((pname, names));
            }
        }
        if still.len() == before {
            let (pname, names) = &still[0];
            let (field, missing) = names
                .iter()
                .find(|(_, n)| !calls_of.contains_key(n))
                .expect("an unresolved joint names an unresolved process");
            let known = procs
                .as_object()
                .map(|m| m.contains_key(*missing))
                .unwrap_or(false);
            return Err(Error::format(
                proc_path.display(),
                field.clone(),
                if known {
                    format!("joint process `{pname}` is part of a cycle through `{missing}`")
                } else {
                    format!(
                        "joint process `{pname}` names `{missing}`, which is not a process here"
                    )
                },
            ));
        }
        pending = still;
    }
    Ok(())
}
