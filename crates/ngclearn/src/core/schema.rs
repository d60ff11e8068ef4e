//! Help metadata: the one machine-readable description of each component class.
//!
//! A [`Schema`] drives `help`, the list of compartments a model can address by
//! path, and (later) the loader's keyword arguments and the docs. Its groups are
//! ngclearn's: description, compartments (inputs / states / outputs), dynamics,
//! hyper-parameters.

use serde::{Serialize, Serializer};
use serde_json::Value;
use std::fmt::Write as _;

/// The group a compartment belongs to in the help text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read by the component; usually wired from elsewhere.
    Input,
    /// Kept by the component from step to step.
    State,
    /// Written by the component for others to read.
    Output,
}

/// What a compartment holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A float32 array, `(batch, units)` (weights: `(n_pre, n_post)`).
    Array,
    /// A PRNG key, two `u32`.
    Key,
}

/// One compartment of a class.
#[derive(Debug, Clone, Copy)]
pub struct CompartmentInfo {
    /// Its name, as in ngclearn.
    pub name: &'static str,
    /// Input, state or output.
    pub role: Role,
    /// Array or key.
    pub kind: Kind,
    /// Its shape in terms of the class's arguments, e.g. `(batch_size, n_post)`
    /// ([`Shape::NONE`] for the key).
    pub shape: Shape,
    /// Units, or empty.
    pub units: &'static str,
    /// One line.
    pub description: &'static str,
    /// Whether it holds spikes (0 or 1 per cell), which the component also lists
    /// ([`Component::nonzero`](crate::core::component::Component::nonzero)): what
    /// `ngc run` counts and what spike recordings are made of.
    pub spikes: bool,
    /// Whether ngclearn holds it as a scalar (a sum such as an error cell's `L`): kept
    /// here as `(1, 1)`, and given to Python as a scalar.
    pub scalar: bool,
    /// Whether ngclearn holds it as int32 (indices, such as a SOM's best-matching
    /// unit): kept here as float32 (exact below 2^24), saved and given to Python as
    /// int32.
    pub int32: bool,
}

impl CompartmentInfo {
    /// Its shape as help shows it (a key's: `(2,) u32`).
    pub fn shape_text(&self) -> String {
        match self.kind {
            Kind::Key => "(2,) u32".to_string(),
            Kind::Array => self.shape.to_string(),
        }
    }
}

/// In JSON as in help: the shape as text.
impl Serialize for CompartmentInfo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("CompartmentInfo", 8)?;
        st.serialize_field("name", self.name)?;
        st.serialize_field("role", &self.role)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("shape", &self.shape_text())?;
        st.serialize_field("units", self.units)?;
        st.serialize_field("description", self.description)?;
        st.serialize_field("spikes", &self.spikes)?;
        st.serialize_field("scalar", &self.scalar)?;
        st.end()
    }
}

/// A size an axis of a compartment is made of, as ngclearn's arguments name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// 1.
    One,
    /// `batch_size`: rows of the batch.
    Batch,
    /// `n_units`: a population of cells (the axis a partition splits).
    Units,
    /// `n_pre`: a synapse's inputs.
    Pre,
    /// `n_post`: a synapse's outputs (the axis a partition splits).
    Post,
    /// Another size, which the class computes from its arguments
    /// ([`ComponentClass::sizes`](crate::core::class::ComponentClass::sizes)), e.g.
    /// ExpKernel's `win_len`.
    Named(&'static str),
}

impl Size {
    /// Its name in ngclearn's terms (`1` for [`Size::One`]).
    pub fn name(self) -> &'static str {
        match self {
            Size::One => "1",
            Size::Batch => "batch_size",
            Size::Units => "n_units",
            Size::Pre => "n_pre",
            Size::Post => "n_post",
            Size::Named(n) => n,
        }
    }
}

/// A compartment's shape: its axes (each the product of its sizes, as
/// `win_len * batch_size`), or the alternatives it may take (`(1, 1) or (n_pre,
/// n_post)`). Declared as text in a class (`#[compartment(shape = "...")]`), which the
/// declaration checks and turns into this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape(pub &'static [&'static [&'static [Size]]]);

impl Shape {
    /// No shape (a key's).
    pub const NONE: Shape = Shape(&[]);

    /// Whether a partition splits it: its last axis is `n_units` or `n_post` (in any
    /// alternative).
    pub fn splits(&self) -> bool {
        self.0.iter().any(|alt| {
            alt.last()
                .is_some_and(|axis| matches!(axis, [Size::Units] | [Size::Post]))
        })
    }

