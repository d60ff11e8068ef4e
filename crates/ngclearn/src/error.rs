//! The one error type of the library: small, structured, and naming what is wrong.

use thiserror::Error;

/// Result with the library's [`Error`](enum@Error).
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when building, wiring, setting or running a model.
///
/// Every variant names the component, compartment or parameter at fault.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum Error {
    /// A hyper-parameter is out of its domain (non-positive time constant, NaN, ...).
    #[error("component `{component}`: parameter `{param}` = {value} is invalid: {reason}")]
    InvalidParameter {
        /// The component being built.
        component: String,
        /// The parameter's name, spelled as in ngclearn.
        param: String,
        /// The value given, as text.
        value: String,
        /// What the value must be.
        reason: String,
    },
    /// A parameter fails a condition ngclearn's constructor asserts (`resist_m > 0`):
    /// ngclearn raises an `AssertionError` there.
    #[error("component `{component}`: parameter `{param}` = {value} fails ngclearn's assertion `{condition}`")]
    FailedAssertion {
        /// The component being built.
        component: String,
        /// The parameter's name, spelled as in ngclearn.
        param: String,
        /// The value given, as text.
        value: String,
        /// The condition ngclearn asserts, as its code writes it.
        condition: String,
    },
    /// A parameter ngclearn's constructor divides by is zero: ngclearn raises a
    /// `ZeroDivisionError` there.
    #[error("component `{component}`: parameter `{param}` is 0, and ngclearn divides by it")]
    DivisionByZero {
        /// The component being built.
        component: String,
        /// The parameter's name, spelled as in ngclearn.
        param: String,
    },
    /// No component of that name exists in the model.
    #[error("unknown component `{name}`; known: {}", name_list(&name.known))]
    UnknownComponent {
        /// The name asked for, with the components that exist.
        name: NotFound,
    },
    /// The component's class declares no method of that name.
    #[error("component `{component}` ({class}) has no method `{method}`; known: {available}")]
    UnknownMethod {
        /// The component.
        component: String,
        /// Its class.
        class: String,
        /// The method asked for.
        method: String,
        /// The methods it does have, comma-separated.
        available: String,
    },
    /// The component exists but has no compartment of that name.
    #[error(
        "component `{component}` ({class}) has no compartment `{compartment}`; known: {available}"
    )]
    UnknownCompartment {
        /// The component.
        component: String,
        /// Its class.
        class: String,
        /// The compartment asked for.
        compartment: String,
        /// The compartments it does have, comma-separated.
        available: String,
    },
    /// Two components were given the same name.
    #[error("duplicate component name `{name}`")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },
    /// Two processes were given the same name.
    #[error("duplicate process name `{name}`")]
    DuplicateProcess {
        /// The repeated name.
        name: String,
    },
    /// No process of that name exists in the model.
    #[error("unknown process `{name}`; known: {}", name_list(&name.known))]
    UnknownProcess {
        /// The name asked for, with the processes that exist.
        name: NotFound,
    },
    /// A path is not of the form `component:compartment`.
    #[error("malformed compartment path `{path}`: expected `component:compartment`")]
    MalformedPath {
        /// The path given.
        path: String,
    },
    /// A value's shape does not fit the compartment (on set or on wire).
    #[error("`{path}`: shape mismatch: expected {expected:?}, got {got:?}{context}")]
    ShapeMismatch {
        /// The compartment (or operation) path.
        path: String,
        /// Its shape.
        expected: Vec<usize>,
        /// The shape offered.
        got: Vec<usize>,
        /// Where the other shape came from, if from a wire.
        context: String,
    },
    /// A compartment already has a source.
    #[error("`{path}` is already wired")]
    AlreadyWired {
        /// The target compartment.
        path: String,
    },
    /// A wired compartment has no value of its own, so it cannot be set.
    #[error("`{path}` is wired from {source_desc}: set the source instead")]
    WiredCompartment {
        /// The target compartment.
        path: String,
        /// Its source.
        source_desc: String,
    },
    /// A `Summation` or `Product` with no operands.
    #[error("`{op}` wired into `{path}` has no operands")]
    EmptyOperation {
        /// `Summation` or `Product`.
        op: String,
        /// The target compartment.
        path: String,
    },
    /// An array was given where a PRNG key is kept, or the reverse.
    #[error("`{path}` holds {holds}, not {given}")]
    KindMismatch {
        /// The compartment.
        path: String,
        /// What it holds.
        holds: String,
        /// What was given.
        given: String,
    },
    /// A time step that is not a positive, finite number.
    #[error("dt = {dt} is invalid: it must be a positive, finite number of ms")]
    InvalidTimeStep {
        /// The value given.
        dt: f32,
    },
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file or directory.
        path: String,
        /// What the operating system said.
        message: String,
        /// Whether the file or directory does not exist.
        not_found: bool,
    },
    /// A file's content is malformed or does not fit the model: names the file and field.
    #[error("{path}: `{field}`: {message}")]
    Format {
        /// The file.
        path: String,
        /// The field within it (JSON key path, npz entry, or component).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// An argument of the wrong type (a string where a number goes): names the file
    /// (or component) and the argument, as [`Error::Format`] does.
    #[error("{path}: `{field}`: {message}")]
    ArgumentType {
        /// The file, or the component.
        path: String,
        /// The argument.
        field: String,
        /// What was expected and what was given.
        message: String,
    },
    /// A file that does not parse (JSON, TOML): where, on one line.
    #[error("{path}: line {line}, column {column}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// The line of the error, from 1.
        line: usize,
        /// The column of the error (in characters), from 1.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A saved model names a class this library does not implement.
    #[error("{path}: `{field}`: unknown class `{module_path}`; supported: {supported}")]
    UnknownClass {
        /// The file.
        path: String,
        /// The component (or operation, process) naming it.
        field: String,
        /// The class's module path as written.
        module_path: String,
        /// The classes that are supported.
        supported: String,
    },
    /// No process, or more than one, fits what was asked for.
    #[error("cannot choose the {what} process: {reason}; processes: {candidates}")]
    NoProcess {
        /// "advance" or "reset".
        what: String,
        /// Why none was chosen.
        reason: String,
        /// The model's processes, comma-separated.
        candidates: String,
    },
    /// A time that is not finite.
    #[error("t = {t} is invalid: it must be finite")]
    InvalidTime {
        /// The value given.
        t: f32,
    },
    /// A handle resolved on one model was used on another (models are told apart by
    /// their id (`ModelId`, whose number this holds), shown `#N`, since two models may
    /// share a name).
    #[error("a handle of model #{handle_model}'s {what} used on model `{model}` (#{model_id}); resolve it on this model")]
    ForeignHandle {
        /// What the handle addresses: `compartment` or `process`.
        what: &'static str,
        /// The id of the model that resolved the handle.
        handle_model: u64,
        /// The name of the model it was used on.
        model: String,
        /// That model's id.
        model_id: u64,
    },
}

