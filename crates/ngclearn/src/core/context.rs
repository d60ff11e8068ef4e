//! Building a model ([`Context`]) and running it ([`Model`]).
//!
//! A [`Context`] collects named components, wires and processes, checking each as it
//! is added (unknown names, shapes, duplicates). [`Context::build`] lowers it into a
//! [`Model`] whose wires and processes hold plain indices: running a process does no
//! name lookups and no allocation.
//!
//! # Semantics (as ngclearn's)
//! * A process is an ordered list of `(component, method)` calls; running it with
//!   `(t, dt)` calls each once, in order. A method sees the values as they are when it
//!   is called, so a component later in the list sees this step's outputs of earlier
//!   ones, and an earlier one sees the previous step's values of later ones.
//! * A wired compartment has no value of its own: right before each `advance_state`
//!   of its component, its source is evaluated and copied in, and reading it by path
//!   reads the source.
//! * `reset` returns a component's own compartments to their rest values.
//!
//! **One deliberate divergence.** In ngclearn, a compiled `reset` that sets a *wired*
//! compartment (e.g. a synapse's `v`, wired from a cell's `v`) writes through to the
//! source. Here a component never writes into a wire's source, so the order of the
//! reset process does not matter.

use crate::core::component::Component;
use crate::core::operations::Source;
use crate::core::rng::Key;
use crate::core::schema::Kind;
use crate::error::{name_list, Error, NotFound, Result};
use ndarray::{Array2, ArrayView2, AsArray, Ix2};
use std::collections::HashMap;
use std::ops::Range;

/// A method a process can call on a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `advance_state(t, dt)`.
    AdvanceState,
    /// `reset()`.
    Reset,
}

impl Method {
    /// The method's name in ngclearn.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::AdvanceState => "advance_state",
            Method::Reset => "reset",
        }
    }

    /// The method named `name`, if any.
    pub fn parse(name: &str) -> Option<Method> {
        match name {
            "advance_state" => Some(Method::AdvanceState),
            "reset" => Some(Method::Reset),
            _ => None,
        }
    }
}

/// A compartment resolved to indices: cheap to keep and use in a loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CompartmentRef {
    /// Index of the component in the model.
    pub component: usize,
    /// Index of the compartment in the component's schema.
    pub compartment: usize,
}

/// A process resolved to its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProcessId(pub usize);

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

#[derive(Debug)]
struct Parts {
    name: String,
    components: Vec<Box<dyn Component>>,
    origins: Vec<Option<Origin>>,
    index: HashMap<String, usize>,
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

    fn resolve(&self, path: &str) -> Result<(CompartmentRef, Kind)> {
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
        let r = CompartmentRef {
            component: ci,
            compartment: k,
        };
        Ok((r, schema.compartments[k].kind))
    }

    /// The error for a component `name` that does not exist, listing those that do.
    fn unknown_component(&self, name: &str) -> Error {
        Error::UnknownComponent {
            name: NotFound::new(name, self.components.iter().map(|c| c.name())),
        }
    }

    fn resolve_array(&self, path: &str) -> Result<CompartmentRef> {
        match self.resolve(path)? {
            (r, Kind::Array) => Ok(r),
            (_, Kind::Key) => Err(Error::KindMismatch {
                path: path.to_string(),
                holds: "a PRNG key".into(),
                given: "an array".into(),
            }),
        }
    }

    fn array(&self, r: CompartmentRef) -> &Array2<f32> {
        self.components[r.component]
            .array(r.compartment)
            .expect("compartment refs are resolved against the schema")
    }

    fn path(&self, r: CompartmentRef) -> String {
        let c = &self.components[r.component];
        format!(
            "{}:{}",
            c.name(),
            c.schema().compartments[r.compartment].name
        )
    }

