//! `ngclearn_rs._core`: the engine under the `ngclearn_rs` Python package.
//!
//! The Python layer (`python/ngclearn_rs`) keeps ngclearn's objects (contexts,
//! components, compartments, processes); each context owns one [`Circuit`] here, which
//! holds the built model and the description it was built from. Any change to the
//! description (a component, a wire, a process) rebuilds the model around the same
//! components, so their state carries over and a context can grow after it was built,
//! as an ngclearn context can. A change that does not fit (a shape mismatch, an
//! unknown compartment) is refused and leaves the circuit as it was.
//!
//! Every engine error becomes a Python exception carrying the engine's message
//! (`error`); long runs release the GIL and stop on Ctrl-C.

use ndarray::Array2;
use ngclearn::core::class::Registry;
use ngclearn::core::component::Component;
use ngclearn::core::context::{Context, Model, Origin};
use ngclearn::core::kwargs::Kwargs;
use ngclearn::core::operations::Source;
use ngclearn::core::rng::Key;
use ngclearn::core::sim::{Flow, Output, Recorded, Recording, Simulation};
use ngclearn::core::state::{State, Value};
use ngclearn::utils::distribution_generator::Initializer;
use ngclearn::{Error, ErrorKind};
use numpy::{PyArray1, PyArray2, PyArray3, PyArrayDyn, PyReadonlyArray2};
use pyo3::exceptions::{
    PyAssertionError, PyFileNotFoundError, PyKeyError, PyMemoryError, PyOSError, PyRuntimeError,
    PyTypeError, PyValueError, PyZeroDivisionError,
};
use pyo3::prelude::*;
use serde_json::{Map, Value as Json};
use std::sync::Arc;

/// The Python exception for an engine error, by its kind: lookups of unknown names are
/// `KeyError`, a file that does not exist `FileNotFoundError`, other file problems
/// `OSError`, a value of the wrong type (an argument, a key for an array) `TypeError`,
/// a value failing what ngclearn's constructor asserts `AssertionError`, zero where it
/// divides `ZeroDivisionError` (as ngclearn raises them), anything else about the values
/// given `ValueError`.
fn error(e: Error) -> PyErr {
    let msg = e.to_string();
    match e.kind() {
        ErrorKind::UnknownName => PyKeyError::new_err(msg),
        ErrorKind::FileNotFound => PyFileNotFoundError::new_err(msg),
        ErrorKind::Io => PyOSError::new_err(msg),
        ErrorKind::WrongType => PyTypeError::new_err(msg),
        ErrorKind::InvalidValue => PyValueError::new_err(msg),
        ErrorKind::FailedAssertion => PyAssertionError::new_err(msg),
        ErrorKind::DivisionByZero => PyZeroDivisionError::new_err(msg),
    }
}

fn json_error(what: &str, e: serde_json::Error) -> PyErr {
    PyValueError::new_err(format!("{what}: {e}"))
}

type Parts = Vec<(Box<dyn Component>, Option<Origin>)>;

/// A failed rebuild: the error, and the components to rebuild from.
type Failed = Box<(Error, Parts)>;

/// A process as the Python layer sees it: its name and `(component, method)` calls.
type ProcessCalls = (String, Vec<(String, String)>);

/// A wire's source as the Python layer sends it: a path, or
/// `{"op": "Summation" | "Product", "args": [...]}`.
fn source_of(v: &Json) -> PyResult<Source> {
    match v {
        Json::String(p) => Ok(Source::Path(p.clone())),
        Json::Object(m) => {
            let args = m
                .get("args")
                .and_then(Json::as_array)
                .ok_or_else(|| PyValueError::new_err("an operation needs `args`"))?
                .iter()
                .map(source_of)
                .collect::<PyResult<Vec<_>>>()?;
            match m.get("op").and_then(Json::as_str) {
                Some("Summation") => Ok(Source::Summation(args)),
                Some("Product") => Ok(Source::Product(args)),
                Some("Concatenation") => Ok(Source::Concatenation(args)),
                other => Err(PyValueError::new_err(format!(
                    "unknown operation {other:?} (Summation, Product and Concatenation are)"
                ))),
            }
        }
        other => Err(PyTypeError::new_err(format!(
            "a wire's source is a compartment or an operation, not {other}"
        ))),
    }
}

