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
    /// arguments ([`Size::Named`](crate::core::schema::Size::Named)), as `(name, size)`;
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
                _ => return None,
            },
            None => (None, None),
        };
        let units = match kw.peek("n_units") {
            Some(n) => Some(count(n)?),
            None => None,
        };
        let named = (self.sizes)(kw)?;
        let size = |s: Size| match s {
            Size::One => Some(1),
            Size::Batch => Some(batch),
            Size::Units => units,
            Size::Pre => pre,
            Size::Post => post,
            Size::Named(n) => named.iter().find(|(m, _)| *m == n).map(|(_, k)| *k),
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
}
