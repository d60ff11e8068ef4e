//! Hand-written model files (TOML): components, wires, processes and initial values.
//!
//! ```toml
//! name = "ei"                      # the context's name (default: the file's stem)
//! reset = true                     # run the reset process before applying [initial]
//! seed = 7                         # keys of components that give none (see below)
//!
//! [[component]]                    # class + ngclearn's keyword arguments
//! name = "pre"
//! class = "PoissonCell"            # a class name or ngclearn module path
//! n_units = 20
//! target_freq = 10.0
//! key = 1234                       # PRNGKey(1234); or [hi, lo]
//!
//! [[component]]
//! name = "W"
//! class = "AlphaSynapse"
//! shape = [20, 1]
//! tau_decay = 2.0
//! g_syn_bar = 2.4
//! syn_rest = 0.0                   # omit syn_rest for a voltage-independent current
//! resist_scale = 0.1
//! weight_init = { dist = "constant", value = 1.0 }
//!
//! [[component]]
//! name = "z"
//! class = "LIFCell"
//! n_units = 1
//! tau_m = 10.0
//!
//! [[wire]]
//! source = "pre:outputs"
//! target = "W:inputs"
//!
//! [[wire]]
//! sum = ["W:i_syn", { product = ["z:v", "z:v"] }]   # sum / product, nestable
//! target = "z:j"
//!
//! [process]                        # "component" calls advance_state; "component.m" calls m
//! advance_proc = ["pre", "W", "z"]
//! reset_proc = ["pre.reset", "W.reset", "z.reset"]
//!
//! [initial]                        # a number fills the compartment; a nested list sets it;
//!                                  # a draw ({ dist = "uniform", low = -60.0, high = -50.0,
//!                                  # seed = 1 }) draws each element (row-major counters)
//! "pre:inputs" = 1.0
//! "z:v" = -65.0
//! ```
//! `syn_rest` absent means `None` (ngclearn requires it; `None` is its voltage-independent
//! case). Errors name the file and the field, as for saved-model directories; a syntax
//! error (including a key written twice, which TOML forbids) gives its line and column.
//! Numbers must be finite: TOML can write `nan` and `inf`, which are refused wherever
//! they appear (as parameters they would otherwise read as `null`, so `syn_rest = nan`
//! would make a voltage-independent synapse), and `[initial]` values must also be
//! finite as float32; the error names the compartment and the first bad element. A
//! process must call at least one method, and `[initial]` may set a compartment once.
//!
//! Keys: a component without `key` gets `split(PRNGKey(seed), n)[i]`, `i` its position
//! among the file's `n` components, where `seed` is the caller's
//! ([`load_model_file_seeded`], `ngc run --seed`), else the file's `seed`, else one drawn
//! from the clock, which [`load_model_file_seeded`] returns so that it can be printed and
//! the run repeated. The full description is `docs/model-file.md`.

use crate::core::class::Registry;
use crate::core::context::{CompartmentRef, Context, Method, Model};
use crate::core::kwargs::Kwargs;
use crate::core::operations::Source;
use crate::core::partition::{Exchange, Layout, Partitioned};
use crate::core::rng::Key;
use crate::core::schema::Kind;
use crate::error::{Error, Result};
use crate::io::model_class::DeclaredClass;
use serde_json::{Map, Value};
use std::path::Path;
use std::sync::Arc;

fn fmt(path: &Path, field: impl Into<String>, msg: impl Into<String>) -> Error {
    Error::format(path.display(), field, msg)
}

/// `parent.key`, the key quoted as TOML would need it.
fn key_field(parent: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if parent.is_empty() {
        key
    } else {
        format!("{parent}.{key}")
    }
}

/// A TOML value as JSON; `field` names it in errors, `index` is its position in the
/// lists around it (`[0][3]`). NaN, infinity and dates are refused.
fn json_of(v: &toml::Value, path: &Path, field: &str, index: &str) -> Result<Value> {
    Ok(match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(x) if x.is_finite() => Value::from(*x),
        toml::Value::Float(x) => {
            let what = if index.is_empty() {
                format!("{x} is not allowed")
            } else {
                format!("element {index} is {x}")
            };
            return Err(fmt(path, field, format!("{what}: numbers must be finite")));
        }
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => {
            return Err(fmt(
                path,
                field,
                format!("a date ({d}) is not a value any model takes"),
            ))
        }
        toml::Value::Array(a) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| json_of(x, path, field, &format!("{index}[{i}]")))
                .collect::<Result<_>>()?,
        ),
        toml::Value::Table(t) => {
            let here = format!("{field}{index}");
            let mut m = Map::new();
            for (k, x) in t {
                m.insert(k.clone(), json_of(x, path, &key_field(&here, k), "")?);
            }
            Value::Object(m)
        }
    })
}

