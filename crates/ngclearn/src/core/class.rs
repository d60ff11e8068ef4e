//! Component classes and the registry they are looked up in.
//!
//! A [`ComponentClass`] is what a model file, a saved model, `ngc list`/`ngc help` and
//! the Python package need of a class: its [`Schema`] (help, compartments, ngclearn's
//! signature) and how to build one from ngclearn's keyword arguments. Each class file
//! declares one (`#[derive(Class)]` makes its `CLASS`). A [`Registry`] holds classes and
//! finds them by name or by ngclearn's module path; `Registry::builtin` (declared with
//! the classes, in `components`) has every class of this crate, and a registry of one's
//! own can add more ([`Registry::register`]) and be given to the loaders
//! (`load_model_dir_with`, `load_model_file_with`).

use crate::core::component::Component;
use crate::core::kwargs::Kwargs;
use crate::core::schema::{Kind, Schema, Size};
use crate::error::{Error, Result};

/// A component class: its help metadata and its constructor.
#[derive(Debug)]
pub struct ComponentClass {
    /// The class's schema (name, module path, compartments, parameters, signature).
    pub schema: &'static Schema,
    /// Builds a component from ngclearn's keyword arguments (unused ones are left in
    /// `kw` for the caller to report).
    pub from_kwargs: fn(&mut Kwargs) -> Result<Box<dyn Component>>,
    /// The sizes its compartments' shapes name that the class computes from its
    /// arguments ([`Size::Named`]), as `(name, size)`;
    /// `None` if the arguments do not give them. Most classes have none
    /// ([`no_sizes`]).
    pub sizes: fn(&Kwargs) -> Option<NamedSizes>,
}

/// Sizes a class computes from its arguments, by the name its shapes give them.
pub type NamedSizes = Vec<(&'static str, usize)>;

/// The [`ComponentClass::sizes`] of a class whose shapes name only `batch_size`,
/// `n_units`, `n_pre` and `n_post`.
pub fn no_sizes(_: &Kwargs) -> Option<NamedSizes> {
    Some(Vec::new())
}

impl ComponentClass {
    /// The class name, e.g. `AlphaSynapse`.
    pub fn name(&self) -> &'static str {
        self.schema.class
    }

    /// Builds a component from ngclearn's keyword arguments. A required argument
    /// that is missing is reported with the arguments given that the class does not
    /// know (a misspelling is often both: `tau_mem` for `tau_m`).
    pub fn build(&self, kw: &mut Kwargs) -> Result<Box<dyn Component>> {
        (self.from_kwargs)(kw).map_err(|e| match e {
            Error::Format {
                path,
                field,
                message,
            } if message.starts_with("missing (required)") => {
                let unknown: Vec<&str> = kw.remaining().filter(|k| !self.knows(k)).collect();
                let message = match unknown.as_slice() {
                    [] => message,
                    _ => format!(
                        "{message}; and {} {} not {} of {}{}",
                        crate::error::name_list(unknown.iter().map(|k| format!("`{k}`"))),
                        if unknown.len() == 1 { "is" } else { "are" },
                        if unknown.len() == 1 {
                            "an argument"
                        } else {
                            "arguments"
                        },
                        self.schema.class,
                        self.nearest(unknown[0])
                            .map(|n| format!(" (did you mean `{n}`?)"))
                            .unwrap_or_default()
                    ),
                };
                Error::Format {
                    path,
                    field,
                    message,
                }
            }
            other => other,
        })
    }

    /// Every argument name the class takes (its signature, parameters and their
    /// other names, and `key`).
    fn argument_names(&self) -> impl Iterator<Item = &'static str> {
        let s = self.schema;
        s.signature
            .iter()
            .copied()
            .chain(s.hyperparameters.iter().map(|p| p.name))
            .chain(
                s.hyperparameters
                    .iter()
                    .flat_map(|p| p.aliases.iter().copied()),
            )
            .chain(["name", "key"])
    }

    /// Whether the class takes an argument `name`.
    fn knows(&self, name: &str) -> bool {
        name.starts_with("__") || self.argument_names().any(|n| n == name)
    }

    /// The argument name nearest to `name`, if one is near.
    pub fn nearest(&self, name: &str) -> Option<&'static str> {
        crate::core::suggest::nearest(name, self.argument_names())
    }

    /// The shapes each compartment may have, as the arguments `kw` imply them (a key
    /// has none). `None` when a size cannot be read or cannot be allocated: building
    /// the component then reports it.
    pub fn implied_shapes(&self, kw: &Kwargs) -> Option<Vec<Vec<Vec<usize>>>> {
        let count = |v: &serde_json::Value| {
            v.as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .filter(|&n| n >= 1)
        };
        let batch = kw.peek("batch_size").map_or(Some(1), count)?;
        let (pre, post) = match kw.peek("shape") {
            Some(s) => match s.as_array().map(Vec::as_slice) {
                Some([pre, post]) => (Some(count(pre)?), Some(count(post)?)),
                // Another class's `shape` (a convolution's filter shape): its sizes are
                // named by the class.
                Some(_) => (None, None),
                None => return None,
            },
            None => (None, None),
        };
        let units = match kw.peek("n_units") {
            Some(n) => Some(count(n)?),
            None => None,
        };
        let named = (self.sizes)(kw)?;
        let by_name = |n: &str| named.iter().find(|(m, _)| *m == n).map(|(_, k)| *k);
        // A class whose leading arguments are not `n_units` or `shape` (`head = none`)
        // gives those sizes by name.
        let size = |s: Size| match s {
            Size::One => Some(1),
            Size::Batch => Some(batch),
            Size::Units => units.or_else(|| by_name("n_units")),
            Size::Pre => pre.or_else(|| by_name("n_pre")),
            Size::Post => post.or_else(|| by_name("n_post")),
            Size::Named(n) => by_name(n),
        };
        self.schema
            .compartments
            .iter()
            .map(|c| match c.kind {
                Kind::Key => Some(Vec::new()),
                Kind::Array => {
                    let forms = c.shape.resolve(size)?;
                    // Each form must be one an array can have.
                    forms
                        .iter()
                        .all(|f| {
                            f.iter()
                                .try_fold(1usize, |a, &d| a.checked_mul(d))
                                .is_some_and(|n| n <= isize::MAX as usize / 4)
                        })
                        .then_some(forms)
                }
            })
            .collect()
    }

    /// Whether `name` names this class: its class name, its module path, or (as a
    /// saved model may spell it) any `ngclearn…` path ending in its class name.
    pub fn answers_to(&self, name: &str) -> bool {
        name == self.schema.class
            || name == self.schema.module_path
            || (name.starts_with("ngclearn") && name.rsplit('.').next() == Some(self.schema.class))
    }
}

