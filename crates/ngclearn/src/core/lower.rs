//! Lowering a description into a model: paths to indices, sources to expressions.
//!
//! `Parts` holds the named components and resolves `component:compartment` paths
//! against their schemas once; the description ([`Context`]) and the built
//! [`Model`] share it. A wire's source is lowered when the wire is declared,
//! checking every path and shape, and a source that is itself wired is replaced by its
//! own source. [`Context::build`] then groups the wires by target component, so that
//! running a process finds each component's wires as a range: no string lookup, no
//! hashing and no allocation.

use crate::core::component::Component;
use crate::core::context::{Context, Origin};
use crate::core::model::{Model, ModelId, Slot};
use crate::core::operations::Source;
use crate::core::parallel::Workers;
use crate::core::schema::Kind;
use crate::core::wire::Expr;
use crate::error::{name_list, Error, NotFound, Result};
use ndarray::Array2;
use std::collections::HashMap;

/// The named components, in the order they were added, and how each was written.
#[derive(Debug)]
pub(super) struct Parts {
    pub(super) name: String,
    pub(super) components: Vec<Box<dyn Component>>,
    pub(super) origins: Vec<Option<Origin>>,
    pub(super) index: HashMap<String, usize>,
}

impl Parts {
    fn split_path(path: &str) -> Result<(&str, &str)> {
        let mut it = path.splitn(2, ':');
        let component = it.next().unwrap_or_default();
        let compartment = it.next().ok_or_else(|| Error::MalformedPath {
            path: path.to_string(),
        })?;
        if component.is_empty() || compartment.is_empty() || compartment.contains(':') {
            return Err(Error::MalformedPath {
                path: path.to_string(),
            });
        }
        Ok((component, compartment))
    }

    pub(super) fn resolve(&self, path: &str) -> Result<(Slot, Kind)> {
        // ngclearn's full paths carry the context's name first: accept only ours.
        let local = match path.split_once(':') {
            Some((ctx, rest)) if ctx == self.name && rest.contains(':') => rest,
            _ => path,
        };
        let (comp, cpt) = Self::split_path(local)?;
        let &ci = self
            .index
            .get(comp)
            .ok_or_else(|| self.unknown_component(comp))?;
        let schema = self.components[ci].schema();
        let k = schema
            .compartment_index(cpt)
            .ok_or_else(|| Error::UnknownCompartment {
                component: comp.to_string(),
                class: schema.class.to_string(),
                compartment: cpt.to_string(),
                available: name_list(schema.compartments.iter().map(|c| c.name)),
            })?;
        let r = Slot {
            component: ci,
            compartment: k,
        };
        Ok((r, schema.compartments[k].kind))
    }

    /// The error for a component `name` that does not exist, listing those that do.
    pub(super) fn unknown_component(&self, name: &str) -> Error {
        Error::UnknownComponent {
            // A partitioned model's mirrors are the engine's, not the user's.
            name: NotFound::new(
                name,
                self.components
                    .iter()
                    .filter(|c| !crate::core::partition::is_mirror(&***c))
                    .map(|c| c.name()),
            ),
        }
    }

    pub(super) fn resolve_array(&self, path: &str) -> Result<Slot> {
        match self.resolve(path)? {
            (r, Kind::Array) => Ok(r),
            (_, Kind::Key) => Err(Error::KindMismatch {
                path: path.to_string(),
                holds: "a PRNG key".into(),
                given: "an array".into(),
            }),
        }
    }

    pub(super) fn array(&self, r: Slot) -> &Array2<f32> {
        self.components[r.component]
            .array(r.compartment)
            .expect("compartment refs are resolved against the schema")
    }

    pub(super) fn path(&self, r: Slot) -> String {
        let c = &self.components[r.component];
        format!(
            "{}:{}",
            c.name(),
            c.schema().compartments[r.compartment].name
        )
    }

    /// The shape of compartment `r` in the whole model: its own, or, for a block of a
    /// partitioned model (`whole` gives the width of a split compartment), as wide as
    /// the whole.
    pub(super) fn whole_shape(&self, r: Slot, whole: &dyn Fn(Slot) -> Option<usize>) -> Vec<usize> {
        let mut shape = self.array(r).shape().to_vec();
        if let Some(w) = whole(r) {
            shape[1] = w;
        }
        shape
    }

