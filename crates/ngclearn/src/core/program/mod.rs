//! Components of the user's own: a class written as ngclearn's lessons write one
//! (compartments with initial values, constructor arguments kept as attributes,
//! methods in `jax.numpy`), translated into programs the step loop runs natively.
//!
//! A class arrives as a [`ComponentSource`]: its compartments (name, shape, initial
//! value), its key, its attributes, each method's Python source and the helpers and
//! module names those use (the Python package gathers them from the class, a model
//! file declares them). Each method is read ([`parse`]), run once at build time over
//! the component's shapes and attributes into a graph of array operations
//! ([`trace`], [`graph`]), and lowered to kernels ([`kernel`]): elementwise chains
//! fused into chunked passes, products event-driven on zero inputs, every buffer
//! made at build. XLA's rules decide the bits where they apply (a `a * b + c` is one
//! fused multiply-add; a division by a constant or a broadcast scalar is a
//! multiplication by its float32 reciprocal; `exp`, `log`, `tanh` are XLA's
//! polynomials).
//!
//! A method the translator cannot take (a construct outside the subset, named with
//! its line by a [`Problem`]) still runs: through a [`Fallback`] the caller gives
//! (the Python package runs the method itself, on NumPy arrays).

pub mod graph;
pub mod kernel;
pub mod parse;
pub mod trace;

use crate::core::class::ComponentClass;
use crate::core::component::{Component, Declared, WriteToken};
use crate::core::rng::Key;
use crate::core::schema::{
    CompartmentInfo, Kind, MethodInfo, Role, Schema, Shape, Size, VarKeyword,
};
use crate::error::{Error, Result};
use kernel::Program;
use ndarray::Array2;
pub use parse::Problem;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use trace::{Scope, Val};

/// One compartment of a user's class.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompartmentSource {
    /// Its name.
    pub name: String,
    /// Its shape (rank 0, 1 or 2).
    pub shape: Vec<usize>,
    /// Its initial value, row-major (one value fills it).
    pub value: Vec<f32>,
    /// Whether it is saved with the model (ngclearn's `auto_save`).
    #[serde(default = "yes")]
    pub auto_save: bool,
    /// Whether it is wired (what `self.x.targeted` reads).
    #[serde(default)]
    pub targeted: bool,
}

fn yes() -> bool {
    true
}

/// A function's source.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FunctionSource {
    /// Its name.
    pub name: String,
    /// Its source (a `def`, decorators included), or, in a model file, its body.
    pub source: String,
    /// The line its source starts at, in its file.
    #[serde(default = "one")]
    pub line: usize,
    /// Its parameters, where the source is a body (a model file's method).
    #[serde(default)]
    pub params: Option<Vec<String>>,
}

fn one() -> usize {
    1
}

/// A component of a class of the user's own, as its class and constructor made it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComponentSource {
    /// The class's name.
    pub class: String,
    /// The module that defines it (what a saved model's `modulePath` names).
    #[serde(default)]
    pub module: String,
    /// The component's name.
    pub name: String,
    /// Its compartments, in the order the class made them.
    pub compartments: Vec<CompartmentSource>,
    /// Its PRNG key (`None`: it has none).
    #[serde(default)]
    pub key: Option<[u32; 2]>,
    /// Its attributes (constructor arguments and what the constructor computed).
    #[serde(default)]
    pub attributes: serde_json::Map<String, Value>,
    /// The arguments its constructor was called with, by name (what a saved model
    /// keeps to make it again); `None`: its attributes.
    #[serde(default)]
    pub arguments: Option<serde_json::Map<String, Value>>,
    /// Its `@compilable` methods (those processes may call).
    pub methods: Vec<FunctionSource>,
    /// Its other methods, which those may call.
    #[serde(default)]
    pub helpers: Vec<FunctionSource>,
    /// Module-level functions the methods call.
    #[serde(default)]
    pub functions: Vec<FunctionSource>,
    /// The module-level names the methods use: `{"module": "jax.numpy"}`, a number.
    #[serde(default)]
    pub globals: serde_json::Map<String, Value>,
    /// The file the class is in (for messages).
    #[serde(default)]
    pub file: String,
}

/// Runs a method the translator could not take (the Python package's runner calls
/// the method itself). It gets the component's compartments (in the class's order)
/// and key, and writes what the method sets.
pub trait Fallback: Send + Sync + std::fmt::Debug {
    /// Runs `method` of `component`.
    fn run(
        &self,
        component: &str,
        method: &str,
        arrays: &mut [Array2<f32>],
        key: &mut Key,
        t: f32,
        dt: f32,
    );
}