    /// Whether one of its forms is `(1, 1)` (a value kept as one number, broadcast).
    pub fn may_be_one_by_one(&self) -> bool {
        self.0
            .iter()
            .any(|alt| alt.len() == 2 && alt.iter().all(|axis| axis == &[Size::One]))
    }

    /// Whether it is exactly `(a, b)`.
    pub fn is(&self, a: Size, b: Size) -> bool {
        self.0.len() == 1 && self.0[0] == [&[a][..], &[b][..]]
    }

    /// Whether `(a, b)` is one of its forms (a graded cell's `(batch_size, n_units) or
    /// (batch_size, map_h, map_w, map_c)` has `(batch_size, n_units)`).
    pub fn has_form(&self, a: Size, b: Size) -> bool {
        self.0.iter().any(|alt| *alt == [&[a][..], &[b][..]])
    }

    /// Whether any of its axes is made of `size`.
    pub fn mentions(&self, size: Size) -> bool {
        self.0
            .iter()
            .flat_map(|alt| alt.iter())
            .any(|axis| axis.contains(&size))
    }

    /// Its forms, with every size given by `size` (`None` if one is not known or an
    /// axis overflows).
    pub fn resolve(&self, size: impl Fn(Size) -> Option<usize>) -> Option<Vec<Vec<usize>>> {
        self.0
            .iter()
            .map(|alt| {
                alt.iter()
                    .map(|axis| {
                        axis.iter().try_fold(1usize, |n, &s| {
                            let k = match s {
                                Size::One => 1,
                                other => size(other)?,
                            };
                            n.checked_mul(k)
                        })
                    })
                    .collect()
            })
            .collect()
    }
}

/// The text form it is declared in: `(batch_size, n_post)`, alternatives joined by ` or `.
impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, alt) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" or ")?;
            }
            f.write_str("(")?;
            for (j, axis) in alt.iter().enumerate() {
                if j > 0 {
                    f.write_str(", ")?;
                }
                for (k, size) in axis.iter().enumerate() {
                    if k > 0 {
                        f.write_str(" * ")?;
                    }
                    f.write_str(size.name())?;
                }
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// A value the schema gives as the engine holds it: a function writing it as JSON
/// (what [`KwargValue::to_kwarg`](crate::core::kwargs::KwargValue::to_kwarg) makes of
/// it), so that every front end reads the same typed value.
pub type ValueFn = fn() -> Value;

/// One hyper-parameter of a class.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ParamInfo {
    /// Its name, as in ngclearn.
    pub name: &'static str,
    /// Default value as help shows it, or `None` where it is required.
    pub default: Option<&'static str>,
    /// The default as the engine holds it (`None` where it is required): in JSON, the
    /// `value` written by its type's `to_kwarg` (absent where it is required).
    #[serde(
        rename = "value",
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_value"
    )]
    pub value: Option<ValueFn>,
    /// Where the default is `None`, the value the class uses instead, which ngclearn keeps
    /// as its attribute (a synapse's `weight_init`: `uniform(0.025, 0.8)`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_value"
    )]
    pub none_means: Option<ValueFn>,
    /// The JSON type of its keyword argument
    /// ([`KwargValue::KIND`](crate::core::kwargs::KwargValue::KIND)): `float`, `int`,
    /// `bool`, `str`, `tuple[...]`, `array` (rows of numbers), `key`, `initializer`,
    /// `any`, or one of these `| None`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Units, or empty.
    pub units: &'static str,
    /// Other accepted names (the names in `old_names` included).
    pub aliases: &'static [&'static str],
    /// ngclearn's deprecated names for it: accepted with ngclearn's warning, their value
    /// taking this parameter's place (`critical_V` for QuadLIFCell's `critical_v`).
    pub old_names: &'static [&'static str],
    /// Whether ngclearn deprecates the parameter itself (see [`Deprecated`]).
    pub deprecated: Option<Deprecated>,
    /// An extension of this crate: not one of ngclearn's arguments (a saved model or a
    /// model file may give it; ngclearn's constructor, and so the Python one, does not
    /// take it).
    pub extension: bool,
    /// One line.
    pub description: &'static str,
}

impl ParamInfo {
    /// A required parameter: `name` and its description, the rest empty.
    pub const fn required(
        name: &'static str,
        kind: &'static str,
        description: &'static str,
    ) -> Self {
        ParamInfo {
            name,
            default: None,
            value: None,
            none_means: None,
            kind,
            units: "",
            aliases: &[],
            old_names: &[],
            deprecated: None,
            extension: false,
            description,
        }
    }

    /// Whether ngclearn accepts the argument and drops it (with a warning).
    pub fn is_dropped(&self) -> bool {
        matches!(self.deprecated, Some(Deprecated { use_instead: None }))
    }
}