/// Builds a model named `name` from `parts`, `wires` and `procs`; on failure the parts
/// come back with the error.
fn assemble(
    name: &str,
    parts: Parts,
    wires: &[(String, Source)],
    procs: &[ProcessCalls],
    joints: &[(String, Vec<String>)],
) -> Result<Model, Failed> {
    let mut ctx = Context::new(name);
    for (c, o) in parts {
        ctx.add_with_origin(c, o)
            .expect("the circuit keeps component names unique");
    }
    for (target, source) in wires {
        if let Err(e) = ctx.wire(source.clone(), target) {
            return Err(Box::new((e, ctx.into_components())));
        }
    }
    let mut declared: Vec<&str> = Vec::new();
    for (pname, calls) in procs {
        // A joint process whose children are declared before it, and whose calls are
        // still theirs, is declared as one (so that it is saved as one).
        let joint = joints
            .iter()
            .find(|(n, _)| n == pname)
            .filter(|(_, children)| {
                children.iter().all(|c| declared.contains(&c.as_str()))
                    && children
                        .iter()
                        .flat_map(|c| &procs.iter().find(|(n, _)| n == c).expect("declared").1)
                        .eq(calls.iter())
            });
        declared.push(pname);
        if let Some((_, children)) = joint {
            let children: Vec<&str> = children.iter().map(String::as_str).collect();
            if let Err(e) = ctx.joint_process(pname, &children) {
                return Err(Box::new((e, ctx.into_components())));
            }
            continue;
        }
        let resolved: Result<Vec<_>, Error> = calls
            .iter()
            .map(|(c, m)| Ok((c.as_str(), ctx.method(c, m)?)))
            .collect();
        let added = resolved.and_then(|calls| ctx.process(pname, &calls).map(|_| ()));
        if let Err(e) = added {
            return Err(Box::new((e, ctx.into_components())));
        }
    }
    ctx.build().map_err(|e| Box::new((e, Vec::new())))
}

/// One ngclearn context's engine: the built model and its description.
#[pyclass(module = "ngclearn_rs._core")]
pub struct Circuit {
    name: String,
    model: Option<Model>,
    wires: Vec<(String, Source)>,
    procs: Vec<ProcessCalls>,
    /// The joint processes: their names and their children's, in order.
    joints: Vec<(String, Vec<String>)>,
}

impl Circuit {
    /// Adds `component`, replacing one of the same name; on failure the circuit is left
    /// as it was.
    fn insert(&mut self, component: Box<dyn Component>) -> PyResult<()> {
        let name = component.name().to_string();
        let mut parts = self.take_parts();
        let at = parts.iter().position(|(c, _)| c.name() == name);
        let old = match at {
            Some(i) => Some((i, std::mem::replace(&mut parts[i], (component, None)))),
            None => {
                parts.push((component, None));
                None
            }
        };
        match self.rebuild(parts) {
            Ok(()) => Ok(()),
            Err(failed) => {
                let (e, mut parts) = *failed;
                match old {
                    Some((i, old)) => parts[i] = old,
                    None => {
                        parts.pop();
                    }
                }
                self.rebuild(parts)
                    .map_err(|f| PyRuntimeError::new_err(format!("{e}; restoring: {}", f.0)))?;
                Err(error(e))
            }
        }
    }

    fn model(&self) -> PyResult<&Model> {
        self.model.as_ref().ok_or_else(lost)
    }

    fn model_mut(&mut self) -> PyResult<&mut Model> {
        self.model.as_mut().ok_or_else(lost)
    }