    /// Lowers a source, checking every path and that all shapes agree with `shape`.
    fn lower(&self, src: &Source, shape: &[usize], target: &str) -> Result<Expr> {
        match src {
            Source::Path(p) => {
                let r = self.resolve_array(p)?;
                let got = self.array(r).shape();
                if got != shape {
                    return Err(Error::ShapeMismatch {
                        path: target.to_string(),
                        expected: shape.to_vec(),
                        got: got.to_vec(),
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
                    .map(|o| self.lower(o, shape, target))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Expr::Op {
                    product: matches!(src, Source::Product(_)),
                    children,
                    buf: Array2::zeros((shape[0], shape[1])),
                })
            }
        }
    }
}

/// A lowered wire source. Operations own the buffer they evaluate into.
#[derive(Debug, Clone)]
enum Expr {
    Leaf(CompartmentRef),
    Op {
        product: bool,
        children: Vec<Expr>,
        buf: Array2<f32>,
    },
}

impl Expr {
    /// Evaluates every operation in the tree into its buffer.
    fn eval(&mut self, comps: &[Box<dyn Component>]) {
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
    fn reads(&self, r: CompartmentRef) -> bool {
        match self {
            Expr::Leaf(x) => *x == r,
            Expr::Op { children, .. } => children.iter().any(|c| c.reads(r)),
        }
    }

    /// The value after [`Expr::eval`].
    fn value<'a>(&'a self, comps: &'a [Box<dyn Component>]) -> &'a Array2<f32> {
        match self {
            Expr::Leaf(r) => comps[r.component]
                .array(r.compartment)
                .expect("resolved at build"),
            Expr::Op { buf, .. } => buf,
        }
    }
}

#[derive(Debug, Clone)]
struct Wire {
    target: CompartmentRef,
    expr: Expr,
    /// Used when a leaf source lives in the target's own component.
    scratch: Option<Array2<f32>>,
}

impl Wire {
    /// Copies the source's current value into the target compartment.
    fn gather(&mut self, comps: &mut [Box<dyn Component>]) {
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
                    _ => dst
                        .array_mut(t.compartment)
                        .expect("resolved at build")
                        .assign(value),
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
                comps[t.component]
                    .array_mut(t.compartment)
                    .expect("resolved at build")
                    .assign(value);
            }
        }
    }
}

fn copy_into(a: &Array2<f32>, out: &mut [f32]) {
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

#[derive(Debug, Clone)]
struct Process {
    name: String,
    calls: Vec<(usize, Method)>,
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
    parts: Parts,
    wires: Vec<(String, Source)>,
    lowered: Vec<Wire>,
    processes: Vec<Process>,
}

impl Context {
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
        }
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
        let name = component.name().to_string();
        if self.parts.index.contains_key(&name) {
            return Err(Error::DuplicateName { name });
        }
        self.parts.index.insert(name, self.parts.components.len());
        self.parts.components.push(component);
        self.parts.origins.push(origin);
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
        let shape = self.parts.array(t).shape().to_vec();
        let expr = self.parts.lower(&source, &shape, target)?;
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
        self.lowered.push(Wire {
            target: t,
            expr,
            scratch,
        });
        self.wires.push((target.to_string(), source));
        Ok(self)
    }

    fn follow(&self, expr: Expr, spec: Source) -> (Expr, Source) {
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
            (expr, spec) => (expr, spec),
        }
    }

    /// Declares the process `name`: the calls it makes, in order.
    pub fn process(&mut self, name: &str, calls: &[(&str, Method)]) -> Result<&mut Self> {
        if self.processes.iter().any(|p| p.name == name) {
            return Err(Error::DuplicateProcess {
                name: name.to_string(),
            });
        }
        let calls = calls
            .iter()
            .map(|(c, m)| {
                self.parts
                    .index
                    .get(*c)
                    .map(|&i| (i, *m))
                    .ok_or_else(|| self.parts.unknown_component(c))
            })
            .collect::<Result<Vec<_>>>()?;
        self.processes.push(Process {
            name: name.to_string(),
            calls,
        });
        Ok(self)
    }

    /// Lowers the description into a runnable [`Model`].
    pub fn build(self) -> Result<Model> {
        let Context {
            parts,
            wires,
            mut lowered,
            processes,
        } = self;
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
        Ok(Model {
            parts,
            wires: sorted,
            wire_specs: specs,
            wire_ranges: ranges,
            processes,
        })
    }
}

/// A built model: components, lowered wires and processes, ready to run.
#[derive(Debug)]
pub struct Model {
    parts: Parts,
    wires: Vec<Wire>,
    wire_specs: Vec<(String, Source)>,
    wire_ranges: Vec<Range<usize>>,
    processes: Vec<Process>,
}

impl Model {
    /// The model's (context's) name.
    pub fn name(&self) -> &str {
        &self.parts.name
    }

    /// Its components, in the order they were added.
    pub fn components(&self) -> impl Iterator<Item = &dyn Component> {
        self.parts.components.iter().map(|c| &**c)
    }

    /// Sets how every stochastic component draws its numbers; returns how many do.
    pub fn set_random_mode(&mut self, mode: crate::core::rng::RandomMode) -> usize {
        self.parts
            .components
            .iter_mut()
            .filter_map(|c| c.set_random_mode(mode).then_some(()))
            .count()
    }

    /// How component `index` was written in the saved model it was loaded from.
    pub fn origin(&self, index: usize) -> Option<&Origin> {
        self.parts.origins.get(index).and_then(Option::as_ref)
    }

    /// Whether compartment `r` is wired (it then has no value of its own).
    pub fn is_wired(&self, r: CompartmentRef) -> bool {
        self.wire_into(r).is_some()
    }

