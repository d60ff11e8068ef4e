//! Sources of a wire: a compartment, or an operation over several.
//!
//! Mirrors ngcsimlib's operations: `Summation(a, b, ...)` is the elementwise sum
//! `((a + b) + ...)`, `Product(a, b, ...)` the elementwise product, both folded left
//! to right, and both may nest.

/// Where a wired compartment reads its value from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// Another compartment, `component:compartment`.
    Path(String),
    /// The elementwise sum of the operands, left to right.
    Summation(Vec<Source>),
    /// The elementwise product of the operands, left to right.
    Product(Vec<Source>),
    /// The operands side by side, their columns joined in order (an extension of
    /// ngcsimlib's operations): `(rows, a + b + ...)` from `(rows, a)`, `(rows, b)`, ...
    /// A synapse fed by several populations reads their spikes as one input.
    Concatenation(Vec<Source>),
}

impl Source {
    /// ngcsimlib's name for the operation (`None` for a plain path).
    pub fn op_name(&self) -> Option<&'static str> {
        match self {
            Source::Path(_) => None,
            Source::Summation(_) => Some("Summation"),
            Source::Product(_) => Some("Product"),
            Source::Concatenation(_) => Some("Concatenation"),
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Path(p) => write!(f, "`{p}`"),
            Source::Summation(ops) | Source::Product(ops) | Source::Concatenation(ops) => {
                write!(f, "{}(", self.op_name().unwrap_or_default())?;
                for (i, o) in ops.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{o}")?;
                }
                write!(f, ")")
            }
        }
    }
}

impl From<&str> for Source {
    fn from(path: &str) -> Source {
        Source::Path(path.to_string())
    }
}

impl From<String> for Source {
    fn from(path: String) -> Source {
        Source::Path(path)
    }
}

/// `Summation(a, b, ...)`: builds a [`Source::Summation`].
///
/// ```
/// use ngclearn::core::operations::{Summation, Source};
/// let s = Summation::of(["We:i_syn", "Wi:i_syn"]);
/// assert_eq!(s.to_string(), "Summation(`We:i_syn`, `Wi:i_syn`)");
/// ```
pub struct Summation;

impl Summation {
    /// The sum of `operands`.
    pub fn of<S: Into<Source>>(operands: impl IntoIterator<Item = S>) -> Source {
        Source::Summation(operands.into_iter().map(Into::into).collect())
    }
}

/// `Product(a, b, ...)`: builds a [`Source::Product`].
pub struct Product;

impl Product {
    /// The product of `operands`.
    pub fn of<S: Into<Source>>(operands: impl IntoIterator<Item = S>) -> Source {
        Source::Product(operands.into_iter().map(Into::into).collect())
    }
}

/// `Concatenation(a, b, ...)`: builds a [`Source::Concatenation`].
///
/// ```
/// use ngclearn::core::operations::{Concatenation, Source};
/// let s = Concatenation::of(["exc:s", "inh:s"]);
/// assert_eq!(s.to_string(), "Concatenation(`exc:s`, `inh:s`)");
/// ```
pub struct Concatenation;

impl Concatenation {
    /// The columns of `operands`, side by side.
    pub fn of<S: Into<Source>>(operands: impl IntoIterator<Item = S>) -> Source {
        Source::Concatenation(operands.into_iter().map(Into::into).collect())
    }
}