/// How errors name the `i`-th `[[component]]` table.
fn component_label(i: usize, c: &toml::Value) -> String {
    let name = c.get("name").and_then(toml::Value::as_str).unwrap_or("?");
    format!("component[{i}] ({name})")
}

/// Line and column (from 1, in characters) of byte `at` of `text`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// Parses the model file's text into JSON (see [`json_of`]).
fn parse(text: &str, path: &Path) -> Result<Map<String, Value>> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let message = format!(
            "malformed TOML: {}",
            e.message()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("; ")
        );
        match e.span() {
            Some(span) => {
                let (line, column) = line_column(text, span.start);
                Error::Syntax {
                    path: path.display().to_string(),
                    line,
                    column,
                    message,
                }
            }
            None => fmt(path, "(toml)", message),
        }
    })?;
    let mut doc = Map::new();
    for (k, v) in &table {
        let value = match (k.as_str(), v) {
            ("component", toml::Value::Array(items)) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, c)| json_of(c, path, &component_label(i, c), ""))
                    .collect::<Result<_>>()?,
            ),
            _ => json_of(v, path, &key_field("", k), "")?,
        };
        doc.insert(k.clone(), value);
    }
    Ok(doc)
}

fn source(v: &Value, path: &Path, field: &str) -> Result<Source> {
    match v {
        Value::String(s) => Ok(Source::Path(s.clone())),
        Value::Object(o) if o.len() == 1 => {
            let (op, items) = o.iter().next().expect("one entry");
            let items = items
                .as_array()
                .ok_or_else(|| fmt(path, format!("{field}.{op}"), "expected a list"))?;
            let ops = items
                .iter()
                .enumerate()
                .map(|(i, x)| source(x, path, &format!("{field}.{op}[{i}]")))
                .collect::<Result<Vec<_>>>()?;
            match op.as_str() {
                "sum" => Ok(Source::Summation(ops)),
                "product" => Ok(Source::Product(ops)),
                "concat" => Ok(Source::Concatenation(ops)),
                other => Err(fmt(
                    path,
                    field,
                    format!("unknown operation `{other}` (sum, product or concat)"),
                )),
            }
        }
        other => Err(fmt(
            path,
            field,
            format!("expected a path, {{sum = [...]}}, {{product = [...]}} or {{concat = [...]}}, got {other}"),
        )),
    }
}

/// Where the seed of the components that give no `key` came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedOrigin {
    /// The caller's (`ngc run --seed`).
    Given,
    /// The file's top-level `seed`.
    File,
    /// Drawn from the clock: print it, so that the run can be repeated.
    Clock,
}

/// The seed that keyed the components which give no `key` of their own: component
/// `i` of the file (counting all components) gets `split(PRNGKey(seed), n)[i]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySeed {
    /// The seed.
    pub seed: u64,
    /// Where it came from.
    pub origin: SeedOrigin,
    /// How many components it keyed.
    pub components: usize,
}

/// Loads a TOML model file (see the module documentation for the schema).
pub fn load_model_file(path: &Path) -> Result<Model> {
    Ok(load_model_file_seeded(path, None)?.0)
}

/// Loads a TOML model file, keying the components that give no `key` from `seed`
/// (else the file's `seed`, else the clock); returns the seed used, if any was.
pub fn load_model_file_seeded(path: &Path, seed: Option<u64>) -> Result<(Model, Option<KeySeed>)> {
    load_model_file_with(path, seed, Registry::builtin())
}

/// [`load_model_file_seeded`], finding classes in `registry` (which may hold classes
/// of one's own besides the built-in ones).
pub fn load_model_file_with(
    path: &Path,
    seed: Option<u64>,
    registry: &Registry,
) -> Result<(Model, Option<KeySeed>)> {
    let (ctx, doc, key_seed) = describe_file(path, seed, registry, None)?;
    let mut model = ctx.build()?;
    settle(path, &doc, &mut model, None)?;
    Ok((model, key_seed))
}