/// How one method runs.
#[derive(Debug, Clone)]
enum Body {
    Compiled(Box<Program>),
    Fallback,
}

/// A method the translator did not take: its name and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Untranslated {
    /// The method.
    pub method: String,
    /// The construct and line.
    pub problem: Problem,
}

/// A component of a class of the user's own.
#[derive(Debug, Clone)]
pub struct UserComponent {
    source: Arc<ComponentSource>,
    schema: &'static Schema,
    class: &'static ComponentClass,
    arrays: Vec<Array2<f32>>,
    initial: Vec<Array2<f32>>,
    key: Key,
    bodies: Vec<Body>,
    /// The bodies of `advance_state`, `reset`, `evolve` and `calc_update`, found once
    /// (the step loop calls them by these names).
    standard: [Option<usize>; 4],
    fallback: Option<Arc<dyn Fallback>>,
}

fn to_val(v: &Value) -> Val {
    match v {
        Value::Null => Val::NoneV,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Val::Num(i as f64, true),
            None => Val::Num(n.as_f64().unwrap_or(f64::NAN), false),
        },
        Value::String(s) => Val::Str(s.clone()),
        Value::Array(items) => Val::Tuple(items.iter().map(to_val).collect()),
        Value::Object(m) => {
            if let (Some(Value::Array(values)), Some(Value::Array(shape))) =
                (m.get("array"), m.get("shape"))
            {
                // An array (not a list): its values row-major and its shape.
                let shape: Vec<usize> = shape
                    .iter()
                    .filter_map(|d| d.as_u64().map(|d| d as usize))
                    .collect();
                let values: Vec<f32> = values
                    .iter()
                    .map(|x| x.as_f64().unwrap_or(f64::NAN) as f32)
                    .collect();
                if shape.iter().product::<usize>() == values.len() {
                    return Val::ArrConst(values, shape);
                }
                return Val::NoneV;
            }
            if let Some(Value::String(module)) = m.get("module") {
                Val::Module(module.clone())
            } else if let Some(Value::String(f)) = m.get("function") {
                Val::Func(f.clone())
            } else if let Some(Value::String(d)) = m.get("dtype") {
                Val::Dtype(d.clone())
            } else if let Some(Value::String(f)) = m.get("float") {
                // Non-finite floats, which JSON cannot hold as numbers.
                Val::Num(f.parse().unwrap_or(f64::NAN), false)
            } else {
                Val::NoneV
            }
        }
    }
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// The schema and class of a user's class, made once per distinct class layout.
fn class_of(src: &ComponentSource, splits: bool) -> (&'static Schema, &'static ComponentClass) {
    static CLASSES: OnceLock<Mutex<HashMap<String, (&'static Schema, &'static ComponentClass)>>> =
        OnceLock::new();
    let methods: Vec<(String, Vec<String>)> = src
        .methods
        .iter()
        .map(|m| (m.name.clone(), method_keywords(m)))
        .collect();
    let id = format!(
        "{}.{}|{splits}|{:?}|{}|{:?}",
        src.module,
        src.class,
        src.compartments
            .iter()
            .map(|c| (&c.name, c.shape.len()))
            .collect::<Vec<_>>(),
        src.key.is_some(),
        methods
    );
    let mut map = CLASSES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(c) = map.get(&id) {
        return *c;
    }
    let mut comps: Vec<CompartmentInfo> = src
        .compartments
        .iter()
        .map(|c| CompartmentInfo {
            name: leak(&c.name),
            role: Role::State,
            kind: Kind::Array,
            shape: if splits { SPLIT } else { Shape::NONE },
            units: "",
            description: "",
            spikes: false,
            scalar: c.shape.is_empty(),
            int32: false,
        })
        .collect();
    if src.key.is_some() {
        comps.push(CompartmentInfo {
            name: "key",
            role: Role::State,
            kind: Kind::Key,
            shape: Shape::NONE,
            units: "",
            description: "PRNG key",
            spikes: false,
            scalar: false,
            int32: false,
        });
    }
    let method_infos: Vec<MethodInfo> = methods
        .iter()
        .map(|(name, kws)| MethodInfo {
            name: leak(name),
            reads_inputs: true,
            keywords: Box::leak(
                kws.iter()
                    .map(|k| leak(k))
                    .collect::<Vec<_>>()
                    .into_boxed_slice(),
            ),
            description: "a method of the user's class",
        })
        .collect();
    let module_path = if src.module.is_empty() {
        src.class.clone()
    } else {
        format!("{}.{}", src.module, src.class)
    };
    let schema: &'static Schema = Box::leak(Box::new(Schema {
        class: leak(&src.class),
        module_path: leak(&module_path),
        description: "a component class of the user's own, translated from its methods",
        compartments: Box::leak(comps.into_boxed_slice()),
        dynamics: "as its methods' source says",
        hyperparameters: &[],
        methods: Box::leak(method_infos.into_boxed_slice()),
        signature: &["name"],
        notes: "",
        kwargs: VarKeyword::Ignored,
        fixed: &[],
        extends: None,
        any_rows: &[],
    }));
    let class: &'static ComponentClass = Box::leak(Box::new(ComponentClass {
        schema,
        from_kwargs: rebuild,
        // Its shapes are its source's: a saved state is checked against the built
        // component.
        sizes: |_| None,
    }));
    map.insert(id, (schema, class));
    (schema, class)
}

