//! ngclearn's saved-model directories (`Context.save_to_json` / `Context.load`).
//!
//! ```text
//! DIR/contextData.json          {"types": ["component", "process"], "path": NAME}
//! DIR/component/roots.json      {COMPONENT: {"args", "kwargs", "modulePath"}}
//! DIR/component/custom/C.npz    every non-wired compartment of C (key: uint32[2])
//! DIR/process/roots.json        {PROCESS: {"args", "kwargs", "method_order", "watch_list", "modulePath"}}
//! DIR/connections.json          {"NAME:c:x": "NAME:d:y" | {"modulePath": ...Summation, "compartments": [...]}}
//! ```
//! Loading restores the saved state as it is (no reset) and is all-or-nothing: the
//! whole directory is read and checked before a [`Model`] is returned, and every
//! problem is a typed error naming the file and the field. Saving writes the same
//! format into a hidden sibling directory and moves it into place
//! ([`crate::io::replace`]): a failed or interrupted save leaves the old directory
//! whole, and only a directory that holds nothing but a saved model is replaced.
//!
//! # What loading accepts
//! A hostile or damaged directory must not hang, abort or take more memory than the
//! model it describes, nor load with values ngclearn would not have written:
//! * Every file is opened only if it is a regular file (a FIFO would block, a device
//!   never end); JSON is at most [`MAX_TEXT_BYTES`], and an object that names a key
//!   twice is an error naming the key (serde_json, like Python's `json`, would keep
//!   the last silently).
//! * A component's npz is checked before the component is built: its entries must be
//!   exactly ngclearn's (every compartment that is not wired, plus `key`: an unknown,
//!   wired, missing or repeated entry is an error), and each entry's declared size and
//!   npy header (a few bytes, inflated alone) must fit the shape the `roots.json`
//!   arguments imply. So a wrong shape fails with little memory, a zip bomb is never
//!   inflated, and the data is then streamed straight into the component's arrays.
//! * Saved state may hold NaN or infinity: ngclearn saves the state of a run that
//!   diverged as it is, and a user must be able to load and inspect it. Such values
//!   load as saved, with one warning ([`crate::warning`]) naming the file, the
//!   compartment and the first such element. Parameters (`roots.json`'s arguments)
//!   must be finite.
//! * `connections.json` is required: ngcsimlib 3.1's `save_to_json` always writes it
//!   (`{}` when nothing is wired) and its `load` opens it unconditionally.
//!   `component/roots.json` and `process/roots.json` are read exactly when
//!   `contextData.json`'s `types` lists them, as ngcsimlib does; a file of a type
//!   not listed is an error rather than ignored.
//! * A process whose `method_order` is empty is accepted and runs as a no-op, as in
//!   ngcsimlib (its compiled process then only returns the state). Processes naming an
//!   unknown component or method are errors (ngcsimlib would skip those steps
//!   silently). A process's `args` must name it as its entry does, its `kwargs` must be
//!   empty (`MethodProcess(name)` takes nothing else), and every `watch_list` path must
//!   exist (watched values are what ngclearn's `run` returns; here they are not used).

use crate::core::class::Registry;
use crate::core::component::Component;
use crate::core::context::Method;
use crate::core::context::{Context, Model, Origin};
use crate::core::kwargs::Kwargs;
use crate::core::operations::Source;
use crate::core::partition::{
    block, block_splits, scatter_rows, Columns, Exchange, Layout, Partitioned,
};
use crate::core::rng::Key;
use crate::core::schema::{Kind, Schema};
use crate::error::{name_list, Error, Result};
use crate::io::npz::{Dtype, EntryHeader, NpzReader, NpzStream};
use crate::io::replace::PendingDir;
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const SUMMATION: &str = "ngcsimlib._src.operations.Summation.Summation";
const PRODUCT: &str = "ngcsimlib._src.operations.Product.Product";
const METHOD_PROCESS: &str = "ngclearn.MethodProcess";
const JOINT_PROCESS: &str = "ngclearn.JointProcess";