    /// Lowers a source, checking every path and that all shapes (in the whole model:
    /// see [`Parts::whole_shape`]) agree with `shape`.
    pub(super) fn lower(
        &self,
        src: &Source,
        shape: &[usize],
        target: &str,
        whole: &dyn Fn(Slot) -> Option<usize>,
    ) -> Result<Expr> {
        match src {
            Source::Path(p) => {
                let r = self.resolve_array(p)?;
                let got = self.whole_shape(r, whole);
                if got != shape {
                    return Err(Error::ShapeMismatch {
                        path: target.to_string(),
                        expected: shape.to_vec(),
                        got,
                        context: format!(" (the shape of source `{p}`)"),
                    });
                }
                Ok(Expr::Leaf(r))
            }
            Source::Summation(ops) | Source::Product(ops) => {
                if ops.is_empty() {
                    return Err(Error::EmptyOperation {
                        op: src.op_name().unwrap_or_default().to_string(),
                        path: target.to_string(),
                    });
                }
                let children = ops
                    .iter()
                    .map(|o| self.lower(o, shape, target, whole))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Expr::Op {
                    product: matches!(src, Source::Product(_)),
                    children,
                    buf: Array2::zeros((shape[0], shape[1])),
                })
            }
            Source::Concatenation(ops) => {
                if ops.is_empty() {
                    return Err(Error::EmptyOperation {
                        op: "Concatenation".to_string(),
                        path: target.to_string(),
                    });
                }
                // Each operand is a compartment as tall as the target; their widths
                // add up to the target's.
                let mut children = Vec::with_capacity(ops.len());
                let mut width = 0usize;
                for o in ops {
                    let Source::Path(p) = o else {
                        return Err(Error::param(
                            target,
                            "wire",
                            o.to_string(),
                            "a concatenation joins compartments, not operations",
                        ));
                    };
                    let r = self.resolve_array(p)?;
                    let got = self.whole_shape(r, whole);
                    if got.len() != 2 || shape.len() != 2 || got[0] != shape[0] {
                        return Err(Error::ShapeMismatch {
                            path: target.to_string(),
                            expected: shape.to_vec(),
                            got,
                            context: format!(" (the rows of concatenated source `{p}`)"),
                        });
                    }
                    width += got[1];
                    children.push(Expr::Leaf(r));
                }
                if width != shape[1] {
                    return Err(Error::ShapeMismatch {
                        path: target.to_string(),
                        expected: shape.to_vec(),
                        got: vec![shape[0], width],
                        context: format!(" (the columns of {src}, side by side)"),
                    });
                }
                Ok(Expr::Cat {
                    children,
                    buf: Array2::zeros((shape[0], shape[1])),
                })
            }
        }
    }
}

impl Context {
    /// Replaces each leaf of `expr` that is itself wired by that wire's source, and
    /// writes paths in their canonical `component:compartment` form.
    pub(super) fn follow(&self, expr: Expr, spec: Source) -> (Expr, Source) {
        match (expr, spec) {
            (Expr::Leaf(r), _) => match self.lowered.iter().position(|w| w.target == r) {
                Some(i) => (self.lowered[i].expr.clone(), self.wires[i].1.clone()),
                None => (Expr::Leaf(r), Source::Path(self.parts.path(r))),
            },
            (
                Expr::Op {
                    product,
                    children,
                    buf,
                },
                Source::Summation(ops) | Source::Product(ops),
            ) => {
                let (children, ops): (Vec<Expr>, Vec<Source>) = children
                    .into_iter()
                    .zip(ops)
                    .map(|(c, o)| self.follow(c, o))
                    .unzip();
                let spec = if product {
                    Source::Product(ops)
                } else {
                    Source::Summation(ops)
                };
                (
                    Expr::Op {
                        product,
                        children,
                        buf,
                    },
                    spec,
                )
            }
            (Expr::Cat { children, buf }, Source::Concatenation(ops)) => {
                // Its operands stay the compartments named: a wired one is read as it
                // holds the wire's value.
                let ops = children
                    .iter()
                    .zip(ops)
                    .map(|(c, o)| match c {
                        Expr::Leaf(r) => Source::Path(self.parts.path(*r)),
                        _ => o,
                    })
                    .collect();
                (Expr::Cat { children, buf }, Source::Concatenation(ops))
            }
            (expr, spec) => (expr, spec),
        }
    }

    /// Lowers the description into a runnable [`Model`], with an id of its own that
    /// its handles will carry (see [`ModelId`]).
    pub fn build(self) -> Result<Model> {
        if self.plan.is_some() {
            return Err(Error::param(
                &self.parts.name,
                "build",
                "partitioned",
                "a description of one rank's part builds with build_partitioned",
            ));
        }
        let Context {
            mut parts,
            wires,
            mut lowered,
            processes,
            parallelism,
            plan: _,
        } = self;
        let workers = Workers::new(parallelism)?;
        for c in &mut parts.components {
            c.attach(&workers);
        }
        // Group wires by target component so each call finds its own as a range.
        let mut order: Vec<usize> = (0..lowered.len()).collect();
        order.sort_by_key(|&i| lowered[i].target.component);
        let mut sorted = Vec::with_capacity(lowered.len());
        let mut specs = Vec::with_capacity(lowered.len());
        for &i in &order {
            sorted.push(lowered[i].clone());
            specs.push(wires[i].clone());
        }
        lowered.clear();
        let n = parts.components.len();
        let mut ranges = vec![0..0; n];
        let mut start = 0;
        for (c, range) in ranges.iter_mut().enumerate() {
            let end = start
                + sorted[start..]
                    .iter()
                    .take_while(|w| w.target.component == c)
                    .count();
            *range = start..end;
            start = end;
        }
        // Components whose statistics take any batch are checked before the first run
        // too (a loaded model may hold pre and post of different batches).
        let rows_to_check = (0..n)
            .filter(|&c| !parts.components[c].schema().any_rows.is_empty())
            .collect();
        Ok(Model {
            id: ModelId::fresh(),
            parts,
            wires: sorted,
            wire_specs: specs,
            wire_ranges: ranges,
            processes,
            workers,
            rows_to_check,
        })
    }
}
