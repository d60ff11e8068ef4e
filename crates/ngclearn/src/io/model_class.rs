//! Classes of one's own in a model file: a `[[class]]` table declares the parameters
//! (with defaults), the compartments (shapes and initial values in terms of the
//! parameters) and the methods (Python-syntax statements, the subset the engine
//! translates); a `[[component]]` of that class gives its parameters as keywords. The
//! component is then built exactly as a Python class of one's own is
//! ([`crate::core::program`]), without Python: a method outside the subset is an
//! error naming the file, the class, the method, the line and the construct.
//!
//! ```toml
//! [[class]]
//! name = "MyLIF"
//! parameters = { n_units = 1, batch_size = 1, tau_m = 10.0, thr = -52.0, v_rest = -65.0 }
//! compartments.j = { shape = ["batch_size", "n_units"] }
//! compartments.v = { shape = ["batch_size", "n_units"], value = "v_rest" }
//! compartments.s = { shape = ["batch_size", "n_units"] }
//! methods.advance_state = { keywords = ["dt"], body = '''
//! v = self.v.get()
//! v = v + (-(v - self.v_rest) + self.j.get()) * (dt / self.tau_m)
//! s = (v > self.thr).astype(jnp.float32)
//! self.v.set(v * (1. - s) + s * self.v_rest)
//! self.s.set(s)
//! ''' }
//! ```

use crate::core::program::{CompartmentSource, ComponentSource, FunctionSource};
use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::path::Path;

/// One declared class.
#[derive(Debug, Clone)]
pub struct DeclaredClass {
    /// Its name.
    pub name: String,
    /// Its table's label in messages (`class[0] (MyLIF)`).
    label: String,
    parameters: Map<String, Value>,
    compartments: Vec<(String, Vec<Value>, Value)>,
    methods: Vec<FunctionSource>,
    functions: Vec<FunctionSource>,
}

fn fmt(path: &Path, field: impl Into<String>, message: impl Into<String>) -> Error {
    Error::Format {
        path: path.display().to_string(),
        field: field.into(),
        message: message.into(),
    }
}

/// The line of `text` where `body` starts (1 if it is not found verbatim).
fn line_of(text: &str, body: &str) -> usize {
    let probe = body.trim_start_matches('\n');
    match text.find(probe) {
        Some(at) if !probe.is_empty() => text[..at].matches('\n').count() + 1,
        _ => 1,
    }
}

fn body_of(
    path: &Path,
    text: &str,
    field: &str,
    v: &Value,
    self_param: bool,
) -> Result<(String, usize, Vec<String>)> {
    let (body, params) = match v {
        Value::String(s) => (s.clone(), Vec::new()),
        Value::Object(o) => {
            for k in o.keys() {
                if !["body", "keywords", "params"].contains(&k.as_str()) {
                    return Err(fmt(path, format!("{field}.{k}"), "unknown key; expected body, keywords (a method's) or params (a function's)"));
                }
            }
            let body = o.get("body").and_then(Value::as_str).ok_or_else(|| {
                fmt(
                    path,
                    format!("{field}.body"),
                    "missing (the statements, as a string)",
                )
            })?;
            let names = o.get("keywords").or_else(|| o.get("params"));
            let params = match names {
                None => Vec::new(),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| fmt(path, field, "keywords/params are names (strings)"))
                    })
                    .collect::<Result<_>>()?,
                Some(_) => return Err(fmt(path, field, "keywords/params are a list of names")),
            };
            (body.to_string(), params)
        }
        _ => {
            return Err(fmt(
                path,
                field,
                "expected the statements (a string) or { body, keywords }",
            ))
        }
    };
    if self_param {
        for p in &params {
            if p != "t" && p != "dt" {
                return Err(fmt(
                    path,
                    field,
                    format!("keyword `{p}`: a process gives its methods `t` and `dt`"),
                ));
            }
        }
    }
    let line = line_of(text, &body);
    let body = body.strip_prefix('\n').unwrap_or(&body).to_string();
    Ok((body, line, params))
}