/// The most calls a joint process may make (its children's, joined).
const MAX_JOINT_CALLS: usize = 1 << 20;

/// Largest JSON (or TOML model) file read: 1 GiB.
pub const MAX_TEXT_BYTES: u64 = 1 << 30;

/// Reads the text file at `path`: a regular file of at most [`MAX_TEXT_BYTES`].
pub fn read_text(path: &Path) -> Result<String> {
    let file = crate::io::npy::open_regular(path)?;
    // Sized from the file's length (bounded), so that it is read in one go.
    let len = file.metadata().map_or(0, |m| m.len()).min(MAX_TEXT_BYTES);
    let mut bytes = Vec::with_capacity(len as usize + 1);
    file.take(MAX_TEXT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
            not_found: e.kind() == std::io::ErrorKind::NotFound,
        })?;
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        return Err(Error::format(
            path.display(),
            "(file)",
            format!("larger than {MAX_TEXT_BYTES} bytes"),
        ));
    }
    String::from_utf8(bytes)
        .map_err(|e| Error::format(path.display(), "(file)", format!("not UTF-8 text: {e}")))
}

/// A JSON value read with a check that no object names a key twice; `path` is the
/// field path of the value, recorded in `dup` when a duplicate is found.
struct Strict<'a> {
    path: &'a str,
    dup: &'a RefCell<Option<String>>,
}

impl Strict<'_> {
    fn child(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> std::result::Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            let path = format!("{}[{}]", self.path, out.len());
            let seed = Strict {
                path: &path,
                dup: self.dup,
            };
            match seq.next_element_seed(seed)? {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = self.child(&key);
            if out.contains_key(&key) {
                *self.dup.borrow_mut() = Some(path);
                return Err(A::Error::custom(format!("duplicate key `{key}`")));
            }
            let seed = Strict {
                path: &path,
                dup: self.dup,
            };
            let v = map.next_value_seed(seed)?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// The message of a serde_json error without its ` at line L column C`.
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let tail = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&tail).unwrap_or(&text).to_string()
}

/// Parses `text` (the JSON file at `path`), refusing an object that names a key twice.
pub(crate) fn parse_json(text: &str, path: &Path) -> Result<Value> {
    let dup = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let seed = Strict {
        path: "",
        dup: &dup,
    };
    let parsed = seed.deserialize(&mut de).and_then(|v| de.end().map(|_| v));
    parsed.map_err(|e| match dup.into_inner() {
        Some(field) => Error::format(
            path.display(),
            field,
            format!(
                "the key appears twice (the second at line {}, column {}); JSON readers keep only one, so the file is ambiguous",
                e.line(),
                e.column()
            ),
        ),
        None => Error::Syntax {
            path: path.display().to_string(),
            line: e.line(),
            column: e.column(),
            message: format!("malformed JSON: {}", json_message(&e)),
        },
    })
}

fn read_json(path: &Path) -> Result<Value> {
    parse_json(&read_text(path)?, path)
}

fn object<'a>(v: &'a Value, path: &Path, field: &str) -> Result<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| {
        Error::format(
            path.display(),
            field,
            format!("expected an object, got {}", kind(v)),
        )
    })
}

fn array<'a>(v: &'a Value, path: &Path, field: &str) -> Result<&'a Vec<Value>> {
    v.as_array().ok_or_else(|| {
        Error::format(
            path.display(),
            field,
            format!("expected a list, got {}", kind(v)),
        )
    })
}