/// Loads this rank's part of the model file `path` partitioned across the ranks of
/// `exchange` ([`crate::core::partition`]), without the whole model: each synapse that
/// can draws only this rank's block of columns (the same numbers as the whole's); other
/// components are built whole, one at a time, and split. `whole` lists compartments to
/// be held whole on every rank (recordings). `seed` as in [`load_model_file_seeded`].
pub fn load_model_file_partitioned(
    path: &Path,
    seed: Option<u64>,
    registry: &Registry,
    exchange: Arc<dyn Exchange>,
    whole: &[&str],
) -> Result<(Partitioned, Option<KeySeed>)> {
    let (ctx, doc, key_seed) = describe_file(path, seed, registry, Some(exchange))?;
    let mut p = ctx.build_partitioned(whole)?;
    settle(path, &doc, &mut p.model, Some(&p.layout))?;
    // The initial values reach the components that read them whole.
    p.gather_mirrors()?;
    Ok((p, key_seed))
}

/// The description in the model file `path` (whole, or given an exchange this rank's
/// part), its parsed document and the seed its keyless components were keyed from.
fn describe_file(
    path: &Path,
    seed: Option<u64>,
    registry: &Registry,
    exchange: Option<Arc<dyn Exchange>>,
) -> Result<(Context, Map<String, Value>, Option<KeySeed>)> {
    let text = crate::io::json::read_text(path)?;
    let parsed = parse(&text, path)?;
    let doc = &parsed;
    const SECTIONS: [&str; 8] = [
        "class",
        "name",
        "reset",
        "seed",
        "component",
        "wire",
        "process",
        "initial",
    ];
    for k in doc.keys() {
        if !SECTIONS.contains(&k.as_str()) {
            return Err(fmt(
                path,
                k,
                format!("unknown section; expected {}", SECTIONS.join(", ")),
            ));
        }
    }
    let file_seed = match doc.get("seed") {
        None => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| {
            fmt(
                path,
                "seed",
                format!("expected a non-negative integer, got {v}"),
            )
        })?),
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "model".into());
    let name = match doc.get("name") {
        None => stem,
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(fmt(path, "name", format!("expected a string, got {other}"))),
    };
    let mut ctx = match &exchange {
        None => Context::new(&name),
        Some(ex) => Context::partitioned(&name, Arc::clone(ex)),
    };
    let empty = Vec::new();
    let comps = match doc.get("component") {
        None => &empty,
        Some(v) => v
            .as_array()
            .ok_or_else(|| fmt(path, "component", "expected [[component]] tables"))?,
    };
    let declared = crate::io::model_class::declared_classes(path, &text, doc.get("class"))?;
    let (keys, key_seed) = component_keys(
        comps,
        registry,
        &declared,
        seed,
        file_seed,
        exchange.as_ref(),
    );
    for (i, c) in comps.iter().enumerate() {
        add_component(&mut ctx, path, registry, &declared, i, c, keys[i])?;
    }
    add_wires(&mut ctx, path, doc.get("wire"))?;
    add_processes(&mut ctx, path, doc.get("process"))?;
    Ok((ctx, parsed, key_seed))
}

/// Whether a component's table gives no key while its class holds one (it then gets
/// one from the seed).
fn takes_key(c: &Value, registry: &Registry, declared: &[DeclaredClass]) -> bool {
    let class = c.get("class").and_then(Value::as_str);
    c.get("key").is_none_or(Value::is_null)
        && (class.is_some_and(|name| declared.iter().any(|d| d.name == name))
            || class
                .and_then(|name| registry.get(name))
                .is_some_and(|k| k.schema.compartments.iter().any(|x| x.kind == Kind::Key)))
}

