//! Lowered wires: a target compartment and its source as an expression over
//! compartment indices (`Expr`), and delivering the source's value into the target.
//!
//! A wire's operations evaluate into buffers they own, allocated when the wire is
//! made, so delivering a value does not allocate. A leaf source whose component keeps
//! its non-zero entries, wired into an input with a support, delivers only those.

use crate::core::component::{write, Component};
use crate::core::model::Slot;
use ndarray::Array2;

/// A lowered wire source. Operations own the buffer they evaluate into.
#[derive(Debug, Clone)]
pub(super) enum Expr {
    Leaf(Slot),
    Op {
        product: bool,
        children: Vec<Expr>,
        buf: Array2<f32>,
    },
}

impl Expr {
    /// Evaluates every operation in the tree into its buffer.
    pub(super) fn eval(&mut self, comps: &[Box<dyn Component>]) {
        if let Expr::Op {
            product,
            children,
            buf,
        } = self
        {
            for ch in children.iter_mut() {
                ch.eval(comps);
            }
            buf.assign(children[0].value(comps));
            for ch in &children[1..] {
                if *product {
                    *buf *= ch.value(comps);
                } else {
                    *buf += ch.value(comps);
                }
            }
        }
    }

    /// Whether the expression reads compartment `r`.
    pub(super) fn reads(&self, r: Slot) -> bool {
        match self {
            Expr::Leaf(x) => *x == r,
            Expr::Op { children, .. } => children.iter().any(|c| c.reads(r)),
        }
    }

    /// The value after [`Expr::eval`].
    pub(super) fn value<'a>(&'a self, comps: &'a [Box<dyn Component>]) -> &'a Array2<f32> {
        match self {
            Expr::Leaf(r) => comps[r.component]
                .array(r.compartment)
                .expect("resolved at build"),
            Expr::Op { buf, .. } => buf,
        }
    }
}

/// A lowered wire: its target and its source.
#[derive(Debug, Clone)]
pub(super) struct Wire {
    pub(super) target: Slot,
    pub(super) expr: Expr,
    /// Used when a leaf source lives in the target's own component.
    pub(super) scratch: Option<Array2<f32>>,
}

impl Wire {
    /// Copies the source's current value into the target compartment.
    pub(super) fn gather(&mut self, comps: &mut [Box<dyn Component>]) {
        let t = self.target;
        match (&mut self.expr, &mut self.scratch) {
            (Expr::Leaf(s), None) => {
                let (src, dst) = pair_mut(comps, s.component, t.component);
                let value = src.array(s.compartment).expect("resolved at build");
                match (src.nonzero(s.compartment), dst.sparse_input(t.compartment)) {
                    (Some(nonzero), Some((arr, support))) => {
                        match (arr.as_slice_mut(), value.as_slice()) {
                            (Some(d), Some(v)) => support.deliver(d, v, nonzero),
                            _ => {
                                arr.assign(value);
                                support.forget();
                            }
                        }
                    }
                    (None, Some((arr, support))) => {
                        arr.assign(value);
                        support.forget();
                    }
                    _ => write(dst, t.compartment, |a| a.assign(value)).expect("resolved at build"),
                }
            }
            (expr, scratch) => {
                expr.eval(comps);
                let value = match scratch {
                    Some(buf) => {
                        buf.assign(expr.value(comps));
                        &*buf
                    }
                    None => match expr {
                        Expr::Op { buf, .. } => &*buf,
                        Expr::Leaf(_) => unreachable!("a leaf without scratch is handled above"),
                    },
                };
                write(&mut *comps[t.component], t.compartment, |a| a.assign(value))
                    .expect("resolved at build");
            }
        }
    }
}

/// Copies `a` into `out` (row-major); `out` holds exactly as many values.
pub(super) fn copy_into(a: &Array2<f32>, out: &mut [f32]) {
    match a.as_slice() {
        Some(s) => out.copy_from_slice(s),
        None => out.iter_mut().zip(a.iter()).for_each(|(o, &x)| *o = x),
    }
}

/// `(&comps[a], &mut comps[b])` for `a != b`.
fn pair_mut(
    comps: &mut [Box<dyn Component>],
    a: usize,
    b: usize,
) -> (&dyn Component, &mut dyn Component) {
    if a < b {
        let (lo, hi) = comps.split_at_mut(b);
        (&*lo[a], &mut *hi[0])
    } else {
        let (lo, hi) = comps.split_at_mut(a);
        (&*hi[0], &mut *lo[b])
    }
}
