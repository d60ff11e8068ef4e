//! Keyword arguments of a saved component (`args` and `kwargs` of ngclearn's
//! `roots.json`), read against the class's signature with typed errors.
//!
//! Every number read as a float must be finite as a float32: JSON cannot hold NaN, but
//! `1e39` is a finite JSON number and an infinite float32, and a TOML model file can
//! write `nan` and `inf` (refused when it is read, see `model_file`).

use crate::core::partition::Columns;
use crate::error::{Error, Result};
/// The JSON types keyword arguments are read from and written to.
pub use serde_json::{Map, Value};

/// A parameter type that reads itself from one keyword argument and writes itself back
/// as ngclearn saves it (what `#[derive(Params)]` reads and writes every field with).
/// An enum gives its impl by hand, next to its definition.
pub trait KwargValue: Sized {
    /// The JSON type it is read from, for front ends (the schema's `type`, e.g. typed
    /// Python stubs): `float`, `int`, `bool`, `str`, `tuple[...]` (a fixed-length list),
    /// `array` (rows of numbers), `key`, `initializer`, `bound` (a float that may be
    /// infinite, written `"inf"` / `"-inf"`), `any`, or one of these `| None`.
    const KIND: &'static str;
    /// Converts the JSON given for `key`; a wrong value is an error made by
    /// [`Kwargs::error`].
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self>;
    /// The JSON ngclearn writes for it.
    fn to_kwarg(&self) -> Value;
}

/// An optional object argument (an extension's `{...}`, e.g. a connection rule): null is
/// `None`, an object is read by its serde form; a wrong one is an error saying it is
/// not `what`.
pub fn object_from_kwarg<T: serde::de::DeserializeOwned>(
    kw: &Kwargs,
    key: &str,
    value: Value,
    what: &str,
) -> Result<Option<T>> {
    if value.is_null() {
        return Ok(None);
    }
    serde_json::from_value(value)
        .map(Some)
        .map_err(|e| kw.error(key, format!("not {what}: {e}")))
}

/// The JSON of an optional object argument ([`object_from_kwarg`]): its serde form, or
/// null.
pub fn object_to_kwarg<T: serde::Serialize>(v: Option<&T>) -> Value {
    v.and_then(|x| serde_json::to_value(x).ok())
        .unwrap_or(Value::Null)
}

impl KwargValue for f32 {
    const KIND: &'static str = "float";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        match value {
            Value::Number(n) => kw.finite(key, &n),
            other => Err(kw.type_error(key, format!("expected a number, got {other}"))),
        }
    }
    fn to_kwarg(&self) -> Value {
        num(*self)
    }
}

/// A number kept in double precision, for the parameters ngclearn combines in Python
/// (`1 - alpha`, `1 / n`) before they reach float32. It must be finite as a float32.
impl KwargValue for f64 {
    const KIND: &'static str = "float";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        match value {
            Value::Number(n) => kw.finite(key, &n).map(|_| n.as_f64().unwrap_or(0.0)),
            other => Err(kw.type_error(key, format!("expected a number, got {other}"))),
        }
    }
    fn to_kwarg(&self) -> Value {
        serde_json::Number::from_f64(*self).map_or(Value::Null, Value::Number)
    }
}

impl KwargValue for Option<f32> {
    const KIND: &'static str = "float | None";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        match value {
            Value::Null => Ok(None),
            Value::Number(n) => kw.finite(key, &n).map(Some),
            other => Err(kw.type_error(key, format!("expected a number or null, got {other}"))),
        }
    }
    fn to_kwarg(&self) -> Value {
        self.map_or(Value::Null, num)
    }
}

impl KwargValue for usize {
    const KIND: &'static str = "int";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        match value {
            Value::Number(n) => n
                .as_u64()
                .map(|x| x as usize)
                .ok_or_else(|| kw.error(key, format!("expected a non-negative integer, got {n}"))),
            other => Err(kw.type_error(key, format!("expected an integer, got {other}"))),
        }
    }
    fn to_kwarg(&self) -> Value {
        Value::from(*self)
    }
}

/// An integer or `None` (REINFORCESynapse's `seed`).
impl KwargValue for Option<usize> {
    const KIND: &'static str = "int | None";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        match value {
            Value::Null => Ok(None),
            other => usize::from_kwarg(kw, key, other).map(Some),
        }
    }
    fn to_kwarg(&self) -> Value {
        self.map_or(Value::Null, Value::from)
    }
}

