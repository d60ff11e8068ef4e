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

use crate::components::{from_kwargs, schemas};
use crate::core::component::Component;
use crate::core::context::{Context, Method, Model, Origin};
use crate::core::operations::Source;
use crate::core::rng::Key;
use crate::core::schema::{Kind, Schema};
use crate::error::{Error, Result};
use crate::io::kwargs::Kwargs;
use crate::io::npz::{read_npz, write_npz, NpyArray};
use crate::io::replace::PendingDir;
use ndarray::{Array1, ArrayD, IxDyn};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

const SUMMATION: &str = "ngcsimlib._src.operations.Summation.Summation";
const PRODUCT: &str = "ngcsimlib._src.operations.Product.Product";
const METHOD_PROCESS: &str = "ngclearn.MethodProcess";

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    serde_json::from_str(&text)
        .map_err(|e| Error::format(path.display(), "(json)", format!("malformed JSON: {e}")))
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

/// The class a module path names: its exact path, or `ngclearn...ClassName`.
fn class_of(module_path: &str) -> Option<&'static Schema> {
    let last = module_path.rsplit('.').next().unwrap_or_default();
    schemas().into_iter().find(|s| {
        s.module_path == module_path || (module_path.starts_with("ngclearn") && s.class == last)
    })
}

fn supported() -> String {
    schemas()
        .iter()
        .map(|s| s.module_path)
        .collect::<Vec<_>>()
        .join(", ")
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

/// Sets `component`'s state from its npz entries.
fn apply_state(
    c: &mut dyn Component,
    arrays: Vec<(String, NpyArray)>,
    wired: &HashSet<String>,
    file: &Path,
) -> Result<()> {
    let schema = c.schema();
    let shown = file.display();
    for (name, a) in arrays {
        let Some(idx) = schema.compartment_index(&name) else {
            return Err(Error::format(
                &shown,
                name,
                format!(
                    "{} has no such compartment; it has: {}",
                    schema.class,
                    schema.compartment_names()
                ),
            ));
        };
        if wired.contains(&name) {
            return Err(Error::format(
                &shown,
                name,
                "this compartment is wired (connections.json), so it has no saved value",
            ));
        }
        match (schema.compartments[idx].kind, a) {
            (Kind::Key, NpyArray::U32(k)) if k.shape() == [2] => c.set_key(Key([k[[0]], k[[1]]])),
            (Kind::Key, a) => {
                return Err(Error::format(
                    &shown,
                    name,
                    format!(
                        "a key must be uint32 of shape (2,), got {} {:?}",
                        a.dtype(),
                        a.shape()
                    ),
                ))
            }
            (Kind::Array, a) => {
                let dst = c
                    .array_mut(idx)
                    .expect("array compartments are addressable");
                let bad = |a: &NpyArray, dst: &ndarray::Array2<f32>| {
                    Error::format(
                        &shown,
                        &name,
                        format!(
                            "expected float32 of shape {:?} (or a scalar), got {} {:?}",
                            dst.shape(),
                            a.dtype(),
                            a.shape()
                        ),
                    )
                };
                match a {
                    NpyArray::F32(v) if v.shape() == dst.shape() => dst.assign(
                        &v.into_dimensionality::<ndarray::Ix2>()
                            .expect("2-d by its shape"),
                    ),
                    NpyArray::F32(v) if v.ndim() == 0 => dst.fill(v[IxDyn(&[])]),
                    NpyArray::F64(v) if v.ndim() == 0 => dst.fill(v[IxDyn(&[])] as f32),
                    other => return Err(bad(&other, dst)),
                }
            }
        }
    }
    Ok(())
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
    if !dir.is_dir() {
        return Err(Error::Io {
            path: dir.display().to_string(),
            message: "not a directory".into(),
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
    let types = array(
        get(meta_obj, "types", &meta_path, "(root)")?,
        &meta_path,
        "types",
    )?;
    for (i, t) in types.iter().enumerate() {
        let t = string(t, &meta_path, &format!("types[{i}]"))?;
        if t != "component" && t != "process" {
            return Err(Error::format(
                meta_path.display(),
                format!("types[{i}]"),
                format!("unsupported object type `{t}` (component and process are)"),
            ));
        }
    }

    // Connections first: they say which compartments have no saved value.
    let conn_path = dir.join("connections.json");
    let conns = if conn_path.exists() {
        read_json(&conn_path)?
    } else {
        Value::Object(Map::new())
    };
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

    let mut ctx = Context::new(&context);
    let roots_path = dir.join("component").join("roots.json");
    let roots = read_json(&roots_path)?;
    for (name, entry) in object(&roots, &roots_path, "(root)")? {
        let e = object(entry, &roots_path, name)?;
        let module_path = string(
            get(e, "modulePath", &roots_path, name)?,
            &roots_path,
            &format!("{name}.modulePath"),
        )?;
        let schema = class_of(module_path).ok_or_else(|| Error::UnknownClass {
            path: roots_path.display().to_string(),
            field: format!("{name}.modulePath"),
            module_path: module_path.to_string(),
            supported: supported(),
        })?;
        let empty_args = Vec::new();
        let args = match e.get("args") {
            None => &empty_args,
            Some(a) => array(a, &roots_path, &format!("{name}.args"))?,
        };
        let empty_kwargs = Map::new();
        let kwargs = match e.get("kwargs") {
            None => &empty_kwargs,
            Some(k) => object(k, &roots_path, &format!("{name}.kwargs"))?,
        };
        let mut kw = Kwargs::new(
            &roots_path.display().to_string(),
            name,
            schema.signature,
            args,
            kwargs,
        )?;
        let in_file = |err: Error| match err {
            Error::Format { .. } | Error::UnknownClass { .. } => err,
            other => Error::format(
                roots_path.display(),
                format!("{name}.kwargs"),
                other.to_string(),
            ),
        };
        let mut component = from_kwargs(schema, &mut kw).map_err(in_file)?;
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
        let npz_path = dir
            .join("component")
            .join("custom")
            .join(format!("{name}.npz"));
        apply_state(
            component.as_mut(),
            read_npz(&npz_path)?,
            &wired_in(name),
            &npz_path,
        )?;
        let origin = Origin {
            module_path: module_path.to_string(),
            args: args.clone(),
            kwargs: kwargs.clone(),
        };
        ctx.add_with_origin(component, Some(origin))
            .map_err(|e| Error::format(roots_path.display(), name, e.to_string()))?;
    }

    for (target, source) in wires {
        let field = format!("{context}:{target}");
        ctx.wire(source, &target)
            .map_err(|e| Error::format(conn_path.display(), field, e.to_string()))?;
    }

    let proc_path = dir.join("process").join("roots.json");
    if proc_path.exists() {
        let procs = read_json(&proc_path)?;
        for (pname, entry) in object(&procs, &proc_path, "(root)")? {
            let e = object(entry, &proc_path, pname)?;
            if let Some(mp) = e.get("modulePath") {
                let mp = string(mp, &proc_path, &format!("{pname}.modulePath"))?;
                if !mp.ends_with("MethodProcess") {
                    return Err(Error::UnknownClass {
                        path: proc_path.display().to_string(),
                        field: format!("{pname}.modulePath"),
                        module_path: mp.to_string(),
                        supported: METHOD_PROCESS.into(),
                    });
                }
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
                let method = Method::parse(method).ok_or_else(|| {
                    Error::format(
                        proc_path.display(),
                        format!("{field}.method"),
                        format!("unknown method `{method}` (advance_state or reset)"),
                    )
                })?;
                calls.push((comp, method));
            }
            ctx.process(pname, &calls)
                .map_err(|e| Error::format(proc_path.display(), pname, e.to_string()))?;
        }
    }
    ctx.build()
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

/// The state of component `i`: its key, then every non-wired array compartment.
fn state_of(model: &Model, i: usize, c: &dyn Component) -> Vec<(String, NpyArray)> {
    let k = c.key().0;
    let mut out = vec![(
        "key".to_string(),
        NpyArray::U32(Array1::from(k.to_vec()).into_dyn()),
    )];
    for (idx, info) in c.schema().compartments.iter().enumerate() {
        if info.kind != Kind::Array {
            continue;
        }
        let r = crate::core::context::CompartmentRef {
            component: i,
            compartment: idx,
        };
        if model.is_wired(r) {
            continue;
        }
        let a = c.array(idx).expect("array compartments are addressable");
        let first = a.iter().next().copied().unwrap_or(0.0);
        let value: ArrayD<f32> =
            if c.saves_as_scalar(idx) && a.iter().all(|x| x.to_bits() == first.to_bits()) {
                ArrayD::from_elem(IxDyn(&[]), first)
            } else {
                a.clone().into_dyn()
            };
        out.push((info.name.to_string(), NpyArray::F32(value)));
    }
    out
}

fn write_all(model: &Model, dir: &Path) -> Result<()> {
    let io = |p: &Path, e: std::io::Error| Error::Io {
        path: p.display().to_string(),
        message: e.to_string(),
    };
    let write = |p: PathBuf, v: &Value| std::fs::write(&p, pretty(v)).map_err(|e| io(&p, e));
    let context = model.name();
    let custom = dir.join("component").join("custom");
    std::fs::create_dir_all(&custom).map_err(|e| io(&custom, e))?;
    std::fs::create_dir_all(dir.join("process")).map_err(|e| io(dir, e))?;
    write(
        dir.join("contextData.json"),
        &serde_json::json!({"types": ["component", "process"], "path": context}),
    )?;

    let mut roots = Map::new();
    for (i, c) in model.components().enumerate() {
        let entry = match model.origin(i) {
            Some(o) => {
                serde_json::json!({"args": o.args, "kwargs": o.kwargs, "modulePath": o.module_path})
            }
            None => {
                serde_json::json!({"args": [], "kwargs": c.kwargs(), "modulePath": c.schema().module_path})
            }
        };
        roots.insert(c.name().to_string(), entry);
        write_npz(
            &custom.join(format!("{}.npz", c.name())),
            &state_of(model, i, c),
        )?;
    }
    write(
        dir.join("component").join("roots.json"),
        &Value::Object(roots),
    )?;

    let mut procs = Map::new();
    for (pi, name) in model.process_names().enumerate() {
        let calls = model.process_calls(crate::core::context::ProcessId(pi));
        let order: Vec<Value> = calls
            .iter()
            .map(|(c, m)| serde_json::json!({"name": c, "method": m.as_str()}))
            .collect();
        procs.insert(name.to_string(), serde_json::json!({"args": [name], "kwargs": {}, "method_order": order, "watch_list": [], "modulePath": METHOD_PROCESS}));
    }
    write(
        dir.join("process").join("roots.json"),
        &Value::Object(procs),
    )?;

    let mut conns = Map::new();
    for (target, source) in model.wires() {
        conns.insert(format!("{context}:{target}"), source_json(source, context));
    }
    write(dir.join("connections.json"), &Value::Object(conns))
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
    write_all(model, pending.path())?;
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
        });
    }
    if let Some(file) = dir.ancestors().skip(1).find(|a| a.is_file()) {
        return Err(Error::Io {
            path: dir.display().to_string(),
            message: format!("{} is a file, not a directory", file.display()),
        });
    }
    if dir.exists() || dir.is_symlink() {
        if !overwrite {
            return Err(Error::Io {
                path: dir.display().to_string(),
                message: "already exists (pass overwrite to replace it)".into(),
            });
        }
        check_replaceable(dir)?;
    }
    Ok(())
}

/// Whether a saved model's directory may hold `rel` (a path inside it).
fn part_of_saved_model(rel: &Path) -> bool {
    let parts: Vec<&str> = rel.iter().filter_map(|p| p.to_str()).collect();
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
    };
    let meta = std::fs::symlink_metadata(dir).map_err(|e| Error::Io {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
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