fn string<'a>(v: &'a Value, path: &Path, field: &str) -> Result<&'a str> {
    v.as_str().ok_or_else(|| {
        Error::format(
            path.display(),
            field,
            format!("expected a string, got {}", kind(v)),
        )
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn get<'a>(obj: &'a Map<String, Value>, key: &str, path: &Path, field: &str) -> Result<&'a Value> {
    obj.get(key)
        .ok_or_else(|| Error::format(path.display(), format!("{field}.{key}"), "missing"))
}

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
                _ => Err(Error::UnknownClass {
                    path: file.display().to_string(),
                    field: field.to_string(),
                    module_path: mp.to_string(),
                    supported: "Summation, Product".into(),
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
            Kind::Array => c
                .array(i)
                .map(|a| vec![a.shape().to_vec()])
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
}

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
        for e in npz.entries() {
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
        for (idx, c) in schema.compartments.iter().enumerate() {
            if !wired.contains(c.name) && !indices.contains(&idx) {
                return Err(Error::format(
                    &shown,
                    c.name,
                    "missing: ngclearn saves every compartment that is not wired, and `key`",
                ));
            }
        }
        let mut entries = Vec::with_capacity(indices.len());
        for (i, &idx) in indices.iter().enumerate() {
            let allowed = &shapes[idx];
            let max_data = match schema.compartments[idx].kind {
                Kind::Key => 8,
                Kind::Array => allowed
                    .iter()
                    .map(|s| s.iter().product::<usize>() as u64 * 4)
                    .max()
                    .unwrap_or(0)
                    .max(8),
            };
            let h = npz.header(i, max_data)?;
            let fits = match schema.compartments[idx].kind {
                Kind::Key => h.dtype == Dtype::U32 && h.shape == [2],
                Kind::Array => {
                    (h.dtype == Dtype::F32 && allowed.contains(&h.shape))
                        || (h.shape.is_empty() && h.dtype != Dtype::U32)
                }
            };
            if !fits {
                let want = match schema.compartments[idx].kind {
                    Kind::Key => "a key must be uint32 of shape (2,)".to_string(),
                    Kind::Array => format!(
                        "expected float32 of shape {} (or a scalar), as roots.json's arguments imply",
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
        Ok(SavedState { npz, entries })
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
        for (i, idx, h) in &self.entries {
            match c.schema().compartments[*idx].kind {
                Kind::Key => c.set_key(Key(self.npz.read_key(*i, h)?)),
                Kind::Array => {
                    let cols = block.filter(|_| split.as_ref().is_some_and(|s| s[*idx]));
                    crate::core::component::write(c, *idx, |dst| match cols {
                        Some(cols) => self.npz.read_f32_columns_into(*i, h, cols, dst),
                        None => self.npz.read_f32_into(*i, h, dst),
                    })
                    .expect("array compartments are addressable")?;
                }
            }
        }
        Ok(self.npz.non_finite().to_vec())
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
fn read_listed(dir: &Path, rel: &str, kind: &str, types: &[&str]) -> Result<Option<Value>> {
    let path = dir.join(rel);
    if types.contains(&kind) {
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
    let mut types: Vec<&str> = Vec::with_capacity(type_list.len());
    for (i, t) in type_list.iter().enumerate() {
        let t = string(t, &meta_path, &format!("types[{i}]"))?;
        if t != "component" && t != "process" {
            return Err(Error::format(
                meta_path.display(),
                format!("types[{i}]"),
                format!("unsupported object type `{t}` (component and process are)"),
            ));
        }
        if types.contains(&t) {
            return Err(Error::format(
                meta_path.display(),
                format!("types[{i}]"),
                format!("`{t}` is listed twice"),
            ));
        }
        types.push(t);
    }

    // Connections first: they say which compartments have no saved value.
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
        let target = local_path(dest, &context, &conn_path, dest)?;
        wires.push((target, parse_source(src, &context, &conn_path, dest)?));
    }
    let wired_in = |component: &str| -> HashSet<String> {
        wires
            .iter()
            .filter_map(|(t, _)| {
                t.split_once(':')
                    .filter(|(c, _)| *c == component)
                    .map(|(_, x)| x.to_string())
            })
            .collect()
    };

    let mut ctx = match exchange {
        None => Context::new(&context),
        Some(ex) => Context::partitioned(&context, ex),
    };
    let roots_path = dir.join("component").join("roots.json");
    let roots = read_listed(dir, "component/roots.json", "component", &types)?
        .unwrap_or_else(|| Value::Object(Map::new()));
    let mut non_finite = Vec::new();
    for (name, entry) in object(&roots, &roots_path, "(root)")? {
        // The name makes file paths (its npz, its custom files): it is checked before
        // any path is built from it.
        crate::core::component::valid_name(name)
            .map_err(|e| Error::format(roots_path.display(), name, e.to_string()))?;
        let e = object(entry, &roots_path, name)?;
        let module_path = string(
            get(e, "modulePath", &roots_path, name)?,
            &roots_path,
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
            get(e, "args", &roots_path, name)?,
            &roots_path,
            &format!("{name}.args"),
        )?;
        let kwargs = object(
            get(e, "kwargs", &roots_path, name)?,
            &roots_path,
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
        let wired = wired_in(name);
        // Across ranks, a synapse that can builds only this rank's columns.
        let offer = kw.shape_width().and_then(|w| ctx.columns_for(w));
        if let Some(c) = &offer {
            kw.offer_columns(c.clone())?;
        }
        // A class whose `save` is its own (SLIFCell) holds entries that are not its
        // compartments: it is built, then asked for its form.
        let own_form = !NpzReader::open(&npz_path)?
            .entries()
            .iter()
            .all(|e| e.name == "key" || schema.compartment_index(&e.name).is_some());
        // The npz is checked against the shapes the arguments imply before the
        // component allocates anything; if they cannot be read, building reports it.
        let (mut component, state) = match class.implied_shapes(&kw).filter(|_| !own_form) {
            Some(shapes) => {
                let state = SavedState::open(&npz_path, schema, &shapes, &wired)?;
                (build_quietly(class, &mut kw).map_err(in_file)?, Some(state))
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
                    false => Some(SavedState::open(&npz_path, schema, &shapes, &wired)?),
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
        match state {
            Some(state) => non_finite.extend(state.apply(component.as_mut(), block.as_ref())?),
            None => non_finite.extend(read_own_form(&npz_path, component.as_mut())?),
        }
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
    }

    for (target, source) in wires {
        let field = format!("{context}:{target}");
        ctx.wire(source, &target)
            .map_err(|e| Error::format(conn_path.display(), field, e.to_string()))?;
    }

    let proc_path = dir.join("process").join("roots.json");
    let mut watched = Vec::new();
    if let Some(procs) = read_listed(dir, "process/roots.json", "process", &types)? {
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
                    watched.push((field.clone(), local_path(p, &context, &proc_path, &field)?));
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
        // A joint process runs its children's calls in order (ngcsimlib's JointProcess);
        // a child may itself be joint, declared before or after it.
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
                        format!("joint process `{pname}` names `{missing}`, which is not a process here")
                    },
                ));
            }
            pending = still;
        }
    }
    Ok((ctx, watched, non_finite))
}

fn pretty(v: &Value) -> String {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    serde::Serialize::serialize(v, &mut ser).expect("JSON values always serialise");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

fn source_json(s: &Source, context: &str) -> Value {
    match s {
        Source::Path(p) => Value::String(format!("{context}:{p}")),
        Source::Summation(ops) | Source::Product(ops) => {
            let mp = if matches!(s, Source::Summation(_)) {
                SUMMATION
            } else {
                PRODUCT
            };
            serde_json::json!({"modulePath": mp, "compartments": ops.iter().map(|o| source_json(o, context)).collect::<Vec<_>>()})
        }
    }
}

/// Writes the state of component `i` into `npz`: its key, then every non-wired array
/// compartment, each streamed from the component (nothing is copied whole).
fn write_state(npz: &mut NpzStream, model: &Model, i: usize, c: &dyn Component) -> Result<()> {
    if let Some(own) = c.own_saved_form() {
        // The class's own `save` (SLIFCell): its entries, and no key.
        for e in &own {
            write_array(npz, e.name, &e.value, None)?;
        }
        return Ok(());
    }
    write_key(npz, c.key())?;
    for (idx, name, a) in saved_arrays(model, i, c) {
        let scalar = uniform(a).filter(|_| c.saves_as_scalar(idx));
        write_array(npz, name, a, scalar)?;
    }
    Ok(())
}

/// The array compartments of component `i` that a saved model holds (those not wired):
/// index, name and value.
fn saved_arrays<'a>(
    model: &'a Model,
    i: usize,
    c: &'a dyn Component,
) -> impl Iterator<Item = (usize, &'static str, &'a ndarray::Array2<f32>)> + 'a {
    c.schema()
        .compartments
        .iter()
        .enumerate()
        .filter(move |(idx, info)| {
            info.kind == Kind::Array
                && !model
                    .is_wired(model.handle_at(i, *idx))
                    .expect("a handle of this model")
        })
        .map(|(idx, info)| {
            let a = c.array(idx).expect("array compartments are addressable");
            (idx, info.name, a)
        })
}

/// The value every entry of `a` holds, if they are all the same (bit for bit).
fn uniform(a: &ndarray::Array2<f32>) -> Option<f32> {
    let first = a.iter().next().copied().unwrap_or(0.0);
    a.iter()
        .all(|x| x.to_bits() == first.to_bits())
        .then_some(first)
}

/// Writes a key entry.
fn write_key(npz: &mut NpzStream, key: Key) -> Result<()> {
    npz.begin("key", Dtype::U32, &[2])?;
    npz.write_bytes(key.0.iter().flat_map(|x| x.to_le_bytes()))
}

/// Writes entry `name`: `a`, or the 0-d `scalar` ngclearn saves instead.
fn write_array(
    npz: &mut NpzStream,
    name: &str,
    a: &ndarray::Array2<f32>,
    scalar: Option<f32>,
) -> Result<()> {
    match scalar {
        Some(x) => {
            npz.begin(name, Dtype::F32, &[])?;
            npz.write_f32([x])
        }
        None => {
            npz.begin(name, Dtype::F32, a.shape())?;
            npz.write_f32(a.iter().copied())
        }
    }
}

fn io_error(p: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: p.display().to_string(),
        message: e.to_string(),
        not_found: false,
    }
}

/// A process as `process/roots.json` holds it.
fn process_entry(name: &str, children: Option<&[String]>, calls: &[(&str, &str)]) -> Value {
    match children {
        Some(children) => {
            serde_json::json!({"args": [name], "kwargs": {}, "process_order": children, "watch_list": [], "modulePath": JOINT_PROCESS})
        }
        None => {
            let order: Vec<Value> = calls
                .iter()
                .map(|(c, m)| serde_json::json!({"name": c, "method": m}))
                .collect();
            serde_json::json!({"args": [name], "kwargs": {}, "method_order": order, "watch_list": [], "modulePath": METHOD_PROCESS})
        }
    }
}

/// A component as `component/roots.json` holds it: as it was written (`origin`), or
/// from its class and keyword arguments.
fn root_entry(origin: Option<&Origin>, kwargs: Map<String, Value>, module_path: &str) -> Value {
    match origin {
        Some(o) => {
            serde_json::json!({"args": o.args, "kwargs": o.kwargs, "modulePath": o.module_path})
        }
        None => serde_json::json!({"args": [], "kwargs": kwargs, "modulePath": module_path}),
    }
}

/// Creates the directories of a saved model in `dir`.
fn make_dirs(dir: &Path) -> Result<PathBuf> {
    let custom = dir.join("component").join("custom");
    std::fs::create_dir_all(&custom).map_err(|e| io_error(&custom, e))?;
    std::fs::create_dir_all(dir.join("process")).map_err(|e| io_error(dir, e))?;
    Ok(custom)
}

/// Writes the JSON files of a saved model: its name, components, processes and wires.
fn write_json(
    dir: &Path,
    context: &str,
    roots: Map<String, Value>,
    procs: Map<String, Value>,
    wires: &[(String, Source)],
) -> Result<()> {
    let write = |p: PathBuf, v: &Value| std::fs::write(&p, pretty(v)).map_err(|e| io_error(&p, e));
    write(
        dir.join("contextData.json"),
        &serde_json::json!({"types": ["component", "process"], "path": context}),
    )?;
    write(
        dir.join("component").join("roots.json"),
        &Value::Object(roots),
    )?;
    write(
        dir.join("process").join("roots.json"),
        &Value::Object(procs),
    )?;
    let mut conns = Map::new();
    for (target, source) in wires {
        conns.insert(format!("{context}:{target}"), source_json(source, context));
    }
    write(dir.join("connections.json"), &Value::Object(conns))
}

/// Writes `files` (name, bytes) into `custom`.
fn write_custom(custom: &Path, files: Vec<(String, Vec<u8>)>) -> Result<()> {
    for (file, bytes) in files {
        let p = custom.join(file);
        std::fs::write(&p, bytes).map_err(|e| io_error(&p, e))?;
    }
    Ok(())
}

fn write_all(model: &Model, dir: &Path) -> Result<()> {
    let custom = make_dirs(dir)?;
    let mut roots = Map::new();
    for (i, c) in model.components().enumerate() {
        roots.insert(
            c.name().to_string(),
            root_entry(model.origin(i), c.kwargs(), c.schema().module_path),
        );
        let mut npz = NpzStream::create(&custom.join(format!("{}.npz", c.name())))?;
        write_state(&mut npz, model, i, c)?;
        npz.finish()?;
        write_custom(&custom, c.custom_files())?;
    }
    let mut procs = Map::new();
    for (id, name) in model.process_ids().zip(model.process_names()) {
        let children: Option<Vec<String>> = model
            .process_children(id)?
            .map(|c| c.into_iter().map(str::to_string).collect());
        let calls: Vec<(&str, &str)> = model
            .process_calls(id)?
            .into_iter()
            .map(|(c, m)| (c, m.as_str()))
            .collect();
        procs.insert(
            name.to_string(),
            process_entry(name, children.as_deref(), &calls),
        );
    }
    write_json(dir, model.name(), roots, procs, model.wires())
}

/// Saves a model partitioned across ranks (this rank's `model`, split as `layout` says:
/// see [`Partitioned`]) as the whole model's directory, the one a
/// single process would save (byte for byte), without gathering the whole model
/// anywhere: every rank must call it, in the same order; rank 0 writes `dir` beside
/// its destination and returns it, ready to be put in place by [`PendingDir::commit`]
/// (the others return `None`). A split array travels to rank 0 in blocks of rows of
/// about 4 MB (at least one row), each written into its npz as it arrives, so rank 0
/// holds two such blocks of it at a time. A failure on one rank is that rank's: the caller ends the others
/// ([`Exchange::abort`]), which would otherwise wait in a collective call.
pub fn prepare_model_dir_partitioned(
    model: &Model,
    layout: &Layout,
    dir: &Path,
    overwrite: bool,
) -> Result<Option<PendingDir>> {
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
            write_key(z, c.key())?;
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

/// Saves `model` as an ngclearn model directory at `dir` (loadable with ngclearn's
/// `Context.load(parent_of_dir, dir_name)`). An existing `dir` is replaced only if
/// `overwrite`, and only if it holds nothing but a saved model; at every instant `dir`
/// holds either the old directory whole or the new one (see [`crate::io::replace`]).
pub fn save_model_dir(model: &Model, dir: &Path, overwrite: bool) -> Result<()> {
    prepare_model_dir(model, dir, overwrite)?.commit()
}

/// Writes `model` beside `dir`, ready to be put in place by [`PendingDir::commit`]
/// (dropped instead, it leaves no trace): for callers that commit several outputs
/// together. The checks are those of [`save_model_dir`].
pub fn prepare_model_dir(model: &Model, dir: &Path, overwrite: bool) -> Result<PendingDir> {
    check_save_target(dir, overwrite)?;
    let pending = PendingDir::create(dir)?;
    write_all(model, pending.path()).map_err(|e| pending.at_destination(e))?;
    Ok(pending)
}

/// Checks, without writing anything, that a model could be saved at `dir`: it has a
/// name, no ancestor is a file, and an existing `dir` may be replaced (`overwrite`, and
/// it holds nothing but a saved model). For callers that want to fail before a long run.
pub fn check_save_target(dir: &Path, overwrite: bool) -> Result<()> {
    if dir.file_name().is_none() {
        return Err(Error::Io {
            path: dir.display().to_string(),
            message: "has no directory name".into(),
            not_found: false,
        });
    }
    if let Some(file) = dir.ancestors().skip(1).find(|a| a.is_file()) {
        return Err(Error::Io {
            path: dir.display().to_string(),
            message: format!("{} is a file, not a directory", file.display()),
            not_found: false,
        });
    }
    if dir.exists() || dir.is_symlink() {
        if !overwrite {
            return Err(Error::Io {
                path: dir.display().to_string(),
                message: "already exists (pass overwrite to replace it)".into(),
                not_found: false,
            });
        }
        check_replaceable(dir)?;
    }
    Ok(())
}

/// Whether a saved model's directory may hold `rel` (a path inside it).
fn part_of_saved_model(rel: &Path) -> bool {
    // A name that is not UTF-8 is no part of a saved model (and must not be skipped).
    let Some(parts) = rel
        .iter()
        .map(|p| p.to_str())
        .collect::<Option<Vec<&str>>>()
    else {
        return false;
    };
    match parts[..] {
        ["contextData.json" | "connections.json" | "component" | "process"] => true,
        ["component", "roots.json" | "custom"] | ["process", "roots.json"] => true,
        ["component", "custom", f] => f.ends_with(".npz") || f.ends_with(".pkl"),
        _ => false,
    }
}

/// Refuses to replace anything but a saved model: replacing `dir` deletes what it holds.
fn check_replaceable(dir: &Path) -> Result<()> {
    let refuse = |why: String| Error::Io {
        path: dir.display().to_string(),
        message: format!("{why}; not replacing it (remove it or save elsewhere)"),
        not_found: false,
    };
    let meta = std::fs::symlink_metadata(dir).map_err(|e| Error::Io {
        path: dir.display().to_string(),
        message: e.to_string(),
        not_found: e.kind() == std::io::ErrorKind::NotFound,
    })?;
    if meta.file_type().is_symlink() {
        return Err(refuse(
            "is a symbolic link (give the directory it points to)".into(),
        ));
    }
    if !meta.is_dir() {
        return Err(refuse("exists and is not a directory".into()));
    }
    if !dir.join("contextData.json").is_file() {
        return Err(refuse(
            "is not a saved model (no contextData.json)".to_string(),
        ));
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| Error::Io {
            path: d.display().to_string(),
            message: e.to_string(),
            not_found: e.kind() == std::io::ErrorKind::NotFound,
        })?;
        for e in entries.flatten() {
            let path = e.path();
            let rel = path.strip_prefix(dir).unwrap_or(&path);
            if !part_of_saved_model(rel) {
                return Err(refuse(format!(
                    "holds {}, which is not part of a saved model",
                    rel.display()
                )));
            }
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loader sizes a component's npz from its schema's shape text before building
    /// it: that text must parse, and give exactly the shapes the built component has.
    #[test]
    fn implied_shapes_are_the_built_shapes() {
        for class in Registry::builtin().classes() {
            let schema = class.schema;
            let mut kwargs = Map::new();
            for (k, v) in [
                ("name", serde_json::json!("c")),
                ("shape", serde_json::json!([3, 2])),
                ("n_units", serde_json::json!(4)),
                ("batch_size", serde_json::json!(5)),
                ("tau_decay", serde_json::json!(2.0)),
                ("tau_rise", serde_json::json!(1.0)),
                ("g_syn_bar", serde_json::json!(1.0)),
                ("syn_rest", serde_json::json!(0.0)),
                ("tau_m", serde_json::json!(10.0)),
                ("A_plus", serde_json::json!(0.01)),
                ("A_minus", serde_json::json!(0.01)),
                ("tau_tr", serde_json::json!(20.0)),
                ("a_delta", serde_json::json!(0.0)),
                ("exp_beta", serde_json::json!(1.0)),
                ("resist_m", serde_json::json!(1.0)),
                ("thr", serde_json::json!(0.4)),
                ("tau_x", serde_json::json!(10.0)),
                ("dt", serde_json::json!(0.3)),
                ("alpha", serde_json::json!(0.1)),
                ("tau_w", serde_json::json!(50.0)),
                ("tau_theta", serde_json::json!(20.0)),
                ("eta", serde_json::json!(0.1)),
            ] {
                // `shape` is a synapse's (n_pre, n_post); a cell's `shape` (RateCell's 4-D
                // form) stays unset.
                let synapse = schema
                    .compartments
                    .iter()
                    .any(|c| c.shape.mentions(crate::core::schema::Size::Pre));
                if k == "shape" && !synapse {
                    continue;
                }
                // These run a batch only as ngclearn 3.1.1 can: batch_size == n_pre (== n_post).
                let square = ["MSTDPETSynapse", "EventSTDPSynapse", "STPDenseSynapse"]
                    .contains(&schema.class);
                let v = if k == "shape" && square {
                    serde_json::json!([5, 5])
                } else {
                    v
                };
                if schema.signature.contains(&k) || k == "batch_size" {
                    kwargs.insert(k.into(), v);
                }
            }
            let mut kw = Kwargs::new("f", "c", schema.signature, &[], &kwargs).unwrap();
            let implied = class
                .implied_shapes(&kw)
                .unwrap_or_else(|| panic!("{}: shapes do not parse", schema.class));
            let c = class.build(&mut kw).unwrap();
            for (i, (info, shapes)) in schema.compartments.iter().zip(&implied).enumerate() {
                match info.kind {
                    Kind::Key => assert!(shapes.is_empty()),
                    Kind::Array => {
                        let actual = c.array(i).unwrap().shape().to_vec();
                        assert!(
                            shapes.contains(&actual),
                            "{}:{} is {actual:?}, implied {shapes:?}",
                            schema.class,
                            info.name
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn sizes_that_cannot_be_read_or_allocated_leave_it_to_the_component() {
        let class = crate::components::DenseSynapse::CLASS;
        let schema = class.schema;
        for shape in [
            serde_json::json!([0, 2]),
            serde_json::json!("3x2"),
            serde_json::json!([4_000_000_000u64, 4_000_000_000u64]),
        ] {
            let mut kwargs = Map::new();
            kwargs.insert("name".into(), "c".into());
            kwargs.insert("shape".into(), shape);
            let kw = Kwargs::new("f", "c", schema.signature, &[], &kwargs).unwrap();
            assert!(class.implied_shapes(&kw).is_none());
        }
    }

    #[test]
    fn json_duplicate_keys_are_found_at_any_depth() {
        let p = Path::new("x.json");
        let v = parse_json(r#"{"a": [1, {"b": 2}], "c": null}"#, p).unwrap();
        assert_eq!(v, serde_json::json!({"a": [1, {"b": 2}], "c": null}));
        for (text, field) in [
            (r#"{"a": 1, "a": 2}"#, "a"),
            (r#"{"a": [1, {"b": 2, "b": 3}]}"#, "a[1].b"),
        ] {
            match parse_json(text, p) {
                Err(Error::Format { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(
            parse_json("{\"a\": 1,\n \"b\" 2}", p),
            Err(Error::Syntax { line: 2, .. })
        ));
    }
}
