//! Help metadata: the one machine-readable description of each component class.
//!
//! A [`Schema`] drives `help`, the list of compartments a model can address by
//! path, and (later) the loader's keyword arguments and the docs. Its groups are
//! ngclearn's: description, compartments (inputs / states / outputs), dynamics,
//! hyper-parameters.

use serde::Serialize;
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
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CompartmentInfo {
    /// Its name, as in ngclearn.
    pub name: &'static str,
    /// Input, state or output.
    pub role: Role,
    /// Array or key.
    pub kind: Kind,
    /// Its shape in terms of the hyper-parameters, e.g. `(batch_size, n_post)`.
    pub shape: &'static str,
    /// Units, or empty.
    pub units: &'static str,
    /// One line.
    pub description: &'static str,
    /// Whether it holds spikes (0 or 1 per cell), which the component also lists
    /// ([`Component::nonzero`](crate::core::component::Component::nonzero)): what
    /// `ngc run` counts and what spike recordings are made of.
    pub spikes: bool,
}

/// One hyper-parameter of a class.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ParamInfo {
    /// Its name, as in ngclearn.
    pub name: &'static str,
    /// Default value as text, or `None` where it is required.
    pub default: Option<&'static str>,
    /// Units, or empty.
    pub units: &'static str,
    /// Other accepted names.
    pub aliases: &'static [&'static str],
    /// One line.
    pub description: &'static str,
}

/// One method of a class, which processes may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct MethodInfo {
    /// Its name, as in ngclearn (`advance_state`, `reset`, `evolve`, ...).
    pub name: &'static str,
    /// Whether it reads the component's inputs: the wires into the component are
    /// delivered right before each call of it.
    pub reads_inputs: bool,
    /// One line.
    pub description: &'static str,
}

/// The help entry of `n_units`, the first argument of every cell's constructor.
pub const N_UNITS: ParamInfo = ParamInfo {
    name: "n_units",
    default: None,
    units: "",
    aliases: &[],
    description: "Number of cells",
};

/// The help entry of `shape`, the first argument of every synapse's constructor.
pub const SHAPE: ParamInfo = ParamInfo {
    name: "shape",
    default: None,
    units: "",
    aliases: &[],
    description: "Shape of W: (number of inputs, number of outputs)",
};

/// `advance_state` and `reset`, the methods every class of this crate has so far.
pub static ADVANCE_AND_RESET: [MethodInfo; 2] = [
    MethodInfo {
        name: "advance_state",
        reads_inputs: true,
        description: "One step of dt ms ending at time t",
    },
    MethodInfo {
        name: "reset",
        reads_inputs: false,
        description: "Every state back to its rest value",
    },
];

/// `advance_state`, `evolve` (a learning rule's update, reading the wired
/// plasticity signals) and `reset`: the methods of a plastic synapse.
pub static ADVANCE_EVOLVE_RESET: [MethodInfo; 3] = [
    ADVANCE_AND_RESET[0],
    MethodInfo {
        name: "evolve",
        reads_inputs: true,
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
                    c.name, c.shape, c.description, units
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
    const BLANK: ParamInfo = ParamInfo {
        name: "",
        default: None,
        units: "",
        aliases: &[],
        description: "",
    };
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
    const fn eq(a: &str, b: &str) -> bool {
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
    let mut out = [""; N];
    let (mut n, mut skipped, mut i) = (0, 0, 0);
    while i < parts.len() {
        let mut j = 0;
        'names: while j < parts[i].len() {
            let name = parts[i][j];
            j += 1;
            let mut k = 0;
            while k < except.len() {
                if eq(name, except[k]) {
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

    /// A count that must be at least one.
    pub fn count(component: &str, param: &str, value: usize) -> Result<usize> {
        if value >= 1 {
            Ok(value)
        } else {
            Err(Error::param(component, param, value, "must be at least 1"))
        }
    }
}
