//! Describing a model ([`Context`]): named components, wires and processes.
//!
//! A [`Context`] collects them, checking each as it is added (unknown names, shapes,
//! duplicates, a second wire into one compartment). [`Context::build`] (in `lower.rs`)
//! lowers it into a [`Model`] whose wires and processes hold plain indices: running a
//! process does no name lookups and no allocation.
//!
//! The model, its handles and processes live in their own modules and are re-exported
//! here, where they have always been named.

pub use crate::core::model::{CompartmentRef, Model, ModelId};
pub use crate::core::process::{Method, ProcessId};

use crate::core::component::Component;
use crate::core::lower::Parts;
use crate::core::model::Slot;
use crate::core::operations::Source;
use crate::core::parallel::Parallelism;
use crate::core::partition::{Columns, Exchange, Partitioned, Plan};
use crate::core::process::Process;
use crate::core::schema::{MethodInfo, Schema};
use crate::core::wire::{Expr, Wire};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::sync::Arc;

/// How a component was written in a saved model, kept so that saving writes it back
/// as it was (ngclearn's `roots.json` entry: class, positional and keyword arguments).
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// The class's module path as written.
    pub module_path: String,
    /// Positional arguments.
    pub args: Vec<serde_json::Value>,
    /// Keyword arguments.
    pub kwargs: serde_json::Map<String, serde_json::Value>,
}

/// A model under construction: named components, wires and processes.
///
/// ```
/// use ngclearn::prelude::*;
/// let mut ctx = Context::new("demo");
/// ctx.add(LIFCell::new("z", 3, LIFCellParams::new(10.0))?)?;
/// ctx.process("advance", &[("z", Method::AdvanceState)])?;
/// let mut model = ctx.build()?;
/// let adv = model.process_id("advance")?;
/// model.set("z:j", &ndarray::Array2::from_elem((1, 3), 20.0f32))?;
/// model.run(adv, 0.1, 0.1)?;
/// assert!(model.get("z:v")?[[0, 0]] > -65.0);
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug)]
pub struct Context {
    pub(super) parts: Parts,
    pub(super) wires: Vec<(String, Source)>,
    pub(super) lowered: Vec<Wire>,
    pub(super) processes: Vec<Process>,
    pub(super) parallelism: Parallelism,
    /// For one rank's part of a partitioned model: how each component was split.
    pub(super) plan: Option<Plan>,
}

impl Context {
    /// How the built model may use threads (default: as many as rayon's current pool
    /// has; see [`crate::core::parallel`]). Results are the same for any setting.
    pub fn set_parallelism(&mut self, parallelism: Parallelism) -> &mut Self {
        self.parallelism = parallelism;
        self
    }

    /// An empty model named `name`.
    pub fn new(name: &str) -> Context {
        Context {
            parts: Parts {
                name: name.to_string(),
                components: Vec::new(),
                origins: Vec::new(),
                index: HashMap::new(),
            },
            wires: Vec::new(),
            lowered: Vec::new(),
            processes: Vec::new(),
            parallelism: Parallelism::default(),
            plan: None,
        }
    }

    /// An empty description of this rank's part of a model `name` partitioned across
    /// the ranks of `exchange` ([`crate::core::partition`]): every component added is
    /// replaced by this rank's block of it as it is added (or added as one,
    /// [`Context::add_block`]), so the whole model is never held; wires and processes
    /// are declared as for the whole model (shapes are checked as the whole's), and
    /// [`Context::build_partitioned`] builds the part.
    pub fn partitioned(name: &str, exchange: Arc<dyn Exchange>) -> Context {
        let mut ctx = Context::new(name);
        ctx.plan = Some(Plan::new(exchange));
        ctx
    }