/// What kind of problem an error is, for a front end that maps errors to its own
/// (the Python package's exception types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A name (component, compartment, method, process, class) that is not there.
    UnknownName,
    /// A file or directory that does not exist.
    FileNotFound,
    /// Another problem reading or writing a file.
    Io,
    /// A value of the wrong type: an argument, or a key where an array goes.
    WrongType,
    /// Anything else about the values given.
    InvalidValue,
    /// A value failing a condition ngclearn asserts (its `AssertionError`).
    FailedAssertion,
    /// Zero where ngclearn divides by a value (its `ZeroDivisionError`).
    DivisionByZero,
}

impl Error {
    /// Its kind (see [`ErrorKind`]).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::UnknownComponent { .. }
            | Error::UnknownMethod { .. }
            | Error::UnknownCompartment { .. }
            | Error::UnknownProcess { .. }
            | Error::UnknownClass { .. } => ErrorKind::UnknownName,
            Error::Io {
                not_found: true, ..
            } => ErrorKind::FileNotFound,
            Error::Io { .. } => ErrorKind::Io,
            Error::KindMismatch { .. } | Error::ArgumentType { .. } => ErrorKind::WrongType,
            Error::FailedAssertion { .. } => ErrorKind::FailedAssertion,
            Error::DivisionByZero { .. } => ErrorKind::DivisionByZero,
            _ => ErrorKind::InvalidValue,
        }
    }
}

/// A name that was asked for and not found, with the names that do exist.
///
/// It converts from and compares as the name alone (`known` is context for the
/// message), so `Error::UnknownProcess { name: "advance".into() }` equals the error a
/// model with any processes returns for `advance`.
#[derive(Debug, Clone, Default)]
pub struct NotFound {
    /// The name asked for.
    pub name: String,
    /// The names that exist, in the model's order.
    pub known: Vec<String>,
}

impl NotFound {
    /// `name`, not among `known`.
    pub fn new<S: AsRef<str>>(name: &str, known: impl IntoIterator<Item = S>) -> NotFound {
        NotFound {
            name: name.to_string(),
            known: known.into_iter().map(|s| s.as_ref().to_string()).collect(),
        }
    }

    /// The name asked for.
    pub fn as_str(&self) -> &str {
        &self.name
    }
}

impl PartialEq for NotFound {
    fn eq(&self, other: &NotFound) -> bool {
        self.name == other.name
    }
}

impl PartialEq<str> for NotFound {
    fn eq(&self, other: &str) -> bool {
        self.name == other
    }
}

impl PartialEq<&str> for NotFound {
    fn eq(&self, other: &&str) -> bool {
        self.name == *other
    }
}

impl From<&str> for NotFound {
    fn from(name: &str) -> NotFound {
        NotFound::new(name, Vec::<String>::new())
    }
}

impl From<String> for NotFound {
    fn from(name: String) -> NotFound {
        NotFound {
            name,
            known: Vec::new(),
        }
    }
}

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// Most names listed in an error message; more end in `…`.
pub const MAX_LISTED: usize = 20;

/// `names` comma-separated for an error message: at most [`MAX_LISTED`], then `…`;
/// `(none)` if there are none.
pub fn name_list<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> String {
    let mut out = String::new();
    for (i, n) in names.into_iter().enumerate() {
        if i == MAX_LISTED {
            out.push_str(", …");
            break;
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(n.as_ref());
    }
    if out.is_empty() {
        out.push_str("(none)");
    }
    out
}

impl Error {
    /// An [`Error::Format`] for `field` of the file at `path`.
    pub fn format(
        path: impl std::fmt::Display,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        Error::Format {
            path: path.to_string(),
            field: field.into(),
            message: message.into(),
        }
    }

    /// An [`Error::InvalidParameter`] for `component`'s `param`.
    pub fn param(
        component: &str,
        param: &str,
        value: impl std::fmt::Display,
        reason: &str,
    ) -> Error {
        Error::InvalidParameter {
            component: component.to_string(),
            param: param.to_string(),
            value: value.to_string(),
            reason: reason.to_string(),
        }
    }
}