/// Reads the file's `[[class]]` tables (`doc["class"]`), checking each.
pub fn declared_classes(
    path: &Path,
    text: &str,
    classes: Option<&Value>,
) -> Result<Vec<DeclaredClass>> {
    let Some(classes) = classes else {
        return Ok(Vec::new());
    };
    let items = classes
        .as_array()
        .ok_or_else(|| fmt(path, "class", "expected [[class]] tables"))?;
    let mut out: Vec<DeclaredClass> = Vec::new();
    for (i, c) in items.iter().enumerate() {
        let t = c
            .as_object()
            .ok_or_else(|| fmt(path, format!("class[{i}]"), "expected a table"))?;
        let name = t
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                fmt(
                    path,
                    format!("class[{i}].name"),
                    "missing (the class's name)",
                )
            })?
            .to_string();
        let label = format!("class[{i}] ({name})");
        if out.iter().any(|d| d.name == name) {
            return Err(fmt(
                path,
                &label,
                "a class of this name is already declared",
            ));
        }
        for k in t.keys() {
            if ![
                "name",
                "description",
                "parameters",
                "compartments",
                "methods",
                "functions",
            ]
            .contains(&k.as_str())
            {
                return Err(fmt(
                    path,
                    format!("{label}.{k}"),
                    "unknown key; expected name, description, parameters, compartments, methods, functions",
                ));
            }
        }
        let table = |k: &str| -> Result<Map<String, Value>> {
            match t.get(k) {
                None => Ok(Map::new()),
                Some(Value::Object(o)) => Ok(o.clone()),
                Some(_) => Err(fmt(path, format!("{label}.{k}"), "expected a table")),
            }
        };
        let parameters = table("parameters")?;
        let mut compartments = Vec::new();
        for (cname, spec) in table("compartments")? {
            let field = format!("{label}.compartments.{cname}");
            if cname == "key" {
                return Err(fmt(
                    path,
                    &field,
                    "`key` is the component's PRNG key, which every class of one's own has",
                ));
            }
            let spec = spec
                .as_object()
                .ok_or_else(|| fmt(path, &field, "expected { shape = [...], value = ... }"))?;
            for k in spec.keys() {
                if k != "shape" && k != "value" {
                    return Err(fmt(
                        path,
                        format!("{field}.{k}"),
                        "unknown key; expected shape, value",
                    ));
                }
            }
            let shape = match spec.get("shape") {
                None => Vec::new(),
                Some(Value::Array(a)) => a.clone(),
                Some(_) => {
                    return Err(fmt(
                        path,
                        format!("{field}.shape"),
                        "expected a list of sizes (numbers or parameter names)",
                    ))
                }
            };
            let value = spec.get("value").cloned().unwrap_or(Value::from(0.0));
            compartments.push((cname, shape, value));
        }
        let mut methods = Vec::new();
        for (m, v) in table("methods")? {
            let field = format!("{label}.methods.{m}");
            let (body, line, kws) = body_of(path, text, &field, &v, true)?;
            let mut params = vec!["self".to_string()];
            params.extend(kws);
            methods.push(FunctionSource {
                name: m,
                source: body,
                line,
                params: Some(params),
            });
        }
        if methods.is_empty() {
            return Err(fmt(
                path,
                format!("{label}.methods"),
                "missing (at least advance_state)",
            ));
        }
        let mut functions = Vec::new();
        for (f, v) in table("functions")? {
            let field = format!("{label}.functions.{f}");
            let (body, line, params) = body_of(path, text, &field, &v, false)?;
            functions.push(FunctionSource {
                name: f,
                source: body,
                line,
                params: Some(params),
            });
        }
        out.push(DeclaredClass {
            name,
            label,
            parameters,
            compartments,
            methods,
            functions,
        });
    }
    Ok(out)
}

impl DeclaredClass {
    /// The source of component `name` of this class, from its table's keywords
    /// (`kwargs`, without `name` and `class`) and its key.
    pub fn source(
        &self,
        path: &Path,
        field: &str,
        name: &str,
        kwargs: &Map<String, Value>,
        key: [u32; 2],
    ) -> Result<ComponentSource> {
        let mut attrs = self.parameters.clone();
        for (k, v) in kwargs {
            if k == "key" {
                continue;
            }
            if !attrs.contains_key(k) {
                let near = crate::core::suggest::nearest(k, attrs.keys().map(String::as_str))
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                return Err(fmt(
                    path,
                    format!("{field}.{k}"),
                    format!(
                        "not a parameter of {}; its parameters: {}{near}",
                        self.name,
                        attrs.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            attrs.insert(k.clone(), v.clone());
        }
        let size = |v: &Value, at: &str| -> Result<usize> {
            let n = match v {
                Value::String(p) => attrs.get(p).ok_or_else(|| {
                    fmt(
                        path,
                        at,
                        format!("`{p}` is not a parameter of {}", self.name),
                    )
                })?,
                other => other,
            };
            n.as_u64()
                .filter(|n| (1..=(1 << 31)).contains(n))
                .map(|n| n as usize)
                .ok_or_else(|| {
                    fmt(
                        path,
                        at,
                        format!("a size must be a positive integer, got {n}"),
                    )
                })
        };
        let mut compartments = Vec::new();
        for (cname, shape, value) in &self.compartments {
            let at = format!("{field} ({} {}).{cname}", self.label, "compartment");
            let shape: Vec<usize> = shape.iter().map(|d| size(d, &at)).collect::<Result<_>>()?;
            let v = match value {
                Value::String(p) => attrs.get(p).and_then(Value::as_f64).ok_or_else(|| {
                    fmt(
                        path,
                        &at,
                        format!("value `{p}` is not a numeric parameter of {}", self.name),
                    )
                })?,
                other => other.as_f64().ok_or_else(|| {
                    fmt(path, &at, "value must be a number or a parameter's name")
                })?,
            };
            compartments.push(CompartmentSource {
                name: cname.clone(),
                shape,
                value: vec![v as f32],
                auto_save: true,
                targeted: false,
            });
        }
        let mut globals = Map::new();
        for (n, m) in [
            ("jnp", "jax.numpy"),
            ("jax", "jax"),
            ("random", "jax.random"),
            ("nn", "jax.nn"),
            ("math", "math"),
            ("np", "numpy"),
        ] {
            globals.insert(n.into(), serde_json::json!({ "module": m }));
        }
        Ok(ComponentSource {
            class: self.name.clone(),
            module: String::new(),
            name: name.to_string(),
            compartments,
            key: Some(key),
            attributes: attrs,
            arguments: None,
            methods: self.methods.clone(),
            helpers: Vec::new(),
            functions: self.functions.clone(),
            globals,
            file: path.display().to_string(),
        })
    }
}