/// Classes, looked up by name or module path.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    classes: Vec<&'static ComponentClass>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds `class`; an error if a class of the same name or module path is there.
    pub fn register(&mut self, class: &'static ComponentClass) -> Result<&mut Self> {
        if let Some(old) = self.classes.iter().find(|c| {
            c.schema.class == class.schema.class || c.schema.module_path == class.schema.module_path
        }) {
            return Err(Error::param(
                class.schema.class,
                "class",
                class.schema.module_path,
                &format!(
                    "is already registered (as {}, {})",
                    old.schema.class, old.schema.module_path
                ),
            ));
        }
        self.classes.push(class);
        Ok(self)
    }

    /// The class `name` names (see [`ComponentClass::answers_to`]).
    pub fn get(&self, name: &str) -> Option<&'static ComponentClass> {
        // An exact name or path first, so that a path never picks a namesake.
        self.classes
            .iter()
            .find(|c| c.schema.class == name || c.schema.module_path == name)
            .or_else(|| self.classes.iter().find(|c| c.answers_to(name)))
            .copied()
    }

    /// The class a saved model's `modulePath` names: its exact module path, or an
    /// `ngclearn…` path ending in its class name (ngclearn re-exports classes).
    pub fn by_module_path(&self, module_path: &str) -> Option<&'static ComponentClass> {
        let last = module_path.rsplit('.').next().unwrap_or_default();
        self.classes
            .iter()
            .find(|c| c.schema.module_path == module_path)
            .or_else(|| {
                self.classes
                    .iter()
                    .find(|c| module_path.starts_with("ngclearn") && c.schema.class == last)
            })
            .copied()
    }

    /// The classes, in the order they were registered.
    pub fn classes(&self) -> impl Iterator<Item = &'static ComponentClass> + '_ {
        self.classes.iter().copied()
    }

    /// The class names, comma-separated (for messages).
    pub fn names(&self) -> String {
        self.joined(|s| s.class)
    }

    /// The module paths, comma-separated (for messages about saved models).
    pub fn module_paths(&self) -> String {
        self.joined(|s| s.module_path)
    }

    fn joined(&self, field: impl Fn(&Schema) -> &'static str) -> String {
        let items: Vec<&str> = self.classes.iter().map(|c| field(c.schema)).collect();
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    #[test]
    fn every_builtin_class_is_found_by_name_and_module_path() {
        let r = Registry::builtin();
        assert_eq!(r.classes().count(), crate::components::CLASSES.len());
        for c in r.classes() {
            assert!(std::ptr::eq(r.get(c.schema.class).unwrap(), c));
            assert!(std::ptr::eq(r.get(c.schema.module_path).unwrap(), c));
            let short = format!("ngclearn.components.{}", c.schema.class);
            assert!(std::ptr::eq(r.get(&short).unwrap(), c));
        }
        assert!(r.get("Nope").is_none());
        assert!(r.get("other.AlphaSynapse").is_none());
    }

    #[test]
    fn a_class_registers_once() {
        let mut r = Registry::new();
        let lif = Registry::builtin().get("LIFCell").unwrap();
        r.register(lif).unwrap();
        let e = r.register(lif).unwrap_err().to_string();
        assert!(e.contains("already registered"), "{e}");
        assert_eq!(r.names(), "LIFCell");
    }

    /// The loader sizes a component's npz from its schema's shapes before building it:
    /// they must give exactly the shapes the built component has.
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
                ("tau_v", serde_json::json!(2.0)),
                ("eta", serde_json::json!(0.1)),
                ("n_inputs", serde_json::json!(4)),
                ("n_units_x", serde_json::json!(3)),
                ("n_units_y", serde_json::json!(3)),
                ("x_shape", serde_json::json!([6, 6])),
                ("padding", serde_json::json!("SAME")),
                ("filter_type", serde_json::json!("gaussian")),
                ("area_shape", serde_json::json!([4, 4])),
                ("n_cells", serde_json::json!(4)),
                ("patch_shape", serde_json::json!([2, 2])),
                ("step_shape", serde_json::json!([2, 2])),
            ] {
                // `shape` is a synapse's (n_pre, n_post); a cell's `shape` (RateCell's 4-D
                // form) stays unset.
                let synapse = schema
                    .compartments
                    .iter()
                    .any(|c| c.shape.mentions(crate::core::schema::Size::Pre))
                    || schema.module_path.contains(".synapses.patched.")
                    || schema.module_path.contains(".synapses.convolution.");
                if k == "shape" && !synapse {
                    continue;
                }
                // These run a batch only as ngclearn 3.1.1 can: batch_size == n_pre (== n_post);
                // GerstnerHebbianSynapse's rule runs on square shapes only.
                let square = [
                    "MSTDPETSynapse",
                    "EventSTDPSynapse",
                    "STPDenseSynapse",
                    "GerstnerHebbianSynapse",
                ]
                .contains(&schema.class);
                let conv = schema.module_path.contains(".convolution.");
                let v = if k == "shape" && square {
                    serde_json::json!([5, 5])
                } else if k == "shape" && conv {
                    serde_json::json!([3, 3, 2, 4])
                } else {
                    v
                };
                if schema.signature.contains(&k) || k == "batch_size" || (conv && k == "padding") {
                    kwargs.insert(k.into(), v);
                }
            }
            // A class that runs one batch row only (as ngclearn's does) is built with one.
            let refuses_batches = {
                let mut kw = Kwargs::new("f", "c", schema.signature, &[], &kwargs).unwrap();
                matches!(class.build(&mut kw), Err(Error::InvalidParameter { param, .. }) if param == "batch_size")
            };
            if refuses_batches {
                kwargs.insert("batch_size".into(), serde_json::json!(1));
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
                        // A compartment of N axes is stored in two; `dims` gives its N.
                        let actual = crate::core::component::dims(&*c, i).unwrap();
                        assert_eq!(actual.iter().product::<usize>(), c.array(i).unwrap().len());
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
}
