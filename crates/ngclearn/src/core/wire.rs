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
    /// Compartments' columns side by side (each a leaf, as tall as the buffer).
    Cat {
        children: Vec<Expr>,
        buf: Array2<f32>,
    },
}

impl Expr {
    /// Evaluates every operation in the tree into its buffer.
    pub(super) fn eval(&mut self, comps: &[Box<dyn Component>]) {
        if let Expr::Cat { children, buf } = self {
            let mut at = 0;
            for ch in children.iter() {
                let v = ch.value(comps);
                let w = v.ncols();
                buf.slice_mut(ndarray::s![.., at..at + w]).assign(v);
                at += w;
            }
            return;
        }
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
            Expr::Op { children, .. } | Expr::Cat { children, .. } => {
                children.iter().any(|c| c.reads(r))
            }
        }
    }

    /// Whether the expression reads a compartment of component `c`.
    pub(super) fn reads_component(&self, c: usize) -> bool {
        match self {
            Expr::Leaf(x) => x.component == c,
            Expr::Op { children, .. } | Expr::Cat { children, .. } => {
                children.iter().any(|ch| ch.reads_component(c))
            }
        }
    }

    /// The value after [`Expr::eval`].
    pub(super) fn value<'a>(&'a self, comps: &'a [Box<dyn Component>]) -> &'a Array2<f32> {
        match self {
            Expr::Leaf(r) => comps[r.component]
                .array(r.compartment)
                .expect("resolved at build"),
            Expr::Op { buf, .. } | Expr::Cat { buf, .. } => buf,
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
    /// Whether the operation is made straight in the target ([`direct`]), settled
    /// when the wire is lowered.
    pub(super) direct: bool,
}

impl Wire {
    /// The source component when the wire is a plain copy of one compartment of
    /// another component into the target.
    pub(super) fn plain_copy(&self) -> Option<usize> {
        match (&self.expr, &self.scratch) {
            (Expr::Leaf(s), None) if s.component != self.target.component => Some(s.component),
            _ => None,
        }
    }

    /// A plain copy's delivery ([`Wire::plain_copy`]) from `src`, its source component,
    /// into `dst`, its target's.
    pub(super) fn gather_copy(&self, src: &dyn Component, dst: &mut dyn Component) {
        let (Expr::Leaf(s), t) = (&self.expr, self.target) else {
            unreachable!("called on plain copies")
        };
        let value = src.array(s.compartment).expect("resolved at build");
        match (src.nonzero(s.compartment), dst.sparse_input(t.compartment)) {
            (Some(nonzero), Some((arr, support))) => match (arr.as_slice_mut(), value.as_slice()) {
                (Some(d), Some(v)) => support.deliver(d, v, nonzero),
                _ => {
                    arr.assign(value);
                    support.forget();
                }
            },
            (None, Some((arr, support))) => {
                copy(arr, value);
                support.forget();
            }
            _ => write(dst, t.compartment, |a| copy(a, value)).expect("resolved at build"),
        }
    }

    /// Copies the source's current value into the target compartment.
    pub(super) fn gather(&mut self, comps: &mut [Box<dyn Component>]) {
        let t = self.target;
        match (&mut self.expr, &mut self.scratch) {
            (Expr::Leaf(s), None) => {
                let (src, dst) = pair_mut(comps, s.component, t.component);
                self.gather_copy(src, dst);
            }
            (
                Expr::Op {
                    product, children, ..
                },
                None,
            ) if self.direct => {
                // A sum or product of other components' compartments, made in the
                // target in one pass: the same additions in the same order as
                // evaluating into the buffer and copying it.
                let mut srcs = [(std::ptr::null::<f32>(), 0usize); MAX_DIRECT];
                for (src, ch) in srcs.iter_mut().zip(children.iter()) {
                    let Expr::Leaf(s) = ch else {
                        unreachable!("checked above")
                    };
                    let a = comps[s.component]
                        .array(s.compartment)
                        .expect("resolved at build");
                    let a = a.as_slice().expect("owned arrays are contiguous");
                    *src = (a.as_ptr(), a.len());
                }
                let (n, product) = (children.len(), *product);
                write(&mut *comps[t.component], t.compartment, |dst| {
                    let dst = dst.as_slice_mut().expect("owned arrays are contiguous");
                    // SAFETY: each source is a compartment of a component other than the
                    // target's (checked above), which this write does not touch, so the
                    // slices stay valid and unaliased for its length; the shapes were
                    // checked equal to the target's when the wire was lowered.
                    let src: [&[f32]; MAX_DIRECT] = std::array::from_fn(|k| match k < n {
                        true => unsafe { std::slice::from_raw_parts(srcs[k].0, srcs[k].1) },
                        false => &[],
                    });
                    combine(dst, &src[..n], product);
                })
                .expect("resolved at build");
            }
            (Expr::Cat { children, .. }, None) if cat_events(children, t, comps) => {}
            (expr, scratch) => {
                expr.eval(comps);
                let value = match scratch {
                    Some(buf) => {
                        buf.assign(expr.value(comps));
                        &*buf
                    }
                    None => match expr {
                        Expr::Op { buf, .. } | Expr::Cat { buf, .. } => &*buf,
                        Expr::Leaf(_) => unreachable!("a leaf without scratch is handled above"),
                    },
                };
                write(&mut *comps[t.component], t.compartment, |a| a.assign(value))
                    .expect("resolved at build");
            }
        }
    }
}

/// A concatenation's step when its target keeps a [`Support`] and every operand lists
/// its non-zero entries: the target's entries set last step are zeroed and the new ones
/// copied from the lists, row by row, operand by operand (ascending flat indices).
/// False, having done nothing, when that is not so.
fn cat_events(children: &[Expr], t: Slot, comps: &mut [Box<dyn Component>]) -> bool {
    let mut parts: [(&[f32], &[u32], usize); MAX_CAT_EVENTS] = [(&[], &[], 0); MAX_CAT_EVENTS];
    if children.len() > MAX_CAT_EVENTS {
        return false;
    }
    // The operands are read while the target is written: collect their slices first
    // (each another component's compartment: a concatenation never reads its target,
    // checked when wired, unless a leaf is in the target's own component).
    let mut ptrs = [(
        std::ptr::null::<f32>(),
        0usize,
        std::ptr::null::<u32>(),
        0usize,
        0usize,
    ); MAX_CAT_EVENTS];
    for (p, ch) in ptrs.iter_mut().zip(children) {
        let Expr::Leaf(s) = ch else { return false };
        if s.component == t.component {
            return false;
        }
        let c = &comps[s.component];
        let (Some(v), Some(nz)) = (c.array(s.compartment), c.nonzero(s.compartment)) else {
            return false;
        };
        let Some(vs) = v.as_slice() else { return false };
        *p = (vs.as_ptr(), vs.len(), nz.as_ptr(), nz.len(), v.ncols());
    }
    let Some((arr, support)) = comps[t.component].sparse_input(t.compartment) else {
        return false;
    };
    let Some(dst) = arr.as_slice_mut() else {
        return false;
    };
    for (part, p) in parts.iter_mut().zip(&ptrs[..children.len()]) {
        // SAFETY: each slice is a compartment of a component other than the target's
        // (checked above); the target's write below touches only its own array, so they
        // stay valid and unaliased while it lasts.
        *part = unsafe {
            (
                std::slice::from_raw_parts(p.0, p.1),
                std::slice::from_raw_parts(p.2, p.3),
                p.4,
            )
        };
    }
    support.deliver_joined(dst, &parts[..children.len()]);
    true
}

/// The most operands a concatenation delivers as events ([`cat_events`]).
const MAX_CAT_EVENTS: usize = 64;

/// The most operands a sum or product wire combines straight into its target.
const MAX_DIRECT: usize = 8;

/// Whether an operation's operands can be combined straight into target `t`: at most
/// [`MAX_DIRECT`] compartments of other components, each of the target's shape (no
/// broadcasting).
pub(super) fn direct(expr: &Expr, t: Slot, comps: &[Box<dyn Component>]) -> bool {
    let Expr::Op { children, .. } = expr else {
        return false;
    };
    let dim = comps[t.component].array(t.compartment).map(|a| a.dim());
    children.len() <= MAX_DIRECT
        && children.iter().all(|c| match c {
            Expr::Leaf(s) => {
                let a = comps[s.component].array(s.compartment);
                s.component != t.component
                    && a.is_some_and(|a| Some(a.dim()) == dim && a.is_standard_layout())
            }
            Expr::Op { .. } | Expr::Cat { .. } => false,
        })
}

/// `dst = src[0] + src[1] + ...` (or `*`), left to right, element by element.
fn combine(dst: &mut [f32], src: &[&[f32]], product: bool) {
    let n = dst.len();
    assert!(
        src.iter().all(|s| s.len() == n),
        "operands of the target's shape"
    );
    crate::core::simd::with_simd(
        #[inline(always)]
        || combine_in(dst, src, product),
    );
}

#[inline(always)]
fn combine_in(dst: &mut [f32], src: &[&[f32]], product: bool) {
    match (src, product) {
        ([a, b], false) => dst
            .iter_mut()
            .zip(a.iter().zip(*b))
            .for_each(|(d, (&a, &b))| *d = a + b),
        ([a, b], true) => dst
            .iter_mut()
            .zip(a.iter().zip(*b))
            .for_each(|(d, (&a, &b))| *d = a * b),
        _ => {
            dst.copy_from_slice(src[0]);
            for s in &src[1..] {
                if product {
                    dst.iter_mut().zip(*s).for_each(|(d, &x)| *d *= x);
                } else {
                    dst.iter_mut().zip(*s).for_each(|(d, &x)| *d += x);
                }
            }
        }
    }
}

/// `dst.assign(src)`, as one block copy when both are contiguous in the same order.
fn copy(dst: &mut Array2<f32>, src: &Array2<f32>) {
    if dst.dim() == src.dim() {
        if let (Some(d), Some(s)) = (dst.as_slice_mut(), src.as_slice()) {
            d.copy_from_slice(s);
            return;
        }
    }
    dst.assign(src);
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