    /// Rebuilds with `parts` and the current description; on failure restores
    /// `fallback` (what was there before, as the caller rebuilds it) and returns the
    /// error.
    fn rebuild(&mut self, parts: Parts) -> Result<(), Failed> {
        match assemble(&self.name, parts, &self.wires, &self.procs, &self.joints) {
            Ok(m) => {
                self.model = Some(m);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Takes the model apart (the circuit must be rebuilt before it is used again).
    fn take_parts(&mut self) -> Parts {
        self.model
            .take()
            .map(Model::into_components)
            .unwrap_or_default()
    }

    /// Rebuilds after the description changed; if that fails, `undo` puts the old
    /// description back, the circuit is rebuilt as it was and the error is raised.
    fn apply(&mut self, undo: impl FnOnce(&mut Self, &mut Parts)) -> PyResult<()> {
        let parts = self.take_parts();
        match self.rebuild(parts) {
            Ok(()) => Ok(()),
            Err(failed) => {
                let (e, mut parts) = *failed;
                undo(self, &mut parts);
                self.rebuild(parts)
                    .map_err(|f| PyRuntimeError::new_err(format!("{e}; restoring: {}", f.0)))?;
                Err(error(e))
            }
        }
    }
}

fn said_untranslated(
    u: Vec<ngclearn::core::program::Untranslated>,
) -> Vec<(String, usize, String)> {
    u.into_iter()
        .map(|u| {
            let why = match &u.problem {
                ngclearn::core::program::Problem::Unsupported { construct, .. } => {
                    construct.clone()
                }
                ngclearn::core::program::Problem::Invalid { message, .. } => message.clone(),
            };
            (u.method, u.problem.line(), why)
        })
        .collect()
}

/// A method of a user's class that runs in Python: the package's runner is called
/// with the component's arrays and key, and returns the arrays and key the method
/// left. An exception it raises is kept by the runner, which the package raises after
/// the run (the step loop cannot stop mid-step).
#[derive(Debug)]
struct PyFallback {
    runner: Py<PyAny>,
}

impl ngclearn::core::program::Fallback for PyFallback {
    fn run(
        &self,
        component: &str,
        method: &str,
        arrays: &mut [Array2<f32>],
        key: &mut Key,
        t: f32,
        dt: f32,
    ) {
        Python::attach(|py| {
            let given: Vec<Bound<'_, PyArray2<f32>>> =
                arrays.iter().map(|a| PyArray2::from_array(py, a)).collect();
            let out = self
                .runner
                .call1(py, (component, method, given, key_of(*key), t, dt));
            let Ok(out) = out else {
                return; // the runner keeps its own exceptions
            };
            let Ok((new, k)) = out.extract::<(Vec<PyReadonlyArray2<'_, f32>>, (u32, u32))>(py)
            else {
                return;
            };
            for (dst, src) in arrays.iter_mut().zip(new) {
                let src = src.as_array();
                if src.dim() == dst.dim() {
                    dst.assign(&src);
                }
            }
            *key = Key([k.0, k.1]);
        });
    }
}

/// A circuit whose model could not be rebuilt (only a failure to set up its threads
/// gets here) refuses every call instead of panicking.
fn lost() -> PyErr {
    PyRuntimeError::new_err(
        "this context's model could not be rebuilt after an error; make the context again",
    )
}

fn key_of(k: Key) -> (u32, u32) {
    (k.0[0], k.0[1])
}

#[pymethods]
impl Circuit {
    /// An empty circuit for the context at `path`.
    #[new]
    fn new(path: &str) -> PyResult<Self> {
        Ok(Circuit {
            name: path.to_string(),
            model: Some(Context::new(path).build().map_err(error)?),
            wires: Vec::new(),
            procs: Vec::new(),
            joints: Vec::new(),
        })
    }

    /// Builds a component of `class` (a class name or module path) from ngclearn's
    /// arguments (`args`, `kwargs` as JSON) and adds it, replacing a component of the
    /// same name (as ngclearn does).
    fn add(&mut self, py: Python<'_>, class: &str, args: &str, kwargs: &str) -> PyResult<()> {
        let reg = Registry::builtin();
        let cls = reg.get(class).ok_or_else(|| {
            PyKeyError::new_err(format!(
                "unknown component class `{class}`; known: {}",
                reg.names()
            ))
        })?;
        let args: Vec<Json> = serde_json::from_str(args).map_err(|e| json_error("args", e))?;
        let kwargs: Map<String, Json> =
            serde_json::from_str(kwargs).map_err(|e| json_error("kwargs", e))?;
        let name = kwargs
            .get("name")
            .or(args.first())
            .and_then(Json::as_str)
            .unwrap_or("?")
            .to_string();
        let mut kw =
            Kwargs::new(cls.name(), &name, cls.schema.signature, &args, &kwargs).map_err(error)?;
        let (component, said) = ngclearn::warning::capture(|| cls.build(&mut kw));
        let component = component.map_err(error)?;
        kw.finish().map_err(error)?;
        warn_all(py, &said)?;
        self.insert(component)
    }

    /// Builds a component of a class of the user's own from its source (JSON: a
    /// `ComponentSource`) and adds it, replacing one of the same name. Methods the
    /// translator cannot take run through `runner` (called as `runner(component,
    /// method, arrays, key, t, dt)`); returns them as `(method, line, why)`.
    fn add_user(
        &mut self,
        source: &str,
        runner: Py<PyAny>,
    ) -> PyResult<Vec<(String, usize, String)>> {
        let source: ngclearn::core::program::ComponentSource =
            serde_json::from_str(source).map_err(|e| json_error("source", e))?;
        let fallback: Arc<dyn ngclearn::core::program::Fallback> = Arc::new(PyFallback { runner });
        let (component, untranslated) =
            ngclearn::core::program::UserComponent::new(source, Some(fallback)).map_err(error)?;
        self.insert(Box::new(component))?;
        Ok(said_untranslated(untranslated))
    }

    /// The source of user component `name`, as JSON (what rebuilds it).
    fn user_source(&self, name: &str) -> PyResult<String> {
        let user = self
            .model()?
            .component_as::<ngclearn::core::program::UserComponent>(name)
            .ok_or_else(|| {
                PyKeyError::new_err(format!("no component of one's own named `{name}`"))
            })?;
        serde_json::to_string(user.source()).map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// Whether `method` of user component `name` runs as a program (`True`) or in
    /// Python (`False`).
    fn translated(&self, name: &str, method: &str) -> PyResult<bool> {
        let user = self
            .model()?
            .component_as::<ngclearn::core::program::UserComponent>(name)
            .ok_or_else(|| {
                PyKeyError::new_err(format!("no component of one's own named `{name}`"))
            })?;
        user.is_translated(method)
            .ok_or_else(|| PyKeyError::new_err(format!("`{name}` has no method `{method}`")))
    }

    /// Translates the methods of user component `name` again, with `targeted` saying
    /// which of its compartments are wired (what `self.x.targeted` reads); its state
    /// is kept. Returns the methods that run in Python, as `add_user` does.
    fn retarget_user(
        &mut self,
        name: &str,
        targeted: Vec<bool>,
    ) -> PyResult<Vec<(String, usize, String)>> {
        let model = self.model()?;
        let user = model
            .component_as::<ngclearn::core::program::UserComponent>(name)
            .ok_or_else(|| {
                PyTypeError::new_err(format!(
                    "`{name}` is not a component of a class of one's own"
                ))
            })?;
        let mut fresh = user.clone();
        let untranslated = fresh.set_targeted(&targeted).map_err(error)?;
        self.insert(Box::new(fresh))?;
        Ok(said_untranslated(untranslated))
    }

    /// Wires `target` to read from `source` (JSON: a path or an operation), replacing
    /// its wire if it has one (as ngclearn does).
    fn wire(&mut self, source: &str, target: &str) -> PyResult<()> {
        let json: Json = serde_json::from_str(source).map_err(|e| json_error("source", e))?;
        let source = source_of(&json)?;
        let before = self.wires.clone();
        self.wires.retain(|(t, _)| t != target);
        self.wires.push((target.to_string(), source));
        self.apply(|c, _| c.wires = before)
    }

    /// Declares (or redeclares) the process `name` as the calls `(component, method)`.
    fn process(&mut self, name: &str, calls: Vec<(String, String)>) -> PyResult<()> {
        let before = self.procs.clone();
        match self.procs.iter_mut().find(|(n, _)| n == name) {
            Some(p) => p.1 = calls,
            None => self.procs.push((name.to_string(), calls)),
        }
        self.apply(|c, _| c.procs = before)
    }

    /// Marks the process `name` as joining the processes `children` (so that it is
    /// saved as a JointProcess while its calls are theirs).
    fn joint(&mut self, name: &str, children: Vec<String>) -> PyResult<()> {
        let before = self.joints.clone();
        self.joints.retain(|(n, _)| n != name);
        self.joints.push((name.to_string(), children));
        self.apply(|c, _| c.joints = before)
    }

    /// The components as `(name, class)`, in order.
    fn components(&self) -> PyResult<Vec<(String, String)>> {
        Ok(self
            .model()?
            .components()
            .map(|c| (c.name().to_string(), c.schema().class.to_string()))
            .collect())
    }

    /// The processes as `(name, [(component, method)])`, in order.
    fn processes(&self) -> PyResult<Vec<ProcessCalls>> {
        let m = self.model()?;
        m.process_ids()
            .map(|id| {
                let name = m.process_name(id).map_err(error)?.to_string();
                let calls = m
                    .process_calls(id)
                    .map_err(error)?
                    .into_iter()
                    .map(|(c, meth)| (c.to_string(), meth.as_str().to_string()))
                    .collect();
                Ok((name, calls))
            })
            .collect()
    }

    /// The wires as `(target, source as JSON)`.
    fn wires(&self) -> PyResult<Vec<(String, String)>> {
        fn json(s: &Source) -> Json {
            match s {
                Source::Path(p) => Json::String(p.clone()),
                Source::Summation(a) => {
                    serde_json::json!({"op": "Summation", "args": a.iter().map(json).collect::<Vec<_>>()})
                }
                Source::Product(a) => {
                    serde_json::json!({"op": "Product", "args": a.iter().map(json).collect::<Vec<_>>()})
                }
                Source::Concatenation(a) => {
                    serde_json::json!({"op": "Concatenation", "args": a.iter().map(json).collect::<Vec<_>>()})
                }
            }
        }
        Ok(self
            .model()?
            .wires()
            .iter()
            .map(|(t, s)| (t.clone(), json(s).to_string()))
            .collect())
    }

    /// Whether compartment `path` is wired.
    fn is_wired(&self, path: &str) -> PyResult<bool> {
        let m = self.model()?;
        m.is_wired(m.compartment(path).map_err(error)?)
            .map_err(error)
    }

    /// The value of array compartment `path` (a wired one reads its source), in the
    /// shape ngclearn gives it (`(batch, units)`, or its declared N axes) and its dtype
    /// (float32, or int32 for indices).
    fn get<'py>(&self, py: Python<'py>, path: &str) -> PyResult<Bound<'py, PyAny>> {
        let m = self.model()?;
        let r = m.compartment(path).map_err(error)?;
        let a = m.value(r).map_err(error)?;
        let dims = m.dims_of(r).map_err(error)?;
        let int32 = m.is_int32(r).map_err(error)?;
        if dims.len() == 2 && !int32 {
            return Ok(PyArray2::from_owned_array(py, a).into_any());
        }
        let a = a
            .into_shape_with_order(ndarray::IxDyn(&dims))
            .map_err(|e| PyValueError::new_err(format!("{path}: {e}")))?;
        Ok(if int32 {
            PyArrayDyn::from_owned_array(py, a.mapv(|x| x as i32)).into_any()
        } else {
            PyArrayDyn::from_owned_array(py, a).into_any()
        })
    }

    /// The shape ngclearn gives array compartment `path` (its N axes), without copying
    /// its values.
    fn dims(&self, path: &str) -> PyResult<Vec<usize>> {
        let m = self.model()?;
        let r = m.compartment(path).map_err(error)?;
        m.dims_of(r).map_err(error)
    }

    /// Sets array compartment `path` (same shape; not wired).
    fn set(&mut self, path: &str, value: PyReadonlyArray2<'_, f32>) -> PyResult<()> {
        let v = value.as_array();
        self.model_mut()?.set(path, v).map_err(error)
    }

    /// The PRNG key of component `path` (`component:key`).
    fn get_key(&self, path: &str) -> PyResult<(u32, u32)> {
        self.model()?.get_key(path).map(key_of).map_err(error)
    }

    /// Sets a PRNG key.
    fn set_key(&mut self, path: &str, key: (u32, u32)) -> PyResult<()> {
        self.model_mut()?
            .set_key(path, Key([key.0, key.1]))
            .map_err(error)
    }

    /// Runs process `name` once at `(t, dt)`, without the GIL.
    fn run(&mut self, py: Python<'_>, name: &str, t: f32, dt: f32) -> PyResult<()> {
        let m = self.model_mut()?;
        let id = m.process_id(name).map_err(error)?;
        py.detach(|| m.run(id, t, dt)).map_err(error)
    }

    /// Gives keyword `key` (one other than `t` and `dt`, as MPSSynapse's `evolve(eta)`)
    /// the value `value` for the next call of each method of process `name` taking it.
    fn set_keyword(&mut self, name: &str, key: &str, value: f32) -> PyResult<()> {
        let m = self.model_mut()?;
        let id = m.process_id(name).map_err(error)?;
        m.set_keyword(id, key, value).map(|_| ()).map_err(error)
    }

    /// Runs process `name` once per `(t[k], dt[k])` from `start` (or the current
    /// state), recording `watch` after each step; returns the final state and the
    /// recordings `(steps, batch, units)`. The circuit's own state is left as it was
    /// (ngclearn's scan). Releases the GIL; Ctrl-C stops it (the state is left as it
    /// was, and `KeyboardInterrupt` is raised). `progress`, if given, is called with
    /// `(steps done, steps)` between the chunks the scan runs in anyway (with the GIL),
    /// so reporting progress changes no number; an exception it raises stops the scan
    /// as Ctrl-C does.
    #[pyo3(signature = (name, t, dt, watch, start=None, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn scan<'py>(
        &mut self,
        py: Python<'py>,
        name: &str,
        t: Vec<f32>,
        dt: Vec<f32>,
        watch: Vec<String>,
        start: Option<PyRef<'py, PyState>>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(PyState, Vec<Bound<'py, PyArray3<f32>>>)> {
        if t.len() != dt.len() {
            return Err(PyValueError::new_err(format!(
                "{} times but {} steps dt",
                t.len(),
                dt.len()
            )));
        }
        let model = self.model.as_mut().ok_or_else(lost)?;
        let id = model.process_id(name).map_err(error)?;
        let mut sim = Simulation::new(model, id, 0.0, 1.0).map_err(error)?;
        let n = t.len();
        sim.set_times(t.into_iter().zip(dt).collect())
            .map_err(error)?;
        for p in &watch {
            let r = model.compartment(p).map_err(error)?;
            sim.record(model, r, Recording::Dense, Output::Memory)
                .map_err(error)?;
        }
        let mut saved = model.state();
        if let Some(s) = &start {
            model.set_state(&s.state).map_err(error)?;
        }
        // In chunks, so that a signal is seen within a few milliseconds.
        const CHUNK: usize = 256;
        let mut done = 0;
        let outcome: PyResult<()> = loop {
            if done == n {
                break Ok(());
            }
            let k = CHUNK.min(n - done);
            let ran = py.detach(|| sim.run(model, k, |_, _| Ok(Flow::Continue)));
            match ran {
                Ok(r) => done += r,
                Err(e) => break Err(error(e)),
            }
            if let Err(e) = py.check_signals() {
                break Err(e);
            }
            if let Some(report) = &progress {
                if let Err(e) = report.call1((done, n)) {
                    break Err(e);
                }
            }
        };
        if let Err(e) = outcome {
            model
                .set_state(&saved)
                .expect("the state was taken from this model");
            return Err(e);
        }
        model
            .swap_state(&mut saved)
            .expect("the state was taken from this model");
        let recorded = sim.finish().map_err(error)?;
        let arrays = recorded
            .into_iter()
            .map(|r| match r {
                Recorded::Dense(a) => Ok(PyArray3::from_owned_array(py, a)),
                _ => Err(PyRuntimeError::new_err("a memory recorder gave no array")),
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok((PyState { state: saved }, arrays))
    }

    /// A copy of the circuit's state.
    fn state(&self) -> PyResult<PyState> {
        Ok(PyState {
            state: self.model()?.state(),
        })
    }

    /// Whether `state` was taken from the circuit's current model (a state taken before
    /// the circuit was rebuilt is not; its values can still be applied by path).
    fn accepts(&self, state: PyRef<'_, PyState>) -> PyResult<bool> {
        Ok(state.state.model() == self.model()?.id())
    }

    /// Puts a state of this circuit back.
    fn set_state(&mut self, state: PyRef<'_, PyState>) -> PyResult<()> {
        self.model_mut()?.set_state(&state.state).map_err(error)
    }

    /// Saves as ngclearn's model directory `dir` (replacing it only if `overwrite`).
    fn save(&self, py: Python<'_>, dir: &str, overwrite: bool) -> PyResult<()> {
        let m = self.model()?;
        py.detach(|| ngclearn::io::save_model_dir(m, std::path::Path::new(dir), overwrite))
            .map_err(error)
    }

    /// Loads ngclearn's model directory `dir`.
    #[staticmethod]
    #[pyo3(signature = (dir, user_sources=Vec::new(), runner=None))]
    fn load(
        py: Python<'_>,
        dir: &str,
        user_sources: Vec<String>,
        runner: Option<Py<PyAny>>,
    ) -> PyResult<Circuit> {
        let path = std::path::Path::new(dir);
        if !path.exists() {
            return Err(PyFileNotFoundError::new_err(format!(
                "{dir}: no such model directory"
            )));
        }
        // Components of one's own, made by their Python constructors, wait for the
        // loader under their names; their classes join the registry.
        let fallback: Option<Arc<dyn ngclearn::core::program::Fallback>> = runner.map(|r| {
            Arc::new(PyFallback { runner: r }) as Arc<dyn ngclearn::core::program::Fallback>
        });
        let mut users = Vec::new();
        for s in &user_sources {
            let source: ngclearn::core::program::ComponentSource =
                serde_json::from_str(s).map_err(|e| json_error("user source", e))?;
            let (c, _) = ngclearn::core::program::UserComponent::new(source, fallback.clone())
                .map_err(error)?;
            users.push(c);
        }
        let mut registry = Registry::builtin().clone();
        for class in ngclearn::core::program::classes_of(&users) {
            registry.register(class).map_err(error)?;
        }
        let (m, said) = py.detach(|| {
            ngclearn::core::program::with_prebuilt(users, || {
                ngclearn::warning::capture(|| {
                    ngclearn::io::model_dir::load_model_dir_with(path, &registry)
                })
            })
        });
        let m = m.map_err(error)?;
        warn_all(py, &said)?;
        let wires = m.wires().to_vec();
        let mut procs = Vec::new();
        let mut joints = Vec::new();
        for id in m.process_ids() {
            if let Some(children) = m.process_children(id).map_err(error)? {
                let name = m.process_name(id).map_err(error)?.to_string();
                joints.push((name, children.iter().map(|c| c.to_string()).collect()));
            }
            let calls = m
                .process_calls(id)
                .map_err(error)?
                .into_iter()
                .map(|(c, meth)| (c.to_string(), meth.as_str().to_string()))
                .collect();
            procs.push((m.process_name(id).map_err(error)?.to_string(), calls));
        }
        Ok(Circuit {
            name: m.name().to_string(),
            model: Some(m),
            wires,
            procs,
            joints,
        })
    }

    /// The context path the circuit was made for (a loaded one: the saved path).
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }
}

/// A circuit's state (ngclearn's state dictionary): paths `component:compartment`.
#[pyclass(module = "ngclearn_rs._core", name = "State")]
pub struct PyState {
    state: State,
}

#[pymethods]
impl PyState {
    /// The paths, in the model's order.
    fn keys(&self) -> Vec<String> {
        self.state.iter().map(|(p, _)| p.to_string()).collect()
    }

    fn __len__(&self) -> usize {
        self.state.len()
    }

    fn __contains__(&self, path: &str) -> bool {
        self.state.get(path).is_some()
    }

    /// The value at `path`: a float32 array, or a key as a uint32 array of two.
    fn __getitem__<'py>(&self, py: Python<'py>, path: &str) -> PyResult<Bound<'py, PyAny>> {
        match self.state.get(path) {
            Some(Value::Array(a)) => Ok(PyArray2::from_array(py, a).into_any()),
            Some(Value::Weights(w)) => Ok(PyArray2::from_array(py, &**w).into_any()),
            Some(Value::Key(k)) => Ok(PyArray1::from_slice(py, &k.0).into_any()),
            None => Err(PyKeyError::new_err(path.to_string())),
        }
    }

    /// Replaces the value at `path` (same shape; a key as two uint32).
    fn __setitem__(&mut self, path: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let v = match self.state.get(path) {
            Some(Value::Key(_)) => {
                let k: (u32, u32) = value
                    .extract()
                    .or_else(|_| {
                        let a: Vec<u32> = value.extract()?;
                        match a.as_slice() {
                            [h, l] => Ok((*h, *l)),
                            _ => Err(PyValueError::new_err("a key is two uint32")),
                        }
                    })
                    .map_err(|_: PyErr| PyTypeError::new_err("a key is two uint32"))?;
                Value::Key(Key([k.0, k.1]))
            }
            _ => {
                let a: PyReadonlyArray2<'_, f32> = value.extract()?;
                Value::Array(a.as_array().to_owned())
            }
        };
        self.state.set(path, v).map_err(error)
    }

    /// A copy (a state passed to a scan is not changed by it; this is for callers
    /// that change one and want the original too).
    fn copy(&self) -> PyState {
        PyState {
            state: self.state.clone(),
        }
    }
}

/// The class schema of `class` (name or module path) as JSON (what `ngc help --json`
/// prints), or a `KeyError`.
/// `a . b` as XLA's dot computes it: each entry a chain of fused multiply-adds from its
/// first product (float32).
#[pyfunction]
fn dot<'py>(
    py: Python<'py>,
    a: PyReadonlyArray2<'_, f32>,
    b: PyReadonlyArray2<'_, f32>,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let (a, b) = (a.as_array(), b.as_array());
    let (n, k, m) = (a.nrows(), a.ncols(), b.ncols());
    if b.nrows() != k || k == 0 {
        return Err(PyValueError::new_err(format!(
            "dot: shapes {:?} and {:?} do not contract",
            a.shape(),
            b.shape()
        )));
    }
    let out = ndarray::Array2::from_shape_fn((n, m), |(i, j)| {
        let mut acc = a[[i, 0]] * b[[0, j]];
        for l in 1..k {
            acc = a[[i, l]].mul_add(b[[l, j]], acc);
        }
        acc
    });
    Ok(PyArray2::from_owned_array(py, out))
}