/// A key for each component (`split(PRNGKey(seed), n)`, used by those that give none:
/// see [`takes_key`]), and where the seed came from (the caller's, the file's, or the
/// clock; across ranks rank 0's clock), if any component takes one.
fn component_keys(
    comps: &[Value],
    registry: &Registry,
    declared: &[DeclaredClass],
    seed: Option<u64>,
    file_seed: Option<u64>,
    exchange: Option<&Arc<dyn Exchange>>,
) -> (Vec<Key>, Option<KeySeed>) {
    let keyless = comps
        .iter()
        .filter(|c| takes_key(c, registry, declared))
        .count();
    let key_seed = (keyless > 0).then(|| {
        let (seed, origin) = match (seed, file_seed) {
            (Some(s), _) => (s, SeedOrigin::Given),
            (None, Some(s)) => (s, SeedOrigin::File),
            (None, None) => {
                // Across ranks, every rank takes rank 0's clock (else each would key
                // its part differently).
                let mut seed = clock_seed();
                if let Some(ex) = exchange {
                    let mut all = Vec::new();
                    ex.allgather_u32(&[seed as u32], &mut all);
                    seed = all[0] as u64;
                }
                (seed, SeedOrigin::Clock)
            }
        };
        KeySeed {
            seed,
            origin,
            components: keyless,
        }
    });
    let mut keys = vec![Key([0, 0]); comps.len()];
    if let Some(ks) = key_seed {
        Key::from_seed(ks.seed).split_into(&mut keys);
    }
    (keys, key_seed)
}

/// Builds component `i` of the file from its table `c` (given `key` if it takes one:
/// see [`takes_key`]) and adds it to `ctx` (across ranks, a synapse that can builds
/// only this rank's columns).
fn add_component(
    ctx: &mut Context,
    path: &Path,
    registry: &Registry,
    declared: &[DeclaredClass],
    i: usize,
    c: &Value,
    key: Key,
) -> Result<()> {
    let field = format!("component[{i}]");
    let mut kwargs: Map<String, Value> = c
        .as_object()
        .cloned()
        .ok_or_else(|| fmt(path, &field, "expected a table"))?;
    if takes_key(c, registry, declared) {
        kwargs.insert("key".into(), serde_json::json!(key.0));
    }
    let class = match kwargs.remove("class") {
        Some(Value::String(s)) => s,
        _ => {
            return Err(fmt(
                path,
                format!("{field}.class"),
                "missing (a class name, e.g. AlphaSynapse)",
            ))
        }
    };
    if let Some(d) = declared.iter().find(|d| d.name == class) {
        let cname = match kwargs.remove("name") {
            Some(Value::String(s)) => s,
            _ => return Err(fmt(path, format!("{field}.name"), "missing (a name)")),
        };
        let label = format!("{field} ({cname})");
        let key = match kwargs.get("key") {
            Some(Value::Number(n)) => Key::from_seed(n.as_u64().ok_or_else(|| {
                fmt(
                    path,
                    format!("{label}.key"),
                    "a seed is a non-negative integer",
                )
            })?),
            Some(Value::Array(a)) => match a.as_slice() {
                [hi, lo] => match (hi.as_u64(), lo.as_u64()) {
                    (Some(hi), Some(lo)) if hi <= u32::MAX as u64 && lo <= u32::MAX as u64 => {
                        Key([hi as u32, lo as u32])
                    }
                    _ => return Err(fmt(path, format!("{label}.key"), "a key is two uint32")),
                },
                _ => return Err(fmt(path, format!("{label}.key"), "a key is two uint32")),
            },
            _ => key,
        };
        let source = d.source(path, &label, &cname, &kwargs, key.0)?;
        let (component, _) = crate::core::program::UserComponent::new(source, None)?;
        return ctx
            .add_boxed(Box::new(component))
            .map(|_| ())
            .map_err(|e| fmt(path, &label, e.to_string()));
    }
    let found = registry.get(&class).ok_or_else(|| Error::UnknownClass {
        path: path.display().to_string(),
        field: format!("{field}.class"),
        module_path: class.clone(),
        supported: registry.names(),
    })?;
    let schema = found.schema;
    if schema.signature.contains(&"syn_rest") && !kwargs.contains_key("syn_rest") {
        kwargs.insert("syn_rest".into(), Value::Null);
    }
    let cname = kwargs
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string();
    let label = format!("{field} ({cname})");
    let mut kw = Kwargs::new(
        &path.display().to_string(),
        &label,
        schema.signature,
        &[],
        &kwargs,
    )?
    .with_field_prefix(&label);
    // Across ranks, a synapse that can builds only this rank's columns.
    if let Some(c) = kw.shape_width().and_then(|w| ctx.columns_for(w)) {
        kw.offer_columns(c)?;
    }
    let component = found.build(&mut kw).map_err(|e| match e {
        Error::Format { .. } | Error::ArgumentType { .. } => e,
        other => fmt(path, &label, other.to_string()),
    })?;
    let block = kw.columns_taken();
    kw.finish()?;
    match &block {
        Some(cols) => ctx.add_block(component, None, cols),
        None => ctx.add_boxed(component),
    }
    .map_err(|e| fmt(path, &label, e.to_string()))?;
    Ok(())
}