thread_local! {
    /// Components of one's own built from their sources, waiting for the loader of a
    /// saved model to ask for them by name ([`with_prebuilt`]).
    static PREBUILT: std::cell::RefCell<HashMap<String, UserComponent>> = Default::default();
}

/// Runs `f` (a loader of saved models) with `components` ready to be taken, by name,
/// when it builds a component of their classes from its saved arguments: a class of
/// one's own is made by its own code (its Python constructor), which made these.
pub fn with_prebuilt<R>(components: Vec<UserComponent>, f: impl FnOnce() -> R) -> R {
    PREBUILT.with(|p| {
        let mut p = p.borrow_mut();
        p.clear();
        for c in components {
            p.insert(c.source.name.clone(), c);
        }
    });
    let out = f();
    PREBUILT.with(|p| p.borrow_mut().clear());
    out
}

/// The class entry's constructor: the prebuilt component of the name the arguments
/// give (the arguments themselves were its constructor's, already applied).
fn rebuild(kw: &mut crate::core::kwargs::Kwargs) -> Result<Box<dyn Component>> {
    let name = kw.name()?;
    kw.discard_rest();
    match PREBUILT.with(|p| p.borrow_mut().remove(&name)) {
        Some(c) => Ok(Box::new(c)),
        None => Err(kw.error(
            "name",
            format!(
                "`{name}` is of a class of one's own, which is built by its own code (its Python class or its model-file declaration), not from saved arguments alone"
            ),
        )),
    }
}

/// The class entries of `components`, one per class, for a registry a loader finds
/// them in.
pub fn classes_of(components: &[UserComponent]) -> Vec<&'static ComponentClass> {
    let mut out: Vec<&'static ComponentClass> = Vec::new();
    for c in components {
        if !out.iter().any(|k| std::ptr::eq(*k, c.class)) {
            out.push(c.class);
        }
    }
    out
}

/// The methods the step loop calls by name, in [`UserComponent`]'s `standard` order.
const STANDARD: [&str; 4] = ["advance_state", "reset", "evolve", "calc_update"];

/// The shape of every compartment of a class that splits across ranks.
const SPLIT: Shape = Shape(&[&[&[Size::Batch], &[Size::Units]]]);

/// The width a component of one's own splits along, if it can split: every
/// compartment is `(batch, n)` with one `n`.
fn split_width(src: &ComponentSource) -> Option<usize> {
    let mut width = None;
    for c in &src.compartments {
        match c.shape.as_slice() {
            [_, n] if width.is_none() || width == Some(*n) => width = Some(*n),
            _ => return None,
        }
    }
    width.filter(|&n| n > 1)
}

/// Whether a method is elementwise over its compartments' columns (what lets a block
/// of columns run it alone): no product, reduction, transpose, reshape, draw, and no
/// constant array that is not one value repeated.
fn is_elementwise(g: &graph::Graph) -> bool {
    use graph::Op;
    g.nodes.iter().all(|n| match &n.op {
        Op::Comp(_) | Op::Keyword(_) | Op::Un(..) | Op::Bin(..) | Op::Fma(..) | Op::Select(..) => {
            true
        }
        Op::Const(v) => v.windows(2).all(|w| w[0].to_bits() == w[1].to_bits()),
        Op::Broadcast(a) => g.nodes[*a].len() == 1,
        _ => false,
    }) && g.key_write.is_none()
        && g.keys.is_empty()
        && !g.reads_shape
}