impl KwargValue for bool {
    const KIND: &'static str = "bool";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        match value {
            Value::Bool(b) => Ok(b),
            other => Err(kw.type_error(key, format!("expected true or false, got {other}"))),
        }
    }
    fn to_kwarg(&self) -> Value {
        Value::Bool(*self)
    }
}

impl KwargValue for String {
    const KIND: &'static str = "str";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        match value {
            Value::String(s) => Ok(s),
            other => Err(kw.type_error(key, format!("expected a string, got {other}"))),
        }
    }
    fn to_kwarg(&self) -> Value {
        Value::String(self.clone())
    }
}

/// A pair of non-negative integers, as ngclearn's `stride_shape=(1, 1)` (a saved tuple is
/// a list).
impl KwargValue for (usize, usize) {
    const KIND: &'static str = "tuple[int, int]";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        let int = |v: &Value| v.as_u64().map(|x| x as usize);
        match value.as_array().map(Vec::as_slice) {
            Some([a, b]) => match (int(a), int(b)) {
                (Some(a), Some(b)) => Ok((a, b)),
                _ => Err(kw.error(
                    key,
                    format!("expected two non-negative integers, got {value}"),
                )),
            },
            Some(items) => Err(kw.error(
                key,
                format!("expected two integers, got {} values", items.len()),
            )),
            None => Err(kw.type_error(key, format!("expected [int, int], got {value}"))),
        }
    }
    fn to_kwarg(&self) -> Value {
        serde_json::json!([self.0, self.1])
    }
}

/// A string or `None` (a convolution's `padding`).
impl KwargValue for Option<String> {
    const KIND: &'static str = "str | None";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        match value {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            other => Err(kw.type_error(key, format!("expected a string or None, got {other}"))),
        }
    }
    fn to_kwarg(&self) -> Value {
        self.as_ref()
            .map_or(Value::Null, |s| Value::String(s.clone()))
    }
}

/// A map shape `(h, w, c)` or `None` (a graded cell's 4-D form).
impl KwargValue for Option<(usize, usize, usize)> {
    const KIND: &'static str = "tuple[int, int, int] | None";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        let int = |v: &Value| v.as_u64().and_then(|x| usize::try_from(x).ok());
        match value.as_array().map(Vec::as_slice) {
            _ if value.is_null() => Ok(None),
            Some([a, b, c]) => match (int(a), int(b), int(c)) {
                (Some(a), Some(b), Some(c)) => Ok(Some((a, b, c))),
                _ => Err(kw.error(
                    key,
                    format!("expected three non-negative integers, got {value}"),
                )),
            },
            Some(items) => Err(kw.error(
                key,
                format!(
                    "expected three integers (height, width, channels), got {} values",
                    items.len()
                ),
            )),
            None => Err(kw.type_error(
                key,
                format!("expected [int, int, int] or None, got {value}"),
            )),
        }
    }
    fn to_kwarg(&self) -> Value {
        match self {
            None => Value::Null,
            Some((a, b, c)) => serde_json::json!([a, b, c]),
        }
    }
}

/// A convolution's filter shape, `(k_size, k_size, n_in_chan, n_out_chan)`.
impl KwargValue for (usize, usize, usize, usize) {
    const KIND: &'static str = "tuple[int, int, int, int]";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        let int = |v: &Value| v.as_u64().and_then(|x| usize::try_from(x).ok());
        match value.as_array().map(Vec::as_slice) {
            Some([a, b, c, d]) => match (int(a), int(b), int(c), int(d)) {
                (Some(a), Some(b), Some(c), Some(d)) => Ok((a, b, c, d)),
                _ => Err(kw.error(
                    key,
                    format!("expected four non-negative integers, got {value}"),
                )),
            },
            Some(items) => Err(kw.error(
                key,
                format!("expected four integers, got {} values", items.len()),
            )),
            None => Err(kw.type_error(key, format!("expected [int, int, int, int], got {value}"))),
        }
    }
    fn to_kwarg(&self) -> Value {
        serde_json::json!([self.0, self.1, self.2, self.3])
    }
}