#[pyfunction]
fn schema(class: &str) -> PyResult<String> {
    let reg = Registry::builtin();
    let cls = reg.get(class).ok_or_else(|| {
        PyKeyError::new_err(format!(
            "unknown component class `{class}`; known: {}",
            reg.names()
        ))
    })?;
    serde_json::to_string(cls.schema).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// Every class's name, in the registry's order.
#[pyfunction]
fn classes() -> Vec<String> {
    Registry::builtin()
        .classes()
        .map(|c| c.name().to_string())
        .collect()
}

/// Draws an initialiser (JSON, as a saved model writes one) of `shape` with `key`.
#[pyfunction]
fn draw<'py>(
    py: Python<'py>,
    spec: &str,
    shape: (usize, usize),
    key: (u32, u32),
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let init: Initializer = serde_json::from_str(spec).map_err(|e| json_error("initialiser", e))?;
    let a: Array2<f32> = py
        .detach(|| init.generate("initializer", shape, Key([key.0, key.1])))
        .map_err(error)?;
    Ok(PyArray2::from_owned_array(py, a))
}

/// JAX's `PRNGKey(seed)`.
#[pyfunction]
fn prng_key(seed: u64) -> (u32, u32) {
    key_of(Key::from_seed(seed))
}

/// JAX's `random.split(key, num)`.
#[pyfunction]
fn split(key: (u32, u32), num: usize) -> PyResult<Vec<(u32, u32)>> {
    if num == 0 {
        return Err(PyValueError::new_err("split: num must be at least 1"));
    }
    let mut out = Vec::new();
    out.try_reserve_exact(num)
        .map_err(|_| PyMemoryError::new_err(format!("split: {num} keys do not fit in memory")))?;
    out.resize(num, Key([0, 0]));
    Key([key.0, key.1]).split_into(&mut out);
    Ok(out.into_iter().map(key_of).collect())
}