/// The attributes that name the split width (`n_units`, a synapse's `shape`): a block
/// sets them to its own. Another whole-number attribute equal to the width could mean
/// it too, or not: such a class stays whole.
const SIZE_NAMES: [&str; 6] = ["n_units", "n", "units", "size", "n_cells", "num_units"];

/// Whether the attributes say the width only through [`SIZE_NAMES`] and `shape`.
fn width_named_only(src: &ComponentSource, width: usize) -> bool {
    fn mentions(v: &Value, w: usize) -> bool {
        match v {
            Value::Number(n) => n.as_u64() == Some(w as u64),
            Value::Array(items) => items.iter().any(|x| mentions(x, w)),
            Value::Object(o) => o.values().any(|x| mentions(x, w)),
            _ => false,
        }
    }
    src.attributes
        .iter()
        .all(|(k, v)| SIZE_NAMES.contains(&k.as_str()) || k == "shape" || !mentions(v, width))
}

/// The keywords a method takes from its process (`t`, `dt`), in its order.
fn method_keywords(m: &FunctionSource) -> Vec<String> {
    let params: Vec<String> = match &m.params {
        Some(p) => p.clone(),
        None => parse::parse_module(&m.source, m.line)
            .ok()
            .and_then(|d| d.into_iter().next())
            .map(|d| d.params.into_iter().map(|(p, _)| p).collect())
            .unwrap_or_default(),
    };
    params
        .into_iter()
        .filter(|p| p == "t" || p == "dt")
        .collect()
}

fn parse_function(f: &FunctionSource) -> std::result::Result<parse::FuncDef, Problem> {
    match &f.params {
        Some(params) => Ok(parse::FuncDef {
            name: f.name.clone(),
            params: params.iter().map(|p| (p.clone(), None)).collect(),
            decorators: Vec::new(),
            body: parse::parse_block(&f.source, f.line)?,
            line: f.line,
        }),
        None => {
            let defs = parse::parse_module(&f.source, f.line)?;
            defs.into_iter().find(|d| d.name == f.name).ok_or_else(|| {
                Problem::invalid(f.line, format!("the source holds no `def {}`", f.name))
            })
        }
    }
}

impl UserComponent {
    /// Builds the component from its source, translating each method. Methods the
    /// translator cannot take run through `fallback` (and are listed with why); with
    /// no fallback, they are an error.
    pub fn new(
        source: ComponentSource,
        fallback: Option<Arc<dyn Fallback>>,
    ) -> Result<(UserComponent, Vec<Untranslated>)> {
        let name = crate::core::component::valid_name(&source.name)?;
        let fail = |field: &str, message: String| Error::Format {
            path: if source.file.is_empty() {
                source.class.clone()
            } else {
                source.file.clone()
            },
            field: format!("{name}.{field}"),
            message,
        };
        let mut arrays = Vec::new();
        for c in &source.compartments {
            if c.shape.len() > kernel::MAX_RANK {
                return Err(fail(
                    &c.name,
                    format!(
                        "shape {:?}: compartments have at most {} axes",
                        c.shape,
                        kernel::MAX_RANK
                    ),
                ));
            }
            // Kept as (all axes but the last, the last).
            let (r, k) = match c.shape.split_last() {
                None => (1, 1),
                Some((&last, lead)) => (
                    lead.iter()
                        .try_fold(1usize, |a, &d| a.checked_mul(d))
                        .ok_or_else(|| fail(&c.name, "is too large".into()))?,
                    last,
                ),
            };
            let len = r
                .checked_mul(k)
                .filter(|&n| n <= (1 << 31))
                .ok_or_else(|| fail(&c.name, "is too large".into()))?;
            let a = if c.value.len() == len {
                Array2::from_shape_vec((r, k), c.value.clone())
                    .map_err(|e| fail(&c.name, e.to_string()))?
            } else if c.value.len() == 1 {
                crate::core::component::filled(&name, &c.name, (r, k), c.value[0])?
            } else {
                return Err(fail(
                    &c.name,
                    format!("{} initial values for shape {:?}", c.value.len(), c.shape),
                ));
            };
            arrays.push(a);
        }
        // The class entry is made once the methods are read (whether it splits
        // across ranks depends on them); until then, the unsplit one.
        let (schema, class) = class_of(&source, false);
        let key = Key(source.key.unwrap_or([0, 0]));
        let mut comp = UserComponent {
            source: Arc::new(source),
            schema,
            class,
            initial: arrays.clone(),
            arrays,
            key,
            bodies: Vec::new(),
            standard: [None; 4],
            fallback,
        };
        let untranslated = comp.translate()?;
        Ok((comp, untranslated))
    }

