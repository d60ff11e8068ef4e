//! How a component splits into blocks of columns: which compartments split, and a
//! block rebuilt from the class's arguments.

use super::layout::Columns;
use crate::core::component::{write, Component};
use crate::core::schema::{CompartmentInfo, Kind, Size};
use crate::error::{Error, Result};
use std::ops::Range;

/// Whether compartment `info` of a whole component (value `a`) whose split axis is
/// `width` wide is split along its columns: its shape names the split axis, it spans
/// it, and it is not the (1, 1) form of a wider axis.
pub(super) fn split_axis(
    info: &CompartmentInfo,
    dim: (usize, usize),
    width: Option<usize>,
) -> bool {
    let Some(w) = width else { return false };
    info.kind == Kind::Array
        && names_split_axis(info)
        && dim.1 == w
        && !(info.shape.may_be_one_by_one() && dim == (1, 1) && w != 1)
}

/// The shape of array compartment `idx` of `c`, without making a sparse synapse's
/// dense weights (reading `weights` as an array would: a block of the microcircuit's
/// would hold gigabytes).
pub(super) fn dim_of(c: &dyn Component, idx: usize) -> Option<(usize, usize)> {
    let info = c.schema().compartments.get(idx)?;
    match c.stored_weights() {
        Some(w) if info.name == "weights" && info.kind == Kind::Array => Some(w.shape()),
        _ => c.array(idx).map(|a| a.dim()),
    }
}

/// Whether a compartment's declared shape ends in the axis a partition splits.
pub(super) fn names_split_axis(info: &CompartmentInfo) -> bool {
    info.shape.splits()
}

/// [`split_axis`] of every compartment of the whole component `c`.
pub(super) fn splits(c: &dyn Component, width: Option<usize>) -> Vec<bool> {
    c.schema()
        .compartments
        .iter()
        .enumerate()
        .map(|(idx, info)| dim_of(c, idx).is_some_and(|d| split_axis(info, d, width)))
        .collect()
}

/// The width of the axis a component's partition splits: `n_post` of a synapse (its
/// weights' columns), `n_units` of a cell; `None` if it has neither.
pub(super) fn width_of(c: &dyn Component) -> Option<usize> {
    let schema = c.schema();
    let find = |a: Size, b: Size| {
        schema
            .compartments
            .iter()
            .enumerate()
            .find(|(_, i)| i.kind == Kind::Array && i.shape.has_form(a, b))
            .and_then(|(idx, _)| dim_of(c, idx))
            .map(|d| d.1)
    };
    find(Size::Pre, Size::Post).or_else(|| find(Size::Batch, Size::Units))
}

/// Builds this rank's block of `c`, a component whose state is its keyword arguments and
/// its compartments: the class built with `n_units` (or `shape[1]`) set to the block's
/// width, then every compartment written from the block's columns of `c`'s (those of
/// other shapes whole). For `#[class(split = ...)]` declarations.
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
            Kind::Key => local.set_key_at(idx, c.key_at(idx)),
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

/// Which compartments (by index) of `c`, a block of `columns` built alone (at least two
/// columns: see [`Context::columns_for`](crate::core::context::Context::columns_for)), are split along their columns: those whose
/// shape names the split axis and that are as wide as the block (a `(1, 1)` one is
/// the broadcast form).
pub fn block_splits(c: &dyn Component, columns: &Columns) -> Vec<bool> {
    let n = columns.cols.len();
    c.schema()
        .compartments
        .iter()
        .enumerate()
        .map(|(idx, info)| {
            dim_of(c, idx).is_some_and(|d| {
                info.kind == Kind::Array
                    && names_split_axis(info)
                    && d.1 == n
                    && !(info.shape.may_be_one_by_one() && d == (1, 1))
            })
        })
        .collect()
}

/// [`Component::saves_as_scalar`] of every compartment of `c`.
pub(super) fn scalars(c: &dyn Component) -> Vec<bool> {
    (0..c.schema().compartments.len())
        .map(|i| c.saves_as_scalar(i))
        .collect()
}

/// A component with state beyond its compartments cannot be split: it would not come
/// back in a gather.
pub(super) fn refuse_custom_state(c: &dyn Component, size: usize) -> Result<()> {
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
