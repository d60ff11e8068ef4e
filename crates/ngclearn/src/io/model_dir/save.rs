//! Saving a model into a directory beside its destination, moved into place when whole.

use super::{CONCATENATION, JOINT_PROCESS, METHOD_PROCESS, PRODUCT, SUMMATION};
use crate::core::component::Component;
use crate::core::context::{Model, Origin};
use crate::core::operations::Source;
use crate::core::schema::Kind;
use crate::error::{Error, Result};
use crate::io::npz::{Dtype, NpzStream};
use crate::io::replace::PendingDir;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

pub(super) fn pretty(v: &Value) -> String {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    serde::Serialize::serialize(v, &mut ser).expect("JSON values always serialise");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

pub(super) fn source_json(s: &Source, context: &str) -> Value {
    match s {
        Source::Path(p) => Value::String(format!("{context}:{p}")),
        Source::Summation(ops) | Source::Product(ops) | Source::Concatenation(ops) => {
            let mp = match s {
                Source::Summation(_) => SUMMATION,
                Source::Product(_) => PRODUCT,
                _ => CONCATENATION,
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
    write_keys(npz, c)?;
    let sparse = sparse_form(c);
    for (idx, name) in saved_names(model, i, c) {
        if let Some((_, csr)) = sparse.filter(|(w, _)| *w == idx) {
            write_sparse_weights(npz, csr)?;
            continue;
        }
        let a = c.array(idx).expect("array compartments are addressable");
        let scalar = uniform(a).filter(|_| c.saves_as_scalar(idx));
        let dims = crate::core::component::dims(c, idx).unwrap_or_else(|| a.shape().to_vec());
        if c.schema().compartments[idx].int32 && scalar.is_none() {
            npz.begin(name, Dtype::I32, &dims)?;
            npz.write_bytes(a.iter().flat_map(|&x| (x as i32).to_le_bytes()))?;
            continue;
        }
        write_nd_array(npz, name, a, &dims, scalar)?;
    }
    // A synapse's inputs in flight: those of its synapses' delays (beside its sparse
    // weights) or of its axons' (`max_delay_steps`).
    if let Some(f) = c.in_flight() {
        write_in_flight(npz, &f)?;
    }
    Ok(())
}

/// Weights whose dense form would be larger than this are saved in the sparse form.
pub const SPARSE_SAVE_BYTES: u64 = 1 << 30;

/// The weights `c` saves in the sparse form, with the index of their compartment: those
/// stored sparse that ngclearn's dense matrix cannot hold exactly (delays, or a pair
/// drawn more than once, whose terms the matrix would sum into one) or whose dense
/// matrix would exceed [`SPARSE_SAVE_BYTES`]. Every other synapse is saved dense, as
/// ngclearn reads it.
pub(super) fn sparse_form(c: &dyn Component) -> Option<(usize, &crate::core::weights::Csr)> {
    let csr = c.stored_weights()?.sparse()?;
    let dense_bytes = 4 * csr.shape.0 as u64 * csr.shape.1 as u64;
    let idx = c.schema().compartment_index("weights")?;
    (dense_bytes > SPARSE_SAVE_BYTES || beyond_dense(csr).is_some()).then_some((idx, csr))
}

/// What of `csr` ngclearn's dense matrix cannot hold exactly: its delays, or a pair
/// drawn more than once (the matrix would sum their terms into one).
fn beyond_dense(csr: &crate::core::weights::Csr) -> Option<&'static str> {
    if csr.delays.is_some() {
        return Some("delays");
    }
    let multapses = (0..csr.shape.0).any(|i| csr.row(i).0.windows(2).any(|p| p[0] == p[1]));
    multapses.then_some("multapses")
}

/// Writes `csr` as the entries `weights.shape` (int64, 2), `weights.indptr` (int64,
/// `n_pre + 1`), `weights.indices` (int32, or int64 past 2^31 columns),
/// `weights.data` (float32) and, with delays, `weights.delays` (uint8, steps): scipy's
/// CSR arrays, `scipy.sparse.csr_matrix((data, indices, indptr), shape)`.
fn write_sparse_weights(npz: &mut NpzStream, csr: &crate::core::weights::Csr) -> Result<()> {
    let nnz = csr.nnz();
    npz.begin("weights.shape", Dtype::I64, &[2])?;
    npz.write_bytes(
        [csr.shape.0, csr.shape.1]
            .iter()
            .flat_map(|&x| (x as i64).to_le_bytes()),
    )?;
    npz.begin("weights.indptr", Dtype::I64, &[csr.indptr.len()])?;
    npz.write_bytes(csr.indptr.iter().flat_map(|&x| (x as i64).to_le_bytes()))?;
    if i32::try_from(csr.shape.1).is_ok() {
        npz.begin("weights.indices", Dtype::I32, &[nnz])?;
        npz.write_bytes(csr.indices.iter().flat_map(|&x| (x as i32).to_le_bytes()))?;
    } else {
        npz.begin("weights.indices", Dtype::I64, &[nnz])?;
        npz.write_bytes(csr.indices.iter().flat_map(|&x| (x as i64).to_le_bytes()))?;
    }
    npz.begin("weights.data", Dtype::F32, &[nnz])?;
    npz.write_f32(csr.data.iter().copied())?;
    if let Some(d) = &csr.delays {
        npz.begin("weights.delays", Dtype::U8, &[nnz])?;
        npz.write_bytes(d.iter().copied())?;
    }
    Ok(())
}

/// Writes a synapse's inputs in flight (see [`crate::core::state::InFlight`]) as the
/// entries `in_flight.counts` (int64, one per step kept, the oldest first),
/// `in_flight.index` (int64, each input's flat index) and `in_flight.value` (float32):
/// a model saved mid-run continues as it would have.
fn write_in_flight(npz: &mut NpzStream, f: &crate::core::state::InFlight) -> Result<()> {
    let total: usize = f.steps.iter().map(Vec::len).sum();
    npz.begin("in_flight.counts", Dtype::I64, &[f.steps.len()])?;
    npz.write_bytes(f.steps.iter().flat_map(|s| (s.len() as i64).to_le_bytes()))?;
    npz.begin("in_flight.index", Dtype::I64, &[total])?;
    npz.write_bytes(
        f.steps
            .iter()
            .flatten()
            .flat_map(|&(i, _)| i64::from(i).to_le_bytes()),
    )?;
    npz.begin("in_flight.value", Dtype::F32, &[total])?;
    npz.write_f32(f.steps.iter().flatten().map(|&(_, v)| v))?;
    Ok(())
}

/// The array compartments of component `i` that a saved model holds (those not wired):
/// index and name.
fn saved_names<'a>(
    model: &'a Model,
    i: usize,
    c: &'a dyn Component,
) -> impl Iterator<Item = (usize, &'static str)> + 'a {
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
        .map(|(idx, info)| (idx, info.name))
}

/// The array compartments of component `i` that a saved model holds (those not wired):
/// index, name and value.
pub(super) fn saved_arrays<'a>(
    model: &'a Model,
    i: usize,
    c: &'a dyn Component,
) -> impl Iterator<Item = (usize, &'static str, &'a ndarray::Array2<f32>)> + 'a {
    saved_names(model, i, c).map(|(idx, name)| {
        let a = c.array(idx).expect("array compartments are addressable");
        (idx, name, a)
    })
}

/// The value every entry of `a` holds, if they are all the same (bit for bit).
pub(super) fn uniform(a: &ndarray::Array2<f32>) -> Option<f32> {
    let first = a.iter().next().copied().unwrap_or(0.0);
    a.iter()
        .all(|x| x.to_bits() == first.to_bits())
        .then_some(first)
}

/// Writes the key entries of `c`: its key, then any other key its class holds
/// (REINFORCESynapse's `seed`), each by its compartment's name.
pub(super) fn write_keys(npz: &mut NpzStream, c: &dyn Component) -> Result<()> {
    npz.begin("key", Dtype::U32, &[2])?;
    npz.write_bytes(c.key().0.iter().flat_map(|x| x.to_le_bytes()))?;
    for (idx, info) in c.schema().compartments.iter().enumerate() {
        if info.kind == Kind::Key && info.name != "key" {
            npz.begin(info.name, Dtype::U32, &[2])?;
            npz.write_bytes(c.key_at(idx).0.iter().flat_map(|x| x.to_le_bytes()))?;
        }
    }
    Ok(())
}

/// Writes entry `name`: `a`, or the 0-d `scalar` ngclearn saves instead.
pub(super) fn write_array(
    npz: &mut NpzStream,
    name: &str,
    a: &ndarray::Array2<f32>,
    scalar: Option<f32>,
) -> Result<()> {
    write_nd_array(npz, name, a, a.shape(), scalar)
}

/// Writes entry `name`: the values of `a` as an array of shape `dims` (row-major, as
/// many values), or the 0-d `scalar` ngclearn saves instead.
pub(super) fn write_nd_array(
    npz: &mut NpzStream,
    name: &str,
    a: &ndarray::Array2<f32>,
    dims: &[usize],
    scalar: Option<f32>,
) -> Result<()> {
    match scalar {
        Some(x) => {
            npz.begin(name, Dtype::F32, &[])?;
            npz.write_f32([x])
        }
        None => {
            debug_assert_eq!(dims.iter().product::<usize>(), a.len());
            npz.begin(name, Dtype::F32, dims)?;
            npz.write_f32(a.iter().copied())
        }
    }
}

pub(super) fn io_error(p: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: p.display().to_string(),
        message: e.to_string(),
        not_found: false,
    }
}