    /// (Re)translates every method (after the wiring changed what `targeted` says).
    fn translate(&mut self) -> Result<Vec<Untranslated>> {
        let src = self.source.clone();
        let parsed_methods: Vec<std::result::Result<parse::FuncDef, Problem>> =
            src.methods.iter().map(parse_function).collect();
        let parsed_helpers: Vec<parse::FuncDef> = src
            .helpers
            .iter()
            .filter_map(|f| parse_function(f).ok())
            .collect();
        let parsed_functions: Vec<parse::FuncDef> = src
            .functions
            .iter()
            .filter_map(|f| parse_function(f).ok())
            .collect();
        let mut scope = Scope {
            compartments: src
                .compartments
                .iter()
                .map(|c| (c.name.as_str(), c.shape.clone()))
                .collect(),
            targeted: src.compartments.iter().map(|c| c.targeted).collect(),
            has_key: src.key.is_some(),
            ..Default::default()
        };
        for (k, v) in &src.attributes {
            scope.attributes.insert(k.clone(), to_val(v));
        }
        for (k, v) in &src.globals {
            scope.globals.insert(k.clone(), to_val(v));
        }
        for f in &parsed_functions {
            scope.functions.insert(f.name.clone(), f);
        }
        for f in &parsed_helpers {
            scope.methods.insert(f.name.clone(), f);
        }
        for f in parsed_methods.iter().flatten() {
            scope.methods.insert(f.name.clone(), f);
        }
        let mut untranslated = Vec::new();
        let mut bodies = Vec::new();
        let mut elementwise = true;
        for (m, parsed) in src.methods.iter().zip(&parsed_methods) {
            let result = parsed
                .clone()
                .and_then(|def| trace::trace(&def, &scope))
                .map(|mut g| {
                    g.contract();
                    g
                });
            match result {
                Ok(g) => {
                    elementwise &= is_elementwise(&g);
                    let program = Program::lower(&g, m.line).map_err(|problem| Error::Format {
                        path: if src.file.is_empty() {
                            src.class.clone()
                        } else {
                            src.file.clone()
                        },
                        field: format!("{}.{}", src.class, m.name),
                        message: problem.to_string(),
                    })?;
                    bodies.push(Body::Compiled(Box::new(program)))
                }
                Err(problem) => {
                    if self.fallback.is_none() {
                        return Err(Error::Format {
                            path: if src.file.is_empty() {
                                src.class.clone()
                            } else {
                                src.file.clone()
                            },
                            field: format!("{}.{}", src.class, m.name),
                            message: problem.to_string(),
                        });
                    }
                    untranslated.push(Untranslated {
                        method: m.name.clone(),
                        problem,
                    });
                    elementwise = false;
                    bodies.push(Body::Fallback);
                }
            }
        }
        self.bodies = bodies;
        self.standard = STANDARD.map(|name| src.methods.iter().position(|m| m.name == name));
        let splits = elementwise && split_width(&src).is_some_and(|w| width_named_only(&src, w));
        let (schema, class) = class_of(&src, splits);
        self.schema = schema;
        self.class = class;
        Ok(untranslated)
    }

    /// Says which compartments are wired (`targeted`) and translates again.
    pub fn set_targeted(&mut self, targeted: &[bool]) -> Result<Vec<Untranslated>> {
        let mut src = (*self.source).clone();
        for (c, &t) in src.compartments.iter_mut().zip(targeted) {
            c.targeted = t;
        }
        self.source = Arc::new(src);
        self.translate()
    }