/// The file's `[[wire]]` tables, each wired into `ctx`.
fn add_wires(ctx: &mut Context, path: &Path, wires: Option<&Value>) -> Result<()> {
    let empty = Vec::new();
    let wires = match wires {
        None => &empty,
        Some(v) => v
            .as_array()
            .ok_or_else(|| fmt(path, "wire", "expected [[wire]] tables"))?,
    };
    for (i, w) in wires.iter().enumerate() {
        let field = format!("wire[{i}]");
        let w = w
            .as_object()
            .ok_or_else(|| fmt(path, &field, "expected a table"))?;
        let target = w.get("target").and_then(Value::as_str).ok_or_else(|| {
            fmt(
                path,
                format!("{field}.target"),
                "missing (component:compartment)",
            )
        })?;
        let field = format!("{field} (into {target})");
        let given: Vec<&str> = ["source", "sum", "product", "concat"]
            .into_iter()
            .filter(|k| w.contains_key(*k))
            .collect();
        let src = match given.as_slice() {
            ["source"] => source(&w["source"], path, &format!("{field}.source"))?,
            [op] => source(
                &Value::Object(Map::from_iter([(op.to_string(), w[*op].clone())])),
                path,
                &field,
            )?,
            _ => {
                return Err(fmt(
                    path,
                    &field,
                    "give exactly one of source, sum, product, concat",
                ))
            }
        };
        if let Some(k) = w
            .keys()
            .find(|k| !["target", "source", "sum", "product", "concat"].contains(&k.as_str()))
        {
            return Err(fmt(path, format!("{field}.{k}"), "unknown key"));
        }
        ctx.wire(src, target)
            .map_err(|e| fmt(path, &field, e.to_string()))?;
    }
    Ok(())
}

/// The file's `[process]` table, each process added to `ctx`: its calls are
/// `"component"` (advance_state) or `"component.method"` (any method its class
/// declares; a component's name may itself hold dots).
fn add_processes(ctx: &mut Context, path: &Path, procs: Option<&Value>) -> Result<()> {
    if let Some(procs) = procs {
        let procs = procs
            .as_object()
            .ok_or_else(|| fmt(path, "process", "expected a [process] table"))?;
        for (pname, calls) in procs {
            let field = format!("process.{pname}");
            let calls = calls.as_array().ok_or_else(|| {
                fmt(
                    path,
                    &field,
                    "expected a list of \"component\" or \"component.method\"",
                )
            })?;
            if calls.is_empty() {
                // (A saved ngclearn directory may hold an empty process, which ngclearn
                // runs as a no-op; a model file is written by hand, so this is a slip.)
                return Err(fmt(path, &field, "a process must call at least one method"));
            }
            let mut parsed = Vec::with_capacity(calls.len());
            for (i, c) in calls.iter().enumerate() {
                let s = c
                    .as_str()
                    .ok_or_else(|| fmt(path, format!("{field}[{i}]"), "expected a string"))?;
                // "component" (advance_state) or "component.method" (any method its
                // class declares); a component's name may itself hold dots.
                let (comp, method) = match s.rsplit_once('.') {
                    Some((c, m)) if !ctx.has_component(s) && ctx.has_component(c) => {
                        let m = ctx
                            .method(c, m)
                            .map_err(|e| fmt(path, format!("{field}[{i}]"), e.to_string()))?;
                        (c, m)
                    }
                    _ => (s, Method::AdvanceState),
                };
                parsed.push((comp, method));
            }
            ctx.process(pname, &parsed)
                .map_err(|e| fmt(path, &field, e.to_string()))?;
        }
    }
    Ok(())
}

