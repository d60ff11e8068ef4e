//! The one error type of the library: small, structured, and naming what is wrong.

use thiserror::Error;

/// Result with the library's [`Error`].
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
    /// No component of that name exists in the model.
    #[error("unknown component `{name}`")]
    UnknownComponent {
        /// The name asked for.
        name: String,
    },
    /// The component exists but has no compartment of that name.
    #[error(
        "component `{component}` ({class}) has no compartment `{compartment}`; it has: {available}"
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
    #[error("unknown process `{name}`")]
    UnknownProcess {
        /// The name asked for.
        name: String,
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