/// A parameter ngclearn deprecates (its `deprecate_args`): given by keyword, it warns
/// `The argument "NAME" is deprecated for CLASS.__init__, ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deprecated {
    /// The argument ngclearn's warning says to use instead, which does not take its
    /// value (HebbianSynapse's `w_decay`, for `prior`); `None`: the argument is
    /// dropped ("will no longer be supported").
    #[serde(rename = "use")]
    pub use_instead: Option<&'static str>,
}

fn serialize_value<S: Serializer>(f: &Option<ValueFn>, s: S) -> Result<S::Ok, S::Error> {
    match f {
        Some(f) => f().serialize(s),
        None => s.serialize_none(),
    }
}

/// One method of a class, which processes may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct MethodInfo {
    /// Its name, as in ngclearn (`advance_state`, `reset`, `evolve`, ...).
    pub name: &'static str,
    /// Whether it reads the component's inputs: the wires into the component are
    /// delivered right before each call of it.
    pub reads_inputs: bool,
    /// The keywords ngclearn's method takes, in its order (`("dt", "t")` for LIFCell's
    /// `advance_state`): what a process over it asks for (`get_keywords`). `t` and `dt`
    /// reach every call; another (MPSSynapse's `evolve(eta)`) reaches the component
    /// through `Component::set_keyword` when a run gives it. A class gives its own with
    /// `#[class(keywords(...))]`.
    pub keywords: &'static [&'static str],
    /// One line.
    pub description: &'static str,
}

/// `methods`, with the keywords of the methods named in `keywords` replaced (a class's
/// own method table from a shared one). A name that is not a method, or a keyword
/// other than `t` and `dt`, fails when the table is evaluated (at compile time).
pub const fn with_keywords<const N: usize>(
    methods: &[MethodInfo],
    keywords: &[(&'static str, &'static [&'static str])],
) -> [MethodInfo; N] {
    assert!(
        methods.len() == N,
        "with_keywords: N is not the number of methods"
    );
    const BLANK: MethodInfo = MethodInfo {
        name: "",
        reads_inputs: false,
        keywords: &[],
        description: "",
    };
    let mut out = [BLANK; N];
    let mut i = 0;
    while i < N {
        out[i] = methods[i];
        i += 1;
    }
    let mut k = 0;
    while k < keywords.len() {
        let (name, kws) = keywords[k];
        let mut found = false;
        let mut i = 0;
        while i < N {
            if str_eq(out[i].name, name) {
                out[i].keywords = kws;
                found = true;
            }
            i += 1;
        }
        assert!(
            found,
            "with_keywords: a name given keywords is not one of the methods"
        );
        k += 1;
    }
    out
}

/// How ngclearn's constructor treats keyword arguments that are not its parameters
/// (its `**kwargs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VarKeyword {
    /// It has no `**kwargs` (LIFCell, VarTrace): only its own parameters.
    Absent,
    /// It takes `**kwargs` and hands them to its base, which accepts only its own
    /// keywords (the class's keyword-only parameters, `key`): any other is a
    /// `TypeError` there.
    Checked,
    /// It takes `**kwargs` and drops them (the spike encoders).
    Ignored,
}

/// A value ngclearn's class fixes where its base takes an argument, and keeps as an
/// attribute (QuadLIFCell hands LIFCell `conduct_leak = 1`).
#[derive(Debug, Clone, Copy)]
pub struct Fixed {
    /// The argument's name.
    pub name: &'static str,
    /// Its value, as JSON.
    pub value: ValueFn,
}

fn serialize_fixed<S: Serializer>(fixed: &&[Fixed], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(fixed.len()))?;
    for f in fixed.iter() {
        m.serialize_entry(f.name, &(f.value)())?;
    }
    m.end()
}

/// The help entry of `n_units`, the first argument of every cell's constructor.
pub const N_UNITS: ParamInfo = ParamInfo::required("n_units", "int", "Number of cells");

/// The help entry of `shape`, the first argument of every synapse's constructor.
pub const SHAPE: ParamInfo = ParamInfo::required(
    "shape",
    "tuple[int, int]",
    "Shape of W: (number of inputs, number of outputs)",
);

/// `advance_state` and `reset`, the methods every class of this crate has so far.
/// Their keywords are `(t, dt)` and none.
pub const ADVANCE_AND_RESET: [MethodInfo; 2] = [
    MethodInfo {
        name: "advance_state",
        reads_inputs: true,
        keywords: &["t", "dt"],
        description: "One step of dt ms ending at time t",
    },
    MethodInfo {
        name: "reset",
        reads_inputs: false,
        keywords: &[],
        description: "Every state back to its rest value",
    },
];

/// `advance_state`, `evolve` (a learning rule's update, reading the wired
/// plasticity signals) and `reset`: the methods of a plastic synapse (`evolve`'s
/// keywords: `(t, dt)`).
pub const ADVANCE_EVOLVE_RESET: [MethodInfo; 3] = [
    ADVANCE_AND_RESET[0],
    MethodInfo {
        name: "evolve",
        reads_inputs: true,
        keywords: &["t", "dt"],
        description: "One update of the weights by the learning rule",
    },
    ADVANCE_AND_RESET[1],
];

/// The help metadata of a component class.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Schema {
    /// Class name, e.g. `AlphaSynapse`.
    pub class: &'static str,
    /// The Python class this one reproduces.
    pub module_path: &'static str,
    /// What it models.
    pub description: &'static str,
    /// Its compartments, in the order the component indexes them.
    pub compartments: &'static [CompartmentInfo],
    /// Its equations, as implemented.
    pub dynamics: &'static str,
    /// Its hyper-parameters.
    pub hyperparameters: &'static [ParamInfo],
    /// The methods processes may call on it.
    pub methods: &'static [MethodInfo],
    /// ngclearn's constructor parameters in positional order (from `name`), used to
    /// bind the `args` of a saved model.
    pub signature: &'static [&'static str],
    /// What this class does differently from ngclearn's docs, or as ngclearn's code does
    /// it where that is surprising (paragraphs; empty if nothing).
    pub notes: &'static str,
    /// How ngclearn's constructor treats other keyword arguments (its `**kwargs`).
    pub kwargs: VarKeyword,
    /// Values ngclearn's class fixes for its base's arguments and keeps as attributes.
    #[serde(serialize_with = "serialize_fixed")]
    pub fixed: &'static [Fixed],
    /// The class of this crate that ngclearn's class derives from (AlphaSynapse's
    /// `DenseSynapse`), if any: in JSON, its name.
    #[serde(serialize_with = "serialize_extends")]
    pub extends: Option<fn() -> &'static Schema>,
    /// The compartments that may be set with any number of rows (a learning rule's
    /// statistics, summed over their rows, as ngclearn's shape-agnostic arrays allow):
    /// set, saved and loaded with another batch than `batch_size`.
    pub any_rows: &'static [&'static str],
}