/// A named value, as ngclearn's `prior=("gaussian", 0.)` and `threshold=("none", 0.)`:
/// `[name, number]` (a saved tuple is a list).
impl KwargValue for (String, f32) {
    const KIND: &'static str = "tuple[str, float]";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        match value.as_array().map(Vec::as_slice) {
            Some([Value::String(s), n]) => match n.as_f64() {
                Some(x) if (x as f32).is_finite() => Ok((s.clone(), x as f32)),
                _ => Err(kw.error(key, format!("{n} is not a finite float32"))),
            },
            // ngclearn unpacks the pair: a sequence of another length is a ValueError
            // there, anything else a TypeError.
            Some(items) if items.len() != 2 => Err(kw.error(
                key,
                format!("expected [name, number], got {} values", items.len()),
            )),
            _ => Err(kw.type_error(key, format!("expected [name, number], got {value}"))),
        }
    }
    fn to_kwarg(&self) -> Value {
        Value::Array(vec![Value::String(self.0.clone()), num(self.1)])
    }
}

/// A PRNG key: a seed (as `PRNGKey(seed)`), a pair `[hi, lo]`, or null; written as the
/// pair.
impl KwargValue for Option<crate::core::rng::Key> {
    const KIND: &'static str = "key | None";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        use crate::core::rng::Key;
        match value {
            Value::Null => Ok(None),
            Value::Number(n) => n
                .as_u64()
                .map(|s| Some(Key::from_seed(s)))
                .ok_or_else(|| kw.error(key, "a seed must be a non-negative integer")),
            Value::Array(a) if a.len() == 2 => match (a[0].as_u64(), a[1].as_u64()) {
                (Some(h), Some(l)) if h <= u32::MAX as u64 && l <= u32::MAX as u64 => {
                    Ok(Some(Key([h as u32, l as u32])))
                }
                _ => Err(kw.error(key, "a key pair must be two uint32")),
            },
            other => Err(kw.type_error(key, format!("expected a seed or [hi, lo], got {other}"))),
        }
    }
    fn to_kwarg(&self) -> Value {
        self.map_or(Value::Null, |k| Value::from(k.0.to_vec()))
    }
}

/// The reserved argument under which [`Kwargs::offer_columns`] offers a block.
pub const COLUMNS: &str = "__columns__";

/// A block of columns, which only [`Kwargs::offer_columns`] gives (a file that names
/// the reserved argument is refused).
impl KwargValue for Option<Columns> {
    const KIND: &'static str = "any";
    fn from_kwarg(kw: &Kwargs, key: &str, _value: Value) -> Result<Self> {
        match &kw.offered {
            Some(c) => Ok(Some(c.clone())),
            None => Err(kw.error(key, "is not an argument (it is reserved)")),
        }
    }
    fn to_kwarg(&self) -> Value {
        Value::Null
    }
}

/// An array, as rows of finite numbers (all of one length), or null (ngclearn drops a
/// synapse's mask when saving); written as rows, or null.
impl KwargValue for Option<ndarray::Array2<f32>> {
    const KIND: &'static str = "array | None";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        let rows = match value {
            Value::Null => return Ok(None),
            Value::Array(rows) if !rows.is_empty() => rows,
            other => {
                return Err(kw.type_error(key, format!("expected rows of numbers, got {other}")))
            }
        };
        let mut data = Vec::new();
        let mut width = None;
        if rows.iter().all(Value::is_number) {
            return Err(kw.error(
                key,
                format!(
                    "must be 2-D (rows of numbers), got a 1-D list of {}",
                    rows.len()
                ),
            ));
        }
        for row in &rows {
            let row = row.as_array().ok_or_else(|| {
                kw.type_error(key, format!("expected a row of numbers, got {row}"))
            })?;
            if *width.get_or_insert(row.len()) != row.len() || row.is_empty() {
                return Err(kw.error(key, "rows must be non-empty and of one length"));
            }
            for x in row {
                match x.as_f64().map(|v| v as f32) {
                    Some(v) if v.is_finite() => data.push(v),
                    _ => return Err(kw.error(key, format!("{x} is not a finite float32"))),
                }
            }
        }
        let shape = (rows.len(), width.unwrap_or(0));
        Ok(Some(
            ndarray::Array2::from_shape_vec(shape, data).expect("rows of one length"),
        ))
    }
    fn to_kwarg(&self) -> Value {
        self.as_ref().map_or(Value::Null, |a| {
            Value::Array(
                a.rows()
                    .into_iter()
                    .map(|r| Value::Array(r.iter().map(|&x| num(x)).collect()))
                    .collect(),
            )
        })
    }
}