/// A process as `process/roots.json` holds it.
pub(super) fn process_entry(
    name: &str,
    children: Option<&[String]>,
    calls: &[(&str, &str)],
) -> Value {
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
pub(super) fn root_entry(
    origin: Option<&Origin>,
    kwargs: Map<String, Value>,
    module_path: &str,
) -> Value {
    match origin {
        Some(o) => {
            serde_json::json!({"args": o.args, "kwargs": o.kwargs, "modulePath": o.module_path})
        }
        None => serde_json::json!({"args": [], "kwargs": kwargs, "modulePath": module_path}),
    }
}

/// Creates the directories of a saved model in `dir`.
pub(super) fn make_dirs(dir: &Path) -> Result<PathBuf> {
    let custom = dir.join("component").join("custom");
    std::fs::create_dir_all(&custom).map_err(|e| io_error(&custom, e))?;
    std::fs::create_dir_all(dir.join("process")).map_err(|e| io_error(dir, e))?;
    Ok(custom)
}

/// Writes the JSON files of a saved model: its name, components, processes and wires.
pub(super) fn write_json(
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
pub(super) fn write_custom(custom: &Path, files: Vec<(String, Vec<u8>)>) -> Result<()> {
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

/// Checks that `model`, this rank's part of a partitioned model, can be saved: a
/// synapse with delays or multapses (saved only in the sparse form, which ranks do not
/// write yet) is refused by name rather than saved without them.
pub fn check_savable_partitioned(model: &Model) -> Result<()> {
    for c in model.components() {
        let beyond = c
            .stored_weights()
            .and_then(|w| w.sparse())
            .and_then(beyond_dense);
        if let Some(what) = beyond {
            return Err(Error::param(
                c.name(),
                "connect",
                what,
                "are saved only in the sparse form, which a model partitioned across ranks \
                 cannot write yet (save it from one process)",
            ));
        }
    }
    Ok(())
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