fn serialize_extends<S: Serializer>(
    extends: &Option<fn() -> &'static Schema>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match extends {
        Some(f) => s.serialize_some(f().class),
        None => s.serialize_none(),
    }
}

impl Schema {
    /// Index of the compartment `name`, if the class has one.
    pub fn compartment_index(&self, name: &str) -> Option<usize> {
        self.compartments.iter().position(|c| c.name == name)
    }

    /// The method `name`, if the class has one.
    pub fn method(&self, name: &str) -> Option<&'static MethodInfo> {
        self.methods.iter().find(|m| m.name == name)
    }

    /// The method names, comma-separated (for error messages).
    pub fn method_names(&self) -> String {
        let names: Vec<&str> = self.methods.iter().map(|m| m.name).collect();
        names.join(", ")
    }

    /// The compartment names, comma-separated (for error messages).
    pub fn compartment_names(&self) -> String {
        let names: Vec<&str> = self.compartments.iter().map(|c| c.name).collect();
        names.join(", ")
    }

    /// The help as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The help as text, grouped as in ngclearn's `help()`.
    pub fn help_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{}  ({})\n  {}\n",
            self.class, self.module_path, self.description
        );
        for (role, title) in [
            (Role::Input, "inputs"),
            (Role::State, "states"),
            (Role::Output, "outputs"),
        ] {
            let _ = writeln!(s, "compartments: {title}");
            for c in self.compartments.iter().filter(|c| c.role == role) {
                let units = if c.units.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", c.units)
                };
                let _ = writeln!(
                    s,
                    "  {:<10} {:<22} {}{}",
                    c.name,
                    c.shape_text(),
                    c.description,
                    units
                );
            }
        }
        let _ = writeln!(s, "\ndynamics:\n{}\n", indent(self.dynamics));
        let _ = writeln!(s, "methods:");
        for m in self.methods {
            let _ = writeln!(s, "  {:<16} {}", m.name, m.description);
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "hyper-parameters:");
        for p in self.hyperparameters {
            let default = p
                .default
                .map_or("required".to_string(), |d| format!("default {d}"));
            let units = if p.units.is_empty() {
                String::new()
            } else {
                format!(" [{}]", p.units)
            };
            let aliases = if p.aliases.is_empty() {
                String::new()
            } else {
                format!(" (also: {})", p.aliases.join(", "))
            };
            let _ = writeln!(
                s,
                "  {:<16} {}{} ({default}){aliases}",
                p.name, p.description, units
            );
        }
        s
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `parts` one after the other, as one table of `N` parameters (a class's help table
/// from a derived `PARAMS` and the parameters its struct does not hold, such as
/// `n_units`). A wrong `N` fails when the constant is evaluated.
pub const fn join_params<const N: usize>(parts: &[&[ParamInfo]]) -> [ParamInfo; N] {
    const BLANK: ParamInfo = ParamInfo::required("", "", "");
    let mut out = [BLANK; N];
    let (mut n, mut i) = (0, 0);
    while i < parts.len() {
        let mut j = 0;
        while j < parts[i].len() {
            out[n] = parts[i][j];
            n += 1;
            j += 1;
        }
        i += 1;
    }
    assert!(n == N, "join_params: the parts do not add up to N");
    out
}

/// The names of `parts` in order, less those in `except` (each of which must occur
/// once), as an array of `N` (checked when the constant is evaluated): a class's
/// signature from its declared positional parameters.
pub const fn join_names<const N: usize>(
    parts: &[&[&'static str]],
    except: &[&str],
) -> [&'static str; N] {
    let mut out = [""; N];
    let (mut n, mut skipped, mut i) = (0, 0, 0);
    while i < parts.len() {
        let mut j = 0;
        'names: while j < parts[i].len() {
            let name = parts[i][j];
            j += 1;
            let mut k = 0;
            while k < except.len() {
                if str_eq(name, except[k]) {
                    skipped += 1;
                    continue 'names;
                }
                k += 1;
            }
            assert!(n < N, "join_names: more names than N");
            out[n] = name;
            n += 1;
        }
        i += 1;
    }
    assert!(n == N, "join_names: fewer names than N");
    assert!(
        skipped == except.len(),
        "join_names: a keyword_only name is not embedded"
    );
    out
}

/// Whether `a` and `b` are the same string (in constant evaluation).
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The checks a declared parameter can ask for (`#[param(check = ...)]`, see
/// [`crate::Params`]), public so that derived code in any crate can call them. Each
/// returns the value, or an [`crate::Error::InvalidParameter`] naming the component and
/// the parameter.
pub mod checks {
    use crate::error::{Error, Result};

    /// A time constant (or other scale) that must be finite and > 0.
    pub fn positive(component: &str, param: &str, value: f32) -> Result<f32> {
        if value.is_finite() && value > 0.0 {
            Ok(value)
        } else {
            Err(Error::param(
                component,
                param,
                value,
                "must be a positive, finite number",
            ))
        }
    }

    /// A parameter that must be finite (not NaN nor infinite).
    pub fn finite(component: &str, param: &str, value: f32) -> Result<f32> {
        if value.is_finite() {
            Ok(value)
        } else {
            Err(Error::param(
                component,
                param,
                value,
                "must be a finite number",
            ))
        }
    }

    /// A parameter that must be finite and >= 0.
    pub fn non_negative(component: &str, param: &str, value: f32) -> Result<f32> {
        if value.is_finite() && value >= 0.0 {
            Ok(value)
        } else {
            Err(Error::param(
                component,
                param,
                value,
                "must be a finite number >= 0",
            ))
        }
    }

    /// A parameter ngclearn asserts is `> 0` (`resist_m`): a value that is not (NaN
    /// included) is an [`Error::FailedAssertion`]; it must also be finite.
    pub fn asserted_positive(component: &str, param: &str, value: f32) -> Result<f32> {
        if value > 0.0 {
            positive(component, param, value)
        } else {
            Err(Error::FailedAssertion {
                component: component.to_string(),
                param: param.to_string(),
                value: value.to_string(),
                condition: format!("{param} > 0"),
            })
        }
    }

    /// A time constant ngclearn divides by (`1 / tau_w`): zero is an
    /// [`Error::DivisionByZero`]; otherwise it must be finite and > 0.
    pub fn positive_divisor(component: &str, param: &str, value: f32) -> Result<f32> {
        if value == 0.0 {
            Err(Error::DivisionByZero {
                component: component.to_string(),
                param: param.to_string(),
            })
        } else {
            positive(component, param, value)
        }
    }

    /// A count that must be at least one.
    pub fn count(component: &str, param: &str, value: usize) -> Result<usize> {
        if value >= 1 {
            Ok(value)
        } else {
            Err(Error::param(component, param, value, "must be at least 1"))
        }
    }
}