    /// In a partitioned description, the block of columns this rank builds alone of a
    /// component whose partitioned axis is `width` wide (offered to its class through
    /// [`Kwargs::offer_columns`](crate::core::kwargs::Kwargs::offer_columns)); `None`
    /// where the component is built whole (and then split, if wide enough).
    pub fn columns_for(&self, width: usize) -> Option<Columns> {
        self.plan.as_ref()?.columns_for(width)
    }

    /// Adds this rank's block of a component of a partitioned description, built alone
    /// (columns `columns` of its partitioned axis; see [`Context::columns_for`]).
    pub fn add_block(
        &mut self,
        mut component: Box<dyn Component>,
        origin: Option<Origin>,
        columns: &Columns,
    ) -> Result<&mut Self> {
        let plan = self.plan.as_mut().ok_or_else(|| {
            Error::param(
                component.name(),
                "columns",
                format!("{:?}", columns.cols),
                "a block is added only to a partitioned description",
            )
        })?;
        let part = plan.block_part(&mut *component, columns)?;
        self.push(component, origin)?;
        self.plan.as_mut().expect("checked").parts.push(part);
        Ok(self)
    }

    fn push(&mut self, component: Box<dyn Component>, origin: Option<Origin>) -> Result<()> {
        let name = component.name().to_string();
        if self.parts.index.contains_key(&name) {
            return Err(Error::DuplicateName { name });
        }
        self.parts.index.insert(name, self.parts.components.len());
        self.parts.components.push(component);
        self.parts.origins.push(origin);
        Ok(())
    }

    /// Builds this rank's part of a partitioned description (see
    /// [`crate::core::partition`]): `whole` lists the split compartments to be held
    /// whole on every rank besides those a whole compartment reads (recordings);
    /// entries that name no compartment are left to the caller to report.
    pub fn build_partitioned(self, whole: &[&str]) -> Result<Partitioned> {
        crate::core::partition::build_part(self, whole)
    }

    /// Adds a component; its name must be new.
    pub fn add(&mut self, component: impl Component + 'static) -> Result<&mut Self> {
        self.add_boxed(Box::new(component))
    }

    /// Adds a boxed component; its name must be new.
    pub fn add_boxed(&mut self, component: Box<dyn Component>) -> Result<&mut Self> {
        self.add_with_origin(component, None)
    }

    /// Adds a component read from a saved model, remembering how it was written.
    pub fn add_with_origin(
        &mut self,
        component: Box<dyn Component>,
        origin: Option<Origin>,
    ) -> Result<&mut Self> {
        if self.parts.index.contains_key(component.name()) {
            return Err(Error::DuplicateName {
                name: component.name().to_string(),
            });
        }
        match self.plan.as_mut() {
            None => self.push(component, origin)?,
            Some(plan) => {
                let (local, part) = plan.split(component)?;
                self.push(local, origin)?;
                self.plan.as_mut().expect("checked").parts.push(part);
            }
        }
        Ok(self)
    }

    /// Wires `target` (`component:compartment`) to read from `source`.
    ///
    /// The source may be a path or a (nested) [`Summation`](crate::core::operations::Summation)
    /// / [`Product`](crate::core::operations::Product); every path must exist and every
    /// shape must equal the target's. A compartment takes one wire at most.
    pub fn wire(&mut self, source: impl Into<Source>, target: &str) -> Result<&mut Self> {
        let source = source.into();
        let t = self.parts.resolve_array(target)?;
        if self.lowered.iter().any(|w| w.target == t) {
            return Err(Error::AlreadyWired {
                path: target.to_string(),
            });
        }
        // (In a partitioned description, shapes are the whole model's.)
        let plan = self.plan.as_ref();
        let whole = |r: Slot| plan.and_then(|p| p.whole_width(r.component, r.compartment));
        let shape = self.parts.whole_shape(t, &whole);
        let expr = self.parts.lower(&source, &shape, target, &whole)?;
        // As ngcsimlib, a source that is itself wired is replaced by its own source
        // (at wiring time), and paths are kept in their canonical `component:compartment` form.
        let (expr, source) = self.follow(expr, source);
        if expr.reads(t) {
            return Err(Error::AlreadyWired {
                path: format!("{target} (this wire would make it read itself)"),
            });
        }
        let target = self.parts.path(t);
        let target = target.as_str();
        let scratch = match &expr {
            Expr::Leaf(s) if s.component == t.component => Some(self.parts.array(t).clone()),
            _ => None,
        };
        let direct = scratch.is_none() && super::wire::direct(&expr, t, &self.parts.components);
        self.lowered.push(Wire {
            target: t,
            expr,
            scratch,
            direct,
        });
        self.wires.push((target.to_string(), source));
        Ok(self)
    }