/// Bits for `random.uniform(key, (n,))` in [0, 1) as JAX draws them.
#[pyfunction]
fn uniform<'py>(py: Python<'py>, key: (u32, u32), n: usize) -> PyResult<Bound<'py, PyArray1<f32>>> {
    let mut out = Vec::new();
    out.try_reserve_exact(n)
        .map_err(|_| PyMemoryError::new_err(format!("uniform: {n} values do not fit in memory")))?;
    out.resize(n, 0.0f32);
    Key([key.0, key.1]).uniform_into(&mut out);
    Ok(PyArray1::from_vec(py, out))
}

/// The engine's warnings said during a call (captured on its thread), as Python
/// `UserWarning`s at the caller's line: under a filter that makes warnings errors, the
/// first is raised.
fn warn_all(py: Python<'_>, said: &[String]) -> PyResult<()> {
    if said.is_empty() {
        return Ok(());
    }
    // Attributed to the user's line, not the package's (`ngclearn_rs._warn`).
    let warn = py.import("ngclearn_rs._warn")?.getattr("warn")?;
    for message in said {
        warn.call1((message.as_str(),))?;
    }
    Ok(())
}

/// Warnings the calls above do not capture (none of the engine's today), as Python
/// `UserWarning`s. The engine says them on the thread that called it, which holds the
/// GIL or released it for the call; either way `attach` takes it.
fn warn_in_python(message: &str) {
    Python::attach(|py| {
        let text = std::ffi::CString::new(message.replace('\0', " ")).unwrap_or_default();
        let category = py.get_type::<pyo3::exceptions::PyUserWarning>();
        // Under a filter that turns warnings into errors there is nowhere to raise it
        // from here; the warning is then dropped rather than left pending.
        let _ = PyErr::warn(py, category.as_any(), &text, 1);
    });
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ngclearn::warning::set_handler(Some(Box::new(warn_in_python)));
    m.add_class::<Circuit>()?;
    m.add_class::<PyState>()?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    m.add_function(wrap_pyfunction!(dot, m)?)?;
    m.add_function(wrap_pyfunction!(classes, m)?)?;
    m.add_function(wrap_pyfunction!(draw, m)?)?;
    m.add_function(wrap_pyfunction!(prng_key, m)?)?;
    m.add_function(wrap_pyfunction!(split, m)?)?;
    m.add_function(wrap_pyfunction!(uniform, m)?)?;
    Ok(())
}