    /// The component `name`, as its concrete class `T`.
    pub fn component_as<T: 'static>(&self, name: &str) -> Option<&T> {
        let &i = self.parts.index.get(name)?;
        self.parts.components[i].as_any().downcast_ref::<T>()
    }

    /// The wires, as declared: `(target path, source)`.
    pub fn wires(&self) -> &[(String, Source)] {
        &self.wire_specs
    }

    /// The processes' names, in declaration order.
    pub fn process_names(&self) -> impl Iterator<Item = &str> {
        self.processes.iter().map(|p| p.name.as_str())
    }

    /// The calls of process `id` as `(component, method)` names.
    pub fn process_calls(&self, id: ProcessId) -> Vec<(&str, Method)> {
        self.processes[id.0]
            .calls
            .iter()
            .map(|&(c, m)| (self.parts.components[c].name(), m))
            .collect()
    }

    /// Resolves a process name once, for use in a loop.
    pub fn process_id(&self, name: &str) -> Result<ProcessId> {
        self.processes
            .iter()
            .position(|p| p.name == name)
            .map(ProcessId)
            .ok_or_else(|| Error::UnknownProcess {
                name: NotFound::new(name, self.process_names()),
            })
    }

    /// Resolves an array compartment path once, for use in a loop.
    pub fn compartment(&self, path: &str) -> Result<CompartmentRef> {
        self.parts.resolve_array(path)
    }

    fn wire_into(&self, r: CompartmentRef) -> Option<usize> {
        self.wire_ranges[r.component]
            .clone()
            .find(|&w| self.wires[w].target == r)
    }

    /// Runs process `id` once with time `t` and step `dt` (ms).
    pub fn run(&mut self, id: ProcessId, t: f32, dt: f32) -> Result<()> {
        if !(dt.is_finite() && dt > 0.0) {
            return Err(Error::InvalidTimeStep { dt });
        }
        if !t.is_finite() {
            return Err(Error::InvalidTime { t });
        }
        let Model {
            parts,
            wires,
            wire_ranges,
            processes,
            ..
        } = self;
        let comps = &mut parts.components;
        let process = processes.get(id.0).ok_or_else(|| Error::UnknownProcess {
            name: NotFound::new(
                &format!("{id:?} (a handle from another model)"),
                processes.iter().map(|p| p.name.as_str()),
            ),
        })?;
        for &(c, method) in &process.calls {
            match method {
                Method::AdvanceState => {
                    for w in &mut wires[wire_ranges[c].clone()] {
                        w.gather(comps);
                    }
                    comps[c].advance_state(t, dt);
                }
                Method::Reset => comps[c].reset(),
            }
        }
        Ok(())
    }

    /// The process that advances the model: `advance_proc`, else the only process that
    /// calls `advance_state`.
    pub fn advance_process(&self) -> Result<ProcessId> {
        self.pick_process("advance", "advance_proc", |p| {
            p.calls.iter().any(|&(_, m)| m == Method::AdvanceState)
        })
    }

    /// The process that resets the model: `reset_proc`, else the only process made
    /// of `reset` calls alone.
    pub fn reset_process(&self) -> Result<ProcessId> {
        self.pick_process("reset", "reset_proc", |p| {
            !p.calls.is_empty() && p.calls.iter().all(|&(_, m)| m == Method::Reset)
        })
    }

    fn pick_process(
        &self,
        what: &str,
        preferred: &str,
        fits: impl Fn(&Process) -> bool,
    ) -> Result<ProcessId> {
        if let Ok(id) = self.process_id(preferred) {
            return Ok(id);
        }
        let fitting: Vec<usize> = (0..self.processes.len())
            .filter(|&i| fits(&self.processes[i]))
            .collect();
        match fitting.as_slice() {
            [one] => Ok(ProcessId(*one)),
            many => Err(Error::NoProcess {
                what: what.to_string(),
                reason: if many.is_empty() {
                    format!("no `{preferred}` and none fits")
                } else {
                    format!("no `{preferred}` and {} fit", many.len())
                },
                candidates: self
                    .processes
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Copies the current value of compartment `r` into `out` (row-major) without
    /// allocating; a wired compartment reads its source now. `out` must hold exactly
    /// `rows × cols` values.
    pub fn read_into(&mut self, r: CompartmentRef, out: &mut [f32]) -> Result<()> {
        self.check_ref(r)?;
        let (rows, cols) = self.shape_of(r);
        if out.len() != rows * cols {
            return Err(Error::ShapeMismatch {
                path: self.parts.path(r),
                expected: vec![rows, cols],
                got: vec![out.len()],
                context: " (the length of the buffer to read into)".into(),
            });
        }
        match self.wire_into(r) {
            Some(w) => {
                let comps = &self.parts.components;
                let expr = &mut self.wires[w].expr;
                expr.eval(comps);
                copy_into(expr.value(comps), out);
            }
            None => copy_into(self.parts.array(r), out),
        }
        Ok(())
    }

    /// An error for a handle that does not belong to this model.
    fn check_ref(&self, r: CompartmentRef) -> Result<()> {
        match self
            .parts
            .components
            .get(r.component)
            .and_then(|c| c.array(r.compartment))
        {
            Some(_) => Ok(()),
            None => Err(Error::MalformedPath {
                path: format!("{r:?} (a handle from another model)"),
            }),
        }
    }

    /// The shape of compartment `r`.
    pub fn shape_of(&self, r: CompartmentRef) -> (usize, usize) {
        self.parts.array(r).dim()
    }

    /// The `component:compartment` path of `r`.
    pub fn path_of(&self, r: CompartmentRef) -> String {
        self.parts.path(r)
    }

    /// Runs the process named `name` once (resolves the name each call).
    pub fn run_named(&mut self, name: &str, t: f32, dt: f32) -> Result<()> {
        let id = self.process_id(name)?;
        self.run(id, t, dt)
    }

    /// The current value of an array compartment (a wired one reads its source).
    pub fn get(&self, path: &str) -> Result<Array2<f32>> {
        let r = self.parts.resolve_array(path)?;
        Ok(self.value(r))
    }

    /// The current value of a resolved compartment (a wired one reads its source).
    pub fn value(&self, r: CompartmentRef) -> Array2<f32> {
        match self.wire_into(r) {
            Some(w) => {
                let mut expr = self.wires[w].expr.clone();
                expr.eval(&self.parts.components);
                expr.value(&self.parts.components).clone()
            }
            None => self.parts.array(r).clone(),
        }
    }

    /// The flat indices of exactly the non-zero entries of `r`, ascending, if its
    /// component keeps them (encoders' spikes); `None` otherwise, or if `r` is wired.
    /// Reading them costs the number of events, not the size of the compartment.
    pub fn nonzero(&self, r: CompartmentRef) -> Option<&[u32]> {
        match self.wire_into(r) {
            Some(_) => None,
            None => self
                .parts
                .components
                .get(r.component)?
                .nonzero(r.compartment),
        }
    }

    /// A view of a compartment's own value; `None` if it is wired (it has none).
    pub fn view(&self, r: CompartmentRef) -> Option<ArrayView2<'_, f32>> {
        match self.wire_into(r) {
            Some(_) => None,
            None => Some(self.parts.array(r).view()),
        }
    }

    /// Sets an array compartment; the shape must match and it must not be wired.
    pub fn set<'a>(&mut self, path: &str, value: impl AsArray<'a, f32, Ix2>) -> Result<()> {
        let r = self.parts.resolve_array(path)?;
        self.set_ref(r, value)
    }

    /// Sets a resolved compartment (see [`Model::set`]).
    pub fn set_ref<'a>(
        &mut self,
        r: CompartmentRef,
        value: impl AsArray<'a, f32, Ix2>,
    ) -> Result<()> {
        let value: ArrayView2<'a, f32> = value.into();
        self.check_ref(r)?;
        if let Some(w) = self.wire_into(r) {
            return Err(Error::WiredCompartment {
                path: self.parts.path(r),
                source_desc: self.wire_specs[w].1.to_string(),
            });
        }
        let dst = self.parts.components[r.component]
            .array_mut(r.compartment)
            .expect("resolved against the schema");
        if dst.shape() != value.shape() {
            let expected = dst.shape().to_vec();
            return Err(Error::ShapeMismatch {
                path: self.parts.path(r),
                expected,
                got: value.shape().to_vec(),
                context: String::new(),
            });
        }
        dst.assign(&value);
        Ok(())
    }

    /// The PRNG key of a component, by path `component:key`.
    pub fn get_key(&self, path: &str) -> Result<Key> {
        let (r, kind) = self.parts.resolve(path)?;
        match kind {
            Kind::Key => Ok(self.parts.components[r.component].key()),
            Kind::Array => Err(Error::KindMismatch {
                path: path.to_string(),
                holds: "an array".into(),
                given: "a PRNG key".into(),
            }),
        }
    }

    /// Sets the PRNG key of a component, by path `component:key`.
    pub fn set_key(&mut self, path: &str, key: Key) -> Result<()> {
        let (r, kind) = self.parts.resolve(path)?;
        match kind {
            Kind::Key => {
                self.parts.components[r.component].set_key(key);
                Ok(())
            }
            Kind::Array => Err(Error::KindMismatch {
                path: path.to_string(),
                holds: "an array".into(),
                given: "a PRNG key".into(),
            }),
        }
    }
}
