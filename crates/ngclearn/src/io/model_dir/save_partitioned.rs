//! Saving a model partitioned across ranks: rank 0 writes the whole directory, each
//! split array streamed into place from the ranks' blocks.

use super::save::{
    check_save_target, make_dirs, process_entry, root_entry, saved_arrays, uniform, write_array,
    write_custom, write_json, write_keys,
};
use crate::core::context::Model;
use crate::core::partition::{block, scatter_rows, Layout};
use crate::error::Result;
use crate::io::npz::{Dtype, NpzStream};
use crate::io::replace::PendingDir;
use serde_json::{Map, Value};
use std::path::Path;

/// Saves a model partitioned across ranks (this rank's `model`, split as `layout` says:
/// see [`Partitioned`](crate::core::partition::Partitioned)) as the whole model's directory, the one a
/// single process would save (byte for byte), without gathering the whole model
/// anywhere: every rank must call it, in the same order; rank 0 writes `dir` beside
/// its destination and returns it, ready to be put in place by [`PendingDir::commit`]
/// (the others return `None`). A split array travels to rank 0 in blocks of rows of
/// about 4 MB (at least one row), each written into its npz as it arrives, so rank 0
/// holds two such blocks of it at a time. A failure on one rank is that rank's: the caller ends the others
/// ([`Exchange::abort`](crate::core::partition::Exchange::abort)), which would otherwise wait in a collective call.
pub fn prepare_model_dir_partitioned(
    model: &Model,
    layout: &Layout,
    dir: &Path,
    overwrite: bool,
) -> Result<Option<PendingDir>> {
    super::save::check_savable_partitioned(model)?;
    let root = layout.exchange().rank() == 0;
    let pending = if root {
        check_save_target(dir, overwrite)?;
        Some(PendingDir::create(dir)?)
    } else {
        None
    };
    match write_partitioned(model, layout, pending.as_ref()) {
        Ok(()) => Ok(pending),
        Err(e) => Err(match &pending {
            Some(p) => p.at_destination(e),
            None => e,
        }),
    }
}

/// The body of [`prepare_model_dir_partitioned`]: rank 0 (`pending` given) writes.
fn write_partitioned(model: &Model, layout: &Layout, pending: Option<&PendingDir>) -> Result<()> {
    let ex = layout.exchange();
    let (size, root) = (ex.size(), ex.rank() == 0);
    let custom = match pending {
        Some(p) => Some(make_dirs(p.path())?),
        None => None,
    };
    let mut roots = Map::new();
    for part in &layout.parts {
        let i = model
            .components()
            .position(|c| c.name() == part.name)
            .expect("a partitioned component keeps its name");
        let c = model.components().nth(i).expect("found just above");
        let mut kwargs = c.kwargs();
        if let Some(w) = part.width {
            // The block's arguments, as wide as the whole.
            if let Some(Value::Array(shape)) = kwargs.get_mut("shape") {
                if shape.len() == 2 {
                    shape[1] = w.into();
                }
            } else if let Some(n) = kwargs.get_mut("n_units") {
                *n = w.into();
            }
        }
        roots.insert(
            part.name.clone(),
            root_entry(model.origin(i), kwargs, c.schema().module_path),
        );
        let mut npz = match &custom {
            Some(d) => Some(NpzStream::create(&d.join(format!("{}.npz", part.name)))?),
            None => None,
        };
        // `(compartment it splits like, name, value, whether ngclearn may save it as
        // a scalar)`: the class's own form (no key), or its compartments and key.
        let own = c.own_saved_form();
        let entries: Vec<(usize, &str, &ndarray::Array2<f32>, bool)> = match &own {
            Some(own) => own
                .iter()
                .map(|e| (e.like, e.name, &e.value, false))
                .collect(),
            None => saved_arrays(model, i, c)
                .map(|(idx, name, a)| (idx, name, a, part.scalar[idx]))
                .collect(),
        };
        if let (Some(z), None) = (npz.as_mut(), &own) {
            write_keys(z, c)?;
        }
        for (idx, name, a, may_be_scalar) in entries {
            let mut same = uniform(a);
            let width = part.width.filter(|_| part.split[idx]);
            if width.is_some() {
                // The same across the whole: on every rank, to the same value.
                let mut all = Vec::new();
                let mine = same.map_or([0, 0], |x| [1, x.to_bits()]);
                ex.allgather_u32(&mine, &mut all);
                same = same.filter(|_| all.chunks(2).all(|x| x == mine));
            }
            let scalar = same.filter(|_| may_be_scalar);
            let Some(width) = width.filter(|_| scalar.is_none()) else {
                if let Some(z) = npz.as_mut() {
                    write_array(z, name, a, scalar)?;
                }
                continue;
            };
            let rows = a.nrows();
            if let Some(z) = npz.as_mut() {
                z.begin(name, Dtype::F32, &[rows, width])?;
            }
            let local = a.as_slice().expect("owned arrays are contiguous");
            let n = a.ncols();
            let step = (1usize << 20).div_ceil(width).max(1);
            let mut got = vec![0.0f32; if root { step.min(rows) * width } else { 0 }];
            let mut out = got.clone();
            let mut r0 = 0;
            while r0 < rows {
                let r1 = (r0 + step).min(rows);
                let counts: Vec<usize> = (0..size)
                    .map(|r| (r1 - r0) * block(width, size, r).len())
                    .collect();
                let total = (r1 - r0) * width;
                ex.gather_f32_to_root(
                    &local[r0 * n..r1 * n],
                    &counts,
                    &mut got[..if root { total } else { 0 }],
                );
                if let Some(z) = npz.as_mut() {
                    // Each rank's rows of its columns, in rank order, into whole rows.
                    scatter_rows(&got[..total], &counts, r1 - r0, width, &mut out[..total]);
                    z.write_f32(out[..total].iter().copied())?;
                }
                r0 = r1;
            }
        }
        if let (Some(z), Some(d)) = (npz, &custom) {
            z.finish()?;
            write_custom(d, c.custom_files())?;
        }
    }
    if let Some(p) = pending {
        let mut procs = Map::new();
        for sp in &layout.processes {
            let calls: Vec<(&str, &str)> = sp.calls.iter().map(|(c, m)| (c.as_str(), *m)).collect();
            procs.insert(
                sp.name.clone(),
                process_entry(&sp.name, sp.children.as_deref(), &calls),
            );
        }
        write_json(p.path(), model.name(), roots, procs, &layout.wires)?;
    }
    Ok(())
}