/// What the file asks of the built model (or this rank's part of it, `layout` saying
/// how the whole was split): a reset, then its initial values.
fn settle(
    path: &Path,
    doc: &Map<String, Value>,
    model: &mut Model,
    layout: Option<&Layout>,
) -> Result<()> {
    match doc.get("reset") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => {
            let r = model
                .reset_process()
                .map_err(|e| fmt(path, "reset", e.to_string()))?;
            model.run(r, 0.0, 1.0)?;
        }
        Some(other) => {
            return Err(fmt(
                path,
                "reset",
                format!("expected true or false, got {other}"),
            ))
        }
    }
    if let Some(init) = doc.get("initial") {
        let init = init
            .as_object()
            .ok_or_else(|| fmt(path, "initial", "expected an [initial] table"))?;
        let mut set: Vec<(CompartmentRef, &str)> = Vec::with_capacity(init.len());
        for (cpath, v) in init {
            let field = format!("initial.\"{cpath}\"");
            let r = model
                .compartment(cpath)
                .map_err(|e| fmt(path, &field, e.to_string()))?;
            if let Some((_, first)) = set.iter().find(|(x, _)| *x == r) {
                return Err(fmt(
                    path,
                    &field,
                    format!("the same compartment as \"{first}\": set it once"),
                ));
            }
            set.push((r, cpath));
            let number = |x: &Value, at: &str| -> Result<f32> {
                let v = x.as_f64().map(|f| f as f32).ok_or_else(|| {
                    fmt(
                        path,
                        &field,
                        "expected a number or a list of lists of numbers",
                    )
                })?;
                if v.is_finite() {
                    Ok(v)
                } else {
                    Err(fmt(
                        path,
                        &field,
                        format!("{at}{x} is not a finite float32"),
                    ))
                }
            };
            let (rows, mut cols) = model.shape_of(r)?;
            // A split compartment is given as wide as the whole; this rank keeps its
            // columns.
            let block = layout.and_then(|l| l.columns_of(cpath));
            if let Some(b) = &block {
                cols = b.width;
            }
            let value = match v {
                Value::Number(_) => ndarray::Array2::from_elem((rows, cols), number(v, "")?),
                Value::Array(outer) => {
                    let mut flat = Vec::new();
                    let mut width = None;
                    for (i, row) in outer.iter().enumerate() {
                        let row = row.as_array().ok_or_else(|| {
                            fmt(
                                path,
                                &field,
                                "expected a number or a list of lists of numbers",
                            )
                        })?;
                        if *width.get_or_insert(row.len()) != row.len() {
                            return Err(fmt(path, &field, "rows of different lengths"));
                        }
                        for (j, x) in row.iter().enumerate() {
                            flat.push(number(x, &format!("element [{i}][{j}] = "))?);
                        }
                    }
                    ndarray::Array2::from_shape_vec((outer.len(), width.unwrap_or(0)), flat)
                        .expect("rows of equal length")
                }
                Value::Object(o) => {
                    let mut o = o.clone();
                    let seed = match o.remove("seed") {
                        None => 0,
                        Some(s) => s.as_u64().ok_or_else(|| {
                            fmt(path, &field, "seed: expected a non-negative integer")
                        })?,
                    };
                    let draw: crate::utils::connection::Draw =
                        serde_json::from_value(Value::Object(o)).map_err(|e| {
                            fmt(path, &field, format!("not a number, rows or a draw: {e}"))
                        })?;
                    draw.check_named(&field)
                        .map_err(|e| fmt(path, &field, e.to_string()))?;
                    let key = crate::core::rng::Key::from_seed(seed);
                    let mut e = 0u64;
                    ndarray::Array2::from_shape_simple_fn((rows, cols), || {
                        e += 1;
                        draw.sample(key, e - 1)
                    })
                }
                other => {
                    return Err(fmt(
                        path,
                        &field,
                        format!("expected a number or a list of lists, got {other}"),
                    ))
                }
            };
            let value = match &block {
                Some(b) if value.dim() == (rows, b.width) => {
                    value.slice(ndarray::s![.., b.cols.clone()]).to_owned()
                }
                Some(b) => {
                    return Err(fmt(
                        path,
                        &field,
                        format!(
                            "expected shape ({rows}, {}), got {:?}",
                            b.width,
                            value.dim()
                        ),
                    ))
                }
                None => value,
            };
            model
                .set_ref(r, &value)
                .map_err(|e| fmt(path, &field, e.to_string()))?;
        }
    }
    Ok(())
}

/// A seed from the clock (32 bits, so that it is short to print and to type).
fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64 & 0xffff_ffff)
}