    /// Declares the process `name`: the calls it makes, in order. Each method must be
    /// one the component's class declares.
    pub fn process(&mut self, name: &str, calls: &[(&str, Method)]) -> Result<&mut Self> {
        if self.processes.iter().any(|p| p.name == name) {
            return Err(Error::DuplicateProcess {
                name: name.to_string(),
            });
        }
        let calls = calls
            .iter()
            .map(|&(c, m)| {
                // Resolved by name, so that `Named` of a shared method is that method.
                let (i, m, info) = self.resolve_method(c, m.as_str())?;
                Ok((i, m, info.reads_inputs))
            })
            .collect::<Result<Vec<_>>>()?;
        self.processes.push(Process {
            name: name.to_string(),
            calls,
            children: None,
            groups: Default::default(),
        });
        Ok(self)
    }

    /// Declares the joint process `name` (ngcsimlib's `JointProcess`): the calls of the
    /// processes `children`, already declared, in order. A model keeps the children's
    /// names, so that it is saved as a joint process.
    pub fn joint_process(&mut self, name: &str, children: &[&str]) -> Result<&mut Self> {
        if self.processes.iter().any(|p| p.name == name) {
            return Err(Error::DuplicateProcess {
                name: name.to_string(),
            });
        }
        let mut calls = Vec::new();
        for child in children {
            let p = self
                .processes
                .iter()
                .find(|p| p.name == *child)
                .ok_or_else(|| Error::UnknownProcess {
                    name: child.to_string().into(),
                })?;
            calls.extend(p.calls.iter().copied());
        }
        self.processes.push(Process {
            name: name.to_string(),
            calls,
            children: Some(children.iter().map(|c| c.to_string()).collect()),
            groups: Default::default(),
        });
        Ok(self)
    }

    /// Takes the description apart: its components, in order, with their origins (see
    /// [`Model::into_components`]).
    pub fn into_components(self) -> Vec<(Box<dyn Component>, Option<Origin>)> {
        let parts = self.parts;
        parts.components.into_iter().zip(parts.origins).collect()
    }

    /// Whether a component named `name` has been added.
    pub fn has_component(&self, name: &str) -> bool {
        self.parts.index.contains_key(name)
    }

    /// The method `name` of component `component`, resolved against its class: one of
    /// the shared four, or another method the class declares.
    pub fn method(&self, component: &str, name: &str) -> Result<Method> {
        Ok(self.resolve_method(component, name)?.1)
    }

    /// The component's index, the method and its declaration.
    fn resolve_method(
        &self,
        component: &str,
        name: &str,
    ) -> Result<(usize, Method, &'static MethodInfo)> {
        let &i = self
            .parts
            .index
            .get(component)
            .ok_or_else(|| self.parts.unknown_component(component))?;
        let schema = self.parts.components[i].schema();
        let info = schema
            .method(name)
            .ok_or_else(|| unknown_method(component, schema, name))?;
        Ok((i, Method::parse(name).unwrap_or(Method::Named(info)), info))
    }
}

fn unknown_method(component: &str, schema: &Schema, method: &str) -> Error {
    Error::UnknownMethod {
        component: component.to_string(),
        class: schema.class.to_string(),
        method: method.to_string(),
        available: schema.method_names(),
    }
}