/// Any value, kept as given for the class to check (ngclearn's 4-D `shape` of a graded
/// cell, which the class refuses unless it is null).
impl KwargValue for Option<Value> {
    const KIND: &'static str = "any";
    fn from_kwarg(_kw: &Kwargs, _key: &str, value: Value) -> Result<Self> {
        Ok(Some(value).filter(|v| !v.is_null()))
    }
    fn to_kwarg(&self) -> Value {
        self.clone().unwrap_or(Value::Null)
    }
}

/// The constructor arguments of one component, as JSON, consumed name by name.
#[derive(Debug)]
pub struct Kwargs {
    file: String,
    /// What errors name a key under (`NAME.kwargs` by default).
    prefix: String,
    values: Map<String, Value>,
    /// The names given as keywords (not positionally): ngclearn warns of a deprecated
    /// argument only when it is given by keyword.
    keywords: Vec<String>,
    /// The class being built, as ngclearn's warnings name it (`QuadLIFCell`).
    class: &'static str,
    /// ngclearn's warnings about the arguments read so far.
    warnings: Vec<String>,
    accepted: Vec<&'static str>,
    /// The block of columns a partitioned model offers the class (see
    /// [`Kwargs::offer_columns`]).
    offered: Option<Columns>,
}

impl Kwargs {
    /// Binds positional `args` to `signature` (ngclearn's parameter order, starting
    /// with `name`) and merges `kwargs`; a name given twice is an error.
    pub fn new(
        file: &str,
        component: &str,
        signature: &'static [&'static str],
        args: &[Value],
        kwargs: &Map<String, Value>,
    ) -> Result<Kwargs> {
        let mut values = Map::new();
        if args.len() > signature.len() {
            return Err(Error::format(
                file,
                format!("{component}.args"),
                format!(
                    "{} positional arguments, at most {} accepted ({})",
                    args.len(),
                    signature.len(),
                    signature.join(", ")
                ),
            ));
        }
        for (name, v) in signature.iter().zip(args) {
            values.insert(name.to_string(), v.clone());
        }
        for (k, v) in kwargs {
            if values.insert(k.clone(), v.clone()).is_some() {
                return Err(Error::format(
                    file,
                    format!("{component}.kwargs.{k}"),
                    "given both as a positional and as a keyword argument",
                ));
            }
        }
        Ok(Kwargs {
            file: file.to_string(),
            prefix: format!("{component}.kwargs"),
            values,
            keywords: kwargs.keys().cloned().collect(),
            class: "",
            warnings: Vec::new(),
            accepted: signature.to_vec(),
            offered: None,
        })
    }

    /// Errors name a key as `PREFIX.key` instead of `COMPONENT.kwargs.key` (a model
    /// file writes the arguments in the component's own table).
    pub fn with_field_prefix(mut self, prefix: &str) -> Kwargs {
        self.prefix = prefix.to_string();
        self
    }

    /// An error about the argument `key` (naming the file and where the key is).
    pub fn error(&self, key: &str, message: impl Into<String>) -> Error {
        Error::format(&self.file, format!("{}.{key}", self.prefix), message)
    }

    /// An error about the type of the argument `key` ([`Error::ArgumentType`]).
    pub fn type_error(&self, key: &str, message: impl Into<String>) -> Error {
        Error::ArgumentType {
            path: self.file.clone(),
            field: format!("{}.{key}", self.prefix),
            message: message.into(),
        }
    }

    /// The argument `key` as a `T`; `default` when absent (`None`: required).
    pub fn get<T: KwargValue>(&mut self, key: &'static str, default: Option<T>) -> Result<T> {
        self.get_aliased(key, &[], default)
    }

    /// As [`Kwargs::get`], also accepting the argument under any of `aliases` (the name
    /// itself first; giving it twice is an error).
    pub fn get_aliased<T: KwargValue>(
        &mut self,
        key: &'static str,
        aliases: &[&'static str],
        default: Option<T>,
    ) -> Result<T> {
        let mut found = self.take(key).map(|v| (key, v));
        for &a in aliases {
            if let Some(v) = self.take(a) {
                if let Some((first, _)) = found {
                    return Err(self.error(a, format!("given both as {first} and as {a}")));
                }
                found = Some((a, v));
            }
        }
        match found {
            Some((k, v)) => T::from_kwarg(self, k, v),
            None => default.ok_or_else(|| self.error(key, "missing (required)")),
        }
    }

    /// As [`Kwargs::get_aliased`], also accepting ngclearn's deprecated names for it
    /// (`old_names`): each one given is said with ngclearn's warning, and its value
    /// takes the parameter's place, as ngclearn's `deprecate_args` rebinds it (over a
    /// value given by keyword under the new name; one given positionally is an error).
    pub fn get_renamed<T: KwargValue>(
        &mut self,
        key: &'static str,
        aliases: &[&'static str],
        old_names: &[&'static str],
        default: Option<T>,
    ) -> Result<T> {
        let mut old = None;
        for &o in old_names {
            if let Some(v) = self.take(o) {
                self.deprecation(o, Some(key));
                old = Some((o, v));
            }
        }
        match old {
            Some((o, v)) => {
                // A value under its own name by keyword is overridden, as ngclearn's
                // rebinding overrides it; given positionally, Python refuses the second
                // value for it.
                for &k in std::iter::once(&key).chain(aliases) {
                    if self.values.contains_key(k) && !self.keywords.iter().any(|x| x == k) {
                        return Err(self.type_error(
                            k,
                            format!("got multiple values: positionally, and as {o} (its deprecated name)"),
                        ));
                    }
                    let _ = self.take(k);
                }
                T::from_kwarg(self, o, v)
            }
            None => self.get_aliased(key, aliases, default),
        }
    }

    /// An argument ngclearn deprecates and drops (`thr_jitter`): if given, it is said
    /// with ngclearn's warning and its value is not read.
    pub fn drop_deprecated(&mut self, key: &'static str) {
        if self.take(key).is_some() {
            self.deprecation(key, None);
        }
    }

    /// An argument ngclearn deprecates in favour of `use_instead` without rebinding it
    /// (HebbianSynapse's `w_decay`): given by keyword, it is said with ngclearn's
    /// warning; it is read as any other.
    pub fn warn_deprecated(&mut self, key: &'static str, use_instead: &str) {
        if self.values.contains_key(key) && self.keywords.iter().any(|k| k == key) {
            self.deprecation(key, Some(use_instead));
        }
    }

    /// ngclearn's warning for the deprecated argument `key` (`deprecate_args`), kept
    /// for [`Kwargs::take_warnings`].
    fn deprecation(&mut self, key: &str, use_instead: Option<&str>) {
        let class = if self.class.is_empty() {
            &self.file
        } else {
            self.class
        };
        self.warnings.push(match use_instead {
            Some(new) => format!(
                "The argument \"{key}\" is deprecated for {class}.__init__, use \"{new}\" instead"
            ),
            None => format!(
                "The argument \"{key}\" is deprecated for {class}.__init__, and will no longer be supported"
            ),
        });
    }

    /// The warnings ngclearn would say about these arguments (its deprecations), as
    /// they were read; a class's `from_kwargs` says them
    /// (`ngclearn::warning::warn`).
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Names the class being built, as ngclearn's warnings name it (a class's
    /// `from_kwargs` does it before reading its parameters).
    pub fn set_class(&mut self, class: &'static str) {
        self.class = class;
    }

    /// Offers the class this rank's block of columns of the component's partitioned
    /// axis (a model partitioned across ranks builds its blocks alone where the class
    /// can): a class that can build only those columns takes them (under the reserved
    /// argument [`COLUMNS`], which no file may give); [`Kwargs::columns_taken`] tells.
    pub fn offer_columns(&mut self, columns: Columns) -> Result<()> {
        if self.values.contains_key(COLUMNS) {
            return Err(self.error(COLUMNS, "is not an argument (it is reserved)"));
        }
        self.values.insert(
            COLUMNS.to_string(),
            serde_json::json!([columns.cols.start, columns.cols.end, columns.width]),
        );
        self.offered = Some(columns);
        Ok(())
    }

    /// Whether the class took the columns offered (so far).
    pub fn offer_taken(&self) -> bool {
        self.offered.is_some() && !self.values.contains_key(COLUMNS)
    }

    /// `shape[1]` as the arguments give it (a synapse's `n_post`, the axis a
    /// partition splits), if they give a shape of two sizes.
    pub fn shape_width(&self) -> Option<usize> {
        match self.values.get("shape")?.as_array()?.as_slice() {
            [_, w] => w.as_u64().map(|w| w as usize),
            _ => None,
        }
    }

    /// The columns offered, if the class took them (it built a block of them); an offer
    /// not taken is withdrawn.
    pub fn columns_taken(&mut self) -> Option<Columns> {
        let offered = self.offered.take()?;
        match self.values.remove(COLUMNS) {
            Some(_) => None,
            None => Some(offered),
        }
    }

    /// The value given for `key`, if any, without using it up (to size things before
    /// the component is built).
    pub fn peek(&self, key: &str) -> Option<&Value> {
        self.values.get(key)
    }

    /// `n` as a float32, which must be finite.
    fn finite(&self, key: &str, n: &serde_json::Number) -> Result<f32> {
        let x = n.as_f64().map(|x| x as f32);
        match x {
            Some(x) if x.is_finite() => Ok(x),
            _ => Err(self.error(key, format!("{n} is not a finite float32"))),
        }
    }

    fn take(&mut self, key: &'static str) -> Option<Value> {
        if !self.accepted.contains(&key) {
            self.accepted.push(key);
        }
        self.values.remove(key)
    }

    /// A number, `default` when absent (`None`: required).
    pub fn f32_or(&mut self, key: &'static str, default: Option<f32>) -> Result<f32> {
        self.get(key, default)
    }

    /// A count, `default` when absent.
    pub fn usize_or(&mut self, key: &'static str, default: Option<usize>) -> Result<usize> {
        self.get(key, default)
    }

    /// A string, `default` when absent.
    pub fn str_or(&mut self, key: &'static str, default: &str) -> Result<String> {
        self.get(key, Some(default.to_string()))
    }

    /// A 2-element shape `[n_pre, n_post]`.
    pub fn shape(&mut self, key: &'static str) -> Result<(usize, usize)> {
        match self.take(key) {
            Some(Value::Array(a)) if a.len() == 2 => match (a[0].as_u64(), a[1].as_u64()) {
                (Some(r), Some(c)) => Ok((r as usize, c as usize)),
                _ => Err(self.error(key, "expected two non-negative integers")),
            },
            Some(other) => Err(self.type_error(
                key,
                format!("expected a shape [n_pre, n_post], got {other}"),
            )),
            None => Err(self.error(key, "missing (required)")),
        }
    }

    /// Checks that every argument was used, naming the first unknown one.
    pub fn finish(self) -> Result<()> {
        match self.values.keys().next() {
            None => Ok(()),
            Some(k) => {
                let near = crate::core::suggest::nearest(k, self.accepted.iter().copied())
                    .map(|n| format!("did you mean `{n}`? "))
                    .unwrap_or_default();
                Err(self.error(
                    k,
                    format!(
                        "unknown argument; {near}accepted: {}",
                        self.accepted.join(", ")
                    ),
                ))
            }
        }
    }

    /// Takes every argument not taken yet (a class whose constructor is elsewhere).
    pub fn discard_rest(&mut self) {
        self.values.clear();
    }

    /// The arguments not taken (yet).
    pub fn remaining(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// The component's name argument.
    pub fn name(&mut self) -> Result<String> {
        match self.take("name") {
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(self.type_error("name", format!("expected a string, got {other}"))),
            None => Err(self.error("name", "missing (required)")),
        }
    }
}

/// The first number in `v` (depth first) that is not finite as a float32.
pub(crate) fn first_non_finite(v: &Value) -> Option<&serde_json::Number> {
    match v {
        Value::Number(n) => (!n.as_f64().is_some_and(|x| (x as f32).is_finite())).then_some(n),
        Value::Array(a) => a.iter().find_map(first_non_finite),
        Value::Object(o) => o.values().find_map(first_non_finite),
        _ => None,
    }
}

/// JSON for an `f32` written as its shortest decimal (`0.1`, not `0.10000000149011612`).
pub fn num(x: f32) -> Value {
    let shortest: f64 = x.to_string().parse().unwrap_or(x as f64);
    serde_json::Number::from_f64(shortest).map_or(Value::Null, Value::Number)
}