    /// Columns `cols` of an elementwise component: its compartments' columns, its
    /// attributes with every whole number equal to the width (its `n_units`, in a tuple
    /// too) set to the block's, its methods translated again at the block's shapes.
    fn block(&self, cols: std::ops::Range<usize>) -> Result<UserComponent> {
        let whole = split_width(&self.source).unwrap_or(0);
        let w = cols.len();
        let mut src = (*self.source).clone();
        for (c, a) in src.compartments.iter_mut().zip(&self.arrays) {
            c.shape = vec![a.nrows(), w];
            c.value = Vec::with_capacity(a.nrows() * w);
            for r in 0..a.nrows() {
                c.value.extend_from_slice(
                    &a.row(r).as_slice().expect("standard layout")[cols.clone()],
                );
            }
        }
        for (k, v) in src.attributes.iter_mut() {
            match v {
                Value::Number(n)
                    if SIZE_NAMES.contains(&k.as_str()) && n.as_u64() == Some(whole as u64) =>
                {
                    *v = Value::from(w)
                }
                Value::Array(items) if k == "shape" => {
                    if let Some(last) = items.last_mut() {
                        if last.as_u64() == Some(whole as u64) {
                            *last = Value::from(w);
                        }
                    }
                }
                _ => {}
            }
        }
        if src.arguments.is_none() {
            src.arguments = Some(self.source.attributes.clone());
        }
        let (mut block, _) = UserComponent::new(src, self.fallback.clone())?;
        block.key = self.key;
        if block.schema.compartments.first().map(|c| c.shape) != Some(SPLIT) {
            return Err(Error::param(
                self.name(),
                "class",
                self.schema.class,
                "its methods, read at a block's width, are not elementwise: it cannot be split across ranks",
            ));
        }
        Ok(block)
    }

    /// Its source.
    pub fn source(&self) -> &ComponentSource {
        &self.source
    }

    /// Whether method `name` runs translated (`Some(true)`), through the fallback
    /// (`Some(false)`), or is not one of its methods.
    pub fn is_translated(&self, name: &str) -> Option<bool> {
        let i = self.source.methods.iter().position(|m| m.name == name)?;
        Some(matches!(self.bodies[i], Body::Compiled(_)))
    }

    fn run(&mut self, method: &str, t: f32, dt: f32) {
        let Some(i) = self.source.methods.iter().position(|m| m.name == method) else {
            return;
        };
        self.run_body(i, t, dt);
    }

    /// Runs body `i` (method `i` of the source).
    fn run_body(&mut self, i: usize, t: f32, dt: f32) {
        let method = &self.source.methods[i].name;
        match &mut self.bodies[i] {
            Body::Compiled(p) => p.run(&mut self.arrays, &mut self.key, t, dt),
            Body::Fallback => {
                if let Some(f) = &self.fallback {
                    f.run(
                        &self.source.name,
                        method,
                        &mut self.arrays,
                        &mut self.key,
                        t,
                        dt,
                    );
                }
            }
        }
    }
}

impl Declared for UserComponent {
    fn name(&self) -> &str {
        &self.source.name
    }
    fn schema(&self) -> &'static Schema {
        self.schema
    }
    fn class(&self) -> &'static ComponentClass {
        self.class
    }
    fn array(&self, index: usize) -> Option<&Array2<f32>> {
        self.arrays.get(index)
    }
    fn array_mut(&mut self, index: usize, _token: WriteToken) -> Option<&mut Array2<f32>> {
        self.arrays.get_mut(index)
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
    fn partition(&self, cols: std::ops::Range<usize>) -> Option<Result<Box<dyn Component>>> {
        if self.schema.compartments.first()?.shape != SPLIT {
            return None;
        }
        Some(self.block(cols).map(|b| Box::new(b) as Box<dyn Component>))
    }

    fn kwargs(&self) -> serde_json::Map<String, Value> {
        let mut kw = self
            .source
            .arguments
            .clone()
            .unwrap_or_else(|| self.source.attributes.clone());
        kw.insert("name".into(), Value::String(self.source.name.clone()));
        kw
    }
}

impl Component for UserComponent {
    fn advance_state(&mut self, t: f32, dt: f32) {
        if let Some(i) = self.standard[0] {
            self.run_body(i, t, dt);
        }
    }
    fn reset(&mut self) {
        if let Some(i) = self.standard[1] {
            self.run_body(i, 0.0, 0.0);
        }
    }
    fn evolve(&mut self, t: f32, dt: f32) {
        if let Some(i) = self.standard[2] {
            self.run_body(i, t, dt);
        }
    }
    fn calc_update(&mut self, t: f32, dt: f32) {
        if let Some(i) = self.standard[3] {
            self.run_body(i, t, dt);
        }
    }
    fn call(&mut self, method: &str, t: f32, dt: f32) {
        self.run(method, t, dt);
    }
    fn changed(&mut self, _index: usize) {}
}

impl UserComponent {
    /// The compartments' initial values (what the class's constructor made).
    pub fn initial(&self) -> &[Array2<f32>] {
        &self.initial
    }
}
